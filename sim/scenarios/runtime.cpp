// The runtime's own scenario: a few hosts, their operators and their
// gateways' agents, issuing the commands every daemon handles most (state
// changes, load reports). What it exercises is the runtime under the
// simulator's faults (intake, dedup, fencing, recovery, snapshots); its own
// invariants are the host's: a host's states chain (each change starts where
// the last ended) and a gateway's reports only move forward in time.

#include "services/host/host_codec.hpp"
#include "sim/scenarios/scenarios.hpp"

#include <map>

namespace storemesh::sim {
namespace {

namespace host = services::host;

class runtime_scenario final : public scenario {
public:
  std::string_view name() const override { return "runtime"; }

  void setup(step_context&, std::vector<services::issued_command>& out) override {
    for (int i = 1; i <= hosts; ++i) {
      host::register_host r;
      r.datastores.push_back(host::datastore{"ds1", "/mnt/h" + std::to_string(i) + "/ds1"});
      r.site = i <= gateways ? host::site::primary : host::site::none;
      out.push_back(services::issue<host::entity>(name_of(i), r));
    }
  }

  void step(step_context& ctx, std::vector<services::issued_command>& out) override {
    auto& g = ctx.random;
    if (!g.chance(450))
      return;
    const int i = static_cast<int>(g.between(1, hosts));
    switch (g.below(10)) {
      case 0: {  // a repeat registration: refused, changes nothing
        host::register_host r;
        r.datastores.push_back(host::datastore{"ds1", "/mnt/other"});
        out.push_back(services::issue<host::entity>(name_of(i), r));
        break;
      }
      case 1:
      case 2:
      case 3: {
        host::set_state s;
        s.to = static_cast<host::host_state>(g.below(3));
        s.reason = "operator " + std::to_string(g.below(100));
        out.push_back(services::issue<host::entity>(name_of(i), s));
        break;
      }
      default: {  // a gateway's agent reports (a plain host's report is refused)
        host::report_load r;
        r.report.interval_ns = 1'000'000;
        // Sometimes a stale clock: a report from before the last one.
        r.report.at_ns = ctx.now_ns - (g.chance(100) ? 50'000'000 : 0);
        r.report.bytes_per_second = g.below(1'000'000);
        r.report.queue_depth = static_cast<std::uint32_t>(g.below(8));
        r.report.cpu = static_cast<double>(g.below(100)) / 100.0;
        out.push_back(services::issue<host::entity>(name_of(i), r));
        break;
      }
    }
  }

  std::optional<std::string> check(const log_view& log) override {
    const auto& topic = log.events_topic(host::entity::kind);
    for (; seen_ < log.size(); ++seen_) {
      const auto& r = log.at(seen_);
      if (r.topic != topic || !r.env)
        continue;
      auto ev = host::entity::read_event(r.env->reader());
      if (!ev)
        return "host event does not decode: " + ev.error().message();
      auto& h = hosts_[r.key];
      if (const auto* c = std::get_if<host::state_changed>(&ev.value())) {
        if (c->from != h.status)
          return r.key + " changed state from " + std::string(host::to_string(c->from)) + " but was " +
                 std::string(host::to_string(h.status));
        h.status = c->to;
      } else if (const auto* l = std::get_if<host::load_reported>(&ev.value())) {
        if (l->report.at_ns <= h.last_report_ns)
          return r.key + " took a load report at " + std::to_string(l->report.at_ns) + ", not after its last at " +
                 std::to_string(h.last_report_ns);
        h.last_report_ns = l->report.at_ns;
      }
    }
    return std::nullopt;
  }

private:
  static constexpr int hosts = 5;
  static constexpr int gateways = 3;
  static std::string name_of(int i) { return "h" + std::to_string(i); }

  struct known {
    host::host_state status = host::host_state::up;
    std::int64_t last_report_ns = 0;
  };
  std::size_t seen_ = 0;
  std::map<std::string, known> hosts_;
};

} // namespace

std::unique_ptr<scenario> make_runtime_scenario() { return std::make_unique<runtime_scenario>(); }

} // namespace storemesh::sim
