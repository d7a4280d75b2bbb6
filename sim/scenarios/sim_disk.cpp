#include "sim/scenarios/sim_disk.hpp"

#include <algorithm>

namespace storemesh::sim {

void sim_disk::apply(bytes& to, std::uint64_t offset, const std::uint8_t* data, std::size_t n) {
  // A write past the end leaves a hole of zeros, as a sparse file reads.
  if (to.size() < offset + n)
    to.resize(offset + n, 0);
  std::copy(data, data + n, to.begin() + static_cast<std::ptrdiff_t>(offset));
}

void sim_disk::put(const std::string& name, bytes content, std::int64_t mtime_ns) {
  files_[name] = file{std::move(content), {}, mtime_ns};
}

std::optional<bytes> sim_disk::read(const std::string& name, const std::string& host) const {
  auto it = files_.find(name);
  if (it == files_.end())
    return std::nullopt;
  bytes out = it->second.durable;
  for (const auto& p : it->second.unsynced)
    if (p.host == host)
      apply(out, p.offset, p.data.data(), p.data.size());
  return out;
}

std::optional<bytes> sim_disk::durable(const std::string& name) const {
  auto it = files_.find(name);
  if (it == files_.end())
    return std::nullopt;
  return it->second.durable;
}

std::int64_t sim_disk::mtime_ns(const std::string& name) const {
  auto it = files_.find(name);
  return it == files_.end() ? 0 : it->second.mtime_ns;
}

void sim_disk::write(const std::string& name, const std::string& host, std::uint64_t offset, const std::uint8_t* data,
                     std::size_t n) {
  files_[name].unsynced.push_back(pending{host, offset, bytes(data, data + n)});
}

void sim_disk::fsync(const std::string& name, const std::string& host) {
  auto it = files_.find(name);
  if (it == files_.end())
    return;
  auto& f = it->second;
  std::vector<pending> rest;
  for (auto& p : f.unsynced) {
    if (p.host != host) {
      rest.push_back(std::move(p));
      continue;
    }
    apply(f.durable, p.offset, p.data.data(), p.data.size());
    writes_.push_back({name, host, p.offset, p.data.size(), services::migration::sha256(p.data.data(), p.data.size())});
  }
  f.unsynced = std::move(rest);
}

void sim_disk::flush(const std::string& host) {
  for (auto& [name, f] : files_)
    for (const auto& p : f.unsynced)
      if (p.host == host) {
        fsync(name, host);
        break;
      }
}

void sim_disk::truncate(const std::string& name, std::uint64_t size) {
  auto it = files_.find(name);
  if (it == files_.end())
    return;
  auto& f = it->second;
  if (f.durable.size() > size)
    f.durable.resize(size);
  for (auto& p : f.unsynced)
    p.data.resize(p.offset >= size ? 0 : std::min<std::uint64_t>(p.data.size(), size - p.offset));
}

bool sim_disk::rename(const std::string& from, const std::string& to) {
  auto it = files_.find(from);
  if (it == files_.end())
    return false;
  auto f = std::move(it->second);
  files_.erase(it);
  files_[to] = std::move(f);
  return true;
}

void sim_disk::crash(const std::string& host, bool torn, rng& random) {
  for (auto& [name, f] : files_) {
    const pending* last = nullptr;
    for (const auto& p : f.unsynced)
      if (p.host == host)
        last = &p;
    if (torn && last != nullptr && !last->data.empty()) {
      // Sector-sized pieces in real life; any prefix here, the harder case.
      const auto keep = static_cast<std::size_t>(random.below(last->data.size()));
      apply(f.durable, last->offset, last->data.data(), keep);
    }
    f.unsynced.erase(std::remove_if(f.unsynced.begin(), f.unsynced.end(),
                                    [&](const pending& p) { return p.host == host; }),
                     f.unsynced.end());
  }
}

} // namespace storemesh::sim
