#pragma once
// Test support (header-only, included by *.test.cpp only): envelopes with
// every field set, and their bytes.

#include "events/crypto/command_signing.hpp"
#include "events/envelope/envelope_builder.hpp"

#include "schemas/envelope.capnp.h"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace storemesh::events::envelope::testing {

inline const std::string sample_id(16, '\x42');
inline const std::string sample_causation(16, '\x11');
inline const std::string sample_correlation(16, '\x22');

/// Every envelope field set, a host `register` command with two datastores,
/// signed by `signer`.
inline void fill_full_envelope(schema::Envelope::Builder env, const crypto::key_pair& signer) {
  env.setId(as_data(sample_id));
  env.setEntityKind("host");
  env.setEntityId("host-a");
  env.setSequence(7);
  env.setCausationId(as_data(sample_causation));
  env.setCorrelationId(as_data(sample_correlation));
  env.setTimestampNs(1'700'000'000'123'456'789);
  env.setProducer("cli@test");
  env.setCommandOffset(42);
  auto datastores = env.getPayload().initHostCommand().initRegister(2);
  datastores[0].setName("ds1");
  datastores[0].setPath("/mnt/ds1");
  datastores[1].setName("ds2");
  datastores[1].setPath("/mnt/ds2");
  if (!crypto::sign_command(env, signer)) throw std::runtime_error("sign_command failed");
}

/// The bytes of a full envelope, in 8-byte-aligned storage (as the FileLog
/// hands them out).
struct aligned_bytes {
  std::vector<capnp::word> words;
  explicit aligned_bytes(const std::string& bytes) : words(bytes.size() / sizeof(capnp::word)) {
    std::memcpy(words.data(), bytes.data(), bytes.size());
  }
  [[nodiscard]] std::string_view view() const {
    return {reinterpret_cast<const char*>(words.data()), words.size() * sizeof(capnp::word)};
  }
};

/// The same bytes at an odd address (as Kafka's buffers may be).
struct unaligned_bytes {
  std::string storage;
  explicit unaligned_bytes(const std::string& bytes) : storage(" " + bytes) {}
  [[nodiscard]] std::string_view view() const { return std::string_view(storage).substr(1); }
};

/// For test messages: the error of a failed result, or "" (never touches the
/// error of a successful one, which would terminate).
template <class R>
std::string failure_of(const R& r) {
  return r.has_value() ? std::string() : r.error().message();
}

inline std::string full_envelope_bytes(const crypto::key_pair& signer) {
  capnp::MallocMessageBuilder msg;
  fill_full_envelope(msg.initRoot<schema::Envelope>(), signer);
  return to_bytes(msg);
}

} // namespace storemesh::events::envelope::testing
