#pragma once
// Conditions of content addressing: parsing CIDs and their parts, checking
// that bytes hash to a CID, decoding dag-pb/UnixFS, and the object store.
// Parse errors (bad_*, unsupported_*) mean the input is not a CID we accept;
// hash_mismatch means bytes that claim to be a block are not (a corrupt store
// or a lying peer); not_found and io_error are about the store.

#include <system_error>

namespace storemesh::services::consensus {

enum class content_errc {
  /// An unsigned varint that is truncated, longer than 9 bytes (63 bits, the
  /// multiformats limit) or not minimally encoded.
  bad_varint = 1,
  /// Text that is not RFC 4648 base32 (lowercase, no padding), or whose
  /// trailing bits are not zero.
  bad_base32,
  /// A CID's text whose multibase prefix is not 'b' (base32 lowercase), the
  /// only one we read; CIDv0 ("Qm...", base58btc) included.
  unsupported_multibase,
  /// A CID version other than 1.
  unsupported_cid_version,
  /// A multihash other than sha2-256 (code 0x12) with a 32-byte digest.
  unsupported_hash,
  /// Binary CID truncated or followed by extra bytes; empty text.
  bad_cid,
  /// Bytes whose SHA-256 is not the digest of the CID they were given for.
  hash_mismatch,
  /// A dag-pb block (PBNode) that is not valid protobuf of that schema.
  bad_dag_pb,
  /// A dag-pb block whose UnixFS Data is missing, malformed, not a file, or
  /// disagrees with its links (blocksizes, filesize).
  bad_unixfs,
  /// A block larger than max_block_size.
  block_too_large,
  /// A codec this code cannot read as part of a file (neither raw nor dag-pb).
  unsupported_codec,
  /// The block is not in the object store.
  not_found,
  /// Reading or writing a file failed (the detail names the call and file).
  io_error,
};

const std::error_category& content_category() noexcept;

inline std::error_code make_error_code(content_errc e) noexcept { return {static_cast<int>(e), content_category()}; }

} // namespace storemesh::services::consensus

template <>
struct std::is_error_code_enum<storemesh::services::consensus::content_errc> : std::true_type {};
