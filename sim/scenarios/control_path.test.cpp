#include "services/control_path/storage_system_codec.hpp"
#include "sim/scenarios/direct_world.hpp"
#include "sim/scenarios/follow_entity.hpp"
#include "sim/scenarios/says.hpp"
#include "sim/test_records.hpp"
#include "sim/scenarios/scenarios.hpp"

#include <boost/test/unit_test.hpp>


#include <map>

using namespace storemesh;
namespace st = services::storage;
namespace ch = services::control_host;
namespace sim = storemesh::sim;
using sim::testing::says;

namespace {

const std::string rq1(16, '\x01'), rq2(16, '\x02');
const std::string cdb6("\x12\x00\x00\x00\x60\x00", 6);

/// array1's events as the runtime writes them.
struct history {
  sim::test_log log;
  sim::testing::test_records records;

  history& then(const st::event& e) {
    records.event<st::entity>(log, "array1", e);
    return *this;
  }

  std::optional<std::string> check() { return sim::make_control_path_scenario()->check(log); }
};

/// array1 added and linked at host-b.
history linked_at_b() {
  history h;
  h.then(st::added{"/run/sim/array1.fc"}).then(st::linked{"host-b", ""});
  return h;
}

st::converted converted(const std::string& rq, std::uint16_t ox, const std::string& host = "host-b") {
  return st::converted{rq, ox, host, "host-a", "inquiry", 0, cdb6, 10};
}

std::vector<std::string> commands_of(std::uint64_t seed, std::uint64_t steps) {
  auto s = sim::make_control_path_scenario();
  const auto run = sim::testing::issued_unanswered<st::entity, ch::entity>(*s, seed, steps);
  BOOST_TEST(run.all_decode);
  return run.written;
}

} // namespace

BOOST_AUTO_TEST_SUITE(control_path_scenario_check)

BOOST_AUTO_TEST_CASE(a_forwarded_request_converted_and_answered_at_the_linked_host_passes) {
  auto h = linked_at_b();
  h.then(st::forwarded{rq1, "host-a", "host-b", "inquiry", 5}).then(converted(rq1, 0));
  h.then(converted(rq2, 1)).then(st::answered{rq1, 0, {}, 20}).then(st::failed{rq2, 1, true, "unknown", 30});
  h.then(st::linked{"host-c", "host-b"}).then(converted(std::string(16, '\x03'), 0, "host-c"));
  BOOST_TEST(!h.check().has_value(), h.check().value_or(""));
}

BOOST_AUTO_TEST_CASE(a_conversion_by_a_host_without_the_link_is_found) {
  auto h = linked_at_b();
  h.then(st::linked{"host-c", "host-b"}).then(converted(rq1, 0, "host-b"));
  BOOST_TEST(says(h.check(), "the FC link is at 'host-c'"));
}

BOOST_AUTO_TEST_CASE(a_conversion_on_a_system_never_added_is_found) {
  history h;
  h.then(converted(rq1, 0, ""));
  BOOST_REQUIRE(h.check().has_value());
}

BOOST_AUTO_TEST_CASE(a_forward_to_a_host_without_the_link_is_found) {
  auto h = linked_at_b();
  h.then(st::forwarded{rq1, "host-a", "host-c", "inquiry", 5});
  BOOST_TEST(says(h.check(), "forwarded to host-c"));
}

BOOST_AUTO_TEST_CASE(a_request_converted_twice_is_found_even_after_its_exchange_closed) {
  auto h = linked_at_b();
  h.then(converted(rq1, 0)).then(st::answered{rq1, 0, {}, 20}).then(converted(rq1, 1));
  BOOST_TEST(says(h.check(), "converted twice"));
}

BOOST_AUTO_TEST_CASE(an_ox_id_held_twice_is_found) {
  auto h = linked_at_b();
  h.then(converted(rq1, 4)).then(converted(rq2, 4));
  BOOST_TEST(says(h.check(), "which the open exchange"));
}

BOOST_AUTO_TEST_CASE(two_outcomes_for_one_exchange_are_found) {
  auto h = linked_at_b();
  h.then(converted(rq1, 0)).then(st::answered{rq1, 0, {}, 20}).then(st::failed{rq1, 0, true, "late", 30});
  BOOST_TEST(says(h.check(), "failed, but no exchange"));
}

BOOST_AUTO_TEST_CASE(an_answer_under_another_ox_id_is_found) {
  auto h = linked_at_b();
  h.then(converted(rq1, 0)).then(st::answered{rq1, 1, {}, 20});
  BOOST_REQUIRE(h.check().has_value());
}

BOOST_AUTO_TEST_CASE(a_link_that_misstates_where_it_moved_from_is_found) {
  auto h = linked_at_b();
  h.then(st::linked{"host-c", "host-a"});
  BOOST_REQUIRE(h.check().has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(control_path_scenario_agents)

BOOST_AUTO_TEST_CASE(its_commands_decode_and_a_seed_replays_them) {
  const auto a = commands_of(5, 80), b = commands_of(5, 80), c = commands_of(6, 80);
  BOOST_TEST(a.size() >= 7u);  // three attaches, two adds, two links at least
  BOOST_TEST(a == b);
  BOOST_TEST(a != c);
}

BOOST_AUTO_TEST_CASE(runs_against_the_real_deciders_break_no_invariant) {
  std::map<std::string, std::size_t> codes;
  std::size_t answered = 0, forwarded = 0;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    sim::testing::direct_world w;
    w.host<st::entity, ch::entity>();
    auto s = sim::make_control_path_scenario();
    const auto v = w.run(*s, seed, 200);
    BOOST_TEST(!v.has_value(), "seed " << seed << ": " << v.value_or(""));
    for (const auto& [code, n] : w.rejected)
      codes[code] += n;
    sim::follow_entity<st::entity>().poll(w.log, [&](const std::string&, const st::event& e) {
      answered += std::holds_alternative<st::answered>(e);
      forwarded += std::holds_alternative<st::forwarded>(e);
    });
  }
  for (const auto& [code, n] : codes)
    BOOST_TEST_MESSAGE("refused " << code << ": " << n);
  BOOST_TEST_MESSAGE("answered " << answered << ", forwarded " << forwarded);
  BOOST_TEST(answered > 100u);
  BOOST_TEST(forwarded > 50u);
  for (const char* code : {"not_linked", "unknown_storage", "invalid", "unknown_exchange", "already_added"})
    BOOST_TEST(codes.count(code), code);
}

// Commands lost, delayed and overtaken: the agents re-ask, the deciders
// refuse what came too late, and no invariant breaks.
BOOST_AUTO_TEST_CASE(runs_with_lost_and_delayed_commands_break_no_invariant) {
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    sim::testing::direct_world w;
    w.host<st::entity, ch::entity>();
    auto s = sim::make_control_path_scenario();
    const auto v = w.run(*s, seed, 200, true);
    BOOST_TEST(!v.has_value(), "seed " << seed << ": " << v.value_or(""));
  }
}

BOOST_AUTO_TEST_SUITE_END()
