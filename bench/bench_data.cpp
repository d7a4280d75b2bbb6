#include "bench/bench_data.hpp"

#include "events/crypto/batch_seal.hpp"
#include "events/crypto/command_signing.hpp"
#include "events/envelope/envelope_builder.hpp"

#include "schemas/envelope.capnp.h"

#include <capnp/message.h>

#include <array>
#include <cstring>
#include <stdexcept>

namespace storemesh::bench {

using events::crypto::digest;
using events::envelope::as_data;
using events::envelope::new_message_id;
using events::envelope::now_ns;
using events::envelope::to_bytes;
using schema::host::HostState;

namespace {

constexpr std::array<std::string_view, 4> reasons = {"maintenance window", "operator request", "datastore offline",
                                                     "rebalanced"};

} // namespace

event_stream::event_stream(std::size_t entities, std::uint64_t seed)
    : seq_(entities, 0), last_(entities, events::crypto::zero_digest), rng_(seed) {
  ids_.reserve(entities);
  char buf[32];
  for (std::size_t i = 0; i < entities; ++i) {
    std::snprintf(buf, sizeof buf, "host-%06zu", i);
    ids_.emplace_back(buf);
  }
}

events::record event_stream::next(digest& hash) {
  const std::size_t e = std::uniform_int_distribution<std::size_t>(0, ids_.size() - 1)(rng_);
  const std::uint64_t seq = ++seq_[e];

  // As actors/records.cpp builds events: one first segment of 256 words.
  capnp::MallocMessageBuilder message(256);
  auto env = message.initRoot<schema::Envelope>();
  env.setId(as_data(new_message_id()));
  env.setEntityKind("host");
  env.setEntityId(ids_[e]);
  env.setSequence(seq);
  env.setCausationId(as_data(new_message_id()));
  env.setCorrelationId(as_data(new_message_id()));
  const auto ts = now_ns();
  env.setTimestampNs(ts);
  env.setProducer("daemon@bench:1");
  env.setCommandOffset(command_offset_++);
  env.getIntegrity().initEvent().setPrevHash(as_data(last_[e]));
  auto changed = env.getPayload().initHostEvent().initStateChanged();
  changed.setFrom(seq % 2 == 0 ? HostState::DRAINING : HostState::UP);
  changed.setTo(seq % 2 == 0 ? HostState::UP : HostState::DRAINING);
  changed.setReason(std::string(reasons[seq % reasons.size()]));

  events::record r{ids_[e], to_bytes(message), ts};
  hash = events::crypto::record_hash(r.value);
  last_[e] = hash;
  return r;
}

events::record make_seal_record(std::string_view topic, std::int32_t partition, const std::vector<digest>& hashes,
                                const events::crypto::key_pair& sealer) {
  capnp::MallocMessageBuilder message(64);
  auto env = message.initRoot<schema::Envelope>();
  env.setId(as_data(new_message_id()));
  env.setEntityKind("seal");
  env.setEntityId(std::string(sealer_id));
  const auto ts = now_ns();
  env.setTimestampNs(ts);
  env.setProducer("daemon@bench:1");
  env.getIntegrity().setNone();
  auto seal = env.getPayload().initSeal();
  const auto key = sealer.public_key();
  seal.setPublicKey(as_data(key.bytes));
  seal.setCount(static_cast<std::uint32_t>(hashes.size()));
  seal.setSignature(as_data(events::crypto::seal_signature(topic, partition, hashes, sealer)));
  return events::record{std::string(sealer_id), to_bytes(message), ts};
}

std::string make_signed_command(std::size_t i, const events::crypto::key_pair& signer) {
  capnp::MallocMessageBuilder message(256);
  auto env = message.initRoot<schema::Envelope>();
  char id[32];
  std::snprintf(id, sizeof id, "host-%06zu", i);
  env.setId(as_data(new_message_id()));
  env.setEntityKind("host");
  env.setEntityId(id);
  env.setCorrelationId(as_data(new_message_id()));
  env.setTimestampNs(now_ns());
  env.setProducer("cli@bench");
  auto datastores = env.getPayload().initHostCommand().initRegister(2);
  datastores[0].setName("ds1");
  datastores[0].setPath("/mnt/ds1");
  datastores[1].setName("ds2");
  datastores[1].setPath("/mnt/ds2");
  if (!events::crypto::sign_command(env, signer)) throw std::runtime_error("sign_command failed");
  return to_bytes(message);
}

void aligned_values::add(std::string_view bytes) {
  const std::size_t at = words_.size();
  words_.resize(at + (bytes.size() + 7) / 8);
  std::memcpy(words_.data() + at, bytes.data(), bytes.size());
  spans_.push_back(span{at, bytes.size()});
}

std::string_view aligned_values::operator[](std::size_t i) const {
  return {reinterpret_cast<const char*>(words_.data() + spans_[i].word), spans_[i].size};
}

} // namespace storemesh::bench
