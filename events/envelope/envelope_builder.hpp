#pragma once
// What every producer of envelopes needs: fresh ids, timestamps, the flat
// bytes of a built message, and conversions between Data fields and bytes.

#include <capnp/blob.h>
#include <capnp/message.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace storemesh::events::envelope {

/// 16 random bytes (libsodium's CSPRNG): a message id, unique with
/// overwhelming probability, unguessable so ids cannot be pre-claimed.
[[nodiscard]] std::array<std::uint8_t, 16> new_message_id();

/// Unix time in nanoseconds (system_clock): for Envelope.timestampNs.
[[nodiscard]] std::int64_t now_ns();

/// Where this thread's message ids and timestamps come from when it runs
/// inside the deterministic simulator (sim/world.hpp): the simulated clock
/// and the seeded generator, so that a seed replays bit for bit. Null (the
/// default, always outside the simulator): libsodium's CSPRNG and the system
/// clock.
class simulated_source {
public:
  virtual ~simulated_source() = default;
  virtual std::int64_t now_ns() = 0;
  virtual std::array<std::uint8_t, 16> new_message_id() = 0;
};
void simulate_on_this_thread(simulated_source* source);

/// The message as one flat record value (Cap'n Proto's standard framing: a
/// segment table, then the segments); its size is a multiple of 8.
[[nodiscard]] std::string to_bytes(capnp::MessageBuilder& message);

/// A Data field's bytes as a string_view (no copy; valid as long as the message).
[[nodiscard]] inline std::string_view as_string_view(capnp::Data::Reader d) {
  return {reinterpret_cast<const char*>(d.begin()), d.size()};
}

/// Bytes to pass to a Data setter (no copy).
[[nodiscard]] inline capnp::Data::Reader as_data(std::string_view bytes) {
  return {reinterpret_cast<const capnp::byte*>(bytes.data()), bytes.size()};
}
template <std::size_t N>
[[nodiscard]] capnp::Data::Reader as_data(const std::array<std::uint8_t, N>& bytes) {
  return {bytes.data(), bytes.size()};
}

} // namespace storemesh::events::envelope
