#include "services/tunnels/coordination/kv_replica.hpp"

#include <boost/test/unit_test.hpp>

#include <random>

using namespace storemesh::services::kv;

namespace {

constexpr std::int64_t s = 1'000'000'000;

template <class T>
std::error_code code_of(const storemesh::result<T>& r) {
  return r ? std::error_code{} : r.error().code;
}

/// Decides `c` on the replica's state and applies what it decided, as a
/// management server's tail would (offsets: 10 per revision).
std::vector<delivery> run(replica& r, const command& c) {
  auto d = decide(r.current(), c);
  BOOST_REQUIRE_MESSAGE(d.accepted(), (d.accepted() ? "" : d.why().code + ": " + d.why().reason));
  std::vector<delivery> out;
  for (const auto& e : d.events) {
    auto got = r.apply(r.rev() + 1, static_cast<std::int64_t>(r.rev() + 1) * 10, e);
    BOOST_REQUIRE(got.has_value());
    out.insert(out.end(), got.value().begin(), got.value().end());
  }
  return out;
}

change put_change(revision rev, std::string key, std::string value, revision created, std::uint64_t version,
                  lease_id lease = 0) {
  return change{rev, change_kind::put, std::move(key), std::move(value), created, version, lease};
}
change del_change(revision rev, std::string key) { return change{rev, change_kind::del, std::move(key), {}, 0, 0, 0}; }

} // namespace

BOOST_AUTO_TEST_SUITE(kv_replica_reads)

BOOST_AUTO_TEST_CASE(it_applies_events_in_sequence_and_says_how_far) {
  replica r;
  BOOST_TEST(r.rev() == 0u);
  BOOST_TEST(r.applied_offset() == -1);
  BOOST_REQUIRE(r.apply(1, 40, put_done{"a", "1", 0, 0}).has_value());
  BOOST_TEST(r.rev() == 1u);
  BOOST_TEST(r.applied_offset() == 40);
  r.advance_offset(45);  // a record of another entity
  BOOST_TEST(r.applied_offset() == 45);
  // Read again after a reconnect: nothing changes.
  BOOST_REQUIRE(r.apply(1, 40, put_done{"a", "other", 0, 0}).has_value());
  BOOST_TEST(r.get("a")->value == "1");
  BOOST_TEST(r.applied_offset() == 45);
  // A gap is an error, and applies nothing.
  BOOST_CHECK(code_of(r.apply(3, 50, put_done{"b", "", 0, 0})) == kv_errc::sequence_gap);
  BOOST_TEST(r.rev() == 1u);
  BOOST_TEST(r.get("b") == nullptr);
}

BOOST_AUTO_TEST_CASE(get_and_range_read_the_folded_state) {
  replica r;
  for (const char* key : {"b/2", "a", "b/1", "b0", "b/3"})
    run(r, put{key, key, 0, std::nullopt});
  BOOST_REQUIRE(r.get("b/1") != nullptr);
  BOOST_TEST(r.get("b/1")->mod_revision == 3u);
  BOOST_TEST(r.get("c") == nullptr);
  auto all = r.range("b/");
  BOOST_TEST(all.rev == 5u);
  BOOST_TEST(!all.more);
  BOOST_REQUIRE(all.kvs.size() == 3u);
  BOOST_TEST(all.kvs[0].first == "b/1");
  BOOST_TEST(all.kvs[2].first == "b/3");
  auto two = r.range("b/", 2);
  BOOST_TEST(two.kvs.size() == 2u);
  BOOST_TEST(two.more);
  BOOST_TEST(r.range("").kvs.size() == 5u);
  BOOST_TEST(r.range("b/", 3).more == false);
}

BOOST_AUTO_TEST_CASE(a_replica_from_a_snapshot_starts_at_its_revision) {
  replica live;
  run(live, put{"a", "1", 0, std::nullopt});
  run(live, put{"b", "2", 0, std::nullopt});
  auto r = replica::from_snapshot(live.current(), 20);
  BOOST_TEST(r.rev() == 2u);
  BOOST_TEST(r.applied_offset() == 20);
  BOOST_TEST(r.oldest_revision() == 3u);
  BOOST_CHECK(code_of(r.add_watch(1, {"a", false, 2})) == kv_errc::compacted);
  BOOST_REQUIRE(r.add_watch(1, {"a", false, 3}).has_value());
  BOOST_REQUIRE(r.apply(3, 30, put_done{"a", "x", 0, 1}).has_value());
  BOOST_TEST(r.get("a")->version == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(kv_replica_watches)

BOOST_AUTO_TEST_CASE(a_watch_gets_its_backlog_then_each_new_change) {
  replica r;
  run(r, put{"cfg/a", "1", 0, std::nullopt});  // 1
  run(r, put{"other", "x", 0, std::nullopt});  // 2
  run(r, put{"cfg/a", "2", 0, std::nullopt});  // 3
  auto backlog = r.add_watch(7, {"cfg/", true, 1});
  BOOST_REQUIRE(backlog.has_value());
  BOOST_CHECK(backlog.value() == (std::vector<change>{put_change(1, "cfg/a", "1", 1, 1), put_change(3, "cfg/a", "2", 1, 2)}));
  auto d = run(r, delete_key{"cfg/a", false, std::nullopt});  // 4
  BOOST_REQUIRE(d.size() == 1u);
  BOOST_TEST(d[0].watch == 7u);
  BOOST_CHECK(d[0].changes == std::vector<change>{del_change(4, "cfg/a")});
  BOOST_TEST(run(r, put{"other", "y", 0, std::nullopt}).empty());  // 5: not watched
}

BOOST_AUTO_TEST_CASE(a_watch_from_now_has_no_backlog_and_a_key_watch_sees_only_its_key) {
  replica r;
  run(r, put{"k", "1", 0, std::nullopt});
  auto backlog = r.add_watch(1, {"k", false, 0});
  BOOST_REQUIRE(backlog.has_value());
  BOOST_TEST(backlog.value().empty());
  BOOST_TEST(run(r, put{"k2", "x", 0, std::nullopt}).empty());
  auto d = run(r, put{"k", "2", 0, std::nullopt});
  BOOST_REQUIRE(d.size() == 1u);
  BOOST_CHECK(d[0].changes == std::vector<change>{put_change(3, "k", "2", 1, 2)});
}

BOOST_AUTO_TEST_CASE(a_watch_may_start_at_a_future_revision) {
  replica r;
  BOOST_REQUIRE(r.add_watch(1, {"k", false, 3}).has_value());
  BOOST_TEST(run(r, put{"k", "1", 0, std::nullopt}).empty());  // 1
  BOOST_TEST(run(r, put{"k", "2", 0, std::nullopt}).empty());  // 2
  BOOST_TEST(run(r, put{"k", "3", 0, std::nullopt}).size() == 1u);  // 3
}

BOOST_AUTO_TEST_CASE(expiry_and_revocation_are_deletes_to_watchers) {
  replica r;
  run(r, grant_lease{1, 10 * s, s});  // 1, until 11 s: no change for watchers
  run(r, put{"l/a", "", 1, std::nullopt});  // 2
  run(r, put{"l/b", "", 1, std::nullopt});  // 3
  auto backlog = r.add_watch(1, {"l/", true, 1});
  BOOST_REQUIRE(backlog.has_value());
  BOOST_TEST(backlog.value().size() == 2u);
  BOOST_CHECK(backlog.value()[0] == put_change(2, "l/a", "", 2, 1, 1));
  BOOST_TEST(run(r, keep_alive{1, 5 * s}).empty());  // 4, until 15 s
  BOOST_TEST(run(r, expire_leases{14 * s}).empty());  // not due: no event at all
  BOOST_TEST(r.rev() == 4u);
  auto d = run(r, expire_leases{15 * s});  // 5
  BOOST_REQUIRE(d.size() == 1u);
  BOOST_CHECK(d[0].changes == (std::vector<change>{del_change(5, "l/a"), del_change(5, "l/b")}));
}

BOOST_AUTO_TEST_CASE(a_watch_before_the_history_kept_is_told_compacted_and_where_to_start) {
  replica r(replica_limits{3, 1u << 20});
  for (int i = 0; i < 5; ++i)
    run(r, put{"k", std::to_string(i), 0, std::nullopt});
  BOOST_TEST(r.compact_revision() == 2u);
  BOOST_TEST(r.oldest_revision() == 3u);
  auto refused = r.add_watch(1, {"k", false, 2});
  BOOST_CHECK(code_of(refused) == kv_errc::compacted);
  BOOST_TEST(refused.error().detail.find("oldest available is 3") != std::string::npos, refused.error().detail);
  auto backlog = r.add_watch(1, {"k", false, 3});
  BOOST_REQUIRE(backlog.has_value());
  BOOST_TEST(backlog.value().size() == 3u);
  BOOST_TEST(backlog.value().front().mod_revision == 3u);
}

BOOST_AUTO_TEST_CASE(the_history_is_bounded_in_bytes_too) {
  replica r(replica_limits{1000, 100 * 1024});
  const std::string value(max_value_bytes, 'v');
  for (int i = 0; i < 10; ++i)
    run(r, put{"k", value, 0, std::nullopt});
  BOOST_TEST(r.history().size() < 10u);
  BOOST_TEST(r.history().size() >= 1u);
  BOOST_TEST(r.compact_revision() + r.history().size() == r.rev());
}

BOOST_AUTO_TEST_CASE(watch_ids_are_unique_keys_valid_and_a_cancelled_watch_gets_nothing) {
  replica r;
  BOOST_REQUIRE(r.add_watch(1, {"k", false, 0}).has_value());
  BOOST_CHECK(code_of(r.add_watch(1, {"j", false, 0})) == kv_errc::duplicate_watch);
  BOOST_CHECK(code_of(r.add_watch(2, {"", false, 0})) == kv_errc::bad_watch);
  BOOST_CHECK(code_of(r.add_watch(2, {"\xff", true, 0})) == kv_errc::bad_watch);
  BOOST_REQUIRE(r.add_watch(3, {"", true, 0}).has_value());  // every key
  BOOST_TEST(r.cancel_watch(3));
  BOOST_TEST(r.cancel_watch(1));
  BOOST_TEST(!r.cancel_watch(1));
  BOOST_TEST(r.watches() == 0u);
  BOOST_TEST(run(r, put{"k", "1", 0, std::nullopt}).empty());
}

BOOST_AUTO_TEST_CASE(a_watch_survives_a_refold_and_gets_what_it_was_not_given_once) {
  // A server's reader fails and folds the log again from the start: its
  // watches are carried over and resume after what was handed on (rev 2),
  // even though the failed reader had applied further (rev 4: the deliveries
  // of 3 and 4 were lost with it).
  std::vector<event> log;
  replica r;
  BOOST_REQUIRE(r.add_watch(5, {"w/", true, 0}).has_value());
  for (const char* v : {"1", "2", "3", "4"}) {
    auto d = decide(r.current(), put{"w/k", v, 0, std::nullopt});
    BOOST_REQUIRE(d.accepted());
    log.push_back(d.events.at(0));
    BOOST_REQUIRE(r.apply(r.rev() + 1, 0, log.back()).has_value());
  }
  BOOST_REQUIRE(r.rev() == 4u);

  auto again = r.refold(2);
  BOOST_TEST(again.rev() == 0u);
  BOOST_TEST(again.watches() == 1u);
  std::vector<change> got;
  for (std::size_t i = 0; i < log.size(); ++i) {
    auto d = again.apply(i + 1, static_cast<std::int64_t>(i), log[i]);
    BOOST_REQUIRE(d.has_value());
    for (auto& x : d.value()) {
      BOOST_TEST(x.watch == 5u);
      got.insert(got.end(), x.changes.begin(), x.changes.end());
    }
  }
  BOOST_REQUIRE(got.size() == 2u);
  BOOST_TEST(got[0].mod_revision == 3u);
  BOOST_TEST(got[0].value == "3");
  BOOST_TEST(got[1].mod_revision == 4u);
  // A watch that starts later than what was delivered keeps its own start.
  replica late;
  BOOST_REQUIRE(late.add_watch(1, {"w/", true, 4}).has_value());
  auto late_again = late.refold(1);
  for (std::size_t i = 0; i < 3; ++i)
    BOOST_TEST(late_again.apply(i + 1, 0, log[i]).value().empty());
  BOOST_TEST(late_again.apply(4, 0, log[3]).value().size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

// -- property: random commands; the replica never diverges; watches miss nothing ----

BOOST_AUTO_TEST_SUITE(kv_replica_property)

namespace {

const std::vector<std::string> keys{"a", "a/1", "a/2", "b", "b/x", "c"};

command random_command(std::mt19937_64& rng, const state& st, std::int64_t& now) {
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  now += static_cast<std::int64_t>(pick(3)) * s;
  const auto key = keys[pick(keys.size())];
  const lease_id lease = pick(3) == 0 ? 0 : 1 + pick(4);
  switch (pick(8)) {
    case 0:
    case 1: return put{key, std::to_string(rng() % 1000), pick(2) ? lease : 0, std::nullopt};
    case 2: {  // a compare that holds half the time
      auto it = st.keys.find(key);
      revision actual = it == st.keys.end() ? 0 : it->second.mod_revision;
      return put{key, "cas", 0, pick(2) ? actual : actual + 1};
    }
    case 3: return delete_key{pick(2) ? key : key.substr(0, 1), pick(2) == 0, std::nullopt};
    case 4: return grant_lease{lease == 0 ? 1 : lease, static_cast<std::int64_t>(1 + pick(5)) * s, now};
    case 5: return keep_alive{lease, now};
    case 6: return revoke_lease{lease};
    default: return expire_leases{now};
  }
}

/// What a watcher must see, derived from the events alone (not from the
/// replica's code): the keys each event touched, in revision order.
struct expected_change {
  revision rev;
  change_kind kind;
  std::string key;
  std::string value;
  friend bool operator==(const expected_change& a, const expected_change& b) {
    return a.rev == b.rev && a.kind == b.kind && a.key == b.key && a.value == b.value;
  }
};

void expect(std::vector<expected_change>& out, revision rev, const event& e) {
  std::visit(storemesh::services::overloaded{
                 [&](const put_done& p) { out.push_back({rev, change_kind::put, p.key, p.value}); },
                 [&](const deleted& d) {
                   for (const auto& k : d.keys)
                     out.push_back({rev, change_kind::del, k, ""});
                 },
                 [&](const lease_granted&) {},
                 [&](const lease_renewed&) {},
                 [&](const lease_revoked& x) {
                   for (const auto& k : x.keys)
                     out.push_back({rev, change_kind::del, k, ""});
                 },
                 [&](const leases_expired& x) {
                   for (const auto& k : x.keys)
                     out.push_back({rev, change_kind::del, k, ""});
                 },
             },
             e);
}

struct watcher {
  watch_spec spec;
  std::vector<change> seen;
};

} // namespace

BOOST_AUTO_TEST_CASE(replica_equals_decider_state_and_watches_see_every_change_in_order) {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      std::mt19937_64 rng(seed);
      state decider;  // what the entity actor holds
      replica r(replica_limits{64, 1u << 20});
      std::vector<expected_change> all;  // every change, from the events
      std::map<watch_id, watcher> watchers;
      std::int64_t now = s;
      watch_id next_watch = 1;
      std::size_t accepted = 0;
      for (int step = 0; step < 400; ++step) {
        // Now and then a watch joins, from a revision the history still holds.
        if (rng() % 20 == 0) {
          watch_spec spec{keys[rng() % keys.size()], rng() % 2 == 0, 0};
          if (rng() % 5 == 0)
            spec = watch_spec{"", true, 0};  // every key
          if (rng() % 2 && r.rev() > 0)
            spec.start_revision = r.oldest_revision() + rng() % (r.rev() - r.oldest_revision() + 1);
          auto backlog = r.add_watch(next_watch, spec);
          BOOST_REQUIRE(backlog.has_value());
          if (spec.start_revision == 0)
            spec.start_revision = r.rev() + 1;  // "from now"
          watchers[next_watch++] = watcher{spec, backlog.value()};
        }
        if (rng() % 50 == 0 && !watchers.empty()) {
          // a watch too old for the history is refused, never served with a hole
          if (r.compact_revision() > 0)
            BOOST_CHECK(code_of(r.add_watch(999'999, {"a", true, r.compact_revision()})) == kv_errc::compacted);
        }
        const auto c = random_command(rng, decider, now);
        const auto d = decide(decider, c);
        if (!d.accepted())
          continue;
        ++accepted;
        for (const auto& e : d.events) {
          decider = evolve(decider, e);
          expect(all, decider.rev, e);
          auto delivered = r.apply(decider.rev, static_cast<std::int64_t>(decider.rev) * 3, e);
          BOOST_REQUIRE(delivered.has_value());
          for (auto& dl : delivered.value()) {
            auto& w = watchers.at(dl.watch);
            w.seen.insert(w.seen.end(), dl.changes.begin(), dl.changes.end());
          }
        }
        BOOST_REQUIRE(r.current() == decider);
      }
      BOOST_TEST(accepted > 100u);
      // Snapshots keep it all: a replica from the decider's state serialised equals it.
      BOOST_CHECK(replica::from_snapshot(decider, 0).current() == decider);
      for (const auto& [id, w] : watchers) {
        const revision start = w.spec.start_revision;
        std::vector<expected_change> want;
        for (const auto& x : all)
          if (x.rev >= start && (w.spec.prefix ? x.key.rfind(w.spec.key, 0) == 0 : x.key == w.spec.key))
            want.push_back(x);
        std::vector<expected_change> got;
        for (const auto& c : w.seen)
          got.push_back({c.mod_revision, c.kind, c.key, c.value});
        BOOST_CHECK_MESSAGE(got == want, "watch " << id << " saw " << got.size() << " changes, expected "
                                                  << want.size());
        for (std::size_t i = 1; i < w.seen.size(); ++i)
          BOOST_CHECK(w.seen[i - 1].mod_revision < w.seen[i].mod_revision ||
                      (w.seen[i - 1].mod_revision == w.seen[i].mod_revision && w.seen[i - 1].key < w.seen[i].key));
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
