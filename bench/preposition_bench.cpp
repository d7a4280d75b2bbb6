// bench_preposition: bytes fetched from the origin with pre-positioning
// against without it, for a replayed request history.
//
//   bench_preposition [--groups N] [--contents N] [--edges N] [--requests N] [--days N] [--warmup N]
//                     [--top-n N] [--keep N] [--availability A] [--seed N]
//
// The synthetic history (planning/synthetic_history.hpp) is replayed day by
// day after `warmup` days of history only. Every night the batch planner runs
// on the history so far. The edges keep a delivery while the model still
// predicts it (it comes back as "already planned") or did within the last
// `keep` nights; older ones are dropped and their room reused. The planner is
// given the kept ones as planned (not sent again) and their bytes as assigned
// on their edges; only its new deliveries are pushed, off-peak. During the
// day each request
//   without pre-positioning: the whole content comes from the origin;
//   with it: if its (group, content) is held, every segment is rebuilt from
//   the slices on that day's up edges (each edge up with probability
//   `availability`, drawn per edge per day); a segment with fewer than k
//   slices up fetches only the missing k - up slices' worth from the origin.
//   Not held: the whole content from the origin.
// Reported per model (the preference model, and the global-popularity
// baseline) and availability: origin bytes at request time with vs without
// (the ratio), the same counting the off-peak pushes, bytes read from edges,
// the hit rate (requests served at least in part from edges) and the share of
// held deliveries requested on a day.

#include "bench/bench_args.hpp"
#include "bench/machine_info.hpp"
#include "services/delivery/planning/planner.hpp"
#include "services/delivery/planning/synthetic_history.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace {

namespace pl = storemesh::services::delivery::planning;
namespace dl = storemesh::services::delivery;

[[noreturn]] void usage(int code) {
  std::fprintf(code == 0 ? stdout : stderr,
               "usage: bench_preposition [--groups N] [--contents N] [--edges N] [--requests N] [--days N] "
               "[--warmup N] [--top-n N] [--keep N] [--availability A] [--seed N]\n"
               "  defaults: 2000 groups, 20000 contents, 200 edges, 200000 requests over 60 days, 14 days of\n"
               "  warm-up, top-n 5, keep 14 days, availability 1.0, 0.9 and 0.7, seed 1\n");
  std::exit(code);
}

std::uint64_t positive(const char* s) { return storemesh::bench::positive(s, usage); }

struct outcome {
  std::uint64_t requests = 0, hits = 0, origin_bytes = 0, edge_bytes = 0, pushed_bytes = 0, without = 0;
  std::uint64_t staged = 0, used = 0;  // deliveries held (summed over days), and those requested that day
  double plan_seconds = 0;
};

struct staged_delivery {
  std::uint32_t k = 0;
  std::uint64_t slice_bytes = 0, bytes = 0;
  std::vector<std::vector<std::uint32_t>> edges_of_segment;  // per segment: edge ids of its slices
  std::unordered_map<std::uint32_t, std::uint64_t> edge_bytes;
  std::int64_t wanted_day = 0;  // the last night the model predicted it
};

/// Replays the history once per model; every availability sees the same plans (they do not
/// depend on it) and its own draw of up edges per day.
std::vector<outcome> replay(const pl::synthetic_fleet& f, const pl::synthetic_options& o, pl::model_kind kind,
                            std::uint32_t top_n, const std::vector<double>& availabilities, std::int64_t warmup_days,
                            std::int64_t keep_days) {
  std::vector<outcome> out(availabilities.size());
  std::unordered_map<std::string, std::uint32_t> edge_id;
  for (std::uint32_t i = 0; i < f.edges.size(); ++i)
    edge_id.emplace(f.edges[i].name, i);
  std::unordered_map<std::string, std::size_t> content_at;
  for (std::size_t i = 0; i < f.contents.size(); ++i)
    content_at.emplace(f.contents[i].name, i);

  pl::plan_input in;
  in.groups = f.groups;
  in.contents = f.contents;
  in.settings.kind = kind;
  in.settings.top_n = top_n;
  in.settings.max_windows = 16;

  std::vector<std::mt19937_64> rng;
  for (std::size_t a = 0; a < availabilities.size(); ++a)
    rng.emplace_back(o.seed * 7919 + 1);  // the same draws for every model
  std::uniform_real_distribution<double> u(0, 1);
  std::size_t next = 0;  // first request of the day being replayed
  std::vector<pl::request> so_far;
  std::unordered_map<std::string, staged_delivery> staged;
  std::unordered_set<std::string> used_today;
  for (std::int64_t day = 0; day < o.days; ++day) {
    const std::int64_t start = o.start_ns + day * pl::ns_per_day, end = start + pl::ns_per_day;
    if (day >= warmup_days) {
      // -- the night: drop what the model has not wanted for keep_days, plan on the history so far
      const auto t0 = std::chrono::steady_clock::now();
      for (auto it = staged.begin(); it != staged.end();)
        it = day - it->second.wanted_day > keep_days ? staged.erase(it) : std::next(it);
      in.edges = f.edges;
      in.planned.clear();
      for (const auto& [id, s] : staged) {
        in.planned.insert(id);
        for (const auto& [e, bytes] : s.edge_bytes)
          in.edges[e].assigned_bytes += bytes;
      }
      for (auto& e : in.edges)
        e.up = true;  // the planner sees every edge up; the day's failures come after the push
      const pl::preference_index model(so_far, in.settings.model, start - 1);
      in.now_ns = start - 1;
      const auto plan = pl::plan_batch(in, model);
      const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      for (const auto& sk : plan.skipped)
        if (sk.why == "already planned")
          staged.at(dl::delivery_id(sk.group, sk.content)).wanted_day = day;
      std::uint64_t pushed = 0;
      for (const auto& d : plan.deliveries) {
        const auto& c = f.contents[content_at.at(d.content)];
        staged_delivery s;
        s.k = c.geometry.k;
        s.slice_bytes = dl::slice_bytes(c.geometry);
        s.bytes = d.bytes;
        s.wanted_day = day;
        s.edges_of_segment.resize(dl::segments(c.geometry));
        for (const auto& p : d.placements) {
          const auto e = edge_id.at(p.edge);
          s.edges_of_segment[p.segment].push_back(e);
          s.edge_bytes[e] += s.slice_bytes;
        }
        pushed += d.bytes;  // new tonight: sent off-peak
        staged.emplace(dl::delivery_id(d.group, d.content), std::move(s));
      }
      for (auto& r : out) {
        r.plan_seconds += took;
        r.pushed_bytes += pushed;
        r.staged += staged.size();
      }
    }
    // -- the day: which edges are up (per availability), then the requests
    std::vector<std::vector<bool>> up(availabilities.size(), std::vector<bool>(f.edges.size()));
    for (std::size_t a = 0; a < availabilities.size(); ++a)
      for (std::size_t e = 0; e < f.edges.size(); ++e)
        up[a][e] = u(rng[a]) < availabilities[a];
    used_today.clear();
    for (; next < f.history.size() && f.history[next].at_ns < end; ++next) {
      const auto& r = f.history[next];
      so_far.push_back(r);
      if (day < warmup_days)
        continue;
      const auto& c = f.contents[content_at.at(r.content)];
      const auto id = dl::delivery_id(r.group, r.content);
      auto s = staged.find(id);
      for (std::size_t a = 0; a < availabilities.size(); ++a) {
        auto& o_ = out[a];
        ++o_.requests;
        o_.without += c.geometry.bytes;
        if (s == staged.end()) {
          o_.origin_bytes += c.geometry.bytes;
          continue;
        }
        ++o_.hits;
        // each segment: k slices from up edges, the missing ones (k - up) from the origin; the
        // last segment's share of the padding is not counted
        for (std::uint64_t seg = 0; seg < s->second.edges_of_segment.size(); ++seg) {
          std::uint64_t on_up = 0;
          for (auto e : s->second.edges_of_segment[seg])
            on_up += up[a][e];
          const auto from_edges = std::min<std::uint64_t>(on_up, s->second.k);
          const double data = static_cast<double>(dl::segment_data_bytes(c.geometry, seg));
          const double per_slice = data / s->second.k;
          o_.edge_bytes += static_cast<std::uint64_t>(per_slice * static_cast<double>(from_edges));
          o_.origin_bytes += static_cast<std::uint64_t>(per_slice * static_cast<double>(s->second.k - from_edges));
        }
      }
      if (s != staged.end())
        used_today.insert(id);
    }
    for (auto& r : out)
      r.used += used_today.size();
  }
  return out;
}

double gib(std::uint64_t b) { return static_cast<double>(b) / (1ull << 30); }

} // namespace

int main(int argc, char** argv) {
  pl::synthetic_options o;
  o.groups = 2000;
  o.contents = 20000;
  o.edges = 200;
  o.requests = 200000;
  o.clusters = 200;
  std::int64_t warmup = 14;
  std::uint32_t top_n = 5;
  std::int64_t keep = 14;  // a fortnight: with 3 nights the pushes (re-sending what was dropped) cost more than they save
  std::vector<double> availabilities = {1.0, 0.9, 0.7};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") usage(0);
    if (i + 1 >= argc) usage(2);
    if (a == "--groups") o.groups = positive(argv[++i]);
    else if (a == "--contents") o.contents = positive(argv[++i]);
    else if (a == "--edges") o.edges = positive(argv[++i]);
    else if (a == "--requests") o.requests = positive(argv[++i]);
    else if (a == "--days") o.days = static_cast<std::int64_t>(positive(argv[++i]));
    else if (a == "--warmup") warmup = static_cast<std::int64_t>(positive(argv[++i]));
    else if (a == "--top-n") top_n = static_cast<std::uint32_t>(positive(argv[++i]));
    else if (a == "--seed") o.seed = positive(argv[++i]);
    else if (a == "--keep") keep = static_cast<std::int64_t>(positive(argv[++i]));
    else if (a == "--availability") {
      const double v = std::atof(argv[++i]);
      if (!(v > 0 && v <= 1)) usage(2);
      availabilities = {v};
    } else usage(2);
  }
  if (warmup >= o.days) usage(2);

  utsname un{};
  ::uname(&un);
  std::printf("storemesh bench_preposition\n");
  std::printf("command: %s\n", storemesh::bench::command_line(argc, argv).c_str());
  std::printf("machine: nproc %ld, %s, Linux %s; load average at start %s\n", ::sysconf(_SC_NPROCESSORS_ONLN),
              storemesh::bench::cpu_model().c_str(), un.release, storemesh::bench::first_line("/proc/loadavg").c_str());
  std::printf("build: %s\n", storemesh::bench::build_kind());
  const auto f = pl::make_fleet(o);
  std::printf("history: %zu groups, %zu contents (%llu..%llu MiB, RS(%u,%u)), %zu edges, %zu requests over %lld "
              "days; the first %lld days are history only, then a plan every night (top %u per group; edges keep a delivery while the model wanted it in the last %lld nights)\n",
              f.groups.size(), f.contents.size(), static_cast<unsigned long long>(o.min_bytes >> 20),
              static_cast<unsigned long long>(o.max_bytes >> 20), o.k, o.m, f.edges.size(), f.history.size(),
              static_cast<long long>(o.days), static_cast<long long>(warmup), top_n, static_cast<long long>(keep));

  std::vector<std::vector<outcome>> by_model;
  const pl::model_kind kinds[] = {pl::model_kind::preference, pl::model_kind::popularity};
  for (const auto kind : kinds)
    by_model.push_back(replay(f, o, kind, top_n, availabilities, warmup, keep));
  for (std::size_t a = 0; a < availabilities.size(); ++a) {
    std::printf("\nedge availability %.2f (each edge up with this probability, per day)\n", availabilities[a]);
    std::printf("  %-22s %11s %11s %7s %11s %11s %7s %7s %7s %8s\n", "model", "origin GiB", "without GiB",
                "ratio", "edges GiB", "pushed GiB", "+push", "hits", "used", "plan s");
    for (std::size_t k = 0; k < by_model.size(); ++k) {
      const auto& r = by_model[k][a];
      const double without = static_cast<double>(r.without);
      std::printf("  %-22s %11.1f %11.1f %7.3f %11.1f %11.1f %7.3f %6.1f%% %6.1f%% %8.1f\n",
                  kinds[k] == pl::model_kind::preference ? "preference" : "popularity (baseline)",
                  gib(r.origin_bytes), gib(r.without), r.without == 0 ? 0.0 : r.origin_bytes / without,
                  gib(r.edge_bytes), gib(r.pushed_bytes),
                  r.without == 0 ? 0.0 : (r.origin_bytes + r.pushed_bytes) / without,
                  r.requests == 0 ? 0.0 : 100.0 * static_cast<double>(r.hits) / static_cast<double>(r.requests),
                  r.staged == 0 ? 0.0 : 100.0 * static_cast<double>(r.used) / static_cast<double>(r.staged),
                  r.plan_seconds);
    }
  }
  std::printf("\nratio: origin bytes at request time with pre-positioning / without (lower is better); pushed:\n"
              "bytes sent to edges off-peak (new deliveries only); +push: (origin + pushed) / without, the\n"
              "origin's whole egress; hits: requests served at least in part from edges; used: of the deliveries\n"
              "held on a day, those requested that day; plan s: wall clock of all nightly plans\n");
  std::printf("load average at end %s\n", storemesh::bench::first_line("/proc/loadavg").c_str());
  return 0;
}
