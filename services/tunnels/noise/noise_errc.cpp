#include "services/tunnels/noise/noise_errc.hpp"

#include <string>

namespace storemesh::tunnels::noise {
namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "tunnel"; }
  std::string message(int value) const override {
    switch (static_cast<noise_errc>(value)) {
      case noise_errc::decrypt_failed: return "message does not authenticate";
      case noise_errc::malformed_message: return "malformed handshake message";
      case noise_errc::out_of_order: return "handshake message out of order";
      case noise_errc::peer_not_allowed: return "peer static key not allowed";
      case noise_errc::bad_public_key: return "peer sent an invalid public key";
      case noise_errc::nonce_exhausted: return "nonce exhausted";
      case noise_errc::bad_config: return "bad handshake configuration";
      case noise_errc::bad_frame: return "garbled tunnel frame";
      case noise_errc::closed: return "tunnel closed";
      case noise_errc::timeout: return "deadline passed";
      case noise_errc::io_error: return "I/O error";
    }
    return "unknown tunnel error " + std::to_string(value);
  }
};

} // namespace

const std::error_category& noise_category() noexcept {
  static const category instance;
  return instance;
}

} // namespace storemesh::tunnels::noise
