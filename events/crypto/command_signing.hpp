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
//
// Commands are also signed by the batch (integrity `batch`, envelope.capnp
// BatchSignature): one Ed25519 signature over the root of a Merkle tree whose
// leaves are the commands' canonical forms, and per command its inclusion
// proof. Each record still stands alone -- it travels keyed by its entity, to
// its own partition -- and verifies alone: its proof (a few BLAKE2b hashes)
// leads to the root, and the root's signature is checked once per batch when
// the verifier keeps a verified_roots cache.

#include "events/crypto/keys.hpp"
#include "events/crypto/trusted_keys.hpp"
#include "events/crypto/verified_roots.hpp"
#include "events/error.hpp"

#include "schemas/envelope.capnp.h"

#include <vector>

namespace storemesh::events::crypto {

/// Signs `envelope` in place: sets integrity to `command` with the signer's
/// public key and signature. Sign last: any field changed afterwards
/// invalidates the signature. Errors: malformed_command (Cap'n Proto refused
/// to canonicalise the message; not expected for a builder we filled).
[[nodiscard]] result<void> sign_command(schema::Envelope::Builder envelope, const key_pair& signer);

/// Signs `envelopes` in place as one batch: each one's integrity becomes
/// `batch`, with the signed root and its own inclusion proof. Sign last, as
/// with sign_command. A batch of one is valid (its proof is empty); callers
/// that send a single command use sign_command. Errors: malformed_command.
[[nodiscard]] result<void> sign_command_batch(const std::vector<schema::Envelope::Builder>& envelopes,
                                              const key_pair& signer);

/// Checks a received command's signature, single or batched; returns the
/// signer's key. Errors, in the order they are checked: unsigned_command
/// (integrity is neither `command` nor `batch`), malformed_signature (a key,
/// root or signature of the wrong length, an audit path not whole hashes),
/// unknown_key (not in `trusted`; detail: the key's short id), bad_proof (a
/// batched command whose proof does not lead to its root: altered, or another
/// batch's proof), bad_signature (altered or forged; for a batch, a root its
/// key did not sign), malformed_command (the message cannot be re-encoded).
/// Never throws.
///
/// `roots`, when given, remembers batch roots whose signature checked out, so
/// each distinct root costs one Ed25519 verification. Cost otherwise: one
/// Ed25519 verify plus two copies of the envelope into per-thread scratch
/// segments (no heap allocation for envelopes up to 16 KiB); for a batched
/// command on a cached root, the copies and log2(batch) hashes. Safe to call
/// from many threads at once.
[[nodiscard]] result<public_key> verify_command(schema::Envelope::Reader envelope, const trusted_keys& trusted,
                                                verified_roots* roots = nullptr);

} // namespace storemesh::events::crypto
