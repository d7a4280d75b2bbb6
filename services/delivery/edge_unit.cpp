#include "services/delivery/edge_unit.hpp"

#include "services/names.hpp"

#include <algorithm>
#include <tuple>

namespace storemesh::services::delivery::edge_unit {
namespace {

using D = decision<event>;

auto tie(const attached& x) {
  return std::tie(x.endpoint, x.role, x.at, x.capacity_bytes, x.window_bytes, x.at_ns);
}
auto tie(const reported& x) { return std::tie(x.up, x.free_bytes, x.reason, x.at_ns); }
auto tie(const state& x) {
  return std::tie(x.attached, x.endpoint, x.role, x.at, x.capacity_bytes, x.window_bytes, x.up, x.free_bytes,
                  x.reason, x.changed_ns);
}

state apply(state s, const attached& x) {
  // Until its first report an edge is taken to have its whole capacity free;
  // a smaller capacity caps what the last report said.
  s.free_bytes = s.attached ? std::min(s.free_bytes, x.capacity_bytes) : x.capacity_bytes;
  s.attached = true;
  s.endpoint = x.endpoint;
  s.role = x.role;
  s.at = x.at;
  s.capacity_bytes = x.capacity_bytes;
  s.window_bytes = x.window_bytes;
  s.up = true;  // attaching is the process saying it runs
  s.reason.clear();
  s.changed_ns = x.at_ns;
  return s;
}
state apply(state s, const reported& x) {
  s.up = x.up;
  s.free_bytes = x.free_bytes;
  s.reason = x.reason;
  s.changed_ns = x.at_ns;
  return s;
}

std::string check_attach(const attach& c) {
  if (auto why = check_endpoint(c.endpoint); !why.empty())
    return "endpoint '" + c.endpoint + "' " + why;
  if (c.role != role::edge && c.role != role::origin)
    return "unknown role";
  if (c.role == role::edge && c.capacity_bytes == 0)
    return "an edge has a capacity (capacity_bytes > 0)";
  if (c.role == role::edge && c.window_bytes == 0)
    return "an edge receives something per window (window_bytes > 0)";
  return {};
}

bool same_attach(const state& s, const attach& c) {
  return s.attached && s.up && s.endpoint == c.endpoint && s.role == c.role && s.at == c.at &&
         s.capacity_bytes == c.capacity_bytes && s.window_bytes == c.window_bytes;
}

bool same_report(const state& s, const report& c) {
  return s.attached && s.up == c.up && s.free_bytes == c.free_bytes && s.reason == c.reason;
}

D decide_attach(const state& s, const attach& c) {
  if (auto why = check_attach(c); !why.empty())
    return D::reject("invalid", why);
  if (same_attach(s, c))
    return D::accept(std::vector<event>{});  // the process attaches on every start
  return D::accept(attached{c.endpoint, c.role, c.at, c.capacity_bytes, c.window_bytes, c.at_ns});
}

D decide_report(const state& s, const report& c) {
  if (!s.attached)
    return D::reject("not_attached", "the edge has not attached: a report has nothing to describe");
  if (same_report(s, c))
    return D::accept(std::vector<event>{});  // health checks repeat; only a change is an event
  return D::accept(reported{c.up, c.free_bytes, c.reason, c.at_ns});
}

} // namespace

bool attached::operator==(const attached& o) const { return tie(*this) == tie(o); }
bool reported::operator==(const reported& o) const { return tie(*this) == tie(o); }
bool state::operator==(const state& o) const { return tie(*this) == tie(o); }

std::string_view to_string(role r) {
  switch (r) {
    case role::edge: return "edge";
    case role::origin: return "origin";
  }
  return "unknown";
}

state evolve(state s, const event& e) {
  return std::visit([&](const auto& x) { return apply(std::move(s), x); }, e);
}

bool changes_nothing(const state& s, const command& c) {
  return std::visit(overloaded{
                        [&](const attach& x) { return check_attach(x).empty() && same_attach(s, x); },
                        [&](const report& x) { return same_report(s, x); },
                    },
                    c);
}

decision<event> decide(const state& s, const command& c) {
  return std::visit(overloaded{
                        [&](const attach& x) { return decide_attach(s, x); },
                        [&](const report& x) { return decide_report(s, x); },
                    },
                    c);
}

} // namespace storemesh::services::delivery::edge_unit
