// Fuzz target: a record value as an Envelope (decoded_envelope::decode, which
// runs structure_check), whatever the bytes.
//
// Invariants beyond "no crash, no UB":
//   - decoding in place (8-aligned bytes) and from a copy (unaligned) agree;
//   - a decoded envelope's known fields read without Cap'n Proto throwing, and
//     to_json renders it (never the {"error":...} fallback);
//   - it re-encodes: copied into a fresh message and serialized, it decodes
//     again to the same id, entity, payload kind and JSON (unless the
//     original bought element budget with padding: see below).
#include "events/envelope/decoded_envelope.hpp"
#include "events/envelope/envelope_json.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstring>
#include <string>
#include <vector>

using storemesh::events::envelope::decoded_envelope;
using storemesh::events::envelope::to_json;

namespace {

std::string_view view_of(kj::ArrayPtr<const capnp::word> words) {
  return {reinterpret_cast<const char*>(words.begin()), words.size() * sizeof(capnp::word)};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<capnp::word> aligned(size / sizeof(capnp::word) + 1);
  if (size > 0)
    std::memcpy(aligned.data(), data, size);
  const std::string_view in_place(reinterpret_cast<const char*>(aligned.data()), size);
  std::string shifted(size + 1, '\0');
  if (size > 0)
    std::memcpy(shifted.data() + 1, data, size);
  const std::string_view copied = std::string_view(shifted).substr(1);

  auto a = decoded_envelope::decode(in_place);
  auto b = decoded_envelope::decode(copied);
  FUZZ_CHECK(a.has_value() == b.has_value(), "aligned and unaligned decodes agree");
  if (!a) {
    FUZZ_CHECK(a.error().code == b.error().code && a.error().detail == b.error().detail,
               "aligned and unaligned decodes fail alike");
    return 0;
  }
  const decoded_envelope& env = a.value();
  FUZZ_CHECK(!env.owns_bytes() && b.value().owns_bytes(), "read in place only when aligned");
  FUZZ_CHECK(env.id() == b.value().id(), "same id either way");
  FUZZ_CHECK(env.entity_kind() == b.value().entity_kind() && env.entity_id() == b.value().entity_id(),
             "same entity either way");
  FUZZ_CHECK(env.payload_known() == env.check_payload_known().has_value(), "payload_known agrees with its check");
  FUZZ_CHECK(!env.entity_kind().empty(), "a decoded envelope has an entity kind");

  const std::string json = to_json(env.reader());
  FUZZ_CHECK(json.rfind("{\"error\":", 0) != 0, "a decoded envelope renders as JSON");
  FUZZ_CHECK(json == to_json(b.value().reader()), "same JSON either way");

  // Re-encode: a deep copy into a new message, then the wire form again.
  capnp::MallocMessageBuilder copy;
  try {
    copy.setRoot(env.reader());
  } catch (const kj::Exception& e) {
    // Known and accepted: a copy reads unknown content too (members and
    // fields of newer schemas), which structure_check sizes but does not
    // walk; a list of 2^29 zero-sized structs there costs 2^29 reads, and the
    // 64 MiB read limit stops the copy (found by this target). Whoever copies
    // a received envelope catches it (command_signing: malformed_command).
    if (std::string_view(e.getDescription().cStr()).find("traversal limit") != std::string_view::npos)
      return 0;
    FUZZ_CHECK(false, e.getDescription().cStr());
  }
  const kj::Array<capnp::word> words = capnp::messageToFlatArray(copy);
  auto again = decoded_envelope::decode(view_of(words));
  // Known and accepted: structure_check's budget of list elements is the
  // message's size in words, unreachable padding included, so a message that
  // pads itself passes with more zero-sized elements than its compact copy may
  // (found by this target; a cost bound, not a reading hazard: README).
  if (!again && words.size() * sizeof(capnp::word) < size &&
      again.error().detail.find("more elements than the message has words") != std::string::npos)
    return 0;
  if (!again)
    std::fprintf(stderr, "re-encoded envelope refused: %s\n", again.error().message().c_str());
  FUZZ_CHECK(again.has_value(), "a decoded envelope re-encodes to one that decodes");
  FUZZ_CHECK(again.value().id() == env.id(), "re-encoded: same id");
  FUZZ_CHECK(again.value().entity_kind() == env.entity_kind() && again.value().entity_id() == env.entity_id(),
             "re-encoded: same entity");
  FUZZ_CHECK(again.value().payload_which() == env.payload_which(), "re-encoded: same payload kind");
  FUZZ_CHECK(to_json(again.value().reader()) == json, "re-encoded: same JSON");
  return 0;
}
