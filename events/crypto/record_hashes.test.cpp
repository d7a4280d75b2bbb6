#include "events/crypto/record_hashes.hpp"

#include <boost/test/unit_test.hpp>

#include <random>
#include <string>
#include <vector>

using namespace storemesh::events::crypto;

BOOST_AUTO_TEST_SUITE(record_hashes_tests)

// Every length around the block boundaries (0, 127/128/129, 255/256/257 ...),
// lanes of different lengths side by side, values too long for lanes between
// them, and groups of every size: each digest must be libsodium's.
BOOST_AUTO_TEST_CASE(every_digest_is_record_hash_of_its_value) {
  BOOST_TEST_MESSAGE("8-lane path on this CPU: " << record_hashes_in_lanes());
  std::mt19937_64 rng(17);
  std::vector<std::string> values;
  for (std::size_t size = 0; size <= 700; ++size) values.emplace_back(size, '\0');
  for (int i = 0; i < 200; ++i) values.emplace_back(rng() % 300, '\0');
  for (std::size_t size : {2047u, 2048u, 2049u, 5000u, 70000u}) values.emplace_back(size, '\0');
  std::shuffle(values.begin() + 701, values.end(), rng);
  for (auto& v : values)
    for (auto& c : v) c = static_cast<char>(rng());
  const std::vector<std::string_view> views(values.begin(), values.end());

  std::size_t wrong = 0;
  std::size_t checked = 0;
  for (std::size_t n : {0u, 1u, 2u, 3u, 7u, 8u, 9u, 16u, 23u, 64u}) {
    for (std::size_t start = 0; start + n <= views.size(); start += n + 13) {
      std::vector<digest> out(n + 1, digest{0xee});  // one past the end: must stay untouched
      record_hashes(views.data() + start, n, out.data());
      for (std::size_t i = 0; i < n; ++i) wrong += out[i] != record_hash(views[start + i]);
      BOOST_TEST((out[n] == digest{0xee}));
      checked += n;
    }
  }
  BOOST_TEST(checked > 3 * views.size());  // thousands of digests, not an empty loop
  BOOST_TEST(wrong == 0u);
}

BOOST_AUTO_TEST_CASE(a_value_need_not_be_aligned) {
  const std::string buffer(1000, 'x');
  std::vector<std::string_view> views;
  for (std::size_t offset = 0; offset < 9; ++offset) views.push_back(std::string_view(buffer).substr(offset, 300));
  std::vector<digest> out(views.size());
  record_hashes(views.data(), views.size(), out.data());
  for (std::size_t i = 0; i < views.size(); ++i) BOOST_TEST((out[i] == record_hash(views[i])));
}

BOOST_AUTO_TEST_SUITE_END()
