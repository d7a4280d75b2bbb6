#include "events/envelope/envelope_json.hpp"

#include "events/crypto/hashing.hpp"
#include "events/envelope/envelope_errc.hpp"
#include "events/envelope/json_escapes.hpp"

#include <capnp/compat/json.h>
#include <kj/debug.h>
#include <kj/exception.h>

#include <cstring>

namespace storemesh::events::envelope {
namespace {

/// Data as hex instead of JsonCodec's default array of numbers.
class hex_data_handler final : public capnp::JsonCodec::Handler<capnp::Data> {
public:
  void encode(const capnp::JsonCodec&, capnp::Data::Reader input, capnp::JsonValue::Builder output) const override {
    const std::string hex = crypto::to_hex(input.begin(), input.size());
    output.setString(capnp::Text::Reader(hex.data(), hex.size()));
  }

  capnp::Orphan<capnp::Data> decode(const capnp::JsonCodec&, capnp::JsonValue::Reader input,
                                    capnp::Orphanage orphanage) const override {
    KJ_REQUIRE(input.isString(), "expected a hex string for a Data field");
    const auto text = input.getString();
    auto bytes = crypto::from_hex(std::string_view(text.begin(), text.size()));
    KJ_REQUIRE(bytes.has_value(), "expected a hex string for a Data field");
    auto orphan = orphanage.newOrphan<capnp::Data>(bytes.value().size());
    if (!bytes.value().empty()) std::memcpy(orphan.get().begin(), bytes.value().data(), bytes.value().size());
    return orphan;
  }
};

/// A JsonCodec is not documented as thread-safe, and building one registers
/// handlers: one per thread, built on first use.
struct codec {
  hex_data_handler hex;  // declared first: it must outlive the codec using it
  capnp::JsonCodec json;
  codec() { json.addTypeHandler(hex); }
};

codec& thread_codec() {
  thread_local codec c;
  return c;
}

} // namespace

std::string json_string(std::string_view s) {
  std::string out = "\"";
  // RFC 8259's escapes: a control character is kept, not lost.
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static const char hex[] = "0123456789abcdef";
          out += "\\u00";
          out += hex[(c >> 4) & 0xF];
          out += hex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

result<void> payload_from_json(std::string_view json, schema::Envelope::Builder envelope) {
  try {
    // A strict codec of its own: a misspelt field must be an error, not a
    // command that silently says less than its author meant.
    hex_data_handler hex;
    capnp::JsonCodec strict;
    strict.addTypeHandler(hex);
    strict.setRejectUnknownFields(true);
    SM_TRY(const std::string unescaped, detail::decode_unicode_escapes(json));
    strict.decode(kj::ArrayPtr<const char>(unescaped.data(), unescaped.size()), envelope.getPayload());
    if (envelope.getPayload().isUnknown())
      return make_error(envelope_errc::malformed, "payload JSON names no message");
    return success();
  } catch (const kj::Exception& e) {
    return make_error(envelope_errc::malformed, std::string("payload JSON: ") + e.getDescription().cStr());
  }
}

std::string to_json(schema::Envelope::Reader envelope) {
  try {
    const kj::String text = thread_codec().json.encode(envelope);
    return std::string(text.cStr(), text.size());
  } catch (const kj::Exception& e) {
    return "{\"error\":" + json_string(e.getDescription().cStr()) + "}";
  }
}

} // namespace storemesh::events::envelope
