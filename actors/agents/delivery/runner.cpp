#include "actors/agents/delivery/runner.hpp"

#include "actors/agents/delivery/segment_source.hpp"
#include "actors/agents/http/message_client.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "services/delivery/edge_unit_codec.hpp"
#include "services/delivery/process_codec.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <set>
#include <thread>

namespace storemesh::agents::delivery {
namespace {

namespace sd = services::delivery;
namespace dp = services::delivery::process;
namespace du = services::delivery::edge_unit;

std::int64_t now_ns() { return events::envelope::now_ns(); }

bool selected(const runner_options& o, const std::string& id) {
  return o.only.empty() || std::find(o.only.begin(), o.only.end(), id) != o.only.end();
}

class run {
public:
  run(const runner_options& o, const runner_hooks& h) : o_(o), h_(h), source_(o.store) {}

  result<runner_report> go() {
    for (std::uint32_t w = 0;; ++w) {
      auto wd = h_.read();
      const auto open = open_deliveries(wd);
      if (open.empty() || report_.windows >= o_.max_windows)
        break;
      // Past every planned window with nothing sent or moved: what is left
      // waits for an edge that is down (stranded) or refused its slices.
      std::uint32_t last = 0;
      for (const auto& id : open)
        last = std::max(last, dp::last_window(wd.deliveries.at(id)));
      if (w > last && !progress_)
        break;
      progress_ = false;
      if (w > 0 && o_.window_pause.count() > 0)
        std::this_thread::sleep_for(o_.window_pause);
      SM_TRYV(window(wd, open, w));
      report_.windows += 1;
    }
    const auto wd = h_.read();
    for (const auto& [id, d] : wd.deliveries)
      if (d.planned && selected(o_, id))
        (d.complete ? report_.complete : report_.pending).push_back(id);
    return report_;
  }

private:
  std::vector<std::string> open_deliveries(const world& wd) const {
    std::vector<std::string> out;
    for (const auto& [id, d] : wd.deliveries)
      if (d.planned && !d.complete && selected(o_, id))
        out.push_back(id);
    return out;
  }

  result<void> window(const world& wd, const std::vector<std::string>& open, std::uint32_t w) {
    std::map<std::string, std::uint64_t> budget;  // edge -> bytes left in this window
    for (const auto& id : open) {
      const auto& d = wd.deliveries.at(id);
      const auto content = wd.contents.find(d.content);
      if (content == wd.contents.end() || !content->second.exists) {
        report_.problems.push_back(fmt::format("{}: content {} is not in the log", id, d.content));
        continue;
      }
      // Every slice due by this window, in (segment, pillar) order: one
      // segment is coded once for all its edges.
      for (const auto& [key, slot] : d.slots) {
        if (slot.confirmed || slot.window > w || lost_.count(slot.edge))
          continue;
        const auto edge = wd.edges.find(slot.edge);
        if (edge == wd.edges.end() || !edge->second.attached) {
          report_.problems.push_back(fmt::format("{}: edge {} never attached", id, slot.edge));
          continue;
        }
        auto& left = budget.try_emplace(slot.edge, edge->second.window_bytes).first->second;
        SM_TRY(auto file, source_.slice_file(d.content, content->second, key.first, key.second));
        if (file.size() > left && left < edge->second.window_bytes)
          continue;  // this window's share of the edge is used: the next window
        left -= std::min<std::uint64_t>(left, file.size());
        send(wd, id, d, slot.edge, edge->second.endpoint, key, file, w);
      }
    }
    return success();
  }

  void send(const world& wd, const std::string& id, const dp::state& d, const std::string& edge,
            const std::string& endpoint, std::pair<std::uint32_t, std::uint32_t> key, const std::string& file,
            std::uint32_t w) {
    const auto name = sd::to_string(sd::slice_ref{d.content, key.first, key.second});
    http::call c;
    c.method = "PUT";
    c.endpoint = endpoint;
    c.target = "/v1/slices/" + name;
    c.headers = {{"X-Storemesh-Delivery", id}, {"Content-Type", "application/octet-stream"}};
    c.body = file;
    c.timeout = o_.edge_timeout;
    auto r = http::send(c);
    auto& t = report_.sent[edge];
    if (!r) {
      lose(wd, edge, r.error().detail, w);
      return;
    }
    if (r.value().status == 201 || r.value().status == 200) {
      (r.value().status == 201 ? t.slices : t.again) += 1;
      t.bytes += r.value().status == 201 ? file.size() : 0;
      progress_ = true;
      return;
    }
    t.refused += 1;
    report_.problems.push_back(fmt::format("{} -> {}: HTTP {}: {}", name, edge, r.value().status, r.value().body));
  }

  /// The edge is down: say so in the log and move its unconfirmed slices.
  void lose(const world& wd, const std::string& edge, const std::string& why, std::uint32_t w) {
    if (!lost_.insert(edge).second)
      return;
    report_.lost.push_back(edge);
    h_.say(fmt::format("edge {} unreachable: {}", edge, why));
    const auto self = wd.edges.at(edge);
    const du::report down{false, 0, why, now_ns()};
    if (!du::changes_nothing(self, down))
      if (auto refused = h_.submit(std::string(du::entity::kind), edge,
                                   [&](schema::Envelope::Builder b) { du::entity::write_command(down, b); });
          !refused.empty())
        report_.problems.push_back("reporting " + edge + " down: " + refused);
    auto now = h_.read();  // what the edges confirmed since this window began
    for (const auto& [id, d] : now.deliveries) {
      if (!d.planned || d.complete || !selected(o_, id))
        continue;
      std::uint64_t before = 0;
      for (const auto& [key, slot] : d.slots)
        before += !slot.confirmed && slot.edge == edge;
      if (before == 0)
        continue;  // nothing of this delivery waits on the edge
      const dp::reschedule rs{edge, "unreachable: " + why, candidates(now, d), w + 1, now_ns()};
      // The decider is pure: what it decides here on the state just read is
      // what the log records (the report need not read the log again).
      const auto decided = dp::decide(d, rs);
      const auto* moved = decided.events.empty() ? nullptr : std::get_if<dp::rescheduled>(&decided.events.front());
      if (!decided.accepted()) {
        report_.problems.push_back("rescheduling " + id + " off " + edge + ": " + decided.why().code + ": " +
                                   decided.why().reason);
        continue;
      }
      if (!moved) {
        report_.stranded += before;  // no candidate can take any of them
        continue;
      }
      if (auto refused = h_.submit(std::string(dp::entity::kind), id,
                                   [&](schema::Envelope::Builder b) { dp::entity::write_command(rs, b); });
          !refused.empty()) {
        report_.problems.push_back("rescheduling " + id + " off " + edge + ": " + refused);
        continue;
      }
      progress_ = true;
      const std::uint64_t left = before - moved->moves.size();
      report_.rescheduled += moved->moves.size();
      report_.stranded += left;
      h_.say(fmt::format("{}: {} slices moved off {}, {} stranded", id, moved->moves.size(), edge, left));
    }
  }

  std::vector<std::string> candidates(const world& wd, const dp::state& d) const {
    const auto g = wd.groups.find(d.group);
    const sd::location at = g == wd.groups.end() ? sd::location{} : g->second.at;
    std::vector<std::string> out;
    for (auto& name : nearest_edges(wd, at, true))
      if (!lost_.count(name))
        out.push_back(std::move(name));
    return out;
  }

  const runner_options& o_;
  const runner_hooks& h_;
  segment_source source_;
  runner_report report_;
  std::set<std::string> lost_;
  bool progress_ = true;
};

} // namespace

result<runner_report> run_deliveries(const runner_options& o, const runner_hooks& h) { return run(o, h).go(); }

} // namespace storemesh::agents::delivery
