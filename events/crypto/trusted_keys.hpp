#pragma once
// The keys a daemon accepts commands from: the ones listed in its config.

#include "events/crypto/keys.hpp"

#include <cstddef>
#include <initializer_list>
#include <unordered_set>

namespace storemesh::events::crypto {

/// A set of trusted public keys. Filled at start-up, then only read: concurrent
/// reads are safe, a concurrent add() is not.
class trusted_keys {
public:
  trusted_keys() = default;
  trusted_keys(std::initializer_list<public_key> keys) : keys_(keys) {}

  /// Adds `key`; returns false when it was already trusted.
  bool add(const public_key& key) { return keys_.insert(key).second; }
  [[nodiscard]] bool contains(const public_key& key) const { return keys_.count(key) != 0; }
  [[nodiscard]] std::size_t size() const { return keys_.size(); }
  [[nodiscard]] bool empty() const { return keys_.empty(); }

private:
  std::unordered_set<public_key> keys_;
};

} // namespace storemesh::events::crypto
