#include "services/host/host.hpp"

#include <set>

namespace storemesh::services::host {

state evolve(state s, const event& e) {
  std::visit(overloaded{
                 [&](const registered& r) {
                   s.registered = true;
                   s.status = host_state::up;
                   s.datastores = r.datastores;
                 },
                 [&](const state_changed& c) { s.status = c.to; },
             },
             e);
  return s;
}

namespace {

bool transition_allowed(host_state from, host_state to) {
  switch (from) {
    case host_state::up: return to == host_state::draining || to == host_state::down;
    case host_state::draining: return to == host_state::up || to == host_state::down;
    case host_state::down: return to == host_state::up;
  }
  return false;
}

decision<event> decide_register(const state& s, const register_host& c) {
  if (s.registered)
    return decision<event>::reject("already_registered", "host is already registered");
  if (c.datastores.empty())
    return decision<event>::reject("invalid", "a host needs at least one datastore");
  std::set<std::string> names;
  for (const auto& ds : c.datastores) {
    if (auto why = check_datastore_name(ds.name); !why.empty())
      return decision<event>::reject("invalid", "datastore name '" + ds.name + "': " + why);
    if (auto why = check_datastore_path(ds.path); !why.empty())
      return decision<event>::reject("invalid", "datastore '" + ds.name + "' path '" + ds.path + "': " + why);
    if (!names.insert(ds.name).second)
      return decision<event>::reject("invalid", "datastore name '" + ds.name + "' given twice");
  }
  return decision<event>::accept(registered{c.datastores});
}

decision<event> decide_set_state(const state& s, const set_state& c) {
  if (!s.registered)
    return decision<event>::reject("unknown_host", "host is not registered");
  if (s.status == c.to)
    return decision<event>::reject("no_change", "host is already " + std::string(to_string(c.to)));
  if (!transition_allowed(s.status, c.to))
    return decision<event>::reject("bad_transition", "a host that is " + std::string(to_string(s.status)) +
                                                         " cannot become " + std::string(to_string(c.to)));
  return decision<event>::accept(state_changed{s.status, c.to, c.reason});
}

} // namespace

decision<event> decide(const state& s, const command& c) {
  return std::visit(overloaded{
                        [&](const register_host& r) { return decide_register(s, r); },
                        [&](const set_state& x) { return decide_set_state(s, x); },
                    },
                    c);
}

std::string_view to_string(host_state s) {
  switch (s) {
    case host_state::up: return "up";
    case host_state::draining: return "draining";
    case host_state::down: return "down";
  }
  return "?";
}

bool parse_host_state(std::string_view text, host_state& out) {
  for (auto s : {host_state::up, host_state::draining, host_state::down})
    if (text == to_string(s)) {
      out = s;
      return true;
    }
  return false;
}

std::string check_datastore_name(std::string_view name) {
  if (name.empty() || name.size() > 63)
    return "must be 1 to 63 characters";
  auto lower_or_digit = [](char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'); };
  if (!lower_or_digit(name.front()))
    return "must start with a lowercase letter or digit";
  for (char ch : name)
    if (!lower_or_digit(ch) && ch != '_' && ch != '.' && ch != '-')
      return "may hold only a-z, 0-9, '_', '.', '-'";
  return {};
}

std::string check_datastore_path(std::string_view path) {
  if (path.empty() || path.front() != '/')
    return "must be absolute";
  if (path.size() > 1 && path.back() == '/')
    return "must not end with '/'";
  if (path.size() > 4096)
    return "is too long";
  // Normalised: no empty, "." or ".." component, so that two spellings of one
  // directory cannot pass as two datastores and no path climbs out of another.
  std::size_t start = 1;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos)
      end = path.size();
    auto part = path.substr(start, end - start);
    if ((part.empty() && path.size() > 1) || part == "." || part == "..")
      return "must be normalised (no '//', '.' or '..')";
    if (part.find('\0') != std::string_view::npos)
      return "must not contain NUL";
    start = end + 1;
  }
  return {};
}

} // namespace storemesh::services::host
