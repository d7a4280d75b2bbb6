#include "sim/world.hpp"

#include "actors/core/command_admission.hpp"
#include "actors/core/entity_host.hpp"
#include "actors/core/reaction_step.hpp"
#include "actors/entity_kinds.hpp"
#include "actors/fleet_board.hpp"
#include "actors/fleet_feed.hpp"
#include "actors/index_feed.hpp"
#include "actors/indexes.hpp"
#include "actors/records.hpp"
#include "actors/runtime_context.hpp"
#include "events/crypto/keys.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/log_errc.hpp"
#include "sim/hex.hpp"
#include "sim/invariants.hpp"
#include "sim/rng.hpp"
#include "sim/scenarios/scenarios.hpp"
#include "sim/sim_log.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <tuple>

namespace storemesh::sim {
namespace {

using actors::entity_host;

constexpr std::int64_t step_ns = 1'000'000;                    // one step: 1 ms of simulated time
constexpr std::int64_t start_ns = 1'800'000'000'000'000'000;   // a fixed instant, so traces repeat
constexpr std::uint64_t settle_steps = 400;                    // quiet steps with nothing moving: settled or stuck

/// The simulated clock and the id generator, for everything this thread
/// stamps (events::envelope::simulate_on_this_thread).
class clock_and_ids final : public events::envelope::simulated_source {
public:
  explicit clock_and_ids(std::uint64_t seed) : ids_(seed) {}
  std::int64_t now_ns() override { return now + skew; }
  std::array<std::uint8_t, 16> new_message_id() override {
    std::array<std::uint8_t, 16> id{};
    const std::uint64_t a = ids_.next(), b = ids_.next();
    std::memcpy(id.data(), &a, 8);
    std::memcpy(id.data() + 8, &b, 8);
    return id;
  }
  std::int64_t now = start_ns;
  std::int64_t skew = 0;  ///< of whoever acts now

private:
  rng ids_;
};

/// One append a daemon has decided and not yet made durable: what its log
/// writer would hold.
struct round {
  std::int32_t partition = 0;
  events::partition_claim claim;
  std::vector<std::pair<std::shared_ptr<entity_host>, std::size_t>> entities;  ///< host, its batch index (or npos)
  std::vector<std::string> topics;
  std::vector<partition_id> parts;
  std::vector<std::vector<events::record>> batches;
  std::vector<std::pair<std::string, std::int64_t>> refused_ids;  ///< the intake's and the entities'
  offset upto;            ///< the commands partition's position once this round is durable
  events::partition_group::positions next;
  std::uint64_t ready_at = 0;
};

struct daemon {
  std::string name;
  std::uint32_t index = 0;
  bool up = true;
  bool paused = false;          ///< zombie or cut off: does nothing until resume_at
  std::uint64_t resume_at = 0;
  std::uint64_t restart_at = 0;
  std::int64_t skew = 0;
  std::unique_ptr<events::partition_group> member;
  actors::rejected_index rejected;
  events::crypto::verified_roots verified_roots;  ///< the intake's cache of checked batch roots
  actors::snapshot_index snapshots;
  actors::entity_index entities;
  actors::fleet_board fleet;
  std::atomic<bool> fatal{false};
  std::unique_ptr<actors::index_feed> indexes;
  std::unique_ptr<actors::fleet_feed> fleet_feed;
  actors::runtime_context ctx;
  struct cursor {
    offset next;  ///< the next command to read
    offset done;  ///< every command below it is durable
    ownership_epoch tenure;
  };
  std::map<std::int32_t, cursor> cursors;
  std::map<std::string, std::pair<std::int32_t, std::shared_ptr<entity_host>>> live;  ///< kind/id -> partition, host
  std::deque<round> in_flight;
  std::map<std::pair<std::string, std::int32_t>, offset> reacted;  ///< events topic, partition -> next to react to
};

struct message {
  std::uint64_t deliver_at = 0;
  std::uint64_t order = 0;  ///< ties keep sending order
  std::string topic;
  events::record rec;
};

class world final : public log_view {
public:
  explicit world(const run_options& o)
      : o_(o), workload_(rng(o.seed).fork()), sched_(rng(o.seed ^ 0x5eedULL).fork()),
        faults_(rng(o.seed ^ 0xfa17ULL).fork()), clock_(o.seed ^ 0x1d5ULL),
        log_([this](const std::string& topic, partition_id p, offset at, const events::record& r) {
          on_appended(topic, p, at, r);
        }) {
    std::array<std::uint8_t, 32> seed{};
    for (std::size_t i = 0; i < seed.size(); ++i)
      seed[i] = static_cast<std::uint8_t>(o.seed >> ((i % 8) * 8)) ^ static_cast<std::uint8_t>(i);
    operator_key_ = events::crypto::key_pair::from_seed(seed);
    seed[0] ^= 0xd;
    daemon_key_ = events::crypto::key_pair::from_seed(seed);
    trusted_.add(operator_key_.public_key());
    trusted_.add(daemon_key_.public_key());
  }

  run_result run() {
    events::envelope::simulate_on_this_thread(&clock_);
    struct restore {
      ~restore() { events::envelope::simulate_on_this_thread(nullptr); }
    } restore_clock;
    crypto_generichash_init(&trace_, nullptr, 0, 32);
    if (auto made = make_scenarios(); !made) {
      result_.ok = false;
      result_.violation = made.error().message();
      return result_;
    }
    create_topics();
    for (std::uint32_t i = 0; i < o_.daemons; ++i)
      daemons_.push_back(start_daemon(i));
    log_.rebalance(live_members());
    {
      step_context ctx{workload_, *this, clock_.now, 0, agent_faults_now()};
      std::vector<services::issued_command> out;
      for (auto& s : scenarios_)
        s->setup(ctx, out);
      send(out);
    }
    // The quiet phase lasts while the log still moves (a backlog the faults
    // left takes as long as it takes), until nothing has moved for
    // settle_steps; the cap only guards against a livelock.
    std::uint64_t moved_at = o_.steps, seen = 0;
    const auto cap = o_.steps + 20 * settle_steps;
    for (step_ = 1; result_.ok && step_ <= cap && (step_ <= o_.steps || step_ - moved_at <= settle_steps); ++step_) {
      if (records_.size() != seen) {
        seen = records_.size();
        moved_at = std::max(moved_at, step_);
      }
      clock_.now += step_ns;
      quiet_ = step_ > o_.steps;
      if (!quiet_) {
        step_context ctx{workload_, *this, clock_.now, step_, agent_faults_now()};
        std::vector<services::issued_command> out;
        for (auto& s : scenarios_)
          s->step(ctx, out);
        send(out);
        strike();
      } else if (quiet_ && step_ == o_.steps + 1) {
        settle();
      }
      deliver();
      wake();
      act();
      result_.steps_run = step_;
      check();
      if (quiet_ && settled())
        break;
    }
    if (result_.ok)
      final_check();
    std::array<unsigned char, 32> digest{};
    crypto_generichash_final(&trace_, digest.data(), digest.size());
    result_.trace_hash = hex(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
    daemons_.clear();  // members leave before the log goes
    return result_;
  }

  // -- log_view -------------------------------------------------------------
  std::size_t size() const override { return records_.size(); }
  const logged_record& at(std::size_t i) const override { return records_.at(i); }
  const std::string& events_topic(std::string_view kind) const override {
    auto [it, fresh] = topic_names_.try_emplace(std::string(kind), names_.events(kind));
    return it->second;
  }
  const std::string& rejected_topic() const override { return rejected_name_; }
  const std::string& commands_topic() const override { return commands_name_; }

private:
  result<void> make_scenarios() {
    if (o_.scenario == "mixed") {
      for (const auto& name : scenario_names())
        if (name != "mixed")
          scenarios_.push_back(make_scenario(name));
    } else if (auto s = make_scenario(o_.scenario)) {
      scenarios_.push_back(std::move(s));
    } else {
      std::string known;
      for (const auto& n : scenario_names())
        known += (known.empty() ? "" : ", ") + n;
      return make_error(std::errc::invalid_argument, "no scenario '" + o_.scenario + "' (known: " + known + ")");
    }
    return success();
  }

  sim::agent_faults agent_faults_now() const {
    sim::agent_faults f;
    f.disk_full = !quiet_ && drawn(fault::disk_full);
    f.torn_write = !quiet_ && drawn(fault::torn_write);
    f.slow_disk = !quiet_ && drawn(fault::slow_disk);
    return f;
  }
  /// Whether a fault kind may strike: drawn in a random run, in the
  /// schedule's list in a replay.
  bool drawn(fault f) const {
    if (!o_.schedule)
      return o_.faults.has(f);
    return std::any_of(o_.schedule->begin(), o_.schedule->end(), [&](const fault_event& e) { return e.what == f; });
  }

  void trace(const std::string& line) {
    crypto_generichash_update(&trace_, reinterpret_cast<const unsigned char*>(line.data()), line.size());
    if (o_.keep_trace)
      result_.trace_lines.push_back(fmt::format("{:>5} {}", step_, line));
  }

  void create_topics() {
    auto make = [&](const std::string& t) { (void)log_.create_topic(t, o_.partitions); };
    make(names_.commands());
    make(names_.rejected());
    make(names_.snapshots());
    for (const auto& k : actors::entity_kinds())
      make(names_.events(k.kind));
  }

  std::set<std::string> live_members() const {
    std::set<std::string> out;
    for (const auto& d : daemons_)
      if (d->up && !d->paused)
        out.insert(d->name);
    return out;
  }

  std::unique_ptr<daemon> start_daemon(std::uint32_t i) {
    auto d = std::make_unique<daemon>();
    d->index = i;
    d->name = "d" + std::to_string(i + 1);
    d->member = std::move(log_.join_group(names_.commands(), d->name)).value();
    d->indexes = std::make_unique<actors::index_feed>(log_, names_, d->rejected, d->snapshots, d->entities);
    d->fleet_feed = std::make_unique<actors::fleet_feed>(log_, names_, d->fleet, &d->fatal);
    auto& c = d->ctx;
    c.log = &log_;
    c.names = names_;
    c.rejected = &d->rejected;
    c.snapshots = &d->snapshots;
    c.entities = &d->entities;
    c.fleet = &d->fleet;
    c.producer = d->name;
    c.event_partitions = c.rejected_partitions = c.snapshot_partitions = o_.partitions;
    // Small numbers, so that a 200-step run snapshots and prunes. The window
    // is long next to a decision's latency under faults (tens of steps) in
    // most runs, and short in one run of ten, so that expiry is exercised
    // without refusing most of what the agents send.
    c.snapshot_every = 4;
    c.dedup_window = short_window_ ? std::chrono::milliseconds(60) : std::chrono::milliseconds(5000);
    c.dedup_max_ids = 16;
    c.group = d->member.get();
    (void)d->indexes->catch_up();
    (void)d->fleet_feed->catch_up();
    trace("start " + d->name);
    return d;
  }

  // -- the network: commands from operators and agents to the log -----------

  void send(std::vector<services::issued_command>& out) {
    // A step's commands are signed as one batch, as `storemesh apply` signs
    // a file: each record then travels alone, delayed, lost or doubled on
    // its own, and must verify without the rest.
    std::vector<actors::command_spec> specs;
    for (auto& c : out) {
      actors::command_header h;
      h.id = clock_.new_message_id();
      h.producer = "operator";
      specs.push_back(actors::command_spec{c.kind, c.id, std::move(h), c.write});
    }
    std::vector<result<events::record>> records;
    if (auto batch = actors::make_command_batch(specs, operator_key_)) {
      for (auto& r : batch.value())
        records.emplace_back(std::move(r));
    } else {
      for (const auto& c : specs)  // one cannot be encoded: the others alone, that one never sent
        records.push_back(actors::make_command_record(c.kind, c.id, c.header, operator_key_, c.fill));
    }
    std::uint32_t k = 0;
    for (auto& rec : records) {
      if (!rec)
        continue;  // a scenario's command that cannot be encoded: never sent
      ++result_.commands;
      const auto index = k++;
      std::uint64_t at = step_ + 1;
      if (const auto e = strikes(fault::delay, index))
        at += e->span;
      if (strikes(fault::loss, index)) {
        // Lost on the way; its sender resends it, same id, when no answer came.
        trace("lost command " + std::to_string(index));
        at += 10 + strikes(fault::loss, index)->span;
      }
      if (strikes(fault::duplicate, index))
        queue_.push_back(message{at + strikes(fault::duplicate, index)->span, order_++, names_.commands(), rec.value()});
      queue_.push_back(message{at, order_++, names_.commands(), std::move(rec).value()});
    }
    out.clear();
  }

  void deliver() {
    std::stable_sort(queue_.begin(), queue_.end(), [](const message& a, const message& b) {
      return a.deliver_at != b.deliver_at ? a.deliver_at < b.deliver_at : a.order < b.order;
    });
    while (!queue_.empty() && queue_.front().deliver_at <= step_) {
      auto m = std::move(queue_.front());
      queue_.pop_front();
      const auto p = events::partition_for(m.rec.key, o_.partitions);
      (void)log_.append(m.topic, p, {m.rec});
    }
  }

  // -- faults ---------------------------------------------------------------

  /// Whether fault `f` strikes `target` now: drawn (and recorded), or looked
  /// up in the schedule. Network faults are asked once per message.
  std::optional<fault_event> strikes(fault f, std::uint32_t target) {
    if (quiet_)
      return std::nullopt;
    if (o_.schedule) {
      for (const auto& e : *o_.schedule)
        if (e.step == step_ && e.what == f && e.target == target)
          return e;
      return std::nullopt;
    }
    auto key = std::make_tuple(step_, f, target);
    if (auto it = asked_.find(key); it != asked_.end())
      return it->second;
    std::optional<fault_event> hit;
    if (o_.faults.has(f) && faults_.chance(per_mille(f)))
      hit = fault_event{step_, f, target, static_cast<std::uint32_t>(faults_.between(1, span_max(f)))};
    asked_.emplace(key, hit);
    if (hit)
      result_.schedule.push_back(*hit);
    return hit;
  }

  static unsigned per_mille(fault f) {
    switch (f) {
      case fault::crash: return 8;
      case fault::rebalance: return 25;
      case fault::zombie: return 8;
      case fault::abort: return 15;
      case fault::slow_log: return 40;
      case fault::delay: return 60;
      case fault::duplicate: return 40;
      case fault::loss: return 30;
      case fault::partition: return 6;
      case fault::torn_write: return 6;
      case fault::skew: return 10;
      default: return 0;  // the agents' faults: the scenarios draw them
    }
  }
  static std::int64_t span_max(fault f) {
    switch (f) {
      case fault::crash: return 30;
      case fault::zombie: return 40;
      case fault::partition: return 25;
      case fault::slow_log: return 30;
      case fault::delay: return 25;
      case fault::duplicate: return 15;
      case fault::loss: return 20;
      case fault::skew: return 80;
      default: return 1;
    }
  }

  void strike() {
    for (auto& d : daemons_) {
      const auto i = d->index;
      if (d->up && strikes(fault::crash, i)) {
        crash(*d, strikes(fault::crash, i)->span, "crash");
        continue;
      }
      if (d->up && !d->paused && !d->in_flight.empty() && strikes(fault::torn_write, i)) {
        // Dies in the middle of its append: nothing of the round is written.
        d->in_flight.pop_front();
        crash(*d, 5, "torn write");
        continue;
      }
      if (d->up && !d->paused && strikes(fault::zombie, i)) {
        pause(*d, strikes(fault::zombie, i)->span, "zombie (paused; the group moves on without it)");
        continue;
      }
      if (d->up && !d->paused && strikes(fault::partition, i)) {
        pause(*d, strikes(fault::partition, i)->span, "cut off from the log");
        continue;
      }
      if (strikes(fault::skew, i)) {
        const auto span = static_cast<std::int64_t>(strikes(fault::skew, i)->span);
        d->skew = (span % 2 == 0 ? 1 : -1) * span * step_ns;
        trace(d->name + " clock skew " + std::to_string(d->skew / step_ns) + " ms");
      }
      if (d->up && strikes(fault::abort, i)) {
        abort_next_.insert(d->name);
        trace(d->name + ": its next transaction will be aborted (broker failover)");
      }
    }
    if (strikes(fault::rebalance, 0)) {
      log_.rebalance(live_members());
      trace("rebalance, generation " + std::to_string(log_.generation()));
    }
  }

  void crash(daemon& d, std::uint32_t span, const std::string& why) {
    trace(d.name + " dies (" + why + ")");
    auto i = d.index;
    daemons_[i] = std::make_unique<daemon>();
    daemons_[i]->index = i;
    daemons_[i]->name = "d" + std::to_string(i + 1);
    daemons_[i]->up = false;
    daemons_[i]->restart_at = step_ + span;
    log_.rebalance(live_members());
  }

  void pause(daemon& d, std::uint32_t span, const std::string& why) {
    trace(d.name + ": " + why);
    d.paused = true;
    d.resume_at = step_ + span;
    log_.rebalance(live_members());  // its session times out: expelled
  }

  /// Restarts the dead and resumes the paused whose time has come.
  void wake() {
    for (auto& d : daemons_) {
      if (!d->up && d->restart_at <= step_) {
        const auto i = d->index;
        d = start_daemon(i);
        log_.rebalance(live_members());
      } else if (d->up && d->paused && d->resume_at <= step_) {
        d->paused = false;
        trace(d->name + " resumes");
        // It acts on its old view until it polls: the zombie's moment. It
        // rejoins on its next poll, as a member that heartbeats again does.
        rejoin_.insert(d->name);
      }
    }
  }

  void settle() {
    trace("quiet: no new faults, everyone back");
    for (auto& d : daemons_) {
      if (!d->up)
        d->restart_at = step_;
      if (d->paused)
        d->resume_at = step_;
      d->skew = 0;
    }
    abort_next_.clear();
  }

  // -- the daemons ----------------------------------------------------------

  /// Every daemon able to act gets a turn in most steps, in an order the
  /// scheduler draws: the fabric decides several commands a step, as daemons
  /// working side by side do, so a mechanism's agents are not throttled to
  /// one daemon's pace.
  void act() {
    std::vector<std::uint32_t> able;
    for (const auto& d : daemons_)
      if (d->up && !d->paused)
        able.push_back(d->index);
    for (std::size_t i = able.size(); i > 1; --i)
      std::swap(able[i - 1], able[sched_.below(i)]);
    for (const auto index : able) {
      // A crash during an earlier turn of this step may have replaced it.
      if (!daemons_[index]->up || (!quiet_ && !sched_.chance(750)))
        continue;
      turn(*daemons_[index]);
    }
  }

  void turn(daemon& d) {
    clock_.skew = d.skew;
    if (d.fatal) {
      crash(d, 3, "its log refused an append");
      clock_.skew = 0;
      return;
    }
    // A daemon's turn: the group first (as its poll loop does), then one of
    // its jobs, chosen by the scheduler.
    if (rejoin_.erase(d.name) != 0) {
      // A resumed process may get its in-flight append to the broker before
      // it polls again: the broker's own fence (its generation is stale).
      if (sched_.chance(500))
        complete(d);
      log_.rebalance(live_members());
    }
    (void)d.member->poll(listener_for(d), std::chrono::milliseconds(0));
    switch (sched_.below(4)) {
      case 0:
      case 1: complete(d); break;
      case 2: decide(d); break;
      default: react(d); break;
    }
    if (quiet_) {  // the quiet phase drains everything
      complete(d);
      decide(d);
      complete(d);
      react(d);
    }
    clock_.skew = 0;
  }

  // The group's news, for one daemon: what its intake does (command_intake.hpp).
  struct listener_adapter final : events::partition_group::listener {
    world* w = nullptr;
    daemon* d = nullptr;
    void assigned(const std::vector<partition_id>& ps) override { w->assigned(*d, ps); }
    void revoked(const std::vector<partition_id>& ps, bool lost) override { w->revoked(*d, ps, lost); }
  };
  listener_adapter adapter_;
  events::partition_group::listener& listener_for(daemon& d) {
    adapter_.w = this;
    adapter_.d = &d;
    return adapter_;
  }

  void assigned(daemon& d, const std::vector<partition_id>& ps) {
    // prepare: the indexes catch up with what other daemons wrote.
    (void)d.indexes->catch_up();
    (void)d.fleet_feed->catch_up();
    for (auto p : ps) {
      const auto from = d.member->committed(names_.commands(), p).value();
      d.cursors[p.value] = daemon::cursor{from, from, *d.member->epoch(p)};
      for (const auto& k : actors::entity_kinds()) {
        const auto t = names_.events(k.kind);
        d.reacted[{t, p.value}] = d.member->committed(t, p).value();
      }
      trace(fmt::format("{} owns p{} from {} (tenure {})", d.name, p.value, from.value, d.member->epoch(p)->value));
    }
  }

  void revoked(daemon& d, const std::vector<partition_id>& ps, bool lost) {
    for (auto p : ps) {
      d.cursors.erase(p.value);
      for (auto it = d.live.begin(); it != d.live.end();)
        it = it->second.first == p.value ? d.live.erase(it) : std::next(it);
      trace(fmt::format("{} lets p{} go{}", d.name, p.value, lost ? " (lost)" : ""));
    }
  }

  /// After a fenced or aborted write: every owned partition again, under a
  /// new tenure, from the committed positions (command_intake::reload).
  void reload(daemon& d) {
    d.live.clear();
    for (auto& [p, c] : d.cursors) {
      const auto tenure = d.member->renew(partition_id{p});
      const auto from = d.member->committed(names_.commands(), partition_id{p});
      if (!tenure || !from)
        continue;
      c = daemon::cursor{from.value(), from.value(), *tenure};
      for (const auto& k : actors::entity_kinds()) {
        const auto t = names_.events(k.kind);
        d.reacted[{t, p}] = d.member->committed(t, partition_id{p}).value();
      }
    }
    trace(d.name + " reloads its partitions from the committed positions");
  }

  std::shared_ptr<entity_host> entity(daemon& d, std::int32_t p, const std::string& kind, const std::string& id) {
    const auto key = kind + "/" + id;
    auto it = d.live.find(key);
    if (it != d.live.end())
      return it->second.second;
    const auto* k = actors::find_entity_kind(kind);
    std::shared_ptr<entity_host> host = k->host(d.ctx, id);
    host->recover();
    ++result_.recoveries;
    d.live[key] = {p, host};
    return host;
  }

  /// One intake round: up to a few commands of one owned partition, each
  /// admitted and decided by its entity, as one append in flight.
  void decide(daemon& d) {
    std::vector<std::int32_t> ready;
    for (const auto& [p, c] : d.cursors) {
      const bool busy = std::any_of(d.in_flight.begin(), d.in_flight.end(), [&](const round& r) {
        return r.partition == p;
      });
      if (!busy)
        ready.push_back(p);
    }
    if (ready.empty())
      return;
    const auto p = ready[sched_.below(ready.size())];
    auto& cur = d.cursors[p];
    auto reader = log_.read(names_.commands(), partition_id{p}, cur.next);
    std::vector<events::record_view> views;
    if (!reader || !reader.value()->poll(views, 1).has_value())
      return;
    const auto limit = static_cast<std::size_t>(1 + sched_.below(4));
    if (views.empty())
      return;
    // poll returns at least one; read a few more.
    while (views.size() < limit) {
      std::vector<events::record_view> more;
      auto n = reader.value()->poll(more, 1);
      if (!n || n.value() == 0)
        break;
      views.insert(views.end(), more.begin(), more.end());
    }
    if (views.size() > limit)
      views.resize(limit);
    (void)d.fleet_feed->catch_up();
    round r;
    r.partition = p;
    r.claim = events::partition_claim{partition_id{p}, cur.tenure};
    std::map<std::string, std::shared_ptr<entity_host>> touched;
    std::vector<std::string> order;
    std::map<std::int32_t, std::vector<events::record>> refusals;
    for (const auto& v : views) {
      auto a = actors::admit_command(d.rejected, trusted_, &d.verified_roots, partition_id{p}, v);
      if (a.redelivered)
        continue;
      if (!a.command) {
        refusals[events::partition_for(a.id.empty() ? std::string(v.key) : a.id, o_.partitions).value].push_back(
            actors::make_rejection_record(a.kind, a.id.empty() ? std::string(v.key) : a.id, a.code, a.reason,
                                          names_.commands(), partition_id{p}, v.off.value, v.value, a.command_id,
                                          d.name));
        r.refused_ids.emplace_back(actors::rejection_claims_id(a.code) ? actors::message_id_key(a.command_id)
                                                                        : std::string(),
                                   v.off.value);
        continue;
      }
      a.command->topic = names_.commands();
      a.command->partition = partition_id{p};
      a.command->at = v.off;
      a.command->epoch = cur.tenure;
      const auto key = a.kind + "/" + a.id;
      auto host = entity(d, p, a.kind, a.id);
      if (touched.emplace(key, host).second) {
        order.push_back(key);
        host->begin();
      }
      host->decide(*a.command);
      ++result_.decisions;
    }
    for (const auto& key : order) {
      auto& host = touched[key];
      auto& pending = host->pending();
      std::size_t batch = std::string::npos;
      if (!pending.events.empty()) {
        const auto slash = key.find('/');
        r.topics.push_back(names_.events(key.substr(0, slash)));
        r.parts.push_back(events::partition_for(key.substr(slash + 1), o_.partitions));
        r.batches.push_back(pending.events);
        batch = r.batches.size() - 1;
      }
      for (const auto& rej : pending.rejections)
        refusals[events::partition_for(key.substr(key.find('/') + 1), o_.partitions).value].push_back(rej);
      r.entities.emplace_back(host, batch);
    }
    for (auto& [rp, recs] : refusals) {
      r.topics.push_back(names_.rejected());
      r.parts.push_back(partition_id{rp});
      r.batches.push_back(std::move(recs));
    }
    r.upto = offset{views.back().off.value + 1};
    cur.next = r.upto;
    // Positions ride with the next round, as the log writer commits them
    // (log_writer::set_positions): a crash in between redelivers commands.
    r.next = {{partition_id{p}, cur.done}};
    r.ready_at = step_ + 1;
    if (auto slow = strikes(fault::slow_log, d.index))
      r.ready_at += slow->span;
    trace(fmt::format("{} decides p{} [{}, {}) under tenure {}", d.name, p, views.front().off.value, r.upto.value,
                      cur.tenure.value));
    d.in_flight.push_back(std::move(r));
  }

  /// Makes the oldest append in flight durable, if its time has come.
  void complete(daemon& d) {
    if (d.in_flight.empty() || d.in_flight.front().ready_at > step_)
      return;
    auto r = std::move(d.in_flight.front());
    d.in_flight.pop_front();
    std::vector<events::event_log::batch_ref> refs;
    for (std::size_t i = 0; i < r.batches.size(); ++i)
      refs.push_back({r.topics[i], r.parts[i], &r.batches[i], true});
    events::offsets_commit commit;
    commit.group = d.member.get();
    commit.topic = names_.commands();
    commit.next = r.next;
    commit.claims = {r.claim};
    if (abort_next_.erase(d.name) != 0)
      log_.abort_next_append();
    auto firsts = log_.append_committing(refs, commit);
    if (!firsts) {
      for (auto& [host, batch] : r.entities)
        host->abandon();
      ++result_.fenced_appends;
      trace(fmt::format("{}: append for p{} refused: {}", d.name, r.partition, firsts.error().message()));
      const auto code = firsts.error().code;
      if (code == events::log_errc::stale_claim) {
        // The tenure ended: its entities go; the commands are redelivered
        // under the current tenure (entity_actor.hpp, Tenure).
        for (auto& [host, batch] : r.entities)
          for (auto it = d.live.begin(); it != d.live.end();)
            it = it->second.second == host ? d.live.erase(it) : std::next(it);
      } else if (code == events::log_errc::fenced || code == events::log_errc::aborted) {
        d.in_flight.clear();
        reload(d);
      } else {
        d.fatal = true;
      }
      return;
    }
    for (auto& [host, batch] : r.entities) {
      if (auto publish = host->publication())
        publish();
      host->commit(batch == std::string::npos ? offset{0} : firsts.value()[batch]);
      if (auto snap = host->snapshot_if_due()) {
        // Under the round's claim, as the actor submits it to its writer.
        const auto sp = events::partition_for(snap->key, o_.partitions);
        const std::vector<events::record> one{std::move(*snap)};
        events::offsets_commit claimed;
        claimed.group = d.member.get();
        claimed.claims = {r.claim};
        auto env = events::envelope::decoded_envelope::decode(one.front().value);
        if (auto at = log_.append_committing({{names_.snapshots(), sp, &one, true}}, claimed); at && env) {
          d.snapshots.put(std::string(env.value().entity_kind()), std::string(env.value().entity_id()),
                          actors::snapshot_location{sp, at.value().front()});
          ++result_.snapshots;
        }
      }
    }
    for (const auto& [id, off] : r.refused_ids)
      d.rejected.add(id, partition_id{r.partition}, off);
    if (auto it = d.cursors.find(r.partition); it != d.cursors.end() && it->second.tenure == r.claim.epoch)
      it->second.done = std::max(it->second.done, r.upto);
  }

  /// One reaction round over the events of the partitions it owns
  /// (reaction_feed.cpp): commands first, then the positions.
  void react(daemon& d) {
    if (d.cursors.empty())
      return;
    (void)d.fleet_feed->catch_up();
    const auto fleet = d.fleet.view();
    std::vector<actors::reaction> answers;
    std::vector<events::record> out;
    std::map<std::string, events::partition_group::positions> next;
    for (auto& [where, pos] : d.reacted) {
      if (d.cursors.count(where.second) == 0)
        continue;
      auto reader = log_.read(where.first, partition_id{where.second}, pos);
      if (!reader)
        continue;
      std::vector<events::record_view> views;
      for (;;) {
        auto n = reader.value()->poll(views, 1 << 20);
        if (!n || n.value() == 0)
          break;
      }
      if (views.empty())
        continue;
      for (const auto& v : views) {
        auto env = events::envelope::decoded_envelope::decode(v.value);
        if (!env)
          continue;
        actors::react_to(env.value(), *fleet, answers);
      }
      // A round's reactions under one signature, as the daemon's reaction feed signs them.
      std::vector<actors::command_spec> specs;
      for (auto& a : answers)
        specs.push_back(actors::command_spec{a.command.kind, a.command.id,
                                             actors::command_header{a.id, a.causation_id, a.correlation_id, d.name},
                                             a.command.write});
      answers.clear();
      if (auto recs = actors::make_command_batch(specs, daemon_key_))
        for (auto& rec : recs.value())
          out.push_back(std::move(rec));
      pos = offset{views.back().off.value + 1};
      next[where.first].emplace_back(partition_id{where.second}, pos);
    }
    for (auto& rec : out) {
      const auto p = events::partition_for(rec.key, o_.partitions);
      (void)log_.append(names_.commands(), p, {rec});
    }
    for (const auto& [t, positions] : next)
      if (!d.member->commit(t, positions))
        for (const auto& [p, o] : positions)
          d.reacted[{t, p.value}] = d.member->committed(t, p).value();  // fenced: the ids repeat
    if (!out.empty())
      trace(fmt::format("{} reacts: {} commands", d.name, out.size()));
  }

  // -- what the log made durable --------------------------------------------

  void on_appended(const std::string& topic, partition_id p, offset at, const events::record& r) {
    logged_record lr;
    lr.topic = topic;
    lr.partition = p.value;
    lr.offset = at.value;
    lr.key = r.key;
    lr.bytes = r.value;
    if (auto env = events::envelope::decoded_envelope::decode(lr.bytes))
      lr.env = std::make_shared<const events::envelope::decoded_envelope>(std::move(env).value());
    if (lr.env && lr.env->reader().getPayload().isRejection())
      ++result_.rejections;
    else if (lr.env && lr.env->reader().getIntegrity().isEvent())
      ++result_.events;
    const auto head = topic + ":" + std::to_string(p.value) + ":" + std::to_string(at.value) + ":";
    crypto_generichash_update(&trace_, reinterpret_cast<const unsigned char*>(head.data()), head.size());
    crypto_generichash_update(&trace_, reinterpret_cast<const unsigned char*>(r.value.data()), r.value.size());
    if (o_.keep_trace && lr.env) {
      const auto payload = lr.env->reader().getPayload();
      result_.trace_lines.push_back(fmt::format("{:>5}   + {}@{}:{} {}/{} #{}{}", step_, topic, p.value, at.value,
                                                lr.env->entity_kind(), lr.env->entity_id(),
                                                lr.env->reader().getSequence(),
                                                payload.isRejection()
                                                    ? std::string(" refused: ") + payload.getRejection().getCode().cStr() +
                                                          " (" + payload.getRejection().getReason().cStr() + ")"
                                                    : std::string()));
    }
    records_.push_back(std::move(lr));
  }

  void fail(std::string what) {
    result_.ok = false;
    result_.violation = std::move(what);
    result_.failed_step = step_;
    trace("VIOLATION: " + result_.violation);
  }

  void check() {
    if (auto v = invariants_.check(*this))
      return fail(*v);
    for (auto& s : scenarios_)
      if (auto v = s->check(*this))
        return fail(std::string(s->name()) + ": " + *v);
  }

  /// Settled: nothing in flight, nothing on the network, every command read
  /// and durable.
  bool settled() {
    if (!queue_.empty())
      return false;
    for (const auto& d : daemons_)
      if (!d->up || d->paused || !d->in_flight.empty())
        return false;
    // Every event reacted to (a reaction not yet run is a command not yet issued).
    for (const auto& d : daemons_)
      for (const auto& [where, pos] : d->reacted)
        if (d->cursors.count(where.second) != 0 &&
            log_.end_offset(where.first, partition_id{where.second}).value() != pos)
          return false;
    for (std::int32_t p = 0; p < o_.partitions; ++p) {
      const auto end = log_.end_offset(names_.commands(), partition_id{p}).value();
      bool done = false;
      for (const auto& d : daemons_)
        if (auto it = d->cursors.find(p); it != d->cursors.end() && it->second.done == end)
          done = true;
      if (!done)
        return false;
    }
    return true;
  }

  void final_check() {
    if (!settled())
      return fail("nothing lost: " + std::to_string(settle_steps) +
                  " quiet steps in which nothing moved, and commands are still undecided or in flight");
  }

  const run_options& o_;
  rng workload_, sched_, faults_;
  clock_and_ids clock_;
  actors::topics names_;
  std::string commands_name_ = names_.commands();
  std::string rejected_name_ = names_.rejected();
  mutable std::map<std::string, std::string> topic_names_;
  sim_log log_;
  events::crypto::key_pair operator_key_ = events::crypto::key_pair::generate();
  events::crypto::key_pair daemon_key_ = events::crypto::key_pair::generate();
  events::crypto::trusted_keys trusted_;
  std::vector<std::unique_ptr<scenario>> scenarios_;
  std::vector<std::unique_ptr<daemon>> daemons_;
  std::deque<message> queue_;
  std::uint64_t order_ = 0;
  std::uint64_t step_ = 0;
  bool quiet_ = false;
  bool short_window_ = rng(o_.seed ^ 0x3d0ULL).chance(100);
  std::set<std::string> abort_next_;
  std::set<std::string> rejoin_;
  std::map<std::tuple<std::uint64_t, fault, std::uint32_t>, std::optional<fault_event>> asked_;
  std::vector<logged_record> records_;
  runtime_invariants invariants_;
  crypto_generichash_state trace_{};
  run_result result_;
};

} // namespace

run_result run(const run_options& options) {
  world w(options);
  return w.run();
}

} // namespace storemesh::sim
