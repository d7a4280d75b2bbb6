// Torn tails, flipped bits and garbage in the last segment of a partition:
// real files, real bytes, broken on purpose.

#include "events/file_log/batch_format.hpp"
#include "events/file_log/test_support.hpp"
#include "events/log_errc.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <cstring>
#include <random>

using namespace storemesh;
using namespace storemesh::events;
using namespace storemesh::events::file_log_testing;

namespace {

const partition_id p0{0};

/// A partition holding three batches of three records, and the segment's bytes.
struct three_batches {
  testing::temp_dir dir;
  file_log_options opts = test_options(dir.path());
  fs::path seg = segment_of(dir.path(), "t", 0, 0);
  std::vector<record> records;   // all nine, in offset order
  std::vector<std::uint64_t> ends; // segment size after each batch
  std::string bytes;             // the intact segment

  three_batches() {
    auto log = open_log(opts);
    BOOST_REQUIRE(log->create_topic("t", 1));
    for (int b = 0; b < 3; ++b) {
      auto batch = make_batch("b" + std::to_string(b), 3, 40 + 13 * b);
      append_ok(*log, "t", p0, batch);
      records.insert(records.end(), batch.begin(), batch.end());
      ends.push_back(fs::file_size(seg));
    }
    bytes = file_bytes(seg);
  }

  [[nodiscard]] std::vector<record> first(std::size_t n) const {
    return std::vector<record>(records.begin(), records.begin() + static_cast<std::ptrdiff_t>(n));
  }

  /// Opens writable and checks: only the first two batches are left, and
  /// appending continues right after them.
  void expect_last_batch_dropped() const {
    auto log = open_log(opts);
    BOOST_TEST(fs::file_size(seg) == ends[1]);
    BOOST_TEST(end_of(*log, "t", p0).value == 6);
    check_records(read_all(*log, "t", p0), first(6));
    BOOST_TEST(append_ok(*log, "t", p0, make_batch("again", 2)).value == 6);
    BOOST_TEST(end_of(*log, "t", p0).value == 8);
    BOOST_TEST(read_all(*log, "t", p0, offset{6}).size() == 2u);
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(file_log_tail_recovery)

BOOST_AUTO_TEST_CASE(torn_tail_is_truncated_to_the_last_valid_batch_at_every_cut_point) {
  three_batches f;
  BOOST_TEST_MESSAGE("last batch: bytes " << f.ends[1] << ".." << f.ends[2]);
  for (std::uint64_t cut = f.ends[1]; cut < f.ends[2]; ++cut) {
    BOOST_TEST_CONTEXT("cut at byte " << cut) {
      write_file(f.seg, f.bytes.substr(0, cut));
      f.expect_last_batch_dropped();
    }
  }
}

BOOST_AUTO_TEST_CASE(a_flipped_bit_anywhere_in_the_last_batch_drops_it_as_a_torn_tail) {
  three_batches f;
  for (std::uint64_t pos = f.ends[1]; pos < f.ends[2]; ++pos) {
    BOOST_TEST_CONTEXT("bit flipped in byte " << pos) {
      auto broken = f.bytes;
      broken[pos] = static_cast<char>(broken[pos] ^ (1 << (pos % 8)));
      write_file(f.seg, broken);
      f.expect_last_batch_dropped();
    }
  }
}

BOOST_AUTO_TEST_CASE(garbage_after_the_last_batch_is_truncated_on_writable_open) {
  three_batches f;
  std::mt19937 rng(7);
  for (std::size_t n : {1, 7, 47, 48, 100, 4096}) {
    BOOST_TEST_CONTEXT(n << " bytes of garbage") {
      std::string garbage(n, '\0');
      for (auto& c : garbage)
        c = static_cast<char>(rng());
      write_file(f.seg, f.bytes + garbage);
      auto log = open_log(f.opts);
      BOOST_TEST(fs::file_size(f.seg) == f.ends[2]);
      check_records(read_all(*log, "t", p0), f.records);
      BOOST_TEST(append_ok(*log, "t", p0, make_batch("next", 1)).value == 9);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_writer_cuts_the_torn_tail_another_writer_left_when_it_takes_the_lock) {
  three_batches f;
  auto log = open_log(f.opts);
  // Another process died half-way through its batch, after we had opened.
  write_file(f.seg, f.bytes + f.bytes.substr(f.ends[1], 30));
  BOOST_TEST(end_of(*log, "t", p0).value == 9); // readers just do not see it
  BOOST_TEST(append_ok(*log, "t", p0, make_batch("after", 2)).value == 9);
  BOOST_TEST(fs::file_size(f.seg) > f.ends[2]);
  auto all = read_all(*log, "t", p0);
  BOOST_REQUIRE_EQUAL(all.size(), 11u);
  BOOST_TEST(all.back().key == "after-1");
}

BOOST_AUTO_TEST_CASE(read_only_open_never_modifies_a_torn_or_corrupt_tail) {
  three_batches f;
  auto ro = f.opts;
  ro.read_only = true;

  // Torn: readers return the valid batches and then wait ("not yet").
  const std::string torn = f.bytes.substr(0, f.ends[2] - 3);
  write_file(f.seg, torn);
  {
    auto log = open_log(ro);
    BOOST_TEST(end_of(*log, "t", p0).value == 6);
    check_records(read_all(*log, "t", p0), f.first(6));
    auto again = log->append("t", p0, make_batch("x", 1));
    BOOST_REQUIRE(!again);
    BOOST_TEST(again.error().code == make_error_code(log_errc::io_error));
    BOOST_TEST(!log->create_topic("u", 1));
  }
  BOOST_TEST(file_bytes(f.seg) == torn);
  BOOST_TEST(!fs::exists(f.dir / "u"));

  // Corrupt (complete length, bad CRC): the reader reports it, and keeps
  // reporting it, after returning every record before it.
  auto flipped = f.bytes;
  flipped[f.ends[2] - 20] ^= 0x10;
  write_file(f.seg, flipped);
  {
    auto log = open_log(ro);
    BOOST_TEST(end_of(*log, "t", p0).value == 6);
    auto reader = log->read("t", p0, offset{0});
    BOOST_REQUIRE(reader);
    std::vector<record_view> views;
    std::size_t returned = 0;
    result<std::size_t> n = std::size_t{0};
    while ((n = reader.value()->poll(views)) && n.value() > 0)
      returned += n.value();
    BOOST_TEST(returned == 6u);
    BOOST_REQUIRE(!n);
    BOOST_TEST(n.error().code == make_error_code(log_errc::corrupt_record));
    auto later = reader.value()->poll(views);
    BOOST_REQUIRE(!later);
    BOOST_TEST(later.error().code == make_error_code(log_errc::corrupt_record));
  }
  BOOST_TEST(file_bytes(f.seg) == flipped);
}

BOOST_AUTO_TEST_CASE(a_batch_with_a_good_crc_but_a_wrong_offset_is_corruption_never_truncated) {
  three_batches f;
  // No torn write produces this: a matching CRC over a wrong base offset.
  auto bad = f.bytes;
  const std::int64_t wrong = 100;
  std::memcpy(bad.data() + f.ends[1] + 16, &wrong, 8);
  const std::uint32_t crc = file_log_detail::crc32c(reinterpret_cast<const std::byte*>(bad.data()) + f.ends[1] + 8,
                                                    f.ends[2] - f.ends[1] - 8);
  std::memcpy(bad.data() + f.ends[1] + 4, &crc, 4);
  write_file(f.seg, bad);

  auto log = file_log::open(f.opts);
  BOOST_REQUIRE(!log);
  BOOST_TEST(log.error().code == make_error_code(log_errc::corrupt_record));
  BOOST_TEST_MESSAGE(log.error().message());
  BOOST_TEST(file_bytes(f.seg) == bad);
}

BOOST_AUTO_TEST_SUITE_END()
