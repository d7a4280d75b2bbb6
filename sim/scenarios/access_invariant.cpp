#include "sim/scenarios/access_invariant.hpp"

#include "services/access/access_server_codec.hpp"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace storemesh::sim {
namespace {

namespace ac = services::access;

bool unhex(std::string_view s, std::vector<unsigned char>& out) {
  if (s.size() % 2 != 0)
    return false;
  out.clear();
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); i += 2) {
    const int hi = nib(s[i]), lo = nib(s[i + 1]);
    if (hi < 0 || lo < 0)
      return false;
    out.push_back(static_cast<unsigned char>(hi * 16 + lo));
  }
  return true;
}

/// The attrs' key proof verifies for `session` and the key is one the policy
/// knows. Verified here with libsodium, not through protection.cpp.
bool proves_key(const ac::attributes& a, const std::string& session) {
  const auto key = a.find("key");
  const auto proof = a.find("key.proof");
  if (key == a.end() || proof == a.end())
    return false;
  static const bool ready = sodium_init() >= 0;
  std::vector<unsigned char> pk, sig;
  if (!ready || !unhex(key->second, pk) || !unhex(proof->second, sig) || pk.size() != crypto_sign_PUBLICKEYBYTES ||
      sig.size() != crypto_sign_BYTES)
    return false;
  const auto msg = "storemesh-session-proof:" + session;  // what the client signs (README, protection.hpp)
  return crypto_sign_verify_detached(sig.data(), reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                                     pk.data()) == 0;
}

ac::share_mode mode_of(const ac::policy& p, const std::string& share) {
  const auto it = p.shares.find(share);
  return it == p.shares.end() ? ac::share_mode::by_client : it->second;
}

/// After the last '.' of the last component, lower case; "" for none (".profile", "name.").
std::string extension(std::string_view path) {
  const auto slash = path.rfind('/');
  const auto base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const auto dot = base.rfind('.');
  if (dot == std::string_view::npos || dot == 0)
    return {};
  std::string e(base.substr(dot + 1));
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return e;
}

bool listed(const std::vector<std::string>& list, const std::string& ext) {
  return std::any_of(list.begin(), list.end(), [&](std::string x) {
    std::transform(x.begin(), x.end(), x.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return x == ext;
  });
}

bool lets_through(ac::verdict v) {
  return v == ac::verdict::clean || v == ac::verdict::not_scanned || v == ac::verdict::deferred;
}

} // namespace

bool client_protects_itself(const ac::policy& p, const ac::attributes& a, bool key_proved) {
  const auto av = a.find("av");
  const auto age = a.find("av.age_h");
  if (av == a.end() || av->second != "active" || age == a.end())
    return false;
  if (age->second.empty() || age->second.size() > 7 ||
      !std::all_of(age->second.begin(), age->second.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoull(age->second) > p.max_signature_age_h)
    return false;
  if (const auto addr = a.find("addr"); addr != a.end())
    for (const auto& n : p.trusted_networks)
      if (ac::in_network(addr->second, n))
        return true;
  const auto key = a.find("key");
  return key_proved && key != a.end() &&
         std::find(p.known_keys.begin(), p.known_keys.end(), key->second) != p.known_keys.end();
}

std::optional<std::string> access_invariant::advance(const log_view& log) {
  events_.poll(log, [&](const std::string& server, const ac::event& e) {
    if (violation_)
      return;  // the first one stands
    if (auto v = fold(server, e))
      violation_ = "access: record " + std::to_string(events_.position()) + ": " + *v;
  });
  return violation_;
}

std::optional<std::string> access_invariant::fold(const std::string& server, const ac::event& e) {
  auto& s = servers_[server];
  return std::visit(
      services::overloaded{
          [&](const ac::attached&) -> std::optional<std::string> { return std::nullopt; },
          [&](const ac::policy_set& x) -> std::optional<std::string> {
            s.policy = x.policy;
            return std::nullopt;
          },
          [&](const ac::session_opened& x) -> std::optional<std::string> {
            s.sessions[x.session] = session_view{x.share, x.attrs, x.decided.scan, true, proves_key(x.attrs, x.session)};
            return std::nullopt;
          },
          [&](const ac::client_updated& x) -> std::optional<std::string> {
            auto it = s.sessions.find(x.session);
            if (it == s.sessions.end())
              return "client_updated for unknown session " + x.session;
            it->second.attrs = x.attrs;
            it->second.decided_scan = x.decided.scan;
            it->second.key_proved = proves_key(x.attrs, x.session);
            return std::nullopt;
          },
          [&](const ac::session_redecided& x) -> std::optional<std::string> {
            if (auto it = s.sessions.find(x.session); it != s.sessions.end())
              it->second.decided_scan = x.decided.scan;
            return std::nullopt;
          },
          [&](const ac::session_closed& x) -> std::optional<std::string> {
            if (auto it = s.sessions.find(x.session); it != s.sessions.end())
              it->second.open = false;
            return std::nullopt;
          },
          [&](const ac::accessed& x) { return on_access(server, s, x); },
          [&](const ac::rescanned& x) -> std::optional<std::string> {
            const auto it = s.deferred.find(x.access);
            if (it == s.deferred.end())
              return "rescanned access " + x.access + " that was not waiting for a scan";
            if (x.result == ac::verdict::infected)
              s.infected.insert(it->second);
            else if (x.result != ac::verdict::clean)
              return "rescan of " + x.access + " recorded " + std::string(ac::to_string(x.result));
            s.deferred.erase(it);
            return std::nullopt;
          },
      },
      e);
}

std::optional<std::string> access_invariant::on_access(const std::string& server, server_view& s,
                                                       const ac::accessed& a) {
  const auto what = "access " + a.access + " (" + std::string(ac::to_string(a.op)) + " " + a.path + ", " +
                    std::to_string(a.bytes) + " bytes, " + std::string(ac::to_string(a.result)) + ") on " + server;
  const auto it = s.sessions.find(a.session);
  if (it == s.sessions.end())
    return what + ": recorded in unknown session " + a.session;
  if (!it->second.open)
    return what + ": recorded in closed session " + a.session;
  const auto& se = it->second;
  const auto& p = s.policy;
  if (a.result == ac::verdict::infected && !a.sha256.empty())
    s.infected.insert(a.sha256);
  if (!lets_through(a.result))
    return std::nullopt;
  if (a.result == ac::verdict::deferred)
    s.deferred[a.access] = a.sha256;
  if (a.bytes > p.max_file_bytes)
    return what + ": let through, larger than max_file_bytes " + std::to_string(p.max_file_bytes);
  const auto mode = mode_of(p, se.share);
  const bool must_scan = se.decided_scan || mode == ac::share_mode::always ||
                         (mode != ac::share_mode::never &&
                          (p.mandatory || !client_protects_itself(p, se.attrs, se.key_proved)));
  if (!must_scan)
    return std::nullopt;
  const auto ext = extension(a.path);
  const bool ext_exempt =
      listed(p.exclude_extensions, ext) || (!p.scan_extensions.empty() && !listed(p.scan_extensions, ext));
  const bool oversize = !ext_exempt && p.max_scan_bytes != 0 && a.bytes > p.max_scan_bytes;
  const auto where = "share '" + se.share + "' (mode " + std::string(ac::to_string(mode)) + ") of session " +
                     a.session + " must be scanned";
  if (oversize && p.oversize == ac::oversize_action::refuse)
    return what + ": let through, larger than max_scan_bytes under oversize=refuse; " + where;
  const bool file_exempt = ext_exempt || oversize;
  if (a.result == ac::verdict::not_scanned && !file_exempt)
    return what + ": unscanned bytes reached a scanned share: " + where;
  if (a.result == ac::verdict::deferred && p.on_outage != ac::outage_action::allow_and_mark)
    return what + ": deferred while the policy refuses data no scanner answered for; " + where;
  if (a.result == ac::verdict::clean && s.infected.count(a.sha256) != 0)
    return what + ": content " + a.sha256 + " found infected before let through as clean; " + where;
  return std::nullopt;
}

} // namespace storemesh::sim
