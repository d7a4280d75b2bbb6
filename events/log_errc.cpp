#include "events/log_errc.hpp"

#include <string>

namespace storemesh::events {
namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "log"; }
  std::string message(int value) const override {
    switch (static_cast<log_errc>(value)) {
      case log_errc::corrupt_record: return "corrupt record";
      case log_errc::unknown_topic: return "unknown topic";
      case log_errc::unknown_partition: return "unknown partition";
      case log_errc::bad_topic_name: return "bad topic name";
      case log_errc::offset_out_of_range: return "offset out of range";
      case log_errc::bad_batch: return "bad batch";
      case log_errc::disk_full: return "disk full";
      case log_errc::io_error: return "I/O error";
      case log_errc::broker_error: return "broker error";
      case log_errc::unsupported: return "unsupported by this log";
      case log_errc::fenced: return "fenced: the partition belongs to another group member";
      case log_errc::stale_claim: return "stale claim: decided under a tenure of the partition that has ended";
      case log_errc::unstable_position: return "position not stable yet: a transaction that commits it is open";
      case log_errc::aborted: return "transaction aborted: nothing of it was written";
      case log_errc::unavailable: return "no broker answered in time";
    }
    return "unknown log error " + std::to_string(value);
  }
};

} // namespace

bool passes_by_itself(const std::error_code& e) noexcept {
  return e == make_error_code(log_errc::unavailable) || e == make_error_code(log_errc::aborted) ||
         e == make_error_code(log_errc::unstable_position);
}

const std::error_category& log_category() noexcept {
  static const category instance;
  return instance;
}

} // namespace storemesh::events
