#include "services/tunnels/noise/cipher_state.hpp"

#include "services/tunnels/noise/noise_errc.hpp"

#include <cstring>
#include <limits>

namespace storemesh::tunnels::noise {
namespace {
constexpr std::uint64_t reserved_nonce = std::numeric_limits<std::uint64_t>::max();
}

void cipher_state::initialize_key(const key& k) {
  k_ = k;
  has_key_ = true;
  n_ = 0;
}

void cipher_state::clear_key() {
  k_.wipe();
  has_key_ = false;
  n_ = 0;
}

result<void> cipher_state::encrypt_with_ad(const std::uint8_t* ad, std::size_t adn, const std::uint8_t* pt,
                                           std::size_t ptn, bytes& out) {
  if (!has_key_) {
    out.insert(out.end(), pt, pt + ptn);
    return success();
  }
  if (n_ == reserved_nonce) return make_error(noise_errc::nonce_exhausted);
  aead_encrypt(k_, n_, ad, adn, pt, ptn, out);
  ++n_;
  return success();
}

result<void> cipher_state::decrypt_with_ad(const std::uint8_t* ad, std::size_t adn, const std::uint8_t* ct,
                                           std::size_t ctn, bytes& out) {
  if (!has_key_) {
    out.insert(out.end(), ct, ct + ctn);
    return success();
  }
  if (n_ == reserved_nonce) return make_error(noise_errc::nonce_exhausted);
  if (!aead_decrypt(k_, n_, ad, adn, ct, ctn, out)) return make_error(noise_errc::decrypt_failed);
  ++n_;
  return success();
}

void cipher_state::rekey() {
  static const std::uint8_t zeros[key_len] = {};
  bytes out;
  out.reserve(key_len + tag_len);
  aead_encrypt(k_, reserved_nonce, nullptr, 0, zeros, key_len, out);
  std::memcpy(k_.data(), out.data(), key_len);
  wipe(out);
}

} // namespace storemesh::tunnels::noise
