#pragma once
// dag-pb (codec 0x70) and the UnixFS Data it carries for a file, encoded as
// kubo encodes them (boxo's merkledag with go-codec-dagpb, UnixFS via
// google.golang.org/protobuf, proto2), so our nodes hash to kubo's CIDs:
//
//   PBNode  { repeated PBLink Links = 2; optional bytes Data = 1; }
//           written Links first, then Data (go-codec-dagpb's canonical order,
//           boxo's default PBNodeLinksFirst), Data only when set.
//   PBLink  { bytes Hash = 1; string Name = 2; uint64 Tsize = 3; }
//           all three written, in that order; the importer's Name is "" and is
//           still written (0x12 0x00); Tsize is the cumulative size: a raw
//           leaf's length, a node's encoded length plus its links' Tsizes.
//   UnixFS Data { required Type = 1; optional bytes Data = 2;
//                 optional uint64 filesize = 3; repeated uint64 blocksizes = 4; ... }
//           a file node built by the importer: Type = File (2), no Data (raw
//           leaves hold the bytes), filesize = sum of blocksizes, one
//           blocksize per link (the file bytes under it), not packed (proto2's
//           default), i.e. 08 02 18 <filesize> 20 <b0> 20 <b1> ...
//
// The decoders accept what a correct encoder may write (Data before Links,
// packed blocksizes, hashType/fanout/mode/mtime skipped) and reject unknown
// fields, wrong wire types, truncation and duplicates of singular fields.

#include "events/error.hpp"
#include "services/consensus/content/cid.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace storemesh::services::consensus {

struct pb_link {
  cid hash;
  std::string name;         ///< "" for the links of a file node
  std::uint64_t tsize = 0;  ///< cumulative size of the block and everything under it
};

struct pb_node {
  std::vector<pb_link> links;
  std::optional<std::string> data;  ///< the UnixFS Data bytes, when present
};

/// The canonical encoding (see above).
[[nodiscard]] std::string encode_pb_node(const pb_node& node);
/// bad_dag_pb for anything that is not a PBNode.
[[nodiscard]] result<pb_node> decode_pb_node(std::string_view bytes);

/// UnixFS Data types (unixfs.proto's DataType).
enum class unixfs_type : std::uint64_t { raw = 0, directory = 1, file = 2, metadata = 3, symlink = 4, hamt_shard = 5 };

struct unixfs_data {
  unixfs_type type = unixfs_type::raw;
  std::optional<std::string> data;  ///< bytes held inline (not written by our importer)
  std::optional<std::uint64_t> filesize;
  std::vector<std::uint64_t> blocksizes;
};

/// A file node's Data as the importer writes it: Type=File, filesize, blocksizes.
[[nodiscard]] std::string encode_unixfs_file(std::uint64_t filesize, const std::vector<std::uint64_t>& blocksizes);
/// bad_unixfs for anything that is not a UnixFS Data message.
[[nodiscard]] result<unixfs_data> decode_unixfs(std::string_view bytes);

} // namespace storemesh::services::consensus
