#include "services/tunnels/noise/primitives.hpp"

#include "events/crypto/sodium_init.hpp"
#include "services/tunnels/noise/noise_errc.hpp"

#include <cstring>

namespace storemesh::tunnels::noise {
namespace {

// Spec 12.3: 32 bits of zeros followed by the little-endian encoding of n.
std::array<std::uint8_t, crypto_aead_chacha20poly1305_IETF_NPUBBYTES> nonce_of(std::uint64_t n) {
  std::array<std::uint8_t, crypto_aead_chacha20poly1305_IETF_NPUBBYTES> nonce{};
  for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<std::uint8_t>(n >> (8 * i));
  return nonce;
}

} // namespace

keypair generate_keypair() {
  events::crypto::ensure_sodium();
  keypair kp;
  randombytes_buf(kp.priv.data(), dh_len);
  crypto_scalarmult_base(kp.pub.data(), kp.priv.data());
  return kp;
}

keypair keypair_from_private(const std::uint8_t* priv32) {
  events::crypto::ensure_sodium();
  keypair kp;
  std::memcpy(kp.priv.data(), priv32, dh_len);
  crypto_scalarmult_base(kp.pub.data(), kp.priv.data());
  return kp;
}

result<secret<dh_len>> dh(const keypair& self, const public_key& remote) {
  secret<dh_len> out;
  // crypto_scalarmult fails exactly when the result is all zeros.
  if (crypto_scalarmult(out.data(), self.priv.data(), remote.data()) != 0)
    return make_error(noise_errc::bad_public_key, "X25519 result is zero");
  return out;
}

digest hash2(const std::uint8_t* a, std::size_t an, const std::uint8_t* b, std::size_t bn) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, hash_len);
  if (an) crypto_generichash_update(&st, a, an);
  if (bn) crypto_generichash_update(&st, b, bn);
  digest d;
  crypto_generichash_final(&st, d.data(), hash_len);
  sodium_memzero(&st, sizeof st);
  return d;
}

secret<hash_len> hmac(const std::uint8_t* k, std::size_t kn, const std::uint8_t* d, std::size_t dn) {
  // Noise's HMAC keys are at most HASHLEN (64) bytes: never hashed down.
  secret<block_len> ipad, opad;
  std::memset(ipad.data(), 0x36, block_len);
  std::memset(opad.data(), 0x5c, block_len);
  for (std::size_t i = 0; i < kn && i < block_len; ++i) {
    ipad.b[i] ^= k[i];
    opad.b[i] ^= k[i];
  }
  digest inner = hash2(ipad.data(), block_len, d, dn);
  digest outer = hash2(opad.data(), block_len, inner.data(), inner.size());
  secret<hash_len> out;
  out.b = outer;
  sodium_memzero(inner.data(), inner.size());
  sodium_memzero(outer.data(), outer.size());
  return out;
}

hkdf_out hkdf(const secret<hash_len>& ck, const std::uint8_t* ikm, std::size_t ikm_n, int outputs) {
  hkdf_out r;
  secret<hash_len> temp = hmac(ck.data(), hash_len, ikm, ikm_n);
  const std::uint8_t one = 0x01;
  r.o1 = hmac(temp.data(), hash_len, &one, 1);
  secret<hash_len + 1> in;
  std::memcpy(in.data(), r.o1.data(), hash_len);
  in.b[hash_len] = 0x02;
  r.o2 = hmac(temp.data(), hash_len, in.data(), in.size());
  if (outputs >= 3) {
    std::memcpy(in.data(), r.o2.data(), hash_len);
    in.b[hash_len] = 0x03;
    r.o3 = hmac(temp.data(), hash_len, in.data(), in.size());
  }
  return r;
}

void aead_encrypt(const key& k, std::uint64_t n, const std::uint8_t* ad, std::size_t adn,
                  const std::uint8_t* pt, std::size_t ptn, bytes& out) {
  const auto nonce = nonce_of(n);
  const std::size_t at = out.size();
  out.resize(at + ptn + tag_len);
  unsigned long long clen = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(out.data() + at, &clen, pt, ptn, ad, adn, nullptr,
                                            nonce.data(), k.data());
}

bool aead_decrypt(const key& k, std::uint64_t n, const std::uint8_t* ad, std::size_t adn,
                  const std::uint8_t* ct, std::size_t ctn, bytes& out) {
  if (ctn < tag_len) return false;
  const auto nonce = nonce_of(n);
  const std::size_t at = out.size();
  out.resize(at + ctn - tag_len);
  unsigned long long plen = 0;
  if (crypto_aead_chacha20poly1305_ietf_decrypt(out.data() + at, &plen, nullptr, ct, ctn, ad, adn,
                                                nonce.data(), k.data()) != 0) {
    out.resize(at);
    return false;
  }
  return true;
}

} // namespace storemesh::tunnels::noise
