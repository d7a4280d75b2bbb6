#include "ops/config_file.hpp"

#include "ops/cli_context.hpp"

#include <fmt/core.h>
#include <toml++/toml.h>

namespace storemesh::ops {

config_file read_config_file(const std::string& path) {
  config_file c;
  if (path.empty())
    return c;
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw cli_error(fmt::format("config {}: {}", path, e.description()));
  }
  if (auto* keys = t["trust"].as_array())
    for (const auto& k : *keys) {
      auto s = k.value<std::string>();
      if (!s)
        throw cli_error(fmt::format("config {}: trust must list strings (hex keys or .pub paths)", path));
      c.trust.push_back(*s);
    }
  if (auto v = t["partitions"].value<std::int64_t>())
    c.partitions = static_cast<std::int32_t>(*v);
  if (auto v = t["snapshot_every"].value<std::int64_t>())
    c.snapshot_every = static_cast<std::uint64_t>(*v);
  c.idle_seconds = t["idle_seconds"].value<double>();
  c.topic_prefix = t["topic_prefix"].value<std::string>();
  if (auto v = t["replication_factor"].value<std::int64_t>()) {
    if (*v < 1 || *v > 32)
      throw cli_error(fmt::format("config {}: replication_factor must be 1..32", path));
    c.replication_factor = static_cast<std::int16_t>(*v);
  }
  c.kafka = t["kafka"].value<std::string>();
  if (auto* r = t["rebalance"].as_table()) {
    for (const auto& [key, value] : *r) {
      const std::string k(key.str());
      if (auto s = value.value<std::string>())
        c.rebalance[k] = *s;
      else if (value.is_integer())
        c.rebalance[k] = std::to_string(*value.value<std::int64_t>());
      else if (auto d = value.value<double>())
        c.rebalance[k] = fmt::format("{}", *d);
      else
        throw cli_error(fmt::format("config {}: rebalance.{} must be a number or a string", path, k));
    }
  } else if (t.contains("rebalance")) {
    throw cli_error(fmt::format("config {}: rebalance must be a table ([rebalance])", path));
  }
  return c;
}

} // namespace storemesh::ops
