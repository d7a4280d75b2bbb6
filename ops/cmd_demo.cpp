// storemesh demo: the main job of ops/run. In a fresh directory: a shared
// datastore with a file of random data, host-a and host-b, a copy on host-a
// migrated to host-b at about 40%, the SHA-256 of both files, a compact
// timeline of the events, and the audit's verdict.

#include "actors/daemon.hpp"
#include "events/crypto/keys.hpp"
#include "ops/audit.hpp"
#include "ops/cli_context.hpp"
#include "ops/command_client.hpp"
#include "ops/job_view.hpp"
#include "services/host/host_codec.hpp"
#include "services/migration/copy_job_codec.hpp"
#include "services/migration/engine/chunk_hash.hpp"

#include <fmt/core.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

namespace storemesh::ops {
namespace {

namespace fs = std::filesystem;
namespace job = services::copy_job;
namespace host = services::host;
using clock_type = std::chrono::steady_clock;

struct demo_options {
  std::string dir;
  std::uint64_t size_mib = 1024;
  std::uint64_t rate_mib = 256;
  double migrate_at = 0.40;
};

/// SIZE bytes of ChaCha20 keystream: random, and fast enough for a GiB.
void write_random_file(const fs::path& file, std::uint64_t size) {
  std::vector<unsigned char> buf(8u << 20);
  unsigned char key[crypto_stream_chacha20_KEYBYTES];
  randombytes_buf(key, sizeof key);
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  std::uint64_t nonce = 0;
  for (std::uint64_t done = 0; done < size; done += buf.size(), ++nonce) {
    unsigned char n[crypto_stream_chacha20_NONCEBYTES] = {};
    std::memcpy(n, &nonce, sizeof nonce);
    crypto_stream_chacha20(buf.data(), buf.size(), n, key);
    out.write(reinterpret_cast<const char*>(buf.data()),
              static_cast<std::streamsize>(std::min<std::uint64_t>(buf.size(), size - done)));
  }
  if (!out.flush())
    throw cli_error("cannot write " + file.string());
}

std::string sha256_of(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw cli_error("cannot open " + file.string());
  services::migration::sha256_stream h;
  std::vector<char> buf(4u << 20);
  for (;;) {
    const auto n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      ::close(fd);
      throw cli_error("cannot read " + file.string());
    }
    if (n == 0)
      break;
    h.update(buf.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  return services::migration::to_hex(h.finish());
}

void step(const std::string& what) { fmt::print("\n== {}\n", what); }

void print_timeline(const job_view& j) {
  const auto t0 = j.timeline.empty() ? 0 : j.timeline.front().timestamp_ns;
  std::size_t i = 0;
  while (i < j.timeline.size()) {
    const auto& e = j.timeline[i];
    std::size_t k = i;
    while (e.progress && k + 1 < j.timeline.size() && j.timeline[k + 1].progress)
      ++k;
    const double at = static_cast<double>(e.timestamp_ns - t0) / 1e9;
    if (k > i)
      fmt::print("  {:7.3f}s  {:<9} {} progress events, up to {}\n", at, e.kind, k - i + 1,
                 human_bytes(static_cast<double>(j.timeline[k].offset)));
    else
      fmt::print("  {:7.3f}s  {:<9} {}\n", at, e.kind, e.what);
    i = k + 1;
  }
}

command_outcome run(command_client& client, const std::string& kind, const std::string& id,
                    std::function<void(schema::Envelope::Builder)> fill, bool must_accept = true) {
  auto o = client.submit({kind, id, std::move(fill)}, true, std::chrono::seconds(30));
  if (must_accept && !o.accepted)
    throw cli_error(fmt::format("{} {} rejected ({}): {}", kind, id, o.code, o.reason));
  return o;
}

int demo(const demo_options& o) {
  const fs::path dir = o.dir.empty() ? fs::path(fs::temp_directory_path() / fmt::format("storemesh-demo-{}", ::getpid()))
                                     : fs::path(o.dir);
  if (fs::exists(dir / "data"))
    throw cli_error("demo wants a fresh directory; " + dir.string() + " has a data/ already");
  fs::create_directories(dir / "datastores" / "shared");
  fs::create_directories(dir / "datastores" / "replica");
  spdlog::set_level(spdlog::level::warn);  // the demo prints its own story

  step(fmt::format("a shared datastore with {} of random data, in {}", human_bytes(o.size_mib * 1048576.0),
                   dir.string()));
  const auto source = dir / "datastores" / "shared" / "disk.img";
  const auto t_gen = clock_type::now();
  write_random_file(source, o.size_mib << 20);
  fmt::print("  wrote {} in {:.1f}s\n", source.string(),
             std::chrono::duration<double>(clock_type::now() - t_gen).count());

  step("an operator key; the daemon on the embedded log, trusting it");
  auto key = must(events::crypto::load_or_create_key_pair(dir / "operator.key"), "operator key");
  data_options data;
  data.data = (dir / "data").string();
  auto log = open_log(data, false);
  actors::daemon_options d;
  d.state_dir = state_dir(data);
  d.trusted.add(key.public_key());
  d.names = data.names;
  actors::daemon daemon(*log, d);
  must(daemon.start(), "starting the daemon");
  command_client client(*log, data.names, key);

  step("host-a and host-b mount both datastores");
  for (const char* h : {"host-a", "host-b"}) {
    host::register_host c{{{"shared", (dir / "datastores" / "shared").string()},
                           {"replica", (dir / "datastores" / "replica").string()}}};
    run(client, "host", h, [&](schema::Envelope::Builder b) { host::entity::write_command(c, b); });
    fmt::print("  {} registered\n", h);
  }

  step(fmt::format("copy shared:disk.img -> replica:disk.img on host-a (throttled to {} MiB/s)", o.rate_mib));
  const std::string id = "job-demo";
  job::submit submit{{"shared", "disk.img"}, {"replica", "disk.img"}, "host-a", job::default_chunk_size,
                     o.rate_mib << 20};
  run(client, "copy_job", id, [&](schema::Envelope::Builder b) { job::entity::write_command(submit, b); });

  bool migrated = false;
  job_view view;
  job_board board(*log, data.names, id);
  for (;;) {
    const auto& jobs = board.refresh();
    view = jobs.count(id) != 0 ? jobs.at(id) : job_view{};
    fmt::print("\r\033[K  {}", progress_line(id, view, true, wall_clock_ns()));
    std::fflush(stdout);
    if (view.state.finished())
      break;
    if (!migrated && view.state.size > 0 &&
        static_cast<double>(view.state.offset) >= o.migrate_at * static_cast<double>(view.state.size)) {
      fmt::print("\n  at {:.0f}%: storemesh copy migrate {} --to host-b\n",
                 100.0 * static_cast<double>(view.state.offset) / static_cast<double>(view.state.size), id);
      job::migrate m{"host-b", "demo: move it mid-flight"};
      run(client, "copy_job", id, [&](schema::Envelope::Builder b) { job::entity::write_command(m, b); });
      migrated = true;
    }
    if (daemon.failed())
      throw cli_error("the daemon stopped (see above)");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  fmt::print("\n");
  daemon.stop();

  step("timeline (copy_job and migration events)");
  print_timeline(view);

  step("figures");
  std::uint64_t a_max = 0, b_from = view.state.size;
  std::int64_t b_first_ns = 0;
  for (const auto& s : view.samples) {
    if (s.epoch == 1)
      a_max = std::max(a_max, s.offset);
    else if (b_first_ns == 0)
      b_first_ns = s.timestamp_ns;
  }
  if (view.state.hops.size() > 1)
    b_from = view.state.hops.back().from;
  fmt::print("  bytes copied twice: {} (host-a reached {}, host-b started at {}; chunk {})\n",
             a_max > b_from ? a_max - b_from : 0, a_max, b_from, human_bytes(static_cast<double>(view.state.chunk_size)));
  if (view.portion_ns > 0 && b_first_ns > 0)
    fmt::print("  hand-off: portion message -> host-b's first chunk recorded: {:.1f} ms\n",
               static_cast<double>(b_first_ns - view.portion_ns) / 1e6);
  if (view.finalizing_recorded_ns > 0 && view.ended_ns > 0)
    fmt::print("  finalize on {}: {:.1f} s (fdatasync, O_DIRECT read-back, chunk hashes compared, rename)\n",
               view.state.hops.empty() ? std::string("-") : view.state.hops.back().host,
               static_cast<double>(view.ended_ns - view.finalizing_recorded_ns) / 1e9);

  step("verify: SHA-256 of source and destination");
  const auto destination = dir / "datastores" / "replica" / "disk.img";
  const auto want = sha256_of(source);
  const auto got = fs::exists(destination) ? sha256_of(destination) : std::string("(missing)");
  fmt::print("  source       {}\n  destination  {}\n", want, got);
  const bool hash_ok = view.state.status == job::job_status::completed && want == got;

  step("storemesh audit");
  auto read = open_log(data, true);
  audit_options a;
  a.names = data.names;
  a.command_keys.add(key.public_key());
  a.command_keys.add(daemon.sealing_key());
  a.daemon_keys.add(daemon.sealing_key());
  const auto report = run_audit(*read, a);
  fmt::print("  {} records, {} commands, {} events, {} seals, {} rejections; {} violations\n", report.records,
             report.commands, report.events, report.seals, report.rejections, report.violations.size());
  for (const auto& v : report.violations)
    fmt::print("  VIOLATION {}\n", v);

  const bool ok = hash_ok && report.ok() && migrated;
  fmt::print("\nverdict: {} ({}; audit {}){}\n", ok ? "OK" : "FAILED",
             hash_ok ? "hashes match" : "hashes DIFFER or job not completed", report.ok() ? "passed" : "FAILED",
             migrated ? "" : "; the job ended before it could be migrated");
  fmt::print("data in {}\n", dir.string());
  return ok ? 0 : 1;
}

} // namespace

void register_demo(CLI::App& app) {
  auto o = std::make_shared<demo_options>();
  auto* cmd = app.add_subcommand("demo", "copy a file on host-a, migrate it to host-b mid-flight, verify, audit");
  cmd->add_option("--dir", o->dir, "fresh directory to work in (default: a new temp dir)");
  cmd->add_option("--size-mib", o->size_mib, "size of the random file")->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--rate-mib", o->rate_mib, "throttle of the copy, MiB/s")->check(CLI::Range(1, 1 << 20));
  cmd->callback([o] {
    if (const int rc = demo(*o); rc != 0)
      throw cli_error("demo failed", rc);
  });
}

} // namespace storemesh::ops
