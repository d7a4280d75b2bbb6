#include "services/delivery/user_group.hpp"

#include "services/names.hpp"

#include <algorithm>
#include <tuple>

namespace storemesh::services::delivery::user_group {
namespace {

using D = decision<event>;

// The members each operator== compares, in one place per type.
auto tie(const added& x) { return std::tie(x.at, x.devices, x.at_ns); }
auto tie(const requested& x) { return std::tie(x.content, x.at_ns); }
auto tie(const state& x) { return std::tie(x.exists, x.at, x.devices, x.requests, x.last_request_ns); }

state apply(state s, const added& x) {
  s.exists = true;
  s.at = x.at;
  s.devices = x.devices;
  return s;
}
state apply(state s, const requested& x) {
  s.requests += 1;
  // The history may be recorded out of order (a back-filled log): the latest time, not the last one seen.
  s.last_request_ns = std::max(s.last_request_ns, x.at_ns);
  return s;
}

D decide_add(const state& s, const add& c) {
  if (c.devices < 1)
    return D::reject("invalid", "a group has at least one device");
  if (s.exists) {
    if (s.at == c.at && s.devices == c.devices)
      return D::accept(std::vector<event>{});  // adding the same group again: the same outcome
    return D::reject("already_added", "the group was added before with another place or device count");
  }
  return D::accept(added{c.at, c.devices, c.at_ns});
}

D decide_request(const state& s, const record_request& c) {
  if (auto why = check_name(c.content); !why.empty())
    return D::reject("invalid", "content '" + c.content + "' " + why);
  if (c.at_ns <= 0)
    return D::reject("invalid", "a request has a time (at_ns > 0)");
  if (!s.exists)
    return D::reject("unknown_group", "the group has not been added");
  return D::accept(requested{c.content, c.at_ns});
}

} // namespace

bool added::operator==(const added& o) const { return tie(*this) == tie(o); }
bool requested::operator==(const requested& o) const { return tie(*this) == tie(o); }
bool state::operator==(const state& o) const { return tie(*this) == tie(o); }

state evolve(state s, const event& e) {
  return std::visit([&](const auto& x) { return apply(std::move(s), x); }, e);
}

decision<event> decide(const state& s, const command& c) {
  return std::visit(overloaded{
                        [&](const add& x) { return decide_add(s, x); },
                        [&](const record_request& x) { return decide_request(s, x); },
                    },
                    c);
}

} // namespace storemesh::services::delivery::user_group
