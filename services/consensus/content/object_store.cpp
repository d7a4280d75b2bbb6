#include "services/consensus/content/object_store.hpp"

#include "events/posix_io.hpp"
#include "services/consensus/content/content_errc.hpp"
#include "services/consensus/content/unixfs_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <system_error>

namespace storemesh::services::consensus {
namespace {

error io_failure(int err, std::string_view call, const std::filesystem::path& file) {
  return make_error(err == ENOENT ? content_errc::not_found : content_errc::io_error,
                    posix::failure_detail(err, call, file));
}

result<void> sync_path(const std::filesystem::path& p, int flags) {
  posix::unique_fd fd(::open(p.c_str(), flags | O_CLOEXEC));
  if (!fd) return io_failure(errno, "open", p);
  if (::fsync(fd.get()) != 0) return io_failure(errno, "fsync", p);
  return success();
}

// Distinct temp names for concurrent writers of the same block in one process.
std::atomic<std::uint64_t> temp_counter{0};

} // namespace

result<object_store> object_store::open(std::filesystem::path dir, options opts) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir, ec))
    return make_error(content_errc::io_error, "object store " + dir.string() + ": " +
                                                  (ec ? ec.message() : std::string("not a directory")));
  return object_store(std::move(dir), opts);
}

result<void> object_store::write_block(const cid& id, std::string_view bytes) const {
  if (bytes.size() > max_block_size)
    return make_error(content_errc::block_too_large, std::to_string(bytes.size()) + " bytes, at most " +
                                                         std::to_string(max_block_size));
  const auto final_path = path_of(id);
  // Already there and intact: nothing to write. A copy altered on disk is
  // replaced (rename over it), so putting a block again repairs it.
  if (has(id) && get(id)) return success();
  const auto temp = dir_ / (".tmp." + id.to_string() + "." + std::to_string(::getpid()) + "." +
                            std::to_string(temp_counter.fetch_add(1)));
  {
    posix::unique_fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd) return io_failure(errno, "open", temp);
    const int err = posix::pwrite_full(fd.get(), reinterpret_cast<const std::byte*>(bytes.data()), bytes.size(), 0);
    if (err == 0 && opts_.durable && ::fdatasync(fd.get()) != 0) {
      const int sync_err = errno;
      ::unlink(temp.c_str());
      return io_failure(sync_err, "fdatasync", temp);
    }
    if (err != 0) {
      ::unlink(temp.c_str());
      return io_failure(err, "pwrite", temp);
    }
  }
  if (::rename(temp.c_str(), final_path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return io_failure(err, "rename", final_path);
  }
  if (opts_.durable) SM_TRYV(sync_path(dir_, O_RDONLY | O_DIRECTORY));
  return success();
}

result<cid> object_store::put(std::string_view bytes, std::uint64_t codec) const {
  const cid id = cid::of(codec, bytes);
  SM_TRYV(write_block(id, bytes));
  return id;
}

result<void> object_store::put_verified(const cid& id, std::string_view bytes) const {
  if (bytes.size() > max_block_size)
    return make_error(content_errc::block_too_large, std::to_string(bytes.size()) + " bytes for " + id.to_string());
  SM_TRYV(verify_block(id, bytes));
  return write_block(id, bytes);
}

result<std::string> object_store::get(const cid& id) const {
  const auto p = path_of(id);
  posix::unique_fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return io_failure(errno, "open", p);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return io_failure(errno, "fstat", p);
  if (static_cast<std::uint64_t>(st.st_size) > max_block_size)
    return make_error(content_errc::block_too_large, p.string() + " holds " + std::to_string(st.st_size) + " bytes");
  std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  if (const int err = posix::pread_full(fd.get(), reinterpret_cast<std::byte*>(bytes.data()), bytes.size(), 0, got); err != 0)
    return io_failure(err, "pread", p);
  bytes.resize(got);
  SM_TRYV(verify_block(id, bytes));
  return bytes;
}

bool object_store::has(const cid& id) const { return ::access(path_of(id).c_str(), F_OK) == 0; }

result<cid> object_store::add_file(const std::filesystem::path& path) const {
  return for_each_block(path, [this](const cid& id, std::string_view bytes) { return write_block(id, bytes); });
}

result<std::uint64_t> object_store::read_file(const cid& root, const byte_sink& sink) const {
  return read_unixfs_file(root, [this](const cid& id) { return get(id); }, sink);
}

result<std::string> object_store::read_file(const cid& root) const {
  std::string out;
  SM_TRYV(read_file(root, [&out](std::string_view piece) -> result<void> {
    out.append(piece);
    return success();
  }));
  return out;
}

} // namespace storemesh::services::consensus
