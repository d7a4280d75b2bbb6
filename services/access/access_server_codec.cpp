#include "services/access/access_server_codec.hpp"

#include "services/capnp_read.hpp"
#include "services/codec_errc.hpp"
#include "services/state_bytes.hpp"

// A command and the event it produces carry the same fields under the same
// names, so one template per pair writes (or reads) both.

namespace storemesh::services::access {
namespace {

namespace S = schema::access;

// -- enums ----------------------------------------------------------------------

S::ShareMode to_schema(share_mode m) {
  switch (m) {
    case share_mode::by_client: return S::ShareMode::BY_CLIENT;
    case share_mode::always: return S::ShareMode::ALWAYS;
    case share_mode::never: return S::ShareMode::NEVER;
  }
  return S::ShareMode::BY_CLIENT;
}
result<share_mode> from_schema(S::ShareMode m) {
  switch (m) {
    case S::ShareMode::BY_CLIENT: return share_mode::by_client;
    case S::ShareMode::ALWAYS: return share_mode::always;
    case S::ShareMode::NEVER: return share_mode::never;
  }
  return make_error(codec_errc::unknown_variant, "share mode " + std::to_string(static_cast<int>(m)));
}

S::OutageAction to_schema(outage_action a) {
  return a == outage_action::allow_and_mark ? S::OutageAction::ALLOW_AND_MARK : S::OutageAction::REFUSE;
}
result<outage_action> from_schema(S::OutageAction a) {
  switch (a) {
    case S::OutageAction::REFUSE: return outage_action::refuse;
    case S::OutageAction::ALLOW_AND_MARK: return outage_action::allow_and_mark;
  }
  return make_error(codec_errc::unknown_variant, "outage action " + std::to_string(static_cast<int>(a)));
}

S::OversizeAction to_schema(oversize_action a) {
  return a == oversize_action::allow ? S::OversizeAction::ALLOW : S::OversizeAction::REFUSE;
}
result<oversize_action> from_schema(S::OversizeAction a) {
  switch (a) {
    case S::OversizeAction::REFUSE: return oversize_action::refuse;
    case S::OversizeAction::ALLOW: return oversize_action::allow;
  }
  return make_error(codec_errc::unknown_variant, "oversize action " + std::to_string(static_cast<int>(a)));
}

S::AccessOp to_schema(access_op o) { return o == access_op::get ? S::AccessOp::GET : S::AccessOp::PUT; }
result<access_op> from_schema(S::AccessOp o) {
  switch (o) {
    case S::AccessOp::PUT: return access_op::put;
    case S::AccessOp::GET: return access_op::get;
  }
  return make_error(codec_errc::unknown_variant, "access op " + std::to_string(static_cast<int>(o)));
}

S::Verdict to_schema(verdict v) {
  switch (v) {
    case verdict::clean: return S::Verdict::CLEAN;
    case verdict::infected: return S::Verdict::INFECTED;
    case verdict::not_scanned: return S::Verdict::NOT_SCANNED;
    case verdict::deferred: return S::Verdict::DEFERRED;
    case verdict::scanner_unavailable: return S::Verdict::SCANNER_UNAVAILABLE;
    case verdict::too_large: return S::Verdict::TOO_LARGE;
  }
  return S::Verdict::SCANNER_UNAVAILABLE;
}
result<verdict> from_schema(S::Verdict v) {
  switch (v) {
    case S::Verdict::CLEAN: return verdict::clean;
    case S::Verdict::INFECTED: return verdict::infected;
    case S::Verdict::NOT_SCANNED: return verdict::not_scanned;
    case S::Verdict::DEFERRED: return verdict::deferred;
    case S::Verdict::SCANNER_UNAVAILABLE: return verdict::scanner_unavailable;
    case S::Verdict::TOO_LARGE: return verdict::too_large;
  }
  return make_error(codec_errc::unknown_variant, "verdict " + std::to_string(static_cast<int>(v)));
}

// -- structs ----------------------------------------------------------------------

template <class B>
void put_texts(const std::vector<std::string>& v, B b) {
  for (unsigned i = 0; i < v.size(); ++i)
    b.set(i, v[i]);
}
std::vector<std::string> texts(capnp::List<capnp::Text>::Reader r) {
  std::vector<std::string> out;
  for (auto t : r)
    out.push_back(text(t));
  return out;
}

void put_attrs(const attributes& a, capnp::List<S::Attribute>::Builder b) {
  unsigned i = 0;
  for (const auto& [k, v] : a) {
    b[i].setKey(k);
    b[i++].setValue(v);
  }
}
attributes attrs_of(capnp::List<S::Attribute>::Reader r) {
  attributes out;
  for (auto x : r)
    out[text(x.getKey())] = text(x.getValue());
  return out;
}

void put(const protection& p, S::Protection::Builder b) {
  b.setScan(p.scan);
  b.setRule(p.rule);
  b.setReason(p.reason);
}
protection get(S::Protection::Reader r) { return protection{r.getScan(), text(r.getRule()), text(r.getReason())}; }

void put(const policy& p, S::Policy::Builder b) {
  b.setMandatory(p.mandatory);
  b.setMaxSignatureAgeH(p.max_signature_age_h);
  put_texts(p.trusted_networks, b.initTrustedNetworks(static_cast<unsigned>(p.trusted_networks.size())));
  put_texts(p.known_keys, b.initKnownKeys(static_cast<unsigned>(p.known_keys.size())));
  auto shares = b.initShares(static_cast<unsigned>(p.shares.size()));
  unsigned i = 0;
  for (const auto& [share, mode] : p.shares) {
    shares[i].setShare(share);
    shares[i++].setMode(to_schema(mode));
  }
  put_texts(p.scan_extensions, b.initScanExtensions(static_cast<unsigned>(p.scan_extensions.size())));
  put_texts(p.exclude_extensions, b.initExcludeExtensions(static_cast<unsigned>(p.exclude_extensions.size())));
  b.setMaxScanBytes(p.max_scan_bytes);
  b.setOversize(to_schema(p.oversize));
  b.setOnOutage(to_schema(p.on_outage));
  b.setMaxFileBytes(p.max_file_bytes);
}
result<policy> get(S::Policy::Reader r) {
  policy p;
  p.mandatory = r.getMandatory();
  p.max_signature_age_h = r.getMaxSignatureAgeH();
  p.trusted_networks = texts(r.getTrustedNetworks());
  p.known_keys = texts(r.getKnownKeys());
  for (auto s : r.getShares()) {
    SM_TRY(p.shares[text(s.getShare())], from_schema(s.getMode()));
  }
  p.scan_extensions = texts(r.getScanExtensions());
  p.exclude_extensions = texts(r.getExcludeExtensions());
  p.max_scan_bytes = r.getMaxScanBytes();
  SM_TRY(p.oversize, from_schema(r.getOversize()));
  SM_TRY(p.on_outage, from_schema(r.getOnOutage()));
  p.max_file_bytes = r.getMaxFileBytes();
  return p;
}

void put_counters(const counters& c, S::Counters::Builder b) {
  b.setPuts(c.puts);
  b.setGets(c.gets);
  b.setBytesIn(c.bytes_in);
  b.setBytesOut(c.bytes_out);
  b.setScanned(c.scanned);
  b.setNotScanned(c.not_scanned);
  b.setInfected(c.infected);
  b.setDeferred(c.deferred);
  b.setRefused(c.refused);
  b.setCached(c.cached);
}
counters get_counters(S::Counters::Reader r) {
  return counters{r.getPuts(),     r.getGets(),       r.getBytesIn(),  r.getBytesOut(), r.getScanned(),
                  r.getNotScanned(), r.getInfected(), r.getDeferred(), r.getRefused(),  r.getCached()};
}

// -- command / event pairs ------------------------------------------------------

template <class X, class B>
void put_attach(const X& x, B b) {
  b.setEndpoint(x.endpoint);
  put_texts(x.shares, b.initShares(static_cast<unsigned>(x.shares.size())));
  b.setAtNs(x.at_ns);
}
template <class X, class R>
X get_attach(R r) {
  return X{text(r.getEndpoint()), texts(r.getShares()), r.getAtNs()};
}

/// The fields record_access and accessed share (accessed adds rule and reason).
template <class X, class B>
void put_access(const X& x, B b) {
  b.setAccess(x.access);
  b.setSession(x.session);
  b.setOp(to_schema(x.op));
  b.setPath(x.path);
  b.setBytes(x.bytes);
  b.setSha256(x.sha256);
  b.setResult(to_schema(x.result));
  b.setSignature(x.signature);
  b.setDbVersion(x.db_version);
  b.setCached(x.cached);
  b.setQuarantine(x.quarantine);
  b.setAtNs(x.at_ns);
}
template <class X, class R>
result<X> get_access(R r) {
  X x;
  x.access = text(r.getAccess());
  x.session = text(r.getSession());
  SM_TRY(x.op, from_schema(r.getOp()));
  x.path = text(r.getPath());
  x.bytes = r.getBytes();
  x.sha256 = text(r.getSha256());
  SM_TRY(x.result, from_schema(r.getResult()));
  x.signature = text(r.getSignature());
  x.db_version = text(r.getDbVersion());
  x.cached = r.getCached();
  x.quarantine = text(r.getQuarantine());
  x.at_ns = r.getAtNs();
  return x;
}

template <class X, class B>
void put_rescan(const X& x, B b) {
  b.setAccess(x.access);
  b.setResult(to_schema(x.result));
  b.setSignature(x.signature);
  b.setDbVersion(x.db_version);
  b.setQuarantine(x.quarantine);
  b.setAtNs(x.at_ns);
}
template <class X, class R>
result<X> get_rescan(R r) {
  X x;
  x.access = text(r.getAccess());
  SM_TRY(x.result, from_schema(r.getResult()));
  x.signature = text(r.getSignature());
  x.db_version = text(r.getDbVersion());
  x.quarantine = text(r.getQuarantine());
  x.at_ns = r.getAtNs();
  return x;
}

} // namespace

void entity::write_command(const command& c, schema::Envelope::Builder e) {
  auto cmd = e.getPayload().initAccessServerCommand();
  std::visit(overloaded{
                 [&](const attach& x) { put_attach(x, cmd.initAttach()); },
                 [&](const set_policy& x) {
                   auto g = cmd.initSetPolicy();
                   put(x.policy, g.initPolicy());
                   g.setAtNs(x.at_ns);
                 },
                 [&](const open_session& x) {
                   auto g = cmd.initOpenSession();
                   g.setSession(x.session);
                   g.setClient(x.client);
                   g.setShare(x.share);
                   put_attrs(x.attrs, g.initAttrs(static_cast<unsigned>(x.attrs.size())));
                   g.setAtNs(x.at_ns);
                 },
                 [&](const update_client& x) {
                   auto g = cmd.initUpdateClient();
                   g.setSession(x.session);
                   put_attrs(x.attrs, g.initAttrs(static_cast<unsigned>(x.attrs.size())));
                   g.setAtNs(x.at_ns);
                 },
                 [&](const close_session& x) {
                   auto g = cmd.initCloseSession();
                   g.setSession(x.session);
                   g.setAtNs(x.at_ns);
                 },
                 [&](const record_access& x) { put_access(x, cmd.initRecordAccess()); },
                 [&](const record_rescan& x) { put_rescan(x, cmd.initRecordRescan()); },
             },
             c);
}

result<command> entity::read_command(schema::Envelope::Reader e) {
  if (!e.getPayload().isAccessServerCommand())
    return make_error(codec_errc::wrong_payload, "expected an access server command");
  return guarded("access server command", [&]() -> result<command> {
    auto cmd = e.getPayload().getAccessServerCommand();
    using C = S::AccessServerCommand;
    switch (cmd.which()) {
      case C::ATTACH: return command{get_attach<attach>(cmd.getAttach())};
      case C::SET_POLICY: {
        SM_TRY(auto p, get(cmd.getSetPolicy().getPolicy()));
        return command{set_policy{std::move(p), cmd.getSetPolicy().getAtNs()}};
      }
      case C::OPEN_SESSION: {
        auto g = cmd.getOpenSession();
        return command{open_session{text(g.getSession()), text(g.getClient()), text(g.getShare()),
                                    attrs_of(g.getAttrs()), g.getAtNs()}};
      }
      case C::UPDATE_CLIENT: {
        auto g = cmd.getUpdateClient();
        return command{update_client{text(g.getSession()), attrs_of(g.getAttrs()), g.getAtNs()}};
      }
      case C::CLOSE_SESSION:
        return command{close_session{text(cmd.getCloseSession().getSession()), cmd.getCloseSession().getAtNs()}};
      case C::RECORD_ACCESS: {
        SM_TRY(auto x, get_access<record_access>(cmd.getRecordAccess()));
        return command{std::move(x)};
      }
      case C::RECORD_RESCAN: {
        SM_TRY(auto x, get_rescan<record_rescan>(cmd.getRecordRescan()));
        return command{std::move(x)};
      }
    }
    return make_error(codec_errc::unknown_variant,
                      "access server command " + std::to_string(static_cast<int>(cmd.which())));
  });
}

void entity::write_event(const event& ev, schema::Envelope::Builder e) {
  auto out = e.getPayload().initAccessServerEvent();
  std::visit(overloaded{
                 [&](const attached& x) { put_attach(x, out.initAttached()); },
                 [&](const policy_set& x) {
                   auto g = out.initPolicySet();
                   put(x.policy, g.initPolicy());
                   g.setPolicyNo(x.policy_no);
                   g.setAtNs(x.at_ns);
                 },
                 [&](const session_opened& x) {
                   auto g = out.initSessionOpened();
                   g.setSession(x.session);
                   g.setClient(x.client);
                   g.setShare(x.share);
                   put_attrs(x.attrs, g.initAttrs(static_cast<unsigned>(x.attrs.size())));
                   put(x.decided, g.initDecided());
                   g.setAtNs(x.at_ns);
                 },
                 [&](const client_updated& x) {
                   auto g = out.initClientUpdated();
                   g.setSession(x.session);
                   put_attrs(x.attrs, g.initAttrs(static_cast<unsigned>(x.attrs.size())));
                   put(x.decided, g.initDecided());
                   g.setAtNs(x.at_ns);
                 },
                 [&](const session_redecided& x) {
                   auto g = out.initSessionRedecided();
                   g.setSession(x.session);
                   put(x.decided, g.initDecided());
                   g.setPolicyNo(x.policy_no);
                   g.setAtNs(x.at_ns);
                 },
                 [&](const session_closed& x) {
                   auto g = out.initSessionClosed();
                   g.setSession(x.session);
                   g.setAtNs(x.at_ns);
                 },
                 [&](const accessed& x) {
                   auto g = out.initAccessed();
                   put_access(x, g);
                   g.setRule(x.rule);
                   g.setReason(x.reason);
                 },
                 [&](const rescanned& x) { put_rescan(x, out.initRescanned()); },
             },
             ev);
}

result<event> entity::read_event(schema::Envelope::Reader e) {
  if (!e.getPayload().isAccessServerEvent())
    return make_error(codec_errc::wrong_payload, "expected an access server event");
  return guarded("access server event", [&]() -> result<event> {
    auto ev = e.getPayload().getAccessServerEvent();
    using E = S::AccessServerEvent;
    switch (ev.which()) {
      case E::ATTACHED: return event{get_attach<attached>(ev.getAttached())};
      case E::POLICY_SET: {
        auto g = ev.getPolicySet();
        SM_TRY(auto p, get(g.getPolicy()));
        return event{policy_set{std::move(p), g.getPolicyNo(), g.getAtNs()}};
      }
      case E::SESSION_OPENED: {
        auto g = ev.getSessionOpened();
        return event{session_opened{text(g.getSession()), text(g.getClient()), text(g.getShare()),
                                    attrs_of(g.getAttrs()), get(g.getDecided()), g.getAtNs()}};
      }
      case E::CLIENT_UPDATED: {
        auto g = ev.getClientUpdated();
        return event{client_updated{text(g.getSession()), attrs_of(g.getAttrs()), get(g.getDecided()), g.getAtNs()}};
      }
      case E::SESSION_REDECIDED: {
        auto g = ev.getSessionRedecided();
        return event{session_redecided{text(g.getSession()), get(g.getDecided()), g.getPolicyNo(), g.getAtNs()}};
      }
      case E::SESSION_CLOSED:
        return event{session_closed{text(ev.getSessionClosed().getSession()), ev.getSessionClosed().getAtNs()}};
      case E::ACCESSED: {
        auto g = ev.getAccessed();
        SM_TRY(auto x, get_access<accessed>(g));
        x.rule = text(g.getRule());
        x.reason = text(g.getReason());
        return event{std::move(x)};
      }
      case E::RESCANNED: {
        SM_TRY(auto x, get_rescan<rescanned>(ev.getRescanned()));
        return event{std::move(x)};
      }
    }
    return make_error(codec_errc::unknown_variant,
                      "access server event " + std::to_string(static_cast<int>(ev.which())));
  });
}

std::string entity::write_state(const state& s) {
  return state_to_bytes<S::AccessServerState>([&](S::AccessServerState::Builder root) {
    root.setAttached(s.attached);
    root.setEndpoint(s.endpoint);
    put_texts(s.shares, root.initShares(static_cast<unsigned>(s.shares.size())));
    put(s.policy, root.initPolicy());
    root.setPolicyNo(s.policy_no);
    auto sessions = root.initSessions(static_cast<unsigned>(s.sessions.size()));
    unsigned i = 0;
    for (const auto& [id, x] : s.sessions) {
      auto b = sessions[i++];
      b.setId(id);
      b.setClient(x.client);
      b.setShare(x.share);
      put_attrs(x.attrs, b.initAttrs(static_cast<unsigned>(x.attrs.size())));
      put(x.decided, b.initDecided());
      b.setOpen(x.open);
      b.setOpenedNs(x.opened_ns);
      b.setClosedNs(x.closed_ns);
      put_counters(x.counters, b.initCounters());
    }
    auto pending = root.initPending(static_cast<unsigned>(s.pending.size()));
    i = 0;
    for (const auto& [access, x] : s.pending) {
      auto b = pending[i++];
      b.setAccess(access);
      b.setSession(x.session);
      b.setShare(x.share);
      b.setPath(x.path);
      b.setSha256(x.sha256);
      b.setBytes(x.bytes);
      b.setOp(to_schema(x.op));
    }
    auto quarantine = root.initQuarantine(static_cast<unsigned>(s.quarantine.size()));
    i = 0;
    for (const auto& x : s.quarantine) {
      auto b = quarantine[i++];
      b.setAccess(x.access);
      b.setSession(x.session);
      b.setShare(x.share);
      b.setPath(x.path);
      b.setSignature(x.signature);
      b.setQuarantine(x.quarantine);
    }
    put_counters(s.counters, root.initCounters());
  });
}

result<state> entity::read_state(std::string_view bytes_in) {
  return state_from_bytes<S::AccessServerState>(
      bytes_in, "access_server", [](S::AccessServerState::Reader root) -> result<state> {
        state s;
        s.attached = root.getAttached();
        s.endpoint = text(root.getEndpoint());
        s.shares = texts(root.getShares());
        SM_TRY(s.policy, get(root.getPolicy()));
        s.policy_no = root.getPolicyNo();
        for (auto x : root.getSessions()) {
          session n;
          n.client = text(x.getClient());
          n.share = text(x.getShare());
          n.attrs = attrs_of(x.getAttrs());
          n.decided = get(x.getDecided());
          n.open = x.getOpen();
          n.opened_ns = x.getOpenedNs();
          n.closed_ns = x.getClosedNs();
          n.counters = get_counters(x.getCounters());
          s.sessions[text(x.getId())] = std::move(n);
        }
        for (auto x : root.getPending()) {
          pending_scan p{text(x.getSession()), text(x.getShare()), text(x.getPath()), text(x.getSha256()),
                         x.getBytes(), access_op::put};
          SM_TRY(p.op, from_schema(x.getOp()));
          s.pending[text(x.getAccess())] = std::move(p);
        }
        for (auto x : root.getQuarantine())
          s.quarantine.push_back(quarantined{text(x.getAccess()), text(x.getSession()), text(x.getShare()),
                                             text(x.getPath()), text(x.getSignature()), text(x.getQuarantine())});
        s.counters = get_counters(root.getCounters());
        return s;
      });
}

} // namespace storemesh::services::access
