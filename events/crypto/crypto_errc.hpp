#pragma once
// Conditions the crypto component reports: command signatures, batch seals,
// key files.

#include <system_error>

namespace storemesh::events::crypto {

enum class crypto_errc {
  /// A command without a signature: its envelope's integrity is not `command`.
  unsigned_command = 1,
  /// A command signature of the wrong shape: the public key is not 32 bytes or
  /// the signature is not 64 bytes.
  malformed_signature,
  /// The command is signed by a key that is not trusted (detail: its short id).
  unknown_key,
  /// The signature does not verify: the command was altered after it was
  /// signed, or the signature is forged.
  bad_signature,
  /// A batch seal does not verify over the record hashes it claims to cover.
  bad_seal,
  /// The envelope could not be re-encoded to check its signature (Cap'n Proto
  /// rejected it: a malformed message).
  malformed_command,
  /// A key file already exists: keys are never overwritten.
  key_file_exists,
  /// A private key file is not a regular file, or group or others may access it.
  key_file_permissions,
  /// A key file does not have the expected format or key length.
  malformed_key_file,
  /// A public key is neither 64 hex characters nor a readable .pub file.
  malformed_public_key,
  /// A hex string has an odd length or a character that is not a hex digit.
  bad_hex,
  /// A batch-signed command whose inclusion proof does not lead from the
  /// command to the root it carries: altered, or the proof of another batch.
  bad_proof,
};

const std::error_category& crypto_category() noexcept;

/// The value's name, e.g. "bad_signature": what Rejection.code carries.
[[nodiscard]] const char* code_name(crypto_errc e) noexcept;

inline std::error_code make_error_code(crypto_errc e) noexcept {
  return {static_cast<int>(e), crypto_category()};
}

} // namespace storemesh::events::crypto

template <>
struct std::is_error_code_enum<storemesh::events::crypto::crypto_errc> : std::true_type {};
