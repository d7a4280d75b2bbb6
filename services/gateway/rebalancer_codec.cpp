#include "services/gateway/rebalancer_codec.hpp"

#include "schemas/rebalancer.capnp.h"
#include "services/codec_errc.hpp"
#include "services/state_bytes.hpp"

namespace storemesh::services::rebalancer {
namespace {

namespace S = schema::rebalancer;

S::Trigger to_schema(trigger t) { return t == trigger::scheduled ? S::Trigger::SCHEDULED : S::Trigger::ON_DEMAND; }

result<trigger> from_schema(S::Trigger t) {
  switch (t) {
    case S::Trigger::SCHEDULED: return trigger::scheduled;
    case S::Trigger::ON_DEMAND: return trigger::on_demand;
  }
  return make_error(codec_errc::unknown_variant, "rebalancer trigger " + std::to_string(static_cast<int>(t)));
}

void write_settings(const settings& s, S::Settings::Builder b) {
  b.setWeightRate(s.weight_rate);
  b.setWeightQueue(s.weight_queue);
  b.setWeightCpu(s.weight_cpu);
  b.setRateCapacity(s.rate_capacity);
  b.setQueueCapacity(s.queue_capacity);
  b.setOverloadThreshold(s.overload_threshold);
  b.setSpreadThreshold(s.spread_threshold);
  b.setMaxMoves(s.max_moves);
  b.setIntervalNs(s.interval_ns);
  b.setCooldownWorkloadNs(s.cooldown_workload_ns);
  b.setCooldownGatewayNs(s.cooldown_gateway_ns);
  b.setMinRemainingNs(s.min_remaining_ns);
  b.setMoveTimeoutNs(s.move_timeout_ns);
  b.setReportIntervalNs(s.report_interval_ns);
  b.setStaleAfterNs(s.stale_after_ns);
}

settings read_settings(S::Settings::Reader b) {
  settings s;
  s.weight_rate = b.getWeightRate();
  s.weight_queue = b.getWeightQueue();
  s.weight_cpu = b.getWeightCpu();
  s.rate_capacity = b.getRateCapacity();
  s.queue_capacity = b.getQueueCapacity();
  s.overload_threshold = b.getOverloadThreshold();
  s.spread_threshold = b.getSpreadThreshold();
  s.max_moves = b.getMaxMoves();
  s.interval_ns = b.getIntervalNs();
  s.cooldown_workload_ns = b.getCooldownWorkloadNs();
  s.cooldown_gateway_ns = b.getCooldownGatewayNs();
  s.min_remaining_ns = b.getMinRemainingNs();
  s.move_timeout_ns = b.getMoveTimeoutNs();
  s.report_interval_ns = b.getReportIntervalNs();
  s.stale_after_ns = b.getStaleAfterNs();
  return s;
}

void write_moves(const std::vector<move>& in, capnp::List<S::Move>::Builder out) {
  for (unsigned i = 0; i < in.size(); ++i) {
    out[i].setJob(in[i].workload);
    out[i].setFrom(in[i].from);
    out[i].setTo(in[i].to);
    out[i].setWeight(in[i].weight);
  }
}

std::vector<move> read_moves(capnp::List<S::Move>::Reader in) {
  std::vector<move> out;
  out.reserve(in.size());
  for (auto m : in)
    out.push_back({m.getJob().cStr(), m.getFrom().cStr(), m.getTo().cStr(), m.getWeight()});
  return out;
}

template <class Map>
void write_moments(const Map& in, capnp::List<S::Moment>::Builder out) {
  unsigned i = 0;
  for (const auto& [name, at] : in) {
    out[i].setName(name);
    out[i].setAtNs(at);
    ++i;
  }
}

std::map<std::string, std::int64_t> read_moments(capnp::List<S::Moment>::Reader in) {
  std::map<std::string, std::int64_t> out;
  for (auto m : in)
    out[m.getName().cStr()] = m.getAtNs();
  return out;
}

} // namespace

void entity::write_command(const command& c, schema::Envelope::Builder e) {
  auto cmd = e.getPayload().initRebalancerCommand();
  std::visit(overloaded{
                 [&](const configure& x) {
                   auto g = cmd.initConfigure();
                   g.setSite(x.site);
                   write_settings(x.config, g.initSettings());
                 },
                 [&](const evaluate& x) {
                   auto g = cmd.initEvaluate();
                   g.setSite(x.site);
                   g.setTrigger(to_schema(x.why));
                   g.setAtNs(x.at_ns);
                 },
                 [&](const observe_moved& x) {
                   auto g = cmd.initObserveMoved();
                   g.setSite(x.site);
                   g.setJob(x.job);
                   g.setTo(x.to);
                   g.setAtNs(x.at_ns);
                 },
                 [&](const observe_ended& x) {
                   auto g = cmd.initObserveEnded();
                   g.setSite(x.site);
                   g.setJob(x.job);
                   g.setCompleted(x.completed);
                   g.setAtNs(x.at_ns);
                 },
             },
             c);
}

result<command> entity::read_command(schema::Envelope::Reader e) {
  if (!e.getPayload().isRebalancerCommand())
    return make_error(codec_errc::wrong_payload, "expected a rebalancer command");
  auto cmd = e.getPayload().getRebalancerCommand();
  switch (cmd.which()) {
    case S::Command::CONFIGURE:
      return command{configure{cmd.getConfigure().getSite().cStr(), read_settings(cmd.getConfigure().getSettings())}};
    case S::Command::EVALUATE: {
      auto g = cmd.getEvaluate();
      SM_TRY(auto why, from_schema(g.getTrigger()));
      return command{evaluate{g.getSite().cStr(), why, g.getAtNs()}};
    }
    case S::Command::OBSERVE_MOVED: {
      auto g = cmd.getObserveMoved();
      return command{observe_moved{g.getSite().cStr(), g.getJob().cStr(), g.getTo().cStr(), g.getAtNs()}};
    }
    case S::Command::OBSERVE_ENDED: {
      auto g = cmd.getObserveEnded();
      return command{observe_ended{g.getSite().cStr(), g.getJob().cStr(), g.getCompleted(), g.getAtNs()}};
    }
  }
  return make_error(codec_errc::unknown_variant, "rebalancer command " + std::to_string(static_cast<int>(cmd.which())));
}

void entity::write_event(const event& ev, schema::Envelope::Builder e) {
  auto out = e.getPayload().initRebalancerEvent();
  std::visit(overloaded{
                 [&](const configured& x) {
                   auto g = out.initConfigured();
                   g.setSite(x.site);
                   write_settings(x.config, g.initSettings());
                 },
                 [&](const evaluated& x) {
                   auto g = out.initEvaluated();
                   g.setSite(x.site);
                   g.setTrigger(to_schema(x.why));
                   g.setAtNs(x.at_ns);
                   g.setSpread(x.spread);
                   auto list = g.initGateways(static_cast<unsigned>(x.gateways.size()));
                   for (unsigned i = 0; i < x.gateways.size(); ++i) {
                     list[i].setGateway(x.gateways[i].gateway);
                     list[i].setScore(x.gateways[i].score);
                     list[i].setOverloaded(x.gateways[i].overloaded);
                     list[i].setCooling(x.gateways[i].cooling);
                     list[i].setWorkloads(x.gateways[i].workloads);
                   }
                   auto excluded = g.initExcluded(static_cast<unsigned>(x.excluded.size()));
                   for (unsigned i = 0; i < x.excluded.size(); ++i)
                     excluded.set(i, x.excluded[i]);
                 },
                 [&](const skipped_all_overloaded& x) { out.initSkippedAllOverloaded().setReason(x.reason); },
                 [&](const alert_raised& x) {
                   auto g = out.initAlertRaised();
                   g.setCode(x.code);
                   g.setMessage(x.message);
                 },
                 [&](const alert_cleared& x) {
                   auto g = out.initAlertCleared();
                   g.setCode(x.code);
                   g.setMessage(x.message);
                 },
                 [&](const below_threshold& x) {
                   auto g = out.initBelowThreshold();
                   g.setSpread(x.spread);
                   g.setThreshold(x.threshold);
                 },
                 [&](const unbalanceable& x) {
                   auto g = out.initUnbalanceable();
                   g.setSpread(x.spread);
                   g.setThreshold(x.threshold);
                   g.setReason(x.reason);
                 },
                 [&](const planned& x) {
                   auto g = out.initPlanned();
                   g.setPlan(x.plan);
                   write_moves(x.moves, g.initMoves(static_cast<unsigned>(x.moves.size())));
                   g.setSpreadBefore(x.spread_before);
                   g.setSpreadAfter(x.spread_after);
                   g.setNote(x.note);
                 },
                 [&](const moved& x) {
                   auto g = out.initMoved();
                   g.setPlan(x.plan);
                   g.setJob(x.job);
                   g.setFrom(x.from);
                   g.setTo(x.to);
                   g.setAtNs(x.at_ns);
                 },
                 [&](const move_dropped& x) {
                   auto g = out.initMoveDropped();
                   g.setPlan(x.plan);
                   g.setJob(x.job);
                   g.setReason(x.reason);
                   g.setAtNs(x.at_ns);
                 },
             },
             ev);
}

result<event> entity::read_event(schema::Envelope::Reader e) {
  if (!e.getPayload().isRebalancerEvent())
    return make_error(codec_errc::wrong_payload, "expected a rebalancer event");
  auto ev = e.getPayload().getRebalancerEvent();
  using W = S::Event;
  switch (ev.which()) {
    case W::CONFIGURED:
      return event{configured{ev.getConfigured().getSite().cStr(), read_settings(ev.getConfigured().getSettings())}};
    case W::EVALUATED: {
      auto g = ev.getEvaluated();
      SM_TRY(auto why, from_schema(g.getTrigger()));
      evaluated x{g.getSite().cStr(), why, g.getAtNs(), g.getSpread(), {}, {}};
      for (auto s : g.getGateways())
        x.gateways.push_back({s.getGateway().cStr(), s.getScore(), s.getOverloaded(), s.getCooling(), s.getWorkloads()});
      for (auto t : g.getExcluded())
        x.excluded.emplace_back(t.cStr());
      return event{std::move(x)};
    }
    case W::SKIPPED_ALL_OVERLOADED:
      return event{skipped_all_overloaded{ev.getSkippedAllOverloaded().getReason().cStr()}};
    case W::ALERT_RAISED:
      return event{alert_raised{ev.getAlertRaised().getCode().cStr(), ev.getAlertRaised().getMessage().cStr()}};
    case W::ALERT_CLEARED:
      return event{alert_cleared{ev.getAlertCleared().getCode().cStr(), ev.getAlertCleared().getMessage().cStr()}};
    case W::BELOW_THRESHOLD:
      return event{below_threshold{ev.getBelowThreshold().getSpread(), ev.getBelowThreshold().getThreshold()}};
    case W::UNBALANCEABLE: {
      auto g = ev.getUnbalanceable();
      return event{unbalanceable{g.getSpread(), g.getThreshold(), g.getReason().cStr()}};
    }
    case W::PLANNED: {
      auto g = ev.getPlanned();
      return event{planned{g.getPlan(), read_moves(g.getMoves()), g.getSpreadBefore(), g.getSpreadAfter(),
                           g.getNote().cStr()}};
    }
    case W::MOVED: {
      auto g = ev.getMoved();
      return event{moved{g.getPlan(), g.getJob().cStr(), g.getFrom().cStr(), g.getTo().cStr(), g.getAtNs()}};
    }
    case W::MOVE_DROPPED: {
      auto g = ev.getMoveDropped();
      return event{move_dropped{g.getPlan(), g.getJob().cStr(), g.getReason().cStr(), g.getAtNs()}};
    }
  }
  return make_error(codec_errc::unknown_variant, "rebalancer event " + std::to_string(static_cast<int>(ev.which())));
}

std::string entity::write_state(const state& s) {
  return state_to_bytes<S::State>([&](S::State::Builder r) {
    r.setSite(s.site);
    r.setConfigured(s.configured);
    write_settings(s.config, r.initSettings());
    r.setEvaluations(s.evaluations);
    r.setLastEvaluatedNs(s.last_evaluated_ns);
    r.setPlans(s.plans);
    auto pending = r.initPending(static_cast<unsigned>(s.pending.size()));
    unsigned i = 0;
    for (const auto& [job, m] : s.pending) {
      pending[i].setJob(job);
      pending[i].setPlan(m.plan);
      pending[i].setFrom(m.from);
      pending[i].setTo(m.to);
      pending[i].setPlannedNs(m.planned_ns);
      ++i;
    }
    write_moments(s.workloads_moved, r.initWorkloadsMoved(static_cast<unsigned>(s.workloads_moved.size())));
    write_moments(s.gateways_moved, r.initGatewaysMoved(static_cast<unsigned>(s.gateways_moved.size())));
    r.setAlerting(s.alerting);
    r.setAlert(s.alert);
    r.setLastTrigger(to_schema(s.last_trigger));
    r.setLastOutcome(s.last_outcome);
    r.setLastReason(s.last_reason);
    r.setLastSpreadBefore(s.last_spread_before);
    r.setLastSpreadAfter(s.last_spread_after);
    r.setMovesDone(s.moves_done);
    r.setMovesDropped(s.moves_dropped);
  });
}

result<state> entity::read_state(std::string_view bytes) {
  return state_from_bytes<S::State>(bytes, "rebalancer", [](S::State::Reader r) -> result<state> {
    state s;
    s.site = r.getSite().cStr();
    s.configured = r.getConfigured();
    s.config = read_settings(r.getSettings());
    s.evaluations = r.getEvaluations();
    s.last_evaluated_ns = r.getLastEvaluatedNs();
    s.plans = r.getPlans();
    for (auto p : r.getPending())
      s.pending[p.getJob().cStr()] = pending_move{p.getPlan(), p.getFrom().cStr(), p.getTo().cStr(), p.getPlannedNs()};
    s.workloads_moved = read_moments(r.getWorkloadsMoved());
    s.gateways_moved = read_moments(r.getGatewaysMoved());
    s.alerting = r.getAlerting();
    s.alert = r.getAlert().cStr();
    SM_TRY(s.last_trigger, from_schema(r.getLastTrigger()));
    s.last_outcome = r.getLastOutcome().cStr();
    s.last_reason = r.getLastReason().cStr();
    s.last_spread_before = r.getLastSpreadBefore();
    s.last_spread_after = r.getLastSpreadAfter();
    s.moves_done = r.getMovesDone();
    s.moves_dropped = r.getMovesDropped();
    return s;
  });
}

} // namespace storemesh::services::rebalancer
