#include "services/tunnels/coordination/kv_space_codec.hpp"

#include "services/codec_errc.hpp"
#include "services/state_bytes.hpp"

namespace storemesh::services::kv {
namespace {

namespace S = schema::kv;

// -- bytes in and out: lengths, never NUL-terminated reads --------------------------

kj::StringPtr as_text(const std::string& s) { return kj::StringPtr(s.c_str(), s.size()); }
capnp::Data::Reader as_data(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}
std::string from_text(capnp::Text::Reader t) { return std::string(t.begin(), t.size()); }
std::string from_data(capnp::Data::Reader d) { return std::string(reinterpret_cast<const char*>(d.begin()), d.size()); }

error malformed(const std::string& what) { return make_error(codec_errc::malformed, "kv " + what); }

void write_expected(const std::optional<revision>& in, S::Expected::Builder out) {
  if (in)
    out.setModRevision(*in);
  else
    out.setAny();
}

result<std::optional<revision>> read_expected(S::Expected::Reader in) {
  switch (in.which()) {
    case S::Expected::ANY: return std::optional<revision>{};
    case S::Expected::MOD_REVISION: return std::optional<revision>{in.getModRevision()};
  }
  return make_error(codec_errc::unknown_variant, "kv compare " + std::to_string(static_cast<int>(in.which())));
}

void write_keys(const std::vector<std::string>& in, capnp::List<capnp::Text>::Builder out) {
  for (unsigned i = 0; i < in.size(); ++i)
    out.set(i, as_text(in[i]));
}

/// Keys an event lists: each one a key decide could have accepted, sorted,
/// no repeats.
result<std::vector<std::string>> read_keys(capnp::List<capnp::Text>::Reader in, const char* what) {
  std::vector<std::string> out;
  out.reserve(in.size());
  for (auto t : in) {
    auto key = from_text(t);
    if (auto why = check_key(key); !why.empty())
      return malformed(std::string(what) + ": a key " + why);
    if (!out.empty() && !(out.back() < key))
      return malformed(std::string(what) + ": keys not sorted or repeated");
    out.push_back(std::move(key));
  }
  return out;
}

result<std::string> read_key(capnp::Text::Reader t, const char* what) {
  auto key = from_text(t);
  if (auto why = check_key(key); !why.empty())
    return malformed(std::string(what) + ": the key " + why);
  return key;
}

result<std::string> read_value(capnp::Data::Reader d, const char* what) {
  if (d.size() > max_value_bytes)
    return malformed(std::string(what) + ": a value of " + std::to_string(d.size()) + " bytes");
  return from_data(d);
}

} // namespace

void entity::write_command(const command& c, schema::Envelope::Builder e) {
  auto cmd = e.getPayload().initKvCommand();
  std::visit(overloaded{
                 [&](const put& x) {
                   auto g = cmd.initPut();
                   g.setKey(as_text(x.key));
                   g.setValue(as_data(x.value));
                   g.setLease(x.lease);
                   write_expected(x.expected, g.initExpected());
                 },
                 [&](const delete_key& x) {
                   auto g = cmd.initDelete();
                   g.setKey(as_text(x.key));
                   g.setPrefix(x.prefix);
                   write_expected(x.expected, g.initExpected());
                 },
                 [&](const grant_lease& x) {
                   auto g = cmd.initGrantLease();
                   g.setLease(x.lease);
                   g.setTtlNs(x.ttl_ns);
                   g.setNowNs(x.now_ns);
                 },
                 [&](const keep_alive& x) {
                   auto g = cmd.initKeepAlive();
                   g.setLease(x.lease);
                   g.setNowNs(x.now_ns);
                 },
                 [&](const revoke_lease& x) { cmd.initRevokeLease().setLease(x.lease); },
                 [&](const expire_leases& x) { cmd.initExpireLeases().setNowNs(x.now_ns); },
             },
             c);
}

// Commands are read as sent: the decider judges them (and refuses with a code
// the sender can act on), so a bad key is a rejection, not a malformed record.
result<command> entity::read_command(schema::Envelope::Reader e) {
  if (!e.getPayload().isKvCommand())
    return make_error(codec_errc::wrong_payload, "expected a kv command");
  auto cmd = e.getPayload().getKvCommand();
  switch (cmd.which()) {
    case S::Command::PUT: {
      auto g = cmd.getPut();
      SM_TRY(auto expected, read_expected(g.getExpected()));
      return command{put{from_text(g.getKey()), from_data(g.getValue()), g.getLease(), expected}};
    }
    case S::Command::DELETE: {
      auto g = cmd.getDelete();
      SM_TRY(auto expected, read_expected(g.getExpected()));
      return command{delete_key{from_text(g.getKey()), g.getPrefix(), expected}};
    }
    case S::Command::GRANT_LEASE: {
      auto g = cmd.getGrantLease();
      return command{grant_lease{g.getLease(), g.getTtlNs(), g.getNowNs()}};
    }
    case S::Command::KEEP_ALIVE: {
      auto g = cmd.getKeepAlive();
      return command{keep_alive{g.getLease(), g.getNowNs()}};
    }
    case S::Command::REVOKE_LEASE: return command{revoke_lease{cmd.getRevokeLease().getLease()}};
    case S::Command::EXPIRE_LEASES: return command{expire_leases{cmd.getExpireLeases().getNowNs()}};
  }
  return make_error(codec_errc::unknown_variant, "kv command " + std::to_string(static_cast<int>(cmd.which())));
}

void entity::write_event(const event& ev, schema::Envelope::Builder e) {
  auto out = e.getPayload().initKvEvent();
  std::visit(overloaded{
                 [&](const put_done& x) {
                   auto g = out.initPutDone();
                   g.setKey(as_text(x.key));
                   g.setValue(as_data(x.value));
                   g.setLease(x.lease);
                   g.setPreviousModRevision(x.previous_mod_revision);
                 },
                 [&](const deleted& x) { write_keys(x.keys, out.initDeleted(static_cast<unsigned>(x.keys.size()))); },
                 [&](const lease_granted& x) {
                   auto g = out.initLeaseGranted();
                   g.setLease(x.lease);
                   g.setTtlNs(x.ttl_ns);
                   g.setDeadlineNs(x.deadline_ns);
                 },
                 [&](const lease_renewed& x) {
                   auto g = out.initLeaseRenewed();
                   g.setLease(x.lease);
                   g.setDeadlineNs(x.deadline_ns);
                 },
                 [&](const lease_revoked& x) {
                   auto g = out.initLeaseRevoked();
                   g.setLease(x.lease);
                   write_keys(x.keys, g.initKeys(static_cast<unsigned>(x.keys.size())));
                 },
                 [&](const leases_expired& x) {
                   auto g = out.initLeasesExpired();
                   auto ids = g.initLeases(static_cast<unsigned>(x.leases.size()));
                   for (unsigned i = 0; i < x.leases.size(); ++i)
                     ids.set(i, x.leases[i]);
                   write_keys(x.keys, g.initKeys(static_cast<unsigned>(x.keys.size())));
                   g.setNowNs(x.now_ns);
                 },
             },
             ev);
}

// Events are checked: a record in the events topic claims decide wrote it.
result<event> entity::read_event(schema::Envelope::Reader e) {
  if (!e.getPayload().isKvEvent())
    return make_error(codec_errc::wrong_payload, "expected a kv event");
  auto ev = e.getPayload().getKvEvent();
  switch (ev.which()) {
    case S::Event::PUT_DONE: {
      auto g = ev.getPutDone();
      SM_TRY(auto key, read_key(g.getKey(), "putDone"));
      SM_TRY(auto value, read_value(g.getValue(), "putDone"));
      return event{put_done{std::move(key), std::move(value), g.getLease(), g.getPreviousModRevision()}};
    }
    case S::Event::DELETED: {
      SM_TRY(auto keys, read_keys(ev.getDeleted(), "deleted"));
      if (keys.empty())
        return malformed("deleted: no key");
      return event{deleted{std::move(keys)}};
    }
    case S::Event::LEASE_GRANTED: {
      auto g = ev.getLeaseGranted();
      if (g.getLease() == 0 || g.getTtlNs() <= 0)
        return malformed("leaseGranted: lease 0 or a ttl <= 0");
      return event{lease_granted{g.getLease(), g.getTtlNs(), g.getDeadlineNs()}};
    }
    case S::Event::LEASE_RENEWED: {
      auto g = ev.getLeaseRenewed();
      if (g.getLease() == 0)
        return malformed("leaseRenewed: lease 0");
      return event{lease_renewed{g.getLease(), g.getDeadlineNs()}};
    }
    case S::Event::LEASE_REVOKED: {
      auto g = ev.getLeaseRevoked();
      if (g.getLease() == 0)
        return malformed("leaseRevoked: lease 0");
      SM_TRY(auto keys, read_keys(g.getKeys(), "leaseRevoked"));
      return event{lease_revoked{g.getLease(), std::move(keys)}};
    }
    case S::Event::LEASES_EXPIRED: {
      auto g = ev.getLeasesExpired();
      leases_expired out;
      for (auto id : g.getLeases()) {
        if (id == 0 || (!out.leases.empty() && out.leases.back() >= id))
          return malformed("leasesExpired: a lease 0, or leases not ascending");
        out.leases.push_back(id);
      }
      if (out.leases.empty())
        return malformed("leasesExpired: no lease");
      SM_TRY(out.keys, read_keys(g.getKeys(), "leasesExpired"));
      out.now_ns = g.getNowNs();
      return event{std::move(out)};
    }
  }
  return make_error(codec_errc::unknown_variant, "kv event " + std::to_string(static_cast<int>(ev.which())));
}

std::string entity::write_state(const state& s) {
  return state_to_bytes<S::State>([&](S::State::Builder root) {
    root.setRevision(s.rev);
    auto keys = root.initKeys(static_cast<unsigned>(s.keys.size()));
    unsigned i = 0;
    for (const auto& [key, kv] : s.keys) {
      auto k = keys[i++];
      k.setKey(as_text(key));
      k.setValue(as_data(kv.value));
      k.setCreateRevision(kv.create_revision);
      k.setModRevision(kv.mod_revision);
      k.setVersion(kv.version);
      k.setLease(kv.lease);
    }
    auto leases = root.initLeases(static_cast<unsigned>(s.leases.size()));
    i = 0;
    for (const auto& [id, l] : s.leases) {
      auto out = leases[i++];
      out.setId(id);
      out.setTtlNs(l.ttl_ns);
      out.setDeadlineNs(l.deadline_ns);
    }
  });
}

// A snapshot stands for the events before it: what it holds must be a state
// evolve could have reached (revisions within the keyspace's, leases that
// exist), and the derived parts (lease key sets, footprint) are rebuilt.
result<state> entity::read_state(std::string_view bytes) {
  return state_from_bytes<S::State>(bytes, "kv", [](S::State::Reader root) -> result<state> {
    state s;
    s.rev = root.getRevision();
    for (auto l : root.getLeases()) {
      if (l.getId() == 0 || l.getTtlNs() <= 0)
        return malformed("state: lease 0 or a ttl <= 0");
      if (!s.leases.empty() && s.leases.rbegin()->first >= l.getId())
        return malformed("state: leases not ascending");
      s.leases[l.getId()] = lease{l.getTtlNs(), l.getDeadlineNs(), {}};
      s.footprint += entry_overhead_bytes;
    }
    for (auto k : root.getKeys()) {
      SM_TRY(auto key, read_key(k.getKey(), "state"));
      SM_TRY(auto value, read_value(k.getValue(), "state"));
      if (!s.keys.empty() && !(s.keys.rbegin()->first < key))
        return malformed("state: keys not sorted or repeated");
      key_value kv{std::move(value), k.getCreateRevision(), k.getModRevision(), k.getVersion(), k.getLease()};
      if (kv.create_revision == 0 || kv.create_revision > kv.mod_revision || kv.mod_revision > s.rev ||
          kv.version == 0)
        return malformed("state: key revisions out of order");
      if (kv.lease != 0) {
        auto l = s.leases.find(kv.lease);
        if (l == s.leases.end())
          return malformed("state: a key attached to a lease that does not exist");
        l->second.keys.insert(key);
      }
      s.footprint += key_footprint(key, kv.value);
      s.keys.emplace(std::move(key), std::move(kv));
    }
    return s;
  });
}

} // namespace storemesh::services::kv
