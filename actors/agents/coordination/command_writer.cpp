#include "actors/agents/coordination/command_writer.hpp"

#include "actors/daemon.hpp"
#include "actors/records.hpp"
#include "events/envelope/envelope_builder.hpp"

namespace storemesh::actors::coordination {

command_writer::command_writer(std::unique_ptr<events::event_log> log, topics names, events::crypto::key_pair key,
                               std::string producer)
    : log_(std::move(log)), names_(std::move(names)), key_(std::move(key)), producer_(std::move(producer)) {}

std::array<std::uint8_t, 16> command_writer::new_id() { return events::envelope::new_message_id(); }

result<std::int64_t> command_writer::submit(std::string_view kind, std::string_view entity_id,
                                    const std::array<std::uint8_t, 16>& id,
                                    const std::function<void(schema::Envelope::Builder)>& fill) {
  std::lock_guard lock(mutex_);
  if (!topics_ready_) {
    SM_TRYV(create_topics(*log_, names_, 2));
    topics_ready_ = true;
  }
  command_header header;
  header.id = id;
  header.producer = producer_;
  SM_TRY(auto rec, make_command_record(kind, entity_id, header, key_, fill));
  SM_TRY(auto partitions, log_->partitions(names_.commands()));
  std::vector<events::record> batch;
  batch.push_back(std::move(rec));
  SM_TRY(auto first, log_->append(names_.commands(), events::partition_for(entity_id, partitions), batch));
  return first.value;
}

result<std::int64_t> command_writer::head(std::string_view topic, std::string_view key) {
  std::lock_guard lock(mutex_);
  SM_TRY(auto partitions, log_->partitions(topic));
  SM_TRY(auto end, log_->end_offset(topic, events::partition_for(key, partitions)));
  return end.value;
}

} // namespace storemesh::actors::coordination
