#include "services/consensus/content/multihash.hpp"

#include "services/consensus/content/content_errc.hpp"
#include "services/consensus/content/varint.hpp"
#include "services/migration/engine/chunk_hash.hpp"

#include <cstring>

namespace storemesh::services::consensus {

// The project's one SHA-256 (OpenSSL EVP, SHA-NI where the CPU has it), shared
// with the copy engine's chunk hashes.
sha256_digest sha256(std::string_view bytes) { return migration::sha256(bytes.data(), bytes.size()); }

void append_multihash(std::string& out, const sha256_digest& digest) {
  append_varint(out, multihash_sha2_256);
  append_varint(out, digest.size());
  out.append(reinterpret_cast<const char*>(digest.data()), digest.size());
}

result<multihash_read> read_multihash(std::string_view in) {
  SM_TRY(const auto code, read_varint(in));
  if (code.value != multihash_sha2_256)
    return make_error(content_errc::unsupported_hash, "multihash code " + std::to_string(code.value) + " (only 18, sha2-256)");
  SM_TRY(const auto length, read_varint(in.substr(code.size)));
  if (length.value != 32)
    return make_error(content_errc::unsupported_hash, "sha2-256 digest of " + std::to_string(length.value) + " bytes");
  const std::size_t at = code.size + length.size;
  if (in.size() - at < 32) return make_error(content_errc::bad_cid, "multihash digest truncated");
  multihash_read r{{}, at + 32};
  std::memcpy(r.digest.data(), in.data() + at, 32);
  return r;
}

} // namespace storemesh::services::consensus
