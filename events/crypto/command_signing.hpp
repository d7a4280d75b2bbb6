#pragma once
// Commands are signed one by one (Ed25519). A command is an Envelope whose
// `integrity` is `command` {publicKey, signature}; the signature is over
//
//   BLAKE2b-256("storemesh.command.v1" || C)
//
// where C is the Cap'n Proto canonical form (capnp::canonicalize) of the
// envelope with integrity.command.publicKey set to the signer's key and
// integrity.command.signature a NULL pointer (not a zero-length Data: the two
// have different canonical forms). The canonical form makes the signature
// independent of how a producer happened to lay out its message (segments,
// padding, field order of allocation), so any language's Cap'n Proto library
// can sign and verify.

#include "events/crypto/keys.hpp"
#include "events/crypto/trusted_keys.hpp"
#include "events/error.hpp"

#include "schemas/envelope.capnp.h"

namespace storemesh::events::crypto {

/// Signs `envelope` in place: sets integrity to `command` with the signer's
/// public key and signature. Sign last: any field changed afterwards
/// invalidates the signature. Errors: malformed_command (Cap'n Proto refused
/// to canonicalise the message; not expected for a builder we filled).
[[nodiscard]] result<void> sign_command(schema::Envelope::Builder envelope, const key_pair& signer);

/// Checks a received command's signature; returns the signer's key. Errors, in
/// the order they are checked: unsigned_command (integrity is not `command`),
/// malformed_signature (key not 32 bytes or signature not 64), unknown_key
/// (not in `trusted`; detail: the key's short id), bad_signature (altered or
/// forged), malformed_command (the message cannot be re-encoded). Never throws.
///
/// Cost: one Ed25519 verify plus two copies of the envelope into per-thread
/// scratch segments (no heap allocation for envelopes up to 16 KiB). Safe to
/// call from many threads at once.
[[nodiscard]] result<public_key> verify_command(schema::Envelope::Reader envelope, const trusted_keys& trusted);

} // namespace storemesh::events::crypto
