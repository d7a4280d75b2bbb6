// The in-memory half of keys.hpp; the files are in key_files.cpp.
#include "events/crypto/keys.hpp"

#include "events/crypto/crypto_errc.hpp"
#include "events/crypto/hashing.hpp"
#include "events/crypto/sodium_init.hpp"

#include <sodium.h>

#include <ostream>

namespace storemesh::events::crypto {

static_assert(crypto_sign_PUBLICKEYBYTES == 32 && crypto_sign_SECRETKEYBYTES == 64 && crypto_sign_BYTES == 64 &&
              crypto_sign_SEEDBYTES == 32);

result<public_key> public_key::from_bytes(std::string_view raw) {
  public_key k;
  if (raw.size() != k.bytes.size()) {
    return make_error(crypto_errc::malformed_public_key,
                      "expected 32 bytes, found " + std::to_string(raw.size()));
  }
  std::memcpy(k.bytes.data(), raw.data(), k.bytes.size());
  return k;
}

std::string public_key::hex() const { return to_hex(bytes); }

std::string public_key::short_id() const { return to_hex(bytes.data(), 4); }

std::ostream& operator<<(std::ostream& os, const public_key& k) { return os << k.hex(); }

key_pair key_pair::generate() {
  ensure_sodium();
  key_pair kp;
  crypto_sign_keypair(kp.public_.bytes.data(), kp.secret_.data());
  return kp;
}

key_pair key_pair::from_seed(const std::array<std::uint8_t, 32>& seed) {
  ensure_sodium();
  key_pair kp;
  crypto_sign_seed_keypair(kp.public_.bytes.data(), kp.secret_.data(), seed.data());
  return kp;
}

key_pair::key_pair(key_pair&& other) noexcept : secret_(other.secret_), public_(other.public_) {
  sodium_memzero(other.secret_.data(), other.secret_.size());
}

key_pair& key_pair::operator=(key_pair&& other) noexcept {
  if (this != &other) {
    secret_ = other.secret_;
    public_ = other.public_;
    sodium_memzero(other.secret_.data(), other.secret_.size());
  }
  return *this;
}

key_pair::~key_pair() { sodium_memzero(secret_.data(), secret_.size()); }

public_key key_pair::public_key() const { return public_; }

std::array<std::uint8_t, 64> key_pair::sign(const void* message, std::size_t size) const {
  std::array<std::uint8_t, 64> sig;
  crypto_sign_detached(sig.data(), nullptr, static_cast<const unsigned char*>(message), size, secret_.data());
  return sig;
}

} // namespace storemesh::events::crypto
