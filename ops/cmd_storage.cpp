// storemesh storage add|status|exchanges|control (and `serve`: cmd_storage_serve.cpp)

#include "actors/agents/control_path/control_client.hpp"
#include "events/crypto/hashing.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/envelope/envelope_json.hpp"
#include "ops/cmd_storage_serve.hpp"
#include "ops/entity_events.hpp"
#include "ops/inject.hpp"
#include "services/control_path/control_protocol.hpp"
#include "services/control_path/storage_system_codec.hpp"
#include "services/names.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <chrono>
#include <cstdlib>
#include <map>

namespace storemesh::ops {



namespace {

namespace st = services::storage;
namespace ch = services::control_host;
namespace cp = services::control_path;
using events::envelope::json_string;

struct fabric {
  std::map<std::string, st::state> storages;
  std::map<std::string, ch::state> hosts;
};

fabric read_fabric(const data_options& data) {
  fabric f;
  for_each_entity_event<st::entity>(data, [&](const std::string& id, const st::event& e, std::uint64_t) {
    auto& s = f.storages.try_emplace(id, st::initial).first->second;
    s = st::evolve(std::move(s), e);
  });
  for_each_entity_event<ch::entity>(data, [&](const std::string& id, const ch::event& e, std::uint64_t) {
    auto& s = f.hosts.try_emplace(id, ch::initial).first->second;
    s = ch::evolve(std::move(s), e);
  });
  return f;
}

void check(const std::string& what, const std::string& name) {
  if (auto why = services::check_name(name); !why.empty())
    throw cli_error(what + " name '" + name + "': " + why, 2);
}

// -- status ------------------------------------------------------------------------

struct status_options {
  data_options data;
  bool json = false;
};

void status(const status_options& o) {
  const auto f = read_fabric(o.data);
  auto endpoint_of = [&](const std::string& host) {
    auto it = f.hosts.find(host);
    return it != f.hosts.end() && it->second.attached ? it->second.endpoint : std::string();
  };
  if (o.json) {
    for (const auto& [name, s] : f.storages)
      fmt::print("{{\"storage\":{},\"fc_port\":{},\"host\":{},\"host_endpoint\":{},\"converted\":{},\"answered\":{},"
                 "\"failed\":{},\"forwarded\":{},\"open\":{}}}\n",
                 json_string(name), json_string(s.fc_port), s.host.empty() ? "null" : json_string(s.host),
                 endpoint_of(s.host).empty() ? "null" : json_string(endpoint_of(s.host)), s.converted, s.answered,
                 s.failed, s.forwarded, s.open.size());
    for (const auto& [name, h] : f.hosts)
      fmt::print("{{\"host\":{},\"endpoint\":{},\"upstream\":{}}}\n", json_string(name), json_string(h.endpoint),
                 json_string(h.upstream));
    return;
  }
  fmt::print("{:<16} {:<32} {:<12} {:>9} {:>9} {:>7} {:>9} {:>5}\n", "STORAGE", "FC PORT", "FC LINK AT", "CONVERTED",
             "ANSWERED", "FAILED", "FORWARDED", "OPEN");
  for (const auto& [name, s] : f.storages)
    fmt::print("{:<16} {:<32} {:<12} {:>9} {:>9} {:>7} {:>9} {:>5}\n", name, s.fc_port,
               s.host.empty() ? "(no link)" : s.host, s.converted, s.answered, s.failed, s.forwarded, s.open.size());
  if (f.storages.empty())
    fmt::print("(no storage system: storemesh storage add NAME --fc-port PATH)\n");
  fmt::print("\n{:<16} {:<22} {}\n", "HOST", "INTERCEPTS ON", "UPSTREAM");
  for (const auto& [name, h] : f.hosts)
    fmt::print("{:<16} {:<22} {}\n", name, h.endpoint, h.upstream);
  if (f.hosts.empty())
    fmt::print("(no host attached: storemesh host intercept --name HOST --listen HOST:PORT --upstream HOST:PORT)\n");
}

// -- exchanges: the audit trail of one storage system --------------------------------

struct exchanges_options {
  data_options data;
  std::string storage;
  bool json = false;
};

struct exchange_view {
  std::vector<std::string> route;  // entry host first
  std::string operation;
  std::optional<st::converted> converted;
  std::optional<st::answered> answered;
  std::optional<st::failed> failed;
  std::uint64_t order = 0;
};

std::string outcome_text(const exchange_view& x) {
  if (x.answered) {
    const auto& a = x.answered->scsi;
    if (a.status == 0)
      return fmt::format("GOOD, {} bytes", a.data_length);
    return fmt::format("status 0x{:02x} sense {:x}/{:02x}h/{:02x}h", a.status, a.sense_key, a.asc, a.ascq);
  }
  if (x.failed)
    return std::string(x.failed->sent ? "failed, outcome unknown: " : "failed, not sent: ") + x.failed->reason;
  return x.converted ? "open" : "forwarded, not converted";
}

void list_exchanges(const exchanges_options& o) {
  std::map<std::string, exchange_view> by_request;
  std::uint64_t n = 0;
  for_each_entity_event<st::entity>(o.data, [&](const std::string& id, const st::event& e, std::uint64_t) {
    if (id != o.storage)
      return;
    std::visit(services::overloaded{
                   [&](const st::forwarded& f) {
                     auto& x = by_request[f.request];
                     if (x.order == 0)
                       x.order = ++n;
                     if (x.route.empty())
                       x.route.push_back(f.from_host);
                     x.route.push_back(f.to_host);
                     x.operation = f.operation;
                   },
                   [&](const st::converted& c) {
                     auto& x = by_request[c.request];
                     if (x.order == 0)
                       x.order = ++n;
                     if (x.route.empty())
                       x.route.push_back(c.host);
                     x.converted = c;
                     x.operation = c.operation;
                   },
                   [&](const st::answered& a) { by_request[a.request].answered = a; },
                   [&](const st::failed& f) { by_request[f.request].failed = f; },
                   [](const auto&) {},
               },
               e);
  });
  std::vector<std::pair<std::uint64_t, std::string>> order;
  for (const auto& [r, x] : by_request)
    order.emplace_back(x.order, r);
  std::sort(order.begin(), order.end());
  if (!o.json)
    fmt::print("{:<32} {:>6} {:<20} {:>4} {:<24} {}\n", "REQUEST", "OX_ID", "OPERATION", "LUN", "ROUTE", "OUTCOME");
  for (const auto& [_, r] : order) {
    const auto& x = by_request[r];
    const auto ox = x.converted ? fmt::format("0x{:04x}", x.converted->ox_id) : std::string("-");
    const auto& op = x.operation;
    if (o.json) {
      std::vector<std::string> route;
      for (const auto& h : x.route)
        route.push_back(json_string(h));
      fmt::print("{{\"request\":{},\"ox_id\":{},\"operation\":{},\"lun\":{},\"route\":[{}],\"status\":{},\"outcome\":{}}}\n",
                 json_string(events::crypto::to_hex(r)), x.converted ? std::to_string(x.converted->ox_id) : "null",
                 json_string(op), x.converted ? std::to_string(x.converted->lun) : "null", fmt::join(route, ","),
                 json_string(x.answered ? "answered" : x.failed ? "failed" : x.converted ? "open" : "forwarded"),
                 json_string(outcome_text(x)));
      continue;
    }
    fmt::print("{:<32} {:>6} {:<20} {:>4} {:<24} {}\n", events::crypto::to_hex(r), ox, op,
               x.converted ? std::to_string(x.converted->lun) : "-", fmt::format("{}", fmt::join(x.route, "->")),
               outcome_text(x));
  }
}

// -- control: a client on TCP/IP ------------------------------------------------------

struct control_options {
  data_options data;
  std::string storage;
  std::vector<std::string> words;
  std::string via, at, request_id;
  double timeout_seconds = 30;
  bool json = false;
};

cp::request_id parse_request_id(const std::string& hex) {
  cp::request_id id{};
  if (hex.empty()) {
    const auto fresh = events::envelope::new_message_id();
    std::copy(fresh.begin(), fresh.end(), id.begin());
    return id;
  }
  if (!events::crypto::from_hex_exact(hex, id.data(), id.size()))
    throw cli_error("--request-id: 32 hex digits, not '" + hex + "'", 2);
  return id;
}

bool decimal(const std::string& w) { return !w.empty() && w.size() < 20 && w.find_first_not_of("0123456789") == std::string::npos; }

/// WORDS: `snapshot create LUN NAME` -> snapshot-create, LUN, [NAME]; `inquiry [LUN]` -> inquiry, LUN or 0.
cp::control_request request_of(const control_options& o) {
  cp::control_request r;
  r.storage = o.storage;
  std::size_t i = 0;
  r.operation = o.words.at(i++);
  if ((r.operation == "snapshot" || r.operation == "replication") && i < o.words.size())
    r.operation += "-" + o.words.at(i++);
  if (i < o.words.size() && decimal(o.words[i]))
    r.lun = std::stoull(o.words[i++]);
  r.args.assign(o.words.begin() + static_cast<std::ptrdiff_t>(i), o.words.end());
  r.id = parse_request_id(o.request_id);
  r.issued_at_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return r;
}

std::string entry_endpoint(const control_options& o) {
  if (!o.at.empty())
    return o.at;
  const auto f = read_fabric(o.data);
  if (!o.via.empty()) {
    auto it = f.hosts.find(o.via);
    if (it == f.hosts.end() || !it->second.attached)
      throw cli_error("host '" + o.via + "' has no interceptor attached (storemesh storage status)", 2);
    return it->second.endpoint;
  }
  for (const auto& [_, h] : f.hosts)
    if (h.attached)
      return h.endpoint;
  throw cli_error("no host has an interceptor attached: start one (storemesh host intercept) or give --at HOST:PORT", 2);
}

void control(const control_options& o) {
  check("storage", o.storage);
  auto request = request_of(o);
  const auto endpoint = entry_endpoint(o);
  const auto timeout = std::chrono::milliseconds(static_cast<std::int64_t>(o.timeout_seconds * 1000));
  auto reply = agents::control_path::call(endpoint, request, timeout);
  if (!reply)
    throw cli_error("control " + o.storage + " " + request.operation + " via " + endpoint + ": " +
                        reply.error().message() + " (request " +
                        events::crypto::to_hex(std::string(request.id.begin(), request.id.end())) +
                        "; a retry with --request-id is converted at most once)",
                    1);
  const auto& r = reply.value();
  const auto request_hex = events::crypto::to_hex(std::string(request.id.begin(), request.id.end()));
  if (o.json) {
    std::vector<std::string> path;
    for (const auto& h : r.path)
      path.push_back(json_string(h));
    fmt::print("{{\"request\":{},\"ok\":{},\"error_code\":{},\"message\":{},\"scsi_status\":{},\"ox_id\":{},"
               "\"rx_id\":{},\"path\":[{}],\"data_length\":{},\"detail\":{}}}\n",
               json_string(request_hex), r.ok, json_string(r.error_code), json_string(r.message), r.scsi_status,
               r.ox_id, r.rx_id, fmt::join(path, ","), r.data.size(), r.detail.empty() ? "null" : r.detail);
  } else {
    if (!r.message.empty())
      fmt::print("{}\n", r.message);
    fmt::print("request {} via {}{}\n", request_hex, fmt::join(r.path, " -> "),
               r.error_code.empty() && r.ox_id == 0 && r.rx_id == 0
                   ? ""
                   : fmt::format(", exchange ox 0x{:04x} rx 0x{:04x}", r.ox_id, r.rx_id));
  }
  if (!r.ok)
    throw cli_error(r.error_code + ": " + r.message, r.error_code == "scsi_status" ? 3 : 1);
}

} // namespace

void register_storage(CLI::App& app) {
  auto* storage = app.add_subcommand("storage", "storage systems reachable only over Fibre Channel, and their control");
  storage->require_subcommand(1);
  {
    auto o = std::make_shared<inject_options>();
    auto name = std::make_shared<std::string>();
    auto port = std::make_shared<std::string>();
    auto* cmd = storage->add_subcommand("add", "add a storage system with its FC port");
    cmd->add_option("NAME", *name, "storage system name, [a-z0-9][a-z0-9_.-]{0,62}")->required();
    cmd->add_option("--fc-port", *port, "its FC port: the socket path `storage serve --fc` listens on")->required();
    add_inject_options(*cmd, *o);
    cmd->callback([o, name, port] {
      check("storage", *name);
      inject<st::entity>(*o, *name, st::add{*port});
    });
  }
  {
    auto o = std::make_shared<status_options>();
    auto* cmd = storage->add_subcommand("status", "storage systems, where their FC link is, and the hosts (from the log)");
    cmd->add_flag("--json", o->json, "one JSON object per line");
    add_data_options(*cmd, o->data);
    cmd->callback([o] { status(*o); });
  }
  {
    auto o = std::make_shared<exchanges_options>();
    auto* cmd = storage->add_subcommand(
        "exchanges", "every control command a storage system was sent: route, exchange id, how it ended (from the log)");
    cmd->add_option("NAME", o->storage, "storage system")->required();
    cmd->add_flag("--json", o->json, "one JSON object per line");
    add_data_options(*cmd, o->data);
    cmd->callback([o] { list_exchanges(*o); });
  }
  {
    auto o = std::make_shared<control_options>();
    auto* cmd = storage->add_subcommand(
        "control", "send a control command over TCP/IP to a host, which converts it to FCP (or forwards it to the "
                   "host with the FC link). OPERATION: inquiry [LUN], inquiry-vpd [LUN] [PAGE], report-luns, "
                   "test-unit-ready [LUN], read-capacity [LUN], mode-sense [LUN], snapshot create|list|delete LUN "
                   "[NAME], replication start|stop|status LUN [TARGET]");
    cmd->add_option("STORAGE", o->storage, "storage system")->required();
    cmd->add_option("OPERATION", o->words, "the operation and its arguments")->required();
    cmd->add_option("--via", o->via, "enter at this host (its interceptor's endpoint from the log)");
    cmd->add_option("--at", o->at, "enter at this HOST:PORT");
    cmd->add_option("--request-id", o->request_id, "32 hex digits; a retry with the same id is converted at most once");
    cmd->add_option("--timeout", o->timeout_seconds, "seconds to wait for the reply (default 30)");
    cmd->add_flag("--json", o->json, "the reply as one JSON object");
    add_data_options(*cmd, o->data);
    cmd->callback([o] { control(*o); });
  }
  add_storage_serve(*storage);
}

} // namespace storemesh::ops
