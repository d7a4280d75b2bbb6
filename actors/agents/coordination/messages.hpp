#pragma once
// PeerMessage (schemas/coordination.capnp) to and from the bytes of one tunnel
// message. Reading never throws and never trusts the bytes: the visitor runs
// inside the guard, so a field that fails Cap'n Proto's checks while it is
// being read is an error value too.

#include "events/error.hpp"
#include "schemas/coordination.capnp.h"

#include <capnp/message.h>

#include <functional>
#include <string>
#include <string_view>

namespace storemesh::actors::coordination {

using peer_message = schema::coordination::PeerMessage;

/// A tunnel message is at most 65535 bytes with its tag; what we send stays below.
inline constexpr std::size_t max_message_bytes = 60000;

/// The message's bytes (a flat Cap'n Proto array).
[[nodiscard]] std::string encode(capnp::MessageBuilder& message);

/// Builds a PeerMessage with `fill` and encodes it.
[[nodiscard]] std::string encode_with(const std::function<void(peer_message::Builder)>& fill);

/// Decodes bytes and hands the message to `visit`, turning any malformed input
/// (also one found while visit reads) into coordination_errc::malformed_message.
[[nodiscard]] result<void> read_message(std::string_view bytes,
                                        const std::function<result<void>(peer_message::Reader)>& visit);

/// Bytes of a Data field as a string (ids are keys of maps).
[[nodiscard]] std::string as_string(capnp::Data::Reader d);

} // namespace storemesh::actors::coordination
