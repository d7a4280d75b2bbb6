#pragma once
// What the consensus module checks of the text it is given: names, host:port
// endpoints, CIDs. Each check returns empty when valid, otherwise why not, so
// that a decider's rejection and the CLI's error say the same thing.
//
// A CID is checked only as text here (non-empty, starts with 'b', base32
// alphabet, bounded): computing and parsing CIDs is the content store's work
// (services/consensus/content/), which the CLI runs before it sends one.

#include <string>
#include <string_view>

namespace storemesh::services::consensus {

/// A router, network or proposal name: [a-z0-9][a-z0-9_.-]{0,62}.
[[nodiscard]] std::string check_name(std::string_view name);
/// host:port, port 1..65535, no spaces, at most 255 characters.
[[nodiscard]] std::string check_endpoint(std::string_view endpoint);
/// The text of a CIDv1 in base32: 'b' then [a-z2-7], 8 to 200 characters.
[[nodiscard]] std::string check_cid(std::string_view cid);

/// The network a router joins when none is named.
inline constexpr std::string_view default_network = "default";

} // namespace storemesh::services::consensus
