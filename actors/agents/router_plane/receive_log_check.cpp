#include "actors/agents/router_plane/receive_log_check.hpp"

#include "actors/agents/router_plane/plane_errc.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <fstream>
#include <string_view>

namespace storemesh::actors::router_plane {
namespace {

template <class T>
bool number(std::string_view s, T& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size() && !s.empty();
}

// The next space-separated word of `line` from `at`.
std::string_view word(std::string_view line, std::size_t& at) {
  const auto end = std::min(line.find(' ', at), line.size());
  const auto w = line.substr(at, end - at);
  at = end < line.size() ? end + 1 : end;
  return w;
}

std::optional<log_record> parse_line(std::string_view line) {
  std::size_t at = 0;
  const auto flow = word(line, at), seq = word(line, at), epoch = word(line, at), hops = word(line, at),
             action = word(line, at);
  if (action.empty()) return std::nullopt;
  log_record r;
  r.action = std::string(action);
  r.detail = std::string(line.substr(at));
  if (flow == "-" && seq == "-" && epoch == "-" && hops == "-") return r;
  if (!number(flow, r.flow) || !number(seq, r.sequence) || !number(epoch, r.epoch) || !number(hops, r.hops))
    return std::nullopt;
  r.has_ids = true;
  return r;
}

} // namespace

result<router_log> read_receive_log(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return make_error(plane_errc::log_failed, file.string() + ": " + std::strerror(errno));
  router_log log;
  log.router = file.stem().string();
  std::string line;
  while (std::getline(in, line)) {
    if (auto r = parse_line(line))
      log.records.push_back(std::move(*r));
    else
      ++log.bad_lines;
  }
  return log;
}

bool check_report::ok() const {
  return !flows.empty() && std::all_of(flows.begin(), flows.end(), [](const flow_report& f) { return f.duplicates == 0 && f.lost == 0; });
}

check_report check_receive_logs(const std::vector<router_log>& logs, std::optional<std::uint64_t> expected,
                                const std::vector<std::uint32_t>& flows) {
  struct sighting {
    unsigned hops;
    const std::string* router;
    const log_record* record;
  };
  // Per flow, per sequence: every log line about it.
  std::map<std::uint32_t, std::map<std::uint64_t, std::vector<sighting>>> seen;
  check_report report;
  for (const auto& log : logs) {
    report.bad_lines += log.bad_lines;
    for (const auto& r : log.records) {
      if (r.action.rfind("drop:", 0) == 0) ++report.drops[r.action.substr(5)];
      if (r.has_ids) seen[r.flow][r.sequence].push_back({r.hops, &log.router, &r});
    }
  }
  for (const auto f : flows) seen[f];  // reported even if never seen
  for (auto& [flow, sequences] : seen) {
    flow_report f;
    f.flow = flow;
    f.expected = expected ? *expected : (sequences.empty() ? 0 : sequences.rbegin()->first);
    for (auto& [seq, sightings] : sequences) {
      std::uint64_t deliveries = 0;
      const log_record* delivery = nullptr;
      for (const auto& s : sightings)
        if (s.record->action == "deliver") ++deliveries, delivery = s.record;
      if (deliveries == 0) continue;
      ++f.delivered;
      f.duplicates += deliveries - 1;
      std::stable_sort(sightings.begin(), sightings.end(), [](const sighting& a, const sighting& b) { return a.hops < b.hops; });
      std::string path;
      for (const auto& s : sightings) path += (path.empty() ? "" : ">") + *s.router;
      ++f.paths[{delivery->epoch, path}];
    }
    for (std::uint64_t s = 1; s <= f.expected; ++s) {
      const auto it = sequences.find(s);
      const bool delivered = it != sequences.end() && std::any_of(it->second.begin(), it->second.end(), [](const sighting& x) {
        return x.record->action == "deliver";
      });
      if (delivered) continue;
      ++f.lost;
      if (f.first_lost.size() < 10) f.first_lost.push_back(s);
    }
    report.flows.push_back(std::move(f));
  }
  return report;
}

} // namespace storemesh::actors::router_plane
