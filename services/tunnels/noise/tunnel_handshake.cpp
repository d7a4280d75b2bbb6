#include "services/tunnels/noise/tunnel_handshake.hpp"

#include "services/tunnels/noise/noise_errc.hpp"

namespace storemesh::tunnels::noise {

bytes tunnel_prologue(std::string_view cluster) {
  bytes p(tunnel_protocol_version.begin(), tunnel_protocol_version.end());
  p.push_back(0);
  p.insert(p.end(), cluster.begin(), cluster.end());
  return p;
}

result<tunnel_handshake> tunnel_handshake::create(bool initiator, const tunnel_identity& id,
                                                  std::optional<keypair> fixed_e) {
  handshake_config c;
  c.pat = pattern::xx;
  c.initiator = initiator;
  c.prologue = tunnel_prologue(id.cluster);
  c.s = id.s;
  c.fixed_e = std::move(fixed_e);
  c.allow = id.allow;
  SM_TRY(auto hs, handshake_state::create(std::move(c)));
  return tunnel_handshake(std::move(hs));
}

result<bytes> tunnel_handshake::output() {
  bytes out;
  if (!hs_.my_turn()) return out;
  SM_TRY(auto msg, hs_.write_message(nullptr, 0));
  append_frame(out, msg.data(), msg.size());
  return out;
}

result<void> tunnel_handshake::feed(const std::uint8_t* p, std::size_t n) {
  reader_.feed(p, n);
  // Frames past the handshake's last one stay buffered for the session.
  while (!hs_.finished() && !hs_.my_turn()) {
    SM_TRY(auto frame, reader_.next());
    if (!frame) return success();
    // Payloads are empty in version 1 and ignored, so later versions may use them.
    SM_TRYV(hs_.read_message(frame->data(), frame->size()));
  }
  return success();
}

result<tunnel_session> tunnel_handshake::into_session(rekey_policy policy, tunnel_clock::time_point now,
                                                      std::size_t max_message) {
  SM_TRY(auto keys, hs_.split());
  tunnel_session s(std::move(keys), policy, now, max_message);
  bytes rest = reader_.take_rest();
  s.reader_.feed(rest.data(), rest.size());
  return s;
}

} // namespace storemesh::tunnels::noise
