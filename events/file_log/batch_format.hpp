#pragma once
// The on-disk batch: the unit of atomicity of the file log (one append() call
// = one batch). Layout, all integers little-endian (README.md has the table):
//
//   batch   = header(48) record* (every record starts 8-aligned)
//   header  = u32 magic "SMB1" | u32 crc32c | u32 length | u32 record_count
//           | i64 base_offset | i64 first_timestamp_ns | i64 max_timestamp_ns
//           | u32 attributes (0) | u32 reserved (0)
//   record  = i64 timestamp_ns | u32 key_len | u32 value_len
//           | key, zero-padded to 8 | value, zero-padded to 8
//
// `length` is the TOTAL size of the batch, header and padding included; it is
// a multiple of 8, so batches written back to back start 8-aligned in the
// file. The crc is CRC32C (Castagnoli, the iSCSI polynomial) over bytes
// [8, length): everything after the crc field, padding included.
//
// Why the padding: a value starts at an 8-aligned position of its batch, and a
// batch at an 8-aligned file position, so a reader whose buffer is 8-aligned
// hands out values that are 8-aligned in memory: Cap'n Proto can read them in
// place, without a copy.

#include "events/error.hpp"
#include "events/event_log.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the file log format is little-endian and is encoded with memcpy: port it first"
#endif

namespace storemesh::events::file_log_detail {

inline constexpr std::uint32_t batch_magic = 0x31424D53; // the bytes "SMB1"
inline constexpr std::size_t batch_header_bytes = 48;
inline constexpr std::size_t record_header_bytes = 16;
inline constexpr std::size_t batch_alignment = 8;
/// Largest batch the log writes or believes: bounds the reader's buffer growth
/// when a length field is garbage.
inline constexpr std::size_t max_batch_bytes = std::size_t{64} << 20;
/// Where the crc's coverage starts: right after the crc field.
inline constexpr std::size_t crc_covered_from = 8;

[[nodiscard]] constexpr std::size_t align8(std::size_t n) { return (n + 7) & ~std::size_t{7}; }

struct batch_header {
  std::uint32_t magic = 0;
  std::uint32_t crc = 0;
  std::uint32_t length = 0;
  std::uint32_t record_count = 0;
  std::int64_t base_offset = 0;
  std::int64_t first_timestamp_ns = 0;
  std::int64_t max_timestamp_ns = 0;
  std::uint32_t attributes = 0;
  std::uint32_t reserved = 0;
};

/// Standard CRC32C (check value of "123456789" is 0xE3069283), by ISA-L.
[[nodiscard]] std::uint32_t crc32c(const std::byte* data, std::size_t n);

[[nodiscard]] batch_header read_header(const std::byte* batch);

/// Whether the magic and length of a header can describe a batch at all; the
/// other fields are only trusted once the crc matched.
[[nodiscard]] bool plausible_framing(const batch_header& h);

/// Encodes `records` into `out` (resized to the batch length) with base offset
/// 0 and no crc yet: the offset is only known under the partition lock, so
/// seal_batch() finishes the job there. Empty or oversized batch: bad_batch.
[[nodiscard]] result<void> encode_batch(const std::vector<record>& records, std::vector<std::byte>& out);

/// Stamps the base offset and computes the crc of an encoded batch.
void seal_batch(std::vector<std::byte>& batch, offset base);

/// Checks what the crc cannot: record_count >= 1 and the records tile the
/// batch exactly. Only meaningful after the crc matched. Returns an empty
/// string when fine, else what is wrong.
[[nodiscard]] std::string_view check_records(const std::byte* batch, const batch_header& h);

/// Walks the records of a verified batch: `pos` starts at batch_header_bytes.
struct decoded_record {
  std::int64_t timestamp_ns;
  std::string_view key;
  std::string_view value;
};
/// Inline: it runs once per record on the replay path.
[[nodiscard]] inline decoded_record decode_record(const std::byte* batch, std::size_t& pos) {
  decoded_record r;
  std::uint32_t key_len = 0;
  std::uint32_t value_len = 0;
  std::memcpy(&r.timestamp_ns, batch + pos, 8);
  std::memcpy(&key_len, batch + pos + 8, 4);
  std::memcpy(&value_len, batch + pos + 12, 4);
  const auto* key = reinterpret_cast<const char*>(batch + pos + record_header_bytes);
  const std::size_t value_pos = pos + record_header_bytes + align8(key_len);
  r.key = std::string_view(key, key_len);
  r.value = std::string_view(reinterpret_cast<const char*>(batch + value_pos), value_len);
  pos = value_pos + align8(value_len);
  return r;
}

} // namespace storemesh::events::file_log_detail
