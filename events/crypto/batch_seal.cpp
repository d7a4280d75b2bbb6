#include "events/crypto/batch_seal.hpp"

#include "events/crypto/sodium_init.hpp"

#include <sodium.h>

#include <type_traits>

namespace storemesh::events::crypto {
namespace {

constexpr std::string_view seal_domain = "storemesh.seal.v1";

template <class Int>
void update_le(blake2b_256_state& h, Int v) {
  using U = std::make_unsigned_t<Int>;
  const U u = static_cast<U>(v);
  std::array<std::uint8_t, sizeof(Int)> le;
  for (std::size_t i = 0; i < le.size(); ++i) le[i] = static_cast<std::uint8_t>(u >> (8 * i));
  h.update(le.data(), le.size());
}

digest seal_digest(std::string_view topic, std::int32_t partition, const std::vector<digest>& record_hashes) {
  blake2b_256_state h;
  h.update(seal_domain);
  h.update(topic);
  update_le(h, partition);
  update_le(h, static_cast<std::uint32_t>(record_hashes.size()));
  for (const digest& d : record_hashes) h.update(d);
  return h.final();
}

} // namespace

std::array<std::uint8_t, 64> seal_signature(std::string_view topic, std::int32_t partition,
                                             const std::vector<digest>& record_hashes, const key_pair& sealer) {
  const digest d = seal_digest(topic, partition, record_hashes);
  return sealer.sign(d.data(), d.size());
}

bool verify_seal(std::string_view topic, std::int32_t partition, const std::vector<digest>& record_hashes,
                 const public_key& sealer, std::string_view signature) {
  ensure_sodium();
  if (signature.size() != crypto_sign_BYTES) return false;
  const digest d = seal_digest(topic, partition, record_hashes);
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()), d.data(), d.size(),
                                     sealer.bytes.data()) == 0;
}

} // namespace storemesh::events::crypto
