#include "services/access/protection.hpp"

#include "services/names.hpp"

#include <arpa/inet.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <set>

namespace storemesh::services::access {
namespace {

bool lower_hex(std::string_view s, std::size_t digits) {
  return s.size() == digits &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return out;
}

/// An address as its 4 or 16 bytes (inet_pton: no name lookup, no I/O).
struct ip {
  int family = 0;
  std::array<unsigned char, 16> bytes{};
  unsigned bits() const { return family == AF_INET ? 32 : 128; }
};

std::optional<ip> parse_ip(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN)
    return std::nullopt;
  const std::string z(text);  // inet_pton wants a NUL-terminated string
  ip a;
  if (inet_pton(AF_INET, z.c_str(), a.bytes.data()) == 1)
    a.family = AF_INET;
  else if (inet_pton(AF_INET6, z.c_str(), a.bytes.data()) == 1)
    a.family = AF_INET6;
  else
    return std::nullopt;
  return a;
}

struct cidr {
  ip net;
  unsigned prefix = 0;
};

std::optional<cidr> parse_cidr(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos)
    return std::nullopt;
  auto net = parse_ip(text.substr(0, slash));
  const auto len = text.substr(slash + 1);
  if (!net || len.empty() || len.size() > 3 || !std::all_of(len.begin(), len.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  const auto prefix = static_cast<unsigned>(std::stoul(std::string(len)));
  if (prefix > net->bits())
    return std::nullopt;
  return cidr{*net, prefix};
}

bool in(const ip& a, const cidr& c) {
  if (a.family != c.net.family)
    return false;
  for (unsigned i = 0; i < c.prefix / 8; ++i)
    if (a.bytes[i] != c.net.bytes[i])
      return false;
  if (const unsigned rest = c.prefix % 8; rest != 0) {
    const auto mask = static_cast<unsigned char>(0xFF << (8 - rest));
    if ((a.bytes[c.prefix / 8] & mask) != (c.net.bytes[c.prefix / 8] & mask))
      return false;
  }
  return true;
}

std::optional<std::uint64_t> parse_age(std::string_view s) {
  if (s.empty() || s.size() > 7 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  const auto v = std::stoull(std::string(s));
  if (v > 1000000)
    return std::nullopt;
  return v;
}

template <std::size_t N>
bool unhex(std::string_view s, std::array<unsigned char, N>& out) {
  if (!lower_hex(s, 2 * N))
    return false;
  auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (std::size_t i = 0; i < N; ++i)
    out[i] = static_cast<unsigned char>(nib(s[2 * i]) * 16 + nib(s[2 * i + 1]));
  return true;
}

/// Whether `proof` is `key`'s Ed25519 signature of the session's proof
/// message. Anything malformed simply does not prove.
bool proved(std::string_view key, std::string_view proof, std::string_view session) {
  static const bool ready = sodium_init() >= 0;  // idempotent; picks the implementations
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> pk{};
  std::array<unsigned char, crypto_sign_BYTES> sig{};
  if (!ready || !unhex(key, pk) || !unhex(proof, sig))
    return false;
  const auto msg = session_proof_message(session);
  return crypto_sign_verify_detached(sig.data(), reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                                     pk.data()) == 0;
}

std::string check_extension(std::string_view e) {
  if (e.find('.') != std::string_view::npos || e.find('/') != std::string_view::npos)
    return "extension '" + std::string(e) + "' must hold no '.' or '/' (write 'exe', not '.exe')";
  if (std::any_of(e.begin(), e.end(), [](char c) { return static_cast<unsigned char>(c) < ' '; }))
    return "an extension must hold no control characters";
  if (e.size() > 32)
    return "extension '" + std::string(e) + "' is longer than 32 characters";
  return {};
}

/// The extension of a share-relative path: after the last '.' of its last
/// component, lower case; "" for none (".profile" and "name." have none).
std::string extension_of(std::string_view path) {
  const auto slash = path.rfind('/');
  const auto base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const auto dot = base.rfind('.');
  if (dot == std::string_view::npos || dot == 0)
    return {};
  return lower(base.substr(dot + 1));
}

bool listed(const std::vector<std::string>& list, const std::string& ext) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& x) { return lower(x) == ext; });
}

std::string named(const std::string& ext) { return ext.empty() ? "no extension" : "extension '" + ext + "'"; }

std::string joined(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& x : list)
    out += (out.empty() ? "" : ", ") + (x.empty() ? std::string("(none)") : lower(x));
  return out;
}

} // namespace

bool policy::operator==(const policy& o) const {
  return mandatory == o.mandatory && max_signature_age_h == o.max_signature_age_h &&
         trusted_networks == o.trusted_networks && known_keys == o.known_keys && shares == o.shares &&
         scan_extensions == o.scan_extensions && exclude_extensions == o.exclude_extensions &&
         max_scan_bytes == o.max_scan_bytes && oversize == o.oversize && on_outage == o.on_outage &&
         max_file_bytes == o.max_file_bytes;
}

std::string check_policy(const policy& p) {
  for (const auto& n : p.trusted_networks)
    if (!parse_cidr(n))
      return "trusted network '" + n + "' is not an IPv4 or IPv6 CIDR (address/prefix, e.g. 10.0.0.0/8, ::1/128)";
  for (const auto& k : p.known_keys)
    if (!lower_hex(k, 64))
      return "known key '" + k + "' is not an Ed25519 public key in 64 lowercase hex digits";
  for (const auto& [share, mode] : p.shares) {
    if (auto why = check_name(share); !why.empty())
      return "share '" + share + "' " + why;
    if (mode != share_mode::by_client && mode != share_mode::always && mode != share_mode::never)
      return "share '" + share + "' has an unknown mode";
  }
  for (const auto* list : {&p.scan_extensions, &p.exclude_extensions})
    for (const auto& e : *list)
      if (auto why = check_extension(e); !why.empty())
        return why;
  if (p.max_file_bytes == 0)
    return "max_file_bytes must be at least 1";
  if (p.oversize != oversize_action::refuse && p.oversize != oversize_action::allow)
    return "oversize must be refuse or allow";
  if (p.on_outage != outage_action::refuse && p.on_outage != outage_action::allow_and_mark)
    return "on_outage must be refuse or allow_and_mark";
  return {};
}

std::string check_attributes(const attributes& a) {
  static const std::set<std::string> known{"av", "av.age_h", "addr", "key", "key.proof"};
  for (const auto& [k, v] : a)
    if (known.count(k) == 0)
      return "unknown attribute '" + k + "' (known: av, av.age_h, addr, key, key.proof)";
  if (auto it = a.find("av"); it != a.end() && it->second != "active" && it->second != "inactive")
    return "av must be active or inactive, not '" + it->second + "'";
  if (auto it = a.find("av.age_h"); it != a.end() && !parse_age(it->second))
    return "av.age_h must be a whole number of hours 0..1000000, not '" + it->second + "'";
  if (auto it = a.find("addr"); it != a.end() && !parse_ip(it->second))
    return "addr '" + it->second + "' is not an IPv4 or IPv6 address";
  const auto key = a.find("key");
  const auto proof = a.find("key.proof");
  if ((key == a.end()) != (proof == a.end()))
    return "key and key.proof come together: one without the other proves nothing";
  if (key != a.end() && !lower_hex(key->second, 64))
    return "key must be an Ed25519 public key in 64 lowercase hex digits";
  if (proof != a.end() && !lower_hex(proof->second, 128))
    return "key.proof must be an Ed25519 signature in 128 lowercase hex digits";
  return {};
}

std::string session_proof_message(std::string_view session) {
  return "storemesh-session-proof:" + std::string(session);
}

protection decide_session(const policy& p, std::string_view share, std::string_view session, const attributes& a) {
  const std::string share_s(share);
  const auto mode = p.shares.count(share_s) != 0 ? p.shares.at(share_s) : share_mode::by_client;
  if (mode == share_mode::never)
    return {false, "share_exempt", "share '" + share_s + "' is never scanned (its mode is never)"};
  if (mode == share_mode::always)
    return {true, "share_requires_scan", "share '" + share_s + "' is always scanned (its mode is always)"};
  if (p.mandatory)
    return {true, "mandatory", "the policy makes scanning mandatory"};
  const auto av = a.find("av");
  if (av == a.end())
    return {true, "no_client_av", "client reports no antivirus"};
  if (av->second != "active")
    return {true, "client_av_inactive", "client antivirus is " + av->second + ", not active"};
  const auto age_text = a.find("av.age_h");
  const auto age = age_text == a.end() ? std::nullopt : parse_age(age_text->second);
  if (!age)
    return {true, "client_av_age_unknown", "client reports no signature age (av.age_h)"};
  const auto max = std::to_string(p.max_signature_age_h);
  if (*age > p.max_signature_age_h)
    return {true, "client_av_stale",
            "client av signatures " + std::to_string(*age) + " h old > max " + max + " h"};
  // Not naming the maximum here: a change of it re-decides only the sessions
  // it moves across the line, not every fresh one.
  const auto fresh = "client av active, signatures " + std::to_string(*age) + " h old";
  const auto addr = a.find("addr");
  const auto address = addr == a.end() ? std::nullopt : parse_ip(addr->second);
  if (address)
    for (const auto& n : p.trusted_networks)
      if (auto c = parse_cidr(n); c && in(*address, *c))
        return {false, "trusted_network",
                "client address " + addr->second + " in trusted network " + n + "; " + fresh};
  const auto key = a.find("key");
  const auto proof = a.find("key.proof");
  const bool known = key != a.end() && std::find(p.known_keys.begin(), p.known_keys.end(), key->second) != p.known_keys.end();
  if (known && proof != a.end() && proved(key->second, proof->second, session))
    return {false, "known_key",
            "client key " + key->second.substr(0, 16) + "... is known and proved for session " + std::string(session) +
                "; " + fresh};
  std::string why = addr == a.end() ? "no client address" : "client address " + addr->second + " in no trusted network";
  if (key == a.end())
    why += ", no key";
  else if (!known)
    why += ", key " + key->second.substr(0, 16) + "... not known";
  else
    why += ", key " + key->second.substr(0, 16) + "... not proved (its proof does not verify for session " +
           std::string(session) + ")";
  return {true, "untrusted_client", fresh + ", but " + why};
}

file_protection decide_file(const policy& p, std::string_view path, std::uint64_t size) {
  const auto ext = extension_of(path);
  if (listed(p.exclude_extensions, ext))
    return {false, false, "extension_excluded", named(ext) + " is excluded from scanning"};
  if (!p.scan_extensions.empty() && !listed(p.scan_extensions, ext))
    return {false, false, "extension_not_listed",
            named(ext) + " is not among the extensions scanned (" + joined(p.scan_extensions) + ")"};
  const auto n = std::to_string(size);
  if (p.max_scan_bytes != 0 && size > p.max_scan_bytes) {
    const auto over = n + " bytes > max_scan_bytes " + std::to_string(p.max_scan_bytes);
    if (p.oversize == oversize_action::allow)
      return {false, false, "too_large_to_scan", over + "; the policy lets it through unscanned"};
    return {false, true, "too_large_to_scan", over + "; the policy refuses it"};
  }
  return {true, false, "session_scanned", "the session scans; " + named(ext) + ", " + n + " bytes"};
}

bool in_network(std::string_view address, std::string_view network) {
  const auto a = parse_ip(address);
  const auto c = parse_cidr(network);
  return a && c && in(*a, *c);
}

std::string_view to_string(share_mode m) {
  switch (m) {
    case share_mode::by_client: return "by_client";
    case share_mode::always: return "always";
    case share_mode::never: return "never";
  }
  return "unknown";
}

std::string_view to_string(outage_action a) {
  switch (a) {
    case outage_action::refuse: return "refuse";
    case outage_action::allow_and_mark: return "allow_and_mark";
  }
  return "unknown";
}

std::string_view to_string(oversize_action a) {
  switch (a) {
    case oversize_action::refuse: return "refuse";
    case oversize_action::allow: return "allow";
  }
  return "unknown";
}

} // namespace storemesh::services::access
