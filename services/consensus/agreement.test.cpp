// The topology agreement: given / when / then for every rule, plus the
// idempotency property (decider_spec's then() checks it on every accepted
// command) and a property over random command sequences.
#include "services/consensus/agreement_codec.hpp"
#include "services/testing/decider_spec.hpp"

#include <random>

using namespace storemesh::services::topology;
using storemesh::services::testing::spec;

namespace {

constexpr std::int64_t sec = 1'000'000'000;
constexpr std::int64_t t0 = 1'000'000 * sec;
constexpr std::int64_t deadline = t0 + 30 * sec;

const std::string cid0 = "bafkreihpb36r7vjbea76wqwgcmctd7f2mopjh5cxfj2z6avey3aziswqcm";
const std::string cid1 = "bafkreib3oadtdvqdt2e32jy76aso5kxhkxy6rpph2k4uzyykeg4exny3uq";
const std::string cid2 = "bafkreihrheppn53y37wt7lo3ecljuz7ratlqismlvcwro7squf5vgrqy7m";

auto topo() { return spec<entity>(); }

/// Three routers enrolled, cid0 agreed at epoch 1 (the seed).
std::vector<event> seeded_three() { return {enrolled{"r1"}, enrolled{"r2"}, enrolled{"r3"}, seeded{cid0, 1}}; }

std::vector<event> with(std::vector<event> history, std::initializer_list<event> more) {
  history.insert(history.end(), more);
  return history;
}

const proposed p1{"p1", cid1, "r1", cid0, deadline};
const proposed p2{"p2", cid2, "r2", cid0, deadline};

propose propose_of(const proposed& p) { return propose{p.proposal, p.cid, p.proposer, p.base_cid, p.deadline_ns}; }
cast_vote yes(const std::string& p, const std::string& r, std::int64_t at = t0 + sec) {
  return cast_vote{p, r, true, "valid: every prefix reachable", at};
}
cast_vote no(const std::string& p, const std::string& r, std::int64_t at = t0 + sec) {
  return cast_vote{p, r, false, "next hop r9 is not a known router", at};
}
voted voted_of(const cast_vote& v) { return voted{v.proposal, v.router, v.accept, v.reason, v.at_ns}; }

state fold(const std::vector<event>& history) { return topo().given(history).current(); }

} // namespace

BOOST_AUTO_TEST_SUITE(topology_configuration)

BOOST_AUTO_TEST_CASE(an_unconfigured_network_has_a_majority_quorum_and_a_30s_window) {
  const auto s = fold({});
  BOOST_TEST(s.config.quorum == 0u);
  BOOST_TEST(s.config.window_ns == 30 * sec);
  BOOST_TEST(!s.configured);
}

BOOST_AUTO_TEST_CASE(configure_records_the_quorum_and_window) {
  topo().when(configure{config{2, 10 * sec}}).then({configured{config{2, 10 * sec}}});
  topo().given({configured{config{2, 10 * sec}}}).when(configure{config{0, 10 * sec}}).then({configured{config{0, 10 * sec}}});
}

BOOST_AUTO_TEST_CASE(the_same_configuration_again_is_no_change) {
  topo().given({configured{config{2, 10 * sec}}}).when(configure{config{2, 10 * sec}}).then_rejected("no_change");
}

BOOST_AUTO_TEST_CASE(a_window_must_be_positive) {
  topo().when(configure{config{0, 0}}).then_rejected("invalid");
  topo().when(configure{config{0, -sec}}).then_rejected("invalid");
  topo().when(configure{config{5000, sec}}).then_rejected("invalid");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(topology_quorum_rule)

BOOST_AUTO_TEST_CASE(majority_is_floor_half_plus_one_of_the_enrolled) {
  const config majority{0, sec};
  BOOST_TEST(state::quorum_of(majority, 1) == 1u);
  BOOST_TEST(state::quorum_of(majority, 2) == 2u);
  BOOST_TEST(state::quorum_of(majority, 3) == 2u);
  BOOST_TEST(state::quorum_of(majority, 4) == 3u);
  BOOST_TEST(state::quorum_of(majority, 5) == 3u);
}

BOOST_AUTO_TEST_CASE(a_configured_count_is_never_more_than_the_enrolled) {
  BOOST_TEST(state::quorum_of(config{2, sec}, 5) == 2u);
  BOOST_TEST(state::quorum_of(config{4, sec}, 3) == 3u);
  BOOST_TEST(fold(with(seeded_three(), {configured{config{3, sec}}})).quorum() == 3u);
  BOOST_TEST(fold(with(seeded_three(), {configured{config{9, sec}}})).quorum() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(topology_enrolment_and_seed)

BOOST_AUTO_TEST_CASE(enroll_adds_a_voting_router) {
  topo().when(enroll{"r1"}).then({enrolled{"r1"}});
  BOOST_TEST(fold({enrolled{"r1"}, enrolled{"r2"}}).routers == (std::vector<std::string>{"r1", "r2"}));
}

BOOST_AUTO_TEST_CASE(enrolling_twice_is_a_no_op) { topo().given({enrolled{"r1"}}).when(enroll{"r1"}).then({}); }

BOOST_AUTO_TEST_CASE(a_router_name_is_checked) {
  topo().when(enroll{""}).then_rejected("invalid");
  topo().when(enroll{"R 1"}).then_rejected("invalid");
}

BOOST_AUTO_TEST_CASE(seed_agrees_the_initial_topology_at_epoch_1) {
  topo().given({enrolled{"r1"}}).when(seed{cid0}).then({seeded{cid0, 1}});
  const auto s = fold(seeded_three());
  BOOST_TEST(s.agreed_cid == cid0);
  BOOST_TEST(s.epoch == 1u);
}

BOOST_AUTO_TEST_CASE(seed_only_while_nothing_is_agreed) {
  topo().given(seeded_three()).when(seed{cid0}).then({});  // the same seed again
  topo().given(seeded_three()).when(seed{cid1}).then_rejected("already_agreed");
  topo().given(with(seeded_three(), {p1, agreed{"p1", cid1, 2}})).when(seed{cid0}).then_rejected("already_agreed");
}

// A proposal made while nothing was agreed is based on nothing; a seed that
// lands first agrees the first topology, so that proposal is superseded (it
// would otherwise be agreed later over a topology it was never based on).
BOOST_AUTO_TEST_CASE(a_seed_supersedes_the_proposals_based_on_nothing) {
  const proposed early{"p1", cid1, "r1", "", deadline};
  const auto h = std::vector<event>{enrolled{"r1"}, enrolled{"r2"}, enrolled{"r3"}, early};
  topo().given(h).when(seed{cid0}).then({seeded{cid0, 1}, superseded{"p1", ""}});
  const auto s = fold(with(h, {seeded{cid0, 1}, superseded{"p1", ""}}));
  BOOST_TEST(s.find("p1")->status == proposal_status::superseded);
  topo().given(with(h, {seeded{cid0, 1}, superseded{"p1", ""}})).when(yes("p1", "r1")).then_rejected("proposal_closed");
}

BOOST_AUTO_TEST_CASE(a_seed_must_be_a_cid) {
  topo().when(seed{""}).then_rejected("invalid");
  topo().when(seed{"Qmabcdefghijklmnop"}).then_rejected("invalid");
  topo().when(seed{"bafkrei!!notbase32"}).then_rejected("invalid");
  // Base32 text that is no CID: a digest cut short, and bits after the last
  // byte that are not zero (two texts for one CID: go-cid refuses it too).
  const std::string good = cid0;
  topo().when(seed{good.substr(0, good.size() - 4)}).then_rejected("invalid");
  topo().when(seed{"bafkreibbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}).then_rejected("invalid");
  topo().when(seed{good}).then({seeded{good, 1}});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(topology_proposals)

BOOST_AUTO_TEST_CASE(an_enrolled_router_proposes_a_change_of_the_agreed_topology) {
  topo().given(seeded_three()).when(propose_of(p1)).then({p1});
  const auto s = fold(with(seeded_three(), {p1, p2}));
  BOOST_TEST(s.open_proposals().size() == 2u);
  BOOST_TEST(s.find("p2")->number == 2u);
}

BOOST_AUTO_TEST_CASE(the_first_proposal_of_an_unseeded_network_is_based_on_nothing) {
  topo().given({enrolled{"r1"}}).when(propose{"p1", cid1, "r1", "", deadline}).then({proposed{"p1", cid1, "r1", "", deadline}});
  topo().given({enrolled{"r1"}}).when(propose{"p1", cid1, "r1", cid0, deadline}).then_rejected("stale");
}

BOOST_AUTO_TEST_CASE(a_proposer_that_is_not_enrolled_is_refused) {
  topo().given(seeded_three()).when(propose{"p1", cid1, "r9", cid0, deadline}).then_rejected("not_enrolled");
}

BOOST_AUTO_TEST_CASE(a_proposal_on_a_stale_base_is_refused) {
  topo().given(seeded_three()).when(propose{"p1", cid1, "r1", cid2, deadline}).then_rejected("stale");
  // p1 agreed: cid1 is now the base, a proposal still based on cid0 is stale.
  const auto after = with(seeded_three(), {p1, voted_of(yes("p1", "r1")), voted_of(yes("p1", "r2")),
                                           agreed{"p1", cid1, 2}});
  topo().given(after).when(propose{"p3", cid2, "r3", cid0, deadline}).then_rejected("stale");
  topo().given(after).when(propose{"p3", cid2, "r3", cid1, deadline}).then({proposed{"p3", cid2, "r3", cid1, deadline}});
}

BOOST_AUTO_TEST_CASE(proposing_the_agreed_topology_is_no_change) {
  topo().given(seeded_three()).when(propose{"p1", cid0, "r1", cid0, deadline}).then_rejected("no_change");
}

BOOST_AUTO_TEST_CASE(the_same_proposal_again_is_a_no_op_but_its_id_is_taken) {
  topo().given(with(seeded_three(), {p1})).when(propose_of(p1)).then({});
  topo().given(with(seeded_three(), {p1})).when(propose{"p1", cid2, "r1", cid0, deadline}).then_rejected("proposal_exists");
  // however long ago: a closed proposal's id stays taken
  topo().given(with(seeded_three(), {p1, expired{"p1", deadline}})).when(propose{"p1", cid2, "r2", cid0, deadline}).then_rejected("proposal_exists");
}

BOOST_AUTO_TEST_CASE(a_proposal_needs_an_id_a_cid_and_a_deadline) {
  topo().given(seeded_three()).when(propose{"", cid1, "r1", cid0, deadline}).then_rejected("invalid");
  topo().given(seeded_three()).when(propose{"p1", "nope", "r1", cid0, deadline}).then_rejected("invalid");
  topo().given(seeded_three()).when(propose{"p1", cid1, "r1", "xbad", deadline}).then_rejected("invalid");
  topo().given(seeded_three()).when(propose{"p1", cid1, "r1", cid0, 0}).then_rejected("invalid");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(topology_votes)

BOOST_AUTO_TEST_CASE(a_vote_is_recorded_with_its_reason) {
  topo().given(with(seeded_three(), {p1})).when(no("p1", "r2")).then({voted_of(no("p1", "r2"))});
  const auto s = fold(with(seeded_three(), {p1, voted_of(no("p1", "r2"))}));
  BOOST_REQUIRE(s.find("p1")->vote_of("r2"));
  BOOST_TEST(s.find("p1")->vote_of("r2")->reason == "next hop r9 is not a known router");
  BOOST_TEST(s.find("p1")->open());
}

BOOST_AUTO_TEST_CASE(the_vote_that_reaches_the_quorum_agrees_the_proposal_at_the_next_epoch) {
  topo().given(with(seeded_three(), {p1, voted_of(yes("p1", "r1"))}))
      .when(yes("p1", "r3"))
      .then({voted_of(yes("p1", "r3")), agreed{"p1", cid1, 2}});
  const auto s = fold(with(seeded_three(), {p1, voted_of(yes("p1", "r1")), voted_of(yes("p1", "r3")),
                                             agreed{"p1", cid1, 2}}));
  BOOST_TEST(s.agreed_cid == cid1);
  BOOST_TEST(s.epoch == 2u);
  BOOST_TEST(s.agreed_by == "p1");
  BOOST_TEST(s.find("p1")->status == proposal_status::agreed);
  BOOST_TEST(s.find("p1")->epoch == 2u);
}

BOOST_AUTO_TEST_CASE(a_configured_count_is_the_quorum) {
  const auto h = with(seeded_three(), {configured{config{1, 30 * sec}}, p1});
  topo().given(h).when(yes("p1", "r2")).then({voted_of(yes("p1", "r2")), agreed{"p1", cid1, 2}});
  const auto all = with(seeded_three(), {configured{config{3, 30 * sec}}, p1, voted_of(yes("p1", "r1"))});
  topo().given(all).when(yes("p1", "r2")).then({voted_of(yes("p1", "r2"))});
}

BOOST_AUTO_TEST_CASE(the_quorum_counts_the_routers_enrolled_at_the_time_of_the_vote) {
  // Three enrolled: two accepts agree. A fourth enrolled before the second vote: three are needed.
  const auto h = with(seeded_three(), {p1, voted_of(yes("p1", "r1")), enrolled{"r4"}});
  topo().given(h).when(yes("p1", "r2")).then({voted_of(yes("p1", "r2"))});
}

BOOST_AUTO_TEST_CASE(concurrent_proposals_the_first_to_reach_quorum_wins_the_others_are_superseded) {
  const proposed p3{"p3", "bafkreicln7eywygssgn6s25iqcbfjjid4heor7a56xtzwnr67wgs3acopu", "r3", cid0, deadline};
  const auto h = with(seeded_three(), {p1, p2, p3, voted_of(yes("p2", "r1")), voted_of(yes("p1", "r2"))});
  topo().given(h).when(yes("p2", "r3")).then(
      {voted_of(yes("p2", "r3")), agreed{"p2", cid2, 2}, superseded{"p1", "p2"}, superseded{"p3", "p2"}});
  auto s = fold(with(h, {voted_of(yes("p2", "r3")), agreed{"p2", cid2, 2}, superseded{"p1", "p2"},
                         superseded{"p3", "p2"}}));
  BOOST_TEST(s.open_proposals().empty());
  BOOST_TEST(s.find("p1")->status == proposal_status::superseded);
  BOOST_TEST(s.find("p1")->closed_by == "p2");
  // the loser's last vote comes too late: it is closed
  topo().given(with(h, {voted_of(yes("p2", "r3")), agreed{"p2", cid2, 2}, superseded{"p1", "p2"},
                        superseded{"p3", "p2"}}))
      .when(yes("p1", "r3"))
      .then_rejected("proposal_closed");
}

BOOST_AUTO_TEST_CASE(rejects_that_leave_the_quorum_out_of_reach_refuse_the_proposal) {
  // 3 enrolled, quorum 2: one reject leaves 2 possible accepts, two leave 1.
  topo().given(with(seeded_three(), {p1})).when(no("p1", "r1")).then({voted_of(no("p1", "r1"))});
  topo().given(with(seeded_three(), {p1, voted_of(no("p1", "r1"))}))
      .when(no("p1", "r2"))
      .then({voted_of(no("p1", "r2")), refused{"p1", 2, 2, 3}});
  // quorum 3 of 3: the first reject refuses it
  topo().given(with(seeded_three(), {configured{config{3, 30 * sec}}, p1}))
      .when(no("p1", "r1"))
      .then({voted_of(no("p1", "r1")), refused{"p1", 1, 3, 3}});
  const auto s = fold(with(seeded_three(), {p1, voted_of(no("p1", "r1")), voted_of(no("p1", "r2")),
                                             refused{"p1", 2, 2, 3}}));
  BOOST_TEST(s.find("p1")->status == proposal_status::refused);
  BOOST_TEST(s.agreed_cid == cid0);  // nobody switches
  BOOST_TEST(s.epoch == 1u);
}

BOOST_AUTO_TEST_CASE(one_vote_per_router_the_same_again_is_a_no_op_another_is_refused) {
  const auto h = with(seeded_three(), {p1, voted_of(yes("p1", "r1"))});
  topo().given(h).when(yes("p1", "r1", t0 + 5 * sec)).then({});
  topo().given(h).when(no("p1", "r1")).then_rejected("already_voted");
  // after the proposal closed, a repeated vote is still a no-op
  topo().given(with(h, {voted_of(yes("p1", "r2")), agreed{"p1", cid1, 2}})).when(yes("p1", "r2")).then({});
}

BOOST_AUTO_TEST_CASE(only_enrolled_routers_vote) {
  topo().given(with(seeded_three(), {p1})).when(yes("p1", "r9")).then_rejected("not_enrolled");
}

BOOST_AUTO_TEST_CASE(a_vote_on_an_unknown_proposal_is_refused) {
  topo().given(seeded_three()).when(yes("p9", "r1")).then_rejected("unknown_proposal");
}

BOOST_AUTO_TEST_CASE(votes_only_while_open_and_before_the_deadline) {
  topo().given(with(seeded_three(), {p1, expired{"p1", deadline}})).when(yes("p1", "r1")).then_rejected("proposal_closed");
  topo().given(with(seeded_three(), {p1})).when(yes("p1", "r1", deadline)).then_rejected("too_late");
  topo().given(with(seeded_three(), {p1})).when(yes("p1", "r1", deadline - 1)).then({voted_of(yes("p1", "r1", deadline - 1))});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(topology_expiry)

BOOST_AUTO_TEST_CASE(an_open_proposal_expires_at_its_deadline) {
  topo().given(with(seeded_three(), {p1})).when(expire{"p1", deadline}).then({expired{"p1", deadline}});
  topo().given(with(seeded_three(), {p1})).when(expire{"p1", deadline + sec}).then({expired{"p1", deadline + sec}});
  const auto s = fold(with(seeded_three(), {p1, expired{"p1", deadline}}));
  BOOST_TEST(s.find("p1")->status == proposal_status::expired);
  BOOST_TEST(s.find("p1")->closed_at_ns == deadline);
  BOOST_TEST(s.agreed_cid == cid0);
}

BOOST_AUTO_TEST_CASE(expiring_before_the_deadline_is_refused) {
  topo().given(with(seeded_three(), {p1})).when(expire{"p1", deadline - 1}).then_rejected("not_due");
}

BOOST_AUTO_TEST_CASE(expiring_a_closed_proposal_changes_nothing) {
  topo().given(with(seeded_three(), {p1, expired{"p1", deadline}})).when(expire{"p1", deadline + sec}).then({});
  topo().given(with(seeded_three(), {p1, voted_of(yes("p1", "r1")), voted_of(yes("p1", "r2")), agreed{"p1", cid1, 2}}))
      .when(expire{"p1", deadline})
      .then({});
}

BOOST_AUTO_TEST_CASE(expiring_an_unknown_proposal_is_refused) {
  topo().given(seeded_three()).when(expire{"p9", deadline}).then_rejected("unknown_proposal");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(topology_evolve)

BOOST_AUTO_TEST_CASE(a_closed_proposal_never_reopens_or_changes_state) {
  auto s = fold(with(seeded_three(), {p1, expired{"p1", deadline}}));
  s = evolve(s, refused{"p1", 2, 2, 3});
  s = evolve(s, superseded{"p1", "p2"});
  BOOST_TEST(s.find("p1")->status == proposal_status::expired);
  BOOST_TEST(s.find("p1")->closed_by.empty());
}

BOOST_AUTO_TEST_CASE(events_about_what_is_not_there_change_nothing) {
  const auto before = fold(seeded_three());
  auto s = evolve(before, voted{"p9", "r1", true, "", 0});
  s = evolve(s, expired{"p9", 0});
  BOOST_TEST((s == before));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(topology_properties)

// Random commands from a small alphabet: every accepted decision's events,
// applied, equal the state rebuilt by replaying every event from the start
// (live == replay), at most one agreement per epoch, the epoch only grows,
// and no proposal is ever both open and closed by an event.
BOOST_AUTO_TEST_CASE(random_sequences_replay_to_the_live_state_and_agree_once_per_epoch) {
  std::mt19937_64 rng(12);
  const std::vector<std::string> routers{"r1", "r2", "r3", "r4", "r9"};
  const std::vector<std::string> cids{cid0, cid1, cid2};
  const std::vector<std::string> ids{"p1", "p2", "p3", "p4"};
  auto pick = [&](const auto& v) { return v[rng() % v.size()]; };
  std::map<std::size_t, int> seen;  // event alternative -> how often: the walk reaches every outcome
  for (int run = 0; run < 200; ++run) {
    state live;
    std::vector<event> log;
    std::int64_t now = t0;
    for (int step = 0; step < 60; ++step) {
      now += static_cast<std::int64_t>(rng() % (10 * sec));
      command c;
      switch (rng() % 7) {
        case 0: c = enroll{pick(routers)}; break;
        case 1: c = seed{pick(cids)}; break;
        case 2: c = propose{pick(ids), pick(cids), pick(routers), live.agreed_cid, now + 30 * sec}; break;
        case 3: c = configure{config{static_cast<std::uint32_t>(rng() % 4), 30 * sec}}; break;
        case 4: c = expire{pick(ids), now}; break;
        default: c = cast_vote{pick(ids), pick(routers), rng() % 3 != 0, "because", now}; break;
      }
      auto d = decide(live, c);
      if (!d.accepted())
        continue;
      std::size_t agreements = 0;
      for (const auto& e : d.events) {
        agreements += std::holds_alternative<agreed>(e);
        ++seen[e.index()];
        const auto epoch_before = live.epoch;
        live = evolve(std::move(live), e);
        log.push_back(e);
        BOOST_REQUIRE(live.epoch >= epoch_before);
      }
      BOOST_REQUIRE(agreements <= 1);
      BOOST_REQUIRE_MESSAGE(decide(live, c).events.empty(), "a command decided twice yields new events");
    }
    state replayed;
    for (const auto& e : log)
      replayed = evolve(std::move(replayed), e);
    BOOST_REQUIRE((replayed == live));
    // the snapshot codec keeps the state exactly
    auto back = entity::read_state(entity::write_state(live));
    BOOST_REQUIRE(back.has_value());
    BOOST_REQUIRE((back.value() == live));
  }
  for (std::size_t i = 0; i < std::variant_size_v<event>; ++i)
    BOOST_TEST(seen[i] > 0, "event alternative " << i << " never decided");
}

BOOST_AUTO_TEST_SUITE_END()
