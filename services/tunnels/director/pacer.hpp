#pragma once
// Keeps the director from sending the same command (by its describe() name)
// more often than once per interval while the log has not yet caught up with
// the first one. Pure: time is an argument.

#include <cstdint>
#include <map>
#include <string>

namespace storemesh::services::director {

class pacer {
public:
  explicit pacer(std::int64_t interval_ns) : interval_ns_(interval_ns) {}

  /// True (and remembered) when `what` was not sent within the interval.
  bool admit(const std::string& what, std::int64_t now_ns) {
    forget_older_than(now_ns - 10 * interval_ns_);
    auto [it, fresh] = sent_.try_emplace(what, now_ns);
    if (fresh)
      return true;
    if (now_ns - it->second < interval_ns_)
      return false;
    it->second = now_ns;
    return true;
  }

private:
  void forget_older_than(std::int64_t t) {
    for (auto it = sent_.begin(); it != sent_.end();)
      it = it->second < t ? sent_.erase(it) : std::next(it);
  }

  std::int64_t interval_ns_;
  std::map<std::string, std::int64_t> sent_;
};

} // namespace storemesh::services::director
