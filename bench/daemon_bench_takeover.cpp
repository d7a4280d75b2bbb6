// bench_daemon, group 3: taking over a partition that holds 100,000 entities
// -- actors::restore_all_kinds, the pass the daemon's takeover runs on its
// blocking pool (partition_takeover.hpp) -- with and without snapshots,
// beside a raw sequential read (+ envelope decode) of the same records in
// the same run, and beside recovering the entities one at a time
// (recover_entity, what every new actor did before takeovers restored; a
// sample, scaled up).
//
// One partition (1-partition topics), N hosts with 4 events each, written
// round by round in a different order each round, so every host's events are
// spread over the whole partition (interleaved keys), in sealed rounds of
// 1000 records through actors::log_writer. With snapshots: every host is
// snapshotted after its 2nd event, so the pass reads N snapshots and then
// the second half of the events. The embedded log by default
// (fsync_policy::never, page cache warm); --kafka B on a broker.

#include "bench/daemon_bench.hpp"
#include "bench/daemon_bench_history.hpp"

#include "actors/daemon.hpp"
#include "actors/entity_recovery.hpp"
#include "actors/index_feed.hpp"
#include "actors/log_writer.hpp"
#include "actors/partition_takeover.hpp"
#include "actors/records.hpp"
#include "bench/process_memory.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/file_log/file_log.hpp"
#include "events/kafka_log/kafka_log.hpp"
#include "services/host/host_codec.hpp"

#include <future>
#include <limits>
#include <unistd.h>

namespace storemesh::dbench {

namespace {

namespace host = services::host;
using image = actors::entity_image<host::entity>;
constexpr std::uint64_t events_per_host = 4;
constexpr std::uint64_t snapshot_after = 2;
constexpr std::size_t round_records = 1000;

struct dataset {
  actors::topics names;
  std::vector<std::string> ids;
  std::vector<image> images;         ///< what was written, per host
  std::uint64_t event_records = 0;   ///< events + seals in the partition
  std::uint64_t snapshot_records = 0;
  offset tail_from{0};               ///< the lowest events offset a restore needs
};


dataset generate(events::event_log& log, const std::string& prefix, std::size_t hosts, bool snapshots) {
  dataset d;
  d.names.prefix = prefix;
  must(actors::create_topics(log, d.names, 1), "creating topics");
  actors::log_writer writer(log, d.names, events::crypto::key_pair::generate(), "daemon@bench");
  const auto topic = d.names.events("host");
  const partition_id p{0};
  for (std::size_t i = 0; i < hosts; ++i) d.ids.push_back("host-" + std::to_string(i));
  d.images.resize(hosts);
  std::int64_t command_offset = 0;
  auto event_of = [&](std::size_t i) {
    auto& im = d.images[i];
    actors::cause why;
    why.command_id = events::envelope::new_message_id();
    why.correlation_id = actors::message_id_key(why.command_id);
    why.command_offset = command_offset++;
    why.decided_ns = events::envelope::now_ns();
    const auto ev = nth_host_event(im.seq + 1);
    auto rec = actors::make_event_record("host", d.ids[i], im.seq + 1, im.last_hash, why, "daemon@bench",
                                         [&](schema::Envelope::Builder b) { host::entity::write_event(ev, b); });
    im.last_hash = events::crypto::record_hash(rec.value);
    im.seq += 1;
    im.state = host::entity::evolve(std::move(im.state), ev);
    im.processed.add(actors::message_id_key(why.command_id), why.command_offset, why.decided_ns);
    return rec;
  };
  // Odd strides not divisible by 5: a permutation of 10^k hosts each round.
  const std::size_t strides[] = {1, 7919, 3, 9973};
  auto tail_from = std::numeric_limits<std::int64_t>::max();
  for (std::uint64_t round = 0; round < events_per_host; ++round) {
    for (std::size_t k = 0; k < hosts; k += round_records) {
      std::vector<events::record> batch;
      std::vector<std::size_t> who;
      for (std::size_t j = k; j < std::min(hosts, k + round_records); ++j) {
        who.push_back((j * strides[round % 4]) % hosts);
        batch.push_back(event_of(who.back()));
      }
      const auto first = append_and_wait(writer, {actors::append_part{topic, p, std::move(batch)}}).front();
      for (std::size_t j = 0; j < who.size(); ++j) {
        d.images[who[j]].last_event_offset = first.value + static_cast<std::int64_t>(j);
        d.images[who[j]].since_snapshot += 1;
      }
      d.event_records += who.size() + 1;  // + the seal
    }
    if (!snapshots || round + 1 != snapshot_after) continue;
    for (std::size_t k = 0; k < hosts; k += round_records) {
      std::vector<events::record> batch;
      for (std::size_t i = k; i < std::min(hosts, k + round_records); ++i) {
        auto& im = d.images[i];
        im.since_snapshot = 0;
        tail_from = std::min(tail_from, im.last_event_offset + 1);
        batch.push_back(actors::make_snapshot_record("host", d.ids[i], im.seq, im.last_hash, topic, p,
                                                     im.last_event_offset, host::entity::write_state(im.state),
                                                     im.processed, "daemon@bench"));
      }
      d.snapshot_records += batch.size() + 1;
      (void)append_and_wait(writer, {actors::append_part{d.names.snapshots(), p, std::move(batch)}});
    }
  }
  writer.stop();
  d.tail_from = offset{snapshots ? tail_from : 0};
  return d;
}

/// Reads topic/0 from `from` to its end and decodes every envelope: the floor
/// under any pass over those records. Returns how many it read.
std::uint64_t read_and_decode(events::event_log& log, const std::string& topic, offset from) {
  auto reader = must(log.read(topic, partition_id{0}, from), "read " + topic);
  std::vector<events::record_view> batch;
  std::uint64_t n = 0, bytes = 0;
  for (;;) {
    batch.clear();
    const auto got = must(reader->poll(batch), "poll " + topic);
    if (got == 0) return n;
    for (const auto& r : batch) {
      auto env = events::envelope::decoded_envelope::decode(r.value);
      if (env) bytes += env.value().entity_id().size();  // keep the decode
    }
    n += got;
  }
  (void)bytes;
}

struct indexes {
  actors::rejected_index rejected;
  actors::snapshot_index snapshots;
  actors::entity_index entities;
};

void run_variant(const options& o, events::event_log& log, const std::string& prefix, std::size_t hosts,
                 bool snapshots, std::vector<row>& rows) {
  const char* label = snapshots ? "with snapshots" : "no snapshots";
  std::printf("\n[3] %s: writing %zu hosts x %llu events%s, one partition ...\n", label, hosts,
              static_cast<unsigned long long>(events_per_host),
              snapshots ? ", a snapshot of each after its 2nd" : "");
  std::fflush(stdout);
  auto t0 = clock::now();
  const auto d = generate(log, prefix, hosts, snapshots);
  std::printf("    written in %.1f s: %llu event records, %llu snapshot records (seals included)\n", seconds_since(t0),
              static_cast<unsigned long long>(d.event_records), static_cast<unsigned long long>(d.snapshot_records));
  std::fflush(stdout);

  // What the intake's prepare does first: the indexes catch up (a daemon
  // that never read these topics: all of them).
  double catch_up = 1e9;
  auto idx = std::make_unique<indexes>();
  for (int r = 0; r < o.runs; ++r) {
    idx = std::make_unique<indexes>();
    actors::index_feed feed(log, d.names, idx->rejected, idx->snapshots, idx->entities);
    t0 = clock::now();
    must(feed.catch_up(), "index catch-up");
    catch_up = std::min(catch_up, seconds_since(t0));
  }
  actors::runtime_context ctx;
  ctx.log = &log;
  ctx.names = d.names;
  ctx.snapshots = &idx->snapshots;
  ctx.entities = &idx->entities;
  ctx.event_partitions = 1;
  ctx.snapshot_partitions = 1;

  double restore = 1e9;
  std::uint64_t records_read = 0;
  double bytes_per_image = 0;
  for (int r = 0; r < o.runs; ++r) {
    const auto before = storemesh::bench::sample_memory();
    actors::restored_images::image_map images;
    t0 = clock::now();
    const auto tally = must(actors::restore_all_kinds(ctx, partition_id{0}, images), "restore");
    restore = std::min(restore, seconds_since(t0));
    records_read = tally.records_read;
    if (images.size() != hosts || tally.set_aside != 0)
      fail("restored " + std::to_string(images.size()) + " images, " + std::to_string(tally.set_aside) +
           " set aside, of " + std::to_string(hosts) + " hosts");
    for (std::size_t i = 0; i < hosts; i += std::max<std::size_t>(1, hosts / 100)) {
      const auto& im = *std::static_pointer_cast<image>(images.at("host/" + d.ids[i]));
      if (im.seq != d.images[i].seq || im.last_hash != d.images[i].last_hash || !(im.state == d.images[i].state))
        fail("restored image of " + d.ids[i] + " differs from the one written");
    }
    if (r == 0)
      bytes_per_image = static_cast<double>(storemesh::bench::sample_memory().heap - before.heap) /
                        static_cast<double>(hosts);
  }

  double raw = 1e9;
  std::uint64_t raw_records = 0;
  for (int r = 0; r < o.runs; ++r) {
    t0 = clock::now();
    raw_records = (snapshots ? read_and_decode(log, d.names.snapshots(), offset{0}) : 0) +
                  read_and_decode(log, d.names.events("host"), d.tail_from);
    raw = std::min(raw, seconds_since(t0));
  }

  // Today's path for comparison: one recover_entity per host, a sample
  // spread over the hosts (their histories start all over the partition).
  const std::size_t sample = std::min<std::size_t>(hosts, o.quick ? 20 : 200);
  t0 = clock::now();
  for (std::size_t k = 0; k < sample; ++k) {
    const auto i = k * hosts / sample;
    if (must(actors::recover_entity<host::entity>(ctx, d.ids[i]), "recover_entity").seq != d.images[i].seq)
      fail("recover_entity of " + d.ids[i] + " differs from the one written");
  }
  const double alone = seconds_since(t0) / static_cast<double>(sample) * static_cast<double>(hosts);

  char what[200], ref[200], note[300];
  std::snprintf(what, sizeof what, "take over %s hosts, %s: restore (%s records read)", human(double(hosts)).c_str(),
                label, human(double(records_read)).c_str());
  std::snprintf(ref, sizeof ref, "raw read + decode of them (%s)", human(double(raw_records)).c_str());
  std::snprintf(note, sizeof note, "%.0f ns per record read vs %.0f raw; %s images held, ~%.0f B of heap each until claimed",
                restore / double(records_read) * 1e9, raw / double(raw_records) * 1e9, human(double(hosts)).c_str(),
                bytes_per_image);
  rows.push_back(row{what, ms(restore), ref, ms(raw), restore / raw, note});
  rows.push_back(row{std::string("  + the indexes' catch-up before it (") + label + ")", ms(catch_up),
                     "restore", ms(restore), catch_up / restore,
                     "what the intake's prepare reads first: every events key, every snapshot's header"});
  std::snprintf(what, sizeof what, "  one recover_entity per host instead (%zu sampled, scaled to %s)", sample,
                human(double(hosts)).c_str());
  rows.push_back(row{what, ms(alone), "restore", ms(restore), alone / restore,
                     "each reads the partition from the host's first event (or snapshot) to its end"});
}

} // namespace

void takeover_group(const options& o) {
  std::unique_ptr<events::event_log> log;
  std::string prefix = "storemesh";
  if (o.kafka.empty()) {
    events::file_log_options lo;
    lo.root = o.dir / "takeover-log";
    lo.sync = events::fsync_policy::never;  // data generation only; the pass reads from the page cache
    log = must(events::file_log::open(lo), "opening the log");
  } else {
    events::kafka_log_options ko;
    ko.bootstrap = o.kafka;
    log = must(events::kafka_log::open(ko), "connecting to Kafka");
    prefix = "dbench" + std::to_string(::getpid());
  }
  const std::size_t hosts = o.quick ? 10000 : 100000;
  std::vector<row> rows;
  run_variant(o, *log, prefix + "-plain", hosts, false, rows);
  run_variant(o, *log, prefix + "-snap", hosts, true, rows);
  print_table("3. taking over a partition of " + human(double(hosts)) + " hosts (restore_all_kinds, every kind), best of " +
                  std::to_string(o.runs) + (o.kafka.empty() ? ", embedded log, page cache warm" : ", Kafka " + o.kafka) +
                  "; ratio = figure / reference",
              rows);
}

} // namespace storemesh::dbench
