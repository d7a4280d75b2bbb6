#include "services/host/host.hpp"

#include "services/names.hpp"

#include <cmath>
#include <set>

namespace storemesh::services::host {

bool load_report::operator==(const load_report& o) const {
  return at_ns == o.at_ns && interval_ns == o.interval_ns && bytes_per_second == o.bytes_per_second &&
         queue_depth == o.queue_depth && cpu == o.cpu && workloads == o.workloads;
}

state evolve(state s, const event& e) {
  std::visit(overloaded{
                 [&](const registered& r) {
                   s.registered = true;
                   s.status = host_state::up;
                   s.datastores = r.datastores;
                   s.site = r.site;
                 },
                 [&](const state_changed& c) { s.status = c.to; },
                 [&](const load_reported& r) { s.load = r.report; },
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
  return decision<event>::accept(registered{c.datastores, c.site});
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

decision<event> decide_report_load(const state& s, const report_load& c) {
  if (!s.registered)
    return decision<event>::reject("unknown_host", "host is not registered");
  if (!s.gateway())
    return decision<event>::reject("not_a_gateway", "the host has no site: only gateways report load");
  if (auto why = check_load_report(c.report); !why.empty())
    return decision<event>::reject("invalid", "load report: " + why);
  // One agent per gateway reports in time order; an older report (a restarted
  // agent's late one) would only roll the figures back.
  if (s.load && c.report.at_ns <= s.load->at_ns)
    return decision<event>::reject("stale", "a report at " + std::to_string(c.report.at_ns) +
                                                " is not later than the last (" + std::to_string(s.load->at_ns) + ")");
  return decision<event>::accept(load_reported{c.report});
}

} // namespace

decision<event> decide(const state& s, const command& c) {
  return std::visit(overloaded{
                        [&](const register_host& r) { return decide_register(s, r); },
                        [&](const set_state& x) { return decide_set_state(s, x); },
                        [&](const report_load& x) { return decide_report_load(s, x); },
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

std::string_view to_string(site s) {
  switch (s) {
    case site::none: return "none";
    case site::primary: return "primary";
    case site::recovery: return "recovery";
  }
  return "?";
}

bool parse_site(std::string_view text, site& out) {
  for (auto s : {site::primary, site::recovery})
    if (text == to_string(s)) {
      out = s;
      return true;
    }
  return false;
}

std::string check_load_report(const load_report& r) {
  if (r.at_ns <= 0)
    return "no measurement time";
  if (r.interval_ns <= 0)
    return "the interval must be positive";
  if (!std::isfinite(r.cpu) || r.cpu < 0 || r.cpu > 1)
    return "cpu must be a fraction in [0, 1]";
  std::set<std::string_view> jobs;
  for (const auto& w : r.workloads) {
    if (w.job.empty())
      return "a workload without a job id";
    if (!jobs.insert(w.job).second)
      return "workload '" + w.job + "' listed twice";
  }
  return {};
}

std::string check_datastore_name(std::string_view name) { return check_name(name); }

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
