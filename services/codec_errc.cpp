#include "services/codec_errc.hpp"

#include <string>

namespace storemesh::services {
namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "codec"; }
  std::string message(int value) const override {
    switch (static_cast<codec_errc>(value)) {
      case codec_errc::wrong_payload: return "wrong payload for this entity kind";
      case codec_errc::unknown_variant: return "unknown message variant";
      case codec_errc::malformed: return "malformed message";
    }
    return "unknown codec error " + std::to_string(value);
  }
};

} // namespace

const std::error_category& codec_category() noexcept {
  static const category instance;
  return instance;
}

} // namespace storemesh::services
