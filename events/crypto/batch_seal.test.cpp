#include "events/crypto/batch_seal.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>

using namespace storemesh::events::crypto;

namespace {

std::string_view as_view(const std::array<std::uint8_t, 64>& sig) {
  return {reinterpret_cast<const char*>(sig.data()), sig.size()};
}

struct sealed_batch {
  key_pair daemon = key_pair::generate();
  std::vector<digest> hashes{record_hash("event 1"), record_hash("event 2"), record_hash("event 3")};
  std::array<std::uint8_t, 64> signature = seal_signature("storemesh.events.host", 3, hashes, daemon);

  bool verifies(const std::vector<digest>& h, std::string_view topic = "storemesh.events.host",
                std::int32_t partition = 3) const {
    return verify_seal(topic, partition, h, daemon.public_key(), as_view(signature));
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(batch_seal)

BOOST_FIXTURE_TEST_CASE(seal_verifies_over_the_hashes_it_covers, sealed_batch) {
  BOOST_TEST(verifies(hashes));
}

BOOST_FIXTURE_TEST_CASE(seal_fails_when_one_record_hash_is_altered, sealed_batch) {
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    auto altered = hashes;
    altered[i][31] ^= 1;
    BOOST_TEST(!verifies(altered), "record " << i);
  }
}

BOOST_FIXTURE_TEST_CASE(seal_fails_when_records_are_reordered, sealed_batch) {
  auto reordered = hashes;
  std::swap(reordered[0], reordered[1]);
  BOOST_TEST(!verifies(reordered));
}

BOOST_FIXTURE_TEST_CASE(seal_fails_when_a_record_is_cut_or_added, sealed_batch) {
  BOOST_TEST(!verifies({hashes.begin(), hashes.end() - 1}));
  BOOST_TEST(!verifies({hashes.begin() + 1, hashes.end()}));
  auto longer = hashes;
  longer.push_back(record_hash("event 4"));
  BOOST_TEST(!verifies(longer));
}

BOOST_FIXTURE_TEST_CASE(seal_is_bound_to_its_topic_and_partition, sealed_batch) {
  BOOST_TEST(!verifies(hashes, "storemesh.events.copy"));
  BOOST_TEST(!verifies(hashes, "storemesh.events.host", 4));
  BOOST_TEST(!verifies(hashes, "storemesh.events.host", -3));
}

BOOST_FIXTURE_TEST_CASE(seal_fails_under_another_key_or_a_damaged_signature, sealed_batch) {
  BOOST_TEST(!verify_seal("storemesh.events.host", 3, hashes, key_pair::generate().public_key(), as_view(signature)));
  auto damaged = signature;
  damaged[10] ^= 0x80;
  BOOST_TEST(!verify_seal("storemesh.events.host", 3, hashes, daemon.public_key(), as_view(damaged)));
  BOOST_TEST(!verify_seal("storemesh.events.host", 3, hashes, daemon.public_key(), as_view(signature).substr(0, 63)));
  BOOST_TEST(!verify_seal("storemesh.events.host", 3, hashes, daemon.public_key(), ""));
}

BOOST_AUTO_TEST_CASE(an_empty_batch_seals_and_verifies) {
  const key_pair daemon = key_pair::generate();
  const auto sig = seal_signature("t", 0, {}, daemon);
  BOOST_TEST(verify_seal("t", 0, {}, daemon.public_key(), as_view(sig)));
  BOOST_TEST(!verify_seal("t", 0, {zero_digest}, daemon.public_key(), as_view(sig)));
}

BOOST_AUTO_TEST_SUITE_END()
