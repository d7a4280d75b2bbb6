#include "events/crypto/command_signing.hpp"

#include "events/crypto/crypto_errc.hpp"
#include "events/crypto/hashing.hpp"
#include "events/crypto/sodium_init.hpp"

#include <capnp/any.h>
#include <capnp/message.h>
#include <kj/exception.h>
#include <sodium.h>

#include <cstring>
#include <memory>
#include <string>

namespace storemesh::events::crypto {
namespace {

constexpr std::string_view command_domain = "storemesh.command.v1";

// Verification is on the intake's hot path, so the two messages it builds live
// in per-thread first segments that MallocMessageBuilder zeroes again when it
// is done with them: a typical command never touches the heap. Larger ones
// spill into malloc'd segments, which is only slower.
constexpr std::size_t scratch_words = 2048;  // 16 KiB each

struct scratch_segments {
  std::unique_ptr<capnp::word[]> copy{new capnp::word[scratch_words]()};
  std::unique_ptr<capnp::word[]> canonical{new capnp::word[scratch_words]()};
};

scratch_segments& thread_scratch() {
  thread_local scratch_segments s;
  return s;
}

/// BLAKE2b-256(command_domain || canonical form of `envelope`).
/// Precondition: the signature pointer of `envelope` is null.
digest command_digest(schema::Envelope::Reader envelope) {
  blake2b_256_state h;
  h.update(command_domain);
  auto& scratch = thread_scratch();
  capnp::MallocMessageBuilder canonical(kj::arrayPtr(scratch.canonical.get(), scratch_words));
  // The same operation capnp::canonicalize() performs (setStruct with
  // canonical = true), but into scratch space instead of two fresh arrays.
  canonical.getRoot<capnp::AnyPointer>().setCanonicalAs<schema::Envelope>(envelope);
  const auto segments = canonical.getSegmentsForOutput();
  if (segments.size() == 1) {
    h.update(segments[0].asBytes().begin(), segments[0].asBytes().size());
  } else {
    // Did not fit in the scratch segment, so the layout spans segments and is
    // not canonical: let Cap'n Proto size a flat array for it.
    const kj::Array<capnp::word> words = capnp::canonicalize(envelope);
    h.update(words.asBytes().begin(), words.asBytes().size());
  }
  return h.final();
}

std::string_view as_chars(capnp::Data::Reader d) { return {reinterpret_cast<const char*>(d.begin()), d.size()}; }

} // namespace

result<void> sign_command(schema::Envelope::Builder envelope, const key_pair& signer) {
  try {
    const public_key key = signer.public_key();
    auto command = envelope.getIntegrity().initCommand();  // signature stays a null pointer
    command.setPublicKey(capnp::Data::Reader(key.bytes.data(), key.bytes.size()));
    const digest d = command_digest(envelope.asReader());
    const auto signature = signer.sign(d.data(), d.size());
    command.setSignature(capnp::Data::Reader(signature.data(), signature.size()));
    return success();
  } catch (const kj::Exception& e) {
    return make_error(crypto_errc::malformed_command, e.getDescription().cStr());
  }
}

result<public_key> verify_command(schema::Envelope::Reader envelope, const trusted_keys& trusted) {
  ensure_sodium();
  // A received message is only lazily checked by Cap'n Proto: any read below
  // may throw on a malformed pointer, and nothing may escape to the caller.
  try {
    const auto integrity = envelope.getIntegrity();
    if (integrity.which() != schema::Envelope::Integrity::COMMAND) {
      return make_error(crypto_errc::unsigned_command, "integrity is not a command signature");
    }
    const auto command = integrity.getCommand();
    const auto key_data = command.getPublicKey();
    const auto signature = command.getSignature();
    if (key_data.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES) {
      return make_error(crypto_errc::malformed_signature,
                        "public key of " + std::to_string(key_data.size()) + " bytes and signature of " +
                            std::to_string(signature.size()) + " bytes (expected 32 and 64)");
    }
    auto signer = public_key::from_bytes(as_chars(key_data));
    if (!signer) return signer.error();
    // Untrusted keys are refused before any hashing or curve arithmetic.
    if (!trusted.contains(signer.value())) {
      return make_error(crypto_errc::unknown_key, signer.value().short_id());
    }

    // Rebuild exactly what was signed: the envelope with a null signature.
    auto& scratch = thread_scratch();
    capnp::MallocMessageBuilder copy(kj::arrayPtr(scratch.copy.get(), scratch_words));
    copy.setRoot(envelope);
    auto root = copy.getRoot<schema::Envelope>();
    root.getIntegrity().getCommand().disownSignature();  // the orphan is dropped: the pointer is null
    const digest d = command_digest(root.asReader());

    if (crypto_sign_verify_detached(signature.begin(), d.data(), d.size(), signer.value().bytes.data()) != 0) {
      return make_error(crypto_errc::bad_signature, "signed by " + signer.value().short_id());
    }
    return signer;
  } catch (const kj::Exception& e) {
    return make_error(crypto_errc::malformed_command, e.getDescription().cStr());
  }
}

} // namespace storemesh::events::crypto
