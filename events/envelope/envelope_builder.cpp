#include "events/envelope/envelope_builder.hpp"

#include "events/crypto/sodium_init.hpp"

#include <capnp/serialize.h>
#include <kj/io.h>
#include <sodium.h>

#include <chrono>

namespace storemesh::events::envelope {

namespace {
thread_local simulated_source* simulated = nullptr;
} // namespace

void simulate_on_this_thread(simulated_source* source) { simulated = source; }

std::array<std::uint8_t, 16> new_message_id() {
  crypto::ensure_sodium();
  if (simulated != nullptr)
    return simulated->new_message_id();
  std::array<std::uint8_t, 16> id;
  randombytes_buf(id.data(), id.size());
  return id;
}

std::int64_t now_ns() {
  if (simulated != nullptr)
    return simulated->now_ns();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string to_bytes(capnp::MessageBuilder& message) {
  // Written straight into the string: one allocation, no intermediate array.
  std::string out(capnp::computeSerializedSizeInWords(message) * sizeof(capnp::word), '\0');
  kj::ArrayOutputStream stream(kj::arrayPtr(reinterpret_cast<kj::byte*>(out.data()), out.size()));
  capnp::writeMessage(stream, message);
  return out;
}

} // namespace storemesh::events::envelope
