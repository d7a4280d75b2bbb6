#pragma once
// route_prefix: an IPv4 prefix (CIDR), the value every route, table and check
// speaks of. Addresses are host-order std::uint32_t (10.1.0.0 is 0x0A010000).
// A prefix is valid only with its host bits zero: 10.1.0.0/16, never
// 10.1.2.3/16 (parse refuses it, make() refuses it), so two equal prefixes
// always have equal fields.

#include "events/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace storemesh::services::consensus {

/// "a.b.c.d" (decimal, no leading zeros beyond "0", each part <= 255).
[[nodiscard]] std::optional<std::uint32_t> parse_ipv4(std::string_view text);
/// "a.b.c.d".
[[nodiscard]] std::string format_ipv4(std::uint32_t address);

struct route_prefix {
  std::uint32_t address = 0;  // the first address; host bits are zero
  std::uint8_t length = 0;    // 0..32

  /// The prefix, or bad_prefix when length > 32 or host bits are set.
  [[nodiscard]] static result<route_prefix> make(std::uint32_t address, unsigned length);
  /// "a.b.c.d/n": bad_prefix with the reason ("host bits set: 10.1.2.3/16,
  /// did you mean 10.1.0.0/16?").
  [[nodiscard]] static result<route_prefix> parse(std::string_view text);

  /// The netmask: /16 -> 0xFFFF0000, /0 -> 0.
  [[nodiscard]] static constexpr std::uint32_t mask_of(unsigned length) noexcept {
    return length == 0 ? 0u : ~std::uint32_t{0} << (32 - length);
  }
  [[nodiscard]] std::uint32_t mask() const noexcept { return mask_of(length); }
  [[nodiscard]] std::uint32_t first() const noexcept { return address; }
  [[nodiscard]] std::uint32_t last() const noexcept { return address | ~mask(); }
  [[nodiscard]] bool contains(std::uint32_t a) const noexcept { return (a & mask()) == address; }
  /// Every address of `other` is in this prefix (a prefix covers itself).
  [[nodiscard]] bool covers(const route_prefix& other) const noexcept {
    return other.length >= length && contains(other.address);
  }
  /// "a.b.c.d/n".
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const route_prefix& a, const route_prefix& b) noexcept {
    return a.address == b.address && a.length == b.length;
  }
  friend bool operator!=(const route_prefix& a, const route_prefix& b) noexcept { return !(a == b); }
  /// By first address, then shorter first: a prefix sorts right before the
  /// prefixes it covers, and those are contiguous after it.
  friend bool operator<(const route_prefix& a, const route_prefix& b) noexcept {
    return a.address != b.address ? a.address < b.address : a.length < b.length;
  }
};

/// The longest prefix of `prefixes` that contains `address`, by a linear
/// scan: the reference the fast tables are tested against. Its index, or
/// nothing.
[[nodiscard]] std::optional<std::size_t> longest_match_linear(const std::vector<route_prefix>& prefixes,
                                                              std::uint32_t address);

/// The first address of `p` that no prefix of `sorted` strictly more specific
/// than `p` covers (the address only `p` delivers), if there is one. `sorted`
/// must be sorted by operator< and may contain `p` and unrelated prefixes.
[[nodiscard]] std::optional<std::uint32_t> first_own_address(const route_prefix& p,
                                                             const std::vector<route_prefix>& sorted);

} // namespace storemesh::services::consensus
