#include "sim/faults.hpp"

#include <system_error>

#include <charconv>

namespace storemesh::sim {

std::string_view fault_name(fault f) {
  switch (f) {
    case fault::crash: return "crash";
    case fault::rebalance: return "rebalance";
    case fault::zombie: return "zombie";
    case fault::abort: return "abort";
    case fault::slow_log: return "slow_log";
    case fault::delay: return "delay";
    case fault::duplicate: return "duplicate";
    case fault::loss: return "loss";
    case fault::partition: return "partition";
    case fault::torn_write: return "torn_write";
    case fault::disk_full: return "disk_full";
    case fault::slow_disk: return "slow_disk";
    case fault::skew: return "skew";
  }
  return "?";
}

namespace {
result<fault> fault_named(std::string_view name) {
  for (auto f : all_faults)
    if (fault_name(f) == name)
      return f;
  std::string known;
  for (auto f : all_faults)
    known += (known.empty() ? "" : ", ") + std::string(fault_name(f));
  return make_error(std::errc::invalid_argument, "unknown fault '" + std::string(name) + "' (known: " + known + ")");
}
} // namespace

std::string fault_set::text() const {
  std::string out;
  for (auto f : all_faults)
    if (has(f))
      out += (out.empty() ? "" : ",") + std::string(fault_name(f));
  return out.empty() ? "none" : out;
}

result<fault_set> fault_set::parse(std::string_view list) {
  fault_set s;
  if (list == "none" || list.empty())
    return s;
  if (list == "all") {
    for (auto f : all_faults)
      s.add(f);
    return s;
  }
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto name = list.substr(0, comma);
    SM_TRY(auto f, fault_named(name));
    s.add(f);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  return s;
}

std::string schedule_text(const std::vector<fault_event>& schedule) {
  std::string out;
  for (const auto& e : schedule) {
    if (!out.empty())
      out += ',';
    out += std::to_string(e.step) + ':' + std::string(fault_name(e.what)) + ':' + std::to_string(e.target) + ':' +
           std::to_string(e.span);
  }
  return out;
}

result<std::vector<fault_event>> parse_schedule(std::string_view text) {
  std::vector<fault_event> out;
  auto number = [](std::string_view s, auto& into) {
    return std::from_chars(s.data(), s.data() + s.size(), into).ec == std::errc{};
  };
  while (!text.empty()) {
    const auto comma = text.find(',');
    auto item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    std::string_view parts[4];
    for (auto& p : parts) {
      const auto colon = item.find(':');
      p = item.substr(0, colon);
      item = colon == std::string_view::npos ? std::string_view() : item.substr(colon + 1);
    }
    fault_event e;
    SM_TRY(e.what, fault_named(parts[1]));
    if (!number(parts[0], e.step) || !number(parts[2], e.target) || !number(parts[3], e.span))
      return make_error(std::errc::invalid_argument,
                        "a schedule entry is step:fault:target:span, got '" + std::string(parts[0]) + ":" +
                            std::string(parts[1]) + ":" + std::string(parts[2]) + ":" + std::string(parts[3]) + "'");
    out.push_back(e);
  }
  return out;
}

} // namespace storemesh::sim
