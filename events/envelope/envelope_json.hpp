#pragma once
// Envelopes as JSON, for `storemesh watch`, logs and humans: one object on one
// line, field names as in the schemas. Data fields (ids, hashes, keys,
// signatures, embedded records) are lowercase hex strings; 64-bit integers are
// strings (Cap'n Proto's JSON convention: JSON numbers lose precision past 2^53).

#include "events/error.hpp"
#include "schemas/envelope.capnp.h"

#include <string>
#include <string_view>

namespace storemesh::events::envelope {

/// The envelope as one line of JSON. Meant for validated envelopes
/// (decoded_envelope::reader() or a builder's asReader()); an unknown payload
/// member is left out. Never throws: should Cap'n Proto refuse the message,
/// the result is {"error":"<why>"}.
[[nodiscard]] std::string to_json(schema::Envelope::Reader envelope);

/// Sets the envelope's payload from its JSON form, as to_json writes it (for
/// example {"hostCommand":{"setState":{"state":"draining","reason":"x"}}}).
/// An error names what did not parse; the envelope is then left unspecified.
[[nodiscard]] result<void> payload_from_json(std::string_view json, schema::Envelope::Builder envelope);

/// S as a JSON string literal, quotes included (control characters become spaces).
[[nodiscard]] std::string json_string(std::string_view s);

} // namespace storemesh::events::envelope
