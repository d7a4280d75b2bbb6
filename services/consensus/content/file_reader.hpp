#pragma once
// Reading a UnixFS file DAG back from its blocks, wherever the blocks come
// from (the object store, a peer over HTTP). Every block is verified against
// the CID that named it before it is used, so a DAG read this way is the DAG
// its root names, or an error.
//
// Accepted: raw leaves and dag-pb file nodes (Type File or Raw), with bytes
// inline in a node's Data followed by its children's bytes (what kubo writes
// without raw leaves too). Checked: blocksizes has one entry per link, each
// child holds exactly its blocksize bytes, a node holds exactly its filesize,
// the DAG is at most max_dag_depth deep (a hostile DAG cannot recurse forever).

#include "events/error.hpp"
#include "services/consensus/content/cid.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace storemesh::services::consensus {

inline constexpr unsigned max_dag_depth = 32;

/// A block by CID: its bytes or an error (not_found, io_error ...). The
/// reader verifies the bytes; the getter need not.
using block_getter = std::function<result<std::string>(const cid&)>;
/// Receives the file's bytes in order, piece by piece.
using byte_sink = std::function<result<void>(std::string_view bytes)>;

/// The CIDs a block links to, in order: none for raw; the links of a dag-pb
/// node; unsupported_codec for any other codec. The bytes must be verified.
[[nodiscard]] result<std::vector<cid>> block_links(const cid& id, std::string_view bytes);

/// Streams the file under `root` into `sink`; returns its size.
[[nodiscard]] result<std::uint64_t> read_unixfs_file(const cid& root, const block_getter& get, const byte_sink& sink);

} // namespace storemesh::services::consensus
