#include "events/file_log/batch_format.hpp"

#include "events/log_errc.hpp"

#include <boost/test/unit_test.hpp>

#include <cstring>
#include <string>

using namespace storemesh;
using namespace storemesh::events;
using namespace storemesh::events::file_log_detail;

namespace {

std::vector<record> odd_sized_records() {
  // Every key and value length from 0 to 17: all paddings, both fields.
  std::vector<record> rs;
  for (std::size_t k = 0; k < 18; ++k)
    rs.push_back(record{std::string(k, 'k'), std::string(17 - k, static_cast<char>('a' + k)),
                        static_cast<std::int64_t>(100 + k)});
  return rs;
}

} // namespace

BOOST_AUTO_TEST_SUITE(file_log_batch_format)

BOOST_AUTO_TEST_CASE(crc32c_is_the_standard_castagnoli_crc) {
  const std::string check = "123456789";
  BOOST_TEST(crc32c(reinterpret_cast<const std::byte*>(check.data()), check.size()) == 0xE3069283u);
}

BOOST_AUTO_TEST_CASE(encoded_batch_round_trips_with_every_record_and_value_8_aligned) {
  const auto records = odd_sized_records();
  std::vector<std::byte> batch;
  BOOST_REQUIRE(encode_batch(records, batch));
  seal_batch(batch, offset{42});

  const batch_header h = read_header(batch.data());
  BOOST_TEST(h.magic == batch_magic);
  BOOST_TEST(std::memcmp(batch.data(), "SMB1", 4) == 0);
  BOOST_TEST(h.length == batch.size());
  BOOST_TEST(h.length % 8 == 0);
  BOOST_TEST(h.record_count == records.size());
  BOOST_TEST(h.base_offset == 42);
  BOOST_TEST(h.first_timestamp_ns == 100);
  BOOST_TEST(h.max_timestamp_ns == 117);
  BOOST_TEST(plausible_framing(h));
  BOOST_TEST(h.crc == crc32c(batch.data() + 8, batch.size() - 8));
  BOOST_TEST(check_records(batch.data(), h).empty());

  std::size_t pos = batch_header_bytes;
  for (const auto& expected : records) {
    BOOST_TEST(pos % 8 == 0);
    const auto r = decode_record(batch.data(), pos);
    BOOST_TEST(r.key == expected.key);
    BOOST_TEST(r.value == expected.value);
    BOOST_TEST(r.timestamp_ns == expected.timestamp_ns);
    BOOST_TEST((r.value.data() - reinterpret_cast<const char*>(batch.data())) % 8 == 0);
  }
  BOOST_TEST(pos == batch.size());
}

BOOST_AUTO_TEST_CASE(padding_is_zero_even_when_the_buffer_is_reused) {
  std::vector<std::byte> batch(4096, std::byte{0xff});
  BOOST_REQUIRE(encode_batch({record{"k", "v", 0}}, batch));
  // header 48 | record header 16 | "k" + 7 zero bytes | "v" + 7 zero bytes
  BOOST_TEST(batch.size() == 48u + 16 + 8 + 8);
  for (std::size_t i = 48 + 16 + 1; i < 48 + 16 + 8; ++i)
    BOOST_TEST(static_cast<int>(batch[i]) == 0);
  for (std::size_t i = 48 + 16 + 9; i < batch.size(); ++i)
    BOOST_TEST(static_cast<int>(batch[i]) == 0);
}

BOOST_AUTO_TEST_CASE(empty_and_oversized_batches_are_bad_batches) {
  std::vector<std::byte> batch;
  auto empty = encode_batch({}, batch);
  BOOST_REQUIRE(!empty);
  BOOST_TEST(empty.error().code == make_error_code(log_errc::bad_batch));
  auto huge = encode_batch({record{"k", std::string(max_batch_bytes, 'x'), 0}}, batch);
  BOOST_REQUIRE(!huge);
  BOOST_TEST(huge.error().code == make_error_code(log_errc::bad_batch));
}

BOOST_AUTO_TEST_CASE(records_that_do_not_tile_the_batch_are_detected_even_with_a_good_crc) {
  std::vector<std::byte> batch;
  BOOST_REQUIRE(encode_batch(odd_sized_records(), batch));
  std::uint32_t count = 17; // one fewer than encoded: bytes left over
  std::memcpy(batch.data() + 12, &count, 4);
  seal_batch(batch, offset{0});
  BOOST_TEST(!check_records(batch.data(), read_header(batch.data())).empty());

  count = 19; // one more than encoded: the last runs past the end
  std::memcpy(batch.data() + 12, &count, 4);
  seal_batch(batch, offset{0});
  BOOST_TEST(!check_records(batch.data(), read_header(batch.data())).empty());
}

BOOST_AUTO_TEST_CASE(implausible_framing_is_recognised_before_the_crc) {
  std::vector<std::byte> batch;
  BOOST_REQUIRE(encode_batch({record{"k", "v", 0}}, batch));
  batch_header h = read_header(batch.data());
  BOOST_TEST(plausible_framing(h));
  h.length += 4;
  BOOST_TEST(!plausible_framing(h)); // not a multiple of 8
  h = read_header(batch.data());
  h.magic ^= 1;
  BOOST_TEST(!plausible_framing(h));
  h = read_header(batch.data());
  h.length = static_cast<std::uint32_t>(max_batch_bytes + 8);
  BOOST_TEST(!plausible_framing(h));
}

BOOST_AUTO_TEST_SUITE_END()
