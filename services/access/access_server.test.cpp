// The access server entity: given / when / then for every rule and every
// refusal code, the policy change that re-decides open sessions, the stale
// agent's report, counters, pending scans and the quarantine, and plan_access
// agreeing with decide.
#include "services/access/access_server_codec.hpp"
#include "services/testing/decider_spec.hpp"

using namespace storemesh::services::access;
using storemesh::services::testing::spec;

namespace {

const std::string s1 = "srv1:0000000000000001", s2 = "srv1:0000000000000002", s3 = "srv1:0000000000000003";
const std::string sha(64, 'a');

std::string access_id(int n) {
  auto digits = std::to_string(n);
  return std::string(32 - digits.size(), '0') + digits;
}

policy base() {
  policy p;
  p.trusted_networks = {"10.0.0.0/8"};
  p.exclude_extensions = {"tmp"};
  p.max_scan_bytes = 1000;
  p.max_file_bytes = 5000;
  return p;
}

const attributes trusted{{"av", "active"}, {"av.age_h", "3"}, {"addr", "10.0.0.7"}};
const attributes untrusted{{"av", "active"}, {"av.age_h", "3"}, {"addr", "192.168.1.9"}};

const attached attach_event{"127.0.0.1:7300", {"data", "public"}, 1};

session_opened opened(const std::string& id, const attributes& a, const policy& p = base(),
                      const std::string& share = "data") {
  return session_opened{id, "laptop-1", share, a, decide_session(p, share, id, a), 3};
}

/// Attached, a policy, s1 trusted (not scanned) and s2 untrusted (scanned).
std::vector<event> two_sessions(const policy& p = base()) {
  return {attach_event, policy_set{p, 1, 2}, opened(s1, trusted, p), opened(s2, untrusted, p)};
}

std::vector<event> with(std::vector<event> history, std::initializer_list<event> more) {
  history.insert(history.end(), more);
  return history;
}

record_access report(const std::string& session, verdict v, const std::string& path = "docs/a.txt",
                     std::uint64_t bytes = 10, int n = 1) {
  record_access r;
  r.access = access_id(n);
  r.session = session;
  r.op = access_op::put;
  r.path = path;
  r.bytes = bytes;
  r.sha256 = sha;
  r.result = v;
  if (v == verdict::clean || v == verdict::infected)
    r.db_version = "daily-1";
  if (v == verdict::infected) {
    r.signature = "Eicar-Signature";
    r.quarantine = "2026/" + r.access;
  }
  r.at_ns = 9;
  return r;
}

/// The event a report becomes, with the decider's rule and reason.
accessed recorded(const record_access& r, const std::string& rule, const std::string& reason) {
  return accessed{r.access,  r.session,    r.op,     r.path,       r.bytes, r.sha256, r.result, rule,
                  reason,    r.signature,  r.db_version, r.cached, r.quarantine, r.at_ns};
}

const event& only(const storemesh::services::decision<event>& d) {
  BOOST_REQUIRE_MESSAGE(d.accepted(), (d.accepted() ? "" : d.why().code + ": " + d.why().reason));
  BOOST_REQUIRE_EQUAL(d.events.size(), 1u);
  return d.events.front();
}

state state_of(const std::vector<event>& history) {
  state s = initial;
  for (const auto& e : history)
    s = evolve(std::move(s), e);
  return s;
}

} // namespace

BOOST_AUTO_TEST_SUITE(access_server_attach)

BOOST_AUTO_TEST_CASE(a_server_attaches_with_its_shares_and_may_move) {
  spec<entity>().when(attach{"127.0.0.1:7300", {"data", "public"}, 1}).then({attach_event});
  spec<entity>().given({attach_event}).when(attach{"127.0.0.1:7300", {"data", "public"}, 5}).then({});
  spec<entity>()
      .given({attach_event})
      .when(attach{"127.0.0.1:7301", {"data"}, 5})
      .then({attached{"127.0.0.1:7301", {"data"}, 5}});
}

BOOST_AUTO_TEST_CASE(bad_endpoints_and_shares_are_invalid) {
  spec<entity>().when(attach{"nowhere", {"data"}, 1}).then_rejected("invalid");
  spec<entity>().when(attach{"127.0.0.1:7300", {}, 1}).then_rejected("invalid");
  spec<entity>().when(attach{"127.0.0.1:7300", {"Data Share"}, 1}).then_rejected("invalid");
  spec<entity>().when(attach{"127.0.0.1:7300", {"data", "data"}, 1}).then_rejected("invalid");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(access_server_policy)

BOOST_AUTO_TEST_CASE(a_policy_is_numbered_and_the_same_again_changes_nothing) {
  spec<entity>().when(set_policy{base(), 2}).then({policy_set{base(), 1, 2}});
  spec<entity>().given({policy_set{base(), 1, 2}}).when(set_policy{base(), 7}).then({});
  auto p = base();
  p.mandatory = true;
  spec<entity>().given({policy_set{base(), 1, 2}}).when(set_policy{p, 7}).then({policy_set{p, 2, 7}});
  // the default policy, set explicitly, is still a first policy
  spec<entity>().when(set_policy{policy{}, 2}).then({policy_set{policy{}, 1, 2}});
}

BOOST_AUTO_TEST_CASE(a_bad_policy_is_invalid) {
  auto p = base();
  p.trusted_networks = {"10.0.0.0/99"};
  spec<entity>().when(set_policy{p, 2}).then_rejected("invalid");
}

BOOST_AUTO_TEST_CASE(a_policy_change_re_decides_exactly_the_open_sessions_it_moves) {
  // s1 trusted by its network, s2 untrusted, s3 trusted but closed, s4 on a share the new policy names.
  const std::string s4 = "srv1:0000000000000004";
  const auto history = with(two_sessions(), {opened(s3, trusted), session_closed{s3, 4},
                                             opened(s4, untrusted, base(), "public")});
  auto p = base();
  p.trusted_networks = {"172.16.0.0/12"};  // s1 loses its trusted network
  p.shares["public"] = share_mode::always;  // s4 is scanned already, now for another reason
  const auto s1_now = decide_session(p, "data", s1, trusted);
  const auto s4_now = decide_session(p, "public", s4, untrusted);
  BOOST_TEST(s1_now.scan);
  BOOST_TEST(s1_now.rule == "untrusted_client");
  BOOST_TEST(s4_now.rule == "share_requires_scan");
  spec<entity>()
      .given(history)
      .when(set_policy{p, 20})
      .then({policy_set{p, 2, 20}, session_redecided{s1, s1_now, 2, 20}, session_redecided{s4, s4_now, 2, 20}});
  // and the sessions now hold the new decision
  auto t = spec<entity>().given(with(history, {policy_set{p, 2, 20}, session_redecided{s1, s1_now, 2, 20}}));
  BOOST_TEST(t.current().sessions.at(s1).decided.rule == "untrusted_client");
  BOOST_TEST(t.current().sessions.at(s3).decided.rule == "trusted_network");  // closed: as it was
}

BOOST_AUTO_TEST_CASE(a_policy_change_that_moves_no_session_re_decides_none) {
  auto p = base();
  p.max_scan_bytes = 2000;
  p.exclude_extensions = {"log"};
  spec<entity>().given(two_sessions()).when(set_policy{p, 20}).then({policy_set{p, 2, 20}});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(access_server_sessions)

BOOST_AUTO_TEST_CASE(a_session_opens_with_its_protection_and_why) {
  const auto history = std::vector<event>{attach_event, policy_set{base(), 1, 2}};
  spec<entity>()
      .given(history)
      .when(open_session{s1, "laptop-1", "data", trusted, 3})
      .then({session_opened{s1, "laptop-1", "data", trusted,
                            protection{false, "trusted_network",
                                       "client address 10.0.0.7 in trusted network 10.0.0.0/8; client av active, "
                                       "signatures 3 h old"},
                            3}});
  spec<entity>()
      .given(history)
      .when(open_session{s2, "laptop-2", "data", {}, 3})
      .then({session_opened{s2, "laptop-2", "data", {}, protection{true, "no_client_av", "client reports no antivirus"},
                            3}});
}

BOOST_AUTO_TEST_CASE(without_a_policy_the_default_one_decides) {
  // The default policy trusts no network and knows no key: a client is scanned.
  spec<entity>()
      .given({attach_event})
      .when(open_session{s1, "laptop-1", "data", trusted, 3})
      .then({opened(s1, trusted, policy{})});
  BOOST_TEST(decide_session(policy{}, "data", s1, trusted).rule == "untrusted_client");
}

BOOST_AUTO_TEST_CASE(bad_session_ids_clients_and_attributes_are_invalid) {
  const auto history = std::vector<event>{attach_event};
  for (const auto* id : {"srv1", "srv1:", "srv1:000000000000001", "srv1:00000000000000011", "srv1:000000000000000G",
                         "srv1:000000000000000A", ":0000000000000001", "Srv1:0000000000000001", "srv1:0000:00000001"})
    BOOST_TEST_CONTEXT(id) {
      spec<entity>().given(history).when(open_session{id, "laptop-1", "data", {}, 3}).then_rejected("invalid");
    }
  spec<entity>().given(history).when(open_session{s1, "", "data", {}, 3}).then_rejected("invalid");
  spec<entity>().given(history).when(open_session{s1, "Laptop 1", "data", {}, 3}).then_rejected("invalid");
  spec<entity>()
      .given(history)
      .when(open_session{s1, "laptop-1", "data", {{"av", "maybe"}}, 3})
      .then_rejected("invalid");
}

BOOST_AUTO_TEST_CASE(a_session_needs_an_attached_server_and_one_of_its_shares) {
  spec<entity>().when(open_session{s1, "laptop-1", "data", {}, 3}).then_rejected("not_attached");
  spec<entity>().given({attach_event}).when(open_session{s1, "laptop-1", "other", {}, 3}).then_rejected("unknown_share");
}

BOOST_AUTO_TEST_CASE(a_session_id_is_never_reused) {
  spec<entity>().given(two_sessions()).when(open_session{s1, "laptop-1", "data", trusted, 5}).then_rejected("already_open");
  spec<entity>()
      .given(with(two_sessions(), {session_closed{s1, 4}}))
      .when(open_session{s1, "laptop-1", "data", trusted, 5})
      .then_rejected("already_open");
}

BOOST_AUTO_TEST_CASE(a_client_update_replaces_its_attributes_and_re_decides) {
  const auto stale = attributes{{"av", "active"}, {"av.age_h", "30"}, {"addr", "10.0.0.7"}};
  spec<entity>()
      .given(two_sessions())
      .when(update_client{s1, stale, 7})
      .then({client_updated{s1, stale,
                            protection{true, "client_av_stale", "client av signatures 30 h old > max 24 h"}, 7}});
  spec<entity>().given(two_sessions()).when(update_client{s1, trusted, 7}).then({});
}

BOOST_AUTO_TEST_CASE(a_client_update_needs_an_open_session_and_good_attributes) {
  spec<entity>().given(two_sessions()).when(update_client{s1, {{"x", "y"}}, 7}).then_rejected("invalid");
  spec<entity>().given(two_sessions()).when(update_client{s3, trusted, 7}).then_rejected("unknown_session");
  spec<entity>()
      .given(with(two_sessions(), {session_closed{s1, 4}}))
      .when(update_client{s1, untrusted, 7})
      .then_rejected("session_closed");
}

BOOST_AUTO_TEST_CASE(a_session_closes_once) {
  spec<entity>().given(two_sessions()).when(close_session{s1, 8}).then({session_closed{s1, 8}});
  spec<entity>().given(with(two_sessions(), {session_closed{s1, 8}})).when(close_session{s1, 9}).then({});
  spec<entity>().given(two_sessions()).when(close_session{s3, 8}).then_rejected("unknown_session");
  auto t = spec<entity>().given(with(two_sessions(), {session_closed{s1, 8}}));
  BOOST_TEST(!t.current().sessions.at(s1).open);
  BOOST_TEST(t.current().sessions.at(s1).closed_ns == 8);
  BOOST_TEST(t.current().sessions.at(s2).open);
}

BOOST_AUTO_TEST_CASE(session_ids_and_their_server) {
  BOOST_TEST(check_session_id("srv1", s1) == "");
  BOOST_TEST(check_session_id("srv2", s1) != "");
  BOOST_TEST(check_session_id("Bad", "Bad:0000000000000001") != "");
  BOOST_TEST(server_of(s1) == "srv1");
  BOOST_TEST(server_of("nocolon") == "");
  BOOST_TEST(server_of(":0000000000000001") == "");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(access_server_accesses)

BOOST_AUTO_TEST_CASE(an_unscanned_session_records_its_access_with_the_sessions_reason) {
  const auto r = report(s1, verdict::not_scanned);
  const auto why = state_of(two_sessions()).sessions.at(s1).decided;
  BOOST_TEST(why.rule == "trusted_network");
  // A retry is kept from applying twice by its command id (derived from the access id), not by the decider.
  spec<entity>().given(two_sessions()).when(r).then_each_time({recorded(r, why.rule, why.reason)});
}

BOOST_AUTO_TEST_CASE(only_a_get_let_through_unscanned_may_go_unhashed) {
  auto get = report(s1, verdict::not_scanned);
  get.op = access_op::get;
  get.sha256.clear();
  BOOST_TEST(decide(state_of(two_sessions()), get).accepted());
  auto put = get;
  put.op = access_op::put;
  spec<entity>().given(two_sessions()).when(put).then_rejected("invalid");
  auto scanned_get = report(s2, verdict::clean);
  scanned_get.op = access_op::get;
  scanned_get.sha256.clear();
  spec<entity>().given(two_sessions()).when(scanned_get).then_rejected("invalid");
}

BOOST_AUTO_TEST_CASE(a_scanned_session_records_a_clean_scan) {
  const auto r = report(s2, verdict::clean);
  const auto e = std::get<accessed>(only(decide(state_of(two_sessions()), r)));
  BOOST_TEST(e.rule == "session_scanned");
  BOOST_TEST(e.reason.find("untrusted_client") != std::string::npos, e.reason);
  spec<entity>().given(two_sessions()).when(r).then_each_time({recorded(r, e.rule, e.reason)});
}

BOOST_AUTO_TEST_CASE(an_unscanned_report_in_a_scanning_session_is_refused) {
  // The stale agent: it still believes s1 is trusted, but a policy change re-decided it.
  auto p = base();
  p.trusted_networks.clear();
  const auto history = with(two_sessions(), {policy_set{p, 2, 20}, session_redecided{s1, decide_session(p, "data", s1, trusted), 2, 20}});
  spec<entity>().given(history).when(report(s1, verdict::not_scanned)).then_rejected("scan_required");
  spec<entity>().given(two_sessions()).when(report(s2, verdict::not_scanned)).then_rejected("scan_required");
  // the same file, scanned, is recorded
  BOOST_TEST(decide(state_of(history), report(s1, verdict::clean)).accepted());
}

BOOST_AUTO_TEST_CASE(a_file_the_policy_does_not_scan_passes_unscanned_in_a_scanning_session) {
  const auto excluded = report(s2, verdict::not_scanned, "logs/x.TMP");
  const auto e = std::get<accessed>(only(decide(state_of(two_sessions()), excluded)));
  BOOST_TEST(e.rule == "extension_excluded");
  auto p = base();
  p.oversize = oversize_action::allow;
  const auto big = report(s2, verdict::not_scanned, "big.bin", 1001);
  BOOST_TEST(std::get<accessed>(only(decide(state_of(two_sessions(p)), big))).rule == "too_large_to_scan");
  // unless the policy refuses files too large to scan
  spec<entity>().given(two_sessions()).when(big).then_rejected("scan_required");
  spec<entity>().given(two_sessions()).when(report(s2, verdict::clean, "big.bin", 1001)).then_rejected("scan_required");
  BOOST_TEST(std::get<accessed>(only(decide(state_of(two_sessions()), report(s2, verdict::too_large, "big.bin", 1001))))
                 .rule == "too_large_to_scan");
  // 1000 bytes is not too large
  BOOST_TEST(decide(state_of(two_sessions()), report(s2, verdict::clean, "at.bin", 1000)).accepted());
}

BOOST_AUTO_TEST_CASE(a_file_larger_than_max_file_bytes_is_refused_in_every_session) {
  for (const auto& id : {s1, s2}) {
    spec<entity>().given(two_sessions()).when(report(id, verdict::not_scanned, "huge.tmp", 5001)).then_rejected("scan_required");
    const auto e = std::get<accessed>(only(decide(state_of(two_sessions()), report(id, verdict::too_large, "huge.tmp", 5001))));
    BOOST_TEST(e.rule == "file_too_large");
    BOOST_TEST(e.reason == "5001 bytes > max_file_bytes 5000");
  }
}

BOOST_AUTO_TEST_CASE(deferred_data_needs_a_policy_that_allows_it) {
  spec<entity>().given(two_sessions()).when(report(s2, verdict::deferred)).then_rejected("scan_required");
  auto p = base();
  p.on_outage = outage_action::allow_and_mark;
  const auto r = report(s2, verdict::deferred);
  const auto e = std::get<accessed>(only(decide(state_of(two_sessions(p)), r)));
  BOOST_TEST(e.reason.find("later scan") != std::string::npos, e.reason);
  spec<entity>().given(two_sessions(p)).when(r).then_each_time({e});
  const auto after = state_of(with(two_sessions(p), {e}));
  BOOST_REQUIRE_EQUAL(after.pending.size(), 1u);
  BOOST_TEST((after.pending.at(r.access) == pending_scan{s2, "data", "docs/a.txt", sha, 10, access_op::put}));
}

BOOST_AUTO_TEST_CASE(a_refusal_verdict_is_always_recorded) {
  // Refusing data lets nothing through, whatever the protection.
  for (const auto& id : {s1, s2}) {
    BOOST_TEST(decide(state_of(two_sessions()), report(id, verdict::scanner_unavailable)).accepted());
    BOOST_TEST(decide(state_of(two_sessions()), report(id, verdict::too_large)).accepted());
    BOOST_TEST(decide(state_of(two_sessions()), report(id, verdict::infected)).accepted());
  }
  // a scan in a session that needs none is recorded, and says so
  const auto e = std::get<accessed>(only(decide(state_of(two_sessions()), report(s1, verdict::clean))));
  BOOST_TEST(e.rule == "trusted_network");
  BOOST_TEST(e.reason.find("scanned all the same") != std::string::npos, e.reason);
}

BOOST_AUTO_TEST_CASE(an_access_needs_an_open_session) {
  spec<entity>().given(two_sessions()).when(report(s3, verdict::clean)).then_rejected("unknown_session");
  spec<entity>()
      .given(with(two_sessions(), {session_closed{s2, 4}}))
      .when(report(s2, verdict::clean))
      .then_rejected("session_closed");
}

BOOST_AUTO_TEST_CASE(bad_reports_are_invalid) {
  std::vector<record_access> bad;
  auto r = report(s2, verdict::clean);
  r.access = "abc";
  bad.push_back(r);
  for (const auto* path : {"../etc/passwd", "/etc/passwd", "a/../../b", "", "a//b", "a/"}) {
    r = report(s2, verdict::clean);
    r.path = path;
    bad.push_back(r);
  }
  r = report(s2, verdict::clean);
  r.sha256 = "xyz";
  bad.push_back(r);
  r = report(s2, verdict::clean);
  r.db_version.clear();
  bad.push_back(r);
  r = report(s2, verdict::clean);
  r.signature = "Eicar";
  bad.push_back(r);
  r = report(s2, verdict::infected);
  r.signature.clear();
  bad.push_back(r);
  r = report(s2, verdict::infected);
  r.quarantine = "../out";
  bad.push_back(r);
  r = report(s2, verdict::clean);
  r.quarantine = "q/1";
  bad.push_back(r);
  r = report(s1, verdict::not_scanned);
  r.cached = true;
  bad.push_back(r);
  r = report(s2, verdict::clean);
  r.result = static_cast<verdict>(17);
  bad.push_back(r);
  r = report(s2, verdict::clean);
  r.op = static_cast<access_op>(9);
  bad.push_back(r);
  for (const auto& b : bad)
    BOOST_TEST_CONTEXT(b.access << " " << b.path) { spec<entity>().given(two_sessions()).when(b).then_rejected("invalid"); }
}

BOOST_AUTO_TEST_CASE(infected_data_is_quarantined_and_counted) {
  auto r = report(s2, verdict::infected, "in/eicar.com", 68);
  r.op = access_op::put;
  const auto e = std::get<accessed>(only(decide(state_of(two_sessions()), r)));
  const auto s = state_of(with(two_sessions(), {e}));
  BOOST_REQUIRE_EQUAL(s.quarantine.size(), 1u);
  BOOST_TEST((s.quarantine[0] == quarantined{r.access, s2, "data", "in/eicar.com", "Eicar-Signature", r.quarantine}));
  BOOST_TEST(s.counters.infected == 1u);
  BOOST_TEST(s.counters.refused == 1u);
  BOOST_TEST(s.counters.bytes_in == 0u);  // refused: nothing came in
  BOOST_TEST(s.sessions.at(s2).counters.infected == 1u);
}

BOOST_AUTO_TEST_CASE(counters_add_up_per_server_and_per_session) {
  auto p = base();
  p.on_outage = outage_action::allow_and_mark;
  auto history = two_sessions(p);
  std::vector<record_access> reports{report(s1, verdict::not_scanned, "a.txt", 100, 1),
                                     report(s2, verdict::clean, "b.txt", 200, 2),
                                     report(s2, verdict::infected, "c.txt", 300, 3),
                                     report(s2, verdict::deferred, "d.txt", 400, 4),
                                     report(s2, verdict::scanner_unavailable, "e.txt", 500, 5),
                                     report(s2, verdict::clean, "f.txt", 600, 6)};
  reports[5].op = access_op::get;
  reports[5].cached = true;
  for (const auto& r : reports) {
    auto d = decide(state_of(history), r);
    history.push_back(only(d));
  }
  const auto s = state_of(history);
  BOOST_TEST(s.counters.puts == 5u);
  BOOST_TEST(s.counters.gets == 1u);
  BOOST_TEST(s.counters.bytes_in == 100u + 200 + 400);
  BOOST_TEST(s.counters.bytes_out == 600u);
  BOOST_TEST(s.counters.scanned == 3u);
  BOOST_TEST(s.counters.not_scanned == 1u);
  BOOST_TEST(s.counters.infected == 1u);
  BOOST_TEST(s.counters.deferred == 1u);
  BOOST_TEST(s.counters.refused == 2u);
  BOOST_TEST(s.counters.cached == 1u);
  BOOST_TEST(s.sessions.at(s1).counters.puts == 1u);
  BOOST_TEST(s.sessions.at(s1).counters.not_scanned == 1u);
  BOOST_TEST(s.sessions.at(s2).counters.puts == 4u);
  BOOST_TEST(s.sessions.at(s2).counters.scanned == 3u);
  BOOST_TEST(s.pending.size() == 1u);
  BOOST_TEST(s.quarantine.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(access_server_rescans)

namespace {
std::vector<event> one_deferred(const std::string& id = access_id(4)) {
  auto p = base();
  p.on_outage = outage_action::allow_and_mark;
  auto r = report(s2, verdict::deferred, "d/x.bin", 400);
  r.access = id;
  return with(two_sessions(p), {recorded(r, "session_scanned", "deferred")});
}
} // namespace

BOOST_AUTO_TEST_CASE(a_deferred_access_is_rescanned_once) {
  const rescanned clean{access_id(4), verdict::clean, "", "daily-2", "", 30};
  spec<entity>()
      .given(one_deferred())
      .when(record_rescan{access_id(4), verdict::clean, "", "daily-2", "", 30})
      .then({clean});
  const auto s = state_of(with(one_deferred(), {clean}));
  BOOST_TEST(s.pending.empty());
  BOOST_TEST(s.counters.scanned == 1u);
  BOOST_TEST(s.sessions.at(s2).counters.scanned == 1u);
  spec<entity>()
      .given(with(one_deferred(), {clean}))
      .when(record_rescan{access_id(4), verdict::clean, "", "daily-2", "", 31})
      .then_rejected("not_pending");
}

BOOST_AUTO_TEST_CASE(an_infected_rescan_is_quarantined) {
  const rescanned infected{access_id(4), verdict::infected, "Eicar-Signature", "daily-2", "q/4", 30};
  spec<entity>()
      .given(one_deferred())
      .when(record_rescan{access_id(4), verdict::infected, "Eicar-Signature", "daily-2", "q/4", 30})
      .then({infected});
  // even when its session has closed since: the data is stored all the same
  const auto s = state_of(with(one_deferred(), {session_closed{s2, 20}, infected}));
  BOOST_REQUIRE_EQUAL(s.quarantine.size(), 1u);
  BOOST_TEST((s.quarantine[0] == quarantined{access_id(4), s2, "data", "d/x.bin", "Eicar-Signature", "q/4"}));
  BOOST_TEST(s.counters.infected == 1u);
  BOOST_TEST(s.sessions.at(s2).counters.infected == 1u);
}

BOOST_AUTO_TEST_CASE(only_pending_accesses_are_rescanned_with_a_scan_verdict) {
  spec<entity>()
      .given(two_sessions())
      .when(record_rescan{access_id(4), verdict::clean, "", "daily-2", "", 30})
      .then_rejected("not_pending");
  for (auto v : {verdict::not_scanned, verdict::deferred, verdict::scanner_unavailable, verdict::too_large})
    BOOST_TEST_CONTEXT(to_string(v)) {
      spec<entity>().given(one_deferred()).when(record_rescan{access_id(4), v, "", "", "", 30}).then_rejected("invalid");
    }
  spec<entity>().given(one_deferred()).when(record_rescan{"xyz", verdict::clean, "", "d", "", 30}).then_rejected("invalid");
  spec<entity>().given(one_deferred()).when(record_rescan{access_id(4), verdict::clean, "", "", "", 30}).then_rejected("invalid");
  spec<entity>()
      .given(one_deferred())
      .when(record_rescan{access_id(4), verdict::infected, "Eicar", "d", "", 30})
      .then_rejected("invalid");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(access_server_plan)

BOOST_AUTO_TEST_CASE(plan_access_agrees_with_decide_on_every_case) {
  // Every session kind (not scanned, scanned, closed, unknown) x paths x sizes x
  // policies x verdicts: what the plan lets through is what decide records.
  std::vector<policy> policies;
  for (auto oversize : {oversize_action::refuse, oversize_action::allow})
    for (auto outage : {outage_action::refuse, outage_action::allow_and_mark}) {
      auto p = base();
      p.oversize = oversize;
      p.on_outage = outage;
      policies.push_back(p);
    }
  const std::vector<std::string> paths{"a.txt", "x/y.TMP", "README", "../up", "/abs"};
  const std::vector<std::uint64_t> sizes{0, 1000, 1001, 5000, 5001};
  const std::vector<verdict> verdicts{verdict::clean,    verdict::infected,            verdict::not_scanned,
                                      verdict::deferred, verdict::scanner_unavailable, verdict::too_large};
  int cases = 0;
  for (const auto& p : policies) {
    const auto s = state_of(with(two_sessions(p), {opened(s3, trusted, p), session_closed{s3, 5}}));
    for (const auto& id : {s1, s2, s3, std::string("srv1:0000000000000009")})
      for (const auto& path : paths)
        for (auto size : sizes) {
          const auto plan = plan_access(s, id, path, size);
          for (auto v : verdicts) {
            auto r = report(id, v, path, size);
            const auto d = decide(s, r);
            ++cases;
            BOOST_TEST_CONTEXT(id << " " << path << " " << size << " " << to_string(v) << " oversize "
                                  << to_string(p.oversize) << " outage " << to_string(p.on_outage) << ": "
                                  << plan.rule) {
              // A bad report is invalid before anything else; the plan refuses it too.
              if (path.front() == '/' || path.front() == '.') {
                BOOST_TEST(plan.refuse);
                BOOST_REQUIRE(!d.accepted());
                BOOST_TEST(d.why().code == "invalid");
                continue;
              }
              if (!plan.known || !plan.open) {
                BOOST_TEST(plan.refuse);
                BOOST_REQUIRE(!d.accepted());
                BOOST_TEST(d.why().code == (plan.known ? "session_closed" : "unknown_session"));
                continue;
              }
              const bool expect_accepted =
                  !admitted(v) ||
                  (!plan.refuse && (v != verdict::not_scanned || !plan.scan) &&
                   (v != verdict::deferred || p.on_outage == outage_action::allow_and_mark));
              BOOST_TEST(d.accepted() == expect_accepted);
              if (d.accepted()) {
                BOOST_TEST(std::get<accessed>(d.events.at(0)).rule == plan.rule);
                BOOST_TEST(std::get<accessed>(d.events.at(0)).reason.find(plan.reason) == 0u);
              } else {
                BOOST_TEST(d.why().code == "scan_required");
              }
            }
          }
        }
  }
  BOOST_TEST(cases == 4 * 4 * 5 * 5 * 6);
}

BOOST_AUTO_TEST_CASE(the_plan_says_what_to_do_and_why) {
  const auto s = state_of(two_sessions());
  const auto unscanned = plan_access(s, s1, "a.txt", 10);
  BOOST_TEST((unscanned.known && unscanned.open && !unscanned.scan && !unscanned.refuse));
  BOOST_TEST(unscanned.rule == "trusted_network");
  const auto scanned = plan_access(s, s2, "a.txt", 10);
  BOOST_TEST((scanned.scan && !scanned.refuse));
  BOOST_TEST(scanned.rule == "session_scanned");
  const auto excluded = plan_access(s, s2, "a.tmp", 10);
  BOOST_TEST((!excluded.scan && !excluded.refuse));
  BOOST_TEST(excluded.rule == "extension_excluded");
  const auto oversize = plan_access(s, s2, "a.bin", 1001);
  BOOST_TEST((!oversize.scan && oversize.refuse));
  const auto huge = plan_access(s, s1, "a.bin", 5001);
  BOOST_TEST(huge.refuse);
  BOOST_TEST(huge.rule == "file_too_large");
  const auto unknown = plan_access(s, s3, "a.txt", 10);
  BOOST_TEST((!unknown.known && unknown.refuse));
}

BOOST_AUTO_TEST_CASE(verdict_names_and_what_they_let_through) {
  BOOST_TEST(admitted(verdict::clean));
  BOOST_TEST(admitted(verdict::not_scanned));
  BOOST_TEST(admitted(verdict::deferred));
  BOOST_TEST(!admitted(verdict::infected));
  BOOST_TEST(!admitted(verdict::scanner_unavailable));
  BOOST_TEST(!admitted(verdict::too_large));
  BOOST_TEST(to_string(verdict::scanner_unavailable) == "scanner_unavailable");
  BOOST_TEST(to_string(verdict::not_scanned) == "not_scanned");
  BOOST_TEST(to_string(access_op::get) == "get");
  BOOST_TEST(to_string(access_op::put) == "put");
}

BOOST_AUTO_TEST_SUITE_END()
