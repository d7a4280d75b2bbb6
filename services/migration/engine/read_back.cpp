#include "services/migration/engine/read_back.hpp"

#include "services/migration/engine/aligned_buffer.hpp"
#include "services/migration/engine/file_io.hpp"

#include <fcntl.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

namespace storemesh::services::migration::engine_detail {
namespace {

result<chunk_hash> hash_chunk(int fd, const std::filesystem::path& file, const chunk_plan& plan, std::uint64_t i,
                              const aligned_buffer& buf, sha256_stream& hash) {
  const std::uint64_t begin = plan.offset(i);
  const std::uint64_t length = plan.length(i);
  for (std::uint64_t done = 0; done < length;) {
    const std::uint64_t n = std::min<std::uint64_t>(buf.size(), length - done);
    SM_TRY(const auto got, pread_full(fd, buf.data(), n, begin + done, file, engine_errc::io_error));
    hash.update(buf.data(), got);
    if (got < n) break;  // the file ends early: the hash will differ
    done += n;
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
                                                     const std::vector<std::uint64_t>& which) {
  drop_cached_pages(fd);
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

  std::atomic<std::size_t> next{0};
  std::mutex mutex;  // guards bad and failure
  std::vector<std::uint64_t> bad;
  std::optional<error> failure;
  const auto work = [&] {
    const aligned_buffer buf(io_block);
    sha256_stream hash;
    for (std::size_t k = next++; k < which.size(); k = next++) {
      const std::uint64_t i = which[k];
      auto h = hash_chunk(fd, file, plan, i, buf, hash);
      const std::lock_guard lock(mutex);
      if (!h) {
        if (!failure) failure = std::move(h).error();
        next = which.size();  // the others stop at their next chunk
      } else if (h.value() != expected[i]) {
        bad.push_back(i);
      }
    }
  };
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < worker_count(which.size()); ++t) helpers.emplace_back(work);
  work();
  for (auto& t : helpers) t.join();
  if (failure) return *failure;
  std::sort(bad.begin(), bad.end());
  return bad;
}

} // namespace storemesh::services::migration::engine_detail
