#pragma once
// Access server: a storage server that clients reach in sessions (id: its
// name). Its state holds its event-sourced antivirus policy, its sessions and
// every access they made, so that one decider sees a policy change and every
// session it re-decides at once (no window in which a session acts on a
// decision the policy no longer allows):
//
//   attach(endpoint, shares) --> attached
//   set_policy --> policy_set + session_redecided for every open session whose protection changes
//   open_session --> session_opened (its protection: protection.hpp)
//   update_client --> client_updated (+ its new protection)
//   close_session --> session_closed
//   record_access --> accessed (put or get, with its verdict and why)
//   record_rescan --> rescanned (a deferred access scanned once the scanner is back)
//
// Rules:
//  - attach: endpoint host:port, shares valid names (at least one). Again
//    with the same: accepted, no event. A session can only be opened once
//    attached, on one of the attached shares.
//  - set_policy: check_policy must pass.
//  - open_session: session id `<server>:<16 hex>` not seen before
//    (already_open), a client name, check_attributes; the protection is
//    decide_session at this moment's policy. decide() is not told its
//    entity's id, so it checks the id's shape (check_session_id against
//    server_of(session)); whoever mints ids checks them against its own name.
//  - update_client: an open session; the attributes replace the old ones.
//  - record_access: an open session (session_closed / unknown_session); a
//    path that check_relative_path accepts. The decider re-checks the data
//    plane's verdict against the CURRENT protection: `not_scanned` only when
//    the session does not scan or decide_file says the file is not scanned
//    (else scan_required); `deferred` only when the policy's on_outage is
//    allow_and_mark (else scan_required); clean / infected name the
//    signature database version. The event's rule and reason are the
//    decider's own, so the log says why whatever the agent believed.
//    A stale agent view is therefore refused, never recorded. Data let
//    through (clean, not_scanned, deferred) where plan_access refuses (too
//    large to scan under oversize=refuse, or larger than max_file_bytes) is
//    refused as scan_required too. A refusal (infected, scanner_unavailable,
//    too_large) lets nothing through and is always recorded. A retried report
//    is kept from applying twice by its command id (derived from the access
//    id), not by the decider: the same report decides the same event again.
//  - record_rescan: an access still pending (deferred), verdict clean or
//    infected.
//
// Time enters only as fields of commands.

#include "services/access/protection.hpp"
#include "services/decision.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace storemesh::services::access {

enum class access_op : std::uint8_t { put = 0, get = 1 };

enum class verdict : std::uint8_t {
  clean = 0,                ///< scanned, nothing found: committed / returned
  infected = 1,             ///< scanned, found: refused, quarantined
  not_scanned = 2,          ///< the session or the file needs no scan: committed / returned
  deferred = 3,             ///< no scanner answered, policy allows: committed / returned, marked for a later scan
  scanner_unavailable = 4,  ///< no scanner answered, policy refuses: refused, nothing kept
  too_large = 5,            ///< too large to scan and the policy refuses it
};

[[nodiscard]] std::string_view to_string(verdict v);
[[nodiscard]] std::string_view to_string(access_op o);
/// Whether the data was let through (committed on put, returned on get).
[[nodiscard]] bool admitted(verdict v);

// -- events (the storage format: add alternatives, never change one) ----------

struct attached {
  std::string endpoint;
  std::vector<std::string> shares;
  std::int64_t at_ns = 0;
  bool operator==(const attached& o) const;
};

struct policy_set {
  access::policy policy;
  std::uint64_t policy_no = 0;  ///< 1 for the first
  std::int64_t at_ns = 0;
  bool operator==(const policy_set& o) const;
};

struct session_opened {
  std::string session, client, share;
  attributes attrs;
  protection decided;
  std::int64_t at_ns = 0;
  bool operator==(const session_opened& o) const;
};

struct client_updated {
  std::string session;
  attributes attrs;
  protection decided;
  std::int64_t at_ns = 0;
  bool operator==(const client_updated& o) const;
};

/// A policy change moved an open session's protection.
struct session_redecided {
  std::string session;
  protection decided;
  std::uint64_t policy_no = 0;
  std::int64_t at_ns = 0;
  bool operator==(const session_redecided& o) const;
};

struct session_closed {
  std::string session;
  std::int64_t at_ns = 0;
  bool operator==(const session_closed& o) const;
};

struct accessed {
  std::string access;  ///< 32 hex digits, chosen by the data plane; the command id derives from it
  std::string session;
  access_op op = access_op::put;
  std::string path;  ///< share-relative
  std::uint64_t bytes = 0;
  std::string sha256;  ///< 64 hex digits of the data; empty for a get let through unscanned (not read twice)
  access::verdict result = verdict::clean;
  std::string rule, reason;  ///< why it was (not) scanned: the session's or the file's rule
  std::string signature;     ///< infected: what was found
  std::string db_version;    ///< scanned: the scanner's signature database version
  bool cached = false;       ///< the verdict came from the cache (same bytes, same database)
  std::string quarantine;    ///< infected: where the data is kept, relative to the quarantine
  std::int64_t at_ns = 0;
  bool operator==(const accessed& o) const;
};

struct rescanned {
  std::string access;
  access::verdict result = verdict::clean;  ///< clean or infected
  std::string signature, db_version, quarantine;
  std::int64_t at_ns = 0;
  bool operator==(const rescanned& o) const;
};

using event = std::variant<attached, policy_set, session_opened, client_updated, session_redecided, session_closed,
                           accessed, rescanned>;

// -- state ----------------------------------------------------------------------

struct counters {
  std::uint64_t puts = 0, gets = 0, bytes_in = 0, bytes_out = 0;
  std::uint64_t scanned = 0, not_scanned = 0, infected = 0, deferred = 0, refused = 0, cached = 0;
  bool operator==(const counters& o) const;
};

struct session {
  std::string client, share;
  attributes attrs;
  protection decided;
  bool open = true;
  std::int64_t opened_ns = 0, closed_ns = 0;
  access::counters counters;
  bool operator==(const session& o) const;
};

/// A deferred access waiting for the scanner.
struct pending_scan {
  std::string session, share, path, sha256;
  std::uint64_t bytes = 0;
  access_op op = access_op::put;
  bool operator==(const pending_scan& o) const;
};

struct quarantined {
  std::string access, session, share, path, signature, quarantine;
  bool operator==(const quarantined& o) const;
};

struct state {
  bool attached = false;
  std::string endpoint;
  std::vector<std::string> shares;
  access::policy policy;
  std::uint64_t policy_no = 0;
  std::map<std::string, session> sessions;    ///< by session id; closed ones stay (the audit)
  std::map<std::string, pending_scan> pending;  ///< by access id
  std::vector<quarantined> quarantine;
  access::counters counters;
  bool operator==(const state& o) const;
};

inline const state initial{};

[[nodiscard]] state evolve(state s, const event& e);

// -- commands -------------------------------------------------------------------

struct attach {
  std::string endpoint;
  std::vector<std::string> shares;
  std::int64_t at_ns = 0;
};
struct set_policy {
  access::policy policy;
  std::int64_t at_ns = 0;
};
struct open_session {
  std::string session, client, share;
  attributes attrs;
  std::int64_t at_ns = 0;
};
struct update_client {
  std::string session;
  attributes attrs;
  std::int64_t at_ns = 0;
};
struct close_session {
  std::string session;
  std::int64_t at_ns = 0;
};
/// The data plane's report of one access; the decider checks it (above) and
/// fills in the rule and reason itself.
struct record_access {
  std::string access, session;
  access_op op = access_op::put;
  std::string path;
  std::uint64_t bytes = 0;
  std::string sha256;
  access::verdict result = verdict::clean;
  std::string signature, db_version;
  bool cached = false;
  std::string quarantine;
  std::int64_t at_ns = 0;
};
struct record_rescan {
  std::string access;
  access::verdict result = verdict::clean;
  std::string signature, db_version, quarantine;
  std::int64_t at_ns = 0;
};

using command =
    std::variant<attach, set_policy, open_session, update_client, close_session, record_access, record_rescan>;

[[nodiscard]] decision<event> decide(const state& s, const command& c);

/// "" when `session` is `<server>:<16 lowercase hex>` for this server.
[[nodiscard]] std::string check_session_id(std::string_view server, std::string_view session);
/// The server part of a session id ("" when it has none).
[[nodiscard]] std::string server_of(std::string_view session);

/// What the data plane must do with one access of session `s` for a file of
/// `size` bytes at `path`, at the state's current policy: the same rules the
/// decider applies to its report. Besides the rules of protection.hpp, `rule`
/// may be unknown_session, session_closed, bad_path (check_relative_path
/// refuses it) or file_too_large (size > max_file_bytes; for a get too, as
/// the plan is not told the operation), each with refuse set.
struct access_plan {
  bool known = false, open = false;
  bool scan = false;      ///< stream it to the scanner
  bool refuse = false;    ///< too large to scan under a refusing policy, or larger than max_file_bytes
  std::string rule, reason;
};
[[nodiscard]] access_plan plan_access(const state& s, std::string_view session, std::string_view path,
                                      std::uint64_t size);

} // namespace storemesh::services::access
