// storemesh apply FILE: many commands at once, signed by the batch (one
// signature per --batch commands, a proof in each), each appended to its
// entity's partition; then every outcome, rejections with their reasons.

#include "ops/command_file.hpp"
#include "ops/inject.hpp"

#include <fmt/core.h>

namespace storemesh::ops {
namespace {

struct apply_options {
  inject_options inject;
  std::string file;
  std::size_t batch = 256;
};

void apply(const apply_options& o) {
  const auto lines = read_command_file(o.file);
  if (lines.empty()) {
    fmt::print("{}: no commands\n", o.file);
    return;
  }
  std::vector<command_request> requests;
  for (const auto& l : lines)
    requests.push_back(request_of(l));
  auto key = load_signing_key(o.inject.key);
  auto log = open_log(o.inject.data, false);
  command_client client(*log, o.inject.data.names, key);
  const auto outcomes = client.submit_all(
      requests, o.batch, !o.inject.no_wait,
      std::chrono::milliseconds(static_cast<std::int64_t>(o.inject.timeout_seconds * 1000)));
  const auto signatures = (lines.size() + o.batch - 1) / o.batch;
  if (o.inject.no_wait) {
    fmt::print("submitted {} commands under {} signature(s)\n", lines.size(), signatures);
    return;
  }
  std::size_t accepted = 0;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (outcomes[i].accepted) {
      ++accepted;
      continue;
    }
    fmt::print("{}:{}: {} {}: rejected ({}): {}\n", o.file, lines[i].line, lines[i].kind, lines[i].id,
               outcomes[i].code, outcomes[i].reason);
  }
  fmt::print("{} accepted, {} rejected, {} commands under {} signature(s)\n", accepted, outcomes.size() - accepted,
             lines.size(), signatures);
  if (accepted != outcomes.size())
    throw cli_error(fmt::format("{} of {} commands rejected", outcomes.size() - accepted, outcomes.size()));
}

} // namespace

void register_apply(CLI::App& app) {
  auto o = std::make_shared<apply_options>();
  auto* cmd = app.add_subcommand(
      "apply", "sign and append every command of a file (one per line: KIND ID PAYLOAD-JSON), by the batch, and "
               "wait for their outcomes");
  cmd->add_option("file", o->file, "the commands, one per line; # starts a comment")->required();
  cmd->add_option("--batch", o->batch, "commands under one signature (1: each signed alone)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  add_inject_options(*cmd, o->inject);
  cmd->callback([o] { apply(*o); });
}

} // namespace storemesh::ops
