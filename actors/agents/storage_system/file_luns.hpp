#pragma once
// file_luns: a storage system's LUNs as files in one directory, the
// lun_backend the SCSI target runs on.
//
//   DIR/lun<N>.img                       LUN N, a sparse file of its size
//   DIR/lun<N>.meta                      its snapshots and replication session
//                                        (text, replaced atomically: tmp, fsync, rename)
//   DIR/snapshots/lun<N>/<name>.img      a snapshot: a full copy (FICLONE when the
//                                        file system shares extents, else
//                                        copy_file_range over the data extents)
//   DIR/replicas/<target>/lun<N>.img     the replica a replication start copied
//
// The metadata file is written after the copy is complete and durable, so a
// crash leaves either no snapshot or a whole one (a stray .tmp copy is
// removed at the next open). Thread-safe: every call holds one mutex (copies
// included; the FC port runs commands one at a time anyway).

#include "events/error.hpp"
#include "services/control_path/lun_backend.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace storemesh::actors::storage_system {

namespace cp = services::control_path;

struct lun_spec {
  std::uint64_t lun = 0;
  std::uint64_t size_bytes = 0;
};

/// "N:SIZE" with SIZE in bytes or with a K/M/G/T suffix (powers of 1024).
[[nodiscard]] result<lun_spec> parse_lun_spec(const std::string& text);

class file_luns final : public cp::lun_backend {
public:
  /// Opens DIR (created if missing), creates the LUN files in `create` that
  /// do not exist (sparse, of their size; existing ones keep theirs), finds
  /// every lun<N>.img, loads each LUN's metadata.
  [[nodiscard]] static result<std::unique_ptr<file_luns>> open(const std::string& dir, const std::vector<lun_spec>& create,
                                                                std::size_t max_snapshots = 256);

  std::vector<std::uint64_t> luns() const override;
  result<std::uint64_t> size_bytes(std::uint64_t lun) const override;
  result<void> snapshot_create(std::uint64_t lun, const std::string& name) override;
  result<std::vector<cp::snapshot_info>> snapshot_list(std::uint64_t lun) const override;
  result<void> snapshot_delete(std::uint64_t lun, const std::string& name) override;
  result<cp::replication_info> replication_start(std::uint64_t lun, const std::string& target) override;
  result<cp::replication_info> replication_stop(std::uint64_t lun) override;
  result<cp::replication_info> replication_status(std::uint64_t lun) const override;

  [[nodiscard]] std::string lun_path(std::uint64_t lun) const;
  [[nodiscard]] std::string snapshot_path(std::uint64_t lun, const std::string& name) const;
  [[nodiscard]] std::string replica_path(std::uint64_t lun, const std::string& target) const;

private:
  struct lun_meta {
    std::map<std::string, cp::snapshot_info> snapshots;
    cp::replication_info replication;
  };
  explicit file_luns(std::string dir, std::size_t max_snapshots) : dir_(std::move(dir)), max_snapshots_(max_snapshots) {}
  result<void> known(std::uint64_t lun) const;
  result<void> save(std::uint64_t lun, const lun_meta& meta) const;
  result<lun_meta> load(std::uint64_t lun) const;

  std::string dir_;
  std::size_t max_snapshots_;
  mutable std::mutex mutex_;
  std::map<std::uint64_t, lun_meta> meta_;
};

/// Copies src to dst (created or replaced) whole: FICLONE first, else the
/// data extents with copy_file_range, holes kept; fsyncs dst. Returns the size.
[[nodiscard]] result<std::uint64_t> copy_whole_file(const std::string& src, const std::string& dst);

} // namespace storemesh::actors::storage_system
