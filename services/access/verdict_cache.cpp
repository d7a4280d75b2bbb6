// The LRU: a list in recency order and an index into it. A hit moves its
// entry to the front; an insert past capacity drops the back.

#include "services/access/verdict_cache.hpp"

namespace storemesh::services::access {

namespace {

bool is_sha256_hex(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
}

// '/' is in neither a hex digest nor a database version (digits), so the
// key is unambiguous.
// Digits are lowered: the same digest in either case is the same bytes.
std::string key_of(const std::string& sha256, const std::string& db_version) {
  std::string k = sha256;
  for (auto& c : k)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  return k + '/' + db_version;
}

} // namespace

verdict_cache::verdict_cache(std::size_t capacity) : capacity_(capacity) {}

std::optional<cached_verdict> verdict_cache::find(const std::string& sha256, const std::string& db_version) {
  if (db_version.empty() || !is_sha256_hex(sha256)) {
    ++misses_;
    return std::nullopt;
  }
  const auto it = index_.find(key_of(sha256, db_version));
  if (it == index_.end()) {
    ++misses_;
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it->second);  // most recent first; iterators stay valid
  ++hits_;
  return it->second->verdict;
}

void verdict_cache::insert(const std::string& sha256, const std::string& db_version, cached_verdict v) {
  // An unversioned database (loose .hdb files) cannot tell a reload apart:
  // its verdicts are never reused. Nor is a verdict under a key that is not
  // a digest, or a db_version such as "7->8" (a reload during the scan).
  if (capacity_ == 0 || db_version.empty() || !is_sha256_hex(sha256) ||
      db_version.find_first_not_of("0123456789") != std::string::npos)
    return;
  auto key = key_of(sha256, db_version);
  if (const auto it = index_.find(key); it != index_.end()) {
    it->second->verdict = std::move(v);
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  if (index_.size() >= capacity_) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
  lru_.push_front(entry{key, std::move(v)});
  index_.emplace(std::move(key), lru_.begin());
}

} // namespace storemesh::services::access
