#pragma once
// CIDv1, the content identifiers IPFS computes, byte for byte:
//
//   binary  varint(1) varint(codec) multihash            (multihash.hpp)
//   text    'b' + base32(binary)  (multibase base32 lowercase, no padding)
//
// codec is raw (0x55: the block is opaque bytes, "bafk...") or dag-pb (0x70: a
// protobuf PBNode, "bafy..."); other codecs parse and print but nothing here
// builds or reads them. Only sha2-256 multihashes are accepted, since those
// are the only ones we can verify. A cid is a small value (codec + digest):
// copy it freely, compare it, hash it, use it as a map key.
//
//   auto c = cid::of(codec_raw, bytes);        // what `ipfs block put` gives
//   std::string text = c.to_string();          // "bafkrei..."
//   result<cid> back = parse_cid(text);        // errors for bad text
//   result<void> ok = verify_block(c, bytes);  // hash_mismatch if not

#include "events/error.hpp"
#include "services/consensus/content/multihash.hpp"

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace storemesh::services::consensus {

inline constexpr std::uint64_t codec_raw = 0x55;
inline constexpr std::uint64_t codec_dag_pb = 0x70;

class cid {
public:
  cid() = default;  ///< raw codec, all-zero digest: a placeholder, not the CID of anything
  cid(std::uint64_t codec, const sha256_digest& digest) : codec_(codec), digest_(digest) {}
  /// The CID of `bytes` as a block of `codec` (hashes them).
  [[nodiscard]] static cid of(std::uint64_t codec, std::string_view bytes) { return {codec, sha256(bytes)}; }

  [[nodiscard]] static constexpr std::uint64_t version() { return 1; }
  [[nodiscard]] std::uint64_t codec() const { return codec_; }
  [[nodiscard]] const sha256_digest& digest() const { return digest_; }

  /// The binary form (36 bytes for raw and dag-pb).
  [[nodiscard]] std::string to_bytes() const;
  /// The text form: 'b' + base32 of the binary form.
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const cid& a, const cid& b) { return a.codec_ == b.codec_ && a.digest_ == b.digest_; }
  friend bool operator!=(const cid& a, const cid& b) { return !(a == b); }
  friend bool operator<(const cid& a, const cid& b) {
    return a.codec_ != b.codec_ ? a.codec_ < b.codec_ : a.digest_ < b.digest_;
  }

private:
  std::uint64_t codec_ = codec_raw;
  sha256_digest digest_{};
};

/// Writes the text form.
std::ostream& operator<<(std::ostream& os, const cid& c);

/// "raw", "dag-pb", or the code in hex ("0x71"): for messages.
[[nodiscard]] std::string codec_name(std::uint64_t codec);

/// A CID from its text. Errors: bad_cid (empty), unsupported_multibase
/// (not 'b...', e.g. CIDv0 "Qm..."), bad_base32, and those of cid_from_bytes.
[[nodiscard]] result<cid> parse_cid(std::string_view text);

/// A CID from its binary form, which must be all of `bytes`. Errors:
/// bad_varint, unsupported_cid_version, unsupported_hash, bad_cid (truncated
/// or trailing bytes).
[[nodiscard]] result<cid> cid_from_bytes(std::string_view bytes);

struct cid_read {
  cid value;
  std::size_t size;  ///< bytes consumed
};
/// A binary CID at the start of `bytes` (a dag-pb link's Hash is exactly one).
[[nodiscard]] result<cid_read> read_cid(std::string_view bytes);

/// Success if `bytes` hash to `c`'s digest, else hash_mismatch naming both.
[[nodiscard]] result<void> verify_block(const cid& c, std::string_view bytes);

} // namespace storemesh::services::consensus

template <>
struct std::hash<storemesh::services::consensus::cid> {
  std::size_t operator()(const storemesh::services::consensus::cid& c) const noexcept {
    // The digest is uniformly distributed: its first 8 bytes are a good hash.
    std::size_t h = 0;
    for (int i = 0; i < 8; ++i) h = (h << 8) | c.digest()[i];
    return h ^ c.codec();
  }
};
