#include "sim/invariants.hpp"

#include "sim/hex.hpp"

#include <sodium.h>

namespace storemesh::sim {

namespace {

std::string blake2b_256(const std::string& bytes) {
  std::string out(32, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                     reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), nullptr, 0);
  return out;
}

std::string text(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }
std::string bytes(capnp::Data::Reader d) { return std::string(reinterpret_cast<const char*>(d.begin()), d.size()); }

bool is_repeat(const std::string& code) { return code == "duplicate" || code == "expired"; }

} // namespace

std::optional<std::string> runtime_invariants::check(const log_view& log) {
  for (; seen_ < log.size(); ++seen_) {
    const auto& r = log.at(seen_);
    if (!r.env)
      return "record " + std::to_string(seen_) + " on " + r.topic + " does not decode";
    const auto env = r.env->reader();
    const auto kind = text(env.getEntityKind());
    const auto id = text(env.getEntityId());
    const auto cmd = bytes(env.getCausationId());
    if (env.getPayload().isRejection()) {
      const auto code = text(env.getPayload().getRejection().getCode());
      if (is_repeat(code))
        continue;
      if (accepted_.count(cmd) != 0)
        return "command " + hex(cmd) + " for " + kind + "/" + id + " was accepted, then refused (" + code +
               "): decided twice";
      if (auto it = refused_.find(cmd); it != refused_.end())
        return "command " + hex(cmd) + " for " + kind + "/" + id + " was refused twice (" + it->second + ", then " +
               code + "): decided twice";
      refused_.emplace(cmd, code);
      continue;
    }
    if (!env.getIntegrity().isEvent())
      continue;  // snapshots, seals, commands
    const auto key = kind + "/" + id;
    auto& c = chains_[key];
    if (env.getSequence() != c.seq + 1)
      return key + ": event at " + r.topic + "@" + std::to_string(r.offset) + " has sequence " +
             std::to_string(env.getSequence()) + ", expected " + std::to_string(c.seq + 1);
    const auto prev = bytes(env.getIntegrity().getEvent().getPrevHash());
    if (!(c.seq == 0 ? prev == std::string(32, '\0') || prev.empty() : prev == c.last_hash))
      return key + ": event " + std::to_string(env.getSequence()) + " does not link to its predecessor";
    c.seq = env.getSequence();
    c.last_hash = blake2b_256(r.bytes);
    if (refused_.count(cmd) != 0)
      return "command " + hex(cmd) + " for " + key + " was refused (" + refused_[cmd] + "), then accepted: decided twice";
    auto [it, fresh] = accepted_.try_emplace(cmd, decision{key, env.getCommandOffset(), c.seq, env.getTimestampNs()});
    if (!fresh) {
      auto& d = it->second;
      if (d.entity != key || d.command_offset != env.getCommandOffset() || d.last_seq + 1 != c.seq ||
          d.decided_ns != env.getTimestampNs())
        return "command " + hex(cmd) + " was decided twice: events at " + d.entity + " #" +
               std::to_string(d.last_seq) + " (command offset " + std::to_string(d.command_offset) + ") and " +
               key + " #" + std::to_string(c.seq) + " (command offset " + std::to_string(env.getCommandOffset()) + ")";
      d.last_seq = c.seq;
    }
  }
  return std::nullopt;
}

} // namespace storemesh::sim
