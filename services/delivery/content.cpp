#include "services/delivery/content.hpp"

#include "services/migration/engine/datastore_path.hpp"

#include <algorithm>
#include <tuple>

namespace storemesh::services::delivery::content {
namespace {

using D = decision<event>;

auto tie(const added& x) { return std::tie(x.geometry, x.sha256, x.origin, x.slice_crc32c, x.at_ns); }
auto tie(const state& x) {
  return std::tie(x.exists, x.geometry, x.sha256, x.origin, x.slice_crc32c, x.added_ns);
}

bool lower_hex(std::string_view s, std::size_t digits) {
  return s.size() == digits &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

state apply(state s, const added& x) {
  s.exists = true;
  s.geometry = x.geometry;
  s.sha256 = x.sha256;
  s.origin = x.origin;
  s.slice_crc32c = x.slice_crc32c;
  s.added_ns = x.at_ns;
  return s;
}

D decide_add(const state& s, const add& c) {
  if (auto why = check_geometry(c.geometry); !why.empty())
    return D::reject("invalid", "geometry: " + why);
  if (!lower_hex(c.sha256, 64))
    return D::reject("invalid", "sha256 must be 64 lowercase hex digits");
  if (auto why = migration::check_relative_path(c.origin); !why.empty())
    return D::reject("invalid", "origin '" + c.origin + "': " + why);
  const auto expected = segments(c.geometry) * pillars(c.geometry);
  if (c.slice_crc32c.size() != expected)
    return D::reject("invalid", std::to_string(c.slice_crc32c.size()) + " slice checksums for " +
                                    std::to_string(expected) + " slices (segments x (k + m))");
  if (s.exists) {
    if (s.geometry == c.geometry && s.sha256 == c.sha256 && s.origin == c.origin && s.slice_crc32c == c.slice_crc32c)
      return D::accept(std::vector<event>{});  // the same content added again: the same outcome
    return D::reject("already_added", "the content was added before with another size, hash, coding or origin");
  }
  return D::accept(added{c.geometry, c.sha256, c.origin, c.slice_crc32c, c.at_ns});
}

} // namespace

bool added::operator==(const added& o) const { return tie(*this) == tie(o); }
bool state::operator==(const state& o) const { return tie(*this) == tie(o); }

state evolve(state s, const event& e) {
  return std::visit([&](const auto& x) { return apply(std::move(s), x); }, e);
}

bool expected_crc(const state& s, std::uint32_t segment, std::uint32_t pillar, std::uint32_t& out) {
  if (!s.exists || pillar >= pillars(s.geometry) || segment >= segments(s.geometry))
    return false;
  const auto at = static_cast<std::uint64_t>(segment) * pillars(s.geometry) + pillar;
  if (at >= s.slice_crc32c.size())
    return false;
  out = s.slice_crc32c[at];
  return true;
}

decision<event> decide(const state& s, const command& c) {
  return std::visit(overloaded{
                        [&](const add& x) { return decide_add(s, x); },
                    },
                    c);
}

} // namespace storemesh::services::delivery::content
