#include "services/delivery/layout.hpp"

#include "services/names.hpp"

#include <charconv>
#include <cmath>
#include <tuple>

namespace storemesh::services::delivery {

double distance_m(location a, location b) {
  return std::hypot(static_cast<double>(a.x_m - b.x_m), static_cast<double>(a.y_m - b.y_m));
}

std::string check_geometry(const geometry& g) {
  if (g.bytes == 0)
    return "content is empty";
  if (g.k < 1 || g.k > max_k)
    return "k " + std::to_string(g.k) + " not in 1.." + std::to_string(max_k);
  if (g.m < 1 || g.m > max_m)
    return "m " + std::to_string(g.m) + " not in 1.." + std::to_string(max_m);
  if (g.segment_bytes < min_segment_bytes || g.segment_bytes > max_segment_bytes)
    return "segment size " + std::to_string(g.segment_bytes) + " not in " + std::to_string(min_segment_bytes) + ".." +
           std::to_string(max_segment_bytes);
  if (g.segment_bytes % slice_alignment != 0)
    return "segment size " + std::to_string(g.segment_bytes) + " not a multiple of " + std::to_string(slice_alignment);
  return {};
}

std::uint64_t segments(const geometry& g) {
  return g.segment_bytes == 0 ? 0 : (g.bytes + g.segment_bytes - 1) / g.segment_bytes;
}

std::uint64_t slice_bytes(const geometry& g) {
  if (g.k == 0)
    return 0;
  std::uint64_t per = (g.segment_bytes + g.k - 1) / g.k;
  return (per + slice_alignment - 1) / slice_alignment * slice_alignment;
}

std::uint32_t pillars(const geometry& g) { return g.k + g.m; }

std::uint64_t segment_data_bytes(const geometry& g, std::uint64_t segment) {
  std::uint64_t start = segment * g.segment_bytes;
  if (start >= g.bytes)
    return 0;
  return std::min(g.segment_bytes, g.bytes - start);
}

bool slice_ref::operator<(const slice_ref& o) const {
  return std::tie(content, segment, pillar) < std::tie(o.content, o.segment, o.pillar);
}

std::string to_string(const slice_ref& s) {
  return s.content + "." + std::to_string(s.segment) + "." + std::to_string(s.pillar);
}

namespace {

bool parse_u32(std::string_view t, std::uint32_t& out) {
  if (t.empty() || t.size() > 10 || (t.size() > 1 && t[0] == '0'))
    return false;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
  return ec == std::errc() && p == t.data() + t.size();
}

} // namespace

bool parse_slice_ref(std::string_view text, slice_ref& out) {
  // The content name may itself hold dots: the last two fields are the numbers.
  auto last = text.rfind('.');
  if (last == std::string_view::npos || last == 0)
    return false;
  auto mid = text.rfind('.', last - 1);
  if (mid == std::string_view::npos)
    return false;
  slice_ref r;
  r.content = std::string(text.substr(0, mid));
  if (!check_name(r.content).empty())
    return false;
  if (!parse_u32(text.substr(mid + 1, last - mid - 1), r.segment) || !parse_u32(text.substr(last + 1), r.pillar))
    return false;
  out = std::move(r);
  return true;
}

std::string delivery_id(std::string_view group, std::string_view content) {
  return std::string(group) + ":" + std::string(content);
}

bool parse_delivery_id(std::string_view id, std::string& group, std::string& content) {
  auto at = id.find(':');
  if (at == std::string_view::npos)
    return false;
  std::string g(id.substr(0, at)), c(id.substr(at + 1));
  if (!check_name(g).empty() || !check_name(c).empty())
    return false;
  group = std::move(g);
  content = std::move(c);
  return true;
}

} // namespace storemesh::services::delivery
