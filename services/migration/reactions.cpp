#include "services/migration/reactions.hpp"

#include "services/host/host_codec.hpp"
#include "services/migration/copy_job_codec.hpp"
#include "services/migration/migration_codec.hpp"

namespace storemesh::services::migration {
namespace {

using job = copy_job::entity;
using pm = migration::entity;

std::vector<issued_command> one(issued_command c) {
  std::vector<issued_command> out;
  out.push_back(std::move(c));
  return out;
}

std::vector<issued_command> react_to_job(const std::string& id, const copy_job::event& e) {
  using namespace copy_job;
  return std::visit(
      overloaded{
          [&](const migration_requested& x) {
            return one(issue<pm>(migration_id(id, x.migration), begin{id, x.migration, x.from, x.to, x.reason}));
          },
          [&](const portion_completed& x) {
            return x.migration == 0 ? std::vector<issued_command>{}
                                    : one(issue<pm>(migration_id(id, x.migration), observe_portion{x.offset}));
          },
          [&](const assigned& x) {
            return x.migration == 0 ? std::vector<issued_command>{}
                                    : one(issue<pm>(migration_id(id, x.migration), observe_resumed{x.epoch}));
          },
          [&](const completed& x) {
            return x.migration == 0 ? std::vector<issued_command>{}
                                    : one(issue<pm>(migration_id(id, x.migration), observe_end{outcome::completed}));
          },
          [&](const failed& x) {
            return x.migration == 0 ? std::vector<issued_command>{}
                                    : one(issue<pm>(migration_id(id, x.migration), observe_end{outcome::failed}));
          },
          [&](const auto&) { return std::vector<issued_command>{}; },
      },
      e);
}

std::vector<issued_command> react_to_migration(const std::string& id, const event& e) {
  return std::visit(overloaded{
                        [&](const begun& x) { return one(issue<job>(x.job, copy_job::request_stop{x.migration})); },
                        [&](const portion_received&) {
                          auto parsed = parse_migration_id(id);
                          return parsed ? one(issue<job>(parsed->first, copy_job::hand_over{parsed->second}))
                                        : std::vector<issued_command>{};
                        },
                        [&](const auto&) { return std::vector<issued_command>{}; },
                    },
                    e);
}

} // namespace

const std::vector<std::string_view>& reaction_inputs() {
  static const std::vector<std::string_view> kinds{job::kind, pm::kind, host::entity::kind};
  return kinds;
}

std::vector<issued_command> react(std::string_view kind, const std::string& id, schema::Envelope::Reader event,
                                  const fleet::view& fleet) {
  if (kind == job::kind) {
    auto e = job::read_event(event);
    return e ? react_to_job(id, e.value()) : std::vector<issued_command>{};
  }
  if (kind == pm::kind) {
    auto e = pm::read_event(event);
    return e ? react_to_migration(id, e.value()) : std::vector<issued_command>{};
  }
  if (kind == host::entity::kind) {
    auto e = host::entity::read_event(event);
    if (!e)
      return {};
    std::vector<issued_command> out;
    const auto* changed = std::get_if<host::state_changed>(&e.value());
    if (changed != nullptr && changed->to == host::host_state::draining) {
      if (auto h = fleet.hosts.find(id); h != fleet.hosts.end())
        for (const auto& j : h->second.jobs)
          out.push_back(issue<job>(j, copy_job::migrate{"", "host " + id + " is draining"}));
      return out;
    }
    // A host that comes up (or is registered) may take the jobs waiting
    // between hosts; the placement policy picks, job by job.
    const bool came_up = std::holds_alternative<host::registered>(e.value()) ||
                         (changed != nullptr && changed->to == host::host_state::up);
    if (came_up)
      for (const auto& j : fleet.waiting)
        out.push_back(issue<job>(j, copy_job::migrate{"", "host " + id + " came up"}));
    return out;
  }
  return {};
}

} // namespace storemesh::services::migration
