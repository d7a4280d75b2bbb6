#pragma once
// Strong types for the numbers that cross module boundaries: an offset is not
// a sequence number is not a partition, and the compiler says so.

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

namespace storemesh {

template <class Tag, class T>
struct strong {
  T value{};
  constexpr strong() = default;
  constexpr explicit strong(T v) : value(v) {}
  friend constexpr bool operator==(strong a, strong b) { return a.value == b.value; }
  friend constexpr bool operator!=(strong a, strong b) { return a.value != b.value; }
  friend constexpr bool operator<(strong a, strong b) { return a.value < b.value; }
  friend constexpr bool operator<=(strong a, strong b) { return a.value <= b.value; }
  friend constexpr bool operator>(strong a, strong b) { return a.value > b.value; }
  friend constexpr bool operator>=(strong a, strong b) { return a.value >= b.value; }
  friend std::ostream& operator<<(std::ostream& os, strong s) { return os << s.value; }
};

/// Position of a record in one partition: 0 for the first record, +1 per record
/// (Kafka's meaning). An "end offset" is the offset the next record will get.
using offset = strong<struct offset_tag, std::int64_t>;
/// Index of a partition within its topic, 0-based.
using partition_id = strong<struct partition_tag, std::int32_t>;
/// Per-entity event number: the first event of an entity has sequence 1.
using sequence_nr = strong<struct sequence_tag, std::uint64_t>;
/// One tenure of a partition by this process: a new value each time the group
/// gives it the partition (never reused within the process), so that work
/// begun under one tenure is told from work under the next, even when the
/// partition comes back to the same member. 0 means none.
using ownership_epoch = strong<struct ownership_epoch_tag, std::uint64_t>;

} // namespace storemesh

template <class Tag, class T>
struct std::hash<storemesh::strong<Tag, T>> {
  std::size_t operator()(storemesh::strong<Tag, T> s) const noexcept { return std::hash<T>{}(s.value); }
};
