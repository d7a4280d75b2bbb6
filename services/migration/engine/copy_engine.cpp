// copy_range and discard. finalize is in finalize.cpp.
#include "services/migration/engine/copy_engine.hpp"

#include "services/migration/engine/chunk_copier.hpp"
#include "services/migration/engine/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace storemesh::services::migration {

using namespace engine_detail;

namespace {

result<void> check_range(const copy_spec& spec, std::uint64_t from) {
  if (spec.chunk_size == 0) return errno_error(EINVAL, "copy_range: chunk_size 0");
  if (from > spec.expect.size || (from % spec.chunk_size != 0 && from != spec.expect.size))
    return errno_error(EINVAL, "copy_range: from " + std::to_string(from) + " is not a chunk boundary of " +
                                   spec.source.string() + " (chunk " + std::to_string(spec.chunk_size) + ", size " +
                                   std::to_string(spec.expect.size) + ")");
  return success();
}

/// A temp left longer than the file by an earlier, abandoned attempt keeps
/// only the file's bytes.
result<void> cut_to_size(int fd, const copy_spec& spec) {
  struct stat st{};
  if (::fstat(fd, &st) != 0) return io_failure(errno, "fstat", spec.temp);
  if (static_cast<std::uint64_t>(st.st_size) > spec.expect.size &&
      ::ftruncate(fd, static_cast<off_t>(spec.expect.size)) != 0)
    return io_failure(errno, "ftruncate", spec.temp);
  return success();
}

} // namespace

result<run_outcome> copy_range(const copy_spec& spec, std::uint64_t from, const std::atomic<bool>& stop,
                               const std::function<void(const progress&)>& on_progress) {
  SM_TRYV(check_range(spec, from));
  SM_TRY(const auto source, open_file(spec.source, O_RDONLY, engine_errc::source_unreadable));
  SM_TRYV(check_unchanged(source.get(), spec.source, spec.expect));
  // Doubles the kernel's read-ahead on the source.
  (void)::posix_fadvise(source.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  // O_NOFOLLOW: a symlink planted at the temp's name must not redirect our
  // writes. No O_TRUNC: a resume continues the bytes already there.
  SM_TRY(const auto temp, open_file(spec.temp, O_WRONLY | O_CREAT | O_NOFOLLOW, engine_errc::io_error));

  // The caller's throttle, which it may change while this runs, or max_rate.
  std::optional<rate_control> own_rate;
  if (spec.rate == nullptr) own_rate.emplace(rate_plan{spec.max_rate});
  const copy_files files{spec, chunk_plan{spec.expect.size, spec.chunk_size}, source.get(), temp.get(),
                         spec.rate != nullptr ? *spec.rate : *own_rate};
  // from == size: nothing left, even when the last chunk is a short one.
  const std::uint64_t first_chunk = from == spec.expect.size ? files.plan.count() : from / spec.chunk_size;
  run_request request{files.plan, first_chunk, 1};
  request.cpu_ns = spec.cpu_ns;
  std::uint64_t reached = 0;
  if (spec.verify) {
    request.workers = worker_count(files.plan.count() - std::min(files.plan.count(), request.first_chunk));
    hashing_copier copier(files, request.workers);
    SM_TRY(reached, run_chunks(request, std::ref(copier), stop, on_progress));
  } else {
    plain_copier copier(files);
    SM_TRY(reached, run_chunks(request, std::ref(copier), stop, on_progress));
  }
  if (reached < spec.expect.size) return run_outcome{reached, false, reached - from};
  // A change during the last chunk is seen here, not by a next chunk's check.
  SM_TRYV(check_unchanged(source.get(), spec.source, spec.expect));
  SM_TRYV(cut_to_size(temp.get(), spec));
  return run_outcome{reached, true, reached - from};
}

std::uint64_t thread_cpu_ns() {
  timespec ts{};
  if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

void discard(const copy_spec& spec) {
  // Only the temp: the destination is either not there yet or already the
  // verified file of a finalize that succeeded.
  (void)::unlink(spec.temp.c_str());
}

} // namespace storemesh::services::migration
