#include "services/consensus/names.hpp"
#include "services/consensus/content/cid.hpp"

namespace storemesh::services::consensus {

std::string check_cid(std::string_view cid) {
  if (cid.size() > max_cid_text)
    return "is longer than " + std::to_string(max_cid_text) + " characters";
  auto parsed = parse_cid(cid);
  return parsed ? std::string() : parsed.error().message();
}

} // namespace storemesh::services::consensus
