// Fuzz target: the command JSON parser (payload_from_json), which reads what
// an operator or a script passes to `storemesh command`.
//
// Invariants beyond "no crash, no UB":
//   - an accepted payload names a message (never "unknown");
//   - it renders (to_json), and the payload's rendering parses back to the
//     same envelope (the JSON form is a fixpoint after one round);
//   - framed with an id and an entity, it goes on the wire and decodes
//     (decoded_envelope::decode): whatever the parser builds, the intake reads.
#include "events/envelope/decoded_envelope.hpp"
#include "events/envelope/envelope_json.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/payload_text.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <string>

namespace schema = storemesh::schema;
using namespace storemesh::events::envelope;

namespace {

/// The JSON value of "payload" in `envelope_json` (one object, strings skipped).
std::string payload_member(const std::string& envelope_json) {
  auto payload = storemesh::fuzz::payload_text(envelope_json);
  FUZZ_CHECK(!payload.empty(), "the rendering has a payload, and its JSON value is closed");
  return payload;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  capnp::MallocMessageBuilder msg;
  auto env = msg.initRoot<schema::Envelope>();
  if (!payload_from_json(json, env))
    return 0;
  FUZZ_CHECK(!env.getPayload().isUnknown(), "an accepted payload names a message");

  const std::string rendered = to_json(env.asReader());
  FUZZ_CHECK(rendered.rfind("{\"error\":", 0) != 0, "an accepted payload renders");
  capnp::MallocMessageBuilder msg2;
  auto env2 = msg2.initRoot<schema::Envelope>();
  const std::string payload = payload_member(rendered);
  auto reparsed = payload_from_json(payload, env2);
  if (!reparsed)
    std::fprintf(stderr, "rendered payload refused: %s\n%s\n", reparsed.error().message().c_str(), payload.c_str());
  FUZZ_CHECK(reparsed.has_value(), "the rendered payload parses back");
  const std::string rerendered = to_json(env2.asReader());
  if (rerendered != rendered)
    std::fprintf(stderr, "first rendering:  %s\nsecond rendering: %s\n", rendered.c_str(), rerendered.c_str());
  FUZZ_CHECK(rerendered == rendered, "the rendered payload parses back to the same envelope");

  // Framed like a command, it is a valid wire envelope.
  static const std::string id(16, '\x42');
  env.setId(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(id.data()), id.size()));
  env.setEntityKind("host");
  env.setEntityId("host-a");
  const kj::Array<capnp::word> words = capnp::messageToFlatArray(msg);
  auto decoded = decoded_envelope::decode(
      std::string_view(reinterpret_cast<const char*>(words.begin()), words.size() * sizeof(capnp::word)));
  if (!decoded)
    std::fprintf(stderr, "framed payload refused: %s\n", decoded.error().message().c_str());
  FUZZ_CHECK(decoded.has_value(), "a parsed payload, framed, decodes");
  FUZZ_CHECK(decoded.value().payload_which() == env.getPayload().which(), "the same payload kind on the wire");
  return 0;
}
