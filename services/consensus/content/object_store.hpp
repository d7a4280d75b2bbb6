#pragma once
// A directory of blocks keyed by CID: one file per block, named by the CID's
// text (<dir>/bafk...), holding exactly the block's bytes.
//
// Writes are atomic and, by default, durable: the bytes go to a temp file
// (<dir>/.tmp.<cid>.<pid>.<n>), are fsynced, renamed over the final name and
// the directory is fsynced; a reader sees a whole block or none. Putting a
// block that is already there intact writes nothing (it is read and hashed);
// one altered on disk is replaced. Every read is verified: get()
// hashes the bytes and reports hash_mismatch for a file altered on disk.
//
// Thread-safety: every member is const on the object and may be called from
// any number of threads and processes at once (a router adding files while
// its block_server serves them): each write has its own temp name and the
// rename is atomic. A crash may leave .tmp.* files, which are never read.
//
//   auto store = object_store::open("/var/lib/router/blocks").value();
//   cid root = store.add_file("topology.txt").value();   // all blocks, root CID
//   std::string bytes = store.read_file(root).value();   // reassembled, verified

#include "events/error.hpp"
#include "services/consensus/content/cid.hpp"
#include "services/consensus/content/file_reader.hpp"

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace storemesh::services::consensus {

/// The largest block accepted (the bitswap and gateway limit of 2 MiB; a
/// UnixFS leaf is 256 KiB, a full node about 8 KiB).
inline constexpr std::size_t max_block_size = std::size_t{2} << 20;

class object_store {
public:
  struct options {
    /// fsync each block and the directory (false only for benchmarks and
    /// scratch stores: a crash may then lose recent blocks, never tear one).
    bool durable = true;
  };

  /// Opens the store in `dir`, creating the directory if needed (io_error if
  /// that fails or it is not a directory).
  [[nodiscard]] static result<object_store> open(std::filesystem::path dir, options opts);
  [[nodiscard]] static result<object_store> open(std::filesystem::path dir) { return open(std::move(dir), options{}); }

  /// Stores `bytes` as a block of `codec` and returns its CID.
  [[nodiscard]] result<cid> put(std::string_view bytes, std::uint64_t codec = codec_raw) const;
  /// Stores `bytes` as the block `id` if they hash to it; hash_mismatch (and
  /// nothing written) if not; block_too_large above max_block_size.
  [[nodiscard]] result<void> put_verified(const cid& id, std::string_view bytes) const;
  /// The block's bytes, verified: not_found, hash_mismatch (altered on disk), io_error.
  [[nodiscard]] result<std::string> get(const cid& id) const;
  /// Whether the block is stored (not verified).
  [[nodiscard]] bool has(const cid& id) const;

  /// Stores every block of the file's UnixFS DAG (unixfs_file.hpp: what
  /// `ipfs add --cid-version 1` computes) and returns the root CID. The file
  /// is read chunk by chunk; children are stored before their parents.
  [[nodiscard]] result<cid> add_file(const std::filesystem::path& path) const;
  /// Streams the file under `root` to `sink`, every block verified
  /// (file_reader.hpp); returns its size. not_found if a block is missing.
  [[nodiscard]] result<std::uint64_t> read_file(const cid& root, const byte_sink& sink) const;
  /// The whole file under `root` in memory.
  [[nodiscard]] result<std::string> read_file(const cid& root) const;

  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  [[nodiscard]] std::filesystem::path path_of(const cid& id) const { return dir_ / id.to_string(); }

private:
  object_store(std::filesystem::path dir, options opts) : dir_(std::move(dir)), opts_(opts) {}
  result<void> write_block(const cid& id, std::string_view bytes) const;

  std::filesystem::path dir_;
  options opts_;
};

} // namespace storemesh::services::consensus
