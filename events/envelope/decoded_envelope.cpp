#include "events/envelope/decoded_envelope.hpp"

#include "events/envelope/entity_id.hpp"
#include "events/envelope/envelope_errc.hpp"
#include "events/envelope/structure_check.hpp"

#include <capnp/schema.h>
#include <kj/exception.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace storemesh::events::envelope {
namespace {

capnp::ReaderOptions reader_options() {
  capnp::ReaderOptions o;
  // 64 MiB of reads: 16 full traversals of the largest accepted record, and a
  // ceiling on the work a hostile one can cause.
  o.traversalLimitInWords = std::uint64_t{8} << 20;
  o.nestingLimit = 64;
  return o;
}

std::size_t known_payload_count() {
  static const std::size_t count = capnp::Schema::from<schema::Envelope::Payload>().getUnionFields().size();
  return count;
}

/// The pointer slots of the Envelope fields decode() keeps (check_structure
/// hands their contents over by slot).
struct envelope_slots {
  std::size_t id, entity_kind, entity_id;
};
const envelope_slots& root_slots() {
  static const envelope_slots slots = [] {
    const auto s = capnp::Schema::from<schema::Envelope>();
    const auto slot = [&](const char* name) {
      const auto offset = s.getFieldByName(name).getProto().getSlot().getOffset();
      if (offset >= root_blobs::slots) std::abort();  // the schema moved: structure_check must keep more slots
      return static_cast<std::size_t>(offset);
    };
    return envelope_slots{slot("id"), slot("entityKind"), slot("entityId")};
  }();
  return slots;
}

error malformed(std::string detail) { return make_error(envelope_errc::malformed, std::move(detail)); }

/// Cap'n Proto's description minus the failed internal condition that precedes
/// the human part ("expected <condition> [values]; Message ends prematurely ..."):
/// the detail ends up in rejection reasons.
std::string describe(const kj::Exception& e) {
  const std::string_view text = e.getDescription().cStr();
  const auto semicolon = text.find("; ");
  if (text.rfind("expected ", 0) == 0 && semicolon != std::string_view::npos) {
    return std::string(text.substr(semicolon + 2));
  }
  return std::string(text);
}

} // namespace

result<decoded_envelope> decoded_envelope::decode(std::string_view bytes) {
  // Decoded in place inside the result: returning it moves nothing (a move
  // would rebuild the message reader). One named result, so NRVO applies.
  result<decoded_envelope> r{boost::outcome_v2::in_place_type<decoded_envelope>};
  if (auto done = decode_into(bytes, r.value()); !done) r = std::move(done).error();
  return r;
}

result<void> decoded_envelope::decode_into(std::string_view bytes, decoded_envelope& slot) {
  constexpr std::size_t word_size = sizeof(capnp::word);
  slot.clear();
  if (bytes.empty()) return malformed("empty record");
  if (bytes.size() > max_envelope_bytes) {
    return make_error(envelope_errc::too_large, std::to_string(bytes.size()) + " bytes (at most " +
                                                    std::to_string(max_envelope_bytes) + ")");
  }
  if (bytes.size() % word_size != 0) {
    return malformed(std::to_string(bytes.size()) + " bytes is not a whole number of 8-byte words");
  }

  decoded_envelope& d = slot;
  const std::size_t word_count = bytes.size() / word_size;
  if (reinterpret_cast<std::uintptr_t>(bytes.data()) % alignof(capnp::word) == 0) {
    d.words_ = kj::arrayPtr(reinterpret_cast<const capnp::word*>(bytes.data()), word_count);
  } else {
    d.owned_ = kj::heapArray<capnp::word>(word_count);
    std::memcpy(d.owned_.begin(), bytes.data(), bytes.size());
    d.words_ = d.owned_.asPtr();
  }

  auto fail = [&](error e) -> result<void> {
    slot.clear();
    return e;
  };
  try {
    d.attach();
    if (d.message_->getEnd() != d.words_.end()) {
      return fail(malformed(std::to_string((d.words_.end() - d.message_->getEnd()) * word_size) +
                            " trailing bytes after the message"));
    }
    root_blobs blobs;
    message_segment segment;
    // The segment table's first half-word is the segment count - 1 (0 here:
    // getSegment(1) would also be empty for an empty second segment).
    std::uint32_t more_segments = 0;
    std::memcpy(&more_segments, d.words_.begin(), sizeof more_segments);
    if (more_segments == 0) {  // one segment: the walk may read its blobs in place
      const auto words = d.message_->getSegment(0);
      segment = {reinterpret_cast<const std::uint64_t*>(words.begin()), words.size()};
    }
    switch (check_structure(d.root_, word_count, &blobs, segment)) {
      case structure_verdict::ok: break;
      case structure_verdict::capabilities: return fail(malformed("message carries capabilities"));
      case structure_verdict::overlap:
        return fail(malformed("pointers overlap: more words reachable than the message's " +
                              std::to_string(word_count)));
      case structure_verdict::too_many_elements:
        return fail(malformed("lists of more elements than the message has words"));
    }

    const std::string_view id = blobs.by_slot[root_slots().id];
    if (id.size() != d.id_.size()) {
      return fail(
          make_error(envelope_errc::missing_field, "id is " + std::to_string(id.size()) + " bytes, expected 16"));
    }
    std::memcpy(d.id_.data(), id.data(), d.id_.size());
    d.entity_kind_ = blobs.by_slot[root_slots().entity_kind];
    if (d.entity_kind_.empty()) return fail(make_error(envelope_errc::missing_field, "entityKind is empty"));
    d.entity_id_ = blobs.by_slot[root_slots().entity_id];
    if (d.entity_id_.empty()) return fail(make_error(envelope_errc::missing_field, "entityId is empty"));
    if (!is_valid_entity_id(d.entity_id_)) {
      std::string detail =
          d.entity_id_.size() > max_entity_id_size
              ? "entityId of " + std::to_string(d.entity_id_.size()) + " characters (at most 128)"
              : "entityId \"" + std::string(d.entity_id_) + "\" (allowed: [A-Za-z0-9._:@-], no leading '.')";
      return fail(make_error(envelope_errc::bad_entity_id, std::move(detail)));
    }
    d.payload_which_ = d.root_.getPayload().which();
  } catch (const kj::Exception& e) {
    return fail(malformed(describe(e)));
  }
  return success();
}

void decoded_envelope::clear() noexcept {
  message_.reset();
  root_ = {};
  owned_ = nullptr;
  words_ = nullptr;
  id_ = {};
  entity_kind_ = {};
  entity_id_ = {};
  payload_which_ = {};
}

void decoded_envelope::attach() {
  message_.emplace(words_, reader_options());
  root_ = message_->getRoot<schema::Envelope>();
}

void decoded_envelope::take(decoded_envelope& other) noexcept {
  words_ = other.words_;
  owned_ = kj::mv(other.owned_);  // moves the pointer: words_ and the views stay valid
  id_ = other.id_;
  entity_kind_ = other.entity_kind_;
  entity_id_ = other.entity_id_;
  payload_which_ = other.payload_which_;
  message_.reset();
  root_ = {};
  // Re-reading a message decode() accepted cannot throw.
  if (other.message_) attach();
  other.message_.reset();
  other.root_ = {};
  other.words_ = nullptr;
  other.entity_kind_ = {};
  other.entity_id_ = {};
}

decoded_envelope::decoded_envelope(decoded_envelope&& other) noexcept { take(other); }

decoded_envelope& decoded_envelope::operator=(decoded_envelope&& other) noexcept {
  if (this != &other) take(other);
  return *this;
}

bool decoded_envelope::payload_known() const {
  return static_cast<std::size_t>(payload_which_) < known_payload_count();
}

result<void> decoded_envelope::check_payload_known() const {
  if (payload_known()) return success();
  return make_error(envelope_errc::unknown_payload,
                    "unknown message type " + std::to_string(static_cast<unsigned>(payload_which_)));
}

std::string_view decoded_envelope::bytes() const {
  const auto b = words_.asBytes();
  return {reinterpret_cast<const char*>(b.begin()), b.size()};
}

} // namespace storemesh::events::envelope
