#pragma once
// A file as a UnixFS DAG, exactly as kubo builds it for
//   ipfs add --cid-version 1 --raw-leaves   (--raw-leaves is implied by --cid-version 1)
// so that our CIDs are kubo's, byte for byte (checked against boxo itself by
// tests/consensus/cid_interop.sh). The profile:
//
//   chunker   fixed size, 262144 bytes (kubo's size-262144); the last chunk is
//             shorter; an empty file has no chunks
//   leaves    raw blocks (codec raw 0x55): the chunk's bytes, nothing else
//   nodes     dag-pb (codec 0x70) holding UnixFS Data{Type=File, filesize,
//             blocksizes} and one link per child (dag_pb.hpp gives the bytes)
//   layout    balanced (boxo's importer/balanced), at most 174 links per node:
//             all leaves at the same depth; every node but the last at each
//             level is full; a level is added only when the one below it
//             overflows, so the last child of a node may be a chain of
//             one-link nodes down to its single leaf
//   hash      sha2-256; CIDv1 everywhere
//   one chunk a file of 1..262144 bytes is a single raw block: its CID is the
//             raw CID of its bytes ("bafkrei...")
//   empty     the empty raw block, bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku
//             (what kubo gives with raw leaves)
//   no attrs  no mode, no mtime (kubo's default)
//
// Streaming: the builder holds at most 174 links per level (a few KiB per
// level, 3 levels for 1.9 TB) and one chunk; blocks are handed to a sink as
// soon as they are final, children always before their parent, the root last.

#include "events/error.hpp"
#include "services/consensus/content/cid.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string_view>
#include <vector>

namespace storemesh::services::consensus {

inline constexpr std::size_t unixfs_chunk_size = 262144;
inline constexpr std::size_t unixfs_max_links = 174;

/// Receives each block of a DAG (its CID and bytes, valid only during the
/// call); an error stops the build and is returned by it.
using block_sink = std::function<result<void>(const cid&, std::string_view bytes)>;

/// Builds a file's DAG from its chunks, sans-IO. Not thread-safe; one file.
class unixfs_file_builder {
public:
  /// `sink` may be empty: then only the root CID is computed.
  explicit unixfs_file_builder(block_sink sink = {});

  /// The next chunk: unixfs_chunk_size bytes, except the last, which may be
  /// shorter. An empty chunk is ignored. block_too_large for a chunk longer
  /// than unixfs_chunk_size, bad_unixfs for a chunk after a short one.
  [[nodiscard]] result<void> add_chunk(std::string_view chunk);
  /// Emits the remaining nodes and returns the root CID. Call once.
  [[nodiscard]] result<cid> finish();

  /// Bytes of file added so far.
  [[nodiscard]] std::uint64_t size() const { return size_; }

private:
  struct child {
    cid id;
    std::uint64_t tsize;     // cumulative block bytes (the PBLink Tsize)
    std::uint64_t filesize;  // file bytes under it (the parent's blocksize)
  };
  result<void> push(std::size_t level, const child& c);
  result<child> close(std::size_t level);
  result<void> emit(const cid& id, std::string_view bytes);

  block_sink sink_;
  std::vector<std::vector<child>> levels_;  // levels_[0]: leaves not yet under a node
  std::uint64_t size_ = 0;
  bool short_chunk_seen_ = false;
};

/// The root CID of the bytes held in memory (tests, small files).
[[nodiscard]] result<cid> bytes_cid(std::string_view bytes, const block_sink& sink = {});

/// Reads `path` chunk by chunk (never whole), hands every block to `sink`
/// (children before parents, the root last) and returns the root CID.
/// not_found if there is no such file, io_error if it cannot be read.
[[nodiscard]] result<cid> for_each_block(const std::filesystem::path& path, const block_sink& sink);

/// What `ipfs add --cid-version 1 --raw-leaves --only-hash -Q path` prints.
[[nodiscard]] result<cid> file_cid(const std::filesystem::path& path);

} // namespace storemesh::services::consensus
