// The rebalancing reactions: given an event and the fleet, which commands.
#include "services/gateway/reactions.hpp"
#include "services/gateway/rebalancer_codec.hpp"
#include "services/host/host_codec.hpp"
#include "services/migration/copy_job_codec.hpp"

#include <boost/test/unit_test.hpp>
#include <capnp/message.h>

namespace rb = storemesh::services::rebalancer;
namespace cj = storemesh::services::copy_job;
namespace host = storemesh::services::host;
namespace fleet = storemesh::services::fleet;
using storemesh::schema::Envelope;
using storemesh::services::issued_command;

namespace {

constexpr std::int64_t sec = 1'000'000'000;
constexpr std::int64_t t0 = 1'000'000 * sec;

template <class Entity>
std::vector<issued_command> reaction(const std::string& id, const typename Entity::event_type& e,
                                     const fleet::view& f, std::int64_t stamped = t0) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<Envelope>();
  env.setTimestampNs(stamped);
  Entity::write_event(e, env);
  return rb::react(Entity::kind, id, env.asReader(), f);
}

template <class Entity>
typename Entity::command_type decode(const issued_command& c) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<Envelope>();
  c.write(env);
  auto back = Entity::read_command(env.asReader());
  BOOST_REQUIRE(back.has_value());
  return back.value();
}

host::load_reported report_at(std::int64_t at) {
  host::load_report r;
  r.at_ns = at;
  r.interval_ns = sec;
  return host::load_reported{r};
}

fleet::view with_gateway(host::site where = host::site::primary) {
  fleet::view f;
  f.hosts["gw-a"].site = where;
  f.hosts["gw-a"].datastores = {{"src", "/s"}};
  return f;
}

} // namespace

BOOST_AUTO_TEST_SUITE(rebalancing_reactions)

BOOST_AUTO_TEST_CASE(a_plan_becomes_one_migration_per_move) {
  const rb::planned p{4, {{"j1", "gw-a", "gw-b", 12.5}, {"j2", "gw-a", "gw-c", 12.5}}, 0.9, 0.1, ""};
  const auto issued = reaction<rb::entity>("primary", p, {});
  BOOST_REQUIRE_EQUAL(issued.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    BOOST_TEST(issued[i].kind == "copy_job");
    BOOST_TEST(issued[i].id == p.moves[i].workload);
    const auto c = std::get<cj::migrate>(decode<cj::entity>(issued[i]));
    BOOST_TEST(c.to == p.moves[i].to);
    BOOST_TEST(c.reason == rb::move_reason("primary", 4, "gw-a", p.moves[i].to));
  }
  BOOST_TEST(reaction<rb::entity>("primary", rb::below_threshold{0.1, 0.25}, {}).empty());
}

BOOST_AUTO_TEST_CASE(a_fresh_load_report_asks_for_the_scheduled_evaluation_once_it_is_due) {
  auto f = with_gateway();
  // Never evaluated: due at once, at the report's time.
  auto issued = reaction<host::entity>("gw-a", report_at(t0), f);
  BOOST_REQUIRE_EQUAL(issued.size(), 1u);
  BOOST_TEST(issued[0].kind == "rebalancer");
  BOOST_TEST(issued[0].id == "primary");
  const auto c = std::get<rb::evaluate>(decode<rb::entity>(issued[0]));
  BOOST_CHECK(c.why == rb::trigger::scheduled);
  BOOST_TEST(c.at_ns == t0);
  BOOST_TEST(c.site == "primary");
  // Evaluated at t0 with the default 30 s interval: not before t0 + 30 s.
  f.rebalancers["primary"].evaluations = 1;
  f.rebalancers["primary"].last_evaluated_ns = t0;
  BOOST_TEST(reaction<host::entity>("gw-a", report_at(t0 + 29 * sec), f).empty());
  BOOST_TEST(reaction<host::entity>("gw-a", report_at(t0 + 30 * sec), f).size() == 1u);
  // Scheduling off.
  f.rebalancers["primary"].config.interval_ns = 0;
  BOOST_TEST(reaction<host::entity>("gw-a", report_at(t0 + 90 * sec), f).empty());
}

BOOST_AUTO_TEST_CASE(a_recovery_gateway_asks_the_recovery_rebalancer) {
  auto issued = reaction<host::entity>("gw-a", report_at(t0), with_gateway(host::site::recovery));
  BOOST_REQUIRE_EQUAL(issued.size(), 1u);
  BOOST_TEST(issued[0].id == "recovery");
}

BOOST_AUTO_TEST_CASE(other_host_events_and_plain_hosts_ask_nothing) {
  auto f = with_gateway(host::site::none);
  BOOST_TEST(reaction<host::entity>("gw-a", report_at(t0), f).empty());
  BOOST_TEST(reaction<host::entity>("gw-a", host::state_changed{host::host_state::up, host::host_state::down, ""},
                                    with_gateway())
                 .empty());
  BOOST_TEST(reaction<host::entity>("unknown", report_at(t0), f).empty());
}

BOOST_AUTO_TEST_CASE(the_job_of_a_planned_move_reports_back_when_it_resumed_or_ended) {
  fleet::view f;
  f.rebalancers["primary"].pending = {"j1"};
  auto issued = reaction<cj::entity>("j1", cj::assigned{"gw-b", 2, 8192, 1}, f, t0 + sec);
  BOOST_REQUIRE_EQUAL(issued.size(), 1u);
  BOOST_TEST(issued[0].id == "primary");
  const auto m = std::get<rb::observe_moved>(decode<rb::entity>(issued[0]));
  BOOST_TEST(m.job == "j1");
  BOOST_TEST(m.to == "gw-b");
  BOOST_TEST(m.at_ns == t0 + sec);  // the event's own time: the same on a replay
  const auto ended = reaction<cj::entity>("j1", cj::completed{{}, 1}, f);
  BOOST_REQUIRE_EQUAL(ended.size(), 1u);
  BOOST_TEST(std::get<rb::observe_ended>(decode<rb::entity>(ended[0])).completed);
  const auto failed = reaction<cj::entity>("j1", cj::failed{"disk_full", "x", 0}, f);
  BOOST_REQUIRE_EQUAL(failed.size(), 1u);
  BOOST_TEST(!std::get<rb::observe_ended>(decode<rb::entity>(failed[0])).completed);
  // Request 1 is no move; a job no rebalancer moves is none of its business.
  BOOST_TEST(reaction<cj::entity>("j1", cj::assigned{"gw-a", 1, 0, 0}, f).empty());
  BOOST_TEST(reaction<cj::entity>("j2", cj::assigned{"gw-b", 2, 8192, 1}, f).empty());
  BOOST_TEST(reaction<cj::entity>("j1", cj::progressed{8192, {}}, f).empty());
}

BOOST_AUTO_TEST_SUITE_END()
