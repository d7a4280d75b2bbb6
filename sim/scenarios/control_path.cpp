// The control path scenario: two storage systems reachable only over Fibre
// Channel and three control hosts. The scenario plays the operator (add the
// systems, link each to a host's FC port, move a link now and then), the
// interceptors (a host attaches when it starts), the clients (a control
// request naming a system, an operation and a LUN, entering at any host) and
// the hosts as they act on the log: the entry host converts the request when
// it holds the system's FC link, otherwise it records the forward to the host
// that holds it, which converts it once it sees the forward; the converting
// host sends the FCP_CMND under the OX_ID of the `converted` event and
// records the storage's answer (a bad LUN answers CHECK CONDITION), or fails
// the exchange when the link drops; a host that crashed with exchanges open
// fails them as "outcome unknown" when it starts again. A convert is never
// sent twice for one request: the real host re-sends it only under the same
// command id (derived from the request id), which the runtime drops as a
// duplicate, so the simulator's duplicated commands are the only retries.
// Some commands are wrong on purpose (a convert or forward by or to a host
// without the link, an unknown system, a CDB too short, an answer with the
// wrong OX_ID or for no exchange, another FC port): the decider must refuse
// them. The invariants are control_path_fold's.

#include "services/control_path/storage_system_codec.hpp"
#include "sim/scenarios/control_path_fold.hpp"
#include "sim/scenarios/agent_pacing.hpp"
#include "sim/scenarios/follow_entity.hpp"
#include "sim/scenarios/scenarios.hpp"

#include <map>
#include <string>
#include <vector>

namespace storemesh::sim {
namespace {
namespace st = services::storage;
namespace ch = services::control_host;
using services::issue;

struct host_world {
  std::string name;
  bool alive = true;
  std::uint64_t back_at = 0;
  bool restarted = false;  ///< came back: fails what it left open, attaches again
};

struct request {
  std::string storage, entry, operation;
  std::uint64_t lun = 0;
  std::string cdb;
  std::string converter;     ///< the host that sent the convert; empty: not yet
  std::uint64_t answer_at = 0;  ///< the step the storage's answer arrives at the host
};

struct operation {
  const char* name;
  std::string cdb;
};

const std::vector<operation>& operations() {
  static const std::vector<operation> all{
      {"inquiry", std::string("\x12\x00\x00\x00\x60\x00", 6)},
      {"test-unit-ready", std::string(6, '\0')},
      {"report-luns", std::string("\xa0\x00\x00\x00\x00\x00\x00\x00\x10\x00\x00\x00", 12)},
      {"read-capacity", std::string("\x9e\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x20\x00\x00", 16)},
      {"snapshot-create", std::string("\xc0\x00\x00\x00\x00\x00\x00\x00\x00\x00", 10)},
  };
  return all;
}

class control_path_scenario final : public scenario {
public:
  std::string_view name() const override { return "control_path"; }

  void setup(step_context& ctx, std::vector<services::issued_command>& out) override {
    for (const char* h : {"host-a", "host-b", "host-c"})
      hosts_.push_back(host_world{h});
    for (std::size_t i = 0; i < hosts_.size(); ++i)
      out.push_back(attach(i));
    for (const char* s : {"array1", "array2"}) {
      storages_.push_back(s);
      links_[s] = ctx.random.pick(hosts_).name;
      out.push_back(issue<st::entity>(s, st::add{fc_port(s)}));
      out.push_back(issue<st::entity>(s, st::link_host{links_[s]}));
      resends_.sent("add:" + std::string(s), 0);
      resends_.sent("link:" + std::string(s), 0);
    }
  }

  void step(step_context& ctx, std::vector<services::issued_command>& out) override {
    step_ = ctx.step;
    now_ = ctx.now_ns;
    view_.poll(ctx.log, [&](const std::string& id, const st::event& e) { (void)systems_.apply(id, e); });
    if (step_ % agent_tick != 0)
      return;
    operate(ctx.random, out);
    move_hosts(ctx.random, out);
    if (ctx.random.chance(300))
      client(ctx.random, out);
    carry(ctx.random, out);
    if (ctx.random.chance(40))
      hostile(ctx.random, out);
  }

  std::optional<std::string> check(const log_view& log) override {
    if (!violation_)
      checked_.poll(log, [&](const std::string& id, const st::event& e) {
        if (!violation_)
          violation_ = checker_.apply(id, e);
      });
    return violation_;
  }

private:
  static std::string fc_port(const std::string& storage) { return "/run/sim/" + storage + ".fc"; }

  services::issued_command attach(std::size_t i) {
    return issue<ch::entity>(hosts_[i].name, ch::attach{"127.0.0.1:" + std::to_string(7101 + i), "127.0.0.1:7000", now_});
  }

  host_world* host(const std::string& name) {
    for (auto& h : hosts_)
      if (h.name == name)
        return &h;
    return nullptr;
  }

  /// The operator: adds and links what the log does not show yet (lost
  /// commands), and moves a link to another host now and then.
  void operate(rng& r, std::vector<services::issued_command>& out) {
    for (const auto& s : storages_) {
      const auto* sys = systems_.find(s);
      if ((!sys || !sys->added) && resends_.due("add:" + s, step_))
        out.push_back(issue<st::entity>(s, st::add{fc_port(s)}));
      else if (sys && sys->added && sys->host != links_[s] && resends_.due("link:" + s, step_))
        out.push_back(issue<st::entity>(s, st::link_host{links_[s]}));
    }
    if (r.chance(15)) {
      const auto& s = r.pick(storages_);
      links_[s] = r.pick(hosts_).name;
      out.push_back(issue<st::entity>(s, st::link_host{links_[s]}));
    }
  }

  /// Hosts crash and come back; one that comes back attaches again and fails
  /// the exchanges it had left open: it cannot know whether they ran.
  void move_hosts(rng& r, std::vector<services::issued_command>& out) {
    for (std::size_t i = 0; i < hosts_.size(); ++i) {
      auto& h = hosts_[i];
      if (h.alive && r.chance(10)) {
        h.alive = false;
        h.back_at = step_ + static_cast<std::uint64_t>(r.between(10, 60));
      } else if (!h.alive && step_ >= h.back_at) {
        h.alive = true;
        out.push_back(attach(i));
        for (const auto& s : storages_)
          if (const auto* sys = systems_.find(s))
            for (const auto& [req, x] : sys->open)
              if (x.host == h.name)
                out.push_back(issue<st::entity>(s, st::fail{req, x.ox_id, true, "outcome unknown: host restarted", now_}));
      }
    }
  }

  /// A client's request enters at a live host.
  void client(rng& r, std::vector<services::issued_command>& out) {
    auto& entry = r.pick(hosts_);
    if (!entry.alive)
      return;
    std::string id(16, '\0');
    for (auto& b : id)
      b = static_cast<char>(r.below(256));
    const auto& op = r.pick(operations());
    request q{r.pick(storages_), entry.name, op.name, r.below(3), op.cdb, "", 0};
    const auto* sys = systems_.find(q.storage);
    if (!sys || !sys->added || sys->host.empty())
      return;  // the host answers unknown_storage / not_linked itself
    if (sys->host == entry.name) {
      q.converter = entry.name;
      out.push_back(convert(id, q));
    } else {
      out.push_back(issue<st::entity>(q.storage, st::forward{id, entry.name, sys->host, q.operation, now_}));
    }
    requests_.emplace(std::move(id), std::move(q));
  }

  services::issued_command convert(const std::string& id, const request& q) {
    return issue<st::entity>(q.storage, st::convert{id, q.converter, q.entry, q.operation, q.lun, q.cdb, now_});
  }

  /// Each request one move further: converted at the FC host once forwarded
  /// there, answered (or failed) once converted.
  void carry(rng& r, std::vector<services::issued_command>& out) {
    for (auto& [id, q] : requests_) {
      const auto* sys = systems_.find(q.storage);
      if (!sys)
        continue;
      if (q.converter.empty()) {
        auto to = sys->forwarded_to.find(id);
        if (to == sys->forwarded_to.end())
          continue;
        const auto* h = host(to->second);
        if (!h || !h->alive)
          continue;
        q.converter = to->second;  // it converts once, whatever comes of it
        out.push_back(convert(id, q));
        continue;
      }
      const auto x = sys->open.find(id);
      if (x == sys->open.end())
        continue;
      const auto* h = host(x->second.host);
      if (!h || !h->alive)
        continue;
      if (q.answer_at == 0)
        q.answer_at = step_ + static_cast<std::uint64_t>(r.between(1, 15));
      if (step_ < q.answer_at || !resends_.due("outcome:" + id, step_))
        continue;
      if (r.chance(80)) {
        out.push_back(issue<st::entity>(q.storage, st::fail{id, x->second.ox_id, r.chance(500), "FC link dropped", now_}));
      } else {
        st::scsi_answer a;
        if (q.lun >= 2) {  // a LUN the system does not have: CHECK CONDITION, ILLEGAL REQUEST, LU not supported
          a.status = 0x02;
          a.sense_key = 0x05;
          a.asc = 0x25;
        } else {
          a.data_length = 36;
        }
        a.rx_id = static_cast<std::uint16_t>(r.below(0xFFFF));
        out.push_back(issue<st::entity>(q.storage, st::answer{id, x->second.ox_id, a, now_}));
      }
    }
  }

  /// Wrong commands, each of which the decider must refuse.
  void hostile(rng& r, std::vector<services::issued_command>& out) {
    const auto& s = r.pick(storages_);
    const auto* sys = systems_.find(s);
    std::string id(16, '\0');
    for (auto& b : id)
      b = static_cast<char>(r.below(256));
    std::string other;
    for (const auto& h : hosts_)
      if (sys && h.name != sys->host)
        other = h.name;
    switch (r.below(7)) {
      case 0:  // a host without the link converts
        if (!other.empty())
          out.push_back(issue<st::entity>(s, st::convert{id, other, other, "inquiry", 0, operations()[0].cdb, now_}));
        break;
      case 1:  // a forward to a host without the link
        if (!other.empty())
          out.push_back(issue<st::entity>(s, st::forward{id, sys->host.empty() ? "host-a" : sys->host, other, "inquiry", now_}));
        break;
      case 2: out.push_back(issue<st::entity>("array9", st::convert{id, "host-a", "host-a", "inquiry", 0, operations()[0].cdb, now_})); break;
      case 3:
        if (sys)
          out.push_back(issue<st::entity>(s, st::convert{id, sys->host, sys->host, "inquiry", 0, std::string(5, '\0'), now_}));
        break;
      case 4:  // an answer with the wrong OX_ID
        if (sys && !sys->open.empty()) {
          const auto& [req, x] = *sys->open.begin();
          out.push_back(issue<st::entity>(s, st::answer{req, static_cast<std::uint16_t>(x.ox_id + 1), {}, now_}));
        }
        break;
      case 5: out.push_back(issue<st::entity>(s, st::fail{id, 0, false, "no such exchange", now_})); break;
      case 6: out.push_back(issue<st::entity>(s, st::add{"/run/sim/other.fc"})); break;
    }
  }

  std::vector<host_world> hosts_;
  std::vector<std::string> storages_;
  std::map<std::string, std::string> links_;  ///< where the operator wants each link
  std::map<std::string, request> requests_;  ///< by request id
  std::uint64_t step_ = 0;
  std::int64_t now_ = 0;
  resend_timer resends_;
  control_path_fold systems_, checker_;
  follow_entity<st::entity> view_, checked_;
  std::optional<std::string> violation_;
};

} // namespace

std::unique_ptr<scenario> make_control_path_scenario() { return std::make_unique<control_path_scenario>(); }

} // namespace storemesh::sim
