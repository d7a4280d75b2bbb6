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
  must(actors::create_topics(log_, names_, 2), "creating topics");
  actors::command_header header;
  header.id = events::envelope::new_message_id();
  header.producer = producer_name();
  const auto& id = header.id;
  auto rec = must(actors::make_command_record(request.kind, request.entity_id, header, key_, request.fill),
                  "signing the command");

  // Where the outcome will appear, noted before the command exists so that it
  // cannot be missed however fast the daemon is.
  const auto events_topic = names_.events(request.kind);
  const auto ev_p = events::partition_for(request.entity_id, must(log_.partitions(events_topic), events_topic));
  const auto rej_p = events::partition_for(request.entity_id, must(log_.partitions(names_.rejected()), "rejected"));
  const auto ev_from = must(log_.end_offset(events_topic, ev_p), events_topic);
  const auto rej_from = must(log_.end_offset(names_.rejected(), rej_p), "rejected");

  const auto cmd_p = events::partition_for(request.entity_id, must(log_.partitions(names_.commands()), "commands"));
  must(log_.append(names_.commands(), cmd_p, {std::move(rec)}), "appending the command");
  command_outcome outcome;
  if (!wait)
    return outcome;

  auto ev_reader = must(log_.read(events_topic, ev_p, ev_from), events_topic);
  auto rej_reader = must(log_.read(names_.rejected(), rej_p, rej_from), "rejected");
  const std::string_view want(reinterpret_cast<const char*>(id.data()), id.size());
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<events::record_view> batch;
  for (;;) {
    batch.clear();
    must(ev_reader->poll(batch), "reading " + events_topic);
    bool found_now = false;
    for (const auto& r : batch) {
      auto e = events::envelope::decoded_envelope::decode(r.value);
      if (e && as_string_view(e.value().reader().getCausationId()) == want) {
        outcome.accepted = true;
        outcome.event_json.push_back(events::envelope::to_json(e.value().reader()));
        found_now = true;
      }
    }
    if (outcome.accepted && !found_now)
      return outcome;  // all of its events came in one batch, already read
    if (outcome.accepted)
      continue;
    batch.clear();
    must(rej_reader->poll(batch), "reading rejected");
    for (const auto& r : batch) {
      auto e = events::envelope::decoded_envelope::decode(r.value);
      if (e && as_string_view(e.value().reader().getCausationId()) == want &&
          e.value().reader().getPayload().isRejection()) {
        auto rej = e.value().reader().getPayload().getRejection();
        outcome.code = rej.getCode().cStr();
        outcome.reason = rej.getReason().cStr();
        return outcome;
      }
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw cli_error("no outcome within " + std::to_string(timeout.count() / 1000) +
                      " s; the command is in the log and will be decided when `storemesh serve` runs");
    (void)log_.wait_beyond(events_topic, ev_p, ev_reader->position(), std::chrono::milliseconds(10));
  }
}

std::vector<command_outcome> command_client::submit_all(const std::vector<command_request>& requests,
                                                       std::size_t batch, bool wait,
                                                       std::chrono::milliseconds timeout) {
  must(actors::create_topics(log_, names_, 2), "creating topics");
  const auto command_partitions = must(log_.partitions(names_.commands()), "commands");
  const auto rejected_partitions = must(log_.partitions(names_.rejected()), "rejected");

  // Where the outcomes will appear, noted before any command exists.
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
  std::size_t turn = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<events::record_view> got;
  while (!pending.empty()) {
    bool any = false;
    for (auto& reader : readers) {
      got.clear();
      must(reader->poll(got), "reading the outcomes");
      any = any || !got.empty();
      for (const auto& r : got) {
        auto e = events::envelope::decoded_envelope::decode(r.value);
        if (!e)
          continue;
        const auto cause = e.value().reader().getCausationId();
        auto it = pending.find(std::string(as_string_view(cause)));
        if (it == pending.end())
          continue;
        auto& outcome = outcomes[it->second];
        if (e.value().reader().getPayload().isRejection()) {
          auto rej = e.value().reader().getPayload().getRejection();
          outcome.code = rej.getCode().cStr();
          outcome.reason = rej.getReason().cStr();
        } else {
          outcome.accepted = true;
        }
        pending.erase(it);
      }
    }
    if (pending.empty())
      break;
    if (std::chrono::steady_clock::now() > deadline)
      throw cli_error(std::to_string(pending.size()) + " of " + std::to_string(requests.size()) +
                      " commands have no outcome within " + std::to_string(timeout.count() / 1000) +
                      " s; they are in the log and will be decided when `storemesh serve` runs");
    if (!any) {  // nothing new anywhere: wait on one partition at a time, in turn
      const auto k = turn++ % readers.size();
      (void)log_.wait_beyond(read_where[k].first, partition_id{read_where[k].second}, readers[k]->position(),
                             std::chrono::milliseconds(5));
    }
  }
  return outcomes;
}

} // namespace storemesh::ops
