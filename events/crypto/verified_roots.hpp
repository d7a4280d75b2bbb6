#pragma once
// Batch roots whose signature has already been checked, so that the records
// of one signed batch cost one Ed25519 verification between them, not one
// each. Bounded (oldest out first) and safe to share between the intake's
// threads; a miss only costs the verification again.
//
// An entry is everything the signature covers and the signature itself: a
// record that carries a known root with some other signature bytes is not a
// hit, so what the intake accepts is exactly what an audit, record by record,
// accepts.

#include "events/crypto/hashing.hpp"
#include "events/crypto/keys.hpp"

#include <array>
#include <cstring>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string_view>
#include <unordered_set>

namespace storemesh::events::crypto {

class verified_roots {
public:
  explicit verified_roots(std::size_t capacity = 4096) : capacity_(capacity) {}
  verified_roots(const verified_roots&) = delete;
  verified_roots& operator=(const verified_roots&) = delete;

  /// The cache's name for a signed root.
  [[nodiscard]] static digest entry(const public_key& signer, std::uint64_t size, const digest& root,
                                    std::string_view signature);

  [[nodiscard]] bool contains(const digest& e) const;
  void insert(const digest& e);

  /// Signature verifications saved and made, for the daemon's status and benches.
  [[nodiscard]] std::uint64_t hits() const;
  [[nodiscard]] std::uint64_t misses() const;

private:
  struct digest_hash {
    std::size_t operator()(const digest& d) const noexcept {
      std::size_t h;
      static_assert(sizeof h <= sizeof(digest));
      std::memcpy(&h, d.data(), sizeof h);  // already a uniform hash
      return h;
    }
  };

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_set<digest, digest_hash> set_;  // mutex_
  std::deque<digest> order_;                     // mutex_: oldest first
  mutable std::uint64_t hits_ = 0, misses_ = 0;  // mutex_
};

} // namespace storemesh::events::crypto
