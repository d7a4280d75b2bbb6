// Group 1: FileLog append rate beside what the disk gives for the same bytes
// in the same pattern (one pwrite per batch, fdatasync after each under
// fsync_policy::always), in the same directory.

#include "bench/bench_data.hpp"
#include "bench/groups.hpp"

#include "events/file_log/batch_format.hpp"
#include "events/file_log/file_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <thread>

namespace storemesh::bench {
namespace {

using events::fsync_policy;
namespace fs = std::filesystem;

constexpr std::size_t pool_size = 1000;  // distinct records; batches are slices of them

struct config {
  fsync_policy sync;
  std::size_t batch;    // records per append
  std::size_t appends;  // per run (all threads together)
  int threads = 1;
};

/// The batches one config appends, cycled, and their encoded bytes (the file
/// log's own encoding, so the raw reference writes exactly what it writes).
struct batches {
  std::vector<std::vector<events::record>> records;
  std::vector<std::vector<std::byte>> bytes;
};

batches slice(const std::vector<events::record>& pool, std::size_t batch) {
  batches out;
  for (std::size_t at = 0; at + batch <= pool.size(); at += batch) {
    out.records.emplace_back(pool.begin() + at, pool.begin() + at + batch);
    auto& b = out.bytes.emplace_back();
    must(events::file_log_detail::encode_batch(out.records.back(), b), "encode_batch");
    events::file_log_detail::seal_batch(b, offset{static_cast<std::int64_t>(at)});
  }
  return out;
}

/// One run of the file log: a fresh root, `c.appends` appends. Returns seconds.
double run_file_log(const fs::path& root, const config& c, const batches& b) {
  events::file_log_options opts;
  opts.root = root;
  opts.sync = c.sync;
  auto log = must(events::file_log::open(opts), "file_log::open");
  must(log->create_topic(events_topic, 1), "create_topic");
  std::atomic<std::size_t> next{0};
  const auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < c.appends;) {
      must(log->append(events_topic, partition_id{0}, b.records[i % b.records.size()]), "append");
    }
  };
  const auto t0 = clock::now();
  std::vector<std::thread> others;
  for (int t = 1; t < c.threads; ++t) others.emplace_back(worker);
  worker();
  for (auto& t : others) t.join();
  const double s = seconds_since(t0);
  log.reset();
  fs::remove_all(root);
  return s;
}

/// One run of the reference: create the file (and make its name durable, as
/// the file log does for a new segment), then pwrite each batch at the end,
/// fdatasync after each one under `always`. Returns seconds.
double run_raw(const fs::path& dir, const config& c, const batches& b) {
  fs::create_directories(dir);
  const auto t0 = clock::now();
  const int fd = ::open((dir / "raw.seg").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) fail("open " + (dir / "raw.seg").string());
  if (c.sync != fsync_policy::never) {
    const int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d < 0 || ::fsync(d) != 0) fail("fsync " + dir.string());
    ::close(d);
  }
  std::uint64_t pos = 0;
  for (std::size_t i = 0; i < c.appends; ++i) {
    const auto& bytes = b.bytes[i % b.bytes.size()];
    if (::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(pos)) != static_cast<ssize_t>(bytes.size()))
      fail("pwrite");
    pos += bytes.size();
    if (c.sync == fsync_policy::always && ::fdatasync(fd) != 0) fail("fdatasync");
  }
  const double s = seconds_since(t0);
  ::close(fd);
  fs::remove_all(dir);
  return s;
}

std::string name_of(const config& c) {
  std::string s = "batch " + std::to_string(c.batch);
  if (c.threads > 1) s += ", " + std::to_string(c.threads) + " appender threads";
  return s;
}

} // namespace

void append_group(const options& o) {
  event_stream stream(pool_size, 1);
  std::vector<events::record> pool;
  std::uint64_t value_bytes = 0;
  for (std::size_t i = 0; i < pool_size; ++i) {
    events::crypto::digest h;
    pool.push_back(stream.next(h));
    value_bytes += pool.back().value.size();
  }

  const std::size_t q = o.quick ? 8 : 1;  // --quick: about 1/8 of the work
  const std::vector<config> configs = {
      {fsync_policy::always, 1, 2000 / q},
      {fsync_policy::always, 100, 600 / q},
      {fsync_policy::always, 1000, 150 / q},
      {fsync_policy::always, 1, 4000 / q, 4},
      {fsync_policy::never, 1, 100000 / q},
      {fsync_policy::never, 100, 3000 / q},
      {fsync_policy::never, 1000, 300 / q},
  };

  std::vector<row> always, never;
  for (const auto& c : configs) {
    const batches b = slice(pool, c.batch);
    double batch_bytes = 0;
    for (const auto& bytes : b.bytes) batch_bytes += static_cast<double>(bytes.size());
    batch_bytes /= static_cast<double>(b.bytes.size());

    double best_log = 1e300, best_raw = 1e300;
    for (int run = 0; run < o.runs; ++run) {  // interleaved, so both see the same disk weather
      const std::string tag = std::to_string(c.batch) + "-" + std::to_string(c.threads) + "-" + std::to_string(run);
      best_raw = std::min(best_raw, run_raw(o.dir / ("raw-" + tag), c, b));
      best_log = std::min(best_log, run_file_log(o.dir / ("log-" + tag), c, b));
    }
    const double n = static_cast<double>(c.appends * c.batch);
    const double bytes = static_cast<double>(c.appends) * batch_bytes;
    row r{name_of(c), per_second(n, best_log, "ev/s", bytes),
          c.sync == fsync_policy::always ? "raw pwrite+fdatasync per batch, same bytes, 1 thread"
                                         : "raw pwrite per batch, same bytes, no fsync",
          per_second(n, best_raw, "ev/s", bytes)};
    if (c.threads > 1)
      r.note = "(group commit: concurrent appenders share fdatasyncs; the reference syncs every batch)";
    (c.sync == fsync_policy::always ? always : never).push_back(std::move(r));
  }

  char avg[64];
  std::snprintf(avg, sizeof avg, "%.0f", static_cast<double>(value_bytes) / pool_size);
  print_group("1a. FileLog append, fsync_policy::always (fdatasync before append() returns); event values avg " +
                  std::string(avg) + " B, key 11 B; MB/s counts batch bytes (framing included)",
              always);
  print_group("1b. FileLog append, fsync_policy::never, beside raw pwrite without fsync", never);
}

} // namespace storemesh::bench
