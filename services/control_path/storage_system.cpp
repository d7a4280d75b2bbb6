#include "services/control_path/storage_system.hpp"

#include "events/crypto/hashing.hpp"
#include "services/names.hpp"

#include <fmt/core.h>

namespace storemesh::services::storage {
namespace {

using D = decision<event>;

std::uint16_t after(std::uint16_t ox) { return ox + 1 >= unassigned_ox_id ? 0 : static_cast<std::uint16_t>(ox + 1); }

/// The next OX_ID from `from` that no open exchange holds. There are at most
/// 0xFFFF ids; an entity with that many open exchanges is refused before this.
std::uint16_t free_ox_id(const state& s, std::uint16_t from) {
  auto used = [&](std::uint16_t ox) {
    for (const auto& [_, x] : s.open)
      if (x.ox_id == ox)
        return true;
    return false;
  };
  while (from == unassigned_ox_id || used(from))
    from = after(from);
  return from;
}

/// Open exchanges a storage system holds at most: a host that keeps more
/// unanswered is broken, and the OX_ID space must never run out.
constexpr std::size_t max_open = 4096;

std::string describe(const request_id& r) { return "request " + events::crypto::to_hex(r); }

D check_request(const state& s, const request_id& r) {
  if (!s.added)
    return D::reject("unknown_storage", "storage system is not added (storemesh storage add)");
  if (r.size() != 16)
    return D::reject("invalid", "a request id is 16 bytes, not " + std::to_string(r.size()));
  return D::accept(std::vector<event>{});
}

D decide_add(const state& s, const add& c) {
  if (c.fc_port.empty() || c.fc_port.front() != '/')
    return D::reject("invalid", "the FC port must be an absolute socket path, not '" + c.fc_port + "'");
  if (c.fc_port.size() > 107)  // sockaddr_un's sun_path, with its terminator
    return D::reject("invalid", "the FC port path is longer than a socket path may be (107 bytes)");
  if (s.added && s.fc_port == c.fc_port)
    return D::accept(std::vector<event>{});
  if (s.added)
    return D::reject("already_added", "storage system is already added with FC port " + s.fc_port);
  return D::accept(added{c.fc_port});
}

D decide_link(const state& s, const link_host& c) {
  if (!s.added)
    return D::reject("unknown_storage", "storage system is not added (storemesh storage add)");
  if (auto why = check_name(c.host); !why.empty())
    return D::reject("invalid", "host name '" + c.host + "': " + why);
  if (s.host == c.host)
    return D::accept(std::vector<event>{});
  return D::accept(linked{c.host, s.host});
}

D decide_forward(const state& s, const forward& c) {
  if (auto d = check_request(s, c.request); !d.accepted())
    return d;
  if (s.host.empty())
    return D::reject("not_linked", "no host's FC port is coupled to this storage system");
  if (c.to_host != s.host)
    return D::reject("not_linked", "the FC link is at host " + s.host + ", not " + c.to_host);
  if (c.from_host == c.to_host)
    return D::reject("invalid", "a host does not forward to itself");
  return D::accept(forwarded{c.request, c.from_host, c.to_host, c.operation, c.at_ns});
}

D decide_convert(const state& s, const convert& c) {
  if (auto d = check_request(s, c.request); !d.accepted())
    return d;
  if (s.host != c.host)
    return D::reject("not_linked", s.host.empty() ? "no host's FC port is coupled to this storage system"
                                                  : "the FC link is at host " + s.host + ", not " + c.host);
  if (c.cdb.size() < 6 || c.cdb.size() > 16)
    return D::reject("invalid", "a CDB is 6 to 16 bytes, not " + std::to_string(c.cdb.size()));
  if (c.operation.empty())
    return D::reject("invalid", "the operation is missing");
  if (auto it = s.open.find(c.request); it != s.open.end())
    return D::reject("already_converted", fmt::format("{} is open as exchange 0x{:04x} at host {}", describe(c.request),
                                                      it->second.ox_id, it->second.host));
  if (s.open.size() >= max_open)
    return D::reject("too_many_open", fmt::format("{} exchanges are open; answer or fail some first", max_open));
  return D::accept(
      converted{c.request, free_ox_id(s, s.next_ox_id), c.host, c.entry_host, c.operation, c.lun, c.cdb, c.at_ns});
}

template <class Close>
D decide_close(const state& s, const Close& c) {
  if (auto d = check_request(s, c.request); !d.accepted())
    return d;
  const auto it = s.open.find(c.request);
  if (it == s.open.end())
    return D::reject("unknown_exchange", describe(c.request) + " has no open exchange");
  if (it->second.ox_id != c.ox_id)
    return D::reject("unknown_exchange", fmt::format("{} is exchange 0x{:04x}, not 0x{:04x}", describe(c.request),
                                                     it->second.ox_id, c.ox_id));
  if constexpr (std::is_same_v<Close, answer>)
    return D::accept(answered{c.request, c.ox_id, c.scsi, c.at_ns});
  else
    return D::accept(failed{c.request, c.ox_id, c.sent, c.reason, c.at_ns});
}

} // namespace

state evolve(state s, const event& e) {
  std::visit(overloaded{
                 [&](const added& x) {
                   s.added = true;
                   s.fc_port = x.fc_port;
                 },
                 [&](const linked& x) { s.host = x.host; },
                 [&](const forwarded&) { ++s.forwarded; },
                 [&](const converted& x) {
                   ++s.converted;
                   s.open[x.request] = open_exchange{x.ox_id, x.host, x.operation, x.lun, x.at_ns};
                   s.next_ox_id = after(x.ox_id);
                 },
                 [&](const answered& x) {
                   ++s.answered;
                   s.open.erase(x.request);
                 },
                 [&](const failed& x) {
                   ++s.failed;
                   s.open.erase(x.request);
                 },
             },
             e);
  return s;
}

decision<event> decide(const state& s, const command& c) {
  return std::visit(overloaded{
                        [&](const add& x) { return decide_add(s, x); },
                        [&](const link_host& x) { return decide_link(s, x); },
                        [&](const forward& x) { return decide_forward(s, x); },
                        [&](const convert& x) { return decide_convert(s, x); },
                        [&](const answer& x) { return decide_close(s, x); },
                        [&](const fail& x) { return decide_close(s, x); },
                    },
                    c);
}


} // namespace storemesh::services::storage
