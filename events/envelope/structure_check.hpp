#pragma once
// Internal to decoded_envelope: the eager half of validation.
//
// Cap'n Proto checks a received message lazily: a pointer of the wrong kind
// (a struct where text is expected, text without its NUL) throws only when the
// field is read. Reading every pointer field the schema knows once, at decode
// time, moves all of those throws into decode(), so code holding a
// decoded_envelope can read any known field without a try/catch.
//
// The walk follows a plan computed once from the schemas (which pointer slot
// holds what, where each union's discriminant is), and reads through
// AnyStruct/AnyPointer with the same checked reads the generated readers use.
// The dynamic API would do the same reads but pays for schema introspection on
// every field: ~10x slower, and decode is on every replay's path.

#include "schemas/envelope.capnp.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace storemesh::events::envelope {

/// What check_structure() found.
enum class structure_verdict : std::uint8_t {
  ok,
  too_many_elements,  // more structs, list elements and pointers than the budget
  overlap,            // reachable objects add up to more words than the message
  capabilities,       // a capability pointer somewhere in the message
};

/// Reads every known pointer field of `root`, recursively (for unions, only
/// the active member; unknown members and fields of newer schemas are not
/// interpreted, but their targets are sized like Cap'n Proto's totalSize()).
/// Throws kj::Exception where a generated reader would.
///
/// One walk does what totalSize() and the field reads did in two: it adds up
/// the words of every reachable object and stops with `overlap` as soon as
/// they exceed `message_words` (in a well-formed message every object has its
/// own words, so more means pointers share targets: an attacker multiplying
/// the cost of reading), and it counts visits against the same bound: a
/// legitimate message has at least one word per visit, so lists of
/// zero-sized elements (2^29 of them fit in one word) give
/// `too_many_elements` instead of being iterated.
/// The Text and Data fields of the root struct as the walk read them, by
/// pointer slot (empty when null or beyond the first 16 slots): so decode()
/// does not read id, entityKind and entityId a second time.
struct root_blobs {
  static constexpr std::size_t slots = 16;
  std::array<std::string_view, slots> by_slot{};
};

/// The words of a single-segment message's one segment (everything `root`
/// reaches lives there): given, the walk reads Text and Data fields in place
/// where it can (the same bytes, the same refusals, fewer library calls).
struct message_segment {
  const std::uint64_t* begin = nullptr;
  std::size_t words = 0;
};

[[nodiscard]] structure_verdict check_structure(schema::Envelope::Reader root, std::uint64_t message_words,
                                                root_blobs* blobs = nullptr, message_segment segment = {});

} // namespace storemesh::events::envelope
