// Fuzz target: the same bytes as a topology file and as a data plane datagram.
//
// Invariants beyond "no crash, no UB":
//   - a parsed topology prints to a canonical text that parses back to an
//     equal topology, and prints again to the same text (a fixed point);
//   - check_topology runs on it (known routers: those the file names, at most
//     16) and its problems carry lines of the file;
//   - forwarding_table::build for a named router agrees with a linear
//     longest-prefix match at each prefix's first and last address;
//   - a decoded datagram re-encodes to exactly the input bytes.
#include "services/consensus/topology/forwarding_datagram.hpp"
#include "services/consensus/topology/forwarding_table.hpp"
#include "services/consensus/topology/topology_check.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <set>
#include <string>
#include <string_view>

namespace sc = storemesh::services::consensus;

namespace {

void topology_invariants(const sc::topology& t, std::size_t lines) {
  const std::string text = sc::canonical_text(t);
  const auto back = sc::parse_topology(text);
  FUZZ_CHECK(back.has_value(), "canonical text parses");
  FUZZ_CHECK(back.value() == t, "canonical text parses back to an equal topology");
  FUZZ_CHECK(sc::canonical_text(back.value()) == text, "canonical text is a fixed point");

  std::set<std::string> named;
  for (const auto& p : t.prefixes)
    if (p.at) named.insert(*p.at);
  for (const auto& r : t.routes) {
    named.insert(r.owner);
    named.insert(r.via);
  }
  while (named.size() > 16) named.erase(std::prev(named.end()));
  const auto check = sc::check_topology(t, named);
  for (const auto& p : check.problems) FUZZ_CHECK(p.line >= 1 && p.line <= lines, "a problem names a line of the file");

  if (named.empty()) return;
  const auto table = sc::forwarding_table::build(t, *named.begin());
  std::vector<sc::route_prefix> prefixes;
  for (const auto& e : table.entries()) prefixes.push_back(e.prefix);
  for (const auto& p : prefixes)
    for (const std::uint32_t a : {p.first(), p.last()}) {
      const auto want = sc::longest_match_linear(prefixes, a);
      const auto* got = table.lookup_entry(a);
      FUZZ_CHECK(want && got && got->prefix == prefixes[*want], "the table's match is the longest one");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto t = sc::parse_topology(text)) {
    std::size_t lines = 1;
    for (char c : text) lines += c == '\n';
    topology_invariants(t.value(), lines);
  } else {
    FUZZ_CHECK(!t.error().detail.empty(), "a refused file says why");
  }

  if (auto d = sc::decode_datagram(data, size)) {
    const auto again = sc::encode_datagram(d.value());
    FUZZ_CHECK(again.has_value(), "a decoded datagram encodes");
    FUZZ_CHECK(again.value() == std::vector<std::uint8_t>(data, data + size), "it re-encodes to the same bytes");
  }
  return 0;
}
