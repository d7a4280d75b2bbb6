#include "events/crypto/command_signing.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/envelope/entity_id.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/envelope/envelope_errc.hpp"
#include "events/envelope/test_envelopes.hpp"

#include <boost/test/unit_test.hpp>

#include <capnp/any.h>
#include <capnp/schema.h>

#include <set>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

using namespace storemesh::events::envelope;
using namespace storemesh::events::envelope::testing;
namespace crypto = storemesh::events::crypto;
namespace schema = storemesh::schema;

namespace {

void require_error(const storemesh::result<decoded_envelope>& r, envelope_errc expected) {
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().code == make_error_code(expected), r.error().message());
}

/// Builds an envelope with the sample fields, lets `edit` change it, returns the bytes.
template <class Edit>
std::string envelope_bytes(Edit edit) {
  const auto signer = crypto::key_pair::generate();
  capnp::MallocMessageBuilder msg;
  auto env = msg.initRoot<schema::Envelope>();
  fill_full_envelope(env, signer);
  edit(env);
  return to_bytes(msg);
}

/// Byte position, in a single-segment flat message, of the payload discriminant.
std::size_t payload_discriminant_position(const std::string& bytes) {
  std::uint32_t root_lower;
  std::memcpy(&root_lower, bytes.data() + 8, 4);  // after the one-segment table
  const auto offset_words = static_cast<std::int32_t>(root_lower) >> 2;
  const auto disc = capnp::Schema::from<schema::Envelope::Payload>().getProto().getStruct().getDiscriminantOffset();
  return 16 + static_cast<std::size_t>(offset_words) * 8 + disc * 2;
}

} // namespace

BOOST_AUTO_TEST_SUITE(decoded_envelope_tests)

BOOST_AUTO_TEST_CASE(round_trip_preserves_every_field) {
  const auto signer = crypto::key_pair::generate();
  const aligned_bytes bytes(full_envelope_bytes(signer));
  BOOST_TEST(bytes.view().size() % 8 == 0u);

  auto decoded = decoded_envelope::decode(bytes.view());
  BOOST_REQUIRE_MESSAGE(decoded.has_value(), failure_of(decoded));
  const auto& d = decoded.value();
  BOOST_TEST(std::string(d.id().begin(), d.id().end()) == sample_id);
  BOOST_TEST(d.entity_kind() == "host");
  BOOST_TEST(d.entity_id() == "host-a");
  BOOST_TEST((d.payload_which() == schema::Envelope::Payload::HOST_COMMAND));
  BOOST_TEST(d.payload_known());
  BOOST_TEST(d.check_payload_known().has_value());

  const auto env = d.reader();
  BOOST_TEST(env.getSequence() == 7u);
  BOOST_TEST(as_string_view(env.getCausationId()) == sample_causation);
  BOOST_TEST(as_string_view(env.getCorrelationId()) == sample_correlation);
  BOOST_TEST(env.getTimestampNs() == 1'700'000'000'123'456'789);
  BOOST_TEST(std::string(env.getProducer().cStr()) == "cli@test");
  BOOST_TEST(env.getCommandOffset() == 42);
  const auto datastores = env.getPayload().getHostCommand().getRegister();
  BOOST_REQUIRE(datastores.size() == 2u);
  BOOST_TEST(std::string(datastores[1].getName().cStr()) == "ds2");
  BOOST_TEST(std::string(datastores[1].getPath().cStr()) == "/mnt/ds2");

  // The signature made on the builder verifies on the decoded record.
  const crypto::trusted_keys trusted{signer.public_key()};
  auto signer_back = crypto::verify_command(env, trusted);
  BOOST_REQUIRE(signer_back.has_value());
  BOOST_TEST(signer_back.value() == signer.public_key());
}

BOOST_AUTO_TEST_CASE(aligned_bytes_are_read_in_place_and_unaligned_bytes_are_copied) {
  const std::string bytes = full_envelope_bytes(crypto::key_pair::generate());
  const aligned_bytes aligned(bytes);
  const unaligned_bytes unaligned(bytes);
  BOOST_REQUIRE(reinterpret_cast<std::uintptr_t>(unaligned.view().data()) % 8 != 0);

  auto a = decoded_envelope::decode(aligned.view());
  auto u = decoded_envelope::decode(unaligned.view());
  BOOST_REQUIRE(a.has_value());
  BOOST_REQUIRE(u.has_value());
  BOOST_TEST(!a.value().owns_bytes());
  BOOST_TEST(a.value().bytes().data() == aligned.view().data());
  BOOST_TEST(u.value().owns_bytes());
  BOOST_TEST(u.value().bytes() == unaligned.view());
  BOOST_TEST(u.value().entity_id() == a.value().entity_id());
  BOOST_TEST(u.value().reader().getCommandOffset() == a.value().reader().getCommandOffset());
}

BOOST_AUTO_TEST_CASE(decoded_envelopes_stay_valid_after_moves) {
  const std::string bytes = full_envelope_bytes(crypto::key_pair::generate());
  const aligned_bytes aligned(bytes);
  const unaligned_bytes unaligned(bytes);
  std::vector<decoded_envelope> kept;
  for (int i = 0; i < 20; ++i) {  // the vector reallocates: every element is moved several times
    kept.push_back(decoded_envelope::decode(i % 2 ? aligned.view() : unaligned.view()).value());
  }
  auto assigned = decoded_envelope::decode(aligned.view()).value();
  assigned = std::move(kept.back());
  kept.pop_back();
  kept.push_back(std::move(assigned));
  for (const auto& d : kept) {
    BOOST_TEST(d.entity_id() == "host-a");
    BOOST_TEST(std::string(d.reader().getEntityId().cStr()) == "host-a");
    BOOST_TEST(std::string(d.reader().getPayload().getHostCommand().getRegister()[0].getName().cStr()) == "ds1");
  }
}

BOOST_AUTO_TEST_CASE(decode_into_reuses_one_slot_and_empties_it_on_failure) {
  const std::string bytes = full_envelope_bytes(crypto::key_pair::generate());
  const aligned_bytes aligned(bytes);
  const unaligned_bytes unaligned(bytes);
  decoded_envelope slot;
  for (int i = 0; i < 4; ++i) {
    BOOST_REQUIRE(decoded_envelope::decode_into(i % 2 ? aligned.view() : unaligned.view(), slot));
    BOOST_TEST(slot.entity_id() == "host-a");
    BOOST_TEST(slot.owns_bytes() == (i % 2 == 0));
    BOOST_TEST(std::string(slot.reader().getPayload().getHostCommand().getRegister()[1].getPath().cStr()) ==
               "/mnt/ds2");
  }
  const auto failed = decoded_envelope::decode_into(aligned.view().substr(0, 16), slot);
  BOOST_REQUIRE(!failed);
  BOOST_TEST(failed.error().code == make_error_code(envelope_errc::malformed), failed.error().message());
  BOOST_TEST(slot.bytes().empty());
  BOOST_TEST(slot.entity_id().empty());
  BOOST_REQUIRE(decoded_envelope::decode_into(aligned.view(), slot));
  BOOST_TEST(slot.entity_kind() == "host");
}

BOOST_AUTO_TEST_CASE(unknown_payload_discriminant_decodes_and_is_reported) {
  std::string bytes = envelope_bytes([](auto) {});
  const std::size_t at = payload_discriminant_position(bytes);
  std::uint16_t original;
  std::memcpy(&original, bytes.data() + at, 2);
  BOOST_REQUIRE(original == static_cast<std::uint16_t>(schema::Envelope::Payload::HOST_COMMAND));
  const std::uint16_t unknown = 999;
  std::memcpy(bytes.data() + at, &unknown, 2);

  const aligned_bytes aligned(bytes);
  auto d = decoded_envelope::decode(aligned.view());
  BOOST_REQUIRE_MESSAGE(d.has_value(), failure_of(d));
  BOOST_TEST(static_cast<unsigned>(d.value().payload_which()) == 999u);
  BOOST_TEST(!d.value().payload_known());
  auto check = d.value().check_payload_known();
  BOOST_REQUIRE(!check.has_value());
  BOOST_TEST((check.error().code == envelope_errc::unknown_payload));
  BOOST_TEST(check.error().detail == "unknown message type 999");
}

BOOST_AUTO_TEST_CASE(every_known_payload_member_is_known) {
  const auto count = capnp::Schema::from<schema::Envelope::Payload>().getUnionFields().size();
  BOOST_TEST(count == 34u);  // update when the union grows; the check follows the schema by itself
  // With the payload pointer null, every discriminant reads as its member's default.
  std::string bytes = envelope_bytes([](schema::Envelope::Builder e) {
    e.getPayload().disownHostCommand();
    e.getPayload().setUnknown();
  });
  const std::size_t at = payload_discriminant_position(bytes);
  for (std::uint16_t which = 0; which <= count; ++which) {
    std::memcpy(bytes.data() + at, &which, 2);
    const aligned_bytes aligned(bytes);
    auto d = decoded_envelope::decode(aligned.view());
    BOOST_REQUIRE_MESSAGE(d.has_value(), failure_of(d));
    BOOST_TEST(d.value().payload_known() == (which < count), "which=" << which);
  }
}

BOOST_AUTO_TEST_CASE(missing_id_entity_kind_or_entity_id_is_missing_field) {
  require_error(decoded_envelope::decode(aligned_bytes(envelope_bytes([](auto e) { e.disownId(); })).view()),
                envelope_errc::missing_field);
  require_error(decoded_envelope::decode(aligned_bytes(envelope_bytes([](auto e) {
                                           e.setId(as_data(std::string(15, 'x')));
                                         })).view()),
                envelope_errc::missing_field);
  require_error(decoded_envelope::decode(aligned_bytes(envelope_bytes([](auto e) { e.setEntityKind(""); })).view()),
                envelope_errc::missing_field);
  require_error(decoded_envelope::decode(aligned_bytes(envelope_bytes([](auto e) { e.disownEntityId(); })).view()),
                envelope_errc::missing_field);
}

BOOST_AUTO_TEST_CASE(invalid_entity_ids_are_rejected) {
  for (const std::string& id : {std::string(".hidden"), std::string("a b"), std::string("a/b"), std::string(".."),
                                std::string(129, 'a'), std::string("h\xc3\xa9"), std::string("a\nb")}) {
    BOOST_TEST_CONTEXT(id) {
      require_error(
          decoded_envelope::decode(aligned_bytes(envelope_bytes([&](auto e) { e.setEntityId(id); })).view()),
          envelope_errc::bad_entity_id);
    }
  }
}

BOOST_AUTO_TEST_CASE(entity_id_rule) {
  BOOST_TEST(is_valid_entity_id("host-a"));
  BOOST_TEST(is_valid_entity_id("job:2024-01-01@dc1.rack_2"));
  BOOST_TEST(is_valid_entity_id("a."));
  BOOST_TEST(is_valid_entity_id(std::string(128, 'Z')));
  BOOST_TEST(!is_valid_entity_id(""));
  BOOST_TEST(!is_valid_entity_id(".a"));
  BOOST_TEST(!is_valid_entity_id(std::string(129, 'Z')));
  BOOST_TEST(!is_valid_entity_id("a*"));
  BOOST_TEST(!is_valid_entity_id(std::string("a\0b", 3)));
}

BOOST_AUTO_TEST_CASE(records_over_the_size_limit_are_too_large) {
  const std::vector<capnp::word> huge(max_envelope_bytes / 8 + 1);
  require_error(decoded_envelope::decode({reinterpret_cast<const char*>(huge.data()), huge.size() * 8}),
                envelope_errc::too_large);
}

BOOST_AUTO_TEST_CASE(trailing_bytes_after_the_message_are_malformed) {
  const aligned_bytes bytes(full_envelope_bytes(crypto::key_pair::generate()) + std::string(8, '\0'));
  auto r = decoded_envelope::decode(bytes.view());
  require_error(r, envelope_errc::malformed);
  BOOST_TEST(r.error().detail.find("trailing") != std::string::npos);
}

// Cap'n Proto would only throw when the field is read; decode reads every
// known field, so the error surfaces here and not in the code that uses it.
BOOST_AUTO_TEST_CASE(a_wrongly_typed_pointer_is_malformed_at_decode_time) {
  const auto producer_slot = capnp::Schema::from<schema::Envelope>().getFieldByName("producer").getProto().getSlot().getOffset();
  const std::string bytes = envelope_bytes([&](schema::Envelope::Builder e) {
    capnp::AnyStruct::Builder any(kj::mv(e));
    any.getPointerSection()[producer_slot].initAs<schema::host::Datastore>().setName("not text");
  });
  auto r = decoded_envelope::decode(aligned_bytes(bytes).view());
  require_error(r, envelope_errc::malformed);
}

BOOST_AUTO_TEST_CASE(builder_helpers_make_fresh_ids_and_plausible_times) {
  BOOST_TEST(new_message_id() != new_message_id());
  const std::int64_t t = now_ns();
  BOOST_TEST(t > 1'600'000'000'000'000'000);  // after 2020
  BOOST_TEST(t < 4'000'000'000'000'000'000);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(envelope_errc_names)

BOOST_AUTO_TEST_CASE(code_names_are_the_enumerator_names) {
  BOOST_TEST(std::string(code_name(envelope_errc::unknown_payload)) == "unknown_payload");
  BOOST_TEST(std::string(code_name(envelope_errc::bad_entity_id)) == "bad_entity_id");
  BOOST_TEST(make_error_code(envelope_errc::too_large).message() == "too large");
}

// Ids come from a per-thread buffer of randomness (envelope_builder.cpp):
// distinct across many refills and threads, and a forked child's are not
// the ones its parent hands out next.
BOOST_AUTO_TEST_CASE(message_ids_stay_distinct_across_buffer_refills_threads_and_fork) {
  std::set<std::array<std::uint8_t, 16>> seen;
  for (int i = 0; i < 5000; ++i)
    BOOST_REQUIRE(seen.insert(new_message_id()).second);
  std::vector<std::array<std::uint8_t, 16>> other(5000);
  std::thread([&] {
    for (auto& id : other)
      id = new_message_id();
  }).join();
  for (const auto& id : other)
    BOOST_REQUIRE(seen.insert(id).second);

  (void)new_message_id();  // the buffer is part used: a child would inherit the rest
  int pipe_fds[2];
  BOOST_REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    const auto id = new_message_id();
    const bool ok = ::write(pipe_fds[1], id.data(), id.size()) == static_cast<ssize_t>(id.size());
    ::_exit(ok ? 0 : 1);
  }
  std::array<std::uint8_t, 16> from_child{};
  BOOST_REQUIRE(::read(pipe_fds[0], from_child.data(), from_child.size()) == static_cast<ssize_t>(from_child.size()));
  int status = 0;
  BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(new_message_id() != from_child);
  BOOST_TEST(seen.count(from_child) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
