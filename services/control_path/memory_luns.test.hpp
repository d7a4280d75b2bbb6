#pragma once
// A lun_backend in memory for the pure tests: LUN sizes, snapshot names,
// one replication session per LUN, and a switch that makes the next call fail.

#include "services/control_path/lun_backend.hpp"

#include <map>
#include <set>

namespace storemesh::services::control_path::testing {

class memory_luns final : public lun_backend {
public:
  std::map<std::uint64_t, std::uint64_t> sizes{{0, 1 << 20}, {1, 4096}};
  std::map<std::uint64_t, std::set<std::string>> snapshots;
  std::map<std::uint64_t, replication_info> replication;
  bool fail_io = false;
  int mutations = 0;  // snapshot/replication calls that changed something

  std::vector<std::uint64_t> luns() const override {
    std::vector<std::uint64_t> out;
    for (auto& [l, s] : sizes) out.push_back(l);
    return out;
  }
  result<std::uint64_t> size_bytes(std::uint64_t lun) const override {
    SM_TRYV(has(lun));
    return sizes.at(lun);
  }
  result<void> snapshot_create(std::uint64_t lun, const std::string& name) override {
    SM_TRYV(has(lun));
    if (fail_io) return make_error(lun_errc::io_failure, "injected");
    if (!snapshots[lun].insert(name).second) return make_error(lun_errc::snapshot_exists, name);
    ++mutations;
    return success();
  }
  result<std::vector<snapshot_info>> snapshot_list(std::uint64_t lun) const override {
    SM_TRYV(has(lun));
    std::vector<snapshot_info> out;
    if (auto it = snapshots.find(lun); it != snapshots.end())
      for (auto& n : it->second) out.push_back({n, sizes.at(lun), 1700000000});
    return out;
  }
  result<void> snapshot_delete(std::uint64_t lun, const std::string& name) override {
    SM_TRYV(has(lun));
    if (!snapshots[lun].erase(name)) return make_error(lun_errc::snapshot_not_found, name);
    ++mutations;
    return success();
  }
  result<replication_info> replication_start(std::uint64_t lun, const std::string& target) override {
    SM_TRYV(has(lun));
    auto& r = replication[lun];
    if (r.state == replication_state::active) return make_error(lun_errc::replication_active, r.target);
    r = {replication_state::active, target, sizes.at(lun)};
    ++mutations;
    return r;
  }
  result<replication_info> replication_stop(std::uint64_t lun) override {
    SM_TRYV(has(lun));
    auto& r = replication[lun];
    if (r.state != replication_state::active) return make_error(lun_errc::replication_not_active, "");
    r.state = replication_state::stopped;
    ++mutations;
    return r;
  }
  result<replication_info> replication_status(std::uint64_t lun) const override {
    SM_TRYV(has(lun));
    auto it = replication.find(lun);
    return it == replication.end() ? replication_info{} : it->second;
  }

private:
  result<void> has(std::uint64_t lun) const {
    if (!sizes.count(lun)) return make_error(lun_errc::no_such_lun, std::to_string(lun));
    return success();
  }
};

} // namespace storemesh::services::control_path::testing
