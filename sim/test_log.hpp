#pragma once
// A log_view over records a test appends itself: for a scenario's unit tests
// (given these events, check() finds this violation), with no simulator.

#include "sim/scenario.hpp"

#include <map>

namespace storemesh::sim {

class test_log final : public log_view {
public:
  /// Appends `bytes` (an envelope) to `topic`; returns its index.
  std::size_t append(const std::string& topic, std::string key, std::string bytes) {
    logged_record r;
    r.topic = topic;
    r.offset = next_[topic]++;
    r.key = std::move(key);
    r.bytes = std::move(bytes);
    if (auto env = events::envelope::decoded_envelope::decode(r.bytes))
      r.env = std::make_shared<const events::envelope::decoded_envelope>(std::move(env).value());
    records_.push_back(std::move(r));
    return records_.size() - 1;
  }
  std::size_t size() const override { return records_.size(); }
  const logged_record& at(std::size_t i) const override { return records_.at(i); }
  const std::string& events_topic(std::string_view kind) const override {
    auto [it, fresh] = topics_.try_emplace(std::string(kind), "storemesh.events." + std::string(kind));
    return it->second;
  }
  const std::string& rejected_topic() const override { return rejected_; }
  const std::string& commands_topic() const override { return commands_; }

private:
  std::vector<logged_record> records_;
  std::map<std::string, std::int64_t> next_;
  mutable std::map<std::string, std::string> topics_;
  std::string rejected_ = "storemesh.rejected";
  std::string commands_ = "storemesh.commands";
};

} // namespace storemesh::sim
