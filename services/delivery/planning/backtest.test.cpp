// The back-test: numbers computed by hand on a tiny history, and numbers that
// can fail: the model beats global popularity on a structured history, and
// the same requests with the structure shuffled away score worse.
#include "services/delivery/planning/backtest.hpp"
#include "services/delivery/planning/synthetic_history.hpp"

#include <boost/test/unit_test.hpp>

#include <random>

using namespace storemesh::services::delivery::planning;

namespace {

constexpr std::int64_t day = ns_per_day;

std::vector<request> structured(std::uint64_t seed) {
  synthetic_options o;
  o.groups = 300;
  o.contents = 3000;
  o.edges = 1;
  o.requests = 30'000;
  o.clusters = 30;
  o.seed = seed;
  return make_fleet(o).history;
}

} // namespace

BOOST_AUTO_TEST_SUITE(delivery_backtest)

BOOST_AUTO_TEST_CASE(precision_and_recall_are_counted_over_the_held_out_part) {
  // 10 requests; the last 2 (20 %) held out: a asks for x again (a hit) and for z (a miss)
  std::vector<request> h;
  for (int d = 0; d < 5; ++d)
    h.push_back({"a", "x", d * day});
  for (int d = 0; d < 3; ++d)
    h.push_back({"b", "y", d * day});
  h.push_back({"a", "x", 10 * day});
  h.push_back({"a", "z", 11 * day});
  backtest_settings s;
  s.top_n = 1;
  const auto r = backtest(h, s);
  BOOST_REQUIRE(r.refused.empty());
  BOOST_TEST(r.split_ns == 10 * day);
  BOOST_TEST(r.fit_requests == 8u);
  BOOST_TEST(r.held_out_requests == 2u);
  BOOST_TEST(r.groups == 1u);
  // the model predicts x for a: 1 hit of 1 predicted, of 2 actual (x, z)
  BOOST_TEST(r.model.hits == 1u);
  BOOST_TEST(r.model.precision == 1.0);
  BOOST_TEST(r.model.recall == 0.5);
  // global popularity: x (5 requests) beats y (3): the same for a
  BOOST_TEST(r.baseline.hits == 1u);
}

BOOST_AUTO_TEST_CASE(the_model_beats_global_popularity_on_a_structured_history) {
  backtest_settings s;
  s.top_n = 5;
  const auto r = backtest(structured(3), s);
  BOOST_REQUIRE(r.refused.empty());
  BOOST_TEST(r.groups > 250u);
  BOOST_TEST_MESSAGE("model precision " << r.model.precision << " recall " << r.model.recall << "; baseline "
                                        << r.baseline.precision << " / " << r.baseline.recall);
  BOOST_TEST(r.model.precision > 1.5 * r.baseline.precision);
  BOOST_TEST(r.model.recall > 1.5 * r.baseline.recall);
}

BOOST_AUTO_TEST_CASE(a_shuffled_history_scores_worse_than_the_structured_one) {
  const auto h = structured(4);
  // the same times, groups and contents, but each request's content drawn from another request:
  // popularity stays, every group's taste is gone
  auto shuffled = h;
  std::vector<std::string> contents;
  for (const auto& q : h)
    contents.push_back(q.content);
  std::shuffle(contents.begin(), contents.end(), std::mt19937(5));
  for (std::size_t i = 0; i < shuffled.size(); ++i)
    shuffled[i].content = contents[i];
  backtest_settings s;
  const auto a = backtest(h, s), b = backtest(shuffled, s);
  BOOST_REQUIRE(a.refused.empty());
  BOOST_REQUIRE(b.refused.empty());
  BOOST_TEST_MESSAGE("structured " << a.model.precision << " shuffled " << b.model.precision);
  BOOST_TEST(b.model.precision < a.model.precision / 2);
  BOOST_TEST(b.model.recall < a.model.recall / 2);
}

BOOST_AUTO_TEST_CASE(a_history_that_cannot_be_split_or_bad_settings_are_refused) {
  BOOST_TEST(!backtest({}, {}).refused.empty());
  BOOST_TEST(!backtest({{"g", "c", 5}, {"g", "d", 5}}, {}).refused.empty());
  backtest_settings s;
  s.holdout = 1;
  BOOST_TEST(backtest({{"g", "c", 5}, {"g", "d", 6}}, s).refused == "holdout must be in (0, 1)");
}

BOOST_AUTO_TEST_SUITE_END()
