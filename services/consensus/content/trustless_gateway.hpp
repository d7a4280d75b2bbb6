#pragma once
// The IPFS Trustless Gateway (specs.ipfs.tech/http-gateways/trustless-gateway),
// raw blocks only, sans-IO: a request's method, target and Accept header in,
// a status, headers and body out. block_server (actors/agents/block_exchange)
// puts it on a socket; any HTTP client can then fetch a block with
//
//   curl -H 'Accept: application/vnd.ipld.raw' http://127.0.0.1:PORT/ipfs/CID
//
// What is answered:
//   GET|HEAD /ipfs/{cid}, raw block requested  200, the block (HEAD: no body)
//       Content-Type application/vnd.ipld.raw, Content-Length,
//       X-Content-Type-Options nosniff, Content-Disposition attachment
//       ("{cid}.bin"), Etag "{cid}.raw", Cache-Control immutable, Vary Accept,
//       X-Ipfs-Path, X-Ipfs-Roots
//   GET|HEAD /ipfs/bafkqaaa (the spec's probe path)   200, empty body
//   the CID is not a CIDv1/sha2-256 in base32     400, the reason
//   a path after the CID (raw blocks have none)   400
//   neither ?format nor Accept                    400 (the spec: strict trustless mode)
//   ?format other than raw, car, ipns-record      400
//   ?format=car|ipns-record, or an Accept without
//     application/vnd.ipld.raw (or */*, application/*) at q > 0   406
//   the block is not in the store                 404
//   the store fails (I/O, a block altered on disk) 500
//   a method other than GET and HEAD              405, Allow: GET, HEAD
//   a target not under /ipfs/                     404
// "raw block requested" is ?format=raw (which takes precedence over Accept,
// as the spec says) or an Accept that admits application/vnd.ipld.raw.
// Error bodies are one line of text/plain.

#include "events/error.hpp"
#include "services/consensus/content/cid.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace storemesh::services::consensus {

inline constexpr std::string_view media_type_raw = "application/vnd.ipld.raw";

struct gateway_request {
  std::string_view method;                ///< "GET", "HEAD", ...
  std::string_view target;                ///< "/ipfs/bafk...?format=raw"
  std::optional<std::string_view> accept; ///< the Accept header, if sent
};

struct gateway_response {
  unsigned status = 500;
  std::vector<std::pair<std::string, std::string>> headers;  ///< in order; Content-Length included
  std::string body;                                          ///< empty for HEAD

  /// The value of a header (case-sensitive name as written here), if present.
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
};

/// Where the gateway gets a block: its bytes, or not_found, or another error
/// (answered 500). object_store::get fits.
using gateway_block_source = std::function<result<std::string>(const cid&)>;

/// The gateway's answer to one request (see above). Never throws for any input.
[[nodiscard]] gateway_response handle_gateway_request(const gateway_request& request, const gateway_block_source& blocks);

/// Whether an Accept header admits application/vnd.ipld.raw at q > 0.
[[nodiscard]] bool accepts_raw(std::string_view accept);

} // namespace storemesh::services::consensus
