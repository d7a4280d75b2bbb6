#include "services/consensus/content/cid.hpp"

#include "services/consensus/content/base32.hpp"
#include "services/consensus/content/content_errc.hpp"
#include "services/consensus/content/varint.hpp"

#include <ostream>

namespace storemesh::services::consensus {

std::ostream& operator<<(std::ostream& os, const cid& c) { return os << c.to_string(); }

std::string codec_name(std::uint64_t codec) {
  if (codec == codec_raw) return "raw";
  if (codec == codec_dag_pb) return "dag-pb";
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  do {
    hex.insert(hex.begin(), digits[codec & 15]);
    codec >>= 4;
  } while (codec != 0);
  return "0x" + hex;
}

std::string cid::to_bytes() const {
  std::string out;
  out.reserve(40);
  append_varint(out, version());
  append_varint(out, codec_);
  append_multihash(out, digest_);
  return out;
}

std::string cid::to_string() const { return 'b' + base32_encode(to_bytes()); }

result<cid_read> read_cid(std::string_view bytes) {
  if (bytes.empty()) return make_error(content_errc::bad_cid, "empty");
  // A CIDv0 is a bare multihash: 0x12 0x20 ... (no version varint).
  if (bytes.size() >= 2 && static_cast<std::uint8_t>(bytes[0]) == 0x12 && bytes[1] == 0x20)
    return make_error(content_errc::unsupported_cid_version, "CIDv0 (a bare multihash)");
  SM_TRY(const auto version, read_varint(bytes));
  if (version.value != 1)
    return make_error(content_errc::unsupported_cid_version, "version " + std::to_string(version.value));
  SM_TRY(const auto codec, read_varint(bytes.substr(version.size)));
  SM_TRY(const auto mh, read_multihash(bytes.substr(version.size + codec.size)));
  return cid_read{cid{codec.value, mh.digest}, version.size + codec.size + mh.size};
}

result<cid> cid_from_bytes(std::string_view bytes) {
  SM_TRY(const auto r, read_cid(bytes));
  if (r.size != bytes.size())
    return make_error(content_errc::bad_cid, std::to_string(bytes.size() - r.size) + " bytes after the CID");
  return r.value;
}

result<cid> parse_cid(std::string_view text) {
  if (text.empty()) return make_error(content_errc::bad_cid, "empty text");
  if (text.size() > 200) return make_error(content_errc::bad_cid, "text of " + std::to_string(text.size()) + " characters");
  if (text[0] != 'b') {
    const bool v0 = text.size() == 46 && text.substr(0, 2) == "Qm";
    return make_error(content_errc::unsupported_multibase,
                      v0 ? std::string("CIDv0 (base58btc \"Qm...\"): give the CIDv1") : "prefix '" + std::string(1, text[0]) + "'");
  }
  SM_TRY(const auto bytes, base32_decode(text.substr(1)));
  return cid_from_bytes(bytes);
}

result<void> verify_block(const cid& c, std::string_view bytes) {
  const cid actual{c.codec(), sha256(bytes)};
  if (actual != c)
    return make_error(content_errc::hash_mismatch,
                      "expected " + c.to_string() + ", the " + std::to_string(bytes.size()) + " bytes are " + actual.to_string());
  return success();
}

} // namespace storemesh::services::consensus
