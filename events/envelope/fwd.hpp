#pragma once
// Forward declarations of events/envelope, for headers that only pass these along.

namespace storemesh::events::envelope {

class decoded_envelope;
enum class envelope_errc;

} // namespace storemesh::events::envelope
