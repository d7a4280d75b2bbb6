#include "services/consensus/topology/route_prefix.hpp"

#include "services/consensus/topology/topology_errc.hpp"

#include <algorithm>

namespace storemesh::services::consensus {
namespace {

// A decimal 0..max without sign or leading zeros ("0" itself is fine).
std::optional<std::uint32_t> small_decimal(std::string_view s, std::uint32_t max) {
  if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  std::uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (v > max) return std::nullopt;
  return v;
}

} // namespace

std::optional<std::uint32_t> parse_ipv4(std::string_view text) {
  std::uint32_t out = 0;
  for (int part = 0; part < 4; ++part) {
    const auto dot = text.find('.');
    if ((part < 3) == (dot == std::string_view::npos)) return std::nullopt;
    const auto v = small_decimal(text.substr(0, dot), 255);
    if (!v) return std::nullopt;
    out = out << 8 | *v;
    text = part < 3 ? text.substr(dot + 1) : std::string_view{};
  }
  return out;
}

std::string format_ipv4(std::uint32_t a) {
  return std::to_string(a >> 24) + '.' + std::to_string((a >> 16) & 0xFF) + '.' + std::to_string((a >> 8) & 0xFF) +
         '.' + std::to_string(a & 0xFF);
}

result<route_prefix> route_prefix::make(std::uint32_t address, unsigned length) {
  if (length > 32) return make_error(topology_errc::bad_prefix, "prefix length " + std::to_string(length) + " > 32");
  const route_prefix p{address & mask_of(length), static_cast<std::uint8_t>(length)};
  if (p.address != address)
    return make_error(topology_errc::bad_prefix, "host bits set: " + format_ipv4(address) + '/' +
                                                     std::to_string(length) + ", did you mean " + p.to_string() + '?');
  return p;
}

result<route_prefix> route_prefix::parse(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos)
    return make_error(topology_errc::bad_prefix, "'" + std::string(text) + "' is not a prefix a.b.c.d/n");
  const auto address = parse_ipv4(text.substr(0, slash));
  if (!address)
    return make_error(topology_errc::bad_prefix,
                      "'" + std::string(text.substr(0, slash)) + "' is not an IPv4 address a.b.c.d");
  const auto length = small_decimal(text.substr(slash + 1), 32);
  if (!length)
    return make_error(topology_errc::bad_prefix,
                      "'" + std::string(text.substr(slash + 1)) + "' is not a prefix length 0..32");
  return make(*address, *length);
}

std::string route_prefix::to_string() const { return format_ipv4(address) + '/' + std::to_string(length); }

std::optional<std::size_t> longest_match_linear(const std::vector<route_prefix>& prefixes, std::uint32_t address) {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < prefixes.size(); ++i)
    if (prefixes[i].contains(address) && (!best || prefixes[i].length > prefixes[*best].length)) best = i;
  return best;
}

std::optional<std::uint32_t> first_own_address(const route_prefix& p, const std::vector<route_prefix>& sorted) {
  // The prefixes p covers start at or after p in the order and are contiguous
  // (they nest or are disjoint): walk them, moving a cursor past each covered
  // range, until a gap shows up or p's end is passed. 64-bit so that
  // last() + 1 cannot wrap.
  std::uint64_t cursor = p.first();
  auto it = std::lower_bound(sorted.begin(), sorted.end(), p);
  for (; it != sorted.end() && it->address <= p.last(); ++it) {
    if (!p.covers(*it) || *it == p) continue;
    if (it->first() > cursor) break;
    cursor = std::max<std::uint64_t>(cursor, std::uint64_t{it->last()} + 1);
  }
  if (cursor > p.last()) return std::nullopt;
  return static_cast<std::uint32_t>(cursor);
}

} // namespace storemesh::services::consensus
