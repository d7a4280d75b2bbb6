#include "services/consensus/topology/topology_errc.hpp"

#include <string>

namespace storemesh::services::consensus {
namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "topology"; }
  std::string message(int value) const override {
    switch (static_cast<topology_errc>(value)) {
      case topology_errc::file_too_large: return "topology file too large";
      case topology_errc::too_many_lines: return "topology file has too many lines";
      case topology_errc::line_too_long: return "line too long";
      case topology_errc::bad_character: return "bad character";
      case topology_errc::unknown_statement: return "unknown statement";
      case topology_errc::unexpected_token: return "syntax error";
      case topology_errc::bad_prefix: return "bad IPv4 prefix";
      case topology_errc::bad_router_name: return "bad router name";
      case topology_errc::bad_number: return "bad number";
      case topology_errc::missing_version: return "missing topology version";
      case topology_errc::duplicate_version: return "second topology version";
      case topology_errc::too_many_statements: return "too many statements";
      case topology_errc::datagram_short: return "datagram too short";
      case topology_errc::datagram_too_large: return "datagram too large";
      case topology_errc::datagram_bad_magic: return "not a storemesh datagram";
      case topology_errc::datagram_bad_version: return "unknown datagram version";
      case topology_errc::datagram_length_mismatch: return "datagram length mismatch";
    }
    return "unknown topology error " + std::to_string(value);
  }
};

} // namespace

const std::error_category& topology_category() noexcept {
  static const category instance;
  return instance;
}

} // namespace storemesh::services::consensus
