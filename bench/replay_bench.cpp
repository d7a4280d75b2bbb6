// Group 2: replay with full verification, stage by stage, beside the raw
// rates of what each stage does (page-cache reads, Cap'n Proto decode,
// BLAKE2b, Ed25519 verify), all measured in this run.

#include "bench/bench_data.hpp"
#include "bench/groups.hpp"
#include "bench/raw_refs.hpp"
#include "bench/replay_pass.hpp"

#include "events/crypto/record_hashes.hpp"
#include "events/file_log/file_log.hpp"
#include "events/replay/verified_replay.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>

namespace storemesh::bench {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t entities = 10'000;
constexpr std::size_t seal_every = 1000;  // events per appended batch, then one seal

struct data_set {
  fs::path root;
  std::uint64_t events = 0;
  std::uint64_t seals = 0;
  aligned_values all;     // every record value, in log order
  aligned_values hashed;  // the event values (what the chains hash)
};

/// Appends `n` events in batches of `seal_every` + 1 seal (fsync never: the
/// data set is the subject, not the writing), then reads the values back.
void write_data_set(data_set& ds, std::uint64_t n, const events::crypto::key_pair& sealer) {
  const auto t0 = clock::now();
  {
    events::file_log_options opts;
    opts.root = ds.root;
    opts.sync = events::fsync_policy::never;
    auto log = must(events::file_log::open(opts), "file_log::open");
    must(log->create_topic(events_topic, 1), "create_topic");
    event_stream stream(entities, 2);
    std::vector<events::record> batch;
    std::vector<events::crypto::digest> hashes;
    while (ds.events < n) {
      batch.clear();
      hashes.clear();
      while (batch.size() < seal_every && ds.events < n) {
        batch.push_back(stream.next(hashes.emplace_back()));
        ++ds.events;
      }
      batch.push_back(make_seal_record(events_topic, 0, hashes, sealer));
      ++ds.seals;
      must(log->append(events_topic, partition_id{0}, batch), "append");
    }
  }
  sync_tree(ds.root);  // no writeback running behind the measurements
  std::printf("  data set: %llu events + %llu seals, %s entities, %.0f MB of segments, written in %.1f s\n",
              static_cast<unsigned long long>(ds.events), static_cast<unsigned long long>(ds.seals),
              human(entities).c_str(), static_cast<double>(tree_bytes(ds.root)) / 1e6, seconds_since(t0));
}

/// Copies every record value into memory, for the from-memory references.
void load_values(data_set& ds) {
  events::file_log_options opts;
  opts.root = ds.root;
  opts.read_only = true;
  auto log = must(events::file_log::open(opts), "file_log::open");
  auto reader = must(log->read(events_topic, partition_id{0}, offset{0}), "read");
  std::vector<events::record_view> batch;
  for (;;) {
    batch.clear();
    if (must(reader->poll(batch), "poll") == 0) break;
    for (const auto& r : batch) {
      ds.all.add(r.value);
      if (r.key != sealer_id) ds.hashed.add(r.value);
    }
  }
}

/// Best of `runs` replay passes at `level`.
replay_result best_pass(const options& o, const data_set& ds, replay_level level,
                        const events::crypto::public_key& sealer) {
  replay_result best;
  best.seconds = 1e300;
  for (int run = 0; run < o.runs; ++run) {
    const replay_result r = replay_pass(ds.root, level, sealer);
    if (r.events != ds.events) fail("replay saw " + std::to_string(r.events) + " events");
    if (r.seconds < best.seconds) best = r;
  }
  return best;
}

/// One events::replay::verified_replay of the data set (open included), as
/// `storemesh audit` would run it; fails the process on any violation.
/// The process's CPU time (every thread's), seconds.
double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

struct verified_time {
  double seconds = 0;      // wall clock
  double cpu_seconds = 0;  // all threads
};

verified_time verified_replay_pass(const data_set& ds, const events::crypto::trusted_keys& keys, unsigned threads) {
  const auto t0 = clock::now();
  const double cpu0 = process_cpu_seconds();
  events::file_log_options opts;
  opts.root = ds.root;
  opts.read_only = true;
  auto log = must(events::file_log::open(opts), "file_log::open");
  std::uint64_t seen = 0;
  events::replay::replay_options ro;
  ro.threads = threads;
  const auto report = must(events::replay::verified_replay(
                               *log, events_topic, partition_id{0}, keys,
                               [&](const events::record_view&, const events::envelope::decoded_envelope&,
                                   const events::crypto::digest&) { ++seen; },
                               ro),
                           "verified_replay");
  const verified_time took{seconds_since(t0), process_cpu_seconds() - cpu0};
  if (!report.clean()) {
    fail("verified_replay: " + std::to_string(report.violations.size()) + " violations, the first at offset " +
         std::to_string(report.violations[0].at.value) + ": " + report.violations[0].what);
  }
  if (seen != ds.events || report.seals != ds.seals) fail("verified_replay saw " + std::to_string(seen) + " events");
  return took;
}

/// Best of `runs` verified_replay passes.
/// Best of `runs` verified_replay passes (by wall clock).
verified_time best_verified(const options& o, const data_set& ds, const events::crypto::trusted_keys& keys,
                            unsigned threads) {
  verified_time best{1e300, 0};
  for (int run = 0; run < o.runs; ++run) {
    const verified_time t = verified_replay_pass(ds, keys, threads);
    if (t.seconds < best.seconds) best = t;
  }
  return best;
}

/// The rate of the work between two stages: n / (t_after - t_before).
rate increment(double n, double t_before, double t_after) {
  return rate{n / std::max(t_after - t_before, 1e-9), "ev/s"};
}

} // namespace

void replay_group(const options& o) {
  const std::uint64_t n = o.quick ? std::min<std::uint64_t>(o.events, 100'000) : o.events;
  std::printf("\n2. Replay with full verification, 1 partition, page cache warm\n");
  const auto sealer = events::crypto::key_pair::generate();
  const auto sealer_key = sealer.public_key();
  data_set ds;
  ds.root = o.dir / "replay";
  write_data_set(ds, n, sealer);
  load_values(ds);
  const double ev = static_cast<double>(ds.events);

  // Each stage is the best of o.runs passes; then the components, raw and
  // through events/ interleaved run by run.
  replay_result stage[4];
  const replay_level levels[4] = {replay_level::read, replay_level::decode, replay_level::chains,
                                  replay_level::full};
  for (int i = 0; i < 4; ++i) stage[i] = best_pass(o, ds, levels[i], sealer_key);
  // The component audits use: 2 threads, and on the calling thread only.
  const events::crypto::trusted_keys keys{sealer_key};
  const verified_time timed_2 = best_verified(o, ds, keys, 2);
  const verified_time timed_1 = best_verified(o, ds, keys, 1);
  const double verified_2t = timed_2.seconds;
  const double verified_1t = timed_1.seconds;

  const std::size_t verifies = o.quick ? 300 : 2000;
  const component_results c = measure_components(o, ds.root, ds.all, ds.hashed, sealer, verifies);

  // The raw ceiling: read the bytes, decode every record, hash every event,
  // one verify per seal, nothing else.
  const double ceiling_s = c.read_seconds + c.decode_seconds + c.blake_seconds +
                           static_cast<double>(ds.seals) * c.verify_seconds_each;
  const double total = stage[3].seconds;
  const double all_records = static_cast<double>(ds.all.size());

  std::vector<row> rows;
  // Per thread: N threads are held to N times the 1-thread ceiling (the raw
  // work done on N cores side by side: a reference on paper, from the
  // ceiling measured here).
  char note[200];
  row verified_1{"events::replay::verified_replay, 1 thread", per_second(ev, verified_1t, "ev/s"),
                 "raw ceiling: pread + capnp decode + BLAKE2b + 1 verify per seal", rate{ev / ceiling_s, "ev/s"}};
  std::snprintf(note, sizeof note, "target >= 0.80: %s", ceiling_s / verified_1t >= 0.8 ? "MET" : "MISSED");
  verified_1.note = note;
  rows.push_back(verified_1);
  row verified_2{"events::replay::verified_replay, 2 threads", per_second(ev, verified_2t, "ev/s"),
                 "2 x the raw ceiling (1 thread) above", rate{2 * ev / ceiling_s, "ev/s"}};
  std::snprintf(note, sizeof note, "target >= 0.80 per thread: %s; %.2fx the 1-thread replay",
                ceiling_s / verified_2t / 2 >= 0.8 ? "MET" : "MISSED", verified_1t / verified_2t);
  verified_2.note = note;
  rows.push_back(verified_2);
  row full{"1-thread pass: open, read, decode, chains, seals", per_second(ev, total, "ev/s"),
           "raw ceiling: pread + capnp decode + BLAKE2b + 1 verify per seal", rate{ev / ceiling_s, "ev/s"}};
  std::snprintf(note, sizeof note, "the stages below are this pass; open + read() before the first poll: %.1f ms",
                stage[3].open_seconds * 1e3);
  full.note = note;
  rows.push_back(full);
  rows.push_back({"stage 1: read (file_log_reader::poll)", per_second(ev, stage[0].seconds, "ev/s",
                                                                      static_cast<double>(stage[0].bytes)),
                  "raw pread of the same segment files, 1 MiB reads",
                  per_second(ev, c.read_seconds, "ev/s", static_cast<double>(c.read_bytes))});
  rows.push_back({"stage 2: + decoded_envelope::decode (increment)",
                  increment(ev, stage[0].seconds, stage[1].seconds),
                  "raw FlatArrayMessageReader+getRoot+getSequence, memory",
                  per_second(ev, c.decode_seconds, "ev/s")});
  std::snprintf(note, sizeof note, "(BLAKE2b hashes 128 B blocks: these values average %.0f B, so most take %.0f)",
                static_cast<double>(ds.hashed.bytes()) / ev, std::ceil(static_cast<double>(ds.hashed.bytes()) / ev / 128));
  rows.push_back({"stage 3: + chains: map, compare, record_hashes (incr.)",
                  increment(ev, stage[1].seconds, stage[2].seconds), "raw crypto_generichash_blake2b of each event",
                  per_second(ev, c.blake_seconds, "ev/s"), note});
  rows.push_back({"stage 4: + seals: verify_seal per 1000 (increment)", increment(ev, stage[2].seconds, total),
                  "raw crypto_sign_verify_detached, 1 per 1000 events",
                  rate{ev / (static_cast<double>(ds.seals) * c.verify_seconds_each), "ev/s"}});
  rows.push_back({"decoded_envelope::decode, from memory", per_second(all_records, c.lib_decode_seconds, "rec/s"),
                  "raw FlatArrayMessageReader+getRoot+getSequence", per_second(all_records, c.decode_seconds, "rec/s")});
  rows.push_back({"crypto::record_hash, from memory",
                  per_second(static_cast<double>(ds.hashed.size()), c.lib_blake_seconds, "h/s",
                             static_cast<double>(ds.hashed.bytes())),
                  "raw crypto_generichash_blake2b",
                  per_second(static_cast<double>(ds.hashed.size()), c.blake_seconds, "h/s",
                             static_cast<double>(ds.hashed.bytes()))});
  rows.push_back({"crypto::record_hashes (8 lanes), 64 a call, from memory",
                  per_second(static_cast<double>(ds.hashed.size()), c.lib_lanes_seconds, "h/s",
                             static_cast<double>(ds.hashed.bytes())),
                  "raw crypto_generichash_blake2b",
                  per_second(static_cast<double>(ds.hashed.size()), c.blake_seconds, "h/s",
                             static_cast<double>(ds.hashed.bytes())),
                  events::crypto::record_hashes_in_lanes() ? "" : "(no AVX-512 here: one by one through libsodium)"});
  row seal{"crypto::verify_seal over 1000 hashes", rate{1 / c.lib_verify_seal_seconds_each, "seals/s"},
           "raw crypto_sign_verify_detached, 32 B message", rate{1 / c.verify_seconds_each, "verifies/s"}};
  std::snprintf(note, sizeof note, "(verify_seal = BLAKE2b of the %zu x 32 B hashes + 1 verify; BLAKE2b of 1 MiB "
                                   "buffers runs at %.0f MB/s here)",
                seal_every, c.blake_big_mb_per_second);
  seal.note = note;
  rows.push_back(seal);
  print_group("   (stages are separate best-of-" + std::to_string(o.runs) +
                  " passes; an increment is the rate of the work a stage adds)",
              rows);
  const auto ns = [&](double seconds) { return seconds / ev * 1e9; };
  std::printf("  where a verified event's time goes: read %.0f ns + decode %.0f ns + chains %.0f ns + seals %.0f ns"
              " = %.0f ns\n",
              ns(stage[0].seconds), ns(stage[1].seconds - stage[0].seconds), ns(stage[2].seconds - stage[1].seconds),
              ns(total - stage[2].seconds), ns(total));
  std::printf("  (raw: pread %.0f ns, capnp decode %.0f ns, BLAKE2b %.0f ns, verify %.0f ns per event = %.0f ns)\n",
              ns(c.read_seconds), c.decode_seconds / all_records * 1e9, ns(c.blake_seconds),
              ns(static_cast<double>(ds.seals) * c.verify_seconds_each), ns(ceiling_s));
  // verified_replay on 1 thread, by the same parts through events/: what is
  // left is its ordered checks (chains, seals' counts and keys) and hand-offs.
  const double lib_read = stage[0].seconds;
  const double lib_decode = c.lib_decode_seconds / all_records * ev;
  const double lib_hash = c.lib_lanes_seconds;
  const double lib_seals = static_cast<double>(ds.seals) * c.lib_verify_seal_seconds_each;
  std::printf("  verified_replay, 1 thread, %.0f ns per event: read %.0f + decode %.0f + record_hashes %.0f + "
              "verify_seal %.0f + ordered checks and the rest %.0f ns; 2 threads: %.0f ns per event\n",
              ns(verified_1t), ns(lib_read), ns(lib_decode), ns(lib_hash), ns(lib_seals),
              ns(verified_1t - lib_read - lib_decode - lib_hash - lib_seals), ns(verified_2t));
  // CPU time is what a busy machine disturbs least: per event, all threads.
  std::printf("  CPU per verified event, all threads: 1 thread %.0f ns, 2 threads %.0f ns (the raw ceiling: %.0f ns)\n",
              ns(timed_1.cpu_seconds), ns(timed_2.cpu_seconds), ns(ceiling_s));
  // On paper, N threads: poll() and the ordered checks stay on the calling
  // thread; decode, hashing and seal verification are shared by all N. So an
  // event takes max(serial, (serial + shared) / N), from this run's 1-thread parts.
  const double serial = lib_read + (verified_1t - lib_read - lib_decode - lib_hash - lib_seals);
  const double shared = lib_decode + lib_hash + lib_seals;
  std::printf("  on paper (serial %.0f ns on the calling thread + %.0f ns shared): per-thread ratio to the raw ceiling",
              ns(serial), ns(shared));
  for (const int n : {1, 2, 3, 4, 6, 8}) {
    const double per_event = std::max(serial, (serial + shared) / n);
    std::printf("%s %d: %.2f", n == 1 ? "" : ",", n, ceiling_s / (n * per_event));
  }
  std::printf("\n");
  std::fflush(stdout);
  fs::remove_all(ds.root);
}

} // namespace storemesh::bench
