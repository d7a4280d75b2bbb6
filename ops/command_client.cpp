#include "ops/command_client.hpp"

#include "actors/daemon.hpp"
#include "actors/records.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/envelope/envelope_json.hpp"
#include "ops/cli_context.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <unordered_map>

namespace storemesh::ops {

using events::envelope::as_string_view;

events::crypto::key_pair load_signing_key(const std::string& path) {
  std::string p = path;
  if (p.empty())
    if (const char* env = std::getenv("STOREMESH_KEY"))
      p = env;
  if (p.empty())
    throw cli_error("no signing key: pass --key PATH or set STOREMESH_KEY (make one with `storemesh keygen`)", 2);
  return must(events::crypto::load_key_pair(p), "loading key " + p);
}

std::string producer_name() {
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  return std::string("cli@") + host;
}

command_outcome command_client::submit(const command_request& request, bool wait,
                                       std::chrono::milliseconds timeout) {
  return send({request}, 1, wait, timeout, true).front();
}

std::vector<command_outcome> command_client::submit_all(const std::vector<command_request>& requests,
                                                       std::size_t batch, bool wait,
                                                       std::chrono::milliseconds timeout) {
  return send(requests, batch, wait, timeout, false);
}

std::vector<command_outcome> command_client::send(const std::vector<command_request>& requests, std::size_t batch,
                                                 bool wait, std::chrono::milliseconds timeout, bool with_events) {
  must(actors::create_topics(log_, names_, 2), "creating topics");
  const auto command_partitions = must(log_.partitions(names_.commands()), "commands");
  const auto rejected_partitions = must(log_.partitions(names_.rejected()), "rejected");

  // Where the outcomes will appear, noted before any command exists, so that
  // none can be missed however fast the daemon is.
  std::map<std::pair<std::string, std::int32_t>, offset> from;
  std::unordered_map<std::string, std::size_t> pending;  // command id -> index in requests
  std::vector<actors::command_spec> specs;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    const auto events_topic = names_.events(r.kind);
    const auto ev_p = events::partition_for(r.entity_id, must(log_.partitions(events_topic), events_topic));
    const auto rej_p = events::partition_for(r.entity_id, rejected_partitions);
    for (const auto& [t, p] : {std::pair{events_topic, ev_p}, std::pair{names_.rejected(), rej_p}})
      if (!from.count({t, p.value}))
        from[{t, p.value}] = must(log_.end_offset(t, p), t);
    actors::command_header h;
    h.id = events::envelope::new_message_id();
    h.producer = producer_name();
    pending.emplace(std::string(reinterpret_cast<const char*>(h.id.data()), h.id.size()), i);
    specs.push_back(actors::command_spec{r.kind, r.entity_id, std::move(h), r.fill});
  }

  // Signed batch by batch; each record goes to its entity's partition.
  batch = std::max<std::size_t>(1, batch);
  for (std::size_t at = 0; at < specs.size(); at += batch) {
    const std::vector<actors::command_spec> part(specs.begin() + static_cast<std::ptrdiff_t>(at),
                                                 specs.begin() + static_cast<std::ptrdiff_t>(std::min(specs.size(), at + batch)));
    auto records = must(actors::make_command_batch(part, key_), "signing the commands");
    std::map<std::int32_t, std::vector<events::record>> by_partition;
    for (auto& rec : records)
      by_partition[events::partition_for(rec.key, command_partitions).value].push_back(std::move(rec));
    for (auto& [p, recs] : by_partition)
      must(log_.append(names_.commands(), partition_id{p}, std::move(recs)), "appending the commands");
  }

  std::vector<command_outcome> outcomes(requests.size());
  if (!wait)
    return outcomes;
  std::vector<std::unique_ptr<events::log_reader>> readers;
  std::vector<std::pair<std::string, std::int32_t>> read_where;
  for (const auto& [where, at] : from) {
    readers.push_back(must(log_.read(where.first, partition_id{where.second}, at), where.first));
    read_where.push_back(where);
  }
  // With events: the accepted commands, whose later events (a command's
  // events are one append, but may take more than one poll) are still wanted.
  std::unordered_map<std::string, std::size_t> accepted;
  // Reads what each reader has now: whether anything came, and whether any
  // of it was an outcome (or a later event) of these commands.
  struct read_now {
    bool any = false;
    bool matched = false;
  };
  std::vector<events::record_view> got;
  auto read_outcomes = [&] {
    read_now now;
    for (std::size_t k = 0; k < readers.size(); ++k) {
      const bool rejections = read_where[k].first == names_.rejected();
      got.clear();
      must(readers[k]->poll(got), "reading the outcomes");
      now.any = now.any || !got.empty();
      for (const auto& r : got) {
        auto e = events::envelope::decoded_envelope::decode(r.value);
        if (!e || rejections != e.value().reader().getPayload().isRejection())
          continue;
        const std::string cause(as_string_view(e.value().reader().getCausationId()));
        if (auto later = accepted.find(cause); later != accepted.end()) {
          outcomes[later->second].event_json.push_back(events::envelope::to_json(e.value().reader()));
          now.matched = true;
          continue;
        }
        auto it = pending.find(cause);
        if (it == pending.end())
          continue;
        now.matched = true;
        auto& outcome = outcomes[it->second];
        if (rejections) {
          auto rej = e.value().reader().getPayload().getRejection();
          outcome.code = rej.getCode().cStr();
          outcome.reason = rej.getReason().cStr();
        } else {
          outcome.accepted = true;
          if (with_events) {
            outcome.event_json.push_back(events::envelope::to_json(e.value().reader()));
            accepted.emplace(cause, it->second);
          }
        }
        pending.erase(it);
      }
    }
    return now;
  };
  std::size_t turn = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pending.empty()) {
    const bool any = read_outcomes().any;
    if (pending.empty())
      break;
    if (std::chrono::steady_clock::now() > deadline)
      throw cli_error(requests.size() == 1
                          ? "no outcome within " + std::to_string(timeout.count() / 1000) +
                                " s; the command is in the log and will be decided when `storemesh serve` runs"
                          : std::to_string(pending.size()) + " of " + std::to_string(requests.size()) +
                                " commands have no outcome within " + std::to_string(timeout.count() / 1000) +
                                " s; they are in the log and will be decided when `storemesh serve` runs");
    if (!any) {  // nothing new anywhere: wait on one partition at a time, in turn
      const auto k = turn++ % readers.size();
      (void)log_.wait_beyond(read_where[k].first, partition_id{read_where[k].second}, readers[k]->position(),
                             std::chrono::milliseconds(5));
    }
  }
  // The rest of the accepted commands' events, until a read brings none.
  while (!accepted.empty() && read_outcomes().matched) {
  }
  return outcomes;
}

} // namespace storemesh::ops
