#include "events/crypto/command_signing.hpp"
#include "events/crypto/crypto_errc.hpp"
#include "events/crypto/hashing.hpp"

#include <boost/test/unit_test.hpp>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <sodium.h>

#include <cstring>
#include <random>
#include <string>

using namespace storemesh::events::crypto;
namespace schema = storemesh::schema;

namespace {

capnp::Data::Reader data_of(const std::string& s) {
  return {reinterpret_cast<const capnp::byte*>(s.data()), s.size()};
}

/// A command as the CLI would build it, before signing.
void fill_command(schema::Envelope::Builder env, const std::string& reason = "maintenance") {
  env.setId(data_of(std::string(16, '\x42')));
  env.setEntityKind("host");
  env.setEntityId("host-a");
  env.setCorrelationId(data_of(std::string(16, '\x07')));
  env.setTimestampNs(1'700'000'000'000'000'000);
  env.setProducer("cli@test");
  auto set_state = env.getPayload().initHostCommand().initSetState();
  set_state.setState(schema::host::HostState::DRAINING);
  set_state.setReason(reason);
}

/// A command as received from the log: the flat bytes of a signed message,
/// read back through a FlatArrayMessageReader.
struct received {
  kj::Array<capnp::word> words;
  capnp::FlatArrayMessageReader reader;
  explicit received(capnp::MessageBuilder& msg) : words(capnp::messageToFlatArray(msg)), reader(words) {}
  schema::Envelope::Reader envelope() { return reader.getRoot<schema::Envelope>(); }
};

struct signed_fixture {
  key_pair operator_key = key_pair::generate();
  trusted_keys trusted{operator_key.public_key()};
  capnp::MallocMessageBuilder msg;
  schema::Envelope::Builder env = msg.initRoot<schema::Envelope>();

  signed_fixture() {
    fill_command(env);
    BOOST_REQUIRE(sign_command(env, operator_key).has_value());
  }
};

void require_error(const storemesh::result<public_key>& r, crypto_errc expected) {
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().code == make_error_code(expected), r.error().message());
}

} // namespace

BOOST_AUTO_TEST_SUITE(command_signing)

BOOST_FIXTURE_TEST_CASE(signed_command_verifies_and_names_its_signer, signed_fixture) {
  received rx(msg);
  auto r = verify_command(rx.envelope(), trusted);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r.value() == operator_key.public_key());
  BOOST_TEST(env.getIntegrity().getCommand().getSignature().size() == 64u);
}

// Pins the wire format to its specification in envelope.capnp, independently
// of command_signing.cpp: BLAKE2b-256(domain || capnp::canonicalize(envelope
// with a null signature)).
BOOST_FIXTURE_TEST_CASE(signature_is_over_the_documented_canonical_form, signed_fixture) {
  capnp::MallocMessageBuilder copy;
  copy.setRoot(env.asReader());
  auto command = copy.getRoot<schema::Envelope>().getIntegrity().getCommand();
  const auto signature = env.getIntegrity().getCommand().getSignature();
  command.disownSignature();
  const kj::Array<capnp::word> canonical = capnp::canonicalize(copy.getRoot<schema::Envelope>().asReader());

  blake2b_256_state h;
  h.update(std::string_view("storemesh.command.v1"));
  h.update(canonical.asBytes().begin(), canonical.asBytes().size());
  const digest d = h.final();
  BOOST_TEST(crypto_sign_verify_detached(signature.begin(), d.data(), d.size(),
                                         operator_key.public_key().bytes.data()) == 0);
}

// A producer may lay a message out however its library likes (here: tiny
// segments, so far pointers everywhere); the signature is over the canonical
// form, so it still verifies.
BOOST_FIXTURE_TEST_CASE(signature_does_not_depend_on_the_message_layout, signed_fixture) {
  capnp::MallocMessageBuilder fragmented(1, capnp::AllocationStrategy::FIXED_SIZE);
  fragmented.setRoot(env.asReader());
  BOOST_TEST(fragmented.getSegmentsForOutput().size() > 1u);
  received rx(fragmented);
  BOOST_TEST(verify_command(rx.envelope(), trusted).has_value());
}

BOOST_FIXTURE_TEST_CASE(forged_signature_is_a_bad_signature, signed_fixture) {
  std::mt19937 rng(7);
  std::string forged(64, '\0');
  for (auto& c : forged) c = static_cast<char>(rng());
  env.getIntegrity().getCommand().setSignature(data_of(forged));
  received rx(msg);
  require_error(verify_command(rx.envelope(), trusted), crypto_errc::bad_signature);
}

BOOST_FIXTURE_TEST_CASE(command_signed_by_an_untrusted_key_is_an_unknown_key, signed_fixture) {
  const key_pair stranger = key_pair::generate();
  BOOST_REQUIRE(sign_command(env, stranger).has_value());
  received rx(msg);
  const auto r = verify_command(rx.envelope(), trusted);
  require_error(r, crypto_errc::unknown_key);
  BOOST_TEST(r.error().detail == stranger.public_key().short_id());
}

BOOST_FIXTURE_TEST_CASE(changing_the_entity_id_after_signing_is_a_bad_signature, signed_fixture) {
  env.setEntityId("host-b");
  received rx(msg);
  require_error(verify_command(rx.envelope(), trusted), crypto_errc::bad_signature);
}

BOOST_FIXTURE_TEST_CASE(changing_a_payload_field_after_signing_is_a_bad_signature, signed_fixture) {
  env.getPayload().getHostCommand().getSetState().setState(schema::host::HostState::DOWN);
  received rx(msg);
  require_error(verify_command(rx.envelope(), trusted), crypto_errc::bad_signature);
}

BOOST_FIXTURE_TEST_CASE(flipping_any_bit_of_the_signed_bytes_never_verifies_as_the_same_command, signed_fixture) {
  // A flip either breaks the signature, breaks the message, or lands in bytes
  // the canonical form ignores (padding, unused segment space): only the last
  // may still verify, and then the command read back must be identical.
  kj::Array<capnp::word> words = capnp::messageToFlatArray(msg);
  const kj::Array<capnp::word> pristine = kj::heapArray<capnp::word>(words.asPtr());
  auto bytes = words.asBytes();
  auto canonical_bytes = [](capnp::FlatArrayMessageReader& reader) {
    const auto c = capnp::canonicalize(reader.getRoot<schema::Envelope>());
    return std::string(reinterpret_cast<const char*>(c.asBytes().begin()), c.asBytes().size());
  };
  capnp::FlatArrayMessageReader pristine_reader(pristine);
  const std::string pristine_canonical = canonical_bytes(pristine_reader);
  std::size_t rejected = 0;
  for (std::size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    std::memcpy(bytes.begin(), pristine.asBytes().begin(), bytes.size());
    bytes[bit / 8] ^= static_cast<capnp::byte>(1u << (bit % 8));
    try {
      capnp::FlatArrayMessageReader reader(words);
      auto r = verify_command(reader.getRoot<schema::Envelope>(), trusted);
      if (!r) {
        ++rejected;
        continue;
      }
      BOOST_TEST(canonical_bytes(reader) == pristine_canonical, "bit " << bit << " changed the command yet it verified");
    } catch (const kj::Exception&) {
      ++rejected;  // the framing itself was broken: the reader refused it
    }
  }
  BOOST_TEST(rejected > bytes.size() * 8 / 2);
}

BOOST_FIXTURE_TEST_CASE(re_signing_with_another_trusted_key_verifies_as_that_key, signed_fixture) {
  const key_pair second = key_pair::generate();
  trusted.add(second.public_key());
  BOOST_REQUIRE(sign_command(env, second).has_value());
  received rx(msg);
  auto r = verify_command(rx.envelope(), trusted);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r.value() == second.public_key());
}

BOOST_FIXTURE_TEST_CASE(swapping_in_another_trusted_public_key_is_a_bad_signature, signed_fixture) {
  const key_pair second = key_pair::generate();
  trusted.add(second.public_key());
  const auto pk = second.public_key();
  env.getIntegrity().getCommand().setPublicKey(capnp::Data::Reader(pk.bytes.data(), pk.bytes.size()));
  received rx(msg);
  require_error(verify_command(rx.envelope(), trusted), crypto_errc::bad_signature);
}

BOOST_AUTO_TEST_CASE(command_without_a_signature_is_unsigned) {
  const trusted_keys trusted{key_pair::generate().public_key()};
  capnp::MallocMessageBuilder msg;
  auto env = msg.initRoot<schema::Envelope>();
  fill_command(env);
  {
    received rx(msg);  // integrity defaults to `none`
    require_error(verify_command(rx.envelope(), trusted), crypto_errc::unsigned_command);
  }
  env.getIntegrity().initEvent().setPrevHash(data_of(std::string(32, '\0')));
  received rx(msg);
  require_error(verify_command(rx.envelope(), trusted), crypto_errc::unsigned_command);
}

BOOST_FIXTURE_TEST_CASE(wrong_key_or_signature_lengths_are_malformed, signed_fixture) {
  const std::string key_hex = operator_key.public_key().hex();
  const std::string key(reinterpret_cast<const char*>(operator_key.public_key().bytes.data()), 32);
  const std::string sig(64, 's');
  struct shape {
    std::string key, sig;
  };
  for (const auto& s : {shape{key.substr(0, 31), sig}, shape{key + "x", sig}, shape{key, sig.substr(0, 63)},
                        shape{key, sig + "x"}, shape{key, ""}, shape{"", sig}, shape{key_hex, sig}}) {
    auto command = env.getIntegrity().getCommand();
    command.setPublicKey(data_of(s.key));
    command.setSignature(data_of(s.sig));
    received rx(msg);
    require_error(verify_command(rx.envelope(), trusted), crypto_errc::malformed_signature);
  }
}

// Larger than the per-thread scratch segments: takes the slower path, same answer.
BOOST_AUTO_TEST_CASE(commands_larger_than_the_scratch_space_sign_and_verify) {
  const key_pair k = key_pair::generate();
  const trusted_keys trusted{k.public_key()};
  capnp::MallocMessageBuilder msg;
  auto env = msg.initRoot<schema::Envelope>();
  fill_command(env, std::string(100'000, 'r'));
  BOOST_REQUIRE(sign_command(env, k).has_value());
  received rx(msg);
  BOOST_TEST(verify_command(rx.envelope(), trusted).has_value());
  env.getPayload().getHostCommand().getSetState().getReason()[50'000] = 'R';
  received tampered(msg);
  require_error(verify_command(tampered.envelope(), trusted), crypto_errc::bad_signature);
}

// The scratch segments are reused: one verification must leave nothing behind
// that changes the next one.
BOOST_AUTO_TEST_CASE(repeated_verifications_on_one_thread_are_independent) {
  const key_pair k = key_pair::generate();
  const trusted_keys trusted{k.public_key()};
  for (int i = 0; i < 50; ++i) {
    capnp::MallocMessageBuilder msg;
    auto env = msg.initRoot<schema::Envelope>();
    fill_command(env, std::string(static_cast<std::size_t>(i * 37), 'x'));
    BOOST_REQUIRE(sign_command(env, k).has_value());
    if (i % 3 == 0) env.setEntityId("tampered");
    received rx(msg);
    BOOST_TEST(verify_command(rx.envelope(), trusted).has_value() == (i % 3 != 0), "i=" << i);
  }
}

BOOST_AUTO_TEST_SUITE_END()
