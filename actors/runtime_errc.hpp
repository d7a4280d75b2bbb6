#pragma once
// Conditions the runtime reports (recovery, replay, the daemon).

#include <system_error>

namespace storemesh::actors {

enum class runtime_errc {
  /// An entity's events skip or repeat a sequence number.
  sequence_gap = 1,
  /// An event's prevHash is not the hash of the entity's previous event.
  broken_chain,
  /// A snapshot record does not decode or does not belong to its entity.
  bad_snapshot,
  /// A record in an events topic does not decode.
  bad_record,
  /// No outcome for a command within the wait time.
  timeout,
  /// The command was refused (the detail is the reason).
  rejected,
  /// The runtime's topics do not fit together (their partition counts differ).
  bad_topics,
};

const std::error_category& runtime_category() noexcept;
inline std::error_code make_error_code(runtime_errc e) noexcept { return {static_cast<int>(e), runtime_category()}; }

} // namespace storemesh::actors

template <>
struct std::is_error_code_enum<storemesh::actors::runtime_errc> : std::true_type {};
