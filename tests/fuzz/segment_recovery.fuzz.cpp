// Fuzz target: arbitrary bytes as the last segment of a partition, recovered
// (recover_tail, repair mode) and then scanned (segment_scanner), the way a
// FileLog opens a partition after a crash. The segment lives in a memfd: the
// same pread/fstat/ftruncate calls as on disk, at memory speed.
//
// The first input byte steers the harness, the rest is the file:
//   bit 0  reseal: give every plausible batch its right CRC32C, so that
//          mutations get past the CRC to the checks behind it (record layout,
//          offsets); without it, mostly torn tails are explored
//   bit 1  renumber: while resealing, give batches consecutive base offsets
//   bits 2-3  the scanner's buffer: 64 B, 4 KiB, 64 KiB or 1 MiB (windowing)
//
// Invariants beyond "no crash, no UB":
//   - recovery either reports corruption (inconsistent batch, file untouched)
//     or leaves exactly valid_bytes, torn iff it cut something;
//   - what recovery left scans cleanly: only verified batches, back to back,
//     then end_of_data exactly at valid_bytes, at offset `end`;
//   - recovering again finds nothing torn and the same end.
#include "events/file_log/batch_format.hpp"
#include "events/file_log/segment_scanner.hpp"
#include "events/file_log/sparse_index.hpp"
#include "events/file_log/tail_recovery.hpp"
#include "events/log_errc.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <vector>

using namespace storemesh;
using namespace storemesh::events;
using namespace storemesh::events::file_log_detail;

namespace {

/// Fixes CRCs (and, when asked, base offsets) of every batch whose framing is plausible.
void reseal(std::vector<std::byte>& file, bool renumber) {
  std::size_t pos = 0;
  std::int64_t next = 0;
  while (pos + batch_header_bytes <= file.size()) {
    const batch_header h = read_header(file.data() + pos);
    if (!plausible_framing(h) || pos + h.length > file.size())
      return;
    if (renumber) {
      std::memcpy(file.data() + pos + 16, &next, sizeof next);
      next += h.record_count;
    }
    const std::uint32_t crc = crc32c(file.data() + pos + crc_covered_from, h.length - crc_covered_from);
    std::memcpy(file.data() + pos + 4, &crc, sizeof crc);
    pos += h.length;
  }
}

std::uint64_t size_of(int fd) {
  struct stat st {};
  FUZZ_CHECK(::fstat(fd, &st) == 0, "fstat of the memfd");
  return static_cast<std::uint64_t>(st.st_size);
}

struct memfd {
  int fd = ::memfd_create("fuzz-segment", MFD_CLOEXEC);
  ~memfd() { ::close(fd); }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  const std::uint8_t flags = data[0];
  std::vector<std::byte> file(size - 1);
  if (!file.empty())
    std::memcpy(file.data(), data + 1, file.size());
  if (flags & 1)
    reseal(file, (flags & 2) != 0);
  static constexpr std::size_t buffers[] = {64, 4096, 64 * 1024, std::size_t{1} << 20};
  const std::size_t buffer_bytes = buffers[(flags >> 2) & 3];

  memfd m;
  FUZZ_CHECK(m.fd >= 0, "memfd_create");
  FUZZ_CHECK(file.empty() || ::pwrite(m.fd, file.data(), file.size(), 0) == static_cast<ssize_t>(file.size()),
             "writing the segment");
  const std::filesystem::path path = "fuzz/00000000000000000000.seg";

  sparse_index index{offset{0}};
  auto cp = recover_tail(m.fd, path, 0, offset{0}, tail_mode::repair, index);
  if (!cp) {
    FUZZ_CHECK(cp.error().code == make_error_code(log_errc::corrupt_record), "recovery fails only on corruption");
    FUZZ_CHECK(size_of(m.fd) == file.size(), "corruption is never truncated");
    return 0;
  }
  FUZZ_CHECK(cp.value().file_bytes == file.size(), "recovery saw the whole file");
  FUZZ_CHECK(cp.value().valid_bytes <= cp.value().file_bytes, "valid bytes within the file");
  FUZZ_CHECK(cp.value().torn == (cp.value().valid_bytes < cp.value().file_bytes), "torn iff bytes were cut");
  FUZZ_CHECK(size_of(m.fd) == cp.value().valid_bytes, "repair leaves exactly the valid bytes");
  FUZZ_CHECK(cp.value().valid_bytes % batch_alignment == 0, "batches end 8-aligned");
  const auto floor = index.floor(cp.value().end);
  FUZZ_CHECK(floor.pos <= cp.value().valid_bytes, "the index points into the valid bytes");

  // What recovery left scans cleanly, through a buffer of another size.
  segment_scanner scanner(m.fd, path, 0, offset{0}, buffer_bytes);
  std::uint64_t batches = 0;
  for (;;) {
    auto step = scanner.next();
    FUZZ_CHECK(step.has_value(), "scanning the recovered segment does not fail");
    const scan_step& s = step.value();
    if (s.status == scan_status::batch) {
      FUZZ_CHECK(s.batch.file_pos + s.batch.header.length == scanner.position(), "batches back to back");
      FUZZ_CHECK(s.batch.header.record_count >= 1, "a verified batch has records");
      std::size_t pos = batch_header_bytes;
      for (std::uint32_t r = 0; r < s.batch.header.record_count; ++r)
        (void)decode_record(s.batch.data, pos);
      FUZZ_CHECK(pos == s.batch.header.length, "records tile a verified batch");
      ++batches;
      continue;
    }
    if (s.status != scan_status::end_of_data)
      std::fprintf(stderr, "recovered segment scans to status %d: %s\n", static_cast<int>(s.status), s.why.c_str());
    FUZZ_CHECK(s.status == scan_status::end_of_data, "the recovered segment ends cleanly");
    break;
  }
  FUZZ_CHECK(scanner.position() == cp.value().valid_bytes, "the scan ends where recovery said");
  FUZZ_CHECK(scanner.next_offset() == cp.value().end, "the scan ends at recovery's offset");

  sparse_index again_index{offset{0}};
  auto again = recover_tail(m.fd, path, 0, offset{0}, tail_mode::observe, again_index);
  FUZZ_CHECK(again.has_value(), "recovering a recovered segment succeeds");
  FUZZ_CHECK(!again.value().torn, "nothing torn the second time");
  FUZZ_CHECK(again.value().end == cp.value().end && again.value().valid_bytes == cp.value().valid_bytes,
             "the same end the second time");
  return 0;
}
