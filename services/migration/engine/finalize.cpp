// finalize: make the temp durable, verify it against the source's chunk
// hashes (repairing a chunk once), rename it into place.
#include "services/migration/engine/copy_engine.hpp"

#include "services/migration/engine/aligned_buffer.hpp"
#include "services/migration/engine/file_io.hpp"
#include "services/migration/engine/read_back.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace storemesh::services::migration {

using namespace engine_detail;

namespace {

std::string chunk_name(const chunk_plan& plan, std::uint64_t i) {
  return "chunk " + std::to_string(i) + " [" + std::to_string(plan.offset(i)) + ", " + std::to_string(plan.end(i)) +
         ")";
}

result<std::uint64_t> size_of(int fd, const std::filesystem::path& file) {
  struct stat st{};
  if (::fstat(fd, &st) != 0) return io_failure(errno, "fstat", file);
  return static_cast<std::uint64_t>(st.st_size);
}

/// Copies chunk i from the source again, provided it still hashes to what
/// the job recorded (otherwise the recorded hashes describe another version).
result<void> recopy_chunk(const copy_spec& spec, const chunk_plan& plan, int source, int temp, std::uint64_t i,
                          const chunk_hash& recorded) {
  const aligned_buffer buf(plan.length(i));
  SM_TRY(const auto got, pread_full(source, buf.data(), buf.size(), plan.offset(i), spec.source,
                                    engine_errc::source_unreadable));
  if (got != buf.size() || sha256(buf.data(), buf.size()) != recorded)
    return make_error(engine_errc::source_changed,
                      spec.source.string() + ": " + chunk_name(plan, i) + " no longer has the hash recorded for it");
  return pwrite_full(temp, buf.data(), buf.size(), plan.offset(i), spec.temp);
}

/// Verifies the temp, repairing each differing chunk once.
result<void> verify_temp(const copy_spec& spec, const chunk_plan& plan, int temp,
                         const std::vector<chunk_hash>& hashes) {
  SM_TRY(const auto bad, mismatched_chunks(temp, spec.temp, plan, hashes, all_chunks(plan), spec.cpu_ns));
  if (bad.empty()) return success();
  SM_TRY(const auto source, open_file(spec.source, O_RDONLY, engine_errc::source_unreadable));
  for (const std::uint64_t i : bad) SM_TRYV(recopy_chunk(spec, plan, source.get(), temp, i, hashes[i]));
  SM_TRYV(datasync_file(temp, spec.temp));
  SM_TRY(const auto still_bad, mismatched_chunks(temp, spec.temp, plan, hashes, bad, spec.cpu_ns));
  if (!still_bad.empty())
    return make_error(engine_errc::verification_failed,
                      spec.temp.string() + ": " + chunk_name(plan, still_bad.front()) +
                          " reads back wrong even after copying it again (" + std::to_string(still_bad.size()) +
                          " chunk(s))");
  return success();
}

/// The rename is durable once the directory is synced; the temp's directory
/// too, when it is another one (it lost an entry).
result<void> sync_directories(const copy_spec& spec) {
  const auto dest_dir = spec.destination.parent_path();
  SM_TRYV(sync_directory(dest_dir));
  if (spec.temp.parent_path() != dest_dir) SM_TRYV(sync_directory(spec.temp.parent_path()));
  return success();
}

/// A previous finalize renamed the temp (and may have died before or after
/// syncing the directory): check the destination, finish the sync.
result<void> reverify_destination(const copy_spec& spec, const chunk_plan& plan,
                                  const std::vector<chunk_hash>& hashes) {
  auto dest = open_file(spec.destination, O_RDONLY | O_NOFOLLOW, engine_errc::io_error);
  if (!dest)
    return make_error(engine_errc::not_found,
                      "neither the temp " + spec.temp.string() + " nor the destination " +
                          spec.destination.string() + " exists");
  SM_TRY(const auto size, size_of(dest.value().get(), spec.destination));
  if (size != plan.size)
    return make_error(engine_errc::not_found, "the temp " + spec.temp.string() + " is gone and the destination " +
                                                  spec.destination.string() + " has " + std::to_string(size) +
                                                  " bytes, not " + std::to_string(plan.size));
  SM_TRY(const auto bad, mismatched_chunks(dest.value().get(), spec.destination, plan, hashes, all_chunks(plan), spec.cpu_ns));
  // Not repaired: once renamed, the destination is visible to its users.
  if (!bad.empty())
    return make_error(engine_errc::verification_failed,
                      spec.destination.string() + ": " + chunk_name(plan, bad.front()) + " differs from the source");
  return sync_directories(spec);
}

} // namespace

result<chunk_hash> finalize(const copy_spec& spec, const std::vector<chunk_hash>& source_hashes) {
  if (spec.chunk_size == 0) return errno_error(EINVAL, "finalize: chunk_size 0");
  const chunk_plan plan{spec.expect.size, spec.chunk_size};
  if (source_hashes.size() != plan.count())
    return make_error(engine_errc::verification_failed,
                      spec.source.string() + ": " + std::to_string(source_hashes.size()) + " chunk hashes for " +
                          std::to_string(plan.count()) + " chunks");

  const int raw = ::open(spec.temp.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  if (raw < 0 && errno == ENOENT) {
    SM_TRYV(reverify_destination(spec, plan, source_hashes));
    return job_digest(source_hashes);
  }
  if (raw < 0) return io_failure(errno, "open", spec.temp);
  const unique_fd temp(raw);

  SM_TRY(const auto size, size_of(temp.get(), spec.temp));
  if (size > plan.size && ::ftruncate(temp.get(), static_cast<off_t>(plan.size)) != 0)
    return io_failure(errno, "ftruncate", spec.temp);
  SM_TRYV(datasync_file(temp.get(), spec.temp));
  SM_TRYV(verify_temp(spec, plan, temp.get(), source_hashes));
  if (::rename(spec.temp.c_str(), spec.destination.c_str()) != 0)
    return io_failure(errno, "rename to " + spec.destination.string() + " from", spec.temp);
  SM_TRYV(sync_directories(spec));
  return job_digest(source_hashes);
}

} // namespace storemesh::services::migration
