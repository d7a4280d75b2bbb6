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

#include <cstdint>

namespace storemesh::events::envelope {

/// Reads every known pointer field of `root`, recursively (for unions, only
/// the active member; unknown members and fields of newer schemas are not
/// interpreted). Throws kj::Exception where a generated reader would.
/// Returns false when more than `budget` structs, list elements and pointers
/// were visited: a legitimate message has at least one word per visit, so a
/// caller passing the message's size in words refuses lists of zero-sized
/// elements (2^29 of them fit in one word) instead of iterating them.
[[nodiscard]] bool check_structure(schema::Envelope::Reader root, std::uint64_t budget);

} // namespace storemesh::events::envelope
