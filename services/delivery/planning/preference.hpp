#pragma once
// The preference model: from the groups' request history, which contents a
// group will want next. Pure and deterministic: `now` is an argument, ties go
// to the content's name.
//
// The rule (the README quotes it). With H the half-life and T the horizon,
// only requests with now - T < at <= now count, each weighing
//     w(at) = 2^(-(now - at) / H)                         (1 today, 1/2 one H ago)
// and
//     own(g, c)   = sum of w over g's requests of c        (decayed popularity in g)
//     n(c)        = groups that requested c                 (within the horizon)
//     n(c', c)    = groups that requested both c' and c
//     a(g, c')    = own(g, c') / sum over c'' of own(g, c'')  (g's share of interest in c')
//     lift(c', c) = n(c', c) / n(c') - n(c) / G                (G: groups in the history)
//                   how much likelier c's requesters are among c''s than among
//                   all groups; a content everybody asks for has no lift, so it
//                   cannot pass for a taste shared with c''s requesters
//     co(g, c)    = sum over c' != c that g requested of a(g, c') * lift(c', c),
//                   counting for each c' only its `neighbours` highest positive lifts
//     prior(c)    = n(c) / G                                (global popularity, in 0..1)
//     score(g, c) = own(g, c) + co_weight * co(g, c) + prior_weight * prior(c)
// own counts (decayed) requests; co (a mean of lifts weighted by g's interest)
// and prior (a share of groups) stay under 1; so a repeated request outweighs a
// guess from peers, which outweighs mere popularity, and scores compare across
// groups (the batch planner orders every group's predictions by score).
// A content the group asks for again and again scores highest; one its peers
// ask for comes through co; a group with no history gets the global favourites.
//
// Cost: the index is built once (by group, by content, co-occurrence) in
// O(sum over groups of distinct contents^2): for each content c', a dense
// counter over the contents of the groups that requested c'; only the
// `neighbours` contents of highest lift with c' are kept (ties by name), so
// a prediction touches at most own contents x neighbours candidates, never
// the whole catalogue.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace storemesh::services::delivery::planning {

/// One request of the history: group `group` asked for content `content` at `at_ns`.
struct request {
  std::string group, content;
  std::int64_t at_ns = 0;
};

inline constexpr std::int64_t ns_per_hour = 3'600'000'000'000;
inline constexpr std::int64_t ns_per_day = 24 * ns_per_hour;

struct model_settings {
  std::int64_t half_life_ns = 7 * ns_per_day;  ///< H: a request loses half its weight every H
  std::int64_t horizon_ns = 90 * ns_per_day;   ///< T: older requests do not count at all
  double co_weight = 1.0;                      ///< weight of the co-request term
  double prior_weight = 0.05;                  ///< weight of the global popularity prior
  std::uint32_t neighbours = 20;               ///< co-requested contents kept per content
};
/// "" when usable, else why not (half-life and horizon > 0, weights >= 0 and finite, neighbours >= 1).
[[nodiscard]] std::string check_settings(const model_settings& s);

/// One predicted content with its score and a one-line why
/// ("requested 4x, last 2 h ago" / "co-requested with X by 7 groups" / "requested by 120 of 400 groups").
struct prediction {
  std::string content;
  double score = 0;
  std::string why;
};

/// The model fitted to a history at `now`: build once, then predict per group.
class preference_index {
public:
  preference_index() = default;
  /// Folds `history` (any order; requests outside (now - horizon, now] are ignored).
  /// `s` must pass check_settings (else the index is empty and error() says why).
  preference_index(const std::vector<request>& history, const model_settings& s, std::int64_t now_ns);

  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] std::int64_t now_ns() const { return now_; }
  [[nodiscard]] std::size_t groups() const { return group_names_.size(); }
  [[nodiscard]] std::size_t contents() const { return content_names_.size(); }
  [[nodiscard]] std::size_t requests() const { return requests_; }  ///< those that counted

  /// The group's top `top_n` contents by score (highest first, ties by name).
  /// A group not in the history gets the prior alone (the global favourites).
  [[nodiscard]] std::vector<prediction> predict(std::string_view group, std::size_t top_n) const;
  /// The baseline: the top `top_n` contents by global decayed popularity (sum of w over every
  /// group's requests), the same for every group; score = that sum / groups.
  [[nodiscard]] std::vector<prediction> popular(std::size_t top_n) const;

private:
  struct weighted {
    std::uint32_t content = 0;
    double weight = 0;           // own(g, c)
    std::uint32_t count = 0;     // requests of c by g that counted
    std::int64_t last_ns = 0;    // the latest of them
  };
  struct neighbour {
    std::uint32_t content = 0;
    std::uint32_t both = 0;      // n(c', c)
    double lift = 0;             // n(c', c) / n(c') - n(c) / G
  };

  model_settings s_;
  std::int64_t now_ = 0;
  std::string error_;
  std::size_t requests_ = 0;
  std::vector<std::string> group_names_, content_names_;  // sorted: an id is an index
  std::vector<std::uint32_t> group_offset_;               // group g's own contents: own_[offset[g], offset[g+1])
  std::vector<weighted> own_;                             // sorted by content within a group
  std::vector<std::uint32_t> requesters_;                 // n(c)
  std::vector<double> popularity_;                        // sum of w over all groups
  std::vector<std::uint32_t> neighbour_offset_;           // c's neighbours: [offset[c], offset[c+1])
  std::vector<neighbour> neighbours_;
  std::vector<std::uint32_t> by_requesters_;              // contents by n(c) desc, then name
  std::vector<std::uint32_t> by_popularity_;              // contents by popularity desc, then name
};

} // namespace storemesh::services::delivery::planning
