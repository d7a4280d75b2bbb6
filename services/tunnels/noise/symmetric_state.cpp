#include "services/tunnels/noise/symmetric_state.hpp"

#include <cstring>

namespace storemesh::tunnels::noise {
namespace {

key truncated(const secret<hash_len>& s) {
  // HASHLEN 64 > 32: keys are the first 32 bytes (spec 5.2, MixKey / Split).
  key k;
  std::memcpy(k.data(), s.data(), key_len);
  return k;
}

} // namespace

symmetric_state::symmetric_state(std::string_view name) {
  if (name.size() <= hash_len) {
    std::memcpy(h_.data(), name.data(), name.size());
  } else {
    h_ = hash2(reinterpret_cast<const std::uint8_t*>(name.data()), name.size(), nullptr, 0);
  }
  ck_.b = h_;
}

void symmetric_state::mix_key(const std::uint8_t* ikm, std::size_t n) {
  hkdf_out o = hkdf(ck_, ikm, n, 2);
  ck_ = o.o1;
  cs_.initialize_key(truncated(o.o2));
}

void symmetric_state::mix_hash(const std::uint8_t* data, std::size_t n) {
  h_ = hash2(h_.data(), h_.size(), data, n);
}

result<void> symmetric_state::encrypt_and_hash(const std::uint8_t* pt, std::size_t n, bytes& out) {
  const std::size_t at = out.size();
  SM_TRYV(cs_.encrypt_with_ad(h_.data(), h_.size(), pt, n, out));
  mix_hash(out.data() + at, out.size() - at);
  return success();
}

result<void> symmetric_state::decrypt_and_hash(const std::uint8_t* ct, std::size_t n, bytes& out) {
  SM_TRYV(cs_.decrypt_with_ad(h_.data(), h_.size(), ct, n, out));
  mix_hash(ct, n);
  return success();
}

std::pair<cipher_state, cipher_state> symmetric_state::split() const {
  hkdf_out o = hkdf(ck_, nullptr, 0, 2);
  return {cipher_state(truncated(o.o1)), cipher_state(truncated(o.o2))};
}

} // namespace storemesh::tunnels::noise
