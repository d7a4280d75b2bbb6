#pragma once
// The simulated disk the scenarios' copy agents write to: files by name
// ("<datastore>/<path>"), each with the bytes an fsync made durable and the
// writes still in a host's page cache. A crash of a host loses its unsynced
// writes; with a torn write, a prefix of the last one reaches the platter.
// Shared by every host (the datastores are shared mounts), as the real
// agents share a temp file when a job moves from host A to host B.
//
// Every fsynced write is also remembered (who wrote which range, and the
// SHA-256 of what was written) so a scenario can check that no range written
// by two hosts diverges.

#include "services/migration/engine/chunk_hash.hpp"
#include "sim/rng.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace storemesh::sim {

using bytes = std::vector<std::uint8_t>;

/// Fills B with bytes from R, eight a draw (a file's content, deterministic by seed).
inline void fill(bytes& b, rng& r) {
  for (std::size_t i = 0; i < b.size(); i += 8) {
    auto x = r.next();
    for (std::size_t k = i; k < b.size() && k < i + 8; ++k, x >>= 8)
      b[k] = static_cast<std::uint8_t>(x);
  }
}

class sim_disk {
public:
  /// One fsynced write: RANGE [offset, offset + size) of FILE by HOST.
  struct durable_write {
    std::string file, host;
    std::uint64_t offset = 0, size = 0;
    services::migration::chunk_hash hash{};
  };

  /// Creates or replaces FILE with durable CONTENT (a source file).
  void put(const std::string& file, bytes content, std::int64_t mtime_ns = 1);
  [[nodiscard]] bool exists(const std::string& file) const { return files_.count(file) != 0; }
  /// What a read returns now on HOST: the durable bytes under its own unsynced writes.
  [[nodiscard]] std::optional<bytes> read(const std::string& file, const std::string& host) const;
  /// The durable bytes only (what survives any crash).
  [[nodiscard]] std::optional<bytes> durable(const std::string& file) const;
  [[nodiscard]] std::int64_t mtime_ns(const std::string& file) const;

  /// A write into HOST's page cache (creates FILE if absent, as open(O_CREAT)).
  void write(const std::string& file, const std::string& host, std::uint64_t offset, const std::uint8_t* data,
             std::size_t n);
  /// fsync of FILE on HOST: its writes to FILE become durable.
  void fsync(const std::string& file, const std::string& host);
  /// Every write of HOST becomes durable (writeback, or a close on a shared mount).
  void flush(const std::string& host);
  /// rename(2) within the disk (durable: the directory is fsynced too).
  bool rename(const std::string& from, const std::string& to);
  void remove(const std::string& file) { files_.erase(file); }
  /// ftruncate(2) to at most SIZE bytes, durable at once (finalize syncs next).
  void truncate(const std::string& file, std::uint64_t size);
  /// HOST crashed: its unsynced writes are lost; TORN: a prefix of its last
  /// one (random length) reached the disk anyway.
  void crash(const std::string& host, bool torn, rng& random);

  /// Every fsynced write since the disk was made, in order.
  [[nodiscard]] const std::vector<durable_write>& durable_writes() const { return writes_; }

private:
  struct pending {
    std::string host;
    std::uint64_t offset = 0;
    bytes data;
  };
  struct file {
    bytes durable;
    std::vector<pending> unsynced;
    std::int64_t mtime_ns = 1;
  };
  static void apply(bytes& to, std::uint64_t offset, const std::uint8_t* data, std::size_t n);

  std::map<std::string, file> files_;
  std::vector<durable_write> writes_;
};

} // namespace storemesh::sim
