#pragma once
// A decorator base: an event_log that hands every call to another one. Tests
// derive from it to change one call (a step between two reads, a read that
// times out, a hook after an append) and keep the rest of the log as it is,
// consumer groups and transactions included.

#include "events/event_log.hpp"

namespace storemesh::events {

class forwarding_log : public event_log {
public:
  explicit forwarding_log(event_log& inner) : inner_(inner) {}

  result<void> create_topic(std::string_view t, std::int32_t n) override { return inner_.create_topic(t, n); }
  result<std::int32_t> partitions(std::string_view t) override { return inner_.partitions(t); }
  result<offset> append(std::string_view t, partition_id p, const std::vector<record>& batch) override {
    return inner_.append(t, p, batch);
  }
  result<std::vector<offset>> append_all(const std::vector<batch_ref>& batches) override {
    return inner_.append_all(batches);
  }
  result<std::vector<offset>> append_committing(const std::vector<batch_ref>& batches,
                                                const offsets_commit& commit) override {
    return inner_.append_committing(batches, commit);
  }
  result<offset> end_offset(std::string_view t, partition_id p) override { return inner_.end_offset(t, p); }
  result<bool> transaction_open(std::string_view t, partition_id p) override { return inner_.transaction_open(t, p); }
  std::optional<error> needs_reopen() const override { return inner_.needs_reopen(); }
  bool fenced() const override { return inner_.fenced(); }
  result<std::unique_ptr<log_reader>> read(std::string_view t, partition_id p, offset from) override {
    return inner_.read(t, p, from);
  }
  result<std::unique_ptr<partition_group>> join_group(std::string_view topic, std::string_view group) override {
    return inner_.join_group(topic, group);
  }
  result<offset> wait_beyond(std::string_view t, partition_id p, offset known,
                             std::chrono::milliseconds timeout) override {
    return inner_.wait_beyond(t, p, known, timeout);
  }

private:
  event_log& inner_;
};

} // namespace storemesh::events
