#include "services/consensus/content/content_errc.hpp"

#include <string>

namespace storemesh::services::consensus {
namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "content"; }
  std::string message(int value) const override {
    switch (static_cast<content_errc>(value)) {
      case content_errc::bad_varint: return "malformed varint";
      case content_errc::bad_base32: return "malformed base32";
      case content_errc::unsupported_multibase: return "unsupported multibase (only base32 'b...' CIDv1)";
      case content_errc::unsupported_cid_version: return "unsupported CID version (only CIDv1)";
      case content_errc::unsupported_hash: return "unsupported multihash (only sha2-256)";
      case content_errc::bad_cid: return "malformed CID";
      case content_errc::hash_mismatch: return "bytes do not hash to the CID";
      case content_errc::bad_dag_pb: return "malformed dag-pb block";
      case content_errc::bad_unixfs: return "malformed UnixFS file node";
      case content_errc::block_too_large: return "block too large";
      case content_errc::unsupported_codec: return "unsupported codec";
      case content_errc::not_found: return "block not found";
      case content_errc::io_error: return "I/O error";
    }
    return "unknown content error " + std::to_string(value);
  }
};

} // namespace

const std::error_category& content_category() noexcept {
  static const category instance;
  return instance;
}

} // namespace storemesh::services::consensus
