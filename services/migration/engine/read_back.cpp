#include "services/migration/engine/read_back.hpp"

#include "services/migration/engine/aligned_buffer.hpp"
#include "services/migration/engine/copy_engine.hpp"
#include "services/migration/engine/file_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <optional>
#include <thread>

namespace storemesh::services::migration::engine_detail {
namespace {

// O_DIRECT wants offsets, lengths and buffers aligned to the device's logical
// block; 4096 covers every common device (512 and 4096). A device needing
// more answers EINVAL, and the page cache is used instead.
constexpr std::uint64_t direct_alignment = aligned_buffer::page;
// Bytes per direct read: nothing reads ahead for O_DIRECT, so reads are large
// and several threads keep the disk busy while others hash (measured on the
// 2-core VM: 4 threads x 2 MiB read back 1 GiB in ~0.55 s; buffered 0.65-1.5 s).
constexpr std::uint64_t direct_block = 2u << 20;
constexpr unsigned direct_threads_per_worker = 2;

/// How the chunks are read: through `direct` (O_DIRECT) while it works, else
/// through `buffered`.
struct readers {
  int buffered = -1;
  int direct = -1;
  std::atomic<bool> direct_failed{false};
};

/// One O_DIRECT read of up to n bytes at pos: fewer only at the end of the
/// file; nullopt when the device refuses the alignment (EINVAL).
result<std::optional<std::uint64_t>> read_direct(int fd, std::byte* buf, std::uint64_t n, std::uint64_t pos,
                                                 const std::filesystem::path& file) {
  std::uint64_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd, buf + done, n - done, static_cast<off_t>(pos + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EINVAL) return std::optional<std::uint64_t>();
    if (r < 0) return io_failure(errno, "pread (O_DIRECT)", file);
    done += static_cast<std::uint64_t>(r);
    if (r == 0 || done % direct_alignment != 0) break;  // the end of the file
  }
  return std::optional<std::uint64_t>(done);
}

result<chunk_hash> hash_chunk(readers& in, const std::filesystem::path& file, const chunk_plan& plan,
                              std::uint64_t i, const aligned_buffer& buf, sha256_stream& hash) {
  const std::uint64_t begin = plan.offset(i);
  const std::uint64_t length = plan.length(i);
  for (std::uint64_t done = 0; done < length;) {
    const std::uint64_t want = std::min<std::uint64_t>(buf.size(), length - done);
    std::optional<std::uint64_t> got;
    if (!in.direct_failed) {
      // Rounded up to the alignment: the bytes past the chunk are not hashed.
      const std::uint64_t aligned = (want + direct_alignment - 1) / direct_alignment * direct_alignment;
      SM_TRY(got, read_direct(in.direct, buf.data(), std::min<std::uint64_t>(aligned, buf.size()), begin + done, file));
      if (!got) in.direct_failed = true;
    }
    if (!got) {
      SM_TRY(const auto n, pread_full(in.buffered, buf.data(), want, begin + done, file, engine_errc::io_error));
      got = n;
    }
    const std::uint64_t used = std::min(*got, want);
    hash.update(buf.data(), used);
    if (used < want) break;  // the file ends early: the hash will differ
    done += used;
  }
  return hash.finish();
}

} // namespace

std::vector<std::uint64_t> all_chunks(const chunk_plan& plan) {
  std::vector<std::uint64_t> out(plan.count());
  for (std::uint64_t i = 0; i < out.size(); ++i) out[i] = i;
  return out;
}

result<std::vector<std::uint64_t>> mismatched_chunks(int fd, const std::filesystem::path& file,
                                                     const chunk_plan& plan, const std::vector<chunk_hash>& expected,
                                                     const std::vector<std::uint64_t>& which,
                                                     std::atomic<std::uint64_t>* cpu_ns) {
  // For the page-cache path; also frees the memory, which nothing reads again.
  drop_cached_pages(fd);
  readers in;
  in.buffered = fd;
  unique_fd direct;
  if (plan.chunk_size % direct_alignment == 0) direct = unique_fd(::open(file.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC));
  in.direct = direct.get();
  in.direct_failed = in.direct < 0;  // a file system without O_DIRECT (EINVAL)
  if (in.direct_failed) (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  const std::uint64_t block = in.direct_failed ? io_block : direct_block;
  const unsigned threads = worker_count(which.size()) * (in.direct_failed ? 1 : direct_threads_per_worker);

  std::atomic<std::size_t> next{0};
  std::mutex mutex;  // guards bad and failure
  std::vector<std::uint64_t> bad;
  std::optional<error> failure;
  const auto work = [&] {
    const auto cpu_before = cpu_ns != nullptr ? thread_cpu_ns() : 0;
    const aligned_buffer buf(block);
    sha256_stream hash;
    for (std::size_t k = next++; k < which.size(); k = next++) {
      const std::uint64_t i = which[k];
      auto h = hash_chunk(in, file, plan, i, buf, hash);
      const std::lock_guard lock(mutex);
      if (!h) {
        if (!failure) failure = std::move(h).error();
        next = which.size();  // the others stop at their next chunk
      } else if (h.value() != expected[i]) {
        bad.push_back(i);
      }
    }
    if (cpu_ns != nullptr) *cpu_ns += thread_cpu_ns() - cpu_before;
  };
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < std::min<std::uint64_t>(threads, which.size()); ++t) helpers.emplace_back(work);
  work();
  for (auto& t : helpers) t.join();
  if (failure) return *failure;
  std::sort(bad.begin(), bad.end());
  return bad;
}

} // namespace storemesh::services::migration::engine_detail
