#include "sim/scenarios/control_path_fold.hpp"

#include "events/crypto/hashing.hpp"

namespace storemesh::sim {
namespace st = services::storage;
using services::overloaded;

const control_path_fold::system* control_path_fold::find(const std::string& id) const {
  auto it = systems_.find(id);
  return it == systems_.end() ? nullptr : &it->second;
}

std::optional<std::string> control_path_fold::apply(const std::string& id, const st::event& e) {
  auto& s = systems_[id];
  std::optional<std::string> bad;
  auto request = [&](const std::string& r) { return "storage " + id + ": request " + events::crypto::to_hex(r); };
  std::visit(
      overloaded{
          [&](const st::added&) {
            if (s.added)
              bad = "storage " + id + " added twice";
            s.added = true;
          },
          [&](const st::linked& l) {
            if (!s.added)
              bad = "storage " + id + " linked to " + l.host + " before it was added";
            else if (l.previous != s.host)
              bad = "storage " + id + " linked to " + l.host + " from '" + l.previous + "', but it was at '" + s.host +
                    "'";
            s.host = l.host;
          },
          [&](const st::forwarded& f) {
            if (!s.added || s.host.empty())
              bad = request(f.request) + " forwarded while the system is not added and linked";
            else if (f.to_host != s.host)
              bad = request(f.request) + " forwarded to " + f.to_host + ", but the FC link is at " + s.host;
            else if (f.from_host == f.to_host)
              bad = request(f.request) + " forwarded by " + f.from_host + " to itself";
            s.forwarded.insert(f.request);
            s.forwarded_to[f.request] = f.to_host;
          },
          [&](const st::converted& c) {
            if (!s.added || c.host != s.host)
              bad = request(c.request) + " converted by " + c.host + ", but the FC link is at '" + s.host + "'";
            else if (!s.converted.insert(c.request).second)
              bad = request(c.request) + " converted twice: it reached the storage system more than once";
            else if (c.ox_id == st::unassigned_ox_id)
              bad = request(c.request) + " converted with the unassigned OX_ID 0xFFFF";
            else if (c.cdb.size() < 6 || c.cdb.size() > 16)
              bad = request(c.request) + " converted with a CDB of " + std::to_string(c.cdb.size()) + " bytes";
            else
              for (const auto& [r, x] : s.open)
                if (x.ox_id == c.ox_id)
                  bad = request(c.request) + " converted as OX_ID " + std::to_string(c.ox_id) +
                        ", which the open exchange of " + events::crypto::to_hex(r) + " holds";
            s.converted.insert(c.request);
            s.open[c.request] = exchange{c.ox_id, c.host};
          },
          [&](const st::answered& a) {
            auto it = s.open.find(a.request);
            if (it == s.open.end() || it->second.ox_id != a.ox_id)
              bad = request(a.request) + " answered, but no exchange with OX_ID " + std::to_string(a.ox_id) + " was open";
            else
              s.open.erase(it);
          },
          [&](const st::failed& f) {
            auto it = s.open.find(f.request);
            if (it == s.open.end() || it->second.ox_id != f.ox_id)
              bad = request(f.request) + " failed, but no exchange with OX_ID " + std::to_string(f.ox_id) + " was open";
            else
              s.open.erase(it);
          },
      },
      e);
  return bad;
}

} // namespace storemesh::sim
