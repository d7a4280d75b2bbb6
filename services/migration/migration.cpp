#include "services/migration/migration.hpp"

#include <limits>

namespace storemesh::services::migration {

bool begun::operator==(const begun& o) const {
  return job == o.job && migration == o.migration && from == o.from && to == o.to && reason == o.reason;
}

bool state::operator==(const state& o) const {
  return at == o.at && job == o.job && migration == o.migration && from == o.from && to == o.to &&
         reason == o.reason && offset == o.offset && epoch == o.epoch && result == o.result;
}

state evolve(state s, const event& e) {
  std::visit(overloaded{
                 [&](const begun& x) {
                   s.at = phase::stopping_source;
                   s.job = x.job;
                   s.migration = x.migration;
                   s.from = x.from;
                   s.to = x.to;
                   s.reason = x.reason;
                 },
                 [&](const portion_received& x) {
                   s.at = phase::handing_over;
                   s.offset = x.offset;
                 },
                 [&](const resumed& x) {
                   s.at = phase::resumed;
                   s.epoch = x.epoch;
                 },
                 [&](const ended& x) {
                   s.at = phase::ended;
                   s.result = x.result;
                 },
             },
             e);
  return s;
}

namespace {

using D = decision<event>;

D out_of_step(const state& s, std::string_view step) {
  return D::reject("stale", std::string(step) + " does not apply to a migration that is " +
                                std::string(to_string(s.at)));
}

} // namespace

decision<event> decide(const state& s, const command& c) {
  return std::visit(
      overloaded{
          [&](const begin& x) {
            if (s.at != phase::none)
              return out_of_step(s, "begin");
            if (x.job.empty() || x.migration == 0 || x.from.empty() || x.to.empty() || x.from == x.to)
              return D::reject("invalid", "a migration needs a job, its number and two different hosts");
            return D::accept(begun{x.job, x.migration, x.from, x.to, x.reason});
          },
          [&](const observe_portion& x) {
            if (s.at != phase::stopping_source)
              return out_of_step(s, "a first portion");
            return D::accept(portion_received{x.offset});
          },
          [&](const observe_resumed& x) {
            if (s.at != phase::handing_over)
              return out_of_step(s, "the hand-over");
            return D::accept(resumed{x.epoch});
          },
          [&](const observe_end& x) {
            if (s.at == phase::none || s.at == phase::resumed || s.at == phase::ended)
              return out_of_step(s, "the job's end");
            return D::accept(ended{x.result});
          },
      },
      c);
}

std::string migration_id(const std::string& job, std::uint32_t n) { return job + ":" + std::to_string(n); }

std::optional<std::pair<std::string, std::uint32_t>> parse_migration_id(const std::string& id) {
  const auto colon = id.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == id.size())
    return std::nullopt;
  if (id[colon + 1] == '0')  // 0 is no migration; "j:01" is not the canonical "j:1"
    return std::nullopt;
  std::uint64_t n = 0;
  for (auto i = colon + 1; i < id.size(); ++i) {
    if (id[i] < '0' || id[i] > '9')
      return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(id[i] - '0');
    if (n > std::numeric_limits<std::uint32_t>::max())
      return std::nullopt;
  }
  return std::pair{id.substr(0, colon), static_cast<std::uint32_t>(n)};
}

std::string_view to_string(phase p) {
  switch (p) {
    case phase::none: return "not begun";
    case phase::stopping_source: return "stopping the source host";
    case phase::handing_over: return "handing over";
    case phase::resumed: return "resumed on the target host";
    case phase::ended: return "ended";
  }
  return "?";
}

std::string_view to_string(outcome o) { return o == outcome::completed ? "completed" : "failed"; }

} // namespace storemesh::services::migration
