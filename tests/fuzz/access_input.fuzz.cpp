// Fuzz target: what an access server reads from outside (services/access):
// clamd's replies (a scanner is a peer, not trusted to be well formed) and a
// client's reported attributes. The first byte picks which.
//
// Invariants beyond "no crash, no UB":
//   - a scan reply is exactly one of clean / infected (with a signature) /
//     error (with a reason); a reply that is not "...: OK" or "...: X FOUND"
//     is never taken for clean;
//   - a version reply that parses names its engine;
//   - any attributes, even those check_attributes refuses (the decider never
//     lets them in), are decided without a crash, with a rule and a reason;
//     a well-formed set decides the same twice.
#include "services/access/clamd_protocol.hpp"
#include "services/access/protection.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <string>
#include <string_view>

namespace ac = storemesh::services::access;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto which = data[0] % 3;
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  if (which == 0) {
    const auto r = ac::parse_scan_reply(in);
    switch (r.what) {
    case ac::scan_reply::kind::clean:
      FUZZ_CHECK(in.find("OK") != std::string_view::npos, "clean only from a reply that says OK");
      break;
    case ac::scan_reply::kind::infected:
      FUZZ_CHECK(!r.signature.empty(), "an infected reply names its signature");
      break;
    case ac::scan_reply::kind::error:
      FUZZ_CHECK(!r.error.empty(), "an error says why");
      break;
    }
  } else if (which == 1) {
    const auto v = ac::parse_version(in);
    FUZZ_CHECK(!v.ok || !v.engine.empty(), "a parsed version names its engine");
  } else {
    // key=value lines
    ac::attributes a;
    std::size_t at = 0;
    while (at < in.size()) {
      auto end = in.find('\n', at);
      if (end == std::string_view::npos) end = in.size();
      const auto line = in.substr(at, end - at);
      const auto eq = line.find('=');
      if (eq != std::string_view::npos) a[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
      at = end + 1;
    }
    ac::policy p;
    p.trusted_networks = {"10.0.0.0/8", "::1/128"};
    const bool valid = ac::check_attributes(a).empty();
    const auto d = ac::decide_session(p, "docs", "srv:0123456789abcdef", a);
    FUZZ_CHECK(!d.rule.empty() && !d.reason.empty(), "every decision names its rule and reason");
    if (valid)
      FUZZ_CHECK(ac::decide_session(p, "docs", "srv:0123456789abcdef", a) == d, "the decision is a function");
  }
  return 0;
}
