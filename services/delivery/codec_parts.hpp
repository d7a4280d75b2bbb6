#pragma once
// What the four delivery codecs (user_group, content, edge_unit, delivery)
// map the same way: places, geometries, placements, moves, slice keys and
// lists of names or checksums <-> schemas/delivery.capnp. Written once here so
// that each codec says only which fields its messages carry.

#include "schemas/delivery.capnp.h"
#include "services/delivery/layout.hpp"
#include "services/delivery/process.hpp"

#include <capnp/list.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace storemesh::services::delivery::codec_parts {

namespace S = schema::delivery;

/// The length to initialise a Cap'n Proto list with for a container.
template <class C>
[[nodiscard]] unsigned count(const C& c) {
  return static_cast<unsigned>(c.size());
}

void put(location l, S::Location::Builder b);
[[nodiscard]] location get(S::Location::Reader r);

void put(const geometry& g, S::Geometry::Builder b);
[[nodiscard]] geometry get(S::Geometry::Reader r);

void put(const std::vector<std::string>& v, capnp::List<capnp::Text>::Builder b);
[[nodiscard]] std::vector<std::string> texts(capnp::List<capnp::Text>::Reader r);

void put(const std::vector<std::uint32_t>& v, capnp::List<std::uint32_t>::Builder b);
[[nodiscard]] std::vector<std::uint32_t> u32s(capnp::List<std::uint32_t>::Reader r);

void put(const std::vector<process::placement>& v, capnp::List<S::Placement>::Builder b);
[[nodiscard]] std::vector<process::placement> placements(capnp::List<S::Placement>::Reader r);

void put(const std::vector<process::move>& v, capnp::List<S::Move>::Builder b);
[[nodiscard]] std::vector<process::move> moves(capnp::List<S::Move>::Reader r);

void put(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& v, capnp::List<S::SliceKey>::Builder b);
[[nodiscard]] std::vector<std::pair<std::uint32_t, std::uint32_t>> slice_keys(capnp::List<S::SliceKey>::Reader r);

} // namespace storemesh::services::delivery::codec_parts
