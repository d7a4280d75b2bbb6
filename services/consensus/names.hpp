#pragma once
// What the consensus module checks of the text it is given: names, host:port
// endpoints, CIDs. Each check returns empty when valid, otherwise why not, so
// that a decider's rejection and the CLI's error say the same thing.
//
// A CID is parsed as the content store parses it (services/consensus/content/
// cid.hpp): a command naming something that is not a CIDv1 is refused by the
// decider with the parser's reason, whoever sent it.

#include "services/names.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace storemesh::services::consensus {

/// Router, network and proposal names, and endpoints, follow the common rules.
using services::check_endpoint;
using services::check_name;
/// The longest CID text a command may carry (a CIDv1 with a sha2-256 digest is 59).
inline constexpr std::size_t max_cid_text = 200;
/// A CIDv1 in base32 that parse_cid accepts.
[[nodiscard]] std::string check_cid(std::string_view cid);

/// The network a router joins when none is named.
inline constexpr std::string_view default_network = "default";

} // namespace storemesh::services::consensus
