#include "events/envelope/envelope_builder.hpp"

#include "events/crypto/sodium_init.hpp"

#include <capnp/serialize.h>
#include <kj/io.h>
#include <sodium.h>

#include <pthread.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstring>

namespace storemesh::events::envelope {

namespace {
thread_local simulated_source* simulated = nullptr;

// Message ids come from a per-thread buffer of the system's randomness,
// refilled 256 ids at a time: randombytes_buf is one getrandom() call, and a
// call per event was about 1 % of the daemon's CPU on the Kafka pipeline. A
// forked child must not hand out its parent's ids: fork bumps the generation
// and every buffer is refilled before its next id.
std::atomic<std::uint64_t> fork_generation{0};

struct id_buffer {
  std::array<std::uint8_t, 16 * 256> bytes;
  std::size_t used = 16 * 256;
  std::uint64_t generation = 0;
};
thread_local id_buffer ids;

void count_fork() { fork_generation.fetch_add(1, std::memory_order_relaxed); }
} // namespace

void simulate_on_this_thread(simulated_source* source) { simulated = source; }

std::array<std::uint8_t, 16> new_message_id() {
  crypto::ensure_sodium();
  if (simulated != nullptr)
    return simulated->new_message_id();
  static const bool registered = ::pthread_atfork(nullptr, nullptr, &count_fork) == 0;
  const auto generation = fork_generation.load(std::memory_order_relaxed);
  if (!registered || ids.used == ids.bytes.size() || ids.generation != generation) {
    randombytes_buf(ids.bytes.data(), ids.bytes.size());
    ids.used = 0;
    ids.generation = generation;
  }
  std::array<std::uint8_t, 16> id;
  std::memcpy(id.data(), ids.bytes.data() + ids.used, id.size());
  ids.used += id.size();
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
