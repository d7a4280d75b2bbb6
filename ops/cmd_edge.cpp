// storemesh content add, group add|request, edge serve|list: what delivery
// plans over (services/delivery).

#include "actors/agents/coordination/command_writer.hpp"
#include "actors/agents/edge_unit/edge_service.hpp"
#include "actors/agents/http/message_server.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/envelope/envelope_json.hpp"
#include "ops/delivery_args.hpp"
#include "ops/delivery_world.hpp"
#include "ops/inject.hpp"
#include "ops/size_text.hpp"
#include "services/delivery/coding/manifest.hpp"
#include "services/delivery/content_codec.hpp"
#include "services/delivery/edge_unit_codec.hpp"
#include "services/delivery/user_group_codec.hpp"
#include "services/names.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <thread>

namespace storemesh::ops {
namespace {

namespace sd = services::delivery;
namespace fs = std::filesystem;
using events::envelope::json_string;

void check(const std::string& what, const std::string& name) {
  if (auto why = services::check_name(name); !why.empty())
    throw cli_error(what + " name '" + name + "': " + why, 2);
}

// -- content add ------------------------------------------------------------------

struct content_options {
  inject_options inject;
  std::string file, name, store, segment = "1MiB";
  std::uint32_t k = 4, m = 2;
};

fs::path store_dir(const data_options& data, const std::string& store) {
  return store.empty() ? state_dir(data) / "origin" : fs::path(store);
}

void add_content(const content_options& o) {
  const std::string name = o.name.empty() ? fs::path(o.file).filename().string() : o.name;
  check("content", name);
  std::error_code ec;
  if (!fs::is_regular_file(o.file, ec))
    throw cli_error("content file '" + o.file + "' is not a readable file", 2);
  sd::geometry g{fs::file_size(o.file), parse_size("--segment-size", "segment", o.segment), o.k, o.m};
  if (auto why = sd::check_geometry(g); !why.empty())
    throw cli_error("content " + name + ": " + why, 2);
  const auto store = store_dir(o.inject.data, o.store);
  fs::create_directories(store, ec);
  if (ec)
    throw cli_error("origin store " + store.string() + ": " + ec.message(), 1);
  // The manifest is taken from the origin's own copy, the bytes it will serve.
  const auto copy = store / name, temp = store / (name + ".adding");
  fs::copy_file(o.file, temp, fs::copy_options::overwrite_existing, ec);
  if (ec)
    throw cli_error("copying " + o.file + " to the origin store: " + ec.message(), 1);
  const auto manifest = must(sd::code_file(temp, g), "coding " + o.file);
  const auto world = read_delivery_world(o.inject.data);
  if (auto it = world.contents.find(name); it != world.contents.end() && it->second.exists) {
    fs::remove(temp, ec);
    if (it->second.sha256 == manifest.sha256 && it->second.geometry == g) {
      fmt::print("content {} unchanged (sha256 {})\n", name, manifest.sha256);
      return;
    }
    throw cli_error(fmt::format("content {} is at the origin already with sha256 {} ({} bytes): a new version needs "
                                "a new name",
                                name, it->second.sha256, it->second.geometry.bytes),
                    1);
  }
  fs::rename(temp, copy, ec);
  if (ec)
    throw cli_error("origin store: " + ec.message(), 1);
  inject<sd::content::entity>(o.inject, name,
                              sd::content::add{g, manifest.sha256, name, manifest.slice_crc32c,
                                               events::envelope::now_ns()},
                              true);
  fmt::print("content {}: {} bytes, sha256 {}, {} segments of {} bytes, RS({},{}) slices of {} bytes\n", name,
             g.bytes, manifest.sha256, sd::segments(g), g.segment_bytes, g.k, g.m, sd::slice_bytes(g));
}

// -- groups -----------------------------------------------------------------------

struct group_options {
  inject_options inject;
  std::string name, at, when, content;
  std::uint32_t devices = 1;
};

void add_group(const group_options& o) {
  check("group", o.name);
  const sd::user_group::add a{parse_location("--at", o.at), o.devices, events::envelope::now_ns()};
  const auto world = read_delivery_world(o.inject.data);
  if (auto it = world.groups.find(o.name); it != world.groups.end() && it->second.exists) {
    if (it->second.at == a.at && it->second.devices == a.devices) {
      fmt::print("group {} unchanged\n", o.name);
      return;
    }
    throw cli_error("group " + o.name + " exists at " + location_text(it->second.at) + " with " +
                        std::to_string(it->second.devices) + " devices",
                    1);
  }
  inject<sd::user_group::entity>(o.inject, o.name, a);
}

void request_content(const group_options& o) {
  check("group", o.name);
  check("content", o.content);
  const auto world = read_delivery_world(o.inject.data);
  if (auto it = world.groups.find(o.name); it == world.groups.end() || !it->second.exists)
    throw cli_error("no group '" + o.name + "' (storemesh group add)", 1);
  if (auto it = world.contents.find(o.content); it == world.contents.end() || !it->second.exists)
    throw cli_error("no content '" + o.content + "' at the origin (storemesh content add)", 1);
  inject<sd::user_group::entity>(o.inject, o.name, sd::user_group::record_request{o.content, parse_time("--when", o.when)},
                                 true);
}

// -- edges ------------------------------------------------------------------------

std::atomic<bool> stop_requested{false};
void on_signal(int) { stop_requested = true; }

struct edge_serve_options {
  data_options data;
  std::string key, name, dir, listen = "127.0.0.1:0", at = "0,0", capacity = "0", window = "0", request_log;
  bool origin = false;
  unsigned threads = 4;
};

void serve_edge(const edge_serve_options& o) {
  check("edge", o.name);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  agents::edge_unit::edge_options e;
  e.name = o.name;
  e.role = o.origin ? sd::edge_unit::role::origin : sd::edge_unit::role::edge;
  e.at = parse_location("--at", o.at);
  e.capacity_bytes = parse_size("--capacity", "capacity", o.capacity);
  e.window_bytes = parse_size("--window-bytes", "window", o.window);
  if (!o.origin && (e.capacity_bytes == 0 || e.window_bytes == 0))
    throw cli_error("an edge needs --capacity and --window-bytes (> 0)", 2);
  e.dir = o.dir.empty() ? (o.origin ? store_dir(o.data, "") : state_dir(o.data) / "edges" / o.name) : fs::path(o.dir);
  e.request_log = o.request_log;
  agents::http::server_options h;
  must(agents::http::parse_listen(o.listen, h), "--listen");
  h.threads = o.threads;
  // A slice is at most a whole segment (k = 1) plus its header.
  h.max_body_bytes = sd::max_segment_bytes + 4096;
  auto server = must(agents::http::message_server::bind(h), "edge " + o.name);
  e.endpoint = fmt::format("{}:{}", h.address, server->port());
  char machine[256] = "localhost";
  ::gethostname(machine, sizeof machine - 1);
  auto writer = std::make_unique<actors::coordination::command_writer>(
      open_log(o.data, false), o.data.names, load_signing_key(o.key), "edge:" + o.name + "@" + machine);
  agents::edge_unit::edge_service svc(e, open_log(o.data, true), std::move(writer), o.data.names);
  must(svc.start(), "edge " + o.name);
  server->serve([&svc](const agents::http::request& r) { return svc.handle(r); });
  fmt::print("{} {} serving on {} (dir {})\n", o.origin ? "origin" : "edge", o.name, e.endpoint, e.dir.string());
  std::fflush(stdout);
  while (!stop_requested)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server->stop();
  svc.stop();
  spdlog::info("edge {}: stopped", o.name);
}

void list_edges(const data_options& data, bool json) {
  const auto world = read_delivery_world(data);
  for (const auto& [name, e] : world.edges) {
    std::uint64_t placed = 0, confirmed = 0;
    for (const auto& [id, d] : world.deliveries)
      for (const auto& [key, slot] : d.slots)
        if (slot.edge == name) {
          placed += 1;
          confirmed += slot.confirmed;
        }
    if (json)
      fmt::print("{{\"edge\":{},\"role\":{},\"endpoint\":{},\"at_km\":{},\"up\":{},\"reason\":{},\"capacity_bytes\":{},"
                 "\"window_bytes\":{},\"slices_placed\":{},\"slices_confirmed\":{}}}\n",
                 json_string(name), json_string(sd::edge_unit::to_string(e.role)), json_string(e.endpoint),
                 json_string(location_text(e.at)), e.up, json_string(e.reason), e.capacity_bytes, e.window_bytes,
                 placed, confirmed);
    else
      fmt::print("{:<16} {:<6} {:<22} at {:<12} {:<4} capacity {:>12} window {:>10}  slices {}/{} confirmed  {}\n",
                 name, sd::edge_unit::to_string(e.role), e.endpoint, location_text(e.at), e.up ? "up" : "DOWN",
                 e.capacity_bytes, e.window_bytes, confirmed, placed, e.reason);
  }
}

} // namespace

void register_delivery_setup(CLI::App& app) {
  {
    auto* content = app.add_subcommand("content", "contents kept at the origin, coded into slices for the edges");
    content->require_subcommand(1);
    auto o = std::make_shared<content_options>();
    auto* cmd = content->add_subcommand("add", "copy a file into the origin store and record its hash and the "
                                               "checksum of every slice");
    cmd->add_option("FILE", o->file, "the file")->required();
    cmd->add_option("--name", o->name, "its name (default: the file's name)");
    cmd->add_option("--k", o->k, "data slices per segment (default 4)");
    cmd->add_option("--m", o->m, "parity slices per segment: edges it may lose (default 2)");
    cmd->add_option("--segment-size", o->segment, "bytes per segment (default 1MiB)");
    cmd->add_option("--store", o->store, "the origin store (default DATA/origin)");
    add_inject_options(*cmd, o->inject);
    cmd->callback([o] { add_content(*o); });
  }
  {
    auto* group = app.add_subcommand("group", "user groups: devices at one place, and what they request");
    group->require_subcommand(1);
    auto a = std::make_shared<group_options>();
    auto* add = group->add_subcommand("add", "a user group at a place");
    add->add_option("GROUP", a->name, "its name")->required();
    add->add_option("--at", a->at, "X,Y in km on the operator's map")->required();
    add->add_option("--devices", a->devices, "devices in the group (default 1)");
    add_inject_options(*add, a->inject);
    add->callback([a] { add_group(*a); });
    auto r = std::make_shared<group_options>();
    auto* req = group->add_subcommand("request", "record that the group requested a content (the model's history)");
    req->add_option("GROUP", r->name, "the group")->required();
    req->add_option("CONTENT", r->content, "the content")->required();
    req->add_option("--when", r->when, "Unix seconds (default now): replaying a history");
    add_inject_options(*req, r->inject);
    req->callback([r] { request_content(*r); });
  }
  {
    auto* edge = app.add_subcommand("edge", "edge units: processes that hold slices near user groups");
    edge->require_subcommand(1);
    auto o = std::make_shared<edge_serve_options>();
    auto* serve = edge->add_subcommand("serve", "run an edge unit (or, --origin, the origin) until SIGTERM/SIGINT");
    serve->add_option("--name", o->name, "its name")->required();
    serve->add_option("--dir", o->dir, "where its slices live (origin: the content store; default under DATA)");
    serve->add_option("--listen", o->listen, "HOST:PORT (default 127.0.0.1:0: any free port)");
    serve->add_option("--at", o->at, "X,Y in km on the operator's map");
    serve->add_option("--capacity", o->capacity, "bytes it holds for deliveries (K/M/G suffixes)");
    serve->add_option("--window-bytes", o->window, "the most it receives per window (off-peak bandwidth)");
    serve->add_flag("--origin", o->origin, "serve the origin's contents (never chosen as an edge)");
    serve->add_option("--request-log", o->request_log, "one line per slice request: METHOD SLICE STATUS CODE");
    serve->add_option("--threads", o->threads, "threads serving requests (default 4)");
    add_data_options(*serve, o->data);
    if (const char* env = std::getenv("STOREMESH_KEY"))
      o->key = env;
    serve->add_option("--key", o->key, "private key that signs its commands (default $STOREMESH_KEY)");
    serve->callback([o] { serve_edge(*o); });
    auto d = std::make_shared<data_options>();
    auto json = std::make_shared<bool>(false);
    auto* list = edge->add_subcommand("list", "edges and the origin: place, health, capacity, slices held");
    list->add_flag("--json", *json, "one JSON object per line");
    add_data_options(*list, *d);
    list->callback([d, json] { list_edges(*d, *json); });
  }
}

} // namespace storemesh::ops
