#pragma once
// Verdicts by content: the same bytes scanned with the same signature
// database give the same verdict, so (SHA-256, database version) is the key
// and a new database version misses every entry made under the old one.
// Least recently used entries go first. Not thread-safe: its owner locks.

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>

namespace storemesh::services::access {

struct cached_verdict {
  bool infected = false;
  std::string signature;
};

class verdict_cache {
public:
  explicit verdict_cache(std::size_t capacity);

  /// sha256: 64 hex digits; db_version: the scanner's (never empty: an
  /// unversioned database is not cached).
  [[nodiscard]] std::optional<cached_verdict> find(const std::string& sha256, const std::string& db_version);
  void insert(const std::string& sha256, const std::string& db_version, cached_verdict v);

  [[nodiscard]] std::size_t size() const { return index_.size(); }
  [[nodiscard]] std::size_t capacity() const { return capacity_; }
  [[nodiscard]] std::uint64_t hits() const { return hits_; }
  [[nodiscard]] std::uint64_t misses() const { return misses_; }

private:
  struct entry {
    std::string key;
    cached_verdict verdict;
  };
  std::size_t capacity_;
  std::list<entry> lru_;  ///< most recent first
  std::unordered_map<std::string, std::list<entry>::iterator> index_;
  std::uint64_t hits_ = 0, misses_ = 0;
};

} // namespace storemesh::services::access
