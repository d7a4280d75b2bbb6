// storemesh delivery plan|run|status, fetch: pre-positioning contents at the
// edges as erasure-coded slices (services/delivery, actors/agents/delivery).

#include "actors/agents/delivery/fetch.hpp"
#include "actors/agents/delivery/runner.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/envelope/envelope_json.hpp"
#include "ops/delivery_args.hpp"
#include "ops/delivery_world.hpp"
#include "ops/inject.hpp"
#include "ops/size_text.hpp"
#include "services/delivery/planning/backtest.hpp"
#include "services/delivery/planning/planner.hpp"
#include "services/delivery/process_codec.hpp"
#include "services/names.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <set>

namespace storemesh::ops {
namespace {

namespace sd = services::delivery;
namespace dp = services::delivery::process;
namespace pl = services::delivery::planning;
namespace ad = agents::delivery;
using events::envelope::json_string;

template <class T, class F>
std::string json_list(const T& items, F&& one) {
  std::string out = "[";
  for (const auto& x : items) {
    if (out.size() > 1)
      out += ",";
    out += one(x);
  }
  return out + "]";
}

/// {"k":v,...}: one() writes each `"k":v`.
template <class T, class F>
std::string json_object(const T& items, F&& one) {
  auto out = json_list(items, std::forward<F>(one));
  out.front() = '{';
  out.back() = '}';
  return out;
}

std::string json_texts(const std::vector<std::string>& v) {
  return json_list(v, [](const std::string& s) { return json_string(s); });
}

std::string mib(std::uint64_t bytes) { return fmt::format("{:.2f} MiB", static_cast<double>(bytes) / (1 << 20)); }

// -- plan -------------------------------------------------------------------------

struct plan_options {
  inject_options inject;
  bool dry_run = false, json = false;
  std::string now, model = "preference", window_total = "0";
  std::uint32_t top = 3, edges = 0, max_windows = 16;
  double half_life_h = 0, horizon_d = 0, min_score = 0;
};

pl::plan_input plan_input_of(const ad::world& w, const plan_options& o) {
  pl::plan_input in;
  for (const auto& [name, g] : w.groups)
    if (g.exists)
      in.groups.push_back({name, g.at, g.devices});
  for (const auto& [name, c] : w.contents)
    if (c.exists)
      in.contents.push_back({name, c.geometry, c.slice_crc32c});
  // Room: what the operator gave each edge, less every slice the log places
  // on it (confirmed or not).
  std::map<std::string, std::uint64_t> placed;
  for (const auto& [id, d] : w.deliveries) {
    in.planned.insert(id);
    for (const auto& [key, slot] : d.slots)
      placed[slot.edge] += sd::slice_bytes(d.geometry);
  }
  for (const auto& [name, e] : w.edges)
    if (e.attached)
      in.edges.push_back({name, e.at, e.up, e.role == sd::edge_unit::role::origin, e.capacity_bytes, e.capacity_bytes,
                          placed[name], e.window_bytes});
  in.history = w.history;
  auto& s = in.settings;
  if (o.half_life_h > 0)
    s.model.half_life_ns = static_cast<std::int64_t>(o.half_life_h * static_cast<double>(pl::ns_per_hour));
  if (o.horizon_d > 0)
    s.model.horizon_ns = static_cast<std::int64_t>(o.horizon_d * static_cast<double>(pl::ns_per_day));
  if (o.model == "popularity")
    s.kind = pl::model_kind::popularity;
  else if (o.model != "preference")
    throw cli_error("--model '" + o.model + "': preference or popularity", 2);
  s.top_n = o.top;
  s.min_score = o.min_score;
  s.edges_per_delivery = o.edges;
  s.window_total_bytes = parse_size("--window-total-bytes", "window", o.window_total);
  s.max_windows = o.max_windows;
  if (auto why = pl::check_settings(s); !why.empty())
    throw cli_error("plan settings: " + why, 2);
  in.now_ns = parse_time("--now", o.now);
  return in;
}

std::string delivery_json(const pl::planned_delivery& d) {
  std::map<std::string, std::uint32_t> per_edge;
  for (const auto& p : d.placements)
    per_edge[p.edge] += 1;
  return fmt::format("{{\"group\":{},\"content\":{},\"score\":{:.6g},\"why\":{},\"edges\":{},\"slices\":{},"
                     "\"slices_per_edge\":{},\"windows\":{},\"tolerance\":{},\"bytes\":{}}}",
                     json_string(d.group), json_string(d.content), d.score, json_string(d.why), json_texts(d.edges),
                     d.placements.size(),
                     json_list(per_edge,
                               [](const auto& kv) { return fmt::format("{{{}:{}}}", json_string(kv.first), kv.second); }),
                     d.windows, d.tolerance, d.bytes);
}

void plan(const plan_options& o) {
  const auto world = read_delivery_world(o.inject.data);
  const auto in = plan_input_of(world, o);
  const auto batch = pl::plan_batch(in);
  if (!batch.refused.empty())
    throw cli_error("plan refused: " + batch.refused, 1);
  if (!o.dry_run)
    for (const auto& d : batch.deliveries)
      inject<dp::entity>(o.inject, sd::delivery_id(d.group, d.content),
                         dp::plan{d.group, d.content, world.contents.at(d.content).geometry, d.edges, d.placements,
                                  d.why, events::envelope::now_ns()},
                         true);
  if (o.json) {
    fmt::print("{{\"dry_run\":{},\"now_ns\":{},\"deliveries\":{},\"skipped\":{},\"windows\":{},\"window_bytes\":{}}}\n",
               o.dry_run, in.now_ns, json_list(batch.deliveries, delivery_json),
               json_list(batch.skipped,
                         [](const pl::skipped_delivery& s) {
                           return fmt::format("{{\"group\":{},\"content\":{},\"why\":{}}}", json_string(s.group),
                                              json_string(s.content), json_string(s.why));
                         }),
               batch.windows,
               json_list(batch.window_bytes, [](std::uint64_t b) { return std::to_string(b); }));
    return;
  }
  fmt::print("{} {} deliveries over {} windows{}\n", o.dry_run ? "would plan" : "planned", batch.deliveries.size(),
             batch.windows, o.dry_run ? " (dry run: nothing appended)" : "");
  for (const auto& d : batch.deliveries) {
    fmt::print("  {} -> {}  score {:.3f} ({})\n", d.content, d.group, d.score, d.why);
    fmt::print("    {} slices on {} edges ({}), {} windows, survives the loss of {} edges, {}\n", d.placements.size(),
               d.edges.size(), fmt::join(d.edges, " "), d.windows, d.tolerance, mib(d.bytes));
  }
  for (const auto& s : batch.skipped)
    fmt::print("  skipped {} -> {}: {}\n", s.content, s.group, s.why);
  for (std::size_t w = 0; w < batch.window_bytes.size(); ++w)
    fmt::print("  window {}: {}\n", w, mib(batch.window_bytes[w]));
}

// -- backtest ---------------------------------------------------------------------

struct backtest_options {
  data_options data;
  double holdout = 0.2, half_life_h = 0, horizon_d = 0;
  std::uint32_t top = 5;
  bool json = false;
};

void backtest(const backtest_options& o) {
  const auto w = read_delivery_world(o.data);
  pl::backtest_settings s;
  s.holdout = o.holdout;
  s.top_n = o.top;
  if (o.half_life_h > 0)
    s.model.half_life_ns = static_cast<std::int64_t>(o.half_life_h * static_cast<double>(pl::ns_per_hour));
  if (o.horizon_d > 0)
    s.model.horizon_ns = static_cast<std::int64_t>(o.horizon_d * static_cast<double>(pl::ns_per_day));
  if (auto why = pl::check_settings(s); !why.empty())
    throw cli_error("backtest settings: " + why, 2);
  const auto r = pl::backtest(w.history, s);
  if (!r.refused.empty())
    throw cli_error("backtest: " + r.refused, 1);
  auto score = [](const pl::backtest_score& x) {
    return fmt::format("{{\"precision\":{:.4f},\"recall\":{:.4f},\"hits\":{},\"predicted\":{},\"actual\":{}}}",
                       x.precision, x.recall, x.hits, x.predicted, x.actual);
  };
  if (o.json) {
    fmt::print("{{\"split_ns\":{},\"fit_requests\":{},\"held_out_requests\":{},\"groups\":{},\"top\":{},"
               "\"model\":{},\"baseline\":{}}}\n",
               r.split_ns, r.fit_requests, r.held_out_requests, r.groups, s.top_n, score(r.model), score(r.baseline));
    return;
  }
  fmt::print("back-test: fitted on {} requests, {} held out ({} groups), top {} per group\n", r.fit_requests,
             r.held_out_requests, r.groups, s.top_n);
  fmt::print("  model     precision {:.3f}  recall {:.3f}  ({} hits of {} predicted, {} wanted)\n", r.model.precision,
             r.model.recall, r.model.hits, r.model.predicted, r.model.actual);
  fmt::print("  baseline  precision {:.3f}  recall {:.3f}  (global popularity)\n", r.baseline.precision,
             r.baseline.recall);
}

// -- run --------------------------------------------------------------------------

struct run_options {
  inject_options inject;
  std::string store;
  std::uint32_t windows = 1'000'000;
  double pause_s = 0, edge_timeout_s = 10;
  std::vector<std::string> only;
  bool json = false;
};

void run(const run_options& o) {
  ad::runner_options r;
  r.store = o.store.empty() ? state_dir(o.inject.data) / "origin" : std::filesystem::path(o.store);
  r.max_windows = o.windows;
  r.window_pause = std::chrono::milliseconds(static_cast<std::int64_t>(o.pause_s * 1000));
  r.edge_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(o.edge_timeout_s * 1000));
  r.only = o.only;
  ad::runner_hooks h;
  h.read = [&] { return read_delivery_world(o.inject.data); };
  h.submit = [&](const std::string& kind, const std::string& id,
                 const std::function<void(schema::Envelope::Builder)>& fill) -> std::string {
    try {
      (void)inject(o.inject, command_request{kind, id, fill}, true);
      return {};
    } catch (const cli_error& e) {
      return e.what();
    }
  };
  h.say = [&](const std::string& line) {
    if (!o.json)
      fmt::print("  {}\n", line);
  };
  const auto rep = must(ad::run_deliveries(r, h), "delivery run");
  std::uint64_t slices = 0, bytes = 0, again = 0, refused = 0;
  for (const auto& [edge, t] : rep.sent) {
    slices += t.slices;
    bytes += t.bytes;
    again += t.again;
    refused += t.refused;
  }
  if (o.json) {
    fmt::print("{{\"windows\":{},\"slices_sent\":{},\"bytes_sent\":{},\"already_confirmed\":{},\"refused\":{},"
               "\"sent\":{},\"lost\":{},\"rescheduled\":{},\"stranded\":{},\"complete\":{},\"pending\":{},"
               "\"problems\":{}}}\n",
               rep.windows, slices, bytes, again, refused,
               json_list(rep.sent,
                         [](const auto& kv) {
                           return fmt::format("{{\"edge\":{},\"slices\":{},\"bytes\":{},\"again\":{},\"refused\":{}}}",
                                              json_string(kv.first), kv.second.slices, kv.second.bytes,
                                              kv.second.again, kv.second.refused);
                         }),
               json_texts(rep.lost), rep.rescheduled, rep.stranded, json_texts(rep.complete), json_texts(rep.pending),
               json_texts(rep.problems));
  } else {
    fmt::print("{} windows: {} slices ({}) sent to {} edges, {} confirmed already, {} refused\n", rep.windows, slices,
               mib(bytes), rep.sent.size(), again, refused);
    for (const auto& [edge, t] : rep.sent)
      fmt::print("  {:<16} {:>6} slices {:>12}{}\n", edge, t.slices, mib(t.bytes),
                 t.refused ? fmt::format("  ({} refused)", t.refused) : std::string());
    if (!rep.lost.empty())
      fmt::print("edges lost: {}; {} slices rescheduled, {} stranded\n", fmt::join(rep.lost, " "), rep.rescheduled,
                 rep.stranded);
    fmt::print("complete: {}; pending: {}\n", rep.complete.size(), rep.pending.size());
    for (const auto& p : rep.problems)
      fmt::print("  problem: {}\n", p);
  }
  if (!rep.pending.empty())
    throw cli_error(fmt::format("{} deliveries still pending", rep.pending.size()), 3);
}

// -- status -----------------------------------------------------------------------

void status(const data_options& data, bool json) {
  const auto w = read_delivery_world(data);
  for (const auto& [id, d] : w.deliveries) {
    if (!d.planned)
      continue;
    std::map<std::string, std::pair<std::uint32_t, std::uint32_t>> per_edge;  // confirmed, placed
    std::uint64_t stranded = 0;
    for (const auto& [key, slot] : d.slots) {
      auto& pe = per_edge[slot.edge];
      pe.second += 1;
      pe.first += slot.confirmed;
      if (!slot.confirmed) {
        auto e = w.edges.find(slot.edge);
        stranded += e != w.edges.end() && !e->second.up;
      }
    }
    const auto tol = dp::tolerance(d);
    if (json) {
      fmt::print("{{\"delivery\":{},\"group\":{},\"content\":{},\"k\":{},\"m\":{},\"segments\":{},\"slices\":{},"
                 "\"confirmed\":{},\"rescheduled\":{},\"waiting_on_down_edges\":{},\"complete\":{},\"tolerance\":{},"
                 "\"edges\":{}}}\n",
                 json_string(id), json_string(d.group), json_string(d.content), d.geometry.k, d.geometry.m,
                 sd::segments(d.geometry), d.slots.size(), d.confirmed, d.rescheduled, stranded, d.complete, tol,
                 json_list(per_edge, [&](const auto& kv) {
                   const auto e = w.edges.find(kv.first);
                   return fmt::format("{{\"edge\":{},\"up\":{},\"confirmed\":{},\"placed\":{}}}", json_string(kv.first),
                                      e != w.edges.end() && e->second.up, kv.second.first, kv.second.second);
                 }));
      continue;
    }
    fmt::print("{}  {}  {}/{} slices confirmed, {} moved, RS({},{}) x {} segments; {}\n", id,
               d.complete ? "COMPLETE" : "in progress", d.confirmed, d.slots.size(), d.rescheduled, d.geometry.k,
               d.geometry.m, sd::segments(d.geometry),
               tol < 0 ? std::string("not yet rebuildable from the edges")
                       : fmt::format("rebuildable with any {} edges lost", tol));
    for (const auto& [edge, n] : per_edge) {
      const auto e = w.edges.find(edge);
      fmt::print("    {:<16} {:>4}/{:<4} {}\n", edge, n.first, n.second,
                 e != w.edges.end() && e->second.up ? "up" : "DOWN");
    }
  }
}

// -- fetch ------------------------------------------------------------------------

struct fetch_cli {
  data_options data;
  ad::fetch_options f;
  std::string out;
  bool json = false;
};

void fetch(fetch_cli& o) {
  o.f.out = o.out;
  const auto w = read_delivery_world(o.data);
  const auto r = must(ad::fetch_content(w, o.f), "fetch " + o.f.content);
  if (o.json) {
    fmt::print("{{\"content\":{},\"group\":{},\"out\":{},\"bytes\":{},\"sha256\":{},\"verified\":{},\"segments\":{},"
               "\"segments_from_edges\":{},\"segments_from_origin\":{},\"edge_bytes\":{},\"origin_bytes\":{},"
               "\"edges\":{},\"corrupt\":{}}}\n",
               json_string(r.content), json_string(r.group), json_string(o.out), r.bytes, json_string(r.sha256),
               r.verified, r.segments, r.segments_from_edges, r.segments_from_origin, r.edge_bytes, r.origin_bytes,
               json_object(r.edges,
                             [](const auto& kv) {
                               return fmt::format("{}:{{\"slices\":{},\"bytes\":{},\"corrupt\":{},"
                                                  "\"unreachable\":{}}}",
                                                  json_string(kv.first), kv.second.slices, kv.second.bytes,
                                                  kv.second.corrupt, kv.second.unreachable);
                             }),
               json_texts(r.corrupt));
    return;
  }
  fmt::print("{} -> {}: {} bytes, sha256 {} (verified)\n", r.content, o.out, r.bytes, r.sha256);
  fmt::print("  {} of {} segments from the edges ({}), {} from the origin ({})\n", r.segments_from_edges, r.segments,
             mib(r.edge_bytes), r.segments_from_origin, mib(r.origin_bytes));
  for (const auto& [edge, t] : r.edges)
    fmt::print("  {:<16} {:>5} slices {:>12}{}{}\n", edge, t.slices, mib(t.bytes),
               t.corrupt ? fmt::format("  {} corrupt (not used)", t.corrupt) : std::string(),
               t.unreachable ? "  unreachable" : "");
  for (const auto& c : r.corrupt)
    fmt::print("  not used: {}\n", c);
}

} // namespace

void register_delivery(CLI::App& app) {
  auto* delivery = app.add_subcommand("delivery", "pre-position contents at edge units as erasure-coded slices");
  delivery->require_subcommand(1);
  {
    auto o = std::make_shared<plan_options>();
    auto* cmd = delivery->add_subcommand("plan", "predict each group's next contents, pick edges, schedule slices "
                                                 "in windows; append the plans (or --dry-run)");
    cmd->add_flag("--dry-run", o->dry_run, "print the plan, append nothing");
    cmd->add_flag("--json", o->json, "as one JSON object");
    cmd->add_option("--now", o->now, "Unix seconds the model predicts from (default now)");
    cmd->add_option("--model", o->model, "preference (default) or popularity (the baseline)");
    cmd->add_option("--top", o->top, "contents per group (default 3)");
    cmd->add_option("--min-score", o->min_score, "predictions scoring below are not planned");
    cmd->add_option("--half-life-hours", o->half_life_h, "a request loses half its weight every H hours (default 168)");
    cmd->add_option("--horizon-days", o->horizon_d, "older requests do not count (default 90)");
    cmd->add_option("--edges", o->edges, "edges per delivery (default k+m: one slice per edge per segment)");
    cmd->add_option("--window-total-bytes", o->window_total, "off-peak bandwidth per window over all edges (0: none)");
    cmd->add_option("--max-windows", o->max_windows, "windows of the batch (default 16)");
    add_inject_options(*cmd, o->inject);
    cmd->callback([o] { plan(*o); });
  }
  {
    auto o = std::make_shared<backtest_options>();
    auto* cmd = delivery->add_subcommand("backtest", "fit the model on the older part of the history, predict the "
                                                     "held-out part: precision and recall against global popularity");
    cmd->add_option("--holdout", o->holdout, "the latest fraction of the requests held out (default 0.2)");
    cmd->add_option("--top", o->top, "predictions per group (default 5)");
    cmd->add_option("--half-life-hours", o->half_life_h, "as for plan");
    cmd->add_option("--horizon-days", o->horizon_d, "as for plan");
    cmd->add_flag("--json", o->json, "as one JSON object");
    add_data_options(*cmd, o->data);
    cmd->callback([o] { backtest(*o); });
  }
  {
    auto o = std::make_shared<run_options>();
    auto* cmd = delivery->add_subcommand("run", "send the planned slices to the edges, window by window; reschedule "
                                                "what a lost edge held");
    cmd->add_option("--windows", o->windows, "windows to walk in this run (default: until done)");
    cmd->add_option("--window-pause", o->pause_s, "seconds between windows (default 0)");
    cmd->add_option("--edge-timeout", o->edge_timeout_s, "seconds per request to an edge (default 10)");
    cmd->add_option("--delivery", o->only, "GROUP:CONTENT, repeatable: only these");
    cmd->add_option("--store", o->store, "the origin store (default DATA/origin)");
    cmd->add_flag("--json", o->json, "the run's report as one JSON object");
    add_inject_options(*cmd, o->inject);
    cmd->callback([o] { run(*o); });
  }
  {
    auto d = std::make_shared<data_options>();
    auto json = std::make_shared<bool>(false);
    auto* cmd = delivery->add_subcommand("status", "every delivery: slices confirmed per edge, how many edges it may "
                                                   "lose (from the log)");
    cmd->add_flag("--json", *json, "one JSON object per line");
    add_data_options(*cmd, *d);
    cmd->callback([d, json] { status(*d, *json); });
  }
  {
    auto o = std::make_shared<fetch_cli>();
    auto* cmd = app.add_subcommand("fetch", "a group's device fetching a content: from the nearest edges' slices, "
                                            "the origin for what is missing; the hash checked");
    cmd->add_option("CONTENT", o->f.content, "the content")->required();
    cmd->add_option("--group", o->f.group, "the device's group")->required();
    cmd->add_option("--out", o->out, "where to write it")->required();
    cmd->add_flag("--json", o->json, "the report as one JSON object");
    add_data_options(*cmd, o->data);
    cmd->callback([o] { fetch(*o); });
  }
}

} // namespace storemesh::ops
