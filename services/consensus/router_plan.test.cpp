// The router process's decisions, given / when / then: given the log (a
// network's topology entity and the router entities, folded by the deciders'
// own evolve) and what the process holds, then the steps it takes.
#include "services/consensus/router_plan.hpp"

#include <boost/test/unit_test.hpp>

namespace cs = storemesh::services::consensus;
namespace tp = storemesh::services::topology;
namespace rt = storemesh::services::router;

namespace {

const std::string c0 = "bafkreihpb36r7vjbea76wqwgcmctd7f2mopjh5cxfj2z6avey3aziswqcm";
const std::string c1 = "bafkreib3oadtdvqdt2e32jy76aso5kxhkxy6rpph2k4uzyykeg4exny3uq";
const std::string c2 = "bafkreihrheppn53y37wt7lo3ecljuz7ratlqismlvcwro7squf5vgrqy7m";
constexpr std::int64_t second = 1'000'000'000;

/// The log: three routers r1..r3 registered and enrolled in "default".
struct given_log {
  tp::state topology = tp::initial;
  std::map<std::string, rt::state> routers;

  given_log() {
    for (int i = 1; i <= 3; ++i) {
      const auto n = "r" + std::to_string(i);
      routers[n] = rt::evolve(rt::initial, rt::registered{{"127.0.0.1:710" + std::to_string(i),
                                                           "127.0.0.1:810" + std::to_string(i), "default"}});
      topology = tp::evolve(std::move(topology), tp::enrolled{n});
    }
  }
  given_log& with(const tp::event& e) {
    topology = tp::evolve(std::move(topology), e);
    return *this;
  }
  given_log& announced(const std::string& router, const std::string& cid, std::uint64_t epoch) {
    routers[router] = rt::evolve(routers[router], rt::announced{cid, epoch, 1});
    return *this;
  }
  [[nodiscard]] std::vector<cs::plan_step> then_for(const cs::router_facts& f) const {
    return cs::plan_router(cs::network_view{topology, routers}, f);
  }
};

cs::router_facts r1_facts() {
  cs::router_facts f;
  f.self = "r1";
  f.network = "default";
  f.now_ns = 100 * second;
  return f;
}

/// r1 runs `cid` at `epoch`, installed at 90 s, stamping it.
cs::router_facts r1_running(const std::string& cid, std::uint64_t epoch) {
  auto f = r1_facts();
  f.running = true;
  f.running_cid = cid;
  f.running_epoch = epoch;
  f.installed_at_ns = 90 * second;
  f.stamping = epoch;
  f.running_names = {"r1", "r2", "r3"};
  return f;
}

template <class T>
std::vector<T> only(const std::vector<cs::plan_step>& steps) {
  std::vector<T> out;
  for (const auto& s : steps)
    if (const auto* x = std::get_if<T>(&s))
      out.push_back(*x);
  return out;
}

tp::proposed proposal(const std::string& id, const std::string& cid, const std::string& proposer,
                      const std::string& base, std::int64_t deadline) {
  return tp::proposed{id, cid, proposer, base, deadline};
}

} // namespace

BOOST_AUTO_TEST_SUITE(router_plan)

BOOST_AUTO_TEST_CASE(with_nothing_agreed_a_router_seeds_its_file_and_runs_it_as_epoch_0) {
  auto f = r1_facts();
  f.own_cid = c0;
  auto steps = given_log{}.then_for(f);
  BOOST_REQUIRE_EQUAL(steps.size(), 2u);
  BOOST_REQUIRE(std::holds_alternative<cs::send_seed>(steps[0]));
  BOOST_TEST(std::get<cs::send_seed>(steps[0]).cid == c0);
  BOOST_TEST(std::get<cs::send_seed>(steps[0]).key == cs::seed_key("default", c0));
  BOOST_REQUIRE(std::holds_alternative<cs::activate>(steps[1]));
  BOOST_TEST(std::get<cs::activate>(steps[1]).epoch == 0u);
  BOOST_TEST(std::get<cs::activate>(steps[1]).cid == c0);

  // Sent once: not again. A router without a file seeds nothing.
  f.sent.insert(cs::seed_key("default", c0));
  BOOST_TEST(only<cs::send_seed>(given_log{}.then_for(f)).empty());
  BOOST_TEST(given_log{}.then_for(r1_facts()).empty());
}

BOOST_AUTO_TEST_CASE(its_own_file_is_stamped_at_once_and_announced_as_epoch_0) {
  auto f = r1_running(c0, 0);
  f.own_cid = c0;
  f.stamping.reset();
  f.sent.insert(cs::seed_key("default", c0));
  auto steps = given_log{}.then_for(f);
  auto ann = only<cs::send_announce>(steps);
  BOOST_REQUIRE_EQUAL(ann.size(), 1u);
  BOOST_TEST(ann[0].cid == c0);
  BOOST_TEST(ann[0].epoch == 0u);
  auto st = only<cs::stamp>(steps);
  BOOST_REQUIRE_EQUAL(st.size(), 1u);
  BOOST_TEST(st[0].epoch == 0u);
  BOOST_TEST(!st[0].forced);
}

BOOST_AUTO_TEST_CASE(the_agreed_epoch_is_activated_from_those_that_announced_it_then_the_proposer) {
  given_log log;
  log.with(tp::seeded{c0, 1}).with(proposal("p1", c1, "r3", c0, 200 * second));
  log.with(tp::voted{"p1", "r2", true, "ok", 1}).with(tp::voted{"p1", "r3", true, "ok", 1});
  log.with(tp::agreed{"p1", c1, 2}).announced("r2", c1, 2);
  auto steps = log.then_for(r1_running(c0, 1));
  BOOST_REQUIRE_EQUAL(steps.size(), 1u);  // no announcement, no vote, no stamp while it activates
  const auto& a = std::get<cs::activate>(steps[0]);
  BOOST_TEST(a.cid == c1);
  BOOST_TEST(a.epoch == 2u);
  BOOST_REQUIRE_EQUAL(a.from.size(), 2u);
  BOOST_TEST(a.from[0] == "127.0.0.1:8102");  // r2 announced it
  BOOST_TEST(a.from[1] == "127.0.0.1:8103");  // r3 proposed it
}

BOOST_AUTO_TEST_CASE(a_router_that_comes_back_behind_activates_before_it_votes_but_still_expires) {
  given_log log;
  log.with(tp::seeded{c0, 1}).with(tp::agreed{"p1", c1, 2});
  log.with(proposal("p2", c2, "r2", c1, 200 * second)).with(proposal("p3", c2, "r3", c1, 50 * second));
  auto steps = log.then_for(r1_running(c0, 1));
  BOOST_TEST(only<cs::activate>(steps).size() == 1u);
  BOOST_TEST(only<cs::review_and_vote>(steps).empty());
  auto ex = only<cs::send_expire>(steps);
  BOOST_REQUIRE_EQUAL(ex.size(), 1u);
  BOOST_TEST(ex[0].proposal == "p3");
}

BOOST_AUTO_TEST_CASE(a_router_announces_what_runs_unless_the_log_says_so_already) {
  given_log log;
  log.with(tp::seeded{c0, 1});
  auto f = r1_running(c0, 1);
  auto ann = only<cs::send_announce>(log.then_for(f));
  BOOST_REQUIRE_EQUAL(ann.size(), 1u);
  BOOST_TEST(ann[0].key == cs::announce_key("r1", c0, 1));
  log.announced("r1", c0, 1);
  BOOST_TEST(only<cs::send_announce>(log.then_for(f)).empty());
  // An announcement sent and not yet in the log is not sent again.
  given_log fresh;
  fresh.with(tp::seeded{c0, 1});
  f.sent.insert(cs::announce_key("r1", c0, 1));
  BOOST_TEST(only<cs::send_announce>(fresh.then_for(f)).empty());
}

BOOST_AUTO_TEST_CASE(ingress_switches_once_every_named_router_announced_the_epoch_or_after_the_bound) {
  given_log log;
  log.with(tp::seeded{c0, 1}).with(tp::agreed{"p1", c1, 2}).announced("r1", c1, 2).announced("r2", c1, 2);
  log.announced("r3", c0, 1);
  auto f = r1_running(c1, 2);
  f.stamping = 1;
  f.switch_bound_ns = 30 * second;
  BOOST_TEST(only<cs::stamp>(log.then_for(f)).empty());  // r3 still on epoch 1, 10 s after the install

  f.now_ns = f.installed_at_ns + 30 * second;  // the bound: switch, and say who was missing
  auto st = only<cs::stamp>(log.then_for(f));
  BOOST_REQUIRE_EQUAL(st.size(), 1u);
  BOOST_TEST(st[0].forced);
  BOOST_TEST((st[0].missing == std::vector<std::string>{"r3"}));

  f.now_ns = 100 * second;
  log.announced("r3", c1, 2);
  st = only<cs::stamp>(log.then_for(f));
  BOOST_REQUIRE_EQUAL(st.size(), 1u);
  BOOST_TEST(st[0].epoch == 2u);
  BOOST_TEST(!st[0].forced);

  f.stamping = 2;  // done: nothing more
  BOOST_TEST(only<cs::stamp>(log.then_for(f)).empty());
}

BOOST_AUTO_TEST_CASE(a_router_votes_once_on_each_open_proposal_before_its_deadline) {
  given_log log;
  log.with(tp::seeded{c0, 1}).announced("r1", c0, 1);
  log.with(proposal("p1", c1, "r2", c0, 200 * second));  // open, not voted: vote, fetching from r2
  log.with(proposal("p2", c2, "r3", c0, 200 * second)).with(tp::voted{"p2", "r1", true, "ok", 1});  // voted
  log.with(proposal("p3", c2, "r1", c0, 200 * second));  // its own: it votes too, from its store
  auto f = r1_running(c0, 1);
  auto votes = only<cs::review_and_vote>(log.then_for(f));
  BOOST_REQUIRE_EQUAL(votes.size(), 2u);
  BOOST_TEST(votes[0].proposal == "p1");
  BOOST_TEST(votes[0].key == cs::vote_key("default", "p1", "r1"));
  BOOST_TEST((votes[0].from == cs::sources{"127.0.0.1:8102"}));
  BOOST_TEST(votes[1].proposal == "p3");
  BOOST_TEST(votes[1].from.empty());

  f.sent.insert(votes[0].key);
  BOOST_TEST(only<cs::review_and_vote>(log.then_for(f)).size() == 1u);
  f.now_ns = 200 * second;  // at the deadline: too late to vote, time to expire
  BOOST_TEST(only<cs::review_and_vote>(log.then_for(f)).empty());
  BOOST_TEST(only<cs::send_expire>(log.then_for(f)).size() == 3u);
}

BOOST_AUTO_TEST_CASE(a_router_not_enrolled_does_not_vote) {
  given_log log;
  log.routers["r9"] = rt::evolve(rt::initial, rt::registered{{"127.0.0.1:7109", "127.0.0.1:8109", "default"}});
  log.with(tp::seeded{c0, 1}).with(proposal("p1", c1, "r2", c0, 200 * second));
  auto f = r1_running(c0, 1);
  f.self = "r9";
  BOOST_TEST(only<cs::review_and_vote>(log.then_for(f)).empty());
}

BOOST_AUTO_TEST_CASE(a_closed_proposal_is_neither_voted_on_nor_expired) {
  given_log log;
  log.with(tp::seeded{c0, 1}).with(proposal("p1", c1, "r2", c0, 50 * second));
  log.with(tp::expired{"p1", 60 * second});
  auto steps = log.then_for(r1_running(c0, 1));
  BOOST_TEST(only<cs::review_and_vote>(steps).empty());
  BOOST_TEST(only<cs::send_expire>(steps).empty());
}

BOOST_AUTO_TEST_CASE(command_keys_are_the_same_on_every_run_and_differ_by_what_they_name) {
  BOOST_TEST(cs::vote_key("n", "p1", "r1") == cs::vote_key("n", "p1", "r1"));
  BOOST_TEST(cs::vote_key("n", "p1", "r1") != cs::vote_key("n", "p1", "r2"));
  BOOST_TEST(cs::expire_key("n", "p1", "r1") != cs::vote_key("n", "p1", "r1"));
  BOOST_TEST(cs::seed_key("n", c0) != cs::seed_key("n", c1));
  BOOST_TEST(cs::announce_key("r1", c0, 1) != cs::announce_key("r1", c0, 2));
}

BOOST_AUTO_TEST_CASE(peers_are_the_registered_routers_of_the_network) {
  given_log log;
  log.routers["x1"] = rt::evolve(rt::initial, rt::registered{{"127.0.0.1:7201", "127.0.0.1:8201", "lab"}});
  auto udp = cs::udp_endpoints(log.routers, "default");
  BOOST_REQUIRE_EQUAL(udp.size(), 3u);
  BOOST_TEST(udp.at("r2") == "127.0.0.1:7102");
  BOOST_TEST((cs::routers_of(log.routers, "lab") == std::set<std::string>{"x1"}));
}

BOOST_AUTO_TEST_SUITE_END()
