#include "events/file_log/batch_format.hpp"

#include "events/crc32c.hpp"
#include "events/log_errc.hpp"

#include <isa-l.h>

#include <algorithm>
#include <climits>
#include <string>

namespace storemesh::events::file_log_detail {
namespace {

template <class T>
void put(std::byte* at, T v) {
  std::memcpy(at, &v, sizeof v);
}

template <class T>
T get(const std::byte* at) {
  T v;
  std::memcpy(&v, at, sizeof v);
  return v;
}

} // namespace

std::uint32_t crc32c(const std::byte* data, std::size_t n) {
  // One implementation for the log and for delivery's slices: events/crc32c.hpp.
  return events::crc32c(data, n);
}

batch_header read_header(const std::byte* b) {
  batch_header h;
  h.magic = get<std::uint32_t>(b + 0);
  h.crc = get<std::uint32_t>(b + 4);
  h.length = get<std::uint32_t>(b + 8);
  h.record_count = get<std::uint32_t>(b + 12);
  h.base_offset = get<std::int64_t>(b + 16);
  h.first_timestamp_ns = get<std::int64_t>(b + 24);
  h.max_timestamp_ns = get<std::int64_t>(b + 32);
  h.attributes = get<std::uint32_t>(b + 40);
  h.reserved = get<std::uint32_t>(b + 44);
  return h;
}

bool plausible_framing(const batch_header& h) {
  return h.magic == batch_magic && h.length >= batch_header_bytes + record_header_bytes &&
         h.length % batch_alignment == 0 && h.length <= max_batch_bytes;
}

result<void> encode_batch(const std::vector<record>& records, std::vector<std::byte>& out) {
  if (records.empty())
    return make_error(log_errc::bad_batch, "an appended batch needs at least one record");
  std::size_t total = batch_header_bytes;
  for (const auto& r : records) {
    if (r.key.size() > max_batch_bytes || r.value.size() > max_batch_bytes)
      return make_error(log_errc::bad_batch, "record larger than " + std::to_string(max_batch_bytes) + " bytes");
    total += record_header_bytes + align8(r.key.size()) + align8(r.value.size());
    if (total > max_batch_bytes)
      return make_error(log_errc::bad_batch, "batch larger than " + std::to_string(max_batch_bytes) + " bytes");
  }
  if (records.size() > UINT32_MAX)
    return make_error(log_errc::bad_batch, "too many records in one batch");

  out.resize(total);
  std::byte* b = out.data();
  std::int64_t max_ts = records.front().timestamp_ns;
  std::size_t pos = batch_header_bytes;
  for (const auto& r : records) {
    max_ts = std::max(max_ts, r.timestamp_ns);
    put<std::int64_t>(b + pos, r.timestamp_ns);
    put<std::uint32_t>(b + pos + 8, static_cast<std::uint32_t>(r.key.size()));
    put<std::uint32_t>(b + pos + 12, static_cast<std::uint32_t>(r.value.size()));
    pos += record_header_bytes;
    // Padding is written explicitly: `out` is reused, and padding is covered
    // by the crc, so stale bytes there would make batches non-reproducible.
    std::memcpy(b + pos, r.key.data(), r.key.size());
    std::memset(b + pos + r.key.size(), 0, align8(r.key.size()) - r.key.size());
    pos += align8(r.key.size());
    std::memcpy(b + pos, r.value.data(), r.value.size());
    std::memset(b + pos + r.value.size(), 0, align8(r.value.size()) - r.value.size());
    pos += align8(r.value.size());
  }

  put<std::uint32_t>(b + 0, batch_magic);
  put<std::uint32_t>(b + 4, 0);
  put<std::uint32_t>(b + 8, static_cast<std::uint32_t>(total));
  put<std::uint32_t>(b + 12, static_cast<std::uint32_t>(records.size()));
  put<std::int64_t>(b + 16, 0);
  put<std::int64_t>(b + 24, records.front().timestamp_ns);
  put<std::int64_t>(b + 32, max_ts);
  put<std::uint32_t>(b + 40, 0);
  put<std::uint32_t>(b + 44, 0);
  return success();
}

void seal_batch(std::vector<std::byte>& batch, offset base) {
  put<std::int64_t>(batch.data() + 16, base.value);
  put<std::uint32_t>(batch.data() + 4, crc32c(batch.data() + crc_covered_from, batch.size() - crc_covered_from));
}

std::string_view check_records(const std::byte* batch, const batch_header& h) {
  if (h.record_count == 0)
    return "batch without records";
  if (h.base_offset < 0)
    return "negative base offset";
  std::size_t pos = batch_header_bytes;
  for (std::uint32_t i = 0; i < h.record_count; ++i) {
    if (h.length - pos < record_header_bytes)
      return "record header past the end of its batch";
    const auto key_len = get<std::uint32_t>(batch + pos + 8);
    const auto value_len = get<std::uint32_t>(batch + pos + 12);
    const std::size_t need = record_header_bytes + align8(key_len) + align8(value_len);
    if (h.length - pos < need)
      return "record past the end of its batch";
    pos += need;
  }
  if (pos != h.length)
    return "bytes after the last record of a batch";
  return {};
}

} // namespace storemesh::events::file_log_detail
