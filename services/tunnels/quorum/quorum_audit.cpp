#include "services/tunnels/quorum/quorum_audit.hpp"

#include <algorithm>

namespace storemesh::services::cluster {

namespace {
std::string ms(std::int64_t ns) {
  const auto whole = ns / 1'000'000;
  const auto frac = (ns % 1'000'000) / 1000;
  auto f = std::to_string(frac < 0 ? -frac : frac);
  return std::to_string(whole) + "." + std::string(3 - f.size(), '0') + f + " ms";
}
} // namespace

std::int64_t event_time(const event& e, std::int64_t timestamp_ns) {
  return std::visit(overloaded{
                        [&](const configured&) { return timestamp_ns; },
                        [&](const server_added&) { return timestamp_ns; },
                        [&](const node_added&) { return timestamp_ns; },
                        [&](const peer_removed& x) { return x.at_ns; },
                        [&](const server_lost& x) { return x.at_ns; },
                        [&](const promotion_started& x) { return x.at_ns; },
                        [&](const promotion_ready& x) { return x.at_ns; },
                        [&](const promotion_failed& x) { return x.at_ns; },
                        [&](const server_returned& x) { return x.at_ns; },
                        [&](const client_added&) { return timestamp_ns; },
                        [&](const tunnel_opened& x) { return x.at_ns; },
                        [&](const tunnel_closed& x) { return x.at_ns; },
                    },
                    e);
}

void quorum_auditor::violation(std::uint64_t seq, std::int64_t at, std::string what) {
  violations_.push_back(quorum_violation{seq, at, std::move(what)});
}

// Checks 2-5: what an event may only do from the state before it.
void quorum_auditor::check_before(std::uint64_t seq, std::int64_t at, const event& e) {
  const state& s = state_;
  std::visit(
      overloaded{
          [&](const promotion_started& p) {
            const auto tag = "promotion " + std::to_string(p.promotion) + " of '" + p.node + "'";
            auto l = s.losses.find(p.loss);
            if (l == s.losses.end())
              violation(seq, at, tag + " has no loss behind it (loss " + std::to_string(p.loss) + " was never recorded)");
            else if (l->second.status != loss_status::open)
              violation(seq, at, tag + " fills loss " + std::to_string(p.loss) + ", which was already " +
                                     std::string(to_string(l->second.status)));
            if (const auto* other = s.active_promotion(p.loss))
              violation(seq, at, tag + " is a second active promotion for loss " + std::to_string(p.loss) +
                                     " (promotion " + std::to_string(other->id) + " of '" + other->node +
                                     "' still under way)");
            if (!s.needs_promotion())
              violation(seq, at, tag + " started while the quorum was full (" + std::to_string(s.count(role::member)) +
                                     " members + " + std::to_string(s.count(role::promoting)) + " promoting, target " +
                                     std::to_string(s.config.target) + ")");
            const peer* n = s.find(p.node);
            if (!n || n->role != role::node)
              violation(seq, at, tag + ": '" + p.node + "' was not a node");
            auto v = std::find_if(p.verdicts.begin(), p.verdicts.end(),
                                  [&](const verdict& x) { return x.candidate.node == p.node; });
            if (v == p.verdicts.end() || !v->eligible)
              violation(seq, at, tag + ": the chosen node has no eligible verdict");
            else if (!v->candidate.healthy || v->candidate.head_offset < v->candidate.applied_offset ||
                     v->candidate.lag() > s.config.max_lag)
              violation(seq, at, tag + ": the chosen node was unhealthy or lagging (lag " +
                                     std::to_string(v->candidate.lag()) + ", max " + std::to_string(s.config.max_lag) +
                                     ")");
          },
          [&](const promotion_ready& r) {
            const auto tag = "'" + r.node + "' became a member by promotion " + std::to_string(r.promotion);
            auto p = s.promotions.find(r.promotion);
            if (p == s.promotions.end())
              violation(seq, at, tag + ", which never started");
            else if (p->second.node != r.node)
              violation(seq, at, tag + ", which promoted '" + p->second.node + "'");
            else if (p->second.state != promotion_state::started)
              violation(seq, at, tag + ", which had already " +
                                     std::string(p->second.state == promotion_state::ready ? "ended ready" : "failed"));
            if (r.head_offset < r.applied_offset || r.head_offset - r.applied_offset > s.config.max_lag)
              violation(seq, at, tag + " without being caught up (applied " + std::to_string(r.applied_offset) +
                                     ", head " + std::to_string(r.head_offset) + ", max lag " +
                                     std::to_string(s.config.max_lag) + ")");
          },
          [&](const server_returned& r) {
            if (r.as == role::member && !s.needs_promotion())
              violation(seq, at, "'" + r.server + "' rejoined as a member over the target (" +
                                     std::to_string(s.count(role::member)) + " members + " +
                                     std::to_string(s.count(role::promoting)) + " promoting, target " +
                                     std::to_string(s.config.target) + ")");
          },
          [](const auto&) {},
      },
      e);
}

void quorum_auditor::observe(std::uint64_t sequence, std::int64_t timestamp_ns, const event& e) {
  const std::int64_t at = event_time(e, timestamp_ns);
  last_ns_ = std::max(last_ns_, at);
  check_before(sequence, at, e);
  state_ = evolve(std::move(state_), e);

  // Check 1: the below-target periods, once the quorum was first complete.
  const bool below = state_.below_target();
  if (!below)
    reached_target_ = true;
  if (below && reached_target_ && !open_)
    open_ = below_target_period{sequence, at, at, false, state_.config.grace_ns};
  if (!below && open_) {
    open_->until_ns = at;
    open_->ended = true;
    periods_.push_back(*open_);
    if (open_->length_ns() > open_->grace_ns)
      violation(open_->sequence, open_->from_ns,
                "the quorum was below its target for " + ms(open_->length_ns()) + " (from seq " +
                    std::to_string(open_->sequence) + " to seq " + std::to_string(sequence) + "), longer than the grace of " +
                    ms(open_->grace_ns));
    open_.reset();
  }
}

std::vector<quorum_violation> quorum_auditor::finish(std::int64_t end_ns) {
  if (open_) {
    open_->until_ns = std::max(end_ns, last_ns_);
    periods_.push_back(*open_);
    if (open_->length_ns() > open_->grace_ns)
      violation(open_->sequence, open_->from_ns,
                "the quorum has been below its target for " + ms(open_->length_ns()) + " since seq " +
                    std::to_string(open_->sequence) + " and still is at the end of the log, longer than the grace of " +
                    ms(open_->grace_ns));
    open_.reset();
  }
  return violations_;
}

std::vector<quorum_violation> audit_quorum(const std::vector<timed_event>& events, std::optional<std::int64_t> end_ns) {
  quorum_auditor a;
  std::int64_t last = 0;
  for (const auto& e : events) {
    a.observe(e.sequence, e.timestamp_ns, e.event);
    last = std::max({last, e.timestamp_ns, event_time(e.event, e.timestamp_ns)});
  }
  return a.finish(end_ns.value_or(last));
}

} // namespace storemesh::services::cluster
