// storemesh copy submit|migrate|throttle|status|list

#include "events/envelope/envelope_builder.hpp"
#include "ops/cli_context.hpp"
#include "ops/inject.hpp"
#include "ops/job_view.hpp"
#include "services/migration/copy_job_codec.hpp"
#include "services/migration/engine/chunk_hash.hpp"

#include <fmt/core.h>

#include <csignal>
#include <thread>
#include <unistd.h>

namespace storemesh::ops {
namespace {

namespace job = services::copy_job;

job::location parse_location(const std::string& spec, const char* what) {
  const auto colon = spec.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size())
    throw cli_error(fmt::format("{} wants DATASTORE:PATH, got '{}'", what, spec), 2);
  return {spec.substr(0, colon), spec.substr(colon + 1)};
}

std::string new_job_id() {
  const auto id = events::envelope::new_message_id();
  return fmt::format("job-{:02x}{:02x}{:02x}{:02x}{:02x}", id[0], id[1], id[2], id[3], id[4]);
}

/// Follows a job until it ends (or, with until_end false, draws once).
/// Returns the final view.
job_view watch(const data_options& data, const std::string& id, bool until_end, bool json) {
  auto log = open_log(data, true);
  job_board board(*log, data.names, id);
  const bool tty = ::isatty(STDOUT_FILENO) != 0;
  for (;;) {
    const auto& jobs = board.refresh();
    auto it = jobs.find(id);
    if (it == jobs.end())
      throw cli_error("no copy job '" + id + "'");
    const auto& j = it->second;
    if (json)
      fmt::print("{}\n", job_json(id, j));
    else
      fmt::print(tty && until_end ? "\r\033[K{}" : "{}\n", progress_line(id, j, true, wall_clock_ns()));
    std::fflush(stdout);
    if (!until_end || j.state.finished()) {
      if (tty && until_end && !json)
        fmt::print("\n");
      return j;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(json ? 1000 : 200));
  }
}

void print_status(const data_options& data, const std::string& id, bool json) {
  auto j = watch(data, id, false, json);
  if (json)
    return;
  const auto& s = j.state;
  fmt::print("  {} -> {}   chunk {}{}\n", s.source.datastore + ":" + s.source.path,
             s.destination.datastore + ":" + s.destination.path, human_bytes(static_cast<double>(s.chunk_size)),
             s.max_rate != 0 || s.rate_until != 0 ? "   max " + describe_throttle(s.max_rate, s.rate_until, s.rate_then)
                                                  : std::string());
  fmt::print("  hosts:");
  for (const auto& h : s.hops)
    fmt::print(" {} (from {}, epoch {})", h.host, h.from, h.epoch);
  fmt::print("\n");
  if (s.status == job::job_status::stopping && s.stop_sent && !s.portion_done)
    fmt::print("  {} was asked to stop after the chunk in flight\n", s.host);
  if (s.status == job::job_status::finalizing)
    fmt::print("  every byte copied; {} verifies the copy (fdatasync, read-back, chunk hashes) and renames it\n",
               s.host);
  if (j.finalizing_ns != 0 && s.status == job::job_status::completed)
    fmt::print("  finalized in {:.1f}s (verify + rename)\n",
               static_cast<double>(j.ended_ns - j.finalizing_recorded_ns) / 1e9);
  if (s.status == job::job_status::completed)
    fmt::print("  digest {} (SHA-256 over the chunk hashes)\n", services::migration::to_hex(s.digest));
  if (s.status == job::job_status::failed)
    fmt::print("  failed ({}): {}\n", s.failure_code, s.failure_reason);
}

} // namespace

void register_copy(CLI::App& app) {
  auto* copy = app.add_subcommand("copy", "network file copy jobs: submit, migrate between hosts, follow");
  copy->require_subcommand(1);
  {
    struct submit_options {
      inject_options inject;
      std::string src, dst, host, id;
      std::uint64_t chunk = job::default_chunk_size, rate = 0;
      bool wait = false;
    };
    auto o = std::make_shared<submit_options>();
    auto* cmd = copy->add_subcommand("submit", "copy a file from one datastore to another; prints the job id");
    cmd->add_option("--src", o->src, "source DATASTORE:PATH (path relative to the datastore)")->required();
    cmd->add_option("--dst", o->dst, "destination DATASTORE:PATH")->required();
    cmd->add_option("--host", o->host, "host that runs it (default: an up host that mounts both, fewest jobs)");
    // Sizes as "8MiB", "8M", "200k": CLI11's size parser (every unit a power of 1024).
    cmd->add_option("--chunk-size", o->chunk, "unit of copy, hashing and progress (default 8MiB)")
        ->transform(CLI::AsSizeValue(false));
    cmd->add_option("--max-rate", o->rate, "throttle, bytes per second (K/M/G suffixes; 0 = none); kept on migration")
        ->transform(CLI::AsSizeValue(false));
    cmd->add_option("--id", o->id, "job id (default: job-<random>)");
    cmd->add_flag("--wait", o->wait, "draw a progress bar until the job ends; exit 1 if it fails");
    add_inject_options(*cmd, o->inject);
    cmd->callback([o] {
      job::submit c{parse_location(o->src, "--src"), parse_location(o->dst, "--dst"), o->host,
                    o->chunk, o->rate};
      const auto id = o->id.empty() ? new_job_id() : o->id;
      inject<job::entity>(o->inject, id, c, true);
      fmt::print("{}\n", id);
      if (o->wait && !o->inject.no_wait) {
        auto j = watch(o->inject.data, id, true, false);
        if (j.state.status != job::job_status::completed)
          throw cli_error(fmt::format("job {} failed ({}): {}", id, j.state.failure_code, j.state.failure_reason));
      }
    });
  }
  {
    struct migrate_options {
      inject_options inject;
      std::string job, to, reason;
      bool automatic = false;
    };
    auto o = std::make_shared<migrate_options>();
    auto* cmd = copy->add_subcommand("migrate", "move a running job to another host without losing a byte");
    cmd->add_option("JOB", o->job, "job id")->required();
    auto* to = cmd->add_option("--to", o->to, "target host");
    auto* automatic = cmd->add_flag("--auto", o->automatic, "let the placement policy pick the target");
    to->excludes(automatic);
    cmd->add_option("--reason", o->reason, "why, for the record");
    add_inject_options(*cmd, o->inject);
    cmd->callback([o] {
      if (o->to.empty() && !o->automatic)
        throw cli_error("give --to HOST or --auto", 2);
      inject<job::entity>(o->inject, o->job, job::migrate{o->to, o->reason});
    });
  }
  {
    struct throttle_options {
      inject_options inject;
      std::string job;
      std::uint64_t rate = 0, until = 0, then = 0;
    };
    auto o = std::make_shared<throttle_options>();
    auto* cmd = copy->add_subcommand(
        "throttle", "change a job's throttle while it runs (kept on migration); with --until, only up to an offset");
    cmd->add_option("JOB", o->job, "job id")->required();
    cmd->add_option("--max-rate", o->rate, "bytes per second from now on (K/M/G suffixes; 0 = none)")
        ->required()
        ->transform(CLI::AsSizeValue(false));
    auto* until = cmd->add_option("--until", o->until,
                                  "apply --max-rate only below this offset of the file (K/M/G suffixes) ...")
                      ->transform(CLI::AsSizeValue(false));
    auto* then = cmd->add_option("--then", o->then, "... and this rate from it on (1K holds the copy there)")
                     ->transform(CLI::AsSizeValue(false));
    until->needs(then);
    then->needs(until);
    add_inject_options(*cmd, o->inject);
    cmd->callback([o] {
      if (o->until == 0 && o->then != 0)
        throw cli_error("--until must be above 0", 2);
      inject<job::entity>(o->inject, o->job, job::throttle{o->rate, o->until, o->then});
    });
  }
  {
    struct status_options {
      data_options data;
      std::string job;
      bool watch = false, json = false;
    };
    auto o = std::make_shared<status_options>();
    auto* cmd = copy->add_subcommand("status", "a job's state, host, bytes, rate, ETA and hosts so far");
    cmd->add_option("JOB", o->job, "job id")->required();
    cmd->add_flag("--watch", o->watch, "draw a live progress bar until the job ends");
    cmd->add_flag("--json", o->json, "one JSON object (per refresh with --watch)");
    add_data_options(*cmd, o->data);
    cmd->callback([o] {
      if (o->watch)
        (void)watch(o->data, o->job, true, o->json);
      else
        print_status(o->data, o->job, o->json);
    });
  }
  {
    struct list_options {
      data_options data;
      bool json = false;
    };
    auto o = std::make_shared<list_options>();
    auto* cmd = copy->add_subcommand("list", "every copy job, rebuilt from the log");
    cmd->add_flag("--json", o->json, "one JSON object per line");
    add_data_options(*cmd, o->data);
    cmd->callback([o] {
      auto log = open_log(o->data, true);
      for (const auto& [id, j] : read_jobs(*log, o->data.names))
        fmt::print("{}\n", o->json ? job_json(id, j) : progress_line(id, j, false, wall_clock_ns()));
    });
  }
}

} // namespace storemesh::ops
