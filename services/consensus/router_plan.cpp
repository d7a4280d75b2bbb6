#include "services/consensus/router_plan.hpp"

#include <algorithm>

namespace storemesh::services::consensus {

std::string seed_key(const std::string& network, const std::string& cid) { return "seed/" + network + "/" + cid; }

std::string vote_key(const std::string& network, const std::string& proposal, const std::string& router) {
  return "vote/" + network + "/" + proposal + "/" + router;
}

std::string expire_key(const std::string& network, const std::string& proposal, const std::string& router) {
  return "expire/" + network + "/" + proposal + "/" + router;
}

std::string announce_key(const std::string& router, const std::string& cid, std::uint64_t epoch) {
  return "announce/" + router + "/" + cid + "/" + std::to_string(epoch);
}

std::set<std::string> routers_of(const std::map<std::string, router::state>& routers, const std::string& network) {
  std::set<std::string> out;
  for (const auto& [name, r] : routers)
    if (r.registered && r.spec.network == network)
      out.insert(name);
  return out;
}

std::map<std::string, std::string> udp_endpoints(const std::map<std::string, router::state>& routers,
                                                 const std::string& network) {
  std::map<std::string, std::string> out;
  for (const auto& [name, r] : routers)
    if (r.registered && r.spec.network == network)
      out.emplace(name, r.spec.udp);
  return out;
}

namespace {

void add_gateway(sources& out, const std::map<std::string, router::state>& routers, const std::string& name) {
  auto it = routers.find(name);
  if (it == routers.end() || !it->second.registered)
    return;
  if (std::find(out.begin(), out.end(), it->second.spec.gateway) == out.end())
    out.push_back(it->second.spec.gateway);
}

/// Where the agreed file can be had: the routers that announced it, then
/// the proposer of the proposal that agreed it, then every other router of
/// the network (one of them may hold it without having said so yet).
sources agreed_sources(const network_view& log, const router_facts& f) {
  sources out;
  const auto& t = log.topology;
  for (const auto& [name, r] : log.routers)
    if (name != f.self && r.registered && r.active_cid == t.agreed_cid)
      add_gateway(out, log.routers, name);
  if (const auto* p = t.find(t.agreed_by); p != nullptr && p->proposer != f.self)
    add_gateway(out, log.routers, p->proposer);
  for (const auto& name : routers_of(log.routers, f.network))
    if (name != f.self)
      add_gateway(out, log.routers, name);
  return out;
}

/// The named routers (but this one) whose announced epoch is below `epoch`.
std::vector<std::string> not_yet_on(const network_view& log, const router_facts& f, std::uint64_t epoch) {
  std::vector<std::string> missing;
  for (const auto& name : f.running_names) {
    if (name == f.self)
      continue;
    auto it = log.routers.find(name);
    if (it == log.routers.end() || !it->second.registered || it->second.active_cid.empty() ||
        it->second.epoch < epoch)
      missing.push_back(name);
  }
  return missing;
}

} // namespace

std::vector<plan_step> plan_router(const network_view& log, const router_facts& f) {
  std::vector<plan_step> out;
  const auto& t = log.topology;
  const auto unsent = [&](const std::string& key) { return f.sent.count(key) == 0; };

  // Seed: nothing agreed yet and a file of its own.
  if (t.epoch == 0 && !f.own_cid.empty())
    if (auto key = seed_key(f.network, f.own_cid); unsent(key))
      out.push_back(send_seed{std::move(key), f.own_cid});

  // Activation: the agreed epoch is newer than what runs; until it is
  // done, nothing but expiry (votes are cast against the agreed topology).
  bool activating = false;
  if (t.epoch > 0 && !t.agreed_cid.empty() && (!f.running || f.running_epoch < t.epoch)) {
    out.push_back(activate{t.agreed_cid, t.epoch, agreed_sources(log, f)});
    activating = true;
  } else if (t.epoch == 0 && !f.running && !f.own_cid.empty()) {
    out.push_back(activate{f.own_cid, 0, {}});
    activating = true;
  }

  if (!activating && f.running) {
    // Announce what runs, unless the log says so already.
    const auto me = log.routers.find(f.self);
    const bool said = me != log.routers.end() && me->second.active_cid == f.running_cid &&
                      me->second.epoch == f.running_epoch;
    if (!said)
      if (auto key = announce_key(f.self, f.running_cid, f.running_epoch); unsent(key))
        out.push_back(send_announce{std::move(key), f.running_cid, f.running_epoch});

    // Phase 2: stamp the running epoch once the routers it names run it too.
    if (!f.stamping || *f.stamping != f.running_epoch) {
      auto missing = f.running_epoch == 0 ? std::vector<std::string>{} : not_yet_on(log, f, f.running_epoch);
      if (missing.empty())
        out.push_back(stamp{f.running_epoch, false, {}});
      else if (f.now_ns - f.installed_at_ns >= f.switch_bound_ns)
        out.push_back(stamp{f.running_epoch, true, std::move(missing)});
    }
  }

  // Votes: caught up with the agreed epoch, enrolled, not voted, in time.
  const bool caught_up = t.epoch == 0 || (f.running && f.running_epoch >= t.epoch);
  const auto open = t.open_proposals();
  if (!activating && caught_up && t.is_enrolled(f.self)) {
    for (const auto* p : open) {
      if (p->vote_of(f.self) != nullptr || f.now_ns >= p->deadline_ns)
        continue;
      auto key = vote_key(f.network, p->id, f.self);
      if (!unsent(key))
        continue;
      sources from;
      if (p->proposer != f.self)
        add_gateway(from, log.routers, p->proposer);
      out.push_back(review_and_vote{std::move(key), p->id, p->cid, std::move(from)});
    }
  }

  // Expiry: whoever sees a deadline pass first closes the proposal.
  for (const auto* p : open)
    if (f.now_ns >= p->deadline_ns)
      if (auto key = expire_key(f.network, p->id, f.self); unsent(key))
        out.push_back(send_expire{std::move(key), p->id});
  return out;
}

} // namespace storemesh::services::consensus
