#pragma once
// Helpers shared by the file log's tests: batches of recognisable records,
// reading a whole partition into owned records, and raw file surgery for the
// tests that break things on purpose.

#include "events/event_log.hpp"
#include "events/file_log/file_log.hpp"
#include "events/file_log/segment_name.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace storemesh::events::file_log_testing {

namespace fs = std::filesystem;

/// A record as owned by a test, after the reader's buffer moved on.
struct owned_record {
  offset off;
  std::int64_t timestamp_ns = 0;
  std::string key;
  std::string value;
};

/// n records "<tag>-<i>" whose values are `value_bytes` long and tell their key.
inline std::vector<record> make_batch(const std::string& tag, int n, std::size_t value_bytes = 150) {
  std::vector<record> batch;
  for (int i = 0; i < n; ++i) {
    record r;
    r.key = tag + "-" + std::to_string(i);
    r.value = r.key + ":";
    r.value.resize(std::max(value_bytes, r.value.size()), static_cast<char>('a' + i % 26));
    r.timestamp_ns = 1'000'000'000LL + i;
    batch.push_back(std::move(r));
  }
  return batch;
}

/// Options for tests: no fsync (the suite stays fast), small segments optional.
inline file_log_options test_options(const fs::path& root, std::uint64_t segment_bytes = 128u << 20) {
  file_log_options o;
  o.root = root;
  o.segment_bytes = segment_bytes;
  o.sync = fsync_policy::never;
  return o;
}

inline std::unique_ptr<file_log> open_log(const file_log_options& o) {
  auto log = file_log::open(o);
  BOOST_REQUIRE_MESSAGE(log, (log ? std::string() : log.error().message()));
  return std::move(log.value());
}

/// Polls `reader` until it has nothing more; an error fails the test.
inline std::vector<owned_record> drain(log_reader& reader) {
  std::vector<owned_record> all;
  std::vector<record_view> views;
  for (;;) {
    views.clear();
    auto n = reader.poll(views);
    BOOST_REQUIRE_MESSAGE(n, (n ? std::string() : n.error().message()));
    if (n.value() == 0)
      return all;
    for (const auto& v : views)
      all.push_back(owned_record{v.off, v.timestamp_ns, std::string(v.key), std::string(v.value)});
  }
}

inline std::vector<owned_record> read_all(event_log& log, std::string_view topic, partition_id p,
                                          offset from = offset{0}) {
  auto reader = log.read(topic, p, from);
  BOOST_REQUIRE_MESSAGE(reader, (reader ? std::string() : reader.error().message()));
  return drain(*reader.value());
}

inline offset append_ok(event_log& log, std::string_view topic, partition_id p, const std::vector<record>& batch) {
  auto off = log.append(topic, p, batch);
  BOOST_REQUIRE_MESSAGE(off, (off ? std::string() : off.error().message()));
  return off.value();
}

inline offset end_of(event_log& log, std::string_view topic, partition_id p) {
  auto end = log.end_offset(topic, p);
  BOOST_REQUIRE_MESSAGE(end, (end ? std::string() : end.error().message()));
  return end.value();
}

inline std::string file_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_file(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  BOOST_REQUIRE(out.good());
}

inline fs::path segment_of(const fs::path& root, const std::string& topic, int p, std::int64_t base) {
  return file_log_detail::segment_path(root / topic / std::to_string(p), offset{base});
}

/// The records a test appended, as the reader should return them from `first`.
inline void check_records(const std::vector<owned_record>& got, const std::vector<record>& expected,
                          std::int64_t first = 0) {
  BOOST_REQUIRE_EQUAL(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    BOOST_TEST(got[i].off.value == first + static_cast<std::int64_t>(i));
    BOOST_TEST(got[i].key == expected[i].key);
    BOOST_TEST(got[i].value == expected[i].value);
    BOOST_TEST(got[i].timestamp_ns == expected[i].timestamp_ns);
  }
}

} // namespace storemesh::events::file_log_testing
