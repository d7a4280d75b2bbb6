// The preference model on small histories whose answer is known: a daily
// request, co-requests, decay, the horizon, ties, a group with no history.
#include "services/delivery/planning/preference.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <random>

using namespace storemesh::services::delivery::planning;

namespace {

constexpr std::int64_t day = ns_per_day;
constexpr std::int64_t now = 1000 * day;

std::vector<std::string> names(const std::vector<prediction>& ps) {
  std::vector<std::string> out;
  for (const auto& p : ps)
    out.push_back(p.content);
  return out;
}

/// Noise: `groups` other groups, each requesting `per` random contents of `pool` over the last 30 days.
void add_noise(std::vector<request>& h, int groups, int per, int pool, unsigned seed = 7) {
  std::mt19937 rng(seed);
  for (int g = 0; g < groups; ++g)
    for (int r = 0; r < per; ++r)
      h.push_back({"n" + std::to_string(g), "x" + std::to_string(rng() % pool), now - static_cast<std::int64_t>(rng() % 30) * day});
}

} // namespace

BOOST_AUTO_TEST_SUITE(delivery_preference)

BOOST_AUTO_TEST_CASE(a_group_that_requests_a_content_daily_is_predicted_that_content) {
  std::vector<request> h;
  add_noise(h, 50, 20, 40);
  for (int d = 0; d < 30; ++d)
    h.push_back({"daily", "a", now - d * day});
  h.push_back({"daily", "x3", now - 20 * day});  // one other content, once, long ago
  const preference_index idx(h, {}, now);
  BOOST_REQUIRE(idx.error().empty());
  const auto p = idx.predict("daily", 3);
  BOOST_REQUIRE(!p.empty());
  BOOST_TEST(p[0].content == "a");
  BOOST_TEST(p[0].why == "requested 30x, last 0 min ago");
  BOOST_TEST(p[0].score > 5);  // sum of 2^(-d/7) for d in 0..29 is about 10
}

BOOST_AUTO_TEST_CASE(contents_co_requested_by_peers_are_predicted_with_the_peer_count) {
  std::vector<request> h;
  add_noise(h, 30, 10, 200);
  for (int g = 0; g < 7; ++g) {  // seven groups requested both X and Y
    h.push_back({"peer" + std::to_string(g), "X", now - 3 * day});
    h.push_back({"peer" + std::to_string(g), "Y", now - 2 * day});
  }
  h.push_back({"peerZ", "X", now - 3 * day});  // one requested X alone
  h.push_back({"me", "X", now - day});
  const preference_index idx(h, {}, now);
  const auto p = idx.predict("me", 2);
  BOOST_REQUIRE(p.size() == 2);
  BOOST_TEST(p[0].content == "X");
  BOOST_TEST(p[1].content == "Y");
  BOOST_TEST(p[1].why == "co-requested with X by 7 groups");
  // co(me, Y) = a(me, X) * lift(X, Y) = 1 * (n(X, Y) / n(X) - n(Y) / G), n(X) = 9 (me, seven peers, peerZ)
  const double G = idx.groups();
  const double expected = 1.0 * (7.0 / 9 - 7 / G);
  const double prior = 0.05 * 7 / G;
  BOOST_TEST(p[1].score == expected + prior, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(a_recent_burst_beats_an_older_larger_one) {
  std::vector<request> h;
  for (int i = 0; i < 10; ++i)
    h.push_back({"g", "old", now - 60 * day - i});
  for (int i = 0; i < 5; ++i)
    h.push_back({"g", "new", now - 1 * day - i});
  BOOST_TEST(names(preference_index(h, {}, now).predict("g", 2)) == (std::vector<std::string>{"new", "old"}));
  // the control: without decay (a half-life far longer than the history) the larger burst wins,
  // so the order above is the decay's doing
  model_settings flat;
  flat.half_life_ns = 100'000 * day;
  BOOST_TEST(names(preference_index(h, flat, now).predict("g", 2)) == (std::vector<std::string>{"old", "new"}));
}

BOOST_AUTO_TEST_CASE(requests_outside_the_horizon_or_after_now_do_not_count) {
  model_settings s;
  s.horizon_ns = 30 * day;
  std::vector<request> h = {{"g", "ancient", now - 31 * day}, {"g", "future", now + 1}, {"g", "kept", now - 29 * day}};
  const preference_index idx(h, s, now);
  BOOST_TEST(idx.requests() == 1u);
  BOOST_TEST(names(idx.predict("g", 5)) == (std::vector<std::string>{"kept"}));
}

BOOST_AUTO_TEST_CASE(equal_scores_are_ordered_by_name_whatever_the_input_order) {
  std::vector<request> h = {{"g", "b", now - day}, {"g", "c", now - day}, {"g", "a", now - day}};
  std::vector<std::string> first;
  for (int round = 0; round < 6; ++round) {
    std::next_permutation(h.begin(), h.end(), [](const request& x, const request& y) { return x.content < y.content; });
    const auto got = names(preference_index(h, {}, now).predict("g", 3));
    BOOST_TEST(got == (std::vector<std::string>{"a", "b", "c"}));
  }
}

BOOST_AUTO_TEST_CASE(a_group_without_history_gets_the_most_requested_contents) {
  std::vector<request> h;
  for (int g = 0; g < 5; ++g)
    h.push_back({"g" + std::to_string(g), "hit", now - day});
  h.push_back({"g0", "niche", now - day});
  const preference_index idx(h, {}, now);
  const auto p = idx.predict("newcomer", 2);
  BOOST_REQUIRE(p.size() == 2);
  BOOST_TEST(p[0].content == "hit");
  BOOST_TEST(p[0].why == "requested by 5 of 5 groups");
  BOOST_TEST(p[1].content == "niche");
  // with no prior there is nothing to say about a newcomer
  model_settings none;
  none.prior_weight = 0;
  BOOST_TEST(preference_index(h, none, now).predict("newcomer", 2).empty());
}

BOOST_AUTO_TEST_CASE(the_baseline_is_global_decayed_popularity) {
  std::vector<request> h = {{"a", "p", now}, {"b", "p", now}, {"a", "q", now}, {"a", "q", now - 7 * day},
                            {"c", "r", now - 70 * day}};
  const auto p = preference_index(h, {}, now).popular(3);
  BOOST_TEST(names(p) == (std::vector<std::string>{"p", "q", "r"}));  // 2 > 1.5 > 2^-10
}

BOOST_AUTO_TEST_CASE(bad_settings_are_refused_with_why) {
  model_settings s;
  s.half_life_ns = 0;
  BOOST_TEST(check_settings(s) == "half-life must be > 0");
  const preference_index idx({{"g", "c", now}}, s, now);
  BOOST_TEST(idx.error() == "half-life must be > 0");
  BOOST_TEST(idx.predict("g", 3).empty());
  s = {};
  s.co_weight = -1;
  BOOST_TEST(!check_settings(s).empty());
  s = {};
  s.neighbours = 0;
  BOOST_TEST(!check_settings(s).empty());
  BOOST_TEST(check_settings(model_settings{}).empty());
}

BOOST_AUTO_TEST_SUITE_END()
