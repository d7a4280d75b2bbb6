#pragma once
// The crypto functions Noise_*_25519_ChaChaPoly_BLAKE2b names (Noise spec
// rev. 34, sections 4 and 12), on libsodium:
//   DH     X25519 (crypto_scalarmult), DHLEN 32
//   cipher ChaCha20-Poly1305 IETF; the 96-bit nonce is 4 zero bytes then the
//          64-bit counter little-endian (spec 12.3)
//   hash   BLAKE2b-512, HASHLEN 64, BLOCKLEN 128
// HMAC is RFC 2104 over BLAKE2b (spec 4.3): libsodium's keyed BLAKE2b is a
// different function and would not interoperate.

#include "events/error.hpp"
#include "services/tunnels/noise/secret.hpp"

#include <cstddef>
#include <cstdint>

namespace storemesh::tunnels::noise {

inline constexpr std::size_t dh_len = 32;
inline constexpr std::size_t key_len = 32;
inline constexpr std::size_t hash_len = 64;
inline constexpr std::size_t block_len = 128;
inline constexpr std::size_t tag_len = 16;
/// Noise's largest message; also the largest frame on the tunnel's stream.
inline constexpr std::size_t max_message_len = 65535;

using key = secret<key_len>;
using digest = std::array<std::uint8_t, hash_len>;
using public_key = std::array<std::uint8_t, dh_len>;

/// An X25519 key pair. The private half is wiped with the pair.
struct keypair {
  secret<dh_len> priv;
  public_key pub{};
};

/// A fresh random key pair (libsodium's CSPRNG).
[[nodiscard]] keypair generate_keypair();
/// The pair of a given private key (tests' fixed keys, key files).
[[nodiscard]] keypair keypair_from_private(const std::uint8_t* priv32);

/// DH(priv, pub) = X25519. Refuses an all-zero result (a low-order point).
[[nodiscard]] result<secret<dh_len>> dh(const keypair& self, const public_key& remote);

/// BLAKE2b-512 over a || b (either may be empty).
[[nodiscard]] digest hash2(const std::uint8_t* a, std::size_t an, const std::uint8_t* b, std::size_t bn);

/// HMAC-BLAKE2b(key, data): RFC 2104 with a 128-byte block.
[[nodiscard]] secret<hash_len> hmac(const std::uint8_t* k, std::size_t kn, const std::uint8_t* d, std::size_t dn);

/// HKDF(chaining_key, ikm, 2 or 3) of spec 4.3.
struct hkdf_out {
  secret<hash_len> o1, o2, o3;
};
[[nodiscard]] hkdf_out hkdf(const secret<hash_len>& ck, const std::uint8_t* ikm, std::size_t ikm_n, int outputs);

/// ENCRYPT(k, n, ad, plaintext): appends ciphertext || tag to out.
void aead_encrypt(const key& k, std::uint64_t n, const std::uint8_t* ad, std::size_t adn,
                  const std::uint8_t* pt, std::size_t ptn, bytes& out);
/// DECRYPT: appends the plaintext to out, or fails (nothing appended).
[[nodiscard]] bool aead_decrypt(const key& k, std::uint64_t n, const std::uint8_t* ad, std::size_t adn,
                                const std::uint8_t* ct, std::size_t ctn, bytes& out);

} // namespace storemesh::tunnels::noise
