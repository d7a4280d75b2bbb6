#include "services/consensus/content/file_reader.hpp"

#include "services/consensus/content/content_errc.hpp"
#include "services/consensus/content/dag_pb.hpp"

#include <optional>

namespace storemesh::services::consensus {
namespace {

// Reads the block `id` and everything under it into the sink; `expected` is
// the size the parent's blocksizes promise for it, if there is a parent.
result<std::uint64_t> read_node(const cid& id, std::optional<std::uint64_t> expected, unsigned depth,
                                const block_getter& get, const byte_sink& sink) {
  if (depth > max_dag_depth)
    return make_error(content_errc::bad_unixfs, "DAG deeper than " + std::to_string(max_dag_depth) + " at " + id.to_string());
  SM_TRY(const auto bytes, get(id));
  SM_TRYV(verify_block(id, bytes));
  const auto mismatch = [&](std::uint64_t got) {
    return make_error(content_errc::bad_unixfs, id.to_string() + " holds " + std::to_string(got) +
                                                    " bytes, its parent says " + std::to_string(*expected));
  };
  if (id.codec() == codec_raw) {
    if (expected && *expected != bytes.size()) return mismatch(bytes.size());
    SM_TRYV(sink(bytes));
    return bytes.size();
  }
  if (id.codec() != codec_dag_pb)
    return make_error(content_errc::unsupported_codec, "codec " + codec_name(id.codec()) + " in a file DAG");
  SM_TRY(const auto node, decode_pb_node(bytes));
  if (!node.data) return make_error(content_errc::bad_unixfs, id.to_string() + " has no UnixFS Data");
  SM_TRY(const auto fs, decode_unixfs(*node.data));
  if (fs.type != unixfs_type::file && fs.type != unixfs_type::raw)
    return make_error(content_errc::bad_unixfs, id.to_string() + " is not a file (UnixFS Type " +
                                                    std::to_string(static_cast<std::uint64_t>(fs.type)) + ")");
  if (fs.blocksizes.size() != node.links.size())
    return make_error(content_errc::bad_unixfs, id.to_string() + " has " + std::to_string(node.links.size()) +
                                                    " links and " + std::to_string(fs.blocksizes.size()) + " blocksizes");
  std::uint64_t total = 0;
  if (fs.data) {
    SM_TRYV(sink(*fs.data));
    total += fs.data->size();
  }
  for (std::size_t i = 0; i < node.links.size(); ++i) {
    SM_TRY(const auto n, read_node(node.links[i].hash, fs.blocksizes[i], depth + 1, get, sink));
    total += n;
  }
  if (fs.filesize && *fs.filesize != total)
    return make_error(content_errc::bad_unixfs, id.to_string() + " says filesize " + std::to_string(*fs.filesize) +
                                                    ", its blocks hold " + std::to_string(total));
  if (expected && *expected != total) return mismatch(total);
  return total;
}

} // namespace

result<std::vector<cid>> block_links(const cid& id, std::string_view bytes) {
  if (id.codec() == codec_raw) return std::vector<cid>{};
  if (id.codec() != codec_dag_pb)
    return make_error(content_errc::unsupported_codec, "codec " + codec_name(id.codec()));
  SM_TRY(const auto node, decode_pb_node(bytes));
  std::vector<cid> out;
  out.reserve(node.links.size());
  for (const auto& l : node.links) out.push_back(l.hash);
  return out;
}

result<std::uint64_t> read_unixfs_file(const cid& root, const block_getter& get, const byte_sink& sink) {
  return read_node(root, std::nullopt, 0, get, sink);
}

} // namespace storemesh::services::consensus
