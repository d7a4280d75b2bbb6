#pragma once
// The batch planner: one night's deliveries for every group. Pure and
// deterministic (`now` is an argument; ties by name), so `storemesh delivery
// plan --dry-run`, the runner and bench_planner plan with this one function.
//
//   1. the model (preference.hpp, or the global-popularity baseline) is fitted
//      to the history at `now`, and predicts each group's top_n contents;
//      a prediction that is already planned (its delivery id in `planned`)
//      is skipped ("already planned"), one for a content not at the origin
//      is skipped ("not at the origin"), one under min_score is dropped;
//   2. the candidates of all groups are ordered by score, highest first,
//      then group name, then content name;
//   3. each in turn: edges are selected (edge_selection.hpp) with room for
//      their share at E = edges_per_delivery (default k + m), then at E - 1 ...
//      down to min_edges; its schedule (schedule.hpp) is made against the
//      window loads of the deliveries before it; accepted, its bytes are
//      taken from its edges' room and added to the window loads, so capacity
//      and bandwidth are shared across the batch. Else it is skipped with why
//      (too few edges with room, no window left, ...).

#include "services/delivery/layout.hpp"
#include "services/delivery/planning/edge_selection.hpp"
#include "services/delivery/planning/preference.hpp"
#include "services/delivery/planning/schedule.hpp"
#include "services/delivery/process.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace storemesh::services::delivery::planning {

struct group_info {
  std::string name;
  delivery::location at;
  std::uint32_t devices = 1;  ///< reported in the plan; the model scores per group, not per device
};

struct content_info {
  std::string name;
  delivery::geometry geometry;
  std::vector<std::uint32_t> slice_crc32c;  ///< segment * (k + m) + pillar (content::added)
};

enum class model_kind : std::uint8_t {
  preference = 0,  ///< preference.hpp's rule
  popularity = 1,  ///< the baseline: global decayed popularity, the same top_n for every group
};

struct planner_settings {
  model_settings model;
  model_kind kind = model_kind::preference;
  std::uint32_t top_n = 3;               ///< contents predicted per group
  double min_score = 0;                  ///< predictions scoring below are not planned
  std::uint32_t edges_per_delivery = 0;  ///< 0 = k + m of the content
  std::uint32_t min_edges = 0;           ///< 0 = k of the content (any k of them rebuild); at least 2
  std::uint64_t window_total_bytes = 0;  ///< off-peak bandwidth per window over all edges (0 = no cap)
  std::uint32_t max_windows = 16;        ///< windows of the batch (>= 1)
};
/// "" when usable, else why not.
[[nodiscard]] std::string check_settings(const planner_settings& s);

struct plan_input {
  std::vector<group_info> groups;
  std::vector<content_info> contents;  ///< at the origin
  std::vector<edge> edges;             ///< edges and origins (never chosen), up or down
  std::vector<request> history;
  std::set<std::string> planned;       ///< delivery ids already planned (delivery_id(group, content))
  planner_settings settings;
  std::int64_t now_ns = 0;
};

struct planned_delivery {
  std::string group, content;
  double score = 0;
  std::string why;                           ///< the model's, then the rank: "requested 4x, last 2 h ago; #1 of 3"
  std::vector<std::string> edges;            ///< used, nearest first
  std::vector<process::placement> placements;
  std::uint32_t windows = 0;                 ///< 1 + its last window
  std::uint32_t tolerance = 0;               ///< edges it may lose and still rebuild
  std::uint64_t bytes = 0;                   ///< staged in all (placements x slice size)
};

struct skipped_delivery {
  std::string group, content, why;
};

struct batch_plan {
  std::string refused;  ///< "" when planned, else why the input is unusable (nothing else set)
  std::vector<planned_delivery> deliveries;  ///< in planning order (score, group, content)
  std::vector<skipped_delivery> skipped;
  std::map<std::string, std::vector<std::uint64_t>> edge_window_bytes;  ///< edge -> [window] bytes this batch adds
  std::vector<std::uint64_t> window_bytes;                              ///< [window] bytes, all edges
  std::uint32_t windows = 0;                                            ///< 1 + the last window used
};

/// Plans the batch; fits the model to input.history at input.now_ns.
[[nodiscard]] batch_plan plan_batch(const plan_input& in);
/// The same with a model already fitted (bench_planner times the two apart; its now_ns is used,
/// in.history is ignored).
[[nodiscard]] batch_plan plan_batch(const plan_input& in, const preference_index& model);

} // namespace storemesh::services::delivery::planning
