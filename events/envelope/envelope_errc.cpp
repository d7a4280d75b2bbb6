#include "events/envelope/envelope_errc.hpp"

#include <string>

namespace storemesh::events::envelope {
namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "envelope"; }
  std::string message(int value) const override {
    switch (static_cast<envelope_errc>(value)) {
      case envelope_errc::malformed: return "malformed";
      case envelope_errc::missing_field: return "missing field";
      case envelope_errc::bad_entity_id: return "bad entity id";
      case envelope_errc::unknown_payload: return "unknown payload";
      case envelope_errc::too_large: return "too large";
    }
    return "unknown envelope error " + std::to_string(value);
  }
};

} // namespace

const char* code_name(envelope_errc e) noexcept {
  switch (e) {
    case envelope_errc::malformed: return "malformed";
    case envelope_errc::missing_field: return "missing_field";
    case envelope_errc::bad_entity_id: return "bad_entity_id";
    case envelope_errc::unknown_payload: return "unknown_payload";
    case envelope_errc::too_large: return "too_large";
  }
  return "unknown_envelope_error";
}

const std::error_category& envelope_category() noexcept {
  static const category instance;
  return instance;
}

} // namespace storemesh::events::envelope
