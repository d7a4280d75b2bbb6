#pragma once
// The rebalancer's settings (services/gateway/settings.hpp) as an operator
// writes them: keys of the config file's [rebalance] table and flags of
// `storemesh rebalance configure` (and of its dry run). One table for both,
// so a key and its flag cannot drift apart:
//
//   key                          flag                   unit
//   weight_rate                  --weight-rate          weight of bytes/s
//   weight_queue                 --weight-queue         weight of the queue depth
//   weight_cpu                   --weight-cpu           weight of the CPU
//   rate_capacity                --rate-capacity        bytes/s (K/M/G suffixes, powers of 1024)
//   queue_capacity               --queue-capacity       workloads
//   overload_threshold           --overload-threshold   score
//   spread_threshold             --spread-threshold     fraction, (0, 1)
//   max_moves                    --max-moves            per plan, 0 = no limit
//   interval_seconds             --interval             0 = on demand only
//   cooldown_workload_seconds    --cooldown-workload
//   cooldown_gateway_seconds     --cooldown-gateway
//   min_remaining_seconds        --min-remaining
//   move_timeout_seconds         --move-timeout
//   report_interval_seconds      --report-interval
//   stale_after_seconds          --stale-after

#include "services/gateway/settings.hpp"

#include <CLI/CLI.hpp>

#include <map>
#include <string>
#include <vector>

namespace storemesh::ops {

/// Setting values as text, by key (from a config file or from flags).
using setting_values = std::map<std::string, std::string>;

/// Adds one flag per setting to CMD; what the operator gives lands in OUT by key.
void add_setting_flags(CLI::App& cmd, setting_values& out);

/// Applies VALUES over S. Throws cli_error naming WHERE (a flag list or a
/// config file) and the key, for an unknown key or a value that does not parse.
void apply_settings(const setting_values& values, services::gateway::settings& s, const std::string& where);

/// Every setting as (key, value in its unit), in table order.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> setting_rows(const services::gateway::settings& s);

/// Every setting as one JSON object, keys as in the table.
[[nodiscard]] std::string settings_json(const services::gateway::settings& s);

} // namespace storemesh::ops
