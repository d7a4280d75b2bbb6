// bench_daemon, group 1: signed-command intake through the in-process daemon.
//
// Pipelined: N host commands, pre-signed, spread over H hosts (register, then
// drain/up alternations, so every one is accepted), appended to
// storemesh.commands in batches of 1000 from the bench thread as fast as it
// can, while a monitor thread tails storemesh.events.host and
// storemesh.rejected and notes when each command's outcome (matched by
// causation id) becomes readable. Every run uses fresh hosts on the same
// daemon and log, so run k starts with k*N events already in the log.
//
// One at a time: ops::command_client::submit(wait=true), the CLI's own code,
// against the same running daemon.

#include "bench/daemon_bench.hpp"

#include "actors/daemon.hpp"
#include "actors/fork_join_pool.hpp"
#include "actors/records.hpp"
#include "events/crypto/command_signing.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/file_log/file_log.hpp"
#include "events/kafka_log/kafka_log.hpp"
#include "ops/command_client.hpp"
#include "services/host/host_codec.hpp"

#include <capnp/message.h>
#include <sodium.h>

#include "actors/entity_recovery.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <unordered_map>

namespace storemesh::dbench {

namespace {

namespace host = services::host;
using events::envelope::as_data;
using events::envelope::as_string_view;

struct signed_command {
  std::string id;  // 16 bytes
  std::string key;
  std::string value;
  std::int32_t partition = 0;
};

host::command nth_command(std::size_t j) {
  if (j == 0) return host::register_host{{{"ds1", "/mnt/ds1"}, {"ds2", "/mnt/ds2"}}};
  return host::set_state{j % 2 == 1 ? host::host_state::draining : host::host_state::up, "bench"};
}

/// The run's commands, signed `batch` at a time (1: each alone), as a bulk
/// client would: one Merkle root signed per batch, a proof in each record.
std::vector<signed_command> make_run(const options& o, int run, const events::crypto::key_pair& signer,
                                     std::size_t batch) {
  const std::size_t per_host = (o.commands + o.hosts - 1) / o.hosts;
  std::vector<actors::command_spec> specs;
  specs.reserve(o.commands);
  for (std::size_t j = 0; j < per_host && specs.size() < o.commands; ++j)
    for (std::size_t i = 0; i < o.hosts && specs.size() < o.commands; ++i) {
      char id[48];
      std::snprintf(id, sizeof id, "r%d-host-%05zu", run, i);
      actors::command_header h;
      h.id = events::envelope::new_message_id();
      h.producer = "cli@bench";
      specs.push_back(actors::command_spec{"host", id, std::move(h), [c = nth_command(j)](schema::Envelope::Builder e) {
                                             host::entity::write_command(c, e);
                                           }});
    }
  std::vector<signed_command> out;
  out.reserve(specs.size());
  for (std::size_t at = 0; at < specs.size(); at += batch) {
    const std::vector<actors::command_spec> part(specs.begin() + static_cast<std::ptrdiff_t>(at),
                                                 specs.begin() + static_cast<std::ptrdiff_t>(std::min(specs.size(), at + batch)));
    auto records = must(actors::make_command_batch(part, signer), "signing a batch");
    for (std::size_t k = 0; k < part.size(); ++k) {
      signed_command s;
      s.id.assign(reinterpret_cast<const char*>(part[k].header.id.data()), part[k].header.id.size());
      s.key = records[k].key;
      s.value = std::move(records[k].value);
      s.partition = events::partition_for(s.key, 2).value;
      out.push_back(std::move(s));
    }
  }
  return out;
}

/// CPU seconds (user + system) of every thread of this process, by tid, with
/// its name: who burns the cores during a run.
std::map<int, std::pair<std::string, double>> thread_cpu() {
  std::map<int, std::pair<std::string, double>> out;
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream in(e.path() / "stat");
    std::string line;
    std::getline(in, line);
    const auto open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14) utime = std::stod(field);
      if (i == 15) stime = std::stod(field);
    }
    out[std::stoi(e.path().filename().string())] = {line.substr(open + 1, close - open - 1), (utime + stime) / tick};
  }
  return out;
}

/// Context switches of one thread: {voluntary (it waited), nonvoluntary
/// (preempted while runnable)}.
std::pair<long, long> context_switches(int tid) {
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/status");
  std::pair<long, long> out{0, 0};
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("voluntary_ctxt_switches:", 0) == 0) out.first = std::stol(line.substr(24));
    if (line.rfind("nonvoluntary_ctxt_switches:", 0) == 0) out.second = std::stol(line.substr(27));
  }
  return out;
}

int intake_tid = 0;  // sm.intake, once identified

std::string thread_cpu_delta(const std::map<int, std::pair<std::string, double>>& before,
                             const std::map<int, std::pair<std::string, double>>& after, double wall) {
  std::vector<std::pair<double, std::string>> busy;
  for (const auto& [tid, v] : after) {
    auto it = before.find(tid);
    const double d = v.second - (it == before.end() ? 0.0 : it->second.second);
    if (d > 0.005) busy.emplace_back(d, v.first + "/" + std::to_string(tid));
  }
  std::sort(busy.rbegin(), busy.rend());
  std::string s;
  char buf[96];
  for (const auto& [d, name] : busy) {
    std::snprintf(buf, sizeof buf, "%s%s %.0f%%", s.empty() ? "" : ", ", name.c_str(), 100.0 * d / wall);
    s += buf;
  }
  return s;
}

/// The daemon names its own threads (actors/thread_name.hpp); CAF's scheduler
/// workers are the new threads still carrying the program's name. Returns
/// false if the intake is not found.
bool name_daemon_threads(const std::map<int, std::pair<std::string, double>>& before, const std::string& unnamed_comm) {
  for (const auto& [tid, v] : thread_cpu()) {
    if (before.count(tid) != 0)
      continue;
    if (v.first == "sm.intake")
      intake_tid = tid;
    else if (v.first == unnamed_comm)
      std::ofstream("/proc/self/task/" + std::to_string(tid) + "/comm") << "caf.worker";
  }
  return intake_tid != 0;
}

struct run_result {
  double seconds = 0;          // first append -> last outcome readable
  double append_seconds = 0;   // the bench thread's appends alone
  double cpu_seconds = 0;      // the whole process (daemon + bench threads)
  std::string threads;         // busiest threads, % of one core over the run
  std::size_t accepted = 0, rejected = 0, missing = 0;
  std::vector<double> seen_ms;     // append start -> outcome readable by the monitor
  std::vector<double> decided_ms;  // append start -> outcome envelope timestampNs (when it was decided)
};

run_result pipelined_run(events::event_log& log, const actors::topics& names, std::vector<signed_command>& cmds) {
  const std::size_t n = cmds.size();
  std::unordered_map<std::string, std::size_t> index;
  index.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) index.emplace(cmds[i].id, i);
  std::vector<std::int64_t> in_steady(n, 0), in_real(n, 0), seen_steady(n, 0), decided_real(n, 0);
  std::vector<char> accepted(n, 0);

  struct tail {
    std::string topic;
    bool events;
    std::unique_ptr<events::log_reader> reader;
  };
  std::vector<tail> tails;
  for (const auto& [topic, is_events] : {std::pair{names.events("host"), true}, std::pair{names.rejected(), false}})
    for (std::int32_t p = 0; p < 2; ++p) {
      const auto end = must(log.end_offset(topic, partition_id{p}), topic);
      tails.push_back(tail{topic, is_events, must(log.read(topic, partition_id{p}, end), topic)});
    }

  std::atomic<bool> give_up{false};
  std::atomic<std::size_t> outcomes{0};
  double monitor_cpu = 0;
  auto steady_ns = [] { return clock::now().time_since_epoch().count(); };
  std::thread monitor([&] {
    ::pthread_setname_np(::pthread_self(), "bench.monitor");
    std::vector<events::record_view> batch;
    std::size_t seen = 0;
    while (seen < n && !give_up) {
      bool any = false;
      for (auto& t : tails) {
        batch.clear();
        const auto got = must(t.reader->poll(batch), "tailing " + t.topic);
        any = any || got > 0;
        const auto now = steady_ns();
        for (const auto& r : batch) {
          auto env = events::envelope::decoded_envelope::decode(r.value);
          if (!env) continue;
          auto it = index.find(std::string(as_string_view(env.value().reader().getCausationId())));
          if (it == index.end() || seen_steady[it->second] != 0) continue;
          seen_steady[it->second] = now;
          decided_real[it->second] = env.value().reader().getTimestampNs();
          accepted[it->second] = t.events ? 1 : 0;
          ++seen;
        }
      }
      outcomes = seen;
      if (!any) std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    monitor_cpu = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  });

  const auto cpu0 = thread_cpu();
  const auto cs0 = intake_tid ? context_switches(intake_tid) : std::pair<long, long>{0, 0};
  rusage ru0{};
  ::getrusage(RUSAGE_SELF, &ru0);
  const auto t0 = clock::now();
  // One feeder per commands partition, as a bulk client produces: a
  // partition's appends wait for their acks one after another, the two
  // partitions' do not wait for each other. (A single feeder appending both
  // in turn was the cap on Kafka: its appends alone ran at 11-80k/s.)
  constexpr std::size_t chunk = 1000;
  auto feed = [&](std::int32_t p) {
    std::vector<events::record> batch;
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i <= n; ++i) {
      if (i < n && cmds[i].partition != p) continue;
      if (i < n) which.push_back(i);
      if (which.size() < chunk && i < n) continue;
      if (which.empty()) break;
      const auto st = steady_ns();
      const auto rt = events::envelope::now_ns();
      batch.clear();
      for (const auto k : which) {
        batch.push_back(events::record{cmds[k].key, cmds[k].value, rt});
        in_steady[k] = st;
        in_real[k] = rt;
      }
      must(log.append(names.commands(), partition_id{p}, batch), "appending commands");
      which.clear();
    }
  };
  std::thread feeder1([&] {
    ::pthread_setname_np(::pthread_self(), "bench.feed1");
    feed(1);
  });
  feed(0);
  feeder1.join();
  run_result r;
  r.append_seconds = seconds_since(t0);
  const auto deadline = clock::now() + std::chrono::seconds(180);
  while (outcomes < n && clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  give_up = true;
  const auto cpu1 = thread_cpu();
  const auto cs1 = intake_tid ? context_switches(intake_tid) : std::pair<long, long>{0, 0};
  rusage ru1{};
  ::getrusage(RUSAGE_SELF, &ru1);
  monitor.join();
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  std::int64_t last = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (seen_steady[i] == 0) {
      ++r.missing;
      continue;
    }
    last = std::max(last, seen_steady[i]);
    (accepted[i] ? r.accepted : r.rejected)++;
    r.seen_ms.push_back(static_cast<double>(seen_steady[i] - in_steady[i]) / 1e6);
    r.decided_ms.push_back(static_cast<double>(decided_real[i] - in_real[i]) / 1e6);
  }
  r.seconds = last == 0 ? seconds_since(t0)
                        : static_cast<double>(last - t0.time_since_epoch().count()) / 1e9;
  r.cpu_seconds = tv(ru1.ru_utime) + tv(ru1.ru_stime) - tv(ru0.ru_utime) - tv(ru0.ru_stime);
  r.threads = thread_cpu_delta(cpu0, cpu1, seconds_since(t0));
  char mon[64];
  std::snprintf(mon, sizeof mon, ", bench.monitor %.0f%%", 100.0 * monitor_cpu / seconds_since(t0));
  r.threads += mon;
  if (intake_tid) {
    char cs[128];
    std::snprintf(cs, sizeof cs, "; sm.intake context switches: %ld voluntary (waited), %ld preempted",
                  cs1.first - cs0.first, cs1.second - cs0.second);
    r.threads += cs;
  }
  return r;
}

/// Raw crypto_sign_verify_detached of 32-byte messages (what verify_command
/// hands libsodium: a BLAKE2b-256 digest), one thread, best of o.runs.
double raw_verify_rate(const options& o, const events::crypto::key_pair& key) {
  const std::size_t m = o.quick ? 2000 : 20000;
  std::vector<std::array<std::uint8_t, 32>> msgs(m);
  std::vector<std::array<std::uint8_t, 64>> sigs(m);
  for (std::size_t i = 0; i < m; ++i) {
    randombytes_buf(msgs[i].data(), msgs[i].size());
    sigs[i] = key.sign(msgs[i].data(), msgs[i].size());
  }
  const auto pk = key.public_key();
  double best = 0;
  for (int run = 0; run < o.runs; ++run) {
    const auto t0 = clock::now();
    for (std::size_t i = 0; i < m; ++i)
      if (crypto_sign_verify_detached(sigs[i].data(), msgs[i].data(), msgs[i].size(), pk.bytes.data()) != 0)
        fail("raw verify failed");
    best = std::max(best, static_cast<double>(m) / seconds_since(t0));
  }
  return best;
}

/// decode + verify_command of the real command records on `threads` threads
/// (the intake's fork_join_pool, grain 8 as the intake hands them out), best
/// of o.runs: the intake's per-command check floor, and how it scales.
double lib_verify_rate(const options& o, const std::vector<signed_command>& cmds,
                       const events::crypto::trusted_keys& trusted, unsigned threads) {
  const std::size_t m = std::min<std::size_t>(cmds.size(), o.quick ? 2000 : 20000);
  actors::fork_join_pool pool("bench.verify", threads);
  double best = 0;
  for (int run = 0; run < o.runs; ++run) {
    events::crypto::verified_roots roots;  // as the intake keeps them; fresh each run
    const auto t0 = clock::now();
    pool.for_each(m, 8, [&](std::size_t i) {
      auto env = must(events::envelope::decoded_envelope::decode(cmds[i].value), "decode");
      (void)must(events::crypto::verify_command(env.reader(), trusted, &roots), "verify_command");
    });
    best = std::max(best, static_cast<double>(m) / seconds_since(t0));
  }
  return best;
}

std::string p_ms(std::vector<double>& v, double q) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", quantile(v, q));
  return buf;
}

/// The command line that runs one of Kafka's tools (org.apache.kafka.tools.NAME).
std::string kafka_tool(const std::string& name) {
  return std::string(STOREMESH_SOURCE_DIR) + "/ops/kafka run org.apache.kafka.tools." + name;
}

/// Kafka's TopicCommand on the bench's broker, quiet.
void topic_command(const options& o, const std::string& args) {
  const std::string cmd = kafka_tool("TopicCommand") + " --bootstrap-server " + o.kafka + " " + args + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0)
    std::fprintf(stderr, "bench_daemon: TopicCommand %s failed\n", args.c_str());
}

/// Kafka's own ProducerPerformance (acks=all, idempotent) at `size` bytes a
/// record, on the same broker, in records/s (0 if it gave no figure). At
/// least 500,000 records, so that the JVM's warm-up (it counts in
/// ProducerPerformance's own rate) is a small part of the run.
double producer_performance(const options& o, std::size_t size, std::size_t records) {
  static int calls = 0;
  const std::string topic = "dbench" + std::to_string(::getpid()) + ".perf" + std::to_string(calls++);
  topic_command(o, "--create --topic " + topic + " --partitions 2 --replication-factor 1");
  const std::string cmd = kafka_tool("ProducerPerformance") + " --topic " + topic +
                          " --num-records " + std::to_string(std::max<std::size_t>(records, 500000)) +
                          " --record-size " + std::to_string(size) +
                          " --throughput -1 --producer-props bootstrap.servers=" + o.kafka +
                          " acks=all enable.idempotence=true 2>&1";
  double perf = 0;
  if (FILE* f = ::popen(cmd.c_str(), "r")) {
    char line[512];
    while (std::fgets(line, sizeof line, f) != nullptr) {
      // "... records sent, 123456.7 records/sec (..." : the last line is the total.
      if (const char* at = std::strstr(line, " records/sec")) {
        const char* start = at;
        while (start > line && start[-1] != ' ') --start;
        perf = std::atof(start);
      }
    }
    ::pclose(f);
  }
  // Its records (320 MB and more) would otherwise stay on the broker, and the
  // later runs, the pipeline's and the next reference's, would share the disk
  // with their writeback. (The references of one invocation still fall pass
  // after pass, 191k/s to 97k/s with their topics dropped, 171k/s to 86k/s
  // kept: what remains comes with the pipeline's own records and the
  // broker's growing state, which is why each run has a reference of its own.)
  topic_command(o, "--delete --topic " + topic);
  return perf;
}

std::size_t mean_size(const std::vector<signed_command>& run) {
  std::size_t bytes = 0;
  for (const auto& c : run) bytes += c.value.size();
  return run.empty() ? 100 : bytes / run.size();
}

/// The pipeline beside ProducerPerformance: each run's reference ran right
/// after it, so both met the same machine (a shared 2-core machine swings the
/// reference 91k-171k/s between invocations). The figure is the run with the
/// median ratio; the note lists every run's.
row kafka_producer_reference(const std::vector<double>& rates, const std::vector<double>& refs, std::size_t size) {
  std::vector<std::size_t> order;
  std::string each;
  for (std::size_t r = 0; r < rates.size(); ++r) {
    if (refs[r] <= 0)
      continue;
    order.push_back(r);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s%s/%s = %.2f", each.empty() ? "" : ", ", human(rates[r]).c_str(),
                  human(refs[r]).c_str(), rates[r] / refs[r]);
    each += buf;
  }
  const std::string name = "  pipeline vs Kafka ProducerPerformance (" + std::to_string(size) + " B records)";
  if (order.empty())
    return row{name, "", "ProducerPerformance acks=all", "(did not run)", -1, ""};
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return rates[a] / refs[a] < rates[b] / refs[b]; });
  const auto m = order[order.size() / 2];
  return row{name, human(rates[m]) + " cmd/s", "ProducerPerformance acks=all, run next", human(refs[m]) + "/s",
             rates[m] / refs[m],
             "median of the runs, each beside the reference run right after it: " + each +
                 "; target >= 0.60; the pipeline appends each command's events and seal too"};
}

} // namespace

void intake_group(const options& o) {
  namespace fs = std::filesystem;
  std::unique_ptr<events::event_log> log;
  std::unique_ptr<events::event_log> operator_log;  // Kafka: the command writers' own
  actors::topics names;
  if (o.kafka.empty()) {
    events::file_log_options lo;
    lo.root = o.dir / "intake-log";  // fsync_policy::always, the default
    log = must(events::file_log::open(lo), "opening the log");
  } else {
    // As `serve --kafka` runs: every group commit one transaction; topics of
    // this run's own.
    events::kafka_log_options ko;
    ko.bootstrap = o.kafka;
    names.prefix = "dbench" + std::to_string(::getpid());
    // The operators' side appends through a log of its own, as CLI processes
    // do: not inside the daemon's transactions.
    events::kafka_log_options operators = ko;
    operator_log = must(events::kafka_log::open(operators), "connecting to Kafka");
    ko.transactional_id = names.prefix + ".daemon";
    log = must(events::kafka_log::open(ko), "connecting to Kafka");
  }
  auto signer = events::crypto::key_pair::generate();
  actors::daemon_options d;
  d.state_dir = o.dir / "intake-state";
  d.trusted.add(signer.public_key());
  d.names = names;
  d.intake_threads = o.intake_threads;
  if (o.group && !o.kafka.empty())
    d.group = names.prefix + ".group";
  actors::daemon daemon(*log, std::move(d));
  const auto threads_before = thread_cpu();
  const std::string unnamed_comm = threads_before.at(static_cast<int>(::gettid())).first;
  must(daemon.start(), "starting the daemon");
  const bool named = name_daemon_threads(threads_before, unnamed_comm);
  ::pthread_setname_np(::pthread_self(), "bench.main");

  // One pass per batch size, each of o.runs runs of fresh hosts, all signed
  // up front so that signing is not what is measured.
  struct pass {
    std::size_t batch = 1;
    std::vector<std::vector<signed_command>> runs;
    std::vector<run_result> results;
    std::vector<double> refs;  ///< Kafka: ProducerPerformance right after each run
    std::string per_run;
    std::size_t best = 0;
    double rate = 0;
  };
  std::vector<pass> passes;
  std::printf("\n[1] pre-signing %zu x %d x %zu host commands over %zu hosts (batches of", o.batches.size(), o.runs,
              o.commands, o.hosts);
  for (const auto b : o.batches) std::printf(" %zu", b);
  std::printf("; intake threads %u) ...\n", o.intake_threads);
  std::fflush(stdout);
  for (std::size_t k = 0; k < o.batches.size(); ++k) {
    pass p;
    p.batch = o.batches[k];
    for (int r = 0; r < o.runs; ++r)
      p.runs.push_back(make_run(o, static_cast<int>(k) * o.runs + r, signer, p.batch));
    passes.push_back(std::move(p));
  }

  events::crypto::trusted_keys trusted{signer.public_key()};
  const double raw = raw_verify_rate(o, signer);
  // Per pass: decode + verify_command on 1 thread and on every core, roots cached as the intake does.
  const unsigned cores = actors::default_threads();
  std::vector<double> lib, lib_all;
  for (const auto& p : passes) {
    lib.push_back(lib_verify_rate(o, p.runs.front(), trusted, 1));
    lib_all.push_back(cores > 1 ? lib_verify_rate(o, p.runs.front(), trusted, cores) : lib.back());
  }

  actors::snapshot_index no_snapshots;
  actors::runtime_context scan_ctx;
  scan_ctx.log = log.get();
  scan_ctx.names = names;
  scan_ctx.snapshots = &no_snapshots;
  scan_ctx.event_partitions = 2;
  for (auto& ps : passes) {
    for (int r = 0; r < o.runs; ++r) {
      // What each of this run's new hosts costs the (1-thread) blocking pool
      // before its first command can be decided: recover_entity of an id with
      // no events and no snapshot.
      double fresh = 1e9;
      for (int k = 0; k < 3; ++k) {
        const auto t0 = clock::now();
        (void)must(actors::recover_entity<host::entity>(scan_ctx, "never-seen-" + std::to_string(k)), "recover");
        fresh = std::min(fresh, seconds_since(t0));
      }
      ps.results.push_back(pipelined_run(operator_log ? *operator_log : *log, names, ps.runs[r]));
      if (!o.kafka.empty())
        ps.refs.push_back(producer_performance(o, mean_size(ps.runs[r]), ps.runs[r].size()));
      const auto& x = ps.results.back();
      char buf[400];
      std::snprintf(buf, sizeof buf,
                    "\n      run %d: %s cmd/s in %.2f s (%zu accepted, %zu rejected, %zu missing; appends alone %s cmd/s); "
                    "process CPU %.0f us/cmd = %.2f cores; new-host recovery %s x %zu hosts = %.2f s of the 1-thread pool"
                    "\n        busiest threads (%% of a core over the run): ",
                    r + 1, human(static_cast<double>(ps.runs[r].size()) / x.seconds).c_str(), x.seconds, x.accepted,
                    x.rejected, x.missing, human(static_cast<double>(ps.runs[r].size()) / x.append_seconds).c_str(),
                    x.cpu_seconds / static_cast<double>(ps.runs[r].size()) * 1e6, x.cpu_seconds / x.seconds,
                    ms(fresh).c_str(), o.hosts, fresh * static_cast<double>(o.hosts));
      ps.per_run += buf + x.threads + (named ? "" : " (daemon threads not identified)");
      if (daemon.failed()) fail("the daemon failed (see its log lines above)");
    }
    for (std::size_t r = 1; r < ps.results.size(); ++r)
      if (ps.results[r].seconds < ps.results[ps.best].seconds) ps.best = r;
    ps.rate = static_cast<double>(ps.runs[ps.best].size()) / ps.results[ps.best].seconds;
  }
  auto& b = passes.front().results[passes.front().best];  // latencies: the first pass's best run

  // One at a time, with wait: the CLI's path (ops::command_client).
  ops::command_client client(operator_log ? *operator_log : *log, names, signer);
  auto request = [](const std::string& id, host::command c) {
    return ops::command_request{"host", id, [c](schema::Envelope::Builder e) { host::entity::write_command(c, e); }};
  };
  // One host per commands partition: the intake, when idle, waits on
  // partition 0 only (20 ms timeout), so the two can differ.
  std::string single_host[2];
  for (int i = 0; single_host[0].empty() || single_host[1].empty(); ++i) {
    const std::string id = "single-host-" + std::to_string(i);
    auto& slot = single_host[events::partition_for(id, 2).value];
    if (slot.empty()) slot = id;
  }
  std::vector<double> rtt_p[2];
  std::size_t single_rejected = 0;
  for (int p = 0; p < 2; ++p)  // warm: spawn + recover each entity
    (void)client.submit(request(single_host[p], nth_command(0)), true, std::chrono::seconds(30));
  for (std::size_t j = 1; j <= o.single; ++j)
    for (int p = 0; p < 2; ++p) {
      const auto t0 = clock::now();
      auto out = client.submit(request(single_host[p], nth_command(j)), true, std::chrono::seconds(30));
      rtt_p[p].push_back(seconds_since(t0) * 1e3);
      if (!out.accepted) ++single_rejected;
    }
  std::vector<double> rtt = rtt_p[0];
  rtt.insert(rtt.end(), rtt_p[1].begin(), rtt_p[1].end());
  // Reference: one record appended (fsync'd) to the same log, one at a time.
  auto& raw_log = operator_log ? *operator_log : *log;
  must(raw_log.create_topic("bench.scratch", 1), "creating bench.scratch");
  std::vector<double> raw_append;
  const std::string payload(passes.front().runs.front().front().value);
  for (std::size_t j = 0; j < o.single; ++j) {
    const auto t0 = clock::now();
    must(raw_log.append("bench.scratch", partition_id{0}, {events::record{"k", payload, 0}}), "raw append");
    raw_append.push_back(seconds_since(t0) * 1e3);
  }
  daemon.stop();
  // This invocation's topics go, so that the next one meets the broker as
  // this one did.
  if (!o.kafka.empty())
    topic_command(o, "--delete --topic '" + names.prefix + "\\..*'");

  std::vector<row> rows;
  for (std::size_t k = 0; k < passes.size(); ++k) {
    const auto& ps = passes[k];
    const bool partial = ps.results[ps.best].missing > 0;
    std::size_t bytes = 0;
    for (const auto& c : ps.runs[ps.best]) bytes += c.value.size();
    rows.push_back(row{"intake, batches of " + std::to_string(ps.batch) + " (" +
                           std::to_string(bytes / std::max<std::size_t>(1, ps.runs[ps.best].size())) + " B), " +
                           human(static_cast<double>(ps.runs[ps.best].size())) + " commands, best of " +
                           std::to_string(o.runs),
                       human(ps.rate) + " cmd/s", "raw Ed25519 verify, 32 B, 1 thread", human(raw) + "/s",
                       ps.rate / raw, "per run:" + ps.per_run + (partial ? "  PARTIAL: some outcomes never appeared" : "")});
    rows.push_back(row{"  decode + verify_command, 1 thread, batches of " + std::to_string(ps.batch) +
                           (ps.batch > 1 ? " (roots cached)" : ""),
                       human(lib[k]) + " cmd/s", "raw Ed25519 verify, 32 B, 1 thread", human(raw) + "/s",
                       lib[k] / raw, ""});
    if (cores > 1)
      rows.push_back(row{"  the same on " + std::to_string(cores) + " threads (fork_join_pool, as the intake)",
                         human(lib_all[k]) + " cmd/s", "the same on 1 thread", human(lib[k]) + " cmd/s",
                         lib_all[k] / lib[k], "scaling with threads (ideal " + std::to_string(cores) + ")"});
    if (!o.kafka.empty()) {
      std::vector<double> rates;
      for (std::size_t r = 0; r < ps.results.size(); ++r)
        rates.push_back(static_cast<double>(ps.runs[r].size()) / ps.results[r].seconds);
      rows.push_back(kafka_producer_reference(rates, ps.refs, mean_size(ps.runs[ps.best])));
    }
  }
  rows.push_back(row{"  latency append -> outcome readable, p50", p_ms(b.seen_ms, 0.50), "", "", -1, ""});
  rows.push_back(row{"  latency append -> outcome readable, p99", p_ms(b.seen_ms, 0.99), "", "", -1, ""});
  rows.push_back(row{"  latency append -> outcome decided (envelope ts), p50", p_ms(b.decided_ms, 0.50), "", "", -1,
                     ""});
  rows.push_back(row{"  latency append -> outcome decided (envelope ts), p99", p_ms(b.decided_ms, 0.99), "", "", -1,
                     "(append time = start of the batch's append call; a batch is 1000 commands)"});
  std::vector<double> rtt2 = rtt, raw2 = raw_append;
  const double r50 = quantile(rtt2, 0.5), a50 = quantile(raw2, 0.5);
  const double r99 = quantile(rtt2, 0.99), a99 = quantile(raw2, 0.99);
  char note[128];
  std::snprintf(note, sizeof note, "%zu commands via ops::command_client::submit(wait), %zu rejected", 2 * o.single,
                single_rejected);
  rows.push_back(row{"one at a time with wait (CLI path), p50", p_ms(rtt, 0.5), "1-record fsync'd append, p50",
                     p_ms(raw_append, 0.5), r50 / a50, note});
  rows.push_back(row{"one at a time with wait (CLI path), p99", p_ms(rtt, 0.99), "1-record fsync'd append, p99",
                     p_ms(raw_append, 0.99), r99 / a99, ""});
  for (int p = 0; p < 2; ++p) {
    std::vector<double> v = rtt_p[p];
    const double q50 = quantile(v, 0.5);
    rows.push_back(row{"  command on commands partition " + std::to_string(p) + ", p50 / p99",
                       p_ms(rtt_p[p], 0.5) + " / " + p_ms(rtt_p[p], 0.99), "1-record fsync'd append, p50",
                       p_ms(raw_append, 0.5), q50 / a50, ""});
  }
  print_table(std::string("1. signed-command intake through actors::daemon (") +
                  (o.kafka.empty() ? "file_log, fsync always"
                                   : o.group ? "Kafka, --group: one transaction per group commit, positions in it"
                                             : "Kafka, one transaction per group commit") +
                  "); ratio = figure / ref "
              "(rates: target >= 0.80; latencies: how many fsync'd appends one command costs)",
              rows);
}

} // namespace storemesh::dbench
