// The five ways of copying dir/src that bench_copy compares.
#include "bench/copy_bench.hpp"

#include "services/migration/engine/copy_engine.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

namespace storemesh::cbench {
namespace {

namespace fs = std::filesystem;
namespace engine = services::migration;

/// Runs a command to completion, its stdout to /dev/null (sha256sum's lines).
void run_command(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int err = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) fail("cannot run " + args[0]);
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fail(args[0] + " failed (status " + std::to_string(status) + ")");
}

timing time_commands(const std::vector<std::vector<std::string>>& commands) {
  const auto t0 = clock::now();
  for (const auto& c : commands) run_command(c);
  return {seconds_since(t0), {}};
}

timing engine_run(const options& o, bool verify) {
  engine::copy_spec s;
  s.source = o.dir / "src";
  s.temp = o.dir / "engine.part";
  s.destination = o.dir / "engine";
  s.chunk_size = o.chunk;
  s.verify = verify;
  s.expect = must(engine::stat_source(s.source), "stat source");
  const std::atomic<bool> stop{false};
  std::vector<engine::chunk_hash> hashes;
  const auto t0 = clock::now();
  const auto outcome = must(engine::copy_range(s, 0, stop, [&](const engine::progress& p) {
                              hashes.insert(hashes.end(), p.new_hashes.begin(), p.new_hashes.end());
                            }),
                            "copy_range");
  if (!outcome.reached_end) fail("copy_range stopped at " + std::to_string(outcome.offset));
  const double copied = seconds_since(t0);
  if (!verify) return {copied, {{"copy_range", copied}}};
  const auto t1 = clock::now();
  (void)must(engine::finalize(s, hashes), "finalize");
  const double finalized = seconds_since(t1);
  return {seconds_since(t0), {{"copy_range", copied}, {"finalize", finalized}}};
}

} // namespace

std::vector<contender> contenders(const options& o) {
  const std::string src = (o.dir / "src").string();
  const fs::path cp_dst = o.dir / "cp";
  const fs::path sum_dst = o.dir / "cp_sum";
  const fs::path rsync_dst = o.dir / "rsync";
  return {
      {"engine, unverified (copy_range)", [&o] { return engine_run(o, false); }, {o.dir / "engine.part"}},
      {"engine, verified (copy_range + finalize)", [&o] { return engine_run(o, true); },
       {o.dir / "engine.part", o.dir / "engine"}},
      {"cp SRC DST", [=] { return time_commands({{"cp", src, cp_dst.string()}}); }, {cp_dst}},
      {"cp SRC DST; sha256sum SRC DST",
       [=] { return time_commands({{"cp", src, sum_dst.string()}, {"sha256sum", src, sum_dst.string()}}); },
       {sum_dst}},
      {"rsync --whole-file SRC DST", [=] { return time_commands({{"rsync", "--whole-file", src, rsync_dst.string()}}); },
       {rsync_dst}},
  };
}

} // namespace storemesh::cbench
