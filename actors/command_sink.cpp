#include "actors/command_sink.hpp"

#include "events/crypto/hashing.hpp"
#include "events/envelope/envelope_builder.hpp"

#include <spdlog/spdlog.h>

#include <cstring>
#include <map>

namespace storemesh::actors {

result<events::record> command_sink::build(const services::issued_command& c, const std::array<std::uint8_t, 16>& id,
                                           std::string causation_id, std::string correlation_id) const {
  command_header h;
  h.id = id;
  h.causation_id = std::move(causation_id);
  h.correlation_id = std::move(correlation_id);
  h.producer = producer_;
  return make_command_record(c.kind, c.id, h, writer_.sealing_key(), c.write);
}

void command_sink::submit(std::vector<events::record> records, append_callback done) {
  std::map<std::int32_t, std::vector<events::record>> by_partition;
  for (auto& r : records) {
    const auto p = events::partition_for(r.key, partitions_).value;
    by_partition[p].push_back(std::move(r));
  }
  std::vector<append_part> parts;
  for (auto& [p, recs] : by_partition)
    parts.push_back(append_part{names_.commands(), partition_id{p}, std::move(recs)});
  writer_.submit(std::move(parts), std::move(done));
}

void command_sink::send(const services::issued_command& c) {
  auto rec = build(c, events::envelope::new_message_id());
  if (!rec) {
    spdlog::error("{}/{}: cannot build a command: {}", c.kind, c.id, rec.error().message());
    return;
  }
  send_record(std::move(rec).value(), c.kind, c.id, 50);
}

void command_sink::send_record(events::record rec, std::string kind, std::string id, int attempts_left) {
  std::vector<events::record> one{rec};
  submit(std::move(one), [this, rec = std::move(rec), kind = std::move(kind), id = std::move(id),
                          attempts_left](result<std::vector<offset>> r) mutable {
    if (r)
      return;
    if (r.error().code == events::log_errc::fenced && attempts_left > 0)
      return send_record(std::move(rec), std::move(kind), std::move(id), attempts_left - 1);
    spdlog::error("{}/{}: command not appended: {}", kind, id, r.error().message());
  });
}

std::array<std::uint8_t, 16> reaction_command_id(const std::array<std::uint8_t, 16>& event_id,
                                                 std::string_view reactor, std::size_t index) {
  std::string input(reinterpret_cast<const char*>(event_id.data()), event_id.size());
  input += '\0';
  input += reactor;
  input += '\0';
  input += std::to_string(index);
  const auto d = events::crypto::blake2b_256(input);
  std::array<std::uint8_t, 16> id{};
  std::memcpy(id.data(), d.data(), id.size());
  return id;
}

} // namespace storemesh::actors
