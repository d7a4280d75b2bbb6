#include "actors/records.hpp"

#include "events/crypto/command_signing.hpp"
#include "events/envelope/envelope_builder.hpp"

#include <capnp/message.h>

#include <memory>

namespace storemesh::actors {

using events::envelope::as_data;
using events::envelope::new_message_id;
using events::envelope::now_ns;
using events::envelope::to_bytes;

events::record make_event_record(std::string_view kind, std::string_view id, std::uint64_t seq,
                                 const events::crypto::digest& prev_hash, const cause& c,
                                 std::string_view producer,
                                 const std::function<void(schema::Envelope::Builder)>& fill) {
  capnp::MallocMessageBuilder message(256);
  auto env = message.initRoot<schema::Envelope>();
  env.setId(as_data(new_message_id()));
  env.setEntityKind(std::string(kind));
  env.setEntityId(std::string(id));
  env.setSequence(seq);
  env.setCausationId(as_data(c.command_id));
  env.setCorrelationId(as_data(std::string_view(c.correlation_id)));
  const auto ts = c.decided_ns != 0 ? c.decided_ns : now_ns();
  env.setTimestampNs(ts);
  env.setProducer(std::string(producer));
  env.setCommandOffset(c.command_offset);
  env.getIntegrity().initEvent().setPrevHash(as_data(prev_hash));
  fill(env);
  return events::record{std::string(id), to_bytes(message), ts};
}

namespace {

/// Everything of a command but its payload and signature; returns its timestamp.
std::int64_t fill_command_header(schema::Envelope::Builder env, std::string_view kind, std::string_view id,
                                 const command_header& h) {
  env.setId(as_data(h.id));
  env.setEntityKind(std::string(kind));
  env.setEntityId(std::string(id));
  env.setCausationId(as_data(std::string_view(h.causation_id)));
  env.setCorrelationId(h.correlation_id.empty() ? as_data(h.id) : as_data(std::string_view(h.correlation_id)));
  const auto ts = now_ns();
  env.setTimestampNs(ts);
  env.setProducer(h.producer);
  return ts;
}

} // namespace

result<events::record> make_command_record(std::string_view kind, std::string_view id, const command_header& h,
                                           const events::crypto::key_pair& signer,
                                           const std::function<void(schema::Envelope::Builder)>& fill) {
  capnp::MallocMessageBuilder message(256);
  auto env = message.initRoot<schema::Envelope>();
  const auto ts = fill_command_header(env, kind, id, h);
  fill(env);
  SM_TRYV(events::crypto::sign_command(env, signer));
  return events::record{std::string(id), to_bytes(message), ts};
}

result<std::vector<events::record>> make_command_batch(const std::vector<command_spec>& commands,
                                                       const events::crypto::key_pair& signer) {
  std::vector<events::record> out;
  if (commands.size() == 1) {
    const auto& c = commands.front();
    SM_TRY(auto rec, make_command_record(c.kind, c.id, c.header, signer, c.fill));
    out.push_back(std::move(rec));
    return out;
  }
  std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages;
  std::vector<schema::Envelope::Builder> envelopes;
  std::vector<std::int64_t> stamps;
  messages.reserve(commands.size());
  envelopes.reserve(commands.size());
  for (const auto& c : commands) {
    messages.push_back(std::make_unique<capnp::MallocMessageBuilder>(256));
    envelopes.push_back(messages.back()->initRoot<schema::Envelope>());
    stamps.push_back(fill_command_header(envelopes.back(), c.kind, c.id, c.header));
    c.fill(envelopes.back());
  }
  SM_TRYV(events::crypto::sign_command_batch(envelopes, signer));
  out.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i)
    out.push_back(events::record{commands[i].id, to_bytes(*messages[i]), stamps[i]});
  return out;
}

events::record make_rejection_record(std::string_view kind, std::string_view id, std::string_view code,
                                     std::string_view reason, const std::string& command_topic, partition_id p,
                                     std::int64_t command_offset, std::string_view command_bytes,
                                     const std::array<std::uint8_t, 16>& command_id, std::string_view producer) {
  capnp::MallocMessageBuilder message(256);
  auto env = message.initRoot<schema::Envelope>();
  env.setId(as_data(new_message_id()));
  env.setEntityKind(std::string(kind.empty() ? "unknown" : kind));
  env.setEntityId(std::string(id.empty() ? "unknown" : id));
  env.setCausationId(as_data(command_id));
  env.setCorrelationId(as_data(command_id));
  const auto ts = now_ns();
  env.setTimestampNs(ts);
  env.setProducer(std::string(producer));
  env.setCommandOffset(command_offset);
  env.getIntegrity().setNone();
  auto r = env.getPayload().initRejection();
  r.setCode(std::string(code));
  r.setReason(std::string(reason));
  r.setCommandTopic(command_topic);
  r.setCommandPartition(p.value);
  r.setCommandOffset(command_offset);
  r.setCommand(as_data(command_bytes));
  return events::record{std::string(id.empty() ? "unknown" : id), to_bytes(message), ts};
}

std::string message_id_key(const std::array<std::uint8_t, 16>& id) {
  return std::string(reinterpret_cast<const char*>(id.data()), id.size());
}

} // namespace storemesh::actors

namespace storemesh::actors {

events::record make_snapshot_record(std::string_view kind, std::string_view id, std::uint64_t seq,
                                    const events::crypto::digest& last_hash, const std::string& events_topic,
                                    partition_id p, std::int64_t events_offset, const std::string& state_bytes,
                                    const processed_commands& processed,
                                    std::string_view producer) {
  capnp::MallocMessageBuilder message(1024);
  auto env = message.initRoot<schema::Envelope>();
  env.setId(as_data(new_message_id()));
  env.setEntityKind(std::string(kind));
  env.setEntityId(std::string(id));
  env.setSequence(seq);
  const auto ts = now_ns();
  env.setTimestampNs(ts);
  env.setProducer(std::string(producer));
  env.getIntegrity().setNone();
  auto s = env.getPayload().initSnapshot();
  s.setEntityKind(std::string(kind));
  s.setEntityId(std::string(id));
  s.setLastSequence(seq);
  s.setLastHash(as_data(last_hash));
  s.setEventsTopic(events_topic);
  s.setEventsPartition(p.value);
  s.setEventsOffset(events_offset);
  s.setState(as_data(std::string_view(state_bytes)));
  auto list = s.initProcessed(static_cast<unsigned>(processed.size()));
  unsigned i = 0;
  for (const auto& [cmd, e] : processed.ids) {
    list[i].setId(as_data(std::string_view(cmd)));
    list[i].setCommandOffset(e.offset);
    list[i].setDecidedNs(e.decided_ns);
    ++i;
  }
  s.setProcessedFloorNs(processed.floor_ns);
  return events::record{std::string(id), to_bytes(message), ts};
}

} // namespace storemesh::actors
