#include "events/crypto/verified_roots.hpp"

namespace storemesh::events::crypto {

digest verified_roots::entry(const public_key& signer, std::uint64_t size, const digest& root,
                             std::string_view signature) {
  blake2b_256_state h;
  h.update(signer.bytes.data(), signer.bytes.size());
  std::uint8_t le[8];
  for (int i = 0; i < 8; ++i)
    le[i] = static_cast<std::uint8_t>(size >> (8 * i));
  h.update(le, sizeof le);
  h.update(root);
  h.update(signature);
  return h.final();
}

bool verified_roots::contains(const digest& e) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const bool hit = set_.count(e) != 0;
  ++(hit ? hits_ : misses_);
  return hit;
}

void verified_roots::insert(const digest& e) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (capacity_ == 0 || !set_.insert(e).second)
    return;
  order_.push_back(e);
  if (order_.size() > capacity_) {
    set_.erase(order_.front());
    order_.pop_front();
  }
}

std::uint64_t verified_roots::hits() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return hits_;
}

std::uint64_t verified_roots::misses() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return misses_;
}

} // namespace storemesh::events::crypto
