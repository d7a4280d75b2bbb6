// storemesh audit: replay everything, verify everything, give a verdict.

#include "ops/audit.hpp"
#include "ops/cli_context.hpp"
#include "ops/config_file.hpp"

#include "events/crypto/keys.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>

namespace storemesh::ops {
namespace {

struct audit_cli {
  data_options data;
  std::vector<std::string> trust;
  std::vector<std::string> trust_daemon;
  std::int64_t until = -1;
  bool json = false;
};

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", c);
      continue;
    }
    out += c;
  }
  return out;
}

void audit(audit_cli& cli) {
  auto config = read_config_file(cli.data.config);
  cli.trust.insert(cli.trust.end(), config.trust.begin(), config.trust.end());
  if (config.topic_prefix)
    cli.data.names.prefix = *config.topic_prefix;
  audit_options o;
  o.names = cli.data.names;
  for (const auto& k : cli.trust)
    o.command_keys.add(must(events::crypto::parse_public_key(k), "--trust " + k));
  if (cli.trust_daemon.empty()) {
    // By default the daemon key found beside the log; an auditor who does not
    // trust the data directory passes --trust-daemon explicitly.
    const auto own = state_dir(cli.data) / "daemon.key.pub";
    if (std::filesystem::exists(own))
      cli.trust_daemon.push_back(own.string());
  }
  for (const auto& k : cli.trust_daemon) {
    const auto key = must(events::crypto::parse_public_key(k), "--trust-daemon " + k);
    o.daemon_keys.add(key);
    // A daemon also signs commands: its process managers' and agents'.
    o.command_keys.add(key);
  }
  if (cli.until >= 0)
    o.until = offset{cli.until};
  auto log = open_log(cli.data, true);
  const auto r = run_audit(*log, o);

  if (cli.json) {
    std::vector<std::string> entities, violations;
    for (const auto& [k, n] : r.entities)
      entities.push_back(fmt::format("\"{}\":{}", k, n));
    for (const auto& v : r.violations)
      violations.push_back("\"" + json_escape(v) + "\"");
    fmt::print("{{\"verdict\":\"{}\",\"records\":{},\"commands\":{},\"commands_signed_ok\":{},"
               "\"commands_refused_signature\":{},\"commands_malformed\":{},\"events\":{},\"seals\":{},\"rejections\":{},\"snapshots\":{},"
               "\"entities\":{{{}}},\"violations\":[{}]}}\n",
               r.ok() ? "ok" : "violated", r.records, r.commands, r.commands_signed_ok,
               r.commands_refused_signature, r.commands_malformed, r.events, r.seals, r.rejections, r.snapshots, fmt::join(entities, ","),
               fmt::join(violations, ","));
  } else {
    fmt::print("records    {}\n", r.records);
    fmt::print("commands   {} ({} validly signed by a trusted key; {} unsigned or untrusted and {} malformed, "
               "rejected at intake)\n",
               r.commands, r.commands_signed_ok, r.commands_refused_signature, r.commands_malformed);
    fmt::print("events     {}\nseals      {} (every appended batch sealed and verified)\n", r.events, r.seals);
    for (const auto& [k, n] : r.entities)
      fmt::print("entities   {} {} rebuilt\n", n, k);
    fmt::print("rejections {}\nsnapshots  {}\n", r.rejections, r.snapshots);
    for (const auto& v : r.violations)
      fmt::print("VIOLATION  {}\n", v);
    fmt::print("verdict    {}\n", r.ok() ? "OK" : fmt::format("FAILED ({} violations)", r.violations.size()));
  }
  if (!r.ok())
    throw cli_error(fmt::format("audit failed: {} violations", r.violations.size()), 1);
}

} // namespace

void register_audit(CLI::App& app) {
  auto cli = std::make_shared<audit_cli>();
  auto* cmd = app.add_subcommand("audit", "replay the whole log, verify signatures, chains and seals, give a verdict");
  add_data_options(*cmd, cli->data);
  cmd->add_option("--config", cli->data.config, "TOML config whose trust = [...] lists operator keys");
  cmd->add_option("--trust", cli->trust, "operator public key (hex or .pub); repeatable");
  cmd->add_option("--trust-daemon", cli->trust_daemon,
                  "daemon sealing key (hex or .pub); default <data>/state/daemon.key.pub");
  cmd->add_option("--until", cli->until, "replay each partition only below this offset")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", cli->json, "the report as one JSON object");
  cmd->callback([cli] { audit(*cli); });
}

} // namespace storemesh::ops
