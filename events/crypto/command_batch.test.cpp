// Commands signed by the batch (command_signing.hpp, sign_command_batch): each
// record verifies alone, by its proof and the batch's signed root.
#include "events/crypto/command_signing.hpp"
#include "events/crypto/crypto_errc.hpp"

#include <boost/test/unit_test.hpp>

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <memory>
#include <string>
#include <vector>

using namespace storemesh::events::crypto;
namespace schema = storemesh::schema;

namespace {

capnp::Data::Reader data_of(const std::string& s) {
  return {reinterpret_cast<const capnp::byte*>(s.data()), s.size()};
}

void fill_command(schema::Envelope::Builder env, int i) {
  env.setId(data_of(std::string(15, '\x42') + static_cast<char>(i)));
  env.setEntityKind("host");
  env.setEntityId("host-" + std::to_string(i));
  env.setTimestampNs(1'700'000'000'000'000'000 + i);
  env.setProducer("cli@test");
  auto set_state = env.getPayload().initHostCommand().initSetState();
  set_state.setState(schema::host::HostState::DRAINING);
  set_state.setReason("batch " + std::to_string(i));
}

using words = kj::Array<capnp::word>;

/// `n` commands signed as one batch by `signer`, as the flat records the log
/// would carry.
std::vector<words> signed_batch(int n, const key_pair& signer, int first = 0) {
  std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages;
  std::vector<schema::Envelope::Builder> envs;
  for (int i = 0; i < n; ++i) {
    messages.push_back(std::make_unique<capnp::MallocMessageBuilder>());
    envs.push_back(messages.back()->initRoot<schema::Envelope>());
    fill_command(envs.back(), first + i);
  }
  BOOST_REQUIRE(sign_command_batch(envs, signer).has_value());
  std::vector<words> out;
  for (auto& m : messages)
    out.push_back(capnp::messageToFlatArray(*m));
  return out;
}

storemesh::result<public_key> verify(const words& w, const trusted_keys& trusted, verified_roots* roots = nullptr) {
  capnp::FlatArrayMessageReader reader(w);
  return verify_command(reader.getRoot<schema::Envelope>(), trusted, roots);
}

/// A copy of `w` changed by `f`.
template <class F>
words changed(const words& w, F&& f) {
  capnp::FlatArrayMessageReader reader(w);
  capnp::MallocMessageBuilder copy;
  copy.setRoot(reader.getRoot<schema::Envelope>());
  f(copy.getRoot<schema::Envelope>());
  return capnp::messageToFlatArray(copy);
}

void require_error(const storemesh::result<public_key>& r, crypto_errc expected) {
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().code == make_error_code(expected), r.error().message());
}

struct batch_fixture {
  key_pair operator_key = key_pair::generate();
  key_pair stranger = key_pair::generate();
  trusted_keys trusted{operator_key.public_key()};
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(command_batch_suite, batch_fixture)

BOOST_AUTO_TEST_CASE(every_record_of_a_batch_verifies_alone_and_names_its_signer) {
  for (int n : {1, 2, 3, 16, 33}) {
    const auto batch = signed_batch(n, operator_key);
    for (const auto& w : batch) {
      auto who = verify(w, trusted);
      BOOST_REQUIRE_MESSAGE(who.has_value(), (who ? std::string() : who.error().message()));
      BOOST_TEST((who.value() == operator_key.public_key()));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_cache_of_verified_roots_checks_each_root_once) {
  verified_roots roots;
  const auto a = signed_batch(16, operator_key);
  const auto b = signed_batch(16, operator_key, 100);
  for (const auto* batch : {&a, &b})
    for (const auto& w : *batch)
      BOOST_TEST(verify(w, trusted, &roots).has_value());
  BOOST_TEST(roots.misses() == 2u);
  BOOST_TEST(roots.hits() == 30u);
}

BOOST_AUTO_TEST_CASE(a_forged_proof_is_rejected) {
  const auto batch = signed_batch(8, operator_key);
  auto forged = changed(batch[3], [](schema::Envelope::Builder e) {
    auto path = e.getIntegrity().getBatch().getAuditPath();
    path[5] ^= 0x01;
  });
  require_error(verify(forged, trusted), crypto_errc::bad_proof);
  // Claiming another place in the same batch is a forged proof too.
  auto moved = changed(batch[3], [](schema::Envelope::Builder e) { e.getIntegrity().getBatch().setLeafIndex(4); });
  require_error(verify(moved, trusted), crypto_errc::bad_proof);
}

BOOST_AUTO_TEST_CASE(another_tree_size_is_rejected) {
  // Leaf 0 of 13 has the path it would have in a tree of 14: the size is
  // bound by the root's signature, so that is what refuses it.
  const auto batch = signed_batch(13, operator_key);
  auto resized = changed(batch[0], [](schema::Envelope::Builder e) { e.getIntegrity().getBatch().setTreeSize(14); });
  verified_roots roots;
  BOOST_TEST(verify(batch[0], trusted, &roots).has_value());
  require_error(verify(resized, trusted, &roots), crypto_errc::bad_signature);
}

BOOST_AUTO_TEST_CASE(a_command_altered_after_signing_is_rejected) {
  const auto batch = signed_batch(8, operator_key);
  auto altered = changed(batch[2], [](schema::Envelope::Builder e) { e.setEntityId("host-99"); });
  require_error(verify(altered, trusted), crypto_errc::bad_proof);
}

BOOST_AUTO_TEST_CASE(a_proof_for_another_batch_is_rejected) {
  const auto a = signed_batch(8, operator_key);
  const auto b = signed_batch(8, operator_key, 100);
  capnp::FlatArrayMessageReader other(b[2]);
  const auto theirs = other.getRoot<schema::Envelope>().getIntegrity().getBatch();
  // Batch b's whole signature (a valid root, signed by a trusted key) on a's
  // command: the root checks out, the command is not under it.
  auto spliced = changed(a[2], [&](schema::Envelope::Builder e) { e.getIntegrity().setBatch(theirs); });
  verified_roots roots;
  BOOST_TEST(verify(b[2], trusted, &roots).has_value());  // b's root is cached as verified
  require_error(verify(spliced, trusted, &roots), crypto_errc::bad_proof);
  require_error(verify(spliced, trusted), crypto_errc::bad_proof);
}

BOOST_AUTO_TEST_CASE(a_root_signed_by_an_untrusted_key_is_rejected) {
  const auto batch = signed_batch(4, stranger);
  for (const auto& w : batch)
    require_error(verify(w, trusted), crypto_errc::unknown_key);
  // The stranger's root under the operator's key: the proof holds (the leaf
  // covers the key, so it is rebuilt with it), the signature does not.
  auto claimed = changed(batch[0], [&](schema::Envelope::Builder e) {
    const auto k = operator_key.public_key();
    e.getIntegrity().getBatch().setPublicKey(capnp::Data::Reader(k.bytes.data(), k.bytes.size()));
  });
  auto r = verify(claimed, trusted);
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST((r.error().code == make_error_code(crypto_errc::bad_proof) ||
              r.error().code == make_error_code(crypto_errc::bad_signature)));
}

BOOST_AUTO_TEST_CASE(a_forged_root_signature_is_rejected_even_when_the_root_is_cached) {
  const auto batch = signed_batch(4, operator_key);
  verified_roots roots;
  BOOST_TEST(verify(batch[0], trusted, &roots).has_value());
  auto forged = changed(batch[1], [](schema::Envelope::Builder e) {
    e.getIntegrity().getBatch().getRootSignature()[0] ^= 0x80;
  });
  require_error(verify(forged, trusted, &roots), crypto_errc::bad_signature);
  require_error(verify(forged, trusted), crypto_errc::bad_signature);
  BOOST_TEST(verify(batch[1], trusted, &roots).has_value());
}

BOOST_AUTO_TEST_CASE(a_signature_of_the_wrong_shape_is_malformed) {
  const auto batch = signed_batch(4, operator_key);
  auto torn = changed(batch[1], [](schema::Envelope::Builder e) {
    e.getIntegrity().getBatch().setAuditPath(data_of(std::string(33, 'x')));
  });
  require_error(verify(torn, trusted), crypto_errc::malformed_signature);
  auto short_root = changed(batch[1], [](schema::Envelope::Builder e) {
    e.getIntegrity().getBatch().setRoot(data_of(std::string(31, 'x')));
  });
  require_error(verify(short_root, trusted), crypto_errc::malformed_signature);
}

BOOST_AUTO_TEST_CASE(records_lost_from_a_batch_leave_the_rest_valid) {
  // The batch's records go to different partitions; some never arrive. What
  // does arrive verifies, in any order, on a verifier that saw none of the rest.
  const auto batch = signed_batch(64, operator_key);
  verified_roots roots;
  for (std::size_t i = batch.size(); i-- > 0;)
    if (i % 3 != 0)
      BOOST_TEST(verify(batch[i], trusted, &roots).has_value(), "record " << i);
  BOOST_TEST(roots.misses() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
