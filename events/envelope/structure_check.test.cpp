// The walk reads Text and Data in place when it knows the message's segment;
// it must then find exactly what it finds through Cap'n Proto's readers:
// the same verdict, the same root fields, the same exception where one throws.
#include "events/envelope/structure_check.hpp"
#include "events/envelope/test_envelopes.hpp"

#include <boost/test/unit_test.hpp>

#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace storemesh::events::envelope;
using namespace storemesh::events::envelope::testing;
namespace crypto = storemesh::events::crypto;
namespace schema = storemesh::schema;

namespace {

/// One walk of `words` as decode() does it, in place (when the message has
/// one segment) or through Cap'n Proto only: its verdict and root blobs, or
/// what it threw, as one line.
std::string walk(const std::vector<capnp::word>& words, bool in_place) {
  try {
    capnp::ReaderOptions options;
    options.traversalLimitInWords = std::uint64_t{8} << 20;
    options.nestingLimit = 64;
    capnp::FlatArrayMessageReader message(kj::arrayPtr(words.data(), words.size()), options);
    const auto root = message.getRoot<schema::Envelope>();
    std::uint32_t more_segments = 0;
    std::memcpy(&more_segments, words.data(), sizeof more_segments);
    message_segment segment;
    if (in_place && more_segments == 0) {
      const auto s = message.getSegment(0);
      segment = {reinterpret_cast<const std::uint64_t*>(s.begin()), s.size()};
    }
    root_blobs blobs;
    std::string out = "verdict " + std::to_string(static_cast<int>(check_structure(root, words.size(), &blobs, segment)));
    for (const auto& b : blobs.by_slot) out += "|" + std::string(b);
    return out;
  } catch (const kj::Exception& e) {
    return std::string("threw: ") + e.getDescription().cStr();
  }
}

std::vector<capnp::word> words_of(const std::string& bytes) {
  std::vector<capnp::word> words(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.data(), bytes.data(), words.size() * sizeof(capnp::word));
  return words;
}

/// Counts the walks whose two ways disagree (each reported).
std::size_t disagreements(const std::vector<capnp::word>& words, const std::string& what) {
  const std::string in_place = walk(words, true);
  const std::string through_library = walk(words, false);
  BOOST_TEST(in_place == through_library, what);
  return in_place == through_library ? 0 : 1;
}

BOOST_AUTO_TEST_SUITE(structure_check_tests)

BOOST_AUTO_TEST_CASE(reading_in_place_finds_what_the_library_finds_at_every_bit_flip) {
  const auto signer = crypto::key_pair::generate();
  const std::string full = full_envelope_bytes(signer);
  const auto clean = words_of(full);
  BOOST_TEST(walk(clean, true).rfind("verdict 0|", 0) == 0u, walk(clean, true));
  std::size_t differ = disagreements(clean, "the record as built");
  std::size_t threw = 0;
  for (std::size_t bit = 0; bit < full.size() * 8; ++bit) {
    auto flipped = clean;
    reinterpret_cast<std::uint8_t*>(flipped.data())[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    differ += disagreements(flipped, "bit " + std::to_string(bit));
    threw += walk(flipped, false).rfind("threw", 0) == 0 ? 1 : 0;
  }
  BOOST_TEST(differ == 0u);
  BOOST_TEST(threw > 0u);  // flips that reach the library's refusals are among them
}

BOOST_AUTO_TEST_CASE(reading_in_place_finds_what_the_library_finds_after_random_corruption) {
  const auto signer = crypto::key_pair::generate();
  const auto clean = words_of(full_envelope_bytes(signer));
  std::mt19937_64 rng(2026);  // fixed: the hostile-input suite draws new seeds
  std::size_t differ = 0;
  for (int round = 0; round < 20'000; ++round) {
    auto corrupt = clean;
    auto* bytes = reinterpret_cast<std::uint8_t*>(corrupt.data());
    const std::size_t size = corrupt.size() * sizeof(capnp::word);
    for (int k = 1 + static_cast<int>(rng() % 4); k > 0; --k) bytes[rng() % size] = static_cast<std::uint8_t>(rng());
    differ += disagreements(corrupt, "round " + std::to_string(round));
  }
  BOOST_TEST(differ == 0u);
}

BOOST_AUTO_TEST_CASE(a_message_of_several_segments_is_read_through_the_library) {
  const auto signer = crypto::key_pair::generate();
  capnp::MallocMessageBuilder message(1, capnp::AllocationStrategy::FIXED_SIZE);  // a segment per object
  fill_full_envelope(message.initRoot<schema::Envelope>(), signer);
  BOOST_REQUIRE(message.getSegmentsForOutput().size() > 1u);
  const auto words = words_of(to_bytes(message));
  BOOST_TEST(walk(words, true).rfind("verdict 0|", 0) == 0u, walk(words, true));
  BOOST_TEST(disagreements(words, "several segments") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
