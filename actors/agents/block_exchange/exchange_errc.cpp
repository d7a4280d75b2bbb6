#include "actors/agents/block_exchange/exchange_errc.hpp"

#include <string>

namespace storemesh::agents::block_exchange {
namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "block exchange"; }
  std::string message(int value) const override {
    switch (static_cast<exchange_errc>(value)) {
      case exchange_errc::connect_failed: return "cannot connect to the block server";
      case exchange_errc::timeout: return "block server timed out";
      case exchange_errc::http_status: return "unexpected HTTP status";
      case exchange_errc::bad_response: return "malformed response";
      case exchange_errc::listen_failed: return "cannot listen";
      case exchange_errc::file_too_large: return "file too large";
    }
    return "unknown block exchange error " + std::to_string(value);
  }
};

} // namespace

const std::error_category& exchange_category() noexcept {
  static const category instance;
  return instance;
}

} // namespace storemesh::agents::block_exchange
