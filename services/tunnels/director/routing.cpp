#include "services/tunnels/director/routing.hpp"

#include <algorithm>

namespace storemesh::services::director {

std::vector<std::string> route(const std::vector<server_view>& servers, request_class what,
                               std::int64_t head_offset, const routing_policy& policy,
                               const std::vector<std::string>& tried) {
  struct candidate {
    std::int64_t lag;
    const std::string* id;
  };
  std::vector<candidate> ok;
  for (const auto& s : servers) {
    if (!s.member || !s.healthy)
      continue;
    if (std::find(tried.begin(), tried.end(), s.id) != tried.end())
      continue;
    const auto lag = std::max<std::int64_t>(0, head_offset - s.applied_offset);
    switch (what) {
    case request_class::write:
      break;
    case request_class::read:
    case request_class::watch:
      if (lag > policy.max_read_lag)
        continue;
      break;
    case request_class::linearizable_read:
      if (lag > 0)
        continue;
      break;
    }
    ok.push_back({lag, &s.id});
  }
  std::sort(ok.begin(), ok.end(), [](const candidate& a, const candidate& b) {
    return a.lag != b.lag ? a.lag < b.lag : *a.id < *b.id;
  });
  std::vector<std::string> out;
  out.reserve(ok.size());
  for (const auto& c : ok)
    out.push_back(*c.id);
  return out;
}

} // namespace storemesh::services::director
