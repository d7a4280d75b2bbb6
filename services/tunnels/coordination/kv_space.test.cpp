#include "services/tunnels/coordination/kv_space_codec.hpp"
#include "services/testing/decider_spec.hpp"

using namespace storemesh::services::kv;
using storemesh::services::testing::spec;

namespace {
auto kv() { return spec<entity>(); }
constexpr std::int64_t s = 1'000'000'000;  // one second in ns
const std::vector<event> one_key{put_done{"a", "1", 0, 0}};  // "a" at revision 1
} // namespace

BOOST_AUTO_TEST_SUITE(kv_put)

BOOST_AUTO_TEST_CASE(a_put_creates_a_key_at_the_next_revision) {
  kv().when(put{"config/x", "v", 0, std::nullopt}).then_each_time({put_done{"config/x", "v", 0, 0}});
  auto st = kv().given({put_done{"config/x", "v", 0, 0}}).current();
  BOOST_TEST(st.rev == 1u);
  const auto& e = st.keys.at("config/x");
  BOOST_TEST(e.value == "v");
  BOOST_TEST(e.create_revision == 1u);
  BOOST_TEST(e.mod_revision == 1u);
  BOOST_TEST(e.version == 1u);
  BOOST_TEST(e.lease == 0u);
}

BOOST_AUTO_TEST_CASE(every_put_is_a_new_revision_and_version_even_with_the_same_value) {
  kv().given(one_key).when(put{"a", "1", 0, std::nullopt}).then_each_time({put_done{"a", "1", 0, 1}});
  auto st = kv().given({put_done{"a", "1", 0, 0}, put_done{"b", "x", 0, 0}, put_done{"a", "1", 0, 1}}).current();
  BOOST_TEST(st.rev == 3u);
  BOOST_TEST(st.keys.at("a").create_revision == 1u);
  BOOST_TEST(st.keys.at("a").mod_revision == 3u);
  BOOST_TEST(st.keys.at("a").version == 2u);
}

BOOST_AUTO_TEST_CASE(a_key_deleted_and_put_again_starts_over) {
  auto st = kv().given({put_done{"a", "1", 0, 0}, put_done{"a", "2", 0, 1}, deleted{{"a"}}, put_done{"a", "3", 0, 0}})
                .current();
  BOOST_TEST(st.keys.at("a").create_revision == 4u);
  BOOST_TEST(st.keys.at("a").version == 1u);
}

BOOST_AUTO_TEST_CASE(compare_and_swap_on_the_mod_revision) {
  kv().given(one_key).when(put{"a", "2", 0, 1}).then({put_done{"a", "2", 0, 1}});
  kv().given(one_key).when(put{"a", "2", 0, 7}).then_rejected("compare_failed");
}

BOOST_AUTO_TEST_CASE(expected_zero_means_the_key_must_not_exist) {
  kv().when(put{"a", "1", 0, 0}).then({put_done{"a", "1", 0, 0}});
  kv().given(one_key).when(put{"a", "1", 0, 0}).then_rejected("compare_failed");
}

BOOST_AUTO_TEST_CASE(a_failed_compare_says_the_actual_mod_revision) {
  auto d = decide(kv().given({put_done{"b", "", 0, 0}, put_done{"a", "1", 0, 0}}).current(), put{"a", "x", 0, 1});
  BOOST_REQUIRE(!d.accepted());
  BOOST_TEST(d.why().reason.find("mod revision 2") != std::string::npos, d.why().reason);
}

BOOST_AUTO_TEST_CASE(bad_keys_are_refused) {
  const std::string too_long(max_key_bytes + 1, 'k');
  for (const std::string& key : {std::string(), too_long, std::string("a\0b", 3), std::string("\xff"),
                                 std::string("\xc0\x80"), std::string("\xed\xa0\x80"), std::string("\xe2\x82")})
    kv().when(put{key, "v", 0, std::nullopt}).then_rejected("bad_key");
}

BOOST_AUTO_TEST_CASE(keys_are_any_utf8_up_to_1_KiB) {
  const std::string longest(max_key_bytes, 'k');
  kv().when(put{longest, "", 0, std::nullopt}).then_each_time({put_done{longest, "", 0, 0}});
  kv().when(put{"\xc3\xa9t\xc3\xa9/\xf0\x9f\x94\x91", "", 0, std::nullopt})
      .then_each_time({put_done{"\xc3\xa9t\xc3\xa9/\xf0\x9f\x94\x91", "", 0, 0}});
}

BOOST_AUTO_TEST_CASE(values_are_bounded_to_fit_a_tunnel_message) {
  static_assert(max_key_bytes + max_value_bytes + 2048 < 65535);
  const std::string biggest(max_value_bytes, '\0');
  kv().when(put{"a", biggest, 0, std::nullopt}).then_each_time({put_done{"a", biggest, 0, 0}});
  kv().when(put{"a", biggest + "x", 0, std::nullopt}).then_rejected("value_too_large");
}

BOOST_AUTO_TEST_CASE(a_put_with_a_lease_needs_the_lease) {
  kv().when(put{"a", "1", 9, std::nullopt}).then_rejected("no_such_lease");
  kv().given({lease_granted{9, 10 * s, 11 * s}}).when(put{"a", "1", 9, std::nullopt}).then_each_time({put_done{"a", "1", 9, 0}});
}

BOOST_AUTO_TEST_CASE(a_put_moves_the_key_between_leases_and_lease_zero_detaches_it) {
  auto st = kv().given({lease_granted{1, s, 2 * s}, lease_granted{2, s, 2 * s}, put_done{"k", "", 1, 0}}).current();
  BOOST_TEST(st.leases.at(1).keys.count("k") == 1u);
  st = evolve(st, put_done{"k", "", 2, 3});
  BOOST_TEST(st.leases.at(1).keys.empty());
  BOOST_TEST(st.leases.at(2).keys.count("k") == 1u);
  st = evolve(st, put_done{"k", "", 0, 4});
  BOOST_TEST(st.leases.at(2).keys.empty());
  BOOST_TEST(st.keys.at("k").lease == 0u);
}

BOOST_AUTO_TEST_CASE(the_keyspace_has_a_quota_that_deletes_never_hit) {
  std::vector<event> full;
  const std::string value(max_value_bytes, 'v');
  std::uint64_t used = 0;
  for (int i = 0; used + key_footprint("k00", value) <= max_footprint_bytes; ++i) {
    const std::string key = "k" + std::string(i < 10 ? "0" : "") + std::to_string(i);
    full.push_back(put_done{key, value, 0, 0});
    used += key_footprint(key, value);
  }
  auto st = kv().given(full).current();
  BOOST_TEST(st.footprint == used);
  kv().given(full).when(put{"zz", value, 0, std::nullopt}).then_rejected("quota_exceeded");
  // Overwriting a key with a smaller value frees room; a delete always passes.
  kv().given(full).when(put{"k00", "", 0, std::nullopt}).then_each_time({put_done{"k00", "", 0, 1}});
  kv().given(full).when(delete_key{"k", true, std::nullopt}).then({deleted{keys_with_prefix(st, "k")}});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(kv_delete)

BOOST_AUTO_TEST_CASE(deleting_a_key_removes_it_at_the_next_revision) {
  kv().given(one_key).when(delete_key{"a", false, std::nullopt}).then({deleted{{"a"}}});
  auto st = kv().given({put_done{"a", "1", 0, 0}, deleted{{"a"}}}).current();
  BOOST_TEST(st.keys.empty());
  BOOST_TEST(st.rev == 2u);
  BOOST_TEST(st.footprint == 0u);
}

BOOST_AUTO_TEST_CASE(deleting_a_missing_key_is_refused_and_advances_nothing) {
  // etcd answers deleted = 0 without a new revision: no event here either,
  // and the rejection is the outcome the management server waits for.
  kv().when(delete_key{"a", false, std::nullopt}).then_rejected("key_not_found");
  kv().given(one_key).when(delete_key{"b", true, std::nullopt}).then_rejected("key_not_found");
}

BOOST_AUTO_TEST_CASE(a_prefix_delete_removes_every_key_under_it_sorted) {
  const std::vector<event> keys{put_done{"locks/b", "", 0, 0}, put_done{"lock", "", 0, 0},
                                put_done{"locks/a", "", 0, 0}, put_done{"locks0", "", 0, 0},
                                put_done{"locks/a/x", "", 0, 0}};
  kv().given(keys).when(delete_key{"locks/", true, std::nullopt}).then({deleted{{"locks/a", "locks/a/x", "locks/b"}}});
}

BOOST_AUTO_TEST_CASE(an_empty_prefix_is_no_way_to_delete_everything) {
  kv().given(one_key).when(delete_key{"", true, std::nullopt}).then_rejected("bad_key");
}

BOOST_AUTO_TEST_CASE(a_conditional_delete_compares_the_mod_revision_of_one_key) {
  kv().given(one_key).when(delete_key{"a", false, 1}).then({deleted{{"a"}}});
  kv().given(one_key).when(delete_key{"a", false, 2}).then_rejected("compare_failed");
  kv().given(one_key).when(delete_key{"a", true, 1}).then_rejected("bad_request");
}

BOOST_AUTO_TEST_CASE(deleting_a_leased_key_detaches_it_from_the_lease) {
  auto st = kv().given({lease_granted{5, s, 2 * s}, put_done{"a", "", 5, 0}, deleted{{"a"}}}).current();
  BOOST_TEST(st.leases.at(5).keys.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(kv_leases)

const std::vector<event> leased{lease_granted{7, 10 * s, 110 * s}, put_done{"a", "", 7, 0},
                                put_done{"b", "", 7, 0}, put_done{"c", "", 0, 0}};

BOOST_AUTO_TEST_CASE(a_lease_is_granted_with_the_clients_id_and_a_deadline) {
  kv().when(grant_lease{7, 10 * s, 100 * s}).then({lease_granted{7, 10 * s, 110 * s}});
  auto st = kv().given({lease_granted{7, 10 * s, 110 * s}}).current();
  BOOST_TEST(st.rev == 1u);  // unlike etcd, a lease event is a revision
  BOOST_TEST(st.leases.at(7).deadline_ns == 110 * s);
}

BOOST_AUTO_TEST_CASE(a_granted_lease_id_cannot_be_granted_again) {
  kv().given(leased).when(grant_lease{7, 10 * s, 200 * s}).then_rejected("lease_exists");
}

BOOST_AUTO_TEST_CASE(lease_zero_and_bad_ttls_are_refused) {
  kv().when(grant_lease{0, 10 * s, 100 * s}).then_rejected("bad_lease_id");
  kv().when(grant_lease{1, 0, 100 * s}).then_rejected("bad_ttl");
  kv().when(grant_lease{1, -s, 100 * s}).then_rejected("bad_ttl");
  kv().when(grant_lease{1, max_ttl_ns + 1, 100 * s}).then_rejected("bad_ttl");
  kv().when(grant_lease{1, s, 0}).then_rejected("bad_request");
  kv().when(grant_lease{1, max_ttl_ns, std::numeric_limits<std::int64_t>::max() - 1}).then_rejected("bad_request");
}

BOOST_AUTO_TEST_CASE(a_keep_alive_moves_the_deadline_to_now_plus_ttl) {
  kv().given(leased).when(keep_alive{7, 105 * s}).then({lease_renewed{7, 115 * s}});
}

BOOST_AUTO_TEST_CASE(a_keep_alive_that_would_not_extend_the_lease_is_stale) {
  kv().given(leased).when(keep_alive{7, 100 * s}).then_rejected("stale");
  kv().given(leased).when(keep_alive{7, 99 * s}).then_rejected("stale");
}

BOOST_AUTO_TEST_CASE(a_lease_past_its_deadline_cannot_be_kept_alive) {
  kv().given(leased).when(keep_alive{7, 110 * s}).then_rejected("lease_expired");
}

BOOST_AUTO_TEST_CASE(keep_alive_and_revoke_need_the_lease) {
  kv().when(keep_alive{7, s}).then_rejected("no_such_lease");
  kv().when(revoke_lease{7}).then_rejected("no_such_lease");
}

BOOST_AUTO_TEST_CASE(revoking_a_lease_deletes_its_keys) {
  kv().given(leased).when(revoke_lease{7}).then({lease_revoked{7, {"a", "b"}}});
  auto st = kv().given(leased).given({lease_revoked{7, {"a", "b"}}}).current();
  BOOST_TEST(st.leases.empty());
  BOOST_TEST(st.keys.size() == 1u);
  BOOST_TEST(st.keys.count("c") == 1u);
  BOOST_TEST(st.footprint == key_footprint("c", ""));
}

BOOST_AUTO_TEST_CASE(expiry_removes_every_lease_due_and_its_keys_in_one_event) {
  const std::vector<event> three{lease_granted{1, s, 10 * s},  put_done{"x/1", "", 1, 0},
                                 lease_granted{2, s, 20 * s},  put_done{"x/2", "", 2, 0},
                                 lease_granted{3, s, 30 * s},  put_done{"x/3", "", 3, 0},
                                 put_done{"y", "", 2, 0}};
  kv().given(three).when(expire_leases{20 * s}).then({leases_expired{{1, 2}, {"x/1", "x/2", "y"}, 20 * s}});
  auto st = kv().given(three).given({leases_expired{{1, 2}, {"x/1", "x/2", "y"}, 20 * s}}).current();
  BOOST_TEST(st.leases.size() == 1u);
  BOOST_TEST(st.keys.size() == 1u);
  BOOST_TEST(st.keys.count("x/3") == 1u);
}

BOOST_AUTO_TEST_CASE(expiry_with_nothing_due_is_accepted_with_no_event) {
  // The lease keeper ticks every few seconds: an idle tick writes nothing.
  kv().given(leased).when(expire_leases{109 * s}).then({});
  kv().when(expire_leases{s}).then({});
  kv().when(expire_leases{0}).then_rejected("bad_request");
}

BOOST_AUTO_TEST_CASE(an_expired_lease_without_keys_goes_alone) {
  kv().given({lease_granted{4, s, 2 * s}}).when(expire_leases{2 * s}).then({leases_expired{{4}, {}, 2 * s}});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(kv_revisions)

BOOST_AUTO_TEST_CASE(the_state_revision_counts_every_event_like_the_entity_sequence) {
  // entity_actor numbers an entity's events 1, 2, ... (working_.seq + 1) and
  // folds each with evolve: after event n, state.rev == n.
  std::vector<event> history{lease_granted{1, s, 2 * s}, put_done{"a", "", 1, 0}, lease_renewed{1, 3 * s},
                             put_done{"b", "", 0, 0},    deleted{{"b"}},          lease_revoked{1, {"a"}}};
  state st;
  for (std::size_t n = 0; n < history.size(); ++n) {
    st = evolve(st, history[n]);
    BOOST_TEST(st.rev == n + 1);
  }
}

BOOST_AUTO_TEST_SUITE_END()
