#include "bench/sim_scale_fleet.hpp"

#include "services/consensus/content/cid.hpp"
#include "sim/rng.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace storemesh::bench::sim_scale {
namespace {

namespace cj = services::copy_job;
namespace hs = services::host;
namespace rb = services::rebalancer;

// Every clock in the fleet starts here (2026-05-28): commands carry their
// times, the deciders read none.
constexpr std::int64_t t0_ns = 1'780'000'000'000'000'000;
constexpr std::uint64_t chunk = cj::default_chunk_size;
constexpr std::uint64_t job_size = 3 * chunk + chunk / 2;  // 4 chunks, the last one half

std::vector<std::string> numbered(const char* format, std::uint32_t n) {
  std::vector<std::string> out;
  out.reserve(n);
  char buf[32];
  for (std::uint32_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, format, i);
    out.emplace_back(buf);
  }
  return out;
}

std::string group_name(const char* what, std::uint32_t g) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s-g%03u", what, g);
  return buf;
}

std::string host_id(std::uint32_t i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "h%06u", i);
  return buf;
}

/// Job i's four chunk hashes: what its host's engine would have computed.
std::vector<cj::chunk_hash> chunk_hashes(const fleet_sizes& f, std::uint32_t i) {
  sim::rng r(f.seed * 0x100000001b3ULL + i);
  std::vector<cj::chunk_hash> out(cj::chunk_count(job_size, chunk));
  for (auto& h : out)
    for (std::size_t b = 0; b < h.size(); b += 8) {
      const auto v = r.next();
      for (std::size_t k = 0; k < 8; ++k)
        h[b + k] = static_cast<std::uint8_t>(v >> (8 * k));
    }
  return out;
}

std::vector<cj::chunk_hash> slice(const std::vector<cj::chunk_hash>& h, std::size_t from, std::size_t to) {
  return {h.begin() + static_cast<std::ptrdiff_t>(from), h.begin() + static_cast<std::ptrdiff_t>(to)};
}

} // namespace

fleet_sizes scaled(double fraction, std::uint64_t seed) {
  fleet_sizes f;
  f.seed = seed;
  auto of = [&](std::uint32_t full, std::uint32_t least) {
    return std::max<std::uint32_t>(least, static_cast<std::uint32_t>(std::llround(full * fraction)));
  };
  f.groups = std::min<std::uint32_t>(f.groups, std::max<std::uint32_t>(1, of(f.hosts, 2) / 2));
  f.hosts = std::max<std::uint32_t>(2, of(f.hosts, 2) / f.groups) * f.groups;
  f.gateways = of(f.gateways, 4);
  f.jobs = of(f.jobs, 10);
  f.routers = of(f.routers, 4);
  return f;
}

std::vector<std::string> host_ids(std::uint32_t n) { return numbered("h%06u", n); }
std::vector<std::string> gateway_ids(std::uint32_t n) { return numbered("gw%04u", n); }
std::vector<std::string> job_ids(std::uint32_t n) { return numbered("job-%07u", n); }
std::vector<std::string> router_ids(std::uint32_t n) { return numbered("r%05u", n); }
std::vector<std::string> sites() { return {"primary", "recovery"}; }

hs::command host_command(const fleet_sizes& f, std::uint32_t i, std::uint32_t step) {
  const auto g = i % f.groups;
  switch (step) {
    case 0: {
      hs::register_host r;
      for (const char* what : {"src", "dst"}) {
        auto name = group_name(what, g);
        r.datastores.push_back({name, "/mnt/" + name});
      }
      return r;
    }
    case 1: return hs::set_state{hs::host_state::draining, "kernel update"};
    default: return hs::set_state{hs::host_state::up, "kernel updated"};
  }
}

hs::command gateway_command(std::uint32_t i, std::uint32_t round) {
  const auto site = i % 2 == 0 ? hs::site::primary : hs::site::recovery;
  if (round == 0)
    return hs::register_host{{{"repl", "/mnt/repl"}}, site};
  hs::load_report r;
  r.at_ns = t0_ns + static_cast<std::int64_t>(round) * report_interval_ns + static_cast<std::int64_t>(i) * 1000;
  r.interval_ns = report_interval_ns;
  // Loads within 15% of each other, moving a little every round: the site
  // stays balanced, so evaluations decide nothing needs to move.
  r.bytes_per_second = (40ull << 20) + ((i * 7919ull + round * 104729ull) % (6ull << 20));
  r.queue_depth = (i + round) % 4;
  r.cpu = 0.30 + static_cast<double>((i + round) % 10) / 100;
  return hs::report_load{r};
}

std::optional<rb::command> rebalancer_command(const fleet_sizes& f, std::uint32_t s, std::uint32_t round) {
  const auto site = sites()[s];
  if (round == 0)
    return rb::configure{site, rb::settings{}};
  if (round % f.evaluate_every != 0)
    return std::nullopt;
  // After the round's reports, as the reaction to the report that found it due.
  return rb::evaluate{site, rb::trigger::scheduled,
                      t0_ns + static_cast<std::int64_t>(round) * report_interval_ns + 2'000'000'000};
}

std::optional<cj::command> job_command(const fleet_sizes& f, std::uint32_t i, std::uint32_t step) {
  const auto host = i % f.hosts;
  const auto g = host % f.groups;
  const bool migrates = f.migrate_every > 0 && i % f.migrate_every == 0;
  const auto at = t0_ns + static_cast<std::int64_t>(step) * 1'000'000'000;
  char path[48];
  std::snprintf(path, sizeof path, "files/%07u.img", i);
  if (step == 0) {
    cj::submit s;
    s.source = {group_name("src", g), path};
    s.destination = {group_name("dst", g), path};
    s.host = host_id(host);
    return s;
  }
  if (step == 1)
    return cj::report_started{1, job_size, at - 86'400'000'000'000};
  const auto hashes = chunk_hashes(f, i);
  if (step == 2)
    return cj::report_progress{1, 2 * chunk, slice(hashes, 0, 2), at};
  if (!migrates) {
    switch (step) {
      case 3: return cj::report_progress{1, job_size, slice(hashes, 2, 4), at};
      case 4: return cj::report_finalizing{1, at};
      case 5: return cj::report_finished{1, cj::digest_of(hashes)};
      default: return std::nullopt;
    }
  }
  // Moved to the next host of its group, from the third chunk on.
  switch (step) {
    case 3: return cj::migrate{host_id((host + f.groups) % f.hosts), "rebalance"};
    case 4: return cj::request_stop{1};
    case 5: return cj::report_stopped{1, 3 * chunk, slice(hashes, 2, 3)};
    case 6: return cj::hand_over{1};
    case 7: return cj::report_progress{2, job_size, slice(hashes, 3, 4), at};
    case 8: return cj::report_finalizing{2, at};
    case 9: return cj::report_finished{2, cj::digest_of(hashes)};
    default: return std::nullopt;
  }
}

topologies make_topologies(const fleet_sizes& f) {
  topologies t;
  for (std::uint32_t k = 0; k <= f.announces; ++k) {
    const auto file = "topology " + std::to_string(k) + " of seed " + std::to_string(f.seed);
    t.cids.push_back(services::consensus::cid::of(services::consensus::codec_raw, file).to_string());
  }
  return t;
}

services::router::command router_command(const fleet_sizes& f, const topologies& t, std::uint32_t i,
                                         std::uint32_t step) {
  if (step == 0) {
    char ip[24], net[16];
    std::snprintf(ip, sizeof ip, "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
    std::snprintf(net, sizeof net, "net-%02u", i % 100);
    return services::router::register_router{{std::string(ip) + ":4000", std::string(ip) + ":8080", net}};
  }
  return services::router::announce{t.cids[step % t.cids.size()], step,
                                    t0_ns + static_cast<std::int64_t>(step) * 60'000'000'000};
}

} // namespace storemesh::bench::sim_scale
