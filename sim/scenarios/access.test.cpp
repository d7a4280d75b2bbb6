// The access scenario: check() finds each violation it claims to find in a
// hand-built history (and passes the correct one beside it), and the
// scenario's agents, with every command decided at once by the real decider,
// drive sessions, scans, policy changes and stale reports with no violation,
// the same commands for the same seed.
#include "services/access/access_server_codec.hpp"
#include "sim/scenarios/access_invariant.hpp"
#include "sim/scenarios/direct_world.hpp"
#include "sim/test_records.hpp"
#include "sim/scenarios/scenarios.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <sodium.h>

#include <array>

using namespace storemesh;
namespace ac = services::access;

namespace {

const std::string fs1 = "fs1";
const std::string s1 = "fs1:00000000000000a1";
const std::string clean_sha(64, 'c');
const std::string bad_sha(64, 'e');

ac::attributes no_av() { return {}; }
ac::attributes trusted_client() { return {{"av", "active"}, {"av.age_h", "2"}, {"addr", "10.1.2.3"}}; }

ac::policy with_share(ac::share_mode m) {
  ac::policy p;
  p.trusted_networks = {"10.0.0.0/8"};
  p.shares["docs"] = m;
  return p;
}

/// A history for one server, and its check.
struct history {
  sim::test_log log;
  sim::testing::test_records records;
  sim::access_invariant inv;

  history& add(const ac::event& e) {
    records.event<ac::entity>(log, fs1, e);
    return *this;
  }
  history& attach() { return add(ac::attached{"127.0.0.1:8443", {"docs", "scratch"}, 1}); }
  history& policy(const ac::policy& p, std::uint64_t no = 1) { return add(ac::policy_set{p, no, 2}); }
  history& open(const std::string& id, const std::string& share, const ac::attributes& a, bool scan) {
    return add(ac::session_opened{id, "laptop", share, a, ac::protection{scan, scan ? "x" : "y", ""}, 3});
  }
  history& access(const std::string& id, ac::verdict v, std::string path = "q4/report.pdf",
                  std::uint64_t bytes = 100, std::string sha = clean_sha, std::string session = s1) {
    ac::accessed a;
    a.access = id;
    a.session = std::move(session);
    a.path = std::move(path);
    a.bytes = bytes;
    a.sha256 = std::move(sha);
    a.result = v;
    if (v == ac::verdict::clean || v == ac::verdict::infected)
      a.db_version = "27000";
    if (v == ac::verdict::infected) {
      a.signature = "Eicar-Test-Signature";
      a.quarantine = "fs1/" + id;
    }
    return add(a);
  }
  std::optional<std::string> check() { return inv.advance(log); }
};

std::string access_id(char c) { return std::string(32, c); }

} // namespace

BOOST_AUTO_TEST_SUITE(sim_access_check)

BOOST_AUTO_TEST_CASE(unscanned_put_on_an_always_share_is_found_and_a_clean_one_passes) {
  history ok;
  ok.attach().policy(with_share(ac::share_mode::always)).open(s1, "docs", trusted_client(), true);
  ok.access(access_id('1'), ac::verdict::clean);
  BOOST_TEST(!ok.check());

  history bad;
  bad.attach().policy(with_share(ac::share_mode::always)).open(s1, "docs", trusted_client(), false);
  bad.access(access_id('1'), ac::verdict::not_scanned);
  const auto v = bad.check();
  BOOST_REQUIRE(v);
  BOOST_TEST(v->find("unscanned bytes reached a scanned share") != std::string::npos, *v);
}

BOOST_AUTO_TEST_CASE(a_policy_change_the_sessions_did_not_follow_is_found) {
  // Trusted at first (by_client): unscanned is right; then docs becomes
  // always and the session is not redecided: the next unscanned access is a violation.
  history h;
  h.attach().policy(with_share(ac::share_mode::by_client)).open(s1, "docs", trusted_client(), false);
  h.access(access_id('1'), ac::verdict::not_scanned);
  BOOST_TEST(!h.check());
  h.policy(with_share(ac::share_mode::always), 2);
  BOOST_TEST(!h.check());
  h.access(access_id('2'), ac::verdict::not_scanned);
  BOOST_TEST(h.check().has_value());

  // Redecided with it, and the stale report refused (nothing recorded): no violation.
  history ok;
  ok.attach().policy(with_share(ac::share_mode::by_client)).open(s1, "docs", trusted_client(), false);
  ok.policy(with_share(ac::share_mode::always), 2)
      .add(ac::session_redecided{s1, ac::protection{true, "share_requires_scan", ""}, 2, 4});
  ok.access(access_id('2'), ac::verdict::clean);
  BOOST_TEST(!ok.check());
}

BOOST_AUTO_TEST_CASE(a_client_without_antivirus_decided_unscanned_is_found_and_an_exempt_share_passes) {
  history h;
  h.attach().policy(with_share(ac::share_mode::by_client)).open(s1, "docs", no_av(), false);
  h.access(access_id('1'), ac::verdict::not_scanned);
  BOOST_TEST(h.check().has_value());

  history exempt;
  exempt.attach().policy(with_share(ac::share_mode::never)).open(s1, "docs", no_av(), false);
  exempt.access(access_id('1'), ac::verdict::not_scanned);
  BOOST_TEST(!exempt.check());
}

BOOST_AUTO_TEST_CASE(file_rules_exempt_what_they_say_and_oversize_refuse_lets_nothing_through) {
  auto p = with_share(ac::share_mode::always);
  p.exclude_extensions = {"log"};
  p.max_scan_bytes = 1000;
  p.oversize = ac::oversize_action::refuse;
  history h;
  h.attach().policy(p).open(s1, "docs", no_av(), true);
  h.access(access_id('1'), ac::verdict::not_scanned, "tmp/app.LOG", 5000);  // excluded, any size
  h.access(access_id('2'), ac::verdict::too_large, "tmp/a.pdf", 5000);      // refused: nothing through
  BOOST_TEST(!h.check());
  h.access(access_id('3'), ac::verdict::clean, "tmp/a.pdf", 5000);
  BOOST_TEST(h.check().has_value());

  p.oversize = ac::oversize_action::allow;
  history allow;
  allow.attach().policy(p).open(s1, "docs", no_av(), true);
  allow.access(access_id('3'), ac::verdict::not_scanned, "tmp/a.pdf", 5000);
  BOOST_TEST(!allow.check());
  allow.access(access_id('4'), ac::verdict::not_scanned, "tmp/a.pdf", 500);
  BOOST_TEST(allow.check().has_value());
}

BOOST_AUTO_TEST_CASE(deferred_only_when_the_policy_allows_it_and_a_rescan_answers_a_deferred_access_once) {
  auto p = with_share(ac::share_mode::always);
  history refuse;
  refuse.attach().policy(p).open(s1, "docs", no_av(), true);
  refuse.access(access_id('1'), ac::verdict::deferred);
  BOOST_TEST(refuse.check().has_value());

  p.on_outage = ac::outage_action::allow_and_mark;
  history h;
  h.attach().policy(p).open(s1, "docs", no_av(), true);
  h.access(access_id('1'), ac::verdict::deferred, "q4/r.pdf", 100, bad_sha);
  h.add(ac::rescanned{access_id('1'), ac::verdict::infected, "Eicar-Test-Signature", "27000", "fs1/x", 5});
  BOOST_TEST(!h.check());
  h.add(ac::rescanned{access_id('1'), ac::verdict::clean, "", "27000", "", 6});
  BOOST_TEST(h.check().has_value());

  history never;
  never.attach().policy(p).add(ac::rescanned{access_id('9'), ac::verdict::clean, "", "27000", "", 6});
  BOOST_TEST(never.check().has_value());
}

BOOST_AUTO_TEST_CASE(content_found_infected_is_never_let_through_clean_by_a_scan) {
  history h;
  h.attach().policy(with_share(ac::share_mode::always)).open(s1, "docs", no_av(), true);
  h.access(access_id('1'), ac::verdict::infected, "q4/eicar.com", 68, bad_sha);
  h.access(access_id('2'), ac::verdict::clean, "q4/other.pdf", 68, clean_sha);
  BOOST_TEST(!h.check());
  h.access(access_id('3'), ac::verdict::clean, "q4/eicar2.com", 68, bad_sha);
  BOOST_TEST(h.check().has_value());
}

BOOST_AUTO_TEST_CASE(accesses_of_unknown_or_closed_sessions_are_found) {
  history h;
  h.attach().policy(with_share(ac::share_mode::never)).open(s1, "docs", no_av(), false);
  h.add(ac::session_closed{s1, 4});
  h.access(access_id('1'), ac::verdict::not_scanned);
  BOOST_TEST(h.check().has_value());

  history unknown;
  unknown.attach().policy(with_share(ac::share_mode::never));
  unknown.access(access_id('1'), ac::verdict::not_scanned);
  BOOST_TEST(unknown.check().has_value());
}

BOOST_AUTO_TEST_CASE(a_known_key_is_trusted_only_with_a_proof_that_verifies) {
  BOOST_REQUIRE(sodium_init() >= 0);
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> pk{};
  std::array<unsigned char, crypto_sign_SECRETKEYBYTES> sk{};
  std::array<unsigned char, crypto_sign_SEEDBYTES> seed{};
  seed.fill(7);
  crypto_sign_seed_keypair(pk.data(), sk.data(), seed.data());
  const auto msg = ac::session_proof_message(s1);
  std::array<unsigned char, crypto_sign_BYTES> sig{};
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), sk.data());
  auto hex = [](const unsigned char* b, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
      out.push_back("0123456789abcdef"[b[i] >> 4]);
      out.push_back("0123456789abcdef"[b[i] & 15]);
    }
    return out;
  };
  auto p = with_share(ac::share_mode::by_client);
  p.known_keys = {hex(pk.data(), pk.size())};
  ac::attributes kiosk{{"av", "active"}, {"av.age_h", "1"}, {"key", hex(pk.data(), pk.size())},
                       {"key.proof", hex(sig.data(), sig.size())}};
  history ok;
  ok.attach().policy(p).open(s1, "docs", kiosk, false);
  ok.access(access_id('1'), ac::verdict::not_scanned);
  BOOST_TEST(!ok.check());

  sig[0] ^= 1;
  kiosk["key.proof"] = hex(sig.data(), sig.size());
  history forged;
  forged.attach().policy(p).open(s1, "docs", kiosk, false);
  forged.access(access_id('1'), ac::verdict::not_scanned);
  BOOST_TEST(forged.check().has_value());
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

/// The access server with its re-check of the agent's verdict skipped: a
/// report the current protection does not allow is recorded as reported.
struct scan_blind : ac::entity {
  static services::decision<ac::event> decide(const ac::state& s, const ac::command& c) {
    auto d = ac::decide(s, c);
    if (d.accepted() || d.why().code != "scan_required")
      return d;
    const auto& x = std::get<ac::record_access>(c);
    return services::decision<ac::event>::accept(ac::accessed{x.access, x.session, x.op, x.path, x.bytes, x.sha256,
                                                              x.result, "blind", "", x.signature, x.db_version,
                                                              x.cached, x.quarantine, x.at_ns});
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(sim_access_scenario)

BOOST_AUTO_TEST_CASE(a_decider_that_trusts_the_agents_verdict_is_caught_by_the_stale_agents) {
  int found = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    sim::testing::direct_world w;
    w.host<scan_blind>();
    auto s = sim::make_scenario("access");
    w.run(*s, seed, 800);
    found += w.violation.has_value();
    if (w.violation)
      BOOST_TEST_MESSAGE("seed " << seed << ": " << *w.violation);
  }
  BOOST_TEST(found >= 8);  // 16 of these 20 seeds, each in 800 steps
}

BOOST_AUTO_TEST_CASE(the_same_seed_issues_the_same_commands_and_they_decode) {
  sim::testing::direct_world a, b, c;
  a.host<ac::entity>();
  b.host<ac::entity>();
  c.host<ac::entity>();
  auto sa = sim::make_scenario("access");
  auto sb = sim::make_scenario("access");
  auto sc = sim::make_scenario("access");
  BOOST_REQUIRE(sa && sb && sc);
  a.run(*sa, 42, 200);
  b.run(*sb, 42, 200);
  c.run(*sc, 43, 200);
  BOOST_TEST(a.undecodable == 0u);
  BOOST_TEST(a.trace.size() > 30u);
  BOOST_TEST((a.trace == b.trace));
  BOOST_TEST((a.trace != c.trace));
}

BOOST_DATA_TEST_CASE(agents_drive_scans_policy_changes_and_stale_reports_with_no_violation,
                     boost::unit_test::data::make({false, true}), shuffled) {
  // Over a few seeds, with every command decided by the real decider (at
  // once, or shuffled: lost and overtaken on the way): the invariant holds,
  // and the run went through what it is for.
  std::map<std::string, std::size_t> rejected, seen;
  std::size_t events = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    sim::testing::direct_world w;
    w.host<ac::entity>();
    auto s = sim::make_scenario("access");
    w.run(*s, seed, 300, shuffled);
    BOOST_TEST(!w.violation, "seed " << seed << ": " << w.violation.value_or(""));
    BOOST_TEST(w.undecodable == 0u);
    for (const auto& [code, n] : w.rejected)
      rejected[code] += n;
    events += w.events;
    for (std::size_t i = 0; i < w.log.size(); ++i) {
      if (w.log.at(i).topic != w.log.events_topic(ac::entity::kind))
        continue;  // commands and their rejections
      auto e = ac::entity::read_event(w.log.at(i).env->reader());
      BOOST_REQUIRE(e);
      if (auto* a = std::get_if<ac::accessed>(&e.value()))
        ++seen[std::string(ac::to_string(a->result))];
      else if (std::holds_alternative<ac::rescanned>(e.value()))
        ++seen["rescanned"];
      else if (std::holds_alternative<ac::session_redecided>(e.value()))
        ++seen["session_redecided"];
    }
  }
  for (const auto* what : {"clean", "infected", "not_scanned", "deferred", "scanner_unavailable", "too_large",
                           "rescanned", "session_redecided"}) {
    BOOST_TEST_MESSAGE("  " << what << ": " << seen[what]);
    BOOST_TEST(seen[what] > 0, what);
  }
  BOOST_TEST(events > 1000u);
  BOOST_TEST_MESSAGE("access: " << events << " events");
  for (const auto& [code, n] : rejected)
    BOOST_TEST_MESSAGE("  rejected " << code << ": " << n);
  for (const auto* code : {"scan_required", "unknown_session", "not_pending", "unknown_share", "invalid"})
    BOOST_TEST(rejected[code] > 0, code);
}

BOOST_AUTO_TEST_SUITE_END()
