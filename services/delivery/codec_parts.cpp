#include "services/delivery/codec_parts.hpp"

#include "services/capnp_read.hpp"

namespace storemesh::services::delivery::codec_parts {

void put(location l, S::Location::Builder b) {
  b.setXM(l.x_m);
  b.setYM(l.y_m);
}
location get(S::Location::Reader r) { return location{r.getXM(), r.getYM()}; }

void put(const geometry& g, S::Geometry::Builder b) {
  b.setBytes(g.bytes);
  b.setSegmentBytes(g.segment_bytes);
  b.setK(g.k);
  b.setM(g.m);
}
geometry get(S::Geometry::Reader r) { return geometry{r.getBytes(), r.getSegmentBytes(), r.getK(), r.getM()}; }

void put(const std::vector<std::string>& v, capnp::List<capnp::Text>::Builder b) {
  for (unsigned i = 0; i < v.size(); ++i)
    b.set(i, v[i]);
}
std::vector<std::string> texts(capnp::List<capnp::Text>::Reader r) {
  std::vector<std::string> out;
  out.reserve(r.size());
  for (auto t : r)
    out.push_back(text(t));
  return out;
}

void put(const std::vector<std::uint32_t>& v, capnp::List<std::uint32_t>::Builder b) {
  for (unsigned i = 0; i < v.size(); ++i)
    b.set(i, v[i]);
}
std::vector<std::uint32_t> u32s(capnp::List<std::uint32_t>::Reader r) {
  std::vector<std::uint32_t> out;
  out.reserve(r.size());
  for (auto x : r)
    out.push_back(x);
  return out;
}

void put(const std::vector<process::placement>& v, capnp::List<S::Placement>::Builder b) {
  for (unsigned i = 0; i < v.size(); ++i) {
    b[i].setSegment(v[i].segment);
    b[i].setPillar(v[i].pillar);
    b[i].setEdge(v[i].edge);
    b[i].setWindow(v[i].window);
    b[i].setCrc32c(v[i].crc32c);
  }
}
std::vector<process::placement> placements(capnp::List<S::Placement>::Reader r) {
  std::vector<process::placement> out;
  out.reserve(r.size());
  for (auto x : r)
    out.push_back(process::placement{x.getSegment(), x.getPillar(), text(x.getEdge()), x.getWindow(), x.getCrc32c()});
  return out;
}

void put(const std::vector<process::move>& v, capnp::List<S::Move>::Builder b) {
  for (unsigned i = 0; i < v.size(); ++i) {
    b[i].setSegment(v[i].segment);
    b[i].setPillar(v[i].pillar);
    b[i].setFrom(v[i].from);
    b[i].setTo(v[i].to);
    b[i].setWindow(v[i].window);
  }
}
std::vector<process::move> moves(capnp::List<S::Move>::Reader r) {
  std::vector<process::move> out;
  out.reserve(r.size());
  for (auto x : r)
    out.push_back(process::move{x.getSegment(), x.getPillar(), text(x.getFrom()), text(x.getTo()), x.getWindow()});
  return out;
}

void put(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& v, capnp::List<S::SliceKey>::Builder b) {
  for (unsigned i = 0; i < v.size(); ++i) {
    b[i].setSegment(v[i].first);
    b[i].setPillar(v[i].second);
  }
}
std::vector<std::pair<std::uint32_t, std::uint32_t>> slice_keys(capnp::List<S::SliceKey>::Reader r) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  out.reserve(r.size());
  for (auto x : r)
    out.emplace_back(x.getSegment(), x.getPillar());
  return out;
}

} // namespace storemesh::services::delivery::codec_parts
