#include "services/tunnels/noise/handshake_state.hpp"

#include "services/tunnels/noise/noise_errc.hpp"

#include <cstring>
#include <vector>

namespace storemesh::tunnels::noise {
namespace {

enum class token { e, s, ee, es, se, ss };

// The message patterns, message i sent by the initiator when i is even.
const std::vector<std::vector<token>>& messages_of(pattern p) {
  static const std::vector<std::vector<token>> xx{
      {token::e}, {token::e, token::ee, token::s, token::es}, {token::s, token::se}};
  static const std::vector<std::vector<token>> ik{
      {token::e, token::es, token::s, token::ss}, {token::e, token::ee, token::se}};
  return p == pattern::xx ? xx : ik;
}

} // namespace

std::string protocol_name(pattern p) {
  return p == pattern::xx ? "Noise_XX_25519_ChaChaPoly_BLAKE2b" : "Noise_IK_25519_ChaChaPoly_BLAKE2b";
}

std::string to_hex(const std::uint8_t* p, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  s.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

handshake_state::handshake_state(handshake_config cfg) : cfg_(std::move(cfg)), ss_(protocol_name(cfg_.pat)) {}

result<handshake_state> handshake_state::create(handshake_config cfg) {
  if (cfg.pat == pattern::ik && cfg.initiator && !cfg.rs)
    return make_error(noise_errc::bad_config, "IK initiator needs the responder's static key");
  handshake_state hs(std::move(cfg));
  hs.ss_.mix_hash(hs.cfg_.prologue.data(), hs.cfg_.prologue.size());
  if (hs.cfg_.pat == pattern::ik) {
    // Pre-message "<- s": both sides hash the responder's static key.
    if (hs.cfg_.initiator) {
      SM_TRYV(hs.check_allowed(*hs.cfg_.rs));
      hs.rs_ = hs.cfg_.rs;
      hs.ss_.mix_hash(hs.rs_->data(), dh_len);
    } else {
      hs.ss_.mix_hash(hs.cfg_.s.pub.data(), dh_len);
    }
  }
  return hs;
}

std::size_t handshake_state::messages_count() const { return messages_of(cfg_.pat).size(); }

bool handshake_state::my_turn() const {
  if (failed_ || next_ >= messages_count()) return false;
  return (next_ % 2 == 0) == cfg_.initiator;
}

result<void> handshake_state::check_allowed(const public_key& k) {
  if (cfg_.allow && !cfg_.allow(k)) return make_error(noise_errc::peer_not_allowed, to_hex(k));
  return success();
}

result<void> handshake_state::mix_dh(const keypair& local, const std::optional<public_key>& remote) {
  if (!remote) return make_error(noise_errc::bad_config, "DH with an unknown remote key");
  SM_TRY(auto shared, dh(local, *remote));
  ss_.mix_key(shared.data(), shared.size());
  return success();
}

result<bytes> handshake_state::write_message(const std::uint8_t* payload, std::size_t n) {
  if (!my_turn()) return fail<bytes>(make_error(noise_errc::out_of_order, "not our turn to write"));
  bytes out;
  auto step = [&]() -> result<void> {
    for (token t : messages_of(cfg_.pat)[next_]) {
      switch (t) {
        case token::e:
          e_ = cfg_.fixed_e ? *cfg_.fixed_e : generate_keypair();
          out.insert(out.end(), e_->pub.begin(), e_->pub.end());
          ss_.mix_hash(e_->pub.data(), dh_len);
          break;
        case token::s: SM_TRYV(ss_.encrypt_and_hash(cfg_.s.pub.data(), dh_len, out)); break;
        case token::ee: SM_TRYV(mix_dh(*e_, re_)); break;
        case token::es: SM_TRYV(cfg_.initiator ? mix_dh(*e_, rs_) : mix_dh(cfg_.s, re_)); break;
        case token::se: SM_TRYV(cfg_.initiator ? mix_dh(cfg_.s, re_) : mix_dh(*e_, rs_)); break;
        case token::ss: SM_TRYV(mix_dh(cfg_.s, rs_)); break;
      }
    }
    return ss_.encrypt_and_hash(payload, n, out);
  };
  if (auto r = step(); !r) return fail<bytes>(std::move(r).error());
  if (out.size() > max_message_len)
    return fail<bytes>(make_error(noise_errc::malformed_message, "handshake message over 65535 bytes"));
  ++next_;
  return out;
}

result<bytes> handshake_state::read_message(const std::uint8_t* msg, std::size_t n) {
  if (failed_ || next_ >= messages_count() || my_turn())
    return fail<bytes>(make_error(noise_errc::out_of_order, "no message from the peer is due"));
  if (n > max_message_len) return fail<bytes>(make_error(noise_errc::malformed_message, "over 65535 bytes"));
  bytes payload;
  std::size_t at = 0;
  auto take = [&](std::size_t len) -> result<const std::uint8_t*> {
    if (n - at < len) return make_error(noise_errc::malformed_message, "message too short");
    const std::uint8_t* p = msg + at;
    at += len;
    return p;
  };
  auto step = [&]() -> result<void> {
    for (token t : messages_of(cfg_.pat)[next_]) {
      switch (t) {
        case token::e: {
          SM_TRY(auto p, take(dh_len));
          re_.emplace();
          std::memcpy(re_->data(), p, dh_len);
          ss_.mix_hash(p, dh_len);
          break;
        }
        case token::s: {
          const std::size_t len = dh_len + (ss_.has_key() ? tag_len : 0);
          SM_TRY(auto p, take(len));
          bytes pub;
          SM_TRYV(ss_.decrypt_and_hash(p, len, pub));
          public_key k;
          std::memcpy(k.data(), pub.data(), dh_len);
          SM_TRYV(check_allowed(k));
          rs_ = k;
          break;
        }
        case token::ee: SM_TRYV(mix_dh(*e_, re_)); break;
        case token::es: SM_TRYV(cfg_.initiator ? mix_dh(*e_, rs_) : mix_dh(cfg_.s, re_)); break;
        case token::se: SM_TRYV(cfg_.initiator ? mix_dh(cfg_.s, re_) : mix_dh(*e_, rs_)); break;
        case token::ss: SM_TRYV(mix_dh(cfg_.s, rs_)); break;
      }
    }
    if (ss_.has_key() && n - at < tag_len) return make_error(noise_errc::malformed_message, "no room for the tag");
    return ss_.decrypt_and_hash(msg + at, n - at, payload);
  };
  if (auto r = step(); !r) return fail<bytes>(std::move(r).error());
  ++next_;
  return payload;
}

result<transport_keys> handshake_state::split() const {
  if (!finished()) return make_error(noise_errc::out_of_order, "handshake not finished");
  auto [c1, c2] = ss_.split();
  transport_keys t;
  t.send = cfg_.initiator ? c1 : c2;
  t.recv = cfg_.initiator ? c2 : c1;
  t.handshake_hash = ss_.handshake_hash();
  if (rs_) t.remote_static = *rs_;
  return t;
}

} // namespace storemesh::tunnels::noise
