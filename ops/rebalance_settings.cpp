#include "ops/rebalance_settings.hpp"

#include "ops/cli_context.hpp"
#include "ops/size_text.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>

namespace storemesh::ops {
namespace {

using services::gateway::settings;
using services::gateway::seconds_ns;

enum class unit { number, count, rate, seconds };

struct setting_key {
  const char* key;
  const char* flag;
  unit kind;
  const char* help;
  std::function<double&(settings&)> number = {};
  std::function<std::uint64_t(const settings&)> get_int = {};
  std::function<void(settings&, std::uint64_t)> set_int = {};
  std::function<std::int64_t&(settings&)> duration = {};
};

const std::vector<setting_key>& table() {
  static const std::vector<setting_key> keys{
      {"weight_rate", "--weight-rate", unit::number, "score weight of bytes/s replicated",
       [](settings& s) -> double& { return s.weight_rate; }},
      {"weight_queue", "--weight-queue", unit::number, "score weight of the queue depth",
       [](settings& s) -> double& { return s.weight_queue; }},
      {"weight_cpu", "--weight-cpu", unit::number, "score weight of the CPU used by copies",
       [](settings& s) -> double& { return s.weight_cpu; }},
      {"rate_capacity", "--rate-capacity", unit::rate, "bytes/s that make the rate term full (K/M/G suffixes)", {},
       [](const settings& s) { return s.rate_capacity; },
       [](settings& s, std::uint64_t v) { s.rate_capacity = v; }},
      {"queue_capacity", "--queue-capacity", unit::count, "workloads that make the queue term full", {},
       [](const settings& s) { return std::uint64_t{s.queue_capacity}; },
       [](settings& s, std::uint64_t v) { s.queue_capacity = static_cast<std::uint32_t>(v); }},
      {"overload_threshold", "--overload-threshold", unit::number, "score at or above which a gateway is overloaded",
       [](settings& s) -> double& { return s.overload_threshold; }},
      {"spread_threshold", "--spread-threshold", unit::number,
       "rebalance when (highest - lowest) / highest exceeds it, in (0, 1)",
       [](settings& s) -> double& { return s.spread_threshold; }},
      {"max_moves", "--max-moves", unit::count, "moves per plan, 0 = no limit", {},
       [](const settings& s) { return std::uint64_t{s.max_moves}; },
       [](settings& s, std::uint64_t v) { s.max_moves = static_cast<std::uint32_t>(v); }},
      {"interval_seconds", "--interval", unit::seconds, "seconds between scheduled evaluations, 0 = on demand only",
       {}, {}, {}, [](settings& s) -> std::int64_t& { return s.interval_ns; }},
      {"cooldown_workload_seconds", "--cooldown-workload", unit::seconds, "seconds a moved workload stays put", {},
       {}, {}, [](settings& s) -> std::int64_t& { return s.cooldown_workload_ns; }},
      {"cooldown_gateway_seconds", "--cooldown-gateway", unit::seconds,
       "seconds a gateway that gave or took a workload rests", {}, {}, {},
       [](settings& s) -> std::int64_t& { return s.cooldown_gateway_ns; }},
      {"min_remaining_seconds", "--min-remaining", unit::seconds,
       "a workload expected to end sooner is not moved", {}, {}, {},
       [](settings& s) -> std::int64_t& { return s.min_remaining_ns; }},
      {"move_timeout_seconds", "--move-timeout", unit::seconds, "a move not handed over by then is dropped", {}, {},
       {}, [](settings& s) -> std::int64_t& { return s.move_timeout_ns; }},
      {"report_interval_seconds", "--report-interval", unit::seconds, "seconds between a gateway's load reports", {},
       {}, {}, [](settings& s) -> std::int64_t& { return s.report_interval_ns; }},
      {"stale_after_seconds", "--stale-after", unit::seconds, "a load report older than this does not count", {}, {},
       {}, [](settings& s) -> std::int64_t& { return s.stale_after_ns; }},
  };
  return keys;
}

[[noreturn]] void bad(const std::string& where, const std::string& key, const std::string& text, const char* why) {
  throw cli_error(fmt::format("{}: {} = '{}': {}", where, key, text, why), 2);
}



std::uint64_t parse_count(const std::string& where, const std::string& key, const std::string& text) {
  const double v = parse_number(where, key, text);
  if (v < 0 || v != std::floor(v) || v > 4294967295.0)
    bad(where, key, text, "not a whole number from 0 to 4294967295");
  return static_cast<std::uint64_t>(v);
}

std::string number_text(double v) { return fmt::format("{}", v); }

} // namespace

void add_setting_flags(CLI::App& cmd, setting_values& out) {
  for (const auto& k : table())
    cmd.add_option(k.flag, out[k.key], k.help)->group("Rebalancer settings");
}

void apply_settings(const setting_values& values, settings& s, const std::string& where) {
  for (const auto& [key, text] : values) {
    if (text.empty())
      continue;  // a flag not given
    const setting_key* k = nullptr;
    for (const auto& candidate : table())
      if (key == candidate.key)
        k = &candidate;
    if (k == nullptr)
      throw cli_error(fmt::format("{}: unknown key '{}' (see storemesh rebalance configure --help)", where, key), 2);
    switch (k->kind) {
      case unit::number: k->number(s) = parse_number(where, key, text); break;
      case unit::count: k->set_int(s, parse_count(where, key, text)); break;
      case unit::rate: k->set_int(s, parse_size(where, key, text)); break;
      case unit::seconds: {
        const double v = parse_number(where, key, text);
        if (v < 0 || v > 1e9)
          bad(where, key, text, "seconds must be from 0 to 1e9");
        k->duration(s) = static_cast<std::int64_t>(std::llround(v * static_cast<double>(seconds_ns)));
        break;
      }
    }
  }
}

std::vector<std::pair<std::string, std::string>> setting_rows(const settings& s) {
  std::vector<std::pair<std::string, std::string>> out;
  auto copy = s;
  for (const auto& k : table()) {
    switch (k.kind) {
      case unit::number: out.emplace_back(k.key, number_text(k.number(copy))); break;
      case unit::count:
      case unit::rate: out.emplace_back(k.key, std::to_string(k.get_int(copy))); break;
      case unit::seconds:
        out.emplace_back(k.key, number_text(static_cast<double>(k.duration(copy)) / static_cast<double>(seconds_ns)));
        break;
    }
  }
  return out;
}

std::string settings_json(const settings& s) {
  std::string out;
  for (const auto& [key, value] : setting_rows(s))
    out += fmt::format("{}\"{}\":{}", out.empty() ? "" : ",", key, value);
  return "{" + out + "}";
}

} // namespace storemesh::ops
