// The access scenario: three access servers with three shares each, their
// operator (policies, share modes) and their agents as each server's data
// plane would act: clients opening, updating and closing sessions with random
// attributes, accesses reported with the verdict the agent's view of the
// policy gives (a scan, clean or infected -- EICAR-marked content --, the
// scanner down, a file too large), rescans of deferred data once the scanner
// is back. Some agents act on a stale view (the state before the last policy
// change: an unscanned access on a share just made scanned), some send
// hostile reports (unknown or closed sessions, bad paths, a rescan of
// nothing). The decider must refuse what the current protection does not
// allow; access_invariant checks that nothing unscanned got through anyway.
//
// Agents fold the server's state from the log with access::evolve, as the
// real data plane reads its server's state; check() shares none of that.

#include "services/access/access_server_codec.hpp"
#include "sim/scenarios/access_invariant.hpp"
#include "sim/scenarios/scenarios.hpp"

#include <sodium.h>

#include <array>

namespace storemesh::sim {
namespace {

namespace ac = services::access;

const std::vector<std::string> servers{"fs1", "fs2", "fs3"};
const std::vector<std::string> shares{"docs", "scratch", "media"};
// sha256 of the EICAR test file: the one content the simulated scanner finds.
constexpr const char* eicar_sha = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f";
constexpr std::uint64_t mib = 1 << 20;
/// Steps without the outcome in the log before the operator sends again:
/// about the simulated dedup window (60 ms of 1 ms steps).
constexpr std::uint64_t resend_after = 60;

std::string hex(rng& r, std::size_t digits) {
  static const char* d = "0123456789abcdef";
  std::string out;
  while (out.size() < digits) {
    auto x = r.next();
    for (int i = 0; i < 16 && out.size() < digits; ++i, x >>= 4)
      out.push_back(d[x & 15]);
  }
  return out;
}

std::string to_hex(const unsigned char* p, std::size_t n) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(d[p[i] >> 4]);
    out.push_back(d[p[i] & 15]);
  }
  return out;
}

/// One server as its operator and its data plane know it: the policy the
/// operator wants, the state read from the log, and the view before the last
/// policy change (what a stale agent still acts on).
struct server_agent {
  std::string name;
  ac::policy desired;
  ac::state view = ac::initial;
  ac::state stale = ac::initial;
  int stale_reports = 0;  ///< reports still to make from the stale view
  bool scanner_up = true;
  std::uint64_t attach_sent = 0, policy_sent = 0;
};

class access_scenario final : public scenario {
public:
  std::string_view name() const override { return "access"; }

  void setup(step_context& ctx, std::vector<services::issued_command>& out) override {
    auto& r = ctx.random;
    for (int i = 0; i < 8; ++i)
      contents_.push_back(hex(r, 64));
    // The kiosk's key: a seed from the rng, so the run replays.
    std::array<unsigned char, crypto_sign_SEEDBYTES> seed{};
    for (auto& b : seed)
      b = static_cast<unsigned char>(r.below(256));
    if (sodium_init() < 0)
      return;
    crypto_sign_seed_keypair(kiosk_pk_.data(), kiosk_sk_.data(), seed.data());
    for (const auto& name : servers) {
      servers_.push_back(server_agent{name, random_policy(r)});
      issue_attach(servers_.back(), ctx, out);
      issue_policy(servers_.back(), ctx, out);
    }
  }

  void step(step_context& ctx, std::vector<services::issued_command>& out) override {
    read(ctx.log);
    auto& r = ctx.random;
    for (auto& sv : servers_) {
      // The operator re-sends what the log does not show after a while (a
      // command lost on the way; a late duplicate is refused or changes nothing).
      if (!sv.view.attached && ctx.step >= sv.attach_sent + resend_after)
        issue_attach(sv, ctx, out);
      if (sv.view.attached && !(sv.view.policy == sv.desired) && ctx.step >= sv.policy_sent + resend_after)
        issue_policy(sv, ctx, out);
      if (r.chance(sv.scanner_up ? 10 : 60))  // the scanner is down now and then, for a few steps
        sv.scanner_up = !sv.scanner_up;
    }
    if (servers_.empty())
      return;
    // About one step in two issues a command, spread over three servers
    // (entities, so partitions): more outran what the simulated daemons
    // decide, and reports expired in the queue.
    auto& sv = servers_[r.below(servers_.size())];
    const auto roll = r.below(1000);
    if (roll < 15)
      change_policy(sv, ctx, out);
    else if (roll < 70)
      open(sv, ctx, out);
    else if (roll < 80)
      update(sv, ctx, out);
    else if (roll < 98)
      close(sv, ctx, out);
    else if (roll < 398)
      access(sv, ctx, out, r.chance(sv.stale_reports > 0 ? 800 : 50));
    else if (roll < 468)
      rescan(sv, ctx, out);
    else if (roll < 498)
      hostile(sv, ctx, out);
  }

  std::optional<std::string> check(const log_view& log) override { return invariant_.advance(log); }

private:
  void read(const log_view& log) {
    const auto& topic = log.events_topic(ac::entity::kind);
    for (; seen_ < log.size(); ++seen_) {
      const auto& rec = log.at(seen_);
      if (rec.topic != topic || !rec.env || !ac::entity::is_event(rec.env->reader()))
        continue;
      for (auto& sv : servers_)
        if (rec.env->entity_id() == sv.name)
          if (auto e = ac::entity::read_event(rec.env->reader()))
            sv.view = ac::evolve(std::move(sv.view), e.value());
    }
  }

  ac::policy random_policy(rng& r) {
    ac::policy p;
    p.mandatory = r.chance(100);
    static const std::vector<std::uint32_t> ages{6, 24, 48};
    p.max_signature_age_h = r.pick(ages);
    p.trusted_networks = {"10.0.0.0/8"};
    if (r.chance(300))
      p.trusted_networks.push_back("192.168.0.0/16");
    if (r.chance(700))
      p.known_keys = {to_hex(kiosk_pk_.data(), kiosk_pk_.size())};
    for (const auto& s : shares)
      p.shares[s] = random_mode(r);
    if (r.chance(300))
      p.scan_extensions = {"exe", "pdf", ""};
    if (r.chance(500))
      p.exclude_extensions = {"log"};
    p.max_scan_bytes = r.chance(500) ? 0 : mib;
    p.oversize = r.chance(500) ? ac::oversize_action::allow : ac::oversize_action::refuse;
    p.on_outage = r.chance(500) ? ac::outage_action::allow_and_mark : ac::outage_action::refuse;
    p.max_file_bytes = 16 * mib;
    return p;
  }

  static ac::share_mode random_mode(rng& r) {
    const auto x = r.below(10);
    return x < 6 ? ac::share_mode::by_client : x < 8 ? ac::share_mode::always : ac::share_mode::never;
  }

  void issue_attach(server_agent& sv, step_context& ctx, std::vector<services::issued_command>& out) {
    sv.attach_sent = ctx.step;
    out.push_back(services::issue<ac::entity>(sv.name, ac::attach{"127.0.0.1:8443", shares, ctx.now_ns}));
  }

  void issue_policy(server_agent& sv, step_context& ctx, std::vector<services::issued_command>& out) {
    sv.policy_sent = ctx.step;
    out.push_back(services::issue<ac::entity>(sv.name, ac::set_policy{sv.desired, ctx.now_ns}));
  }

  /// One change at a time, as an operator makes them; most often a share's
  /// protection, and then the agents' view of that share is stale a while.
  void change_policy(server_agent& sv, step_context& ctx, std::vector<services::issued_command>& out) {
    auto& r = ctx.random;
    sv.stale = sv.view;
    switch (r.below(6)) {
      case 0:
      case 1:
      case 2: {
        const auto& s = r.pick(shares);
        sv.desired.shares[s] = r.chance(500) ? ac::share_mode::always : random_mode(r);
        if (sv.desired.shares[s] == ac::share_mode::always)
          sv.stale_reports = 6;
        break;
      }
      case 3:
        sv.desired.mandatory = !sv.desired.mandatory;
        sv.stale_reports = sv.desired.mandatory ? 6 : 0;
        break;
      case 4:
        sv.desired.on_outage = sv.desired.on_outage == ac::outage_action::refuse ? ac::outage_action::allow_and_mark
                                                                               : ac::outage_action::refuse;
        break;
      default:
        sv.desired = random_policy(r);
        sv.stale_reports = 6;
        break;
    }
    issue_policy(sv, ctx, out);
  }

  ac::attributes random_attrs(rng& r, const std::string& session) {
    ac::attributes a;
    if (r.chance(850))
      a["av"] = r.chance(850) ? "active" : "inactive";
    if (r.chance(850))
      a["av.age_h"] = std::to_string(r.between(0, 60));
    if (r.chance(700))
      a["addr"] = r.chance(500) ? "10.1." + std::to_string(r.below(256)) + "." + std::to_string(r.below(256))
                                : "192.168.7." + std::to_string(r.below(256));
    if (r.chance(300)) {  // the kiosk proves its key, or a forger tries: a flipped bit, a proof replayed
      const auto msg = ac::session_proof_message(session);
      std::array<unsigned char, crypto_sign_BYTES> sig{};
      crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                           kiosk_sk_.data());
      if (r.chance(200))
        sig[r.below(sig.size())] ^= 1;
      a["key"] = to_hex(kiosk_pk_.data(), kiosk_pk_.size());
      a["key.proof"] = to_hex(sig.data(), sig.size());
      if (!last_proof_.empty() && r.chance(200))
        a["key.proof"] = last_proof_;  // another session's: it proves nothing here
      last_proof_ = to_hex(sig.data(), sig.size());
    }
    return a;
  }

  static std::vector<std::string> open_sessions(const server_agent& sv) {
    std::vector<std::string> ids;
    for (const auto& [id, s] : sv.view.sessions)
      if (s.open)
        ids.push_back(id);
    return ids;
  }

  void open(server_agent& sv, step_context& ctx, std::vector<services::issued_command>& out) {
    auto& r = ctx.random;
    if (open_sessions(sv).size() >= 6)
      return;
    const auto id = sv.name + ":" + hex(r, 16);
    out.push_back(services::issue<ac::entity>(
        sv.name, ac::open_session{id, "c" + std::to_string(r.below(20)), r.pick(shares), random_attrs(r, id), ctx.now_ns}));
  }

  void update(server_agent& sv, step_context& ctx, std::vector<services::issued_command>& out) {
    const auto ids = open_sessions(sv);
    if (ids.empty())
      return;
    const auto& id = ctx.random.pick(ids);
    out.push_back(services::issue<ac::entity>(sv.name, ac::update_client{id, random_attrs(ctx.random, id), ctx.now_ns}));
  }

  void close(server_agent& sv, step_context& ctx, std::vector<services::issued_command>& out) {
    const auto ids = open_sessions(sv);
    if (ids.empty())
      return;
    out.push_back(services::issue<ac::entity>(sv.name, ac::close_session{ctx.random.pick(ids), ctx.now_ns}));
  }

  std::string random_path(rng& r) {
    static const std::vector<std::string> dirs{"q4", "tmp", "a/b"};
    static const std::vector<std::string> names{"report", "setup", "notes", ".profile", "Makefile"};
    static const std::vector<std::string> exts{"pdf", "exe", "log", "txt", "EXE", ""};
    const auto& e = r.pick(exts);
    return r.pick(dirs) + "/" + r.pick(names) + (e.empty() ? "" : "." + e);
  }

  std::uint64_t random_size(rng& r) {
    const auto x = r.below(100);
    if (x < 88)
      return 1 + r.below(200000);
    if (x < 98)
      return 2 * mib + r.below(6 * mib);
    return 20 * mib;
  }

  /// The data plane's report of one access, from its view of the server
  /// (`stale`: the view before the last policy change).
  void access(server_agent& sv, step_context& ctx, std::vector<services::issued_command>& out, bool stale) {
    auto& r = ctx.random;
    const auto ids = open_sessions(sv);
    if (ids.empty())
      return;
    const auto& view = stale ? sv.stale : sv.view;
    if (stale && sv.stale_reports > 0)
      --sv.stale_reports;
    ac::record_access c;
    c.access = hex(r, 32);
    c.session = r.pick(ids);
    c.op = r.chance(600) ? ac::access_op::put : ac::access_op::get;
    c.path = random_path(r);
    c.bytes = random_size(r);
    const bool infected = r.chance(100);
    c.sha256 = infected ? eicar_sha : r.pick(contents_);
    c.at_ns = ctx.now_ns;
    const auto plan = ac::plan_access(view, c.session, c.path, c.bytes);
    if (!plan.open)
      return;  // the agent answers 404/409 and records nothing
    if (plan.refuse) {
      c.result = ac::verdict::too_large;
    } else if (!plan.scan) {
      c.result = ac::verdict::not_scanned;
      if (c.op == ac::access_op::get && r.chance(500))
        c.sha256.clear();  // a get let through unscanned is not hashed
    } else if (!sv.scanner_up) {
      c.result = view.policy.on_outage == ac::outage_action::allow_and_mark ? ac::verdict::deferred
                                                                            : ac::verdict::scanner_unavailable;
    } else {
      scan(sv.name, c.access, c.sha256, c.result, c.signature, c.db_version, c.quarantine);
      c.cached = r.chance(300);
    }
    out.push_back(services::issue<ac::entity>(sv.name, std::move(c)));
  }

  static void scan(const std::string& server, const std::string& access, const std::string& sha, ac::verdict& v,
                   std::string& signature, std::string& db, std::string& quarantine) {
    db = "27000";
    if (sha == eicar_sha) {
      v = ac::verdict::infected;
      signature = "Eicar-Test-Signature";
      quarantine = server + "/" + access;
    } else {
      v = ac::verdict::clean;
    }
  }

  /// The scanner back: one deferred access scanned (again, if the first
  /// report was lost or is still on its way: the second is not_pending).
  void rescan(server_agent& sv, step_context& ctx, std::vector<services::issued_command>& out) {
    if (!sv.scanner_up || sv.view.pending.empty())
      return;
    auto it = sv.view.pending.begin();
    std::advance(it, static_cast<long>(ctx.random.below(sv.view.pending.size())));
    ac::record_rescan c;
    c.access = it->first;
    c.at_ns = ctx.now_ns;
    scan(sv.name, c.access, it->second.sha256, c.result, c.signature, c.db_version, c.quarantine);
    out.push_back(services::issue<ac::entity>(sv.name, std::move(c)));
  }

  /// Reports no correct agent sends: each must be refused.
  void hostile(server_agent& sv, step_context& ctx, std::vector<services::issued_command>& out) {
    auto& r = ctx.random;
    ac::record_access c;
    c.access = hex(r, 32);
    c.session = sv.name + ":" + hex(r, 16);
    c.path = random_path(r);
    c.bytes = random_size(r);
    c.sha256 = r.pick(contents_);
    c.result = ac::verdict::not_scanned;
    c.at_ns = ctx.now_ns;
    switch (r.below(5)) {
      case 0: break;  // an unknown session
      case 1: {       // a closed one
        for (const auto& [id, s] : sv.view.sessions)
          if (!s.open)
            c.session = id;
        break;
      }
      case 2: {  // a path out of the share, or a scan verdict without its database
        const auto ids = open_sessions(sv);
        if (!ids.empty())
          c.session = r.pick(ids);
        if (r.chance(500))
          c.path = "../etc/passwd";
        else
          c.result = ac::verdict::clean;
        break;
      }
      case 3:  // a rescan of an access never deferred
        out.push_back(services::issue<ac::entity>(
            sv.name, ac::record_rescan{hex(r, 32), ac::verdict::clean, "", "27000", "", ctx.now_ns}));
        return;
      default:  // a session on a share the server does not serve
        out.push_back(services::issue<ac::entity>(
            sv.name, ac::open_session{sv.name + ":" + hex(r, 16), "c1", "nope", {}, ctx.now_ns}));
        return;
    }
    out.push_back(services::issue<ac::entity>(sv.name, std::move(c)));
  }

  std::vector<std::string> contents_;
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> kiosk_pk_{};
  std::array<unsigned char, crypto_sign_SECRETKEYBYTES> kiosk_sk_{};
  std::string last_proof_;
  std::vector<server_agent> servers_;
  std::size_t seen_ = 0;
  access_invariant invariant_;
};

} // namespace

std::unique_ptr<scenario> make_access_scenario() { return std::make_unique<access_scenario>(); }

} // namespace storemesh::sim
