#include "events/crypto/command_signing.hpp"

#include "events/crypto/crypto_errc.hpp"
#include "events/crypto/hashing.hpp"
#include "events/crypto/merkle_tree.hpp"
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
constexpr std::string_view batch_domain = "storemesh.batch.v1";
constexpr std::size_t max_audit_path = 64;  // hashes: a tree of 2^64 leaves

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

/// Feeds `h` the domain and the canonical form of `envelope`.
template <class Hasher>
void hash_canonical(schema::Envelope::Reader envelope, Hasher& h) {
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
}

/// What a single signature signs. Precondition: the signature pointer is null.
digest command_digest(schema::Envelope::Reader envelope) {
  blake2b_256_state h;
  hash_canonical(envelope, h);
  return h.final();
}

/// A batched command's leaf. Precondition: its BatchSignature holds the key only.
digest leaf_hash(schema::Envelope::Reader envelope) {
  merkle_leaf_hasher h;
  hash_canonical(envelope, h);
  return h.final();
}

/// What a batch's signer signs: domain || tree size (u64 LE) || root.
std::array<std::uint8_t, batch_domain.size() + 8 + 32> root_message(std::uint64_t size, const digest& root) {
  std::array<std::uint8_t, batch_domain.size() + 8 + 32> m{};
  std::memcpy(m.data(), batch_domain.data(), batch_domain.size());
  for (std::size_t i = 0; i < 8; ++i)
    m[batch_domain.size() + i] = static_cast<std::uint8_t>(size >> (8 * i));
  std::memcpy(m.data() + batch_domain.size() + 8, root.data(), root.size());
  return m;
}

/// Calls f with a copy of `envelope` as it was when signed: the signature
/// (single), or everything but the key (batch), dropped.
template <class F>
auto with_signed_form(schema::Envelope::Reader envelope, F&& f) {
  auto& scratch = thread_scratch();
  capnp::MallocMessageBuilder copy(kj::arrayPtr(scratch.copy.get(), scratch_words));
  copy.setRoot(envelope);
  auto integrity = copy.getRoot<schema::Envelope>().getIntegrity();
  if (integrity.isCommand()) {
    integrity.getCommand().disownSignature();  // the orphan is dropped: the pointer is null
  } else {
    auto b = integrity.getBatch();
    b.setTreeSize(0);
    b.setLeafIndex(0);
    b.disownRoot();
    b.disownRootSignature();
    b.disownAuditPath();
  }
  return f(copy.getRoot<schema::Envelope>().asReader());
}

std::string_view as_chars(capnp::Data::Reader d) { return {reinterpret_cast<const char*>(d.begin()), d.size()}; }

/// The signer's key when it is well formed and trusted.
result<public_key> trusted_signer(capnp::Data::Reader key_data, const trusted_keys& trusted) {
  auto signer = public_key::from_bytes(as_chars(key_data));
  if (!signer)
    return signer.error();
  // Untrusted keys are refused before any hashing or curve arithmetic.
  if (!trusted.contains(signer.value()))
    return make_error(crypto_errc::unknown_key, signer.value().short_id());
  return signer;
}

result<public_key> verify_single(schema::Envelope::Reader envelope, const trusted_keys& trusted) {
  const auto command = envelope.getIntegrity().getCommand();
  const auto key_data = command.getPublicKey();
  const auto signature = command.getSignature();
  if (key_data.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES) {
    return make_error(crypto_errc::malformed_signature,
                      "public key of " + std::to_string(key_data.size()) + " bytes and signature of " +
                          std::to_string(signature.size()) + " bytes (expected 32 and 64)");
  }
  SM_TRY(auto signer, trusted_signer(key_data, trusted));
  const digest d = with_signed_form(envelope, command_digest);
  if (crypto_sign_verify_detached(signature.begin(), d.data(), d.size(), signer.bytes.data()) != 0)
    return make_error(crypto_errc::bad_signature, "signed by " + signer.short_id());
  return signer;
}

result<public_key> verify_batched(schema::Envelope::Reader envelope, const trusted_keys& trusted,
                                  verified_roots* roots) {
  const auto batch = envelope.getIntegrity().getBatch();
  const auto key_data = batch.getPublicKey();
  const auto root_data = batch.getRoot();
  const auto signature = batch.getRootSignature();
  const auto path = batch.getAuditPath();
  if (key_data.size() != crypto_sign_PUBLICKEYBYTES || root_data.size() != sizeof(digest) ||
      signature.size() != crypto_sign_BYTES || path.size() % sizeof(digest) != 0 ||
      path.size() / sizeof(digest) > max_audit_path) {
    return make_error(crypto_errc::malformed_signature,
                      "public key of " + std::to_string(key_data.size()) + " bytes, root of " +
                          std::to_string(root_data.size()) + ", signature of " + std::to_string(signature.size()) +
                          ", audit path of " + std::to_string(path.size()) +
                          " (expected 32, 32, 64 and a multiple of 32)");
  }
  SM_TRY(auto signer, trusted_signer(key_data, trusted));
  digest root;
  std::memcpy(root.data(), root_data.begin(), root.size());
  const std::uint64_t size = batch.getTreeSize();
  const std::uint64_t index = batch.getLeafIndex();
  // The proof first: it is a few hashes, and a root is only ever cached after
  // a record that really is under it.
  const digest leaf = with_signed_form(envelope, leaf_hash);
  if (!verify_merkle_inclusion(leaf, index, size, as_chars(path), root))
    return make_error(crypto_errc::bad_proof, "command " + std::to_string(index) + " of " + std::to_string(size) +
                                                  " is not under the batch's root (signed by " +
                                                  signer.short_id() + ")");
  const auto entry = roots != nullptr ? verified_roots::entry(signer, size, root, as_chars(signature)) : digest{};
  if (roots != nullptr && roots->contains(entry))
    return signer;
  const auto message = root_message(size, root);
  if (crypto_sign_verify_detached(signature.begin(), message.data(), message.size(), signer.bytes.data()) != 0)
    return make_error(crypto_errc::bad_signature, "batch root not signed by " + signer.short_id());
  if (roots != nullptr)
    roots->insert(entry);
  return signer;
}

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

result<void> sign_command_batch(const std::vector<schema::Envelope::Builder>& envelopes, const key_pair& signer) {
  if (envelopes.empty())
    return success();
  try {
    const public_key key = signer.public_key();
    std::vector<digest> leaves;
    leaves.reserve(envelopes.size());
    for (auto envelope : envelopes) {
      envelope.getIntegrity().initBatch().setPublicKey(capnp::Data::Reader(key.bytes.data(), key.bytes.size()));
      leaves.push_back(leaf_hash(envelope.asReader()));
    }
    const merkle_tree tree = build_merkle_tree(leaves);
    const auto message = root_message(envelopes.size(), tree.root);
    const auto signature = signer.sign(message.data(), message.size());
    for (std::size_t i = 0; i < envelopes.size(); ++i) {
      auto envelope = envelopes[i];
      auto batch = envelope.getIntegrity().getBatch();
      batch.setTreeSize(envelopes.size());
      batch.setRoot(capnp::Data::Reader(tree.root.data(), tree.root.size()));
      batch.setRootSignature(capnp::Data::Reader(signature.data(), signature.size()));
      batch.setLeafIndex(i);
      auto path = batch.initAuditPath(tree.paths[i].size() * sizeof(digest));
      for (std::size_t k = 0; k < tree.paths[i].size(); ++k)
        std::memcpy(path.begin() + k * sizeof(digest), tree.paths[i][k].data(), sizeof(digest));
    }
    return success();
  } catch (const kj::Exception& e) {
    return make_error(crypto_errc::malformed_command, e.getDescription().cStr());
  }
}

result<public_key> verify_command(schema::Envelope::Reader envelope, const trusted_keys& trusted,
                                  verified_roots* roots) {
  ensure_sodium();
  // A received message is only lazily checked by Cap'n Proto: any read below
  // may throw on a malformed pointer, and nothing may escape to the caller.
  try {
    switch (envelope.getIntegrity().which()) {
      case schema::Envelope::Integrity::COMMAND: return verify_single(envelope, trusted);
      case schema::Envelope::Integrity::BATCH: return verify_batched(envelope, trusted, roots);
      default: return make_error(crypto_errc::unsigned_command, "integrity is not a command signature");
    }
  } catch (const kj::Exception& e) {
    return make_error(crypto_errc::malformed_command, e.getDescription().cStr());
  }
}

} // namespace storemesh::events::crypto
