#include "services/control_path/control_host.hpp"

#include "services/names.hpp"

namespace storemesh::services::control_host {

state evolve(state s, const event& e) {
  const auto& x = std::get<attached>(e);
  s.attached = true;
  s.endpoint = x.endpoint;
  s.upstream = x.upstream;
  s.at_ns = x.at_ns;
  return s;
}

decision<event> decide(const state& s, const command& c) {
  using D = decision<event>;
  const auto& a = std::get<attach>(c);
  if (auto why = check_endpoint(a.endpoint); !why.empty())
    return D::reject("invalid", "endpoint '" + a.endpoint + "' " + why);
  if (auto why = check_endpoint(a.upstream); !why.empty())
    return D::reject("invalid", "upstream '" + a.upstream + "' " + why);
  if (a.endpoint == a.upstream)
    return D::reject("invalid", "the interceptor cannot be its own upstream");
  if (s.attached && s.endpoint == a.endpoint && s.upstream == a.upstream)
    return D::accept(std::vector<event>{});
  return D::accept(attached{a.endpoint, a.upstream, a.at_ns});
}

} // namespace storemesh::services::control_host
