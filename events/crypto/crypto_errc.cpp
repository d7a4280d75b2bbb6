#include "events/crypto/crypto_errc.hpp"

#include <string>

namespace storemesh::events::crypto {
namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "crypto"; }
  std::string message(int value) const override {
    switch (static_cast<crypto_errc>(value)) {
      case crypto_errc::unsigned_command: return "unsigned command";
      case crypto_errc::malformed_signature: return "malformed signature";
      case crypto_errc::unknown_key: return "unknown key";
      case crypto_errc::bad_signature: return "bad signature";
      case crypto_errc::bad_seal: return "bad seal";
      case crypto_errc::malformed_command: return "malformed command";
      case crypto_errc::key_file_exists: return "key file exists";
      case crypto_errc::key_file_permissions: return "key file permissions";
      case crypto_errc::malformed_key_file: return "malformed key file";
      case crypto_errc::malformed_public_key: return "malformed public key";
      case crypto_errc::bad_hex: return "bad hex";
      case crypto_errc::bad_proof: return "bad inclusion proof";
    }
    return "unknown crypto error " + std::to_string(value);
  }
};

} // namespace

const char* code_name(crypto_errc e) noexcept {
  switch (e) {
    case crypto_errc::unsigned_command: return "unsigned_command";
    case crypto_errc::malformed_signature: return "malformed_signature";
    case crypto_errc::unknown_key: return "unknown_key";
    case crypto_errc::bad_signature: return "bad_signature";
    case crypto_errc::bad_seal: return "bad_seal";
    case crypto_errc::malformed_command: return "malformed_command";
    case crypto_errc::key_file_exists: return "key_file_exists";
    case crypto_errc::key_file_permissions: return "key_file_permissions";
    case crypto_errc::malformed_key_file: return "malformed_key_file";
    case crypto_errc::malformed_public_key: return "malformed_public_key";
    case crypto_errc::bad_hex: return "bad_hex";
    case crypto_errc::bad_proof: return "bad_proof";
  }
  return "unknown_crypto_error";
}

const std::error_category& crypto_category() noexcept {
  static const category instance;
  return instance;
}

} // namespace storemesh::events::crypto
