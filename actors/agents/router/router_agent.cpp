#include "actors/agents/router/router_agent.hpp"

#include "actors/agents/block_exchange/block_client.hpp"
#include "actors/agents/block_exchange/block_server.hpp"
#include "actors/agents/block_exchange/gateway_post.hpp"
#include "actors/agents/router/router_errc.hpp"
#include "events/crypto/hashing.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/envelope/envelope_json.hpp"
#include "services/consensus/agreement_codec.hpp"
#include "services/consensus/content/unixfs_file.hpp"
#include "services/consensus/names.hpp"
#include "services/consensus/router_node_codec.hpp"
#include "services/consensus/topology/topology_review.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <thread>

namespace storemesh::actors::router {

namespace cs = services::consensus;
namespace tp = services::topology;
namespace rt = services::router;
namespace bx = agents::block_exchange;
using events::envelope::json_string;

std::array<std::uint8_t, 16> command_id_of(const std::string& key) {
  // The literal's "\0" never reached the key (operator+ stops at it); the
  // bytes stay as they were, so a restarted router's ids match its old ones.
  return events::crypto::derived_id("storemesh router command" + key);
}

namespace {

cs::topology_epoch epoch_of(std::uint64_t e) { return cs::topology_epoch{static_cast<std::uint32_t>(e)}; }

bx::post_answer error_answer(unsigned status, const std::string& why) {
  return bx::post_answer{status, "application/json", "{\"error\":" + json_string(why) + "}\n"};
}


} // namespace

router_agent::router_agent(router_agent_options opts, std::unique_ptr<events::event_log> read_log,
                           std::unique_ptr<coordination::command_writer> writer, topics names, sink_factory plane)
    : opts_(std::move(opts)), writer_(std::move(writer)), view_(std::move(read_log), names, opts_.network, opts_.name),
      make_plane_(std::move(plane)), names_(std::move(names)) {}

router_agent::~router_agent() {
  if (gateway_)
    gateway_->stop();
  if (plane_)
    plane_->stop();
  view_.stop();
}

std::uint16_t router_agent::gateway_port() const { return gateway_ ? gateway_->port() : 0; }
std::uint16_t router_agent::udp_port() const { return plane_ ? plane_->port() : 0; }

result<void> router_agent::start() {
  view_.start();
  const auto deadline = std::chrono::steady_clock::now() + opts_.catch_up_timeout;
  while (!view_.caught_up_once()) {
    if (std::chrono::steady_clock::now() > deadline)
      return make_error(router_errc::not_caught_up, "router " + opts_.name + ": the log was not read to its end within " +
                                           std::to_string(opts_.catch_up_timeout.count()) + " ms");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto log = view_.snapshot();
  const auto me = log.routers.find(opts_.name);
  if (me == log.routers.end() || !me->second.registered)
    return make_error(router_errc::not_registered, "router '" + opts_.name +
                                                  "' is not registered (storemesh router add " + opts_.name +
                                                  " --udp HOST:PORT --gateway HOST:PORT)");
  if (me->second.spec.network != opts_.network)
    return make_error(router_errc::not_registered, "router '" + opts_.name + "' is registered in network '" +
                                                  me->second.spec.network + "', not '" + opts_.network + "'");
  const auto spec = me->second.spec;

  SM_TRY(auto store, cs::object_store::open(opts_.store));
  store_.emplace(std::move(store));
  if (!opts_.topology_file.empty()) {
    SM_TRY(auto root, store_->add_file(opts_.topology_file));
    SM_TRY(auto text, store_->read_file(root));
    auto parsed = cs::parse_topology(text);
    if (!parsed)
      return error{parsed.error().code, opts_.topology_file.string() + ": " + parsed.error().detail};
    own_cid_ = root.to_string();
    if (!log.topology.agreed_cid.empty() && log.topology.agreed_cid != own_cid_)
      spdlog::info("router {}: its file {} is not the agreed topology {} (epoch {}): it will run the agreed one",
                   opts_.name, own_cid_, log.topology.agreed_cid, log.topology.epoch);
  }

  SM_TRY(auto gw, bx::parse_endpoint(spec.gateway));
  bx::block_server_options so;
  so.address = gw.host;
  so.port = gw.port;
  so.threads = 2;  // a POST waits for its proposal's decision; GETs go on meanwhile
  so.on_post = [this](std::string_view target, std::string body) { return on_post(target, std::move(body)); };
  const auto* st = &*store_;
  SM_TRY(gateway_, bx::block_server::start([st](const cs::cid& c) { return st->get(c); }, so));
  SM_TRY(plane_, make_plane_(opts_.name, spec.udp));
  spdlog::info("router {}: gateway on {}, data plane on {}, store {}", opts_.name, spec.gateway, spec.udp,
               opts_.store.string());
  return success();
}

void router_agent::run(const std::atomic<bool>& stop) {
  std::uint64_t seen = 0;
  while (!stop) {
    tick();
    seen = view_.wait_beyond(seen, opts_.tick);
  }
  if (gateway_)
    gateway_->stop();
  if (plane_)
    plane_->stop();
}

void router_agent::tick() {
  const auto log = view_.snapshot();
  if (auto peers = cs::udp_endpoints(log.routers, opts_.network); peers != peers_) {
    if (auto r = plane_->set_peers(peers); !r)
      spdlog::warn("router {}: the data plane refused the routers' endpoints: {}", opts_.name, r.error().message());
    peers_ = peers;
  }
  cs::router_facts f;
  f.self = opts_.name;
  f.network = opts_.network;
  f.now_ns = events::envelope::now_ns();
  f.own_cid = own_cid_;
  f.running = run_.running;
  f.running_cid = run_.cid;
  f.running_epoch = run_.epoch;
  f.installed_at_ns = run_.installed_at_ns;
  f.stamping = run_.stamping;
  f.running_names = run_.names;
  f.sent = sent_;
  f.switch_bound_ns = log.topology.config.window_ns;
  for (const auto& step : cs::plan_router(cs::network_view{log.topology, log.routers}, f))
    do_step(step, log);
}

bool router_agent::send(const std::string& key, std::string_view kind, const std::string& entity,
                        const std::function<void(schema::Envelope::Builder)>& fill) {
  const auto id = command_id_of(key);
  view_.sent(id, key);
  auto r = writer_->submit(kind, entity, id, fill);
  if (!r) {
    spdlog::warn("router {}: sending {}: {} (again on the next tick)", opts_.name, key, r.error().message());
    return false;
  }
  sent_.insert(key);
  return true;
}

void router_agent::do_step(const cs::plan_step& step, const router_view::snapshot_type& log) {
  std::visit(services::overloaded{
                 [&](const cs::send_seed& s) {
                   spdlog::info("router {}: network {} agreed nothing yet: seeding {}", opts_.name, opts_.network,
                                s.cid);
                   send(s.key, tp::entity::kind, opts_.network,
                        [&](schema::Envelope::Builder b) { tp::entity::write_command(tp::seed{s.cid}, b); });
                 },
                 [&](const cs::activate& a) { activate(a); },
                 [&](const cs::send_announce& a) {
                   spdlog::info("router {}: announcing {} epoch {}", opts_.name, a.cid, a.epoch);
                   const rt::announce c{a.cid, a.epoch, events::envelope::now_ns()};
                   send(a.key, rt::entity::kind, opts_.name,
                        [&](schema::Envelope::Builder b) { rt::entity::write_command(c, b); });
                 },
                 [&](const cs::stamp& s) {
                   if (auto r = s.epoch == 0 ? success() : plane_->stamp_with(epoch_of(s.epoch)); !r) {
                     spdlog::error("router {}: stamping epoch {}: {}", opts_.name, s.epoch, r.error().message());
                     return;
                   }
                   run_.stamping = s.epoch;
                   if (s.epoch == 0)
                     return;
                   if (s.forced)
                     spdlog::warn("router {}: stamping epoch {} without the announcement of {} (the switch bound "
                                  "passed)",
                                  opts_.name, s.epoch, fmt::format("{}", fmt::join(s.missing, ", ")));
                   else
                     spdlog::info("router {}: stamping epoch {}: every router it names runs it", opts_.name, s.epoch);
                 },
                 [&](const cs::review_and_vote& v) { vote(v, log); },
                 [&](const cs::send_expire& e) {
                   const tp::expire c{e.proposal, events::envelope::now_ns()};
                   spdlog::info("router {}: proposal {} is past its deadline: expiring it", opts_.name, e.proposal);
                   send(e.key, tp::entity::kind, opts_.network,
                        [&](schema::Envelope::Builder b) { tp::entity::write_command(c, b); });
                 },
             },
             step);
}

result<std::string> router_agent::fetch_file(const std::string& text, const cs::sources& from) {
  SM_TRY(const auto root, cs::parse_cid(text));
  if (store_->has(root))
    if (auto local = store_->read_file(root); local && local.value().size() <= cs::max_topology_bytes)
      return local;
  if (from.empty())
    return make_error(router_errc::fetch_failed, text + " is not in the store and no router has it");
  bx::fetch_options fo;
  fo.timeout = opts_.fetch_timeout;
  std::string errors;
  for (const auto& gw : from) {
    auto ep = bx::parse_endpoint(gw);
    // Bounded: a proposer cannot make the voters fetch more than a topology file's worth.
    auto got = ep ? bx::fetch_file_bounded(ep.value(), root, *store_, cs::max_topology_bytes, fo)
                  : result<std::string>(ep.error());
    if (got)
      return got;
    errors += (errors.empty() ? "" : "; ") + std::string("from ") + gw + ": " + got.error().message();
  }
  return make_error(router_errc::fetch_failed, "cannot fetch " + text + " (" + errors + ")");
}

void router_agent::activate(const cs::activate& a) {
  const auto what = a.cid + "@" + std::to_string(a.epoch);
  const auto now = events::envelope::now_ns();
  if (what == failed_activation_ && now < retry_activation_at_ns_)
    return;
  auto fail = [&](const std::string& why) {
    if (what != failed_activation_)
      spdlog::warn("router {}: cannot activate {} epoch {}: {} (trying again every second)", opts_.name, a.cid,
                   a.epoch, why);
    failed_activation_ = what;
    retry_activation_at_ns_ = now + 1'000'000'000;
  };
  auto bytes = fetch_file(a.cid, a.from);
  if (!bytes)
    return fail(bytes.error().message());
  auto parsed = cs::parse_topology(bytes.value());
  if (!parsed)
    return fail(parsed.error().message());
  // Phase 1: the plane can route datagrams stamped with this epoch.
  // Epoch 0 (its own file, not agreed) is not routed: a datagram's epoch 0
  // means "not stamped yet", so the plane gets nothing until the seed is agreed.
  if (a.epoch > 0)
    if (auto r = plane_->install(epoch_of(a.epoch), parsed.value()); !r)
      return fail("installing it in the data plane: " + r.error().message());
  run_.running = true;
  run_.cid = a.cid;
  run_.epoch = a.epoch;
  run_.installed_at_ns = now;
  run_.names = cs::named_routers(parsed.value());
  run_.topology = std::move(parsed).value();
  failed_activation_.clear();
  if (a.epoch == 0)
    spdlog::info("router {}: runs its own file {} (version {}) as epoch 0: not routed until the network agrees on a "
                 "topology",
                 opts_.name, a.cid, run_.topology.version);
  else
    spdlog::info("router {}: installed {} (version {}) as epoch {}", opts_.name, a.cid, run_.topology.version,
                 a.epoch);
}

void router_agent::vote(const cs::review_and_vote& v, const router_view::snapshot_type& log) {
  cs::review_verdict verdict;
  auto bytes = fetch_file(v.cid, v.from);
  if (!bytes) {
    verdict.reason = "reject: " + bytes.error().message();
  } else if (auto parsed = cs::parse_topology(bytes.value()); !parsed) {
    verdict.reason = "reject: " + parsed.error().message();
  } else {
    const cs::topology empty;
    verdict = cs::review_topology(run_.running ? run_.topology : empty, parsed.value(),
                                  cs::routers_of(log.routers, opts_.network));
  }
  spdlog::info("router {}: vote on {} ({}): {}", opts_.name, v.proposal, v.cid, verdict.reason);
  const tp::cast_vote c{v.proposal, opts_.name, verdict.accept, verdict.reason, events::envelope::now_ns()};
  send(v.key, tp::entity::kind, opts_.network, [&](schema::Envelope::Builder b) { tp::entity::write_command(c, b); });
}

bx::post_answer router_agent::on_post(std::string_view target, std::string body) {
  const auto path = target.substr(0, target.find('?'));
  if (path != "/api/v0/add")
    return error_answer(404, "POST only to /api/v0/add");
  auto parsed = cs::parse_topology(body);
  if (!parsed)
    return error_answer(400, parsed.error().message());
  const auto* st = &*store_;
  auto root = cs::bytes_cid(body, [st](const cs::cid& c, std::string_view b) { return st->put_verified(c, b); });
  if (!root)
    return error_answer(500, "storing the file: " + root.error().message());
  spdlog::info("router {}: stored {} (version {})", opts_.name, root.value().to_string(), parsed.value().version);
  return bx::post_answer{200, "application/json", "{\"cid\":" + json_string(root.value().to_string()) + "}\n"};
}

} // namespace storemesh::actors::router
