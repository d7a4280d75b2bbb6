#include "tests/runtime/runtime_fixture.hpp"

#include "actors/entity_kinds.hpp"
#include "actors/offset_store.hpp"
#include "events/crypto/command_signing.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/crypto/hashing.hpp"
#include "events/kafka_log/kafka_log.hpp"
#include "events/topic_scan.hpp"

#include <boost/test/unit_test.hpp>
#include <capnp/message.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <thread>

namespace storemesh::testing::runtime {

using events::envelope::as_data;
using events::envelope::as_string_view;
using events::envelope::decoded_envelope;

// -- the model --------------------------------------------------------------------

services::decision<host::event> host_model::apply(const std::string& id, const host::command& c) {
  auto& s = states_[id];
  auto d = host::decide(s, c);
  if (d.accepted())
    for (const auto& e : d.events) {
      s = host::evolve(std::move(s), e);
      events_[id].push_back(e);
    }
  return d;
}

host::command register_cmd(std::vector<host::datastore> datastores) {
  return host::register_host{std::move(datastores)};
}

host::command register_cmd(std::string_view name, std::string_view path) {
  return host::register_host{{host::datastore{std::string(name), std::string(path)}}};
}

host::command set_state_cmd(host::host_state to, std::string reason) {
  return host::set_state{to, std::move(reason)};
}

std::uint64_t test_seed() {
  if (const char* s = std::getenv("STOREMESH_SEED"); s && *s)
    return std::strtoull(s, nullptr, 10);
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

// -- the fixture --------------------------------------------------------------------

namespace {

/// The same suite runs on the embedded log and, with STOREMESH_TEST_KAFKA set
/// to a bootstrap address, on a real Kafka broker (DESIGN.md: the same
/// scenarios on both logs). Each fixture then gets topics of its own.
const char* kafka_under_test() {
  const char* k = std::getenv("STOREMESH_TEST_KAFKA");
  return k != nullptr && *k != '\0' ? k : nullptr;
}

std::unique_ptr<events::event_log> open_log(const std::filesystem::path& root, bool read_only) {
  if (const char* bootstrap = kafka_under_test()) {
    events::kafka_log_options k;
    k.bootstrap = bootstrap;
    auto log = events::kafka_log::open(k);
    BOOST_REQUIRE_MESSAGE(log.has_value(), failure_of(log));
    return std::move(log).value();
  }
  events::file_log_options o;
  o.root = root;
  // Nothing here simulates a power cut: skip the fdatasyncs, keep the tests quick.
  o.sync = events::fsync_policy::never;
  o.read_only = read_only;
  auto log = events::file_log::open(o);
  BOOST_REQUIRE_MESSAGE(log.has_value(), failure_of(log));
  return std::move(log).value();
}

} // namespace

runtime_fixture::runtime_fixture() : operator_key(events::crypto::key_pair::generate()) {
  if (kafka_under_test()) {
    const auto id = events::envelope::new_message_id();
    options.names.prefix = "test" + events::crypto::to_hex(id.data(), 6);
  }
  log_ = open_log(dir_ / "log", false);
  cli_log_ = open_log(dir_ / "log", false);
  options.state_dir = state_dir();
  options.trusted.add(operator_key.public_key());
  options.snapshot_every = 1000;
  options.idle_after = 30s;
  options.producer = "daemon@runtime-test";
  auto created = actors::create_topics(*cli_log_, options.names, options.partitions);
  BOOST_REQUIRE_MESSAGE(created.has_value(), failure_of(created));
}

runtime_fixture::~runtime_fixture() { stop_daemon(); }

void runtime_fixture::start_daemon() {
  BOOST_REQUIRE(!daemon_);
  wrapped_ = wrap_daemon_log ? wrap_daemon_log(*log_) : nullptr;
  daemon_ = std::make_unique<actors::daemon>(wrapped_ ? *wrapped_ : *log_, options);
  auto started = daemon_->start();
  BOOST_REQUIRE_MESSAGE(started.has_value(), failure_of(started));
  if (std::find(sealers_.begin(), sealers_.end(), daemon_->sealing_key()) == sealers_.end())
    sealers_.push_back(daemon_->sealing_key());
}

void runtime_fixture::stop_daemon() {
  if (!daemon_)
    return;
  daemon_->stop();
  const bool failed = daemon_->failed();
  daemon_.reset();
  wrapped_.reset();
  BOOST_CHECK_MESSAGE(!failed, "the daemon reported a fatal error");
}

std::string runtime_fixture::command_bytes(std::string_view kind, std::string_view id, const host::command& c,
                                           const events::crypto::key_pair* signer,
                                           const std::function<void(schema::Envelope::Builder)>& after_signing,
                                           std::int64_t timestamp_ns) {
  capnp::MallocMessageBuilder message;
  auto env = message.initRoot<schema::Envelope>();
  const auto cmd_id = events::envelope::new_message_id();
  env.setId(as_data(cmd_id));
  env.setEntityKind(std::string(kind));
  env.setEntityId(std::string(id));
  env.setCorrelationId(as_data(cmd_id));
  env.setTimestampNs(timestamp_ns != 0 ? timestamp_ns : events::envelope::now_ns());
  env.setProducer("cli@runtime-test");
  host::entity::write_command(c, env);
  if (signer != nullptr) {
    auto signed_ok = events::crypto::sign_command(env, *signer);
    BOOST_REQUIRE_MESSAGE(signed_ok.has_value(), failure_of(signed_ok));
  }
  if (after_signing)
    after_signing(env);
  return events::envelope::to_bytes(message);
}

command_position runtime_fixture::append_command(std::string_view key, const std::string& bytes) {
  auto& log = *cli_log_;
  const auto topic = names().commands();
  auto n = log.partitions(topic);
  BOOST_REQUIRE(n.has_value());
  const auto p = events::partition_for(key, n.value());
  auto at = log.append(topic, p, {events::record{std::string(key), bytes, events::envelope::now_ns()}});
  BOOST_REQUIRE_MESSAGE(at.has_value(), failure_of(at));
  return {p, at.value()};
}

std::string runtime_fixture::command_at(command_position where) {
  auto reader = cli_log_->read(names().commands(), where.partition, where.at);
  BOOST_REQUIRE(reader.has_value());
  std::vector<events::record_view> batch;
  auto n = reader.value()->poll(batch, 1);
  BOOST_REQUIRE(n.has_value() && n.value() > 0);
  BOOST_REQUIRE(batch.front().off == where.at);
  return std::string(batch.front().value);
}

ops::command_outcome runtime_fixture::submit(std::string_view id, const host::command& c,
                                             const events::crypto::key_pair& signer, command_position* landed,
                                             std::chrono::milliseconds timeout) {
  // The test is the only writer of commands, so the command lands at the end
  // offset of its partition as it is now.
  const auto topic = names().commands();
  const auto p = events::partition_for(id, cli_log_->partitions(topic).value());
  const auto at = cli_log_->end_offset(topic, p).value();
  if (landed != nullptr)
    *landed = {p, at};
  ops::command_client client(*cli_log_, names(), signer);
  return client.submit({std::string(host::entity::kind), std::string(id),
                        [&](schema::Envelope::Builder b) { host::entity::write_command(c, b); }},
                       true, timeout);
}

command_position runtime_fixture::submit_nowait(std::string_view id, const host::command& c) {
  const auto topic = names().commands();
  const auto p = events::partition_for(id, cli_log_->partitions(topic).value());
  const auto at = cli_log_->end_offset(topic, p).value();  // see submit()
  ops::command_client client(*cli_log_, names(), operator_key);
  (void)client.submit({std::string(host::entity::kind), std::string(id),
                       [&](schema::Envelope::Builder b) { host::entity::write_command(c, b); }},
                      false, 0ms);
  BOOST_REQUIRE(cli_log_->end_offset(topic, p).value() == offset{at.value + 1});
  return {p, at};
}

std::map<command_position, logged_outcome> runtime_fixture::outcomes() {
  std::map<command_position, logged_outcome> out;
  const auto command_partitions = cli_log_->partitions(names().commands()).value();
  auto events_scan = events::scan_topic(
      *cli_log_, names().events(host::entity::kind), [&](partition_id, const events::record_view& r) -> result<void> {
        SM_TRY(auto env, decoded_envelope::decode(r.value));
        if (env.entity_kind() != host::entity::kind)
          return success();  // a seal
        // An event's key is its entity id, which is its command's key too.
        const command_position where{events::partition_for(env.entity_id(), command_partitions),
                                     offset{env.reader().getCommandOffset()}};
        ++out[where].events;
        return success();
      });
  BOOST_REQUIRE_MESSAGE(events_scan.has_value(), failure_of(events_scan));
  auto rejected_scan = events::scan_topic(
      *cli_log_, names().rejected(), [&](partition_id, const events::record_view& r) -> result<void> {
        SM_TRY(auto env, decoded_envelope::decode(r.value));
        if (!env.reader().getPayload().isRejection())
          return success();
        auto rej = env.reader().getPayload().getRejection();
        const command_position where{partition_id{rej.getCommandPartition()}, offset{rej.getCommandOffset()}};
        out[where].rejections.push_back(rej.getCode().cStr());
        return success();
      });
  BOOST_REQUIRE_MESSAGE(rejected_scan.has_value(), failure_of(rejected_scan));
  return out;
}

std::map<command_position, logged_outcome> runtime_fixture::wait_for_outcomes(
    const std::vector<command_position>& which, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto all = outcomes();
    std::vector<command_position> missing;
    for (const auto& w : which)
      if (!all[w].decided())
        missing.push_back(w);
    if (missing.empty())
      return all;
    if (std::chrono::steady_clock::now() > deadline) {
      BOOST_FAIL("no outcome within " << timeout.count() << " ms for " << missing.size() << " command(s), first "
                                      << missing.front());
    }
    std::this_thread::sleep_for(5ms);
  }
}

void runtime_fixture::wait_until_committed(std::chrono::milliseconds timeout) {
  const auto topic = names().commands();
  const actors::offset_store store(state_dir() / "offsets");
  const auto n = cli_log_->partitions(topic).value();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    bool all = true;
    for (std::int32_t i = 0; i < n; ++i)
      all = all && store.committed(topic, partition_id{i}) == cli_log_->end_offset(topic, partition_id{i}).value();
    if (all)
      return;
    if (std::chrono::steady_clock::now() > deadline)
      BOOST_FAIL("intake offsets did not reach the end of " << topic << " within " << timeout.count() << " ms");
    std::this_thread::sleep_for(10ms);
  }
}

std::map<std::string, actors::entity_image<host::entity>> runtime_fixture::replay_hosts() {
  actors::entity_projection<host::entity> hosts;
  auto scan = events::scan_topic(*cli_log_, names().events(host::entity::kind),
                                 [&](partition_id, const events::record_view& r) -> result<void> {
                                   SM_TRY(auto env, decoded_envelope::decode(r.value));
                                   if (env.entity_kind() != host::entity::kind)
                                     return success();
                                   return hosts.fold(std::string(env.entity_id()), env.reader(), r.value,
                                                     r.off.value);
                                 });
  BOOST_REQUIRE_MESSAGE(scan.has_value(), "replaying the host events: " << failure_of(scan));
  return hosts.images();
}

std::map<std::string, host_history> runtime_fixture::host_histories() {
  std::map<std::string, host_history> out;
  auto scan = events::scan_topic(*cli_log_, names().events(host::entity::kind),
                                 [&](partition_id, const events::record_view& r) -> result<void> {
                                   SM_TRY(auto env, decoded_envelope::decode(r.value));
                                   if (env.entity_kind() != host::entity::kind)
                                     return success();
                                   SM_TRY(auto e, host::entity::read_event(env.reader()));
                                   auto& h = out[std::string(env.entity_id())];
                                   h.events.push_back(std::move(e));
                                   h.sequences.push_back(env.reader().getSequence());
                                   h.causes.emplace_back(as_string_view(env.reader().getCausationId()));
                                   return success();
                                 });
  BOOST_REQUIRE_MESSAGE(scan.has_value(), failure_of(scan));
  return out;
}

std::size_t runtime_fixture::record_count(const std::string& topic) {
  std::size_t n = 0;
  auto scan = events::scan_topic(*cli_log_, topic, [&](partition_id, const events::record_view&) -> result<void> {
    ++n;
    return success();
  });
  BOOST_REQUIRE_MESSAGE(scan.has_value(), failure_of(scan));
  return n;
}

std::size_t runtime_fixture::rejection_count() {
  std::size_t n = 0;
  auto scan = events::scan_topic(*cli_log_, names().rejected(),
                                 [&](partition_id, const events::record_view& r) -> result<void> {
                                   SM_TRY(auto env, decoded_envelope::decode(r.value));
                                   n += env.reader().getPayload().isRejection() ? 1 : 0;
                                   return success();
                                 });
  BOOST_REQUIRE_MESSAGE(scan.has_value(), failure_of(scan));
  return n;
}

std::size_t runtime_fixture::snapshot_count(std::string_view id) {
  std::size_t n = 0;
  auto scan = events::scan_topic(*cli_log_, names().snapshots(),
                                 [&](partition_id, const events::record_view& r) -> result<void> {
                                   SM_TRY(auto env, decoded_envelope::decode(r.value));
                                   n += env.reader().getPayload().isSnapshot() && env.entity_id() == id ? 1 : 0;
                                   return success();
                                 });
  BOOST_REQUIRE_MESSAGE(scan.has_value(), failure_of(scan));
  return n;
}

ops::audit_report runtime_fixture::audit() {
  return audit([](events::event_log&) { return nullptr; });
}

ops::audit_report runtime_fixture::audit(
    const std::function<std::unique_ptr<events::event_log>(events::event_log& read_only)>& wrap) {
  auto log = open_log(dir_ / "log", true);
  auto wrapped = wrap(*log);
  ops::audit_options o;
  o.names = names();
  o.command_keys.add(operator_key.public_key());
  for (const auto& k : sealers_)
    o.daemon_keys.add(k);
  return ops::run_audit(wrapped ? *wrapped : *log, o);
}

} // namespace storemesh::testing::runtime
