// Fuzz target: what content addressing reads from outside — CID text (a CLI
// argument, a URL path, a proposal), binary CIDs (dag-pb links), dag-pb
// blocks and their UnixFS Data (fetched from peers), and the trustless
// gateway's request handling (target and Accept header from any client).
//
// Invariants beyond "no crash, no UB":
//   - a CID text or binary that parses is canonical: it prints back to the
//     very same text / bytes, and its other form parses to the same CID;
//   - base32 that decodes encodes back to the same text;
//   - a dag-pb node that decodes re-encodes to bytes that decode to the same
//     node (the encoding is a fixpoint after one round);
//   - the gateway answers every request with one of its documented statuses,
//     a Content-Length equal to the body, and for 200 the raw media type.
#include "services/consensus/content/base32.hpp"
#include "services/consensus/content/cid.hpp"
#include "services/consensus/content/dag_pb.hpp"
#include "services/consensus/content/trustless_gateway.hpp"
#include "services/consensus/content/content_errc.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace storemesh;
using namespace storemesh::services::consensus;

namespace {

bool same(const pb_node& a, const pb_node& b) {
  if (a.data != b.data || a.links.size() != b.links.size()) return false;
  for (std::size_t i = 0; i < a.links.size(); ++i)
    if (a.links[i].hash != b.links[i].hash || a.links[i].name != b.links[i].name || a.links[i].tsize != b.links[i].tsize)
      return false;
  return true;
}

void check_gateway(std::string_view input) {
  const auto cut = input.find('\n');
  const std::string target = "/ipfs/" + std::string(input.substr(0, cut));
  const std::optional<std::string_view> accept =
      cut == std::string_view::npos ? std::nullopt : std::optional<std::string_view>(input.substr(cut + 1));
  for (const char* method : {"GET", "HEAD"}) {
    const auto r = handle_gateway_request({method, target, accept}, [](const cid& id) -> result<std::string> {
      if (id.digest()[0] & 1) return make_error(content_errc::not_found, "");
      return std::string("block");
    });
    FUZZ_CHECK(r.status == 200 || r.status == 400 || r.status == 404 || r.status == 406, "a documented status");
    const auto length = r.header("Content-Length");
    FUZZ_CHECK(length.has_value(), "every answer has a Content-Length");
    if (r.status == 200) {
      FUZZ_CHECK(r.header("Content-Type") == std::string(media_type_raw), "a block is served raw");
      FUZZ_CHECK(std::string(method) == "HEAD" ? r.body.empty() : *length == std::to_string(r.body.size()),
                 "the length is the body's (HEAD: no body)");
    } else {
      FUZZ_CHECK(*length == std::to_string(r.body.size()), "an error's length is its body's");
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (const auto c = parse_cid(input)) {
    FUZZ_CHECK(c.value().to_string() == input, "a CID text that parses is canonical");
    FUZZ_CHECK(cid_from_bytes(c.value().to_bytes()).value() == c.value(), "its binary form parses to it");
  }
  if (const auto c = cid_from_bytes(input)) {
    FUZZ_CHECK(c.value().to_bytes() == input, "a binary CID that parses is canonical");
    FUZZ_CHECK(parse_cid(c.value().to_string()).value() == c.value(), "its text parses to it");
  }
  if (const auto b = base32_decode(input)) FUZZ_CHECK(base32_encode(b.value()) == input, "base32 is canonical");

  if (const auto node = decode_pb_node(input)) {
    const auto once = encode_pb_node(node.value());
    const auto again = decode_pb_node(once);
    FUZZ_CHECK(again.has_value() && same(again.value(), node.value()), "dag-pb re-encodes to the same node");
    FUZZ_CHECK(encode_pb_node(again.value()) == once, "the encoding is a fixpoint");
    if (node.value().data) (void)decode_unixfs(*node.value().data);
  }
  (void)decode_unixfs(input);
  (void)accepts_raw(input);
  check_gateway(input);
  return 0;
}
