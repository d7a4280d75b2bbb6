// bench_preposition: bytes fetched from the origin with pre-positioning
// against without it, for a replayed request history.
//
//   bench_preposition [--groups N] [--contents N] [--edges N] [--requests N] [--days N] [--warmup N]
//                     [--top-n N] [--availability A] [--seed N]
//
// The synthetic history (planning/synthetic_history.hpp) is replayed day by
// day after `warmup` days of history only. Every night the batch planner runs
// on the history so far; the edges keep what the new plan holds again and drop
// the rest (so each night's plan starts from empty edges; only deliveries new
// since the night before are pushed, off-peak). During the day each request
//   without pre-positioning: the whole content comes from the origin;
//   with it: if its (group, content) is staged, every segment is rebuilt from
//   the slices on that day's up edges (each edge up with probability
//   `availability`, drawn per edge per day); a segment with fewer than k
//   slices up fetches only the missing k - up slices from the origin.
//   Not staged: the whole content from the origin.
// Reported per model (the preference model, and the global-popularity
// baseline): origin bytes with vs without (the ratio), bytes read from edges,
// bytes pushed to edges off-peak, the hit rate (requests served at least in
// part from edges) and the staged deliveries that were used.

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
               "[--warmup N] [--top-n N] [--availability A] [--seed N]\n"
               "  defaults: 2000 groups, 20000 contents, 200 edges, 200000 requests over 60 days, 14 days of\n"
               "  warm-up, top-n 5, availability 1.0 and 0.9, seed 1\n");
  std::exit(code);
}

std::uint64_t positive(const char* s) {
  char* end = nullptr;
  const auto v = std::strtoull(s, &end, 10);
  if (*end != '\0' || v == 0) usage(2);
  return v;
}

struct outcome {
  std::uint64_t requests = 0, hits = 0, origin_bytes = 0, edge_bytes = 0, pushed_bytes = 0;
  std::uint64_t staged = 0, used = 0;  // deliveries staged (summed over nights), and those requested that day
  double plan_seconds = 0;
  std::size_t nights = 0;
};

struct staged_delivery {
  std::uint32_t k = 0;
  std::uint64_t slice_bytes = 0, bytes = 0;
  std::vector<std::vector<std::uint32_t>> edges_of_segment;  // per segment: edge ids of its slices
  bool used = false;
};

outcome replay(const pl::synthetic_fleet& f, const pl::synthetic_options& o, pl::model_kind kind, std::uint32_t top_n,
               double availability, std::int64_t warmup_days, std::uint64_t& without) {
  outcome out;
  std::unordered_map<std::string, std::uint32_t> edge_id;
  for (std::uint32_t i = 0; i < f.edges.size(); ++i)
    edge_id.emplace(f.edges[i].name, i);
  std::unordered_map<std::string, std::size_t> content_at;
  for (std::size_t i = 0; i < f.contents.size(); ++i)
    content_at.emplace(f.contents[i].name, i);

  pl::plan_input in;
  in.groups = f.groups;
  in.contents = f.contents;
  in.edges = f.edges;
  for (auto& e : in.edges)
    e.up = true;  // the planner sees every edge up; the day's failures come after the push
  in.settings.kind = kind;
  in.settings.top_n = top_n;
  in.settings.max_windows = 16;

  std::mt19937_64 rng(o.seed * 7919 + 1);
  std::uniform_real_distribution<double> u(0, 1);
  std::size_t next = 0;  // first request of the day being replayed
  std::vector<pl::request> so_far;
  std::unordered_map<std::string, staged_delivery> staged, before;
  without = 0;
  for (std::int64_t day = 0; day < o.days; ++day) {
    const std::int64_t start = o.start_ns + day * pl::ns_per_day, end = start + pl::ns_per_day;
    if (day >= warmup_days) {
      // -- the night: plan on the history so far
      const auto t0 = std::chrono::steady_clock::now();
      const pl::preference_index model(so_far, in.settings.model, start - 1);
      in.now_ns = start - 1;
      const auto plan = pl::plan_batch(in, model);
      out.plan_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      ++out.nights;
      before = std::move(staged);
      staged.clear();
      for (const auto& d : plan.deliveries) {
        const auto& c = f.contents[content_at.at(d.content)];
        staged_delivery s;
        s.k = c.geometry.k;
        s.slice_bytes = dl::slice_bytes(c.geometry);
        s.bytes = d.bytes;
        s.edges_of_segment.resize(dl::segments(c.geometry));
        for (const auto& p : d.placements)
          s.edges_of_segment[p.segment].push_back(edge_id.at(p.edge));
        const auto id = dl::delivery_id(d.group, d.content);
        if (before.count(id) == 0)
          out.pushed_bytes += d.bytes;  // new tonight: sent off-peak
        staged.emplace(id, std::move(s));
      }
      out.staged += staged.size();
    }
    // -- the day: which edges are up, then the requests
    std::vector<bool> up(f.edges.size());
    for (std::size_t e = 0; e < up.size(); ++e)
      up[e] = u(rng) < availability;
    for (; next < f.history.size() && f.history[next].at_ns < end; ++next) {
      const auto& r = f.history[next];
      so_far.push_back(r);
      if (day < warmup_days)
        continue;
      const auto& c = f.contents[content_at.at(r.content)];
      ++out.requests;
      without += c.geometry.bytes;
      auto s = staged.find(dl::delivery_id(r.group, r.content));
      if (s == staged.end()) {
        out.origin_bytes += c.geometry.bytes;
        continue;
      }
      ++out.hits;
      s->second.used = true;
      for (std::uint64_t seg = 0; seg < s->second.edges_of_segment.size(); ++seg) {
        std::uint64_t on_up = 0;
        for (auto e : s->second.edges_of_segment[seg])
          on_up += up[e];
        const auto from_edges = std::min<std::uint64_t>(on_up, s->second.k);
        out.edge_bytes += from_edges * s->second.slice_bytes;
        out.origin_bytes += (s->second.k - from_edges) * s->second.slice_bytes;
      }
    }
    for (const auto& [id, s] : staged)
      out.used += s.used;
    for (auto& [id, s] : staged)
      s.used = false;
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
  std::vector<double> availabilities = {1.0, 0.9};
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
              "days; the first %lld days are history only, then a plan every night (top %u per group)\n",
              f.groups.size(), f.contents.size(), static_cast<unsigned long long>(o.min_bytes >> 20),
              static_cast<unsigned long long>(o.max_bytes >> 20), o.k, o.m, f.edges.size(), f.history.size(),
              static_cast<long long>(o.days), static_cast<long long>(warmup), top_n);

  for (const double a : availabilities) {
    std::printf("\nedge availability %.2f (each edge up with this probability, per day)\n", a);
    std::printf("  %-22s %12s %12s %8s %12s %12s %8s %9s %9s\n", "model", "origin GiB", "without GiB", "ratio",
                "edges GiB", "pushed GiB", "hits", "used", "plan s");
    for (const auto kind : {pl::model_kind::preference, pl::model_kind::popularity}) {
      std::uint64_t without = 0;
      const auto r = replay(f, o, kind, top_n, a, warmup, without);
      std::printf("  %-22s %12.1f %12.1f %8.3f %12.1f %12.1f %7.1f%% %8.1f%% %9.2f\n",
                  kind == pl::model_kind::preference ? "preference" : "popularity (baseline)", gib(r.origin_bytes),
                  gib(without), without == 0 ? 0.0 : static_cast<double>(r.origin_bytes) / static_cast<double>(without),
                  gib(r.edge_bytes), gib(r.pushed_bytes),
                  r.requests == 0 ? 0.0 : 100.0 * static_cast<double>(r.hits) / static_cast<double>(r.requests),
                  r.staged == 0 ? 0.0 : 100.0 * static_cast<double>(r.used) / static_cast<double>(r.staged),
                  r.plan_seconds);
    }
  }
  std::printf("\nratio: origin bytes with pre-positioning / without (lower is better); hits: requests served at\n"
              "least in part from edges; used: staged deliveries requested on the day after their night;\n"
              "pushed: bytes sent to edges off-peak (new deliveries only)\n");
  std::printf("load average at end %s\n", storemesh::bench::first_line("/proc/loadavg").c_str());
  return 0;
}
