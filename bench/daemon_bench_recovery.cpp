// bench_daemon, group 2: recovery of one entity (actors::recover_entity) with
// and without snapshots.
//
// The log is written the way the daemon writes it (actors/records.hpp records,
// sealed group commits through actors::log_writer, a snapshot every
// snapshot_every events of the entity, carrying its processed-command map),
// but generated directly rather than through signed commands: 10k events of
// the target host interleaved 1:10 with 100k events of 1000 other hosts, all
// of them in the target's partition (worst case for the scan: in a 2-partition
// topic a real log would put about half the others elsewhere). Written with
// fsync_policy::never, recovered with the page cache warm.

#include "bench/daemon_bench.hpp"
#include "bench/daemon_bench_history.hpp"

#include "actors/daemon.hpp"
#include "actors/entity_recovery.hpp"
#include "actors/log_writer.hpp"
#include "actors/records.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/file_log/file_log.hpp"
#include "events/topic_scan.hpp"
#include "services/host/host_codec.hpp"

#include <future>

namespace storemesh::dbench {

namespace {

namespace host = services::host;
using image = actors::entity_image<host::entity>;


struct generated {
  image target;
  std::vector<actors::snapshot_location> snapshots;  // in order
  std::size_t snapshot_bytes = 0;
  std::size_t records = 0;                           // in the target's events partition
};

generated generate(const options& o, events::event_log& log, const actors::topics& names, const std::string& target,
                   const std::vector<std::string>& others, std::uint64_t snapshot_every) {
  actors::log_writer writer(log, names, events::crypto::key_pair::generate(), "daemon@bench");
  const std::string topic = names.events("host");
  const auto tp = events::partition_for(target, 2);
  const auto sp = events::partition_for(target, 2);
  std::vector<image> other(others.size());
  generated g;
  std::int64_t command_offset = 0;
  const std::size_t per_target = o.other_events / o.entity_events;  // 10
  std::size_t next_other = 0;

  auto event_of = [&](const std::string& id, image& im) {
    actors::cause why;
    why.command_id = events::envelope::new_message_id();
    why.correlation_id = actors::message_id_key(why.command_id);
    why.command_offset = command_offset++;
    const auto ev = nth_host_event(im.seq + 1);
    auto rec = actors::make_event_record("host", id, im.seq + 1, im.last_hash, why, "daemon@bench",
                                         [&](schema::Envelope::Builder b) { host::entity::write_event(ev, b); });
    im.last_hash = events::crypto::record_hash(rec.value);
    im.seq += 1;
    im.state = host::entity::evolve(std::move(im.state), ev);
    im.processed.add(actors::message_id_key(why.command_id), why.command_offset, events::envelope::now_ns());
    return rec;
  };

  constexpr std::size_t target_per_batch = 100;
  while (g.target.seq < o.entity_events) {
    std::vector<events::record> batch;
    std::vector<std::size_t> target_at;
    for (std::size_t k = 0; k < target_per_batch && g.target.seq < o.entity_events; ++k) {
      target_at.push_back(batch.size());
      batch.push_back(event_of(target, g.target));
      for (std::size_t j = 0; j < per_target; ++j) {
        const auto i = next_other++ % others.size();
        batch.push_back(event_of(others[i], other[i]));
      }
    }
    g.records += batch.size() + 1;  // + the seal
    const auto first = append_and_wait(writer, {actors::append_part{topic, tp, std::move(batch)}}).front();
    g.target.last_event_offset = first.value + static_cast<std::int64_t>(target_at.back());
    g.target.since_snapshot += target_at.size();
    if (g.target.since_snapshot >= snapshot_every) {
      g.target.since_snapshot = 0;
      auto rec = actors::make_snapshot_record("host", target, g.target.seq, g.target.last_hash, topic, tp,
                                              g.target.last_event_offset, host::entity::write_state(g.target.state),
                                              g.target.processed, "daemon@bench");
      g.snapshot_bytes = rec.value.size();
      const auto at = append_and_wait(writer, {actors::append_part{names.snapshots(), sp, {std::move(rec)}}}).front();
      g.snapshots.push_back(actors::snapshot_location{sp, at});
    }
  }
  writer.stop();
  return g;
}

struct timing {
  double best = 1e9;
  std::uint64_t seq = 0;
};

template <class F>
timing best_of(const options& o, F&& f) {
  timing t;
  for (int r = 0; r < o.runs; ++r) {
    const auto t0 = clock::now();
    t.seq = f();
    t.best = std::min(t.best, seconds_since(t0));
  }
  return t;
}

} // namespace

void recovery_group(const options& o) {
  events::file_log_options lo;
  lo.root = o.dir / "recovery-log";
  lo.sync = events::fsync_policy::never;  // data generation only; recovery reads from the page cache
  auto log = must(events::file_log::open(lo), "opening the log");
  const actors::topics names;
  must(actors::create_topics(*log, names, 2), "creating topics");
  const std::string target = "host-target";
  const auto tp = events::partition_for(target, 2);
  std::vector<std::string> others;
  std::string never_seen;
  for (int i = 0; others.size() < std::max<std::size_t>(1, o.other_events / 100) || never_seen.empty(); ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "host-%06d", i);
    if (events::partition_for(id, 2) != tp) continue;
    if (never_seen.empty()) never_seen = std::string(id) + "-new";
    if (events::partition_for(never_seen, 2) != tp) never_seen.clear();
    else others.push_back(id);
  }
  const std::uint64_t snapshot_every = actors::runtime_context{}.snapshot_every;
  std::printf("\n[2] writing %zu events of %s interleaved 1:%zu with %zu events of %zu other hosts, one partition, "
              "a snapshot every %llu events ...\n",
              o.entity_events, target.c_str(), o.other_events / o.entity_events, o.other_events, others.size(),
              static_cast<unsigned long long>(snapshot_every));
  std::fflush(stdout);
  const auto t0 = clock::now();
  auto g = generate(o, *log, names, target, others, snapshot_every);
  std::printf("    written in %.1f s: %zu records in the partition, %zu snapshots of %zu bytes each (latest)\n",
              seconds_since(t0), g.records, g.snapshots.size(), g.snapshot_bytes);

  // Snapshot locations, rebuilt as daemon::start() does.
  actors::snapshot_index all, older, none;
  must(events::scan_topic(*log, names.snapshots(), [&](partition_id part, const events::record_view& r) -> result<void> {
         auto env = events::envelope::decoded_envelope::decode(r.value);
         if (env && env.value().reader().getPayload().isSnapshot())
           all.put(std::string(env.value().entity_kind()), std::string(env.value().entity_id()),
                   actors::snapshot_location{part, r.off});
         return success();
       }),
       "scanning snapshots");
  if (g.snapshots.size() >= 2) older.put("host", target, g.snapshots[g.snapshots.size() - 2]);

  auto ctx_with = [&](actors::snapshot_index& idx) {
    actors::runtime_context ctx;
    ctx.log = log.get();
    ctx.names = names;
    ctx.snapshots = &idx;
    ctx.event_partitions = 2;
    return ctx;
  };
  auto recover = [&](actors::snapshot_index& idx, const std::string& id) {
    auto ctx = ctx_with(idx);
    auto im = must(actors::recover_entity<host::entity>(ctx, id), "recover_entity " + id);
    if (id == target && (im.seq != g.target.seq || !(im.state == g.target.state) ||
                         im.processed.size() != g.target.processed.size()))
      fail("recovered image differs from the one written");
    return im.seq;
  };

  const auto with = best_of(o, [&] { return recover(all, target); });
  const auto with_older = best_of(o, [&] { return recover(older, target); });
  const auto without = best_of(o, [&] { return recover(none, target); });
  const auto fresh = best_of(o, [&] { return recover(none, never_seen); });
  const auto snap_only = best_of(o, [&] {
    auto ctx = ctx_with(all);
    return must(actors::read_snapshot<host::entity>(ctx, target, g.snapshots.back()), "read_snapshot").seq;
  });
  const auto scan = best_of(o, [&] {
    auto reader = must(log->read(names.events("host"), tp, offset{0}), "read");
    std::vector<events::record_view> batch;
    std::uint64_t n = 0;
    for (;;) {
      batch.clear();
      const auto got = must(reader->poll(batch), "poll");
      if (got == 0) break;
      n += got;
    }
    return n;
  });

  const double target_ms = 0.020;
  std::vector<row> rows;
  char note[200];
  std::snprintf(note, sizeof note, "target < 20 ms: %s; replays %llu events past the snapshot",
                with.best < target_ms ? "met" : "NOT met",
                static_cast<unsigned long long>(g.target.seq - g.target.seq / snapshot_every * snapshot_every));
  rows.push_back(row{"recover " + human(double(g.target.seq)) + "-event host, latest snapshot", ms(with.best),
                     "recover without snapshots", ms(without.best), without.best / with.best, note});
  if (g.snapshots.size() >= 2)
    rows.push_back(row{"recover, snapshot one interval old (" + human(double(snapshot_every)) + " events to replay)",
                       ms(with_older.best), "recover without snapshots", ms(without.best),
                       without.best / with_older.best, ""});
  rows.push_back(row{"  of which read_snapshot alone (" + human(double(g.target.processed.size())) +
                         " processed ids, " + human(double(g.snapshot_bytes)) + " B)",
                     ms(snap_only.best), "recover with latest snapshot", ms(with.best), snap_only.best / with.best,
                     ""});
  rows.push_back(row{"recover without snapshots", ms(without.best), "poll-only scan of the partition (" +
                                                                        human(double(scan.seq)) + " records)",
                     ms(scan.best), without.best / scan.best, ""});
  rows.push_back(row{"recover a never-seen host (first command to it)", ms(fresh.best),
                     "poll-only scan of the partition", ms(scan.best), fresh.best / scan.best,
                     "no snapshot, no events: still scans the whole partition from offset 0"});
  print_table("2. recover_entity<host::entity>, best of " + std::to_string(o.runs) +
                  ", page cache warm; ratio = reference time / figure time for the first two rows (speed-up), "
                  "figure / reference after",
              rows);
}

} // namespace storemesh::dbench
