// Commands signed by the batch (one signature over a Merkle root, a proof in
// each record), through the whole daemon: each record stands or falls alone,
// whatever became of the rest of its batch, and a log of single and batched
// commands replays and audits clean.

#include "tests/runtime/runtime_fixture.hpp"

#include "actors/records.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "services/host/host_codec.hpp"

#include <boost/test/unit_test.hpp>
#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstring>
#include <set>

using namespace storemesh;
using namespace storemesh::testing::runtime;
namespace crypto = storemesh::events::crypto;

namespace {

actors::command_spec host_spec(const std::string& id, const host::command& c) {
  actors::command_header h;
  h.id = events::envelope::new_message_id();
  h.producer = "cli@test";
  return actors::command_spec{std::string(host::entity::kind), id, std::move(h),
                              [c](schema::Envelope::Builder b) { host::entity::write_command(c, b); }};
}

/// `n` host registrations, h<first>..., signed as one batch by `signer`.
std::vector<events::record> registrations(int n, const crypto::key_pair& signer, int first = 0) {
  std::vector<actors::command_spec> specs;
  for (int i = first; i < first + n; ++i)
    specs.push_back(host_spec("h" + std::to_string(i), register_cmd()));
  auto records = actors::make_command_batch(specs, signer);
  BOOST_REQUIRE_MESSAGE(records.has_value(), failure_of(records));
  return std::move(records).value();
}

/// A copy of a stored command, changed by `f` (as any writer could).
template <class F>
std::string changed(const std::string& bytes, F&& f) {
  kj::Array<capnp::word> words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  capnp::FlatArrayMessageReader reader(words);
  capnp::MallocMessageBuilder copy;
  copy.setRoot(reader.getRoot<schema::Envelope>());
  f(copy.getRoot<schema::Envelope>());
  return events::envelope::to_bytes(copy);
}

std::string codes(const logged_outcome& o) {
  std::string out;
  for (const auto& c : o.rejections)
    out += (out.empty() ? "" : ",") + c;
  return out;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(signed_batches, runtime_fixture)

BOOST_AUTO_TEST_CASE(a_batch_split_across_partitions_with_records_lost_leaves_the_rest_valid) {
  start_daemon();
  const auto batch = registrations(40, operator_key);
  std::vector<command_position> landed;
  std::set<std::int32_t> partitions;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (i % 4 == 0)
      continue;  // lost in transit: never appended
    landed.push_back(append_command(batch[i].key, batch[i].value));
    partitions.insert(landed.back().partition.value);
  }
  BOOST_TEST_REQUIRE(partitions.size() == 2u);  // the batch really was split
  auto outcomes = wait_for_outcomes(landed);
  for (const auto& where : landed) {
    BOOST_TEST(outcomes[where].events == 1u, where);
    BOOST_TEST(outcomes[where].rejections.empty(), where << ": " << codes(outcomes[where]));
  }
  const auto hosts = replay_hosts();
  BOOST_TEST(hosts.size() == 30u);
  BOOST_TEST(hosts.count("h0") == 0u);
  BOOST_TEST(hosts.count("h1") == 1u);
}

BOOST_AUTO_TEST_CASE(a_forged_proof_another_batchs_proof_and_an_untrusted_root_are_each_rejected) {
  start_daemon();
  const auto mine = registrations(8, operator_key);
  const auto other = registrations(8, operator_key, 100);
  const auto stranger = crypto::key_pair::generate();
  const auto theirs = registrations(8, stranger, 200);

  const auto forged = changed(mine[0].value, [](schema::Envelope::Builder e) {
    e.getIntegrity().getBatch().getAuditPath()[3] ^= 0x10;
  });
  capnp::MallocMessageBuilder scratch;  // batch `other`'s signature, root and proof of its record 1
  const auto other_signature = changed(other[1].value, [&](schema::Envelope::Builder e) {
    scratch.setRoot(e.getIntegrity().getBatch().asReader());
  });
  (void)other_signature;
  const auto spliced = changed(mine[1].value, [&](schema::Envelope::Builder e) {
    e.getIntegrity().setBatch(scratch.getRoot<schema::BatchSignature>().asReader());
  });

  const auto p_forged = append_command(mine[0].key, forged);
  const auto p_spliced = append_command(mine[1].key, spliced);
  const auto p_untrusted = append_command(theirs[0].key, theirs[0].value);
  const auto p_valid = append_command(mine[2].key, mine[2].value);
  auto outcomes = wait_for_outcomes({p_forged, p_spliced, p_untrusted, p_valid});
  BOOST_TEST(codes(outcomes[p_forged]) == "bad_proof");
  BOOST_TEST(codes(outcomes[p_spliced]) == "bad_proof");
  BOOST_TEST(codes(outcomes[p_untrusted]) == "unknown_key");
  BOOST_TEST(outcomes[p_forged].events == 0u);
  BOOST_TEST(outcomes[p_spliced].events == 0u);
  BOOST_TEST(outcomes[p_untrusted].events == 0u);
  BOOST_TEST(outcomes[p_valid].events == 1u);

  // A refusal for a bad proof proves nothing about the id it carries (anyone
  // can copy an id): the genuine records of h0 and h1 are decided when they come.
  const auto p0 = append_command(mine[0].key, mine[0].value);
  const auto p1 = append_command(mine[1].key, mine[1].value);
  outcomes = wait_for_outcomes({p0, p1});
  BOOST_TEST(outcomes[p0].events == 1u, codes(outcomes[p0]));
  BOOST_TEST(outcomes[p1].events == 1u, codes(outcomes[p1]));
  const auto hosts = replay_hosts();
  BOOST_TEST(hosts.size() == 3u);
  BOOST_TEST(hosts.count("h200") == 0u);
  BOOST_TEST(audit().ok());
}

BOOST_AUTO_TEST_CASE(a_log_of_single_and_batched_commands_replays_and_audits_clean) {
  start_daemon();
  // Alone (the CLI's single command), by batches of 16 and of 1 (ops::command_client),
  // and a batch written as raw records.
  BOOST_TEST(submit("s0", register_cmd()).accepted);
  std::vector<ops::command_request> requests;
  for (int i = 0; i < 40; ++i)
    requests.push_back(ops::command_request{std::string(host::entity::kind), "b" + std::to_string(i % 20),
                                            [i](schema::Envelope::Builder b) {
                                              host::entity::write_command(
                                                  i < 20 ? register_cmd()
                                                         : set_state_cmd(host::host_state::draining, "batch"),
                                                  b);
                                            }});
  ops::command_client client(operator_log(), names(), operator_key);
  for (std::size_t batch : {std::size_t{16}, std::size_t{1}}) {
    const std::vector<ops::command_request> half(requests.begin() + (batch == 16 ? 0 : 20),
                                                 requests.begin() + (batch == 16 ? 20 : 40));
    const auto outcomes = client.submit_all(half, batch, true, outcome_wait);
    for (const auto& o : outcomes)
      BOOST_TEST(o.accepted, o.code << ": " << o.reason);
  }
  BOOST_TEST(submit("s0", set_state_cmd(host::host_state::draining, "single")).accepted);

  restart_daemon();  // the daemon recovers every host from the log
  BOOST_TEST(submit("b3", set_state_cmd(host::host_state::up, "after restart")).accepted);
  const auto report = audit();
  BOOST_TEST(report.ok());
  for (const auto& v : report.violations)
    BOOST_TEST_MESSAGE(v);
  BOOST_TEST(report.commands_signed_ok == report.commands);
  BOOST_TEST(report.commands == 43u);
  const auto hosts = replay_hosts();
  BOOST_TEST(hosts.size() == 21u);
  BOOST_TEST((hosts.at("b7").state.status == host::host_state::draining));
  BOOST_TEST((hosts.at("b3").state.status == host::host_state::up));
  BOOST_TEST((hosts.at("s0").state.status == host::host_state::draining));
}

BOOST_AUTO_TEST_SUITE_END()
