#include "services/consensus/router_node.hpp"

#include "services/consensus/names.hpp"

namespace storemesh::services::router {

state evolve(state s, const event& e) {
  std::visit(overloaded{
                 [&](const registered& r) {
                   s.registered = true;
                   s.spec = r.spec;
                 },
                 [&](const announced& a) {
                   s.active_cid = a.cid;
                   s.epoch = a.epoch;
                   s.announced_at_ns = a.at_ns;
                 },
             },
             e);
  return s;
}

namespace {

using D = decision<event>;

D decide_register(const state& s, endpoints spec) {
  if (spec.network.empty())
    spec.network = std::string(consensus::default_network);
  if (auto why = consensus::check_endpoint(spec.udp); !why.empty())
    return D::reject("invalid", "udp endpoint '" + spec.udp + "': " + why);
  if (auto why = consensus::check_endpoint(spec.gateway); !why.empty())
    return D::reject("invalid", "gateway endpoint '" + spec.gateway + "': " + why);
  if (spec.udp == spec.gateway)
    return D::reject("invalid", "the udp and gateway endpoints are the same (" + spec.udp + ")");
  if (auto why = consensus::check_name(spec.network); !why.empty())
    return D::reject("invalid", "network '" + spec.network + "': " + why);
  if (s.registered) {
    if (s.spec == spec)
      return D::accept(std::vector<event>{});
    return D::reject("already_registered", "the router is already registered with udp " + s.spec.udp + ", gateway " +
                                               s.spec.gateway + " in network " + s.spec.network);
  }
  return D::accept(registered{std::move(spec)});
}

D decide_announce(const state& s, const announce& c) {
  if (!s.registered)
    return D::reject("unknown_router", "no such router: register it first (storemesh router add)");
  if (auto why = consensus::check_cid(c.cid); !why.empty())
    return D::reject("invalid", "cid '" + c.cid + "': " + why);
  if (c.cid == s.active_cid && c.epoch == s.epoch)
    return D::accept(std::vector<event>{});
  return D::accept(announced{c.cid, c.epoch, c.at_ns});
}

} // namespace

decision<event> decide(const state& s, const command& c) {
  return std::visit(overloaded{
                        [&](const register_router& x) { return decide_register(s, x.spec); },
                        [&](const announce& x) { return decide_announce(s, x); },
                    },
                    c);
}

} // namespace storemesh::services::router
