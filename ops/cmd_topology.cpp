// storemesh topology configure|status|propose|show

#include "actors/agents/block_exchange/gateway_post.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/envelope/envelope_json.hpp"
#include "ops/consensus_reader.hpp"
#include "ops/inject.hpp"
#include "ops/topology_fetch.hpp"
#include "services/consensus/topology/topology.hpp"
#include "services/consensus/agreement_codec.hpp"
#include "services/consensus/names.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

namespace storemesh::ops {
namespace {

namespace tp = services::topology;
namespace rt = services::router;
using events::envelope::json_string;

constexpr double ns_per_second = 1e9;

struct configure_options {
  inject_options inject;
  std::string network = std::string(services::consensus::default_network);
  std::optional<std::uint32_t> quorum;
  std::string window;
};

struct status_options {
  data_options data;
  std::string network = std::string(services::consensus::default_network);
  bool json = false;
};

struct propose_options {
  inject_options inject;  ///< the proposal is the operator's signed command
  std::string router;
  std::string file;
  bool wait = false;
  bool json = false;
  bool timeout_given = false;  ///< --timeout also bounds --wait (else: the vote window + 30 s)
};

struct show_options {
  data_options data;
  std::string cid;
  std::string store;
  std::string router;
};

/// "30s", "1500ms", "2m", or plain seconds ("30", "0.5") -> ns.
std::int64_t parse_window(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  const std::string unit = end ? end : "";
  double scale = 0;
  if (unit.empty() || unit == "s")
    scale = ns_per_second;
  else if (unit == "ms")
    scale = 1e6;
  else if (unit == "m")
    scale = 60 * ns_per_second;
  if (end == text.c_str() || scale == 0 || !std::isfinite(v) || v <= 0 || v * scale > 9e18)
    throw cli_error("--window wants a positive duration such as 30s, 1500ms or 2m, got '" + text + "'", 2);
  return static_cast<std::int64_t>(std::llround(v * scale));
}

void check_network(const std::string& network) {
  if (auto why = services::consensus::check_name(network); !why.empty())
    throw cli_error("--network '" + network + "': " + why, 2);
}

void configure(const configure_options& o) {
  check_network(o.network);
  const auto current = read_topology(o.inject.data, o.network);
  tp::config c = current.config;  // a flag not given keeps its value
  if (o.quorum)
    c.quorum = *o.quorum;
  if (!o.window.empty())
    c.window_ns = parse_window(o.window);
  inject<tp::entity>(o.inject, o.network, tp::configure{c});
}

std::string quorum_text(const tp::state& s) {
  const auto n = s.routers.size();
  return s.config.quorum == 0 ? fmt::format("majority: {} of {} enrolled", s.quorum(), n)
                              : fmt::format("{} of {} enrolled (configured {})", s.quorum(), n, s.config.quorum);
}

std::string or_null(const std::string& s) { return s.empty() ? "null" : json_string(s); }

void print_json(const status_options& o, const tp::state& s, const std::map<std::string, rt::state>& routers) {
  std::vector<std::string> rows;
  auto router_row = [&](const std::string& name, bool enrolled) {
    auto it = routers.find(name);
    const rt::state* r = it == routers.end() || !it->second.registered ? nullptr : &it->second;
    rows.push_back(fmt::format(
        "{{\"router\":{},\"enrolled\":{},\"registered\":{},\"udp\":{},\"gateway\":{},\"active_cid\":{},\"epoch\":{},"
        "\"on_agreed\":{}}}",
        json_string(name), enrolled, r != nullptr, r ? json_string(r->spec.udp) : "null",
        r ? json_string(r->spec.gateway) : "null", r ? or_null(r->active_cid) : "null", r ? r->epoch : 0,
        r != nullptr && !s.agreed_cid.empty() && r->active_cid == s.agreed_cid && r->epoch == s.epoch));
  };
  for (const auto& name : s.routers)
    router_row(name, true);
  for (const auto& [name, r] : routers)  // registered in this network, not (yet) enrolled
    if (r.registered && r.spec.network == o.network && !s.is_enrolled(name))
      router_row(name, false);
  std::vector<std::string> proposals;
  for (const auto* p : s.in_order()) {
    std::vector<std::string> votes;
    for (const auto& v : p->votes)
      votes.push_back(fmt::format("{{\"router\":{},\"accept\":{},\"reason\":{},\"at_ns\":{}}}", json_string(v.router),
                                  v.accept, json_string(v.reason), v.at_ns));
    proposals.push_back(fmt::format(
        "{{\"proposal\":{},\"number\":{},\"status\":\"{}\",\"cid\":{},\"proposer\":{},\"base_cid\":{},"
        "\"deadline_ns\":{},\"accepts\":{},\"rejects\":{},\"epoch\":{},\"superseded_by\":{},\"expired_at_ns\":{},"
        "\"votes\":[{}]}}",
        json_string(p->id), p->number, tp::to_string(p->status), json_string(p->cid), json_string(p->proposer),
        or_null(p->base_cid), p->deadline_ns, p->accepts(), p->rejects(), p->epoch, or_null(p->closed_by),
        p->closed_at_ns, fmt::join(votes, ",")));
  }
  fmt::print("{{\"network\":{},\"configured\":{},\"quorum_setting\":{},\"quorum\":{},\"window_ns\":{},"
             "\"agreed_cid\":{},\"epoch\":{},\"agreed_by\":{},\"routers\":[{}],\"proposals\":[{}]}}\n",
             json_string(o.network), s.configured, s.config.quorum, s.routers.empty() ? 0 : s.quorum(),
             s.config.window_ns, or_null(s.agreed_cid), s.epoch, or_null(s.agreed_by), fmt::join(rows, ","),
             fmt::join(proposals, ","));
}

void status(const status_options& o) {
  check_network(o.network);
  const auto s = read_topology(o.data, o.network);
  const auto routers = read_routers(o.data);
  if (o.json)
    return print_json(o, s, routers);
  fmt::print("network {}: quorum {}, vote window {:g}s{}\n", o.network,
             s.routers.empty() ? "(no router enrolled)" : quorum_text(s),
             static_cast<double>(s.config.window_ns) / ns_per_second, s.configured ? "" : " (defaults)");
  if (s.agreed_cid.empty())
    fmt::print("agreed:  nothing yet\n");
  else
    fmt::print("agreed:  {} epoch {} ({})\n", s.agreed_cid, s.epoch,
               s.agreed_by.empty() ? "the seed" : "proposal " + s.agreed_by);
  fmt::print("\n{:<20} {:<8} {:>5}  {}\n", "ROUTER", "ENROLLED", "EPOCH", "ACTIVE CID");
  auto row = [&](const std::string& name, bool enrolled) {
    auto it = routers.find(name);
    const rt::state* r = it == routers.end() || !it->second.registered ? nullptr : &it->second;
    std::string cid = r == nullptr ? "(not registered)" : r->active_cid.empty() ? "(none announced)" : r->active_cid;
    if (r != nullptr && !r->active_cid.empty() && !s.agreed_cid.empty())
      cid += (r->active_cid == s.agreed_cid && r->epoch == s.epoch) ? "  = agreed" : "  (not the agreed one)";
    fmt::print("{:<20} {:<8} {:>5}  {}\n", name, enrolled ? "yes" : "no",
               r && !r->active_cid.empty() ? std::to_string(r->epoch) : "-", cid);
  };
  for (const auto& name : s.routers)
    row(name, true);
  for (const auto& [name, r] : routers)
    if (r.registered && r.spec.network == o.network && !s.is_enrolled(name))
      row(name, false);
  if (s.routers.empty() && routers.empty())
    fmt::print("(no router: storemesh router add NAME --udp HOST:PORT --gateway HOST:PORT)\n");
  const auto proposals = s.in_order();
  if (proposals.empty()) {
    fmt::print("\nno proposal yet\n");
    return;
  }
  fmt::print("\nproposals, oldest first:\n");
  for (const auto* p : proposals) {
    std::string outcome(tp::to_string(p->status));
    if (p->status == tp::proposal_status::agreed)
      outcome += fmt::format(" (epoch {})", p->epoch);
    if (p->status == tp::proposal_status::superseded)
      outcome += " by " + (p->closed_by.empty() ? std::string("the seed") : p->closed_by);
    fmt::print("  {} {}: {} by {}, based on {}, deadline {}; {} accept, {} reject\n", p->id, outcome, p->cid,
               p->proposer, p->base_cid.empty() ? "nothing" : p->base_cid, p->deadline_ns, p->accepts(),
               p->rejects());
    for (const auto& v : p->votes)
      fmt::print("    {:<16} {:<6} {}\n", v.router, v.accept ? "accept" : "reject", v.reason);
  }
}

/// The string value of "name" in a flat JSON object ("" when absent); the
/// escapes json_string writes (\" \\ \n \t \uXXXX for control bytes) undone.
std::string json_field(const std::string& json, const std::string& name) {
  const auto key = "\"" + name + "\":\"";
  auto at = json.find(key);
  if (at == std::string::npos)
    return {};
  std::string out;
  for (auto i = at + key.size(); i < json.size() && json[i] != '"'; ++i) {
    if (json[i] != '\\' || i + 1 >= json.size()) {
      out += json[i];
      continue;
    }
    const char c = json[++i];
    if (c == 'n')
      out += '\n';
    else if (c == 't')
      out += '\t';
    else if (c == 'u' && i + 4 < json.size()) {
      out += static_cast<char>(std::stoi(json.substr(i + 1, 4), nullptr, 16));
      i += 4;
    } else
      out += c;
  }
  return out;
}

std::string read_whole(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f)
    throw cli_error("cannot read " + path, 2);
  f.seekg(0, std::ios::end);
  const auto size = static_cast<std::size_t>(f.tellg());
  if (size > services::consensus::max_topology_bytes)
    throw cli_error(path + ": " + std::to_string(size) + " bytes, a topology file is at most " +
                        std::to_string(services::consensus::max_topology_bytes),
                    2);
  f.seekg(0);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

/// A fresh proposal id, a valid name: "<router>-<8 hex>".
std::string new_proposal_id(const std::string& router) {
  std::random_device rd;
  return fmt::format("{}-{:08x}", router.substr(0, 40), rd());
}

// The router stores the file (its gateway takes any topology file: storing
// content-addressed bytes decides nothing); the proposal is this command,
// signed with the operator's key like every other, naming the router as the
// proposer the others fetch it from.
void propose(const propose_options& o) {
  const auto& data = o.inject.data;
  const auto routers = read_routers(data);
  const auto it = routers.find(o.router);
  if (it == routers.end() || !it->second.registered)
    throw cli_error("router '" + o.router + "' is not registered (storemesh router list)", 2);
  const auto network = it->second.spec.network;
  const auto body = read_whole(o.file);
  const auto ep = must(agents::block_exchange::parse_endpoint(it->second.spec.gateway), "router " + o.router);
  const auto reply = must(agents::block_exchange::post(ep, "/api/v0/add", body),
                          "storing the file at " + o.router + " (" + it->second.spec.gateway + "; is it running?)");
  if (reply.status != 200) {
    const auto why = json_field(reply.body, "error");
    throw cli_error(fmt::format("{} refused the file ({}): {}", o.router, reply.status, why.empty() ? reply.body : why));
  }
  const auto cid = json_field(reply.body, "cid");
  const auto agreement = read_topology(data, network);
  const tp::propose c{new_proposal_id(o.router), cid, o.router, agreement.agreed_cid,
                      events::envelope::now_ns() + agreement.config.window_ns};
  (void)inject<tp::entity>(o.inject, network, tp::command{c}, /*quiet=*/true);  // a refusal throws, with its reason
  const auto& id = c.proposal;
  if (o.json)
    fmt::print("{{\"cid\":{},\"proposal\":{},\"base_cid\":{},\"deadline_ns\":{}}}\n", json_string(cid), json_string(id),
               c.base_cid.empty() ? "null" : json_string(c.base_cid), c.deadline_ns);
  else
    fmt::print("cid {}\nproposal {}\n", cid, id);
  std::fflush(stdout);
  if (!o.wait || o.inject.no_wait)
    return;
  const auto window = agreement.config.window_ns;
  const double limit = o.timeout_given ? o.inject.timeout_seconds : static_cast<double>(window) / ns_per_second + 30;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<std::int64_t>(limit * 1000));
  while (std::chrono::steady_clock::now() < deadline) {
    const auto s = read_topology(data, network);
    if (const auto* p = s.find(id); p != nullptr && !p->open()) {
      std::string outcome(tp::to_string(p->status));
      if (p->status == tp::proposal_status::agreed)
        outcome += fmt::format(" (epoch {})", p->epoch);
      if (p->status == tp::proposal_status::superseded)
        outcome += " by " + (p->closed_by.empty() ? std::string("the seed") : p->closed_by);
      if (!o.json) {
        fmt::print("{}: {}; {} accept, {} reject\n", id, outcome, p->accepts(), p->rejects());
        for (const auto& v : p->votes)
          fmt::print("  {:<16} {:<6} {}\n", v.router, v.accept ? "accept" : "reject", v.reason);
      }
      if (p->status != tp::proposal_status::agreed)
        throw cli_error("proposal " + id + " was " + outcome);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  throw cli_error(fmt::format("proposal {} still open (or never recorded) after {:g} s", id, limit));
}

void show(const show_options& o) {
  const auto text = fetch_topology_text(o.store.empty() ? read_routers(o.data) : std::map<std::string, rt::state>{},
                                        o.cid, o.router, o.store);
  std::fwrite(text.data(), 1, text.size(), stdout);
}

} // namespace

void register_topology(CLI::App& app) {
  auto* topology = app.add_subcommand("topology", "the topology a network's routers agreed on, and their votes");
  topology->require_subcommand(1);
  {
    auto o = std::make_shared<configure_options>();
    auto quorum = std::make_shared<std::int64_t>(-1);
    auto* cmd = topology->add_subcommand("configure", "set a network's quorum and vote window (flags not given keep "
                                                      "their value)");
    cmd->add_option("--network", o->network, "the network (default: default)");
    cmd->add_option("--quorum", *quorum, "accepts that agree a proposal: 0 = a majority of the enrolled routers "
                                         "(floor(n/2)+1), else this many (never more than are enrolled)");
    cmd->add_option("--window", o->window, "how long a proposal stays open, e.g. 30s, 1500ms, 2m");
    add_inject_options(*cmd, o->inject);
    cmd->callback([o, quorum] {
      if (*quorum < -1 || *quorum > 1000)
        throw cli_error("--quorum wants 0 (majority) to 1000, got " + std::to_string(*quorum), 2);
      if (*quorum >= 0)
        o->quorum = static_cast<std::uint32_t>(*quorum);
      configure(*o);
    });
  }
  {
    auto o = std::make_shared<status_options>();
    auto* cmd = topology->add_subcommand(
        "status", "each router's active CID and epoch, the agreed CID, the proposals with every vote (from the log)");
    cmd->add_option("--network", o->network, "the network (default: default)");
    cmd->add_flag("--json", o->json, "one JSON object");
    add_data_options(*cmd, o->data);
    cmd->callback([o] { status(*o); });
  }
  {
    auto o = std::make_shared<propose_options>();
    auto* cmd = topology->add_subcommand(
        "propose", "store a topology file at a running router, then propose it in its name (signed with your key)");
    cmd->add_option("ROUTER", o->router, "the router that proposes it (storemesh router run)")->required();
    cmd->add_option("FILE", o->file, "the topology file (services/consensus/topology/FORMAT.md)")->required();
    cmd->add_flag("--wait", o->wait, "wait until it is agreed, refused or expired; exit non-zero unless agreed");
    cmd->add_flag("--json", o->json, "print the proposal as JSON");
    add_inject_options(*cmd, o->inject);
    auto* timeout = cmd->get_option("--timeout");
    timeout->description("seconds to wait for the proposal to be recorded, and with --wait for the vote "
                         "(default: 30, and the vote window + 30)");
    cmd->callback([o, timeout] {
      o->timeout_given = timeout->count() > 0;
      propose(*o);
    });
  }
  {
    auto o = std::make_shared<show_options>();
    auto* cmd = topology->add_subcommand(
        "show", "print the topology file of a CID, fetched from a registered router's gateway and verified");
    cmd->add_option("CID", o->cid, "the file's CID (bafk...)")->required();
    cmd->add_option("--router", o->router, "ask this router first (default: every registered router in turn)");
    cmd->add_option("--store", o->store, "read it from this local object store instead");
    add_data_options(*cmd, o->data);
    cmd->callback([o] { show(*o); });
  }
}

} // namespace storemesh::ops
