#include "services/tunnels/coordination/kv_space.hpp"

#include <limits>

namespace storemesh::services::kv {
namespace {

/// Removes a key and its attachment to a lease; nothing if it is absent.
void drop_key(state& s, const std::string& key) {
  auto it = s.keys.find(key);
  if (it == s.keys.end())
    return;
  if (it->second.lease != 0)
    if (auto l = s.leases.find(it->second.lease); l != s.leases.end())
      l->second.keys.erase(key);
  s.footprint -= key_footprint(key, it->second.value);
  s.keys.erase(it);
}

/// Removes a lease after its keys went. Keys still attached (an event that
/// did not list them: never written by decide) stay, detached.
void drop_lease(state& s, lease_id id) {
  auto l = s.leases.find(id);
  if (l == s.leases.end())
    return;
  for (const auto& key : l->second.keys)
    if (auto it = s.keys.find(key); it != s.keys.end())
      it->second.lease = 0;
  s.footprint -= entry_overhead_bytes;
  s.leases.erase(l);
}

void apply_put(state& s, const put_done& p) {
  auto [it, created] = s.keys.try_emplace(p.key);
  auto& kv = it->second;
  if (created) {
    kv.create_revision = s.rev;
    kv.version = 1;
  } else {
    s.footprint -= key_footprint(p.key, kv.value);
    if (kv.lease != 0)
      if (auto l = s.leases.find(kv.lease); l != s.leases.end())
        l->second.keys.erase(p.key);
    kv.version += 1;
  }
  kv.value = p.value;
  kv.mod_revision = s.rev;
  kv.lease = p.lease;
  if (p.lease != 0)
    if (auto l = s.leases.find(p.lease); l != s.leases.end())
      l->second.keys.insert(p.key);
  s.footprint += key_footprint(p.key, p.value);
}

} // namespace

state evolve(state s, const event& e) {
  s.rev += 1;  // every event is one revision: sequence n <=> rev n
  std::visit(overloaded{
                 [&](const put_done& p) { apply_put(s, p); },
                 [&](const deleted& d) {
                   for (const auto& key : d.keys)
                     drop_key(s, key);
                 },
                 [&](const lease_granted& g) {
                   auto [it, fresh] = s.leases.try_emplace(g.lease);
                   it->second.ttl_ns = g.ttl_ns;
                   it->second.deadline_ns = g.deadline_ns;
                   if (fresh)
                     s.footprint += entry_overhead_bytes;
                 },
                 [&](const lease_renewed& r) {
                   if (auto l = s.leases.find(r.lease); l != s.leases.end())
                     l->second.deadline_ns = r.deadline_ns;
                 },
                 [&](const lease_revoked& r) {
                   for (const auto& key : r.keys)
                     drop_key(s, key);
                   drop_lease(s, r.lease);
                 },
                 [&](const leases_expired& x) {
                   for (const auto& key : x.keys)
                     drop_key(s, key);
                   for (auto id : x.leases)
                     drop_lease(s, id);
                 },
             },
             e);
  return s;
}

namespace {

using kv_decision = decision<event>;

/// A key for a rejection's one line: at most 80 bytes, cut at a character.
std::string quoted(std::string_view key) {
  if (key.size() <= 80)
    return "'" + std::string(key) + "'";
  std::size_t cut = 77;
  while (cut > 0 && (static_cast<unsigned char>(key[cut]) & 0xC0) == 0x80)
    --cut;
  return "'" + std::string(key.substr(0, cut)) + "...'";
}

kv_decision decide_put(const state& s, const put& c) {
  if (auto why = check_key(c.key); !why.empty())
    return kv_decision::reject("bad_key", "key " + why);
  if (c.value.size() > max_value_bytes)
    return kv_decision::reject("value_too_large", "a value of " + std::to_string(c.value.size()) +
                                                      " bytes; at most " + std::to_string(max_value_bytes));
  if (c.lease != 0 && s.leases.count(c.lease) == 0)
    return kv_decision::reject("no_such_lease", "lease " + std::to_string(c.lease) + " is not granted");
  const auto it = s.keys.find(c.key);
  const revision actual = it == s.keys.end() ? 0 : it->second.mod_revision;
  if (c.expected && *c.expected != actual)
    return kv_decision::reject("compare_failed", "key " + quoted(c.key) + " has mod revision " +
                                                     std::to_string(actual) + ", expected " +
                                                     std::to_string(*c.expected));
  const auto before = it == s.keys.end() ? 0 : key_footprint(c.key, it->second.value);
  const auto after = s.footprint - before + key_footprint(c.key, c.value);
  if (after > max_footprint_bytes)
    return kv_decision::reject("quota_exceeded", "the keyspace would take " + std::to_string(after) +
                                                     " bytes; its quota is " + std::to_string(max_footprint_bytes));
  return kv_decision::accept(put_done{c.key, c.value, c.lease, actual});
}

kv_decision decide_remove(const state& s, const delete_key& c) {
  if (auto why = check_key(c.key); !why.empty())
    return kv_decision::reject("bad_key", (c.prefix ? "prefix " : "key ") + why);
  if (c.prefix) {
    if (c.expected)
      return kv_decision::reject("bad_request", "a compare applies to a single key, not to a prefix");
    auto keys = keys_with_prefix(s, c.key);
    if (keys.empty())
      return kv_decision::reject("key_not_found", "no key starts with " + quoted(c.key));
    return kv_decision::accept(deleted{std::move(keys)});
  }
  const auto it = s.keys.find(c.key);
  const revision actual = it == s.keys.end() ? 0 : it->second.mod_revision;
  if (c.expected && *c.expected != actual)
    return kv_decision::reject("compare_failed", "key " + quoted(c.key) + " has mod revision " +
                                                     std::to_string(actual) + ", expected " +
                                                     std::to_string(*c.expected));
  if (it == s.keys.end())
    return kv_decision::reject("key_not_found", "no key " + quoted(c.key));
  return kv_decision::accept(deleted{{c.key}});
}

/// now + ttl, or nothing when it does not fit an int64.
std::optional<std::int64_t> deadline_of(std::int64_t now_ns, std::int64_t ttl_ns) {
  if (now_ns > std::numeric_limits<std::int64_t>::max() - ttl_ns)
    return std::nullopt;
  return now_ns + ttl_ns;
}

kv_decision decide_grant(const state& s, const grant_lease& c) {
  if (c.lease == 0)
    return kv_decision::reject("bad_lease_id", "a lease id is nonzero (0 means no lease)");
  if (c.ttl_ns <= 0 || c.ttl_ns > max_ttl_ns)
    return kv_decision::reject("bad_ttl", "ttl " + std::to_string(c.ttl_ns) + " ns; it must be in (0, 30 days]");
  if (c.now_ns <= 0)
    return kv_decision::reject("bad_request", "no time given (now_ns)");
  const auto deadline = deadline_of(c.now_ns, c.ttl_ns);
  if (!deadline)
    return kv_decision::reject("bad_request", "now + ttl overflows");
  if (s.leases.count(c.lease) != 0)
    return kv_decision::reject("lease_exists", "lease " + std::to_string(c.lease) + " is already granted");
  if (s.footprint + entry_overhead_bytes > max_footprint_bytes)
    return kv_decision::reject("quota_exceeded", "the keyspace is at its quota of " +
                                                     std::to_string(max_footprint_bytes) + " bytes");
  return kv_decision::accept(lease_granted{c.lease, c.ttl_ns, *deadline});
}

kv_decision decide_keep_alive(const state& s, const keep_alive& c) {
  const auto l = s.leases.find(c.lease);
  if (l == s.leases.end())
    return kv_decision::reject("no_such_lease", "lease " + std::to_string(c.lease) + " is not granted");
  if (c.now_ns <= 0)
    return kv_decision::reject("bad_request", "no time given (now_ns)");
  if (c.now_ns >= l->second.deadline_ns)
    return kv_decision::reject("lease_expired", "lease " + std::to_string(c.lease) + " expired at " +
                                                    std::to_string(l->second.deadline_ns) + " (now " +
                                                    std::to_string(c.now_ns) + ")");
  const auto deadline = deadline_of(c.now_ns, l->second.ttl_ns);
  if (!deadline)
    return kv_decision::reject("bad_request", "now + ttl overflows");
  if (*deadline <= l->second.deadline_ns)
    return kv_decision::reject("stale", "lease " + std::to_string(c.lease) + " already lives until " +
                                            std::to_string(l->second.deadline_ns));
  return kv_decision::accept(lease_renewed{c.lease, *deadline});
}

kv_decision decide_revoke(const state& s, const revoke_lease& c) {
  const auto l = s.leases.find(c.lease);
  if (l == s.leases.end())
    return kv_decision::reject("no_such_lease", "lease " + std::to_string(c.lease) + " is not granted");
  return kv_decision::accept(lease_revoked{c.lease, {l->second.keys.begin(), l->second.keys.end()}});
}

kv_decision decide_expire(const state& s, const expire_leases& c) {
  if (c.now_ns <= 0)
    return kv_decision::reject("bad_request", "no time given (now_ns)");
  leases_expired out;
  out.now_ns = c.now_ns;
  std::set<std::string> keys;
  for (const auto& [id, l] : s.leases)
    if (l.deadline_ns <= c.now_ns) {
      out.leases.push_back(id);
      keys.insert(l.keys.begin(), l.keys.end());
    }
  if (out.leases.empty())
    return kv_decision::accept(std::vector<event>{});  // see "expire" in the header: no record per idle tick
  out.keys.assign(keys.begin(), keys.end());
  return kv_decision::accept(std::move(out));
}

} // namespace

decision<event> decide(const state& s, const command& c) {
  return std::visit(overloaded{
                        [&](const put& x) { return decide_put(s, x); },
                        [&](const delete_key& x) { return decide_remove(s, x); },
                        [&](const grant_lease& x) { return decide_grant(s, x); },
                        [&](const keep_alive& x) { return decide_keep_alive(s, x); },
                        [&](const revoke_lease& x) { return decide_revoke(s, x); },
                        [&](const expire_leases& x) { return decide_expire(s, x); },
                    },
                    c);
}

bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if ((b0 & 0xE0) == 0xC0) {
      len = 2;
      cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3;
      cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
      len = 4;
      cp = b0 & 0x07;
    } else {
      return false;  // a continuation byte first, or 0xF8..0xFF
    }
    if (i + len > text.size())
      return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if ((b & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr std::uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;  // overlong, beyond Unicode, or a surrogate
    i += len;
  }
  return true;
}

std::string check_key(std::string_view key) {
  if (key.empty())
    return "is empty";
  if (key.size() > max_key_bytes)
    return "is " + std::to_string(key.size()) + " bytes; at most " + std::to_string(max_key_bytes);
  if (key.find('\0') != std::string_view::npos)
    return "contains NUL";
  if (!valid_utf8(key))
    return "is not valid UTF-8";
  return {};
}

std::uint64_t key_footprint(std::string_view key, std::string_view value) {
  return key.size() + value.size() + entry_overhead_bytes;
}

std::vector<std::string> keys_with_prefix(const state& s, std::string_view prefix) {
  std::vector<std::string> out;
  for (auto it = s.keys.lower_bound(std::string(prefix)); it != s.keys.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0)
      break;
    out.push_back(it->first);
  }
  return out;
}

} // namespace storemesh::services::kv
