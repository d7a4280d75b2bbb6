// storemesh access serve|policy|audit, session open|update|list|close, put, get, scan status:
// storage sessions with a per-session antivirus decision (services/access).

#include "actors/agents/access_server/access_client.hpp"
#include "actors/agents/access_server/access_service.hpp"
#include "actors/agents/access_server/http_endpoint.hpp"
#include "actors/agents/coordination/command_writer.hpp"
#include "events/crypto/hashing.hpp"
#include "events/crypto/keys.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/envelope/envelope_json.hpp"
#include "ops/entity_events.hpp"
#include "ops/inject.hpp"
#include "services/access/access_server_codec.hpp"
#include "services/names.hpp"

#include <fmt/core.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <thread>

namespace storemesh::ops {
namespace {

namespace ac = services::access;
namespace as = agents::access_server;
using events::envelope::json_string;

void check(const std::string& what, const std::string& name) {
  if (auto why = services::check_name(name); !why.empty())
    throw cli_error(what + " name '" + name + "': " + why, 2);
}

std::map<std::string, ac::state> read_servers(const data_options& data) {
  std::map<std::string, ac::state> out;
  for_each_entity_event<ac::entity>(data, [&](const std::string& id, const ac::event& e, std::uint64_t) {
    auto& s = out.try_emplace(id, ac::initial).first->second;
    s = ac::evolve(std::move(s), e);
  });
  return out;
}

ac::state read_server(const data_options& data, const std::string& server) {
  auto all = read_servers(data);
  auto it = all.find(server);
  if (it == all.end())
    throw cli_error("no access server '" + server + "' in the log (storemesh access serve --name " + server + ")", 1);
  return it->second;
}

std::string server_of_session(const std::string& session) {
  auto server = ac::server_of(session);
  if (server.empty() || !ac::check_session_id(server, session).empty())
    throw cli_error("session '" + session + "' is not SERVER:16-HEX-DIGITS", 2);
  return server;
}

/// The endpoint to reach: --at, else the one the server attached in the log.
std::string endpoint_for(const data_options& data, const std::string& at, const std::string& server) {
  if (!at.empty())
    return at;
  const auto s = read_server(data, server);
  if (!s.attached || s.endpoint.empty())
    throw cli_error("access server '" + server + "' has no endpoint in the log: is it serving? (or pass --at)", 1);
  return s.endpoint;
}

ac::attributes parse_attributes(const std::vector<std::string>& kvs) {
  ac::attributes a;
  for (const auto& kv : kvs) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      throw cli_error("--attr '" + kv + "' is not KEY=VALUE", 2);
    a[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return a;
}

/// --client-key FILE: its public key and its proof for this session.
void add_key_proof(ac::attributes& a, const std::string& key_file, const std::string& session) {
  if (key_file.empty())
    return;
  auto key = must(events::crypto::load_key_pair(key_file), "--client-key " + key_file);
  const auto message = ac::session_proof_message(session);
  const auto sig = key.sign(message.data(), message.size());
  a["key"] = key.public_key().hex();
  a["key.proof"] = events::crypto::to_hex(sig.data(), sig.size());
}

std::string protection_json(const ac::protection& p) {
  return fmt::format("{{\"scan\":{},\"rule\":{},\"reason\":{}}}", p.scan ? "true" : "false", json_string(p.rule),
                     json_string(p.reason));
}

std::string attributes_json(const ac::attributes& a) {
  std::string out = "{";
  for (const auto& [k, v] : a) {
    if (out.size() > 1)
      out += ",";
    out += json_string(k) + ":" + json_string(k == "key.proof" ? v.substr(0, 16) + "…" : v);
  }
  return out + "}";
}

void print_session(const std::string& id, const ac::session& s, bool json) {
  if (json) {
    fmt::print("{{\"session\":{},\"client\":{},\"share\":{},\"open\":{},\"protection\":{},\"attributes\":{},"
               "\"puts\":{},\"gets\":{},\"scanned\":{},\"not_scanned\":{},\"infected\":{}}}\n",
               json_string(id), json_string(s.client), json_string(s.share), s.open ? "true" : "false",
               protection_json(s.decided), attributes_json(s.attrs), s.counters.puts, s.counters.gets,
               s.counters.scanned, s.counters.not_scanned, s.counters.infected);
    return;
  }
  fmt::print("session {}  client {}  share {}  {}\n  protection: {} ({}): {}\n", id, s.client, s.share,
             s.open ? "open" : "closed", s.decided.scan ? "SCANNED" : "NOT SCANNED", s.decided.rule, s.decided.reason);
}

// -- serve --------------------------------------------------------------------------

std::atomic<bool> stop_requested{false};
void on_signal(int) { stop_requested = true; }

struct serve_options {
  data_options data;
  std::string key, name, listen = "127.0.0.1:0", quarantine;
  std::vector<std::string> shares;
  as::access_options access;
  unsigned threads = 8;
};

void serve(serve_options& o) {
  check("server", o.name);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  auto& a = o.access;
  a.server = o.name;
  for (const auto& s : o.shares) {
    const auto eq = s.find('=');
    if (eq == std::string::npos)
      throw cli_error("--share '" + s + "' is not NAME=DIR", 2);
    check("share", s.substr(0, eq));
    a.shares.push_back({s.substr(0, eq), std::filesystem::absolute(s.substr(eq + 1))});
  }
  if (a.shares.empty())
    throw cli_error("at least one --share NAME=DIR", 2);
  a.quarantine = o.quarantine.empty() ? state_dir(o.data) / "quarantine" / o.name : std::filesystem::path(o.quarantine);
  const auto colon = o.listen.rfind(':');
  if (colon == std::string::npos)
    throw cli_error("--listen '" + o.listen + "' is not HOST:PORT", 2);
  as::http_options h;
  h.address = o.listen.substr(0, colon);
  h.port = static_cast<std::uint16_t>(std::stoul(o.listen.substr(colon + 1)));
  h.threads = o.threads;
  auto endpoint = must(as::http_endpoint::bind(h), "access server " + o.name);
  a.endpoint = fmt::format("{}:{}", h.address, endpoint->port());
  char machine[256] = "localhost";
  ::gethostname(machine, sizeof machine - 1);
  auto writer = std::make_unique<actors::coordination::command_writer>(
      open_log(o.data, false), o.data.names, load_signing_key(o.key), "access:" + o.name + "@" + machine);
  as::access_service svc(a, open_log(o.data, true), std::move(writer), o.data.names);
  must(svc.start(), "access server " + o.name);
  endpoint->serve(svc);
  fmt::print("access server {} serving on {} (clamd {})\n", o.name, a.endpoint, a.clamd.address);
  std::fflush(stdout);
  while (!stop_requested)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  endpoint->stop();
  svc.stop();
  spdlog::info("access server {}: stopped", o.name);
}

// -- policy -------------------------------------------------------------------------

struct policy_options {
  inject_options inject;
  std::string server;
  std::string mandatory, oversize, on_outage;
  std::optional<std::uint32_t> max_av_age;
  std::vector<std::string> trusted, keys, share_modes, scan_ext, exclude_ext;
  std::optional<std::uint64_t> max_scan, max_file;
  bool replace_lists = false;
};

bool on_off(const std::string& flag, const std::string& v) {
  if (v == "on" || v == "true" || v == "yes")
    return true;
  if (v == "off" || v == "false" || v == "no")
    return false;
  throw cli_error(flag + " '" + v + "': on or off", 2);
}

void set_policy(const policy_options& o) {
  check("server", o.server);
  // Starts from the policy in force: only what is named changes.
  ac::policy p;
  std::uint64_t policy_no = 0;
  {
    auto all = read_servers(o.inject.data);
    if (auto it = all.find(o.server); it != all.end()) {
      p = it->second.policy;
      policy_no = it->second.policy_no;
    }
  }
  const auto before = p;
  if (!o.mandatory.empty())
    p.mandatory = on_off("--mandatory", o.mandatory);
  if (o.max_av_age)
    p.max_signature_age_h = *o.max_av_age;
  auto merge = [&](std::vector<std::string>& into, const std::vector<std::string>& from) {
    if (o.replace_lists && !from.empty())
      into.clear();
    for (const auto& x : from)
      if (std::find(into.begin(), into.end(), x) == into.end())
        into.push_back(x);
  };
  merge(p.trusted_networks, o.trusted);
  std::vector<std::string> keys;
  for (const auto& k : o.keys)
    keys.push_back(must(events::crypto::parse_public_key(k), "--known-key " + k).hex());
  merge(p.known_keys, keys);
  merge(p.scan_extensions, o.scan_ext);
  merge(p.exclude_extensions, o.exclude_ext);
  for (const auto& sm : o.share_modes) {
    const auto eq = sm.find('=');
    const auto mode = eq == std::string::npos ? std::string() : sm.substr(eq + 1);
    if (mode == "always")
      p.shares[sm.substr(0, eq)] = ac::share_mode::always;
    else if (mode == "never")
      p.shares[sm.substr(0, eq)] = ac::share_mode::never;
    else if (mode == "client")
      p.shares[sm.substr(0, eq)] = ac::share_mode::by_client;
    else
      throw cli_error("--share-mode '" + sm + "' is not SHARE=always|never|client", 2);
  }
  if (o.max_scan)
    p.max_scan_bytes = *o.max_scan;
  if (o.max_file)
    p.max_file_bytes = *o.max_file;
  if (!o.oversize.empty()) {
    if (o.oversize != "refuse" && o.oversize != "allow")
      throw cli_error("--oversize: refuse or allow", 2);
    p.oversize = o.oversize == "allow" ? ac::oversize_action::allow : ac::oversize_action::refuse;
  }
  if (!o.on_outage.empty()) {
    if (o.on_outage != "refuse" && o.on_outage != "allow-and-mark")
      throw cli_error("--on-outage: refuse or allow-and-mark", 2);
    p.on_outage = o.on_outage == "refuse" ? ac::outage_action::refuse : ac::outage_action::allow_and_mark;
  }
  if (auto why = ac::check_policy(p); !why.empty())
    throw cli_error("policy: " + why, 2);
  // The decider accepts the policy in force again without an event: there
  // would be no outcome to wait for.
  if (policy_no != 0 && p == before) {
    fmt::print("policy #{} of {} unchanged\n", policy_no, o.server);
    return;
  }
  inject<ac::entity>(o.inject, o.server, ac::set_policy{p, events::envelope::now_ns()});
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v)
    out += (out.empty() ? "" : ",") + x;
  return out.empty() ? "-" : out;
}

void show_policy(const data_options& data, const std::string& server, bool json) {
  const auto s = read_server(data, server);
  const auto& p = s.policy;
  std::string shares;
  for (const auto& [name, m] : p.shares)
    shares += (shares.empty() ? "" : ",") + name + "=" + std::string(ac::to_string(m));
  if (json) {
    auto list = [](const std::vector<std::string>& v) {
      std::string out = "[";
      for (const auto& x : v)
        out += (out.size() > 1 ? "," : "") + json_string(x);
      return out + "]";
    };
    std::string sm = "{";
    for (const auto& [name, m] : p.shares)
      sm += (sm.size() > 1 ? "," : "") + json_string(name) + ":" + json_string(ac::to_string(m));
    fmt::print("{{\"server\":{},\"policy_no\":{},\"mandatory\":{},\"max_signature_age_h\":{},\"trusted_networks\":{},"
               "\"known_keys\":{},\"shares\":{}}},\"scan_extensions\":{},\"exclude_extensions\":{},\"max_scan_bytes\":{},"
               "\"oversize\":{},\"on_outage\":{},\"max_file_bytes\":{}}}\n",
               json_string(server), s.policy_no, p.mandatory, p.max_signature_age_h, list(p.trusted_networks),
               list(p.known_keys), sm, list(p.scan_extensions), list(p.exclude_extensions), p.max_scan_bytes,
               json_string(ac::to_string(p.oversize)), json_string(ac::to_string(p.on_outage)), p.max_file_bytes);
    return;
  }
  fmt::print("server {} policy #{}\n  mandatory scanning  {}\n  max client AV age   {} h\n  trusted networks    {}\n"
             "  known keys          {}\n  share modes         {}\n  scan extensions     {}\n  exclude extensions  {}\n"
             "  max scan size       {}\n  oversize            {}\n  scanner outage      {}\n  max file size       {}\n",
             server, s.policy_no, p.mandatory ? "on" : "off", p.max_signature_age_h, join(p.trusted_networks),
             join(p.known_keys), shares.empty() ? "-" : shares, join(p.scan_extensions), join(p.exclude_extensions),
             p.max_scan_bytes == 0 ? std::string("no limit") : std::to_string(p.max_scan_bytes),
             ac::to_string(p.oversize), ac::to_string(p.on_outage), p.max_file_bytes);
}

// -- audit: every access, and why it was (not) scanned ------------------------------------

void audit_accesses(const data_options& data, const std::string& server, bool json, bool unscanned_only) {
  check("server", server);
  for_each_entity_event<ac::entity>(data, [&](const std::string& id, const ac::event& e, std::uint64_t seq) {
    if (id != server)
      return;
    if (const auto* a = std::get_if<ac::accessed>(&e)) {
      if (unscanned_only && a->result != ac::verdict::not_scanned && a->result != ac::verdict::deferred)
        return;
      if (json)
        fmt::print("{}\n", as::access_json(*a));
      else
        fmt::print("#{:<5} {:<3} {:<24} {:<28} {:>10} B  {:<19} {}{}\n", seq, ac::to_string(a->op), a->session,
                   a->path, a->bytes, ac::to_string(a->result), a->reason,
                   a->signature.empty() ? "" : " [" + a->signature + "]");
    } else if (const auto* r = std::get_if<ac::rescanned>(&e)) {
      if (json)
        fmt::print("{{\"rescanned\":{},\"verdict\":{},\"signature\":{},\"db_version\":{}}}\n", json_string(r->access),
                   json_string(ac::to_string(r->result)), json_string(r->signature), json_string(r->db_version));
      else if (!unscanned_only)
        fmt::print("#{:<5} rescan of {}: {}{}\n", seq, r->access, ac::to_string(r->result),
                   r->signature.empty() ? "" : " [" + r->signature + "]");
    } else if (const auto* d = std::get_if<ac::session_redecided>(&e)) {
      if (!json && !unscanned_only)
        fmt::print("#{:<5} session {} re-decided by policy #{}: {} ({})\n", seq, d->session, d->policy_no,
                   d->decided.scan ? "scanned" : "not scanned", d->decided.reason);
    }
  });
}

// -- sessions -------------------------------------------------------------------------

struct open_options {
  inject_options inject;
  std::string server, client, share, client_key;
  std::vector<std::string> attrs;
  bool json = false;
};

void open_session(const open_options& o) {
  check("server", o.server);
  check("share", o.share);
  if (o.client.empty())
    throw cli_error("--client: the client's name", 2);
  std::array<std::uint8_t, 8> raw{};
  randombytes_buf(raw.data(), raw.size());
  const auto session = o.server + ":" + events::crypto::to_hex(raw.data(), raw.size());
  auto attrs = parse_attributes(o.attrs);
  add_key_proof(attrs, o.client_key, session);
  if (auto why = ac::check_attributes(attrs); !why.empty())
    throw cli_error("attributes: " + why, 2);
  inject<ac::entity>(o.inject, o.server,
                     ac::open_session{session, o.client, o.share, attrs, events::envelope::now_ns()}, true);
  if (o.inject.no_wait) {
    fmt::print("{}\n", session);
    return;
  }
  const auto s = read_server(o.inject.data, o.server);
  print_session(session, s.sessions.at(session), o.json);
}

struct update_options {
  inject_options inject;
  std::string session, client_key;
  std::vector<std::string> attrs;
  bool json = false;
};

void update_session(const update_options& o) {
  const auto server = server_of_session(o.session);
  auto attrs = parse_attributes(o.attrs);
  add_key_proof(attrs, o.client_key, o.session);
  if (auto why = ac::check_attributes(attrs); !why.empty())
    throw cli_error("attributes: " + why, 2);
  const auto before = read_server(o.inject.data, server);
  const auto it = before.sessions.find(o.session);
  // The same attributes again decide nothing (no event, no outcome to wait for).
  if (it == before.sessions.end() || !it->second.open || it->second.attrs != attrs)
    inject<ac::entity>(o.inject, server, ac::update_client{o.session, attrs, events::envelope::now_ns()}, true);
  const auto s = read_server(o.inject.data, server);
  print_session(o.session, s.sessions.at(o.session), o.json);
}

void list_sessions(const data_options& data, const std::string& server, bool json, bool all) {
  for (const auto& [name, s] : read_servers(data)) {
    if (!server.empty() && name != server)
      continue;
    for (const auto& [id, ses] : s.sessions)
      if (all || ses.open)
        print_session(id, ses, json);
  }
}

// -- data ---------------------------------------------------------------------------------

struct data_request {
  data_options data;
  std::string session, remote, local, at;
  bool no_sha = false, json = false;
};

void put(const data_request& o) {
  const auto server = server_of_session(o.session);
  const auto endpoint = endpoint_for(o.data, o.at, server);
  auto r = must(as::put_file(endpoint, o.session, o.remote, o.local, !o.no_sha), "put " + o.local);
  if (r.status >= 300)
    throw cli_error(fmt::format("put {}: HTTP {}: {}", o.remote, r.status, r.body), r.status == 403 ? 3 : 1);
  if (o.json)
    fmt::print("{}", r.body);
  else
    fmt::print("put {} -> {}: {}\n", o.local, o.remote, r.body);
}

void get(const data_request& o) {
  const auto server = server_of_session(o.session);
  const auto endpoint = endpoint_for(o.data, o.at, server);
  auto r = must(as::get_file(endpoint, o.session, o.remote, o.local), "get " + o.remote);
  if (r.status >= 300)
    throw cli_error(fmt::format("get {}: HTTP {}: {}", o.remote, r.status, r.body), r.status == 403 ? 3 : 1);
  if (o.json)
    fmt::print("{}\n", r.access);
  else
    fmt::print("get {} -> {}: {}\n", o.remote, o.local, r.access);
}

void scan_status(const data_options& data, const std::string& server, const std::string& at, bool json) {
  if (server.empty() && at.empty())
    throw cli_error("--server NAME or --at HOST:PORT", 2);
  const auto endpoint = endpoint_for(data, at, server);
  auto r = must(as::get_status(endpoint, !json), "scan status at " + endpoint);
  if (r.status != 200)
    throw cli_error(fmt::format("scan status: HTTP {}: {}", r.status, r.body), 1);
  fmt::print("{}", r.body);
}

} // namespace

void register_access(CLI::App& app) {
  {
    auto* access = app.add_subcommand("access", "access servers: shares reached in sessions, scanned as each session's "
                                                "antivirus decision says");
    access->require_subcommand(1);
    {
      auto o = std::make_shared<serve_options>();
      auto* cmd = access->add_subcommand("serve", "run an access server until SIGTERM/SIGINT: puts and gets over HTTP");
      cmd->add_option("--name", o->name, "the server's name")->required();
      cmd->add_option("--listen", o->listen, "HOST:PORT of its HTTP endpoint (default 127.0.0.1:0: any free port)");
      cmd->add_option("--share", o->shares, "NAME=DIR, repeatable: a share and the directory it serves")->required();
      cmd->add_option("--clamd", o->access.clamd.address, "clamd's socket path or HOST:PORT (ops/clamav start)")
          ->required();
      cmd->add_option("--quarantine", o->quarantine, "where infected data goes (default DATA/quarantine/NAME)");
      cmd->add_option("--threads", o->threads, "threads serving requests (default 8)");
      cmd->add_option_function<double>(
          "--clamd-timeout",
          [o](double s) { o->access.clamd.io_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000)); },
          "seconds clamd has for each step of a scan (connect, a write, its verdict) before it counts as down (default "
          "10)");
      cmd->add_option_function<double>(
          "--decide-timeout",
          [o](double s) { o->access.decide_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000)); },
          "seconds the log has to decide an access's record before the request is answered 504 (default 30)");
      cmd->add_option("--hold-before-commit", o->access.hold_before_commit,
                      "tests: while this file exists, a put waits between its record and its commit");
      add_data_options(*cmd, o->data);
      if (const char* env = std::getenv("STOREMESH_KEY"))
        o->key = env;
      cmd->add_option("--key", o->key, "private key that signs its records (default $STOREMESH_KEY)");
      cmd->callback([o] { serve(*o); });
    }
    {
      auto* policy = access->add_subcommand("policy", "a server's antivirus policy (event-sourced)");
      policy->require_subcommand(1);
      auto o = std::make_shared<policy_options>();
      auto* set = policy->add_subcommand("set", "change the policy: what is named changes, the rest stays; open "
                                                "sessions are re-decided");
      set->add_option("SERVER", o->server, "access server")->required();
      set->add_option("--mandatory", o->mandatory, "on|off: scan every session whatever its client");
      set->add_option("--max-av-age", o->max_av_age, "hours a client's signatures may be old to count as fresh");
      set->add_option("--trusted-net", o->trusted, "CIDR, repeatable");
      set->add_option("--known-key", o->keys, "Ed25519 public key (hex or .pub file), repeatable");
      set->add_option("--share-mode", o->share_modes, "SHARE=always|never|client, repeatable");
      set->add_option("--scan-ext", o->scan_ext, "scan only these extensions (repeatable; \"\" for none)");
      set->add_option("--exclude-ext", o->exclude_ext, "never scan these extensions (repeatable)");
      set->add_option("--max-scan-size", o->max_scan, "bytes; larger files follow --oversize (0: no limit)");
      set->add_option("--oversize", o->oversize, "refuse|allow files larger than --max-scan-size");
      set->add_option("--on-outage", o->on_outage, "refuse|allow-and-mark when no scanner answers");
      set->add_option("--max-file-size", o->max_file, "bytes: larger puts are refused");
      set->add_flag("--replace", o->replace_lists, "the lists given replace the policy's instead of adding to them");
      add_inject_options(*set, o->inject);
      set->callback([o] { set_policy(*o); });
      auto so = std::make_shared<std::pair<data_options, std::string>>();
      auto json = std::make_shared<bool>(false);
      auto* show = policy->add_subcommand("show", "the policy in force (from the log)");
      show->add_option("SERVER", so->second, "access server")->required();
      show->add_flag("--json", *json, "as one JSON object");
      add_data_options(*show, so->first);
      show->callback([so, json] { show_policy(so->first, so->second, *json); });
    }
    {
      auto d = std::make_shared<data_options>();
      auto server = std::make_shared<std::string>();
      auto flags = std::make_shared<std::pair<bool, bool>>(false, false);
      auto* cmd = access->add_subcommand("audit", "every access of a server with its verdict and why it was or was "
                                                  "not scanned (from the log)");
      cmd->add_option("SERVER", *server, "access server")->required();
      cmd->add_flag("--json", flags->first, "one JSON object per line");
      cmd->add_flag("--unscanned", flags->second, "only the data that entered or left unscanned");
      add_data_options(*cmd, *d);
      cmd->callback([d, server, flags] { audit_accesses(*d, *server, flags->first, flags->second); });
    }
  }
  {
    auto* session = app.add_subcommand("session", "sessions of clients with an access server");
    session->require_subcommand(1);
    {
      auto o = std::make_shared<open_options>();
      auto* cmd = session->add_subcommand("open", "open a session: prints its id and its protection decision");
      cmd->add_option("--server", o->server, "access server")->required();
      cmd->add_option("--client", o->client, "the client's name")->required();
      cmd->add_option("--share", o->share, "the share it works in")->required();
      cmd->add_option("--attr", o->attrs, "KEY=VALUE, repeatable: av=active|inactive, av.age_h=N, addr=IP");
      cmd->add_option("--client-key", o->client_key, "the client's key file: proves its key (attrs key, key.proof)");
      cmd->add_flag("--json", o->json, "as one JSON object");
      add_inject_options(*cmd, o->inject);
      cmd->callback([o] { open_session(*o); });
    }
    {
      auto o = std::make_shared<update_options>();
      auto* cmd = session->add_subcommand("update", "the client reports new attributes: the session is re-decided");
      cmd->add_option("SESSION", o->session, "SERVER:ID")->required();
      cmd->add_option("--attr", o->attrs, "KEY=VALUE, repeatable (they replace the old ones)");
      cmd->add_option("--client-key", o->client_key, "the client's key file");
      cmd->add_flag("--json", o->json, "as one JSON object");
      add_inject_options(*cmd, o->inject);
      cmd->callback([o] { update_session(*o); });
    }
    {
      auto d = std::make_shared<data_options>();
      auto server = std::make_shared<std::string>();
      auto flags = std::make_shared<std::pair<bool, bool>>(false, false);
      auto* cmd = session->add_subcommand("list", "open sessions and their protection (from the log)");
      cmd->add_option("--server", *server, "only this server's");
      cmd->add_flag("--json", flags->first, "one JSON object per line");
      cmd->add_flag("--all", flags->second, "closed sessions too");
      add_data_options(*cmd, *d);
      cmd->callback([d, server, flags] { list_sessions(*d, *server, flags->first, flags->second); });
    }
    {
      auto o = std::make_shared<inject_options>();
      auto id = std::make_shared<std::string>();
      auto* cmd = session->add_subcommand("close", "close a session: its accesses are refused from then on");
      cmd->add_option("SESSION", *id, "SERVER:ID")->required();
      add_inject_options(*cmd, *o);
      cmd->callback([o, id] {
        const auto server = server_of_session(*id);
        const auto s = read_server(o->data, server);
        const auto it = s.sessions.find(*id);
        if (it != s.sessions.end() && !it->second.open) {  // closing twice decides nothing: no outcome to wait for
          fmt::print("session {} was closed already\n", *id);
          return;
        }
        inject<ac::entity>(*o, server, ac::close_session{*id, events::envelope::now_ns()});
      });
    }
  }
  for (const bool is_put : {true, false}) {
    auto o = std::make_shared<data_request>();
    auto* cmd = app.add_subcommand(is_put ? "put" : "get", is_put ? "store a file in a share through a session"
                                                                  : "read a file from a share through a session");
    cmd->add_option("--session", o->session, "SERVER:ID (storemesh session open)")->required();
    if (is_put) {
      cmd->add_option("LOCAL", o->local, "the file to send")->required();
      cmd->add_option("REMOTE", o->remote, "SHARE/PATH")->required();
      cmd->add_flag("--no-sha", o->no_sha, "do not declare the file's SHA-256 (a cached verdict cannot stand)");
    } else {
      cmd->add_option("REMOTE", o->remote, "SHARE/PATH")->required();
      cmd->add_option("LOCAL", o->local, "where to write it")->required();
    }
    cmd->add_option("--at", o->at, "HOST:PORT of the server (default: its endpoint in the log)");
    cmd->add_flag("--json", o->json, "the access record as JSON");
    add_data_options(*cmd, o->data);
    cmd->callback([o, is_put] { is_put ? put(*o) : get(*o); });
  }
  {
    auto* scan = app.add_subcommand("scan", "the antivirus scanning of access servers");
    scan->require_subcommand(1);
    auto d = std::make_shared<data_options>();
    auto where = std::make_shared<std::pair<std::string, std::string>>();
    auto json = std::make_shared<bool>(false);
    auto* cmd = scan->add_subcommand("status", "scanner health, verdict cache, quarantine, pending scans");
    cmd->add_option("--server", where->first, "access server (its endpoint from the log)");
    cmd->add_option("--at", where->second, "HOST:PORT of the server");
    cmd->add_flag("--json", *json, "as one JSON object");
    add_data_options(*cmd, *d);
    cmd->callback([d, where, json] { scan_status(*d, where->first, where->second, *json); });
  }
}

} // namespace storemesh::ops
