// `storemesh audit` runs the quorum's checks (ops/audit_clusters.hpp) on every
// cluster entity: a real FileLog with cluster commands and events written as
// operators and a daemon write them, audited clean, then with the quorum left
// below its target for longer than the grace.

#include "ops/audit.hpp"

#include "actors/daemon.hpp"
#include "actors/log_writer.hpp"
#include "actors/records.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/file_log/file_log.hpp"
#include "services/tunnels/quorum/cluster_codec.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <future>
#include <map>

namespace storemesh::ops {
namespace {

namespace cluster = services::cluster;

cluster::peer_spec peer_of(const std::string& id, std::uint8_t n) {
  cluster::public_key k;
  k.bytes.fill(n);
  return cluster::peer_spec{id, k, "", "127.0.0.1:" + std::to_string(7000 + n)};
}

struct fixture {
  testing::temp_dir dir;
  actors::topics names;
  static constexpr std::int32_t partitions = 2;
  events::crypto::key_pair operator_key = events::crypto::key_pair::generate();
  std::unique_ptr<events::event_log> log = open(false);
  actors::log_writer writer{*log, names, events::crypto::key_pair::generate(), "daemon@audit-test"};
  struct entity_log {
    cluster::state state;
    std::uint64_t seq = 0;
    events::crypto::digest last = events::crypto::zero_digest;
  };
  std::map<std::string, entity_log> clusters;

  fixture() { BOOST_REQUIRE(actors::create_topics(*log, names, partitions).has_value()); }

  std::unique_ptr<events::event_log> open(bool read_only) {
    events::file_log_options o;
    o.root = dir / "log";
    o.sync = events::fsync_policy::never;
    o.read_only = read_only;
    auto opened = events::file_log::open(o);
    BOOST_REQUIRE(opened.has_value());
    return std::move(opened).value();
  }

  /// A signed command for cluster `id`, decided and its events appended, sealed.
  void run(const std::string& id, const cluster::command& c) {
    actors::command_header h;
    h.id = events::envelope::new_message_id();
    h.producer = "cli@audit-test";
    auto record = actors::make_command_record(cluster::entity::kind, id, h, operator_key, [&](schema::Envelope::Builder e) {
      cluster::entity::write_command(c, e);
    });
    BOOST_REQUIRE(record.has_value());
    const auto p = events::partition_for(id, partitions);
    BOOST_REQUIRE(log->append(names.commands(), p, {std::move(record).value()}).has_value());
    auto& [state, seq, last] = clusters[id];
    const auto d = cluster::decide(state, c);
    BOOST_REQUIRE_MESSAGE(d.accepted(), (d.accepted() ? "" : d.why().code + ": " + d.why().reason));
    actors::append_part part{names.events(cluster::entity::kind), p, {}};
    for (const auto& e : d.events) {
      part.records.push_back(actors::make_event_record(
          cluster::entity::kind, id, ++seq, last, actors::cause{h.id, {}, -1}, "daemon@audit-test",
          [&](schema::Envelope::Builder b) { cluster::entity::write_event(e, b); }));
      last = events::crypto::record_hash(part.records.back().value);
      state = cluster::evolve(std::move(state), e);
    }
    std::promise<bool> written;
    writer.submit({std::move(part)}, [&](result<std::vector<offset>> r) { written.set_value(r.has_value()); });
    BOOST_REQUIRE(written.get_future().get());
  }

  audit_report audit() {
    audit_options o;
    o.names = names;
    o.command_keys.add(operator_key.public_key());
    o.command_keys.add(writer.sealing_key().public_key());
    o.daemon_keys.add(writer.sealing_key().public_key());
    auto read_only = open(true);
    return run_audit(*read_only, o);
  }

  /// Target 2, grace 1 s: two members and a node.
  void bootstrap(const std::string& id) {
    run(id, cluster::configure{cluster::config{2, 1'000'000'000, 10, 8.0, 100'000'000, false}});
    run(id, cluster::add_server{peer_of("a", 1)});
    run(id, cluster::add_server{peer_of("b", 2)});
    run(id, cluster::add_node{peer_of("n1", 3)});
  }
};

std::string describe(const audit_report& r) {
  std::string s;
  for (const auto& v : r.violations)
    s += v + "\n";
  return s;
}

BOOST_FIXTURE_TEST_SUITE(audit_of_clusters, fixture)

BOOST_AUTO_TEST_CASE(a_loss_filled_within_the_grace_audits_clean) {
  bootstrap("east");
  const std::int64_t t = 1'000'000'000;  // the director's clock: any epoch will do
  run("east", cluster::report_lost{"b", "director", 9, t - 500'000'000, t});
  run("east", cluster::promote{1, {cluster::candidate{"n1", true, 100, 100, ""}}, t + 100'000'000});
  run("east", cluster::report_ready{"n1", 100, 100, t + 600'000'000});
  const auto report = audit();
  BOOST_TEST(report.ok(), describe(report));
  BOOST_TEST(report.entities.at("cluster") == 1u);
  BOOST_TEST(report.events == 7u);
}

BOOST_AUTO_TEST_CASE(a_quorum_left_below_target_beyond_the_grace_is_in_the_verdict) {
  bootstrap("east");
  bootstrap("west");
  // West loses b at t = 1 s (director's clock) and nothing fills it: the
  // period runs to the latest event timestamp the audit reads (now).
  run("west", cluster::report_lost{"b", "director", 9, 500'000'000, 1'000'000'000});
  const auto report = audit();
  BOOST_REQUIRE_EQUAL(report.violations.size(), 1u);
  BOOST_TEST(report.violations[0].find("cluster/west seq 5: the quorum has been below its target") == 0u,
             report.violations[0]);
  BOOST_TEST(report.entities.at("cluster") == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
} // namespace storemesh::ops
