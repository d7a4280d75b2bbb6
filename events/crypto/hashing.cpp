#include "events/crypto/hashing.hpp"

#include "events/crypto/crypto_errc.hpp"
#include "events/crypto/sodium_init.hpp"

#include <cstring>

namespace storemesh::events::crypto {

digest blake2b_256(std::string_view bytes) {
  ensure_sodium();
  digest out;
  crypto_generichash_blake2b(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                             bytes.size(), nullptr, 0);
  return out;
}

blake2b_256_state::blake2b_256_state() {
  ensure_sodium();
  crypto_generichash_blake2b_init(&state_, nullptr, 0, digest{}.size());
}

void blake2b_256_state::update(const void* data, std::size_t size) {
  crypto_generichash_blake2b_update(&state_, static_cast<const unsigned char*>(data), size);
}

digest blake2b_256_state::final() {
  digest out;
  crypto_generichash_blake2b_final(&state_, out.data(), out.size());
  return out;
}

std::string to_hex(const void* data, std::size_t size) {
  std::string out(size * 2 + 1, '\0');  // sodium_bin2hex writes a terminating NUL
  sodium_bin2hex(out.data(), out.size(), static_cast<const unsigned char*>(data), size);
  out.pop_back();
  return out;
}

namespace {

// sodium_hex2bin runs in constant time for a given length, which matters here
// because key files are hex: parsing a secret must not leak it through timing.
bool decode_hex(std::string_view hex, std::uint8_t* out, std::size_t out_size) {
  if (hex.size() != out_size * 2) return false;
  if (out_size == 0) return true;  // sodium_hex2bin's pointers must not be null
  std::size_t written = 0;
  const char* end = nullptr;
  const int rc = sodium_hex2bin(out, out_size, hex.data(), hex.size(), nullptr, &written, &end);
  return rc == 0 && written == out_size && end == hex.data() + hex.size();
}

} // namespace

result<std::vector<std::uint8_t>> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return make_error(crypto_errc::bad_hex, "odd number of hex digits (" + std::to_string(hex.size()) + ")");
  }
  std::vector<std::uint8_t> out(hex.size() / 2);
  if (!decode_hex(hex, out.data(), out.size())) {
    return make_error(crypto_errc::bad_hex, "not a hex string");
  }
  return out;
}

result<void> from_hex_exact(std::string_view hex, std::uint8_t* out, std::size_t out_size) {
  if (hex.size() != out_size * 2) {
    sodium_memzero(out, out_size);
    return make_error(crypto_errc::bad_hex, "expected " + std::to_string(out_size * 2) + " hex digits, found " +
                                                std::to_string(hex.size()));
  }
  if (!decode_hex(hex, out, out_size)) {
    sodium_memzero(out, out_size);
    return make_error(crypto_errc::bad_hex, "not a hex string");
  }
  return success();
}

std::array<std::uint8_t, 16> derived_id(std::string_view key) {
  const auto d = blake2b_256(key);
  std::array<std::uint8_t, 16> id{};
  std::memcpy(id.data(), d.data(), id.size());
  return id;
}

} // namespace storemesh::events::crypto
