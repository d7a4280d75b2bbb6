#include "services/consensus/content/unixfs_file.hpp"

#include "events/posix_io.hpp"
#include "services/consensus/content/content_errc.hpp"
#include "services/consensus/content/dag_pb.hpp"

#include <fcntl.h>

#include <cerrno>
#include <memory>

namespace storemesh::services::consensus {

unixfs_file_builder::unixfs_file_builder(block_sink sink) : sink_(std::move(sink)) {}

result<void> unixfs_file_builder::emit(const cid& id, std::string_view bytes) {
  if (sink_) return sink_(id, bytes);
  return success();
}

result<void> unixfs_file_builder::add_chunk(std::string_view chunk) {
  if (chunk.empty()) return success();
  if (chunk.size() > unixfs_chunk_size)
    return make_error(content_errc::block_too_large, "chunk of " + std::to_string(chunk.size()) + " bytes");
  if (short_chunk_seen_) return make_error(content_errc::bad_unixfs, "a chunk after a short (last) chunk");
  short_chunk_seen_ = chunk.size() < unixfs_chunk_size;
  const cid leaf = cid::of(codec_raw, chunk);
  SM_TRYV(emit(leaf, chunk));
  size_ += chunk.size();
  return push(0, child{leaf, chunk.size(), chunk.size()});
}

// Adds a child to a level. A full level is closed into a node only when one
// more child arrives: boxo checks for more data (db.Done()) before it starts a
// new node, so a full node stays the root if the file ends there.
result<void> unixfs_file_builder::push(std::size_t level, const child& c) {
  if (levels_.size() <= level) levels_.resize(level + 1);
  if (levels_[level].size() == unixfs_max_links) {
    SM_TRY(const auto node, close(level));
    SM_TRYV(push(level + 1, node));
  }
  levels_[level].push_back(c);
  return success();
}

// Encodes a level's children as one dag-pb file node, emits it, empties the level.
result<unixfs_file_builder::child> unixfs_file_builder::close(std::size_t level) {
  auto& children = levels_[level];
  pb_node node;
  std::vector<std::uint64_t> blocksizes;
  node.links.reserve(children.size());
  blocksizes.reserve(children.size());
  std::uint64_t filesize = 0, tsize = 0;
  for (const auto& c : children) {
    node.links.push_back(pb_link{c.id, "", c.tsize});
    blocksizes.push_back(c.filesize);
    filesize += c.filesize;
    tsize += c.tsize;
  }
  node.data = encode_unixfs_file(filesize, blocksizes);
  const std::string bytes = encode_pb_node(node);
  const cid id = cid::of(codec_dag_pb, bytes);
  SM_TRYV(emit(id, bytes));
  children.clear();
  return child{id, bytes.size() + tsize, filesize};
}

result<cid> unixfs_file_builder::finish() {
  if (levels_.empty()) {  // no data: the empty raw block
    const cid empty = cid::of(codec_raw, {});
    SM_TRYV(emit(empty, {}));
    return empty;
  }
  if (levels_.size() == 1 && levels_[0].size() == 1) return levels_[0][0].id;  // one chunk: the leaf
  // Close every level below the top into its parent; pushing may itself add a
  // level (a full one overflowing), so the bound is re-read each time.
  for (std::size_t level = 0; level + 1 < levels_.size(); ++level) {
    if (levels_[level].empty()) continue;
    SM_TRY(const auto node, close(level));
    SM_TRYV(push(level + 1, node));
  }
  SM_TRY(const auto root, close(levels_.size() - 1));
  return root.id;
}

result<cid> bytes_cid(std::string_view bytes, const block_sink& sink) {
  unixfs_file_builder builder(sink);
  for (std::size_t at = 0; at < bytes.size(); at += unixfs_chunk_size)
    SM_TRYV(builder.add_chunk(bytes.substr(at, unixfs_chunk_size)));
  return builder.finish();
}

result<cid> for_each_block(const std::filesystem::path& path, const block_sink& sink) {
  posix::unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    const int err = errno;
    return make_error(err == ENOENT ? content_errc::not_found : content_errc::io_error,
                      posix::failure_detail(err, "open", path));
  }
  unixfs_file_builder builder(sink);
  const auto buffer = std::make_unique<std::byte[]>(unixfs_chunk_size);
  for (std::uint64_t pos = 0;;) {
    std::size_t got = 0;
    if (const int err = posix::pread_full(fd.get(), buffer.get(), unixfs_chunk_size, pos, got); err != 0)
      return make_error(content_errc::io_error, posix::failure_detail(err, "pread", path));
    SM_TRYV(builder.add_chunk({reinterpret_cast<const char*>(buffer.get()), got}));
    pos += got;
    if (got < unixfs_chunk_size) break;
  }
  return builder.finish();
}

result<cid> file_cid(const std::filesystem::path& path) { return for_each_block(path, {}); }

} // namespace storemesh::services::consensus
