#include "services/access/access_server.hpp"

#include "services/migration/engine/datastore_path.hpp"
#include "services/names.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>

namespace storemesh::services::access {
namespace {

using D = decision<event>;

bool lower_hex(std::string_view s, std::size_t digits) {
  return s.size() == digits &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The members each operator== compares, in one place per type.
auto tie(const attached& x) { return std::tie(x.endpoint, x.shares, x.at_ns); }
auto tie(const policy_set& x) { return std::tie(x.policy, x.policy_no, x.at_ns); }
auto tie(const session_opened& x) { return std::tie(x.session, x.client, x.share, x.attrs, x.decided, x.at_ns); }
auto tie(const client_updated& x) { return std::tie(x.session, x.attrs, x.decided, x.at_ns); }
auto tie(const session_redecided& x) { return std::tie(x.session, x.decided, x.policy_no, x.at_ns); }
auto tie(const session_closed& x) { return std::tie(x.session, x.at_ns); }
auto tie(const accessed& x) {
  return std::tie(x.access, x.session, x.op, x.path, x.bytes, x.sha256, x.result, x.rule, x.reason, x.signature,
                  x.db_version, x.cached, x.quarantine, x.at_ns);
}
auto tie(const rescanned& x) { return std::tie(x.access, x.result, x.signature, x.db_version, x.quarantine, x.at_ns); }
auto tie(const counters& x) {
  return std::tie(x.puts, x.gets, x.bytes_in, x.bytes_out, x.scanned, x.not_scanned, x.infected, x.deferred,
                  x.refused, x.cached);
}
auto tie(const session& x) {
  return std::tie(x.client, x.share, x.attrs, x.decided, x.open, x.opened_ns, x.closed_ns, x.counters);
}
auto tie(const pending_scan& x) { return std::tie(x.session, x.share, x.path, x.sha256, x.bytes, x.op); }
auto tie(const quarantined& x) {
  return std::tie(x.access, x.session, x.share, x.path, x.signature, x.quarantine);
}
auto tie(const state& x) {
  return std::tie(x.attached, x.endpoint, x.shares, x.policy, x.policy_no, x.sessions, x.pending, x.quarantine,
                  x.counters);
}

/// What one access's report changes in a counter set.
void count(counters& c, access_op op, std::uint64_t bytes, verdict v, bool cached) {
  (op == access_op::put ? c.puts : c.gets) += 1;
  if (admitted(v))
    (op == access_op::put ? c.bytes_in : c.bytes_out) += bytes;
  switch (v) {
    case verdict::clean: c.scanned += 1; break;
    case verdict::infected: c.scanned += 1; c.infected += 1; break;
    case verdict::not_scanned: c.not_scanned += 1; break;
    case verdict::deferred: c.deferred += 1; break;
    case verdict::scanner_unavailable:
    case verdict::too_large: break;
  }
  if (!admitted(v))
    c.refused += 1;
  if (cached)
    c.cached += 1;
}

void count_rescan(counters& c, verdict v) {
  c.scanned += 1;
  if (v == verdict::infected)
    c.infected += 1;
}

state apply(state s, const attached& x) {
  s.attached = true;
  s.endpoint = x.endpoint;
  s.shares = x.shares;
  return s;
}
state apply(state s, const policy_set& x) {
  s.policy = x.policy;
  s.policy_no = x.policy_no;
  return s;
}
state apply(state s, const session_opened& x) {
  session n;
  n.client = x.client;
  n.share = x.share;
  n.attrs = x.attrs;
  n.decided = x.decided;
  n.opened_ns = x.at_ns;
  s.sessions[x.session] = std::move(n);
  return s;
}
state apply(state s, const client_updated& x) {
  if (auto it = s.sessions.find(x.session); it != s.sessions.end()) {
    it->second.attrs = x.attrs;
    it->second.decided = x.decided;
  }
  return s;
}
state apply(state s, const session_redecided& x) {
  if (auto it = s.sessions.find(x.session); it != s.sessions.end())
    it->second.decided = x.decided;
  return s;
}
state apply(state s, const session_closed& x) {
  if (auto it = s.sessions.find(x.session); it != s.sessions.end()) {
    it->second.open = false;
    it->second.closed_ns = x.at_ns;
  }
  return s;
}
state apply(state s, const accessed& x) {
  count(s.counters, x.op, x.bytes, x.result, x.cached);
  std::string share;
  if (auto it = s.sessions.find(x.session); it != s.sessions.end()) {
    count(it->second.counters, x.op, x.bytes, x.result, x.cached);
    share = it->second.share;
  }
  if (x.result == verdict::deferred)
    s.pending[x.access] = pending_scan{x.session, share, x.path, x.sha256, x.bytes, x.op};
  if (x.result == verdict::infected)
    s.quarantine.push_back(quarantined{x.access, x.session, share, x.path, x.signature, x.quarantine});
  return s;
}
state apply(state s, const rescanned& x) {
  const auto it = s.pending.find(x.access);
  if (it == s.pending.end())
    return s;
  const auto p = it->second;
  s.pending.erase(it);
  count_rescan(s.counters, x.result);
  if (auto se = s.sessions.find(p.session); se != s.sessions.end())
    count_rescan(se->second.counters, x.result);
  if (x.result == verdict::infected)
    s.quarantine.push_back(quarantined{x.access, p.session, p.share, p.path, x.signature, x.quarantine});
  return s;
}

/// A session that must exist and be open, or why not.
std::optional<D> check_open(const state& s, const std::string& id) {
  const auto it = s.sessions.find(id);
  if (it == s.sessions.end())
    return D::reject("unknown_session", "no session '" + id + "' on this server");
  if (!it->second.open)
    return D::reject("session_closed", "session '" + id + "' is closed");
  return std::nullopt;
}

D decide_attach(const state& s, const attach& c) {
  if (auto why = check_endpoint(c.endpoint); !why.empty())
    return D::reject("invalid", "endpoint '" + c.endpoint + "' " + why);
  if (c.shares.empty())
    return D::reject("invalid", "a server serves at least one share");
  std::set<std::string> seen;
  for (const auto& sh : c.shares) {
    if (auto why = check_name(sh); !why.empty())
      return D::reject("invalid", "share '" + sh + "' " + why);
    if (!seen.insert(sh).second)
      return D::reject("invalid", "share '" + sh + "' is named twice");
  }
  if (s.attached && s.endpoint == c.endpoint && s.shares == c.shares)
    return D::accept(std::vector<event>{});  // the agent attaches on every start
  return D::accept(attached{c.endpoint, c.shares, c.at_ns});
}

/// The new policy, and every open session it moves (closed ones keep the
/// decision they were made under: the audit).
D decide_policy(const state& s, const set_policy& c) {
  if (auto why = check_policy(c.policy); !why.empty())
    return D::reject("invalid", "policy: " + why);
  if (s.policy_no != 0 && s.policy == c.policy)
    return D::accept(std::vector<event>{});
  const auto no = s.policy_no + 1;
  std::vector<event> out{policy_set{c.policy, no, c.at_ns}};
  for (const auto& [id, se] : s.sessions) {
    if (!se.open)
      continue;
    auto now = decide_session(c.policy, se.share, id, se.attrs);
    if (!(now == se.decided))
      out.push_back(session_redecided{id, std::move(now), no, c.at_ns});
  }
  return D::accept(std::move(out));
}

D decide_open(const state& s, const open_session& c) {
  if (auto why = check_session_id(server_of(c.session), c.session); !why.empty())
    return D::reject("invalid", why);
  if (auto why = check_name(c.client); !why.empty())
    return D::reject("invalid", "client '" + c.client + "' " + why);
  if (auto why = check_attributes(c.attrs); !why.empty())
    return D::reject("invalid", why);
  if (!s.attached)
    return D::reject("not_attached", "the server has not attached yet: no share to open a session on");
  if (std::find(s.shares.begin(), s.shares.end(), c.share) == s.shares.end())
    return D::reject("unknown_share", "share '" + c.share + "' is not served here");
  if (s.sessions.count(c.session) != 0)
    return D::reject("already_open", "session '" + c.session + "' was opened before (ids are never reused)");
  return D::accept(session_opened{c.session, c.client, c.share, c.attrs,
                                  decide_session(s.policy, c.share, c.session, c.attrs), c.at_ns});
}

D decide_update(const state& s, const update_client& c) {
  if (auto why = check_attributes(c.attrs); !why.empty())
    return D::reject("invalid", why);
  if (auto refused = check_open(s, c.session))
    return *refused;
  const auto& se = s.sessions.at(c.session);
  if (se.attrs == c.attrs)
    return D::accept(std::vector<event>{});
  return D::accept(client_updated{c.session, c.attrs, decide_session(s.policy, se.share, c.session, c.attrs), c.at_ns});
}

D decide_close(const state& s, const close_session& c) {
  const auto it = s.sessions.find(c.session);
  if (it == s.sessions.end())
    return D::reject("unknown_session", "no session '" + c.session + "' on this server");
  if (!it->second.open)
    return D::accept(std::vector<event>{});  // closing twice: the same outcome
  return D::accept(session_closed{c.session, c.at_ns});
}

/// The scanner's own fields of a report: a database for a scan, a signature
/// and a quarantine place only for infected data, the cache only for a scan.
std::string check_scan_fields(verdict v, const std::string& signature, const std::string& db_version,
                              const std::string& quarantine, bool cached) {
  const bool scanned = v == verdict::clean || v == verdict::infected;
  if (scanned && db_version.empty())
    return "a " + std::string(to_string(v)) + " verdict names the signature database version";
  if (v == verdict::infected && signature.empty())
    return "an infected verdict names what was found";
  if (v != verdict::infected && !signature.empty())
    return "only an infected verdict names a signature";
  if (v == verdict::infected) {
    if (auto why = migration::check_relative_path(quarantine); !why.empty())
      return "quarantine place '" + quarantine + "': " + why;
  } else if (!quarantine.empty()) {
    return "only infected data has a quarantine place";
  }
  if (cached && !scanned)
    return "only a scan verdict can come from the cache";
  return {};
}

D decide_access(const state& s, const record_access& c) {
  if (!lower_hex(c.access, 32))
    return D::reject("invalid", "access id must be 32 lowercase hex digits");
  if (auto why = migration::check_relative_path(c.path); !why.empty())
    return D::reject("invalid", "path '" + c.path + "': " + why);
  // A get let through unscanned is not hashed (reading the file twice would
  // cost what not scanning saves; its put recorded the hash).
  const bool unhashed_ok = c.op == access_op::get && c.result == verdict::not_scanned && c.sha256.empty();
  if (!unhashed_ok && !lower_hex(c.sha256, 64))
    return D::reject("invalid", "sha256 must be 64 lowercase hex digits");
  if (c.op != access_op::put && c.op != access_op::get)
    return D::reject("invalid", "unknown operation");
  if (to_string(c.result) == "unknown")
    return D::reject("invalid", "unknown verdict");
  if (auto why = check_scan_fields(c.result, c.signature, c.db_version, c.quarantine, c.cached); !why.empty())
    return D::reject("invalid", why);
  if (auto refused = check_open(s, c.session))
    return *refused;
  const auto plan = plan_access(s, c.session, c.path, c.bytes);
  const auto v = c.result;
  // Data let through must be data the current protection lets through that way.
  if (admitted(v) && plan.refuse)
    return D::reject("scan_required", "reported " + std::string(to_string(v)) + ", but " + plan.reason);
  if (v == verdict::not_scanned && plan.scan)
    return D::reject("scan_required", "reported not_scanned, but the current protection scans it: " + plan.reason);
  if (v == verdict::deferred && s.policy.on_outage != outage_action::allow_and_mark)
    return D::reject("scan_required",
                     "reported deferred, but the policy refuses data when no scanner answers (on_outage refuse)");
  std::string reason = plan.reason;
  if (v == verdict::deferred)
    reason += "; no scanner answered, the policy allows it marked for a later scan";
  else if (!plan.scan && (v == verdict::clean || v == verdict::infected))
    reason += "; scanned all the same";
  return D::accept(accessed{c.access, c.session, c.op, c.path, c.bytes, c.sha256, v, plan.rule, reason, c.signature,
                            c.db_version, c.cached, c.quarantine, c.at_ns});
}

D decide_rescan(const state& s, const record_rescan& c) {
  if (!lower_hex(c.access, 32))
    return D::reject("invalid", "access id must be 32 lowercase hex digits");
  if (c.result != verdict::clean && c.result != verdict::infected)
    return D::reject("invalid", "a rescan is clean or infected, not " + std::string(to_string(c.result)));
  if (auto why = check_scan_fields(c.result, c.signature, c.db_version, c.quarantine, false); !why.empty())
    return D::reject("invalid", why);
  if (s.pending.count(c.access) == 0)
    return D::reject("not_pending", "access " + c.access + " is not waiting for a scan");
  return D::accept(rescanned{c.access, c.result, c.signature, c.db_version, c.quarantine, c.at_ns});
}

} // namespace

bool attached::operator==(const attached& o) const { return tie(*this) == tie(o); }
bool policy_set::operator==(const policy_set& o) const { return tie(*this) == tie(o); }
bool session_opened::operator==(const session_opened& o) const { return tie(*this) == tie(o); }
bool client_updated::operator==(const client_updated& o) const { return tie(*this) == tie(o); }
bool session_redecided::operator==(const session_redecided& o) const { return tie(*this) == tie(o); }
bool session_closed::operator==(const session_closed& o) const { return tie(*this) == tie(o); }
bool accessed::operator==(const accessed& o) const { return tie(*this) == tie(o); }
bool rescanned::operator==(const rescanned& o) const { return tie(*this) == tie(o); }
bool counters::operator==(const counters& o) const { return tie(*this) == tie(o); }
bool session::operator==(const session& o) const { return tie(*this) == tie(o); }
bool pending_scan::operator==(const pending_scan& o) const { return tie(*this) == tie(o); }
bool quarantined::operator==(const quarantined& o) const { return tie(*this) == tie(o); }
bool state::operator==(const state& o) const { return tie(*this) == tie(o); }

std::string_view to_string(verdict v) {
  switch (v) {
    case verdict::clean: return "clean";
    case verdict::infected: return "infected";
    case verdict::not_scanned: return "not_scanned";
    case verdict::deferred: return "deferred";
    case verdict::scanner_unavailable: return "scanner_unavailable";
    case verdict::too_large: return "too_large";
  }
  return "unknown";
}

std::string_view to_string(access_op o) {
  switch (o) {
    case access_op::put: return "put";
    case access_op::get: return "get";
  }
  return "unknown";
}

bool admitted(verdict v) {
  return v == verdict::clean || v == verdict::not_scanned || v == verdict::deferred;
}

state evolve(state s, const event& e) {
  return std::visit([&](const auto& x) { return apply(std::move(s), x); }, e);
}

decision<event> decide(const state& s, const command& c) {
  return std::visit(overloaded{
                        [&](const attach& x) { return decide_attach(s, x); },
                        [&](const set_policy& x) { return decide_policy(s, x); },
                        [&](const open_session& x) { return decide_open(s, x); },
                        [&](const update_client& x) { return decide_update(s, x); },
                        [&](const close_session& x) { return decide_close(s, x); },
                        [&](const record_access& x) { return decide_access(s, x); },
                        [&](const record_rescan& x) { return decide_rescan(s, x); },
                    },
                    c);
}

std::string check_session_id(std::string_view server, std::string_view session) {
  if (auto why = check_name(server); !why.empty())
    return "session id '" + std::string(session) + "': its server name " + why;
  if (session.size() != server.size() + 17 || session.substr(0, server.size()) != server ||
      session[server.size()] != ':' || !lower_hex(session.substr(server.size() + 1), 16))
    return "session id '" + std::string(session) + "' is not " + std::string(server) + ":<16 lowercase hex digits>";
  return {};
}

std::string server_of(std::string_view session) {
  const auto colon = session.find(':');
  return colon == std::string_view::npos ? std::string() : std::string(session.substr(0, colon));
}

access_plan plan_access(const state& s, std::string_view session, std::string_view path, std::uint64_t size) {
  access_plan p;
  const auto it = s.sessions.find(std::string(session));
  p.known = it != s.sessions.end();
  p.open = p.known && it->second.open;
  if (!p.open) {
    p.refuse = true;
    p.rule = p.known ? "session_closed" : "unknown_session";
    p.reason = "session '" + std::string(session) + (p.known ? "' is closed" : "' is not known here");
    return p;
  }
  if (auto why = migration::check_relative_path(path); !why.empty()) {
    p.refuse = true;
    p.rule = "bad_path";
    p.reason = "path '" + std::string(path) + "': " + why;
    return p;
  }
  if (size > s.policy.max_file_bytes) {
    p.refuse = true;
    p.rule = "file_too_large";
    p.reason = std::to_string(size) + " bytes > max_file_bytes " + std::to_string(s.policy.max_file_bytes);
    return p;
  }
  const auto& decided = it->second.decided;
  if (!decided.scan) {
    p.rule = decided.rule;
    p.reason = decided.reason;
    return p;
  }
  auto f = decide_file(s.policy, path, size);
  p.scan = f.scan;
  p.refuse = f.refuse;
  p.rule = std::move(f.rule);
  p.reason = f.scan ? f.reason + " (session: " + decided.rule + ")" : std::move(f.reason);
  return p;
}

} // namespace storemesh::services::access
