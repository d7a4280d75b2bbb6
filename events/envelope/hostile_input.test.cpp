// Malformed and hostile records: decode() must answer every one with a
// decoded_envelope or an error, never a crash or an exception, and what it
// accepts must be safe to read (to_json and verify_command do not fail on it).
#include "events/crypto/command_signing.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/envelope/envelope_errc.hpp"
#include "events/envelope/envelope_json.hpp"
#include "events/envelope/test_envelopes.hpp"

#include <boost/test/unit_test.hpp>

#include <capnp/schema.h>

#include <chrono>
#include <cstdlib>
#include <random>

using namespace storemesh::events::envelope;
using namespace storemesh::events::envelope::testing;
namespace crypto = storemesh::events::crypto;
namespace schema = storemesh::schema;

namespace {

/// Decodes `bytes` (at the alignment given) and checks the contract: either an
/// error, or an envelope whose every known field reads without Cap'n Proto
/// throwing. Returns whether it decoded.
bool decode_safely(std::string_view bytes, const crypto::trusted_keys& trusted) {
  try {
    auto d = decoded_envelope::decode(bytes);
    if (!d) return false;
    const std::string json = to_json(d.value().reader());
    BOOST_TEST(json.find("{\"error\":") != 0u, "decoded, yet unreadable: " << json);
    (void)crypto::verify_command(d.value().reader(), trusted);
    return true;
  } catch (...) {
    BOOST_ERROR("an exception escaped decode, to_json or verify_command");
    return false;
  }
}

std::uint64_t fuzz_seed() {
  if (const char* s = std::getenv("STOREMESH_FUZZ_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

/// A single-segment message written word by word, for shapes no builder makes.
class raw_message {
public:
  std::size_t add(std::size_t words) {
    const std::size_t at = words_.size();
    words_.resize(at + words);
    return at;
  }
  std::uint64_t& at(std::size_t i) { return words_[i]; }

  void struct_pointer(std::size_t at, std::size_t target, std::uint16_t data_words, std::uint16_t pointers) {
    words_[at] = lower(at, target, 0) | std::uint64_t{data_words} << 32 | std::uint64_t{pointers} << 48;
  }
  /// size_code: 2 = bytes, 7 = inline composite (then `count` is the word count).
  void list_pointer(std::size_t at, std::size_t target, std::uint32_t size_code, std::uint32_t count) {
    words_[at] = lower(at, target, 1) | std::uint64_t{(count << 3) | size_code} << 32;
  }
  void composite_tag(std::size_t at, std::uint32_t elements, std::uint16_t data_words, std::uint16_t pointers) {
    words_[at] = std::uint64_t{elements << 2} | std::uint64_t{data_words} << 32 | std::uint64_t{pointers} << 48;
  }
  void set_u16(std::size_t word, std::uint32_t u16_offset, std::uint16_t v) {
    words_[word + u16_offset / 4] |= std::uint64_t{v} << (16 * (u16_offset % 4));
  }

  [[nodiscard]] std::string bytes() const {
    std::string out(8 + words_.size() * 8, '\0');
    const std::uint32_t table[2] = {0, static_cast<std::uint32_t>(words_.size())};  // 1 segment
    std::memcpy(out.data(), table, 8);
    std::memcpy(out.data() + 8, words_.data(), words_.size() * 8);
    return out;
  }

private:
  static std::uint64_t lower(std::size_t at, std::size_t target, std::uint32_t kind) {
    const auto offset = static_cast<std::int64_t>(target) - static_cast<std::int64_t>(at) - 1;
    return static_cast<std::uint32_t>((offset << 2) | kind);
  }
  std::vector<std::uint64_t> words_;
};

struct layout {
  capnp::schema::Node::Struct::Reader envelope = capnp::Schema::from<schema::Envelope>().getProto().getStruct();
  capnp::schema::Node::Struct::Reader payload = capnp::Schema::from<schema::Envelope::Payload>().getProto().getStruct();
  capnp::schema::Field::Reader host_command =
      capnp::Schema::from<schema::Envelope::Payload>().getFieldByName("hostCommand").getProto();
  capnp::schema::Node::Struct::Reader command = capnp::Schema::from<schema::host::Command>().getProto().getStruct();
  capnp::schema::Field::Reader register_ =
      capnp::Schema::from<schema::host::Command>().getFieldByName("register").getProto();
  capnp::schema::Field::Reader datastore_name =
      capnp::Schema::from<schema::host::Datastore>().getFieldByName("name").getProto();
};

/// An Envelope (no id: decoding it fully ends in missing_field) whose payload
/// is a host `register` command over a list of `elements` datastores of
/// `element_pointers` pointers each; `fill` may point those pointers somewhere.
template <class Fill>
std::string register_command_with(std::uint32_t elements, std::uint16_t element_pointers, Fill fill) {
  const layout l;
  raw_message m;
  const std::size_t root = m.add(1);
  const std::size_t env = m.add(l.envelope.getDataWordCount() + l.envelope.getPointerCount());
  m.struct_pointer(root, env, l.envelope.getDataWordCount(), l.envelope.getPointerCount());
  m.set_u16(env, l.payload.getDiscriminantOffset(), l.host_command.getDiscriminantValue());
  const std::size_t env_ptrs = env + l.envelope.getDataWordCount();

  const std::size_t cmd = m.add(l.command.getDataWordCount() + l.command.getPointerCount());
  m.struct_pointer(env_ptrs + l.host_command.getSlot().getOffset(), cmd, l.command.getDataWordCount(),
                   l.command.getPointerCount());
  m.set_u16(cmd, l.command.getDiscriminantOffset(), l.register_.getDiscriminantValue());
  const std::size_t cmd_ptrs = cmd + l.command.getDataWordCount();

  const std::uint32_t list_words = elements * element_pointers;
  const std::size_t tag = m.add(1 + list_words);
  m.list_pointer(cmd_ptrs + l.register_.getSlot().getOffset(), tag, 7, list_words);
  m.composite_tag(tag, elements, 0, element_pointers);
  fill(m, tag + 1);
  return m.bytes();
}

void require_error(const storemesh::result<decoded_envelope>& r, envelope_errc expected, std::string_view detail) {
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().code == make_error_code(expected), r.error().message());
  BOOST_TEST(r.error().detail.find(detail) != std::string::npos, r.error().detail);
}

} // namespace

BOOST_AUTO_TEST_SUITE(hostile_input)

BOOST_AUTO_TEST_CASE(short_and_empty_records_are_malformed) {
  const aligned_bytes zeros(std::string(64, '\0'));
  // 8 and 16 zero bytes: a segment table announcing one empty segment, so no
  // root pointer (and, for 16, 8 trailing bytes).
  for (std::size_t n : {0, 1, 7, 8, 9, 15, 16}) {
    auto r = decoded_envelope::decode(zeros.view().substr(0, n));
    BOOST_REQUIRE(!r.has_value());
    BOOST_TEST(r.error().code == make_error_code(envelope_errc::malformed), n << ": " << r.error().message());
  }
}

BOOST_AUTO_TEST_CASE(random_bytes_never_crash_decode) {
  const std::uint64_t seed = fuzz_seed();
  BOOST_TEST_MESSAGE("random_bytes_never_crash_decode: STOREMESH_FUZZ_SEED=" << seed);
  BOOST_TEST_CONTEXT("STOREMESH_FUZZ_SEED=" << seed) {
    std::mt19937_64 rng(seed);
    const crypto::trusted_keys trusted{crypto::key_pair::generate().public_key()};
    std::vector<capnp::word> buffer(80);
    auto* bytes = reinterpret_cast<char*>(buffer.data());
    int cases = 0;
    for (int i = 0; i < 5000; ++i, ++cases) {
      const std::size_t words = 1 + rng() % 64;
      for (std::size_t b = 0; b < words * 8; ++b) bytes[b] = static_cast<char>(rng());
      // Half the cases get a plausible segment table, so decoding goes deeper
      // than the framing check.
      if (i % 2 == 0) {
        const std::uint32_t table[2] = {0, static_cast<std::uint32_t>(words - 1)};
        std::memcpy(bytes, table, sizeof table);
      }
      decode_safely({bytes, words * 8}, trusted);
    }
    BOOST_TEST(cases == 5000);
  }
}

BOOST_AUTO_TEST_CASE(every_truncation_of_a_valid_record_is_refused) {
  const std::string full = full_envelope_bytes(crypto::key_pair::generate());
  const aligned_bytes aligned(full);
  for (std::size_t n = 0; n < full.size(); ++n) {
    auto r = decoded_envelope::decode(aligned.view().substr(0, n));
    BOOST_TEST(!r.has_value(), "a " << n << "-byte prefix of a " << full.size() << "-byte record decoded");
  }
}

BOOST_AUTO_TEST_CASE(every_single_bit_flip_decodes_or_fails_cleanly) {
  const auto signer = crypto::key_pair::generate();
  const crypto::trusted_keys trusted{signer.public_key()};
  const std::string full = full_envelope_bytes(signer);
  std::size_t decoded = 0;
  std::size_t refused = 0;
  for (std::size_t bit = 0; bit < full.size() * 8; ++bit) {
    std::string flipped = full;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    BOOST_TEST_CONTEXT("bit " << bit) {
      (decode_safely(aligned_bytes(flipped).view(), trusted) ? decoded : refused)++;
      if (bit % 7 == 0) decode_safely(unaligned_bytes(flipped).view(), trusted);
    }
  }
  BOOST_TEST_MESSAGE("bit flips: " << decoded << " decoded, " << refused << " refused");
  BOOST_TEST(refused > 0u);
}

BOOST_AUTO_TEST_CASE(random_corruptions_of_a_valid_record_never_crash_decode) {
  const std::uint64_t seed = fuzz_seed();
  BOOST_TEST_MESSAGE("random_corruptions_of_a_valid_record_never_crash_decode: STOREMESH_FUZZ_SEED=" << seed);
  BOOST_TEST_CONTEXT("STOREMESH_FUZZ_SEED=" << seed) {
    std::mt19937_64 rng(seed);
    const auto signer = crypto::key_pair::generate();
    const crypto::trusted_keys trusted{signer.public_key()};
    const std::string full = full_envelope_bytes(signer);
    for (int i = 0; i < 5000; ++i) {
      std::string corrupted = full;
      const int changes = 1 + static_cast<int>(rng() % 8);
      for (int c = 0; c < changes; ++c) {
        // Small values and all-ones are what pointer and size fields are most
        // sensitive to.
        const char values[] = {0, 1, 2, 3, 4, 7, static_cast<char>(0xff), static_cast<char>(rng())};
        corrupted[rng() % corrupted.size()] = values[rng() % sizeof values];
      }
      decode_safely(aligned_bytes(corrupted).view(), trusted);
    }
  }
}

// The crafted messages below are structurally valid Cap'n Proto that would
// make a naive reader do far more work than their size suggests.

BOOST_AUTO_TEST_CASE(crafted_control_message_reaches_the_field_checks) {
  // Same shape as the attacks below, harmless sizes: proves the crafting is
  // right, since decoding gets as far as the missing id.
  const std::string bytes = register_command_with(4, 2, [](raw_message&, std::size_t) {});
  require_error(decoded_envelope::decode(aligned_bytes(bytes).view()), envelope_errc::missing_field, "id");
}

BOOST_AUTO_TEST_CASE(millions_of_zero_sized_list_elements_are_refused_quickly) {
  // One word declares 4 Mi empty datastores: within Cap'n Proto's traversal
  // limit (8 Mi), but 4 Mi iterations for one tiny record.
  const std::string bytes = register_command_with(std::uint32_t{1} << 22, 0, [](raw_message&, std::size_t) {});
  BOOST_TEST(bytes.size() < 200u);
  const auto start = std::chrono::steady_clock::now();
  require_error(decoded_envelope::decode(aligned_bytes(bytes).view()), envelope_errc::malformed, "elements");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() < 250);
}

BOOST_AUTO_TEST_CASE(pointers_sharing_one_target_are_refused) {
  // 256 datastores whose names all point at one 2 KiB text: 512 KiB to read
  // in a 4 KiB record.
  const layout l;
  const std::uint16_t pointers = 2;
  const std::uint32_t elements = 256;
  const std::string bytes = register_command_with(elements, pointers, [&](raw_message& m, std::size_t first) {
    const std::size_t text_bytes = 2048;
    const std::size_t text = m.add(text_bytes / 8);
    for (std::size_t b = 0; b + 1 < text_bytes; ++b) {
      m.at(text + b / 8) |= std::uint64_t{'n'} << (8 * (b % 8));  // NUL-terminated by the last byte
    }
    for (std::uint32_t e = 0; e < elements; ++e) {
      m.list_pointer(first + e * pointers + l.datastore_name.getSlot().getOffset(), text, 2, text_bytes);
    }
  });
  require_error(decoded_envelope::decode(aligned_bytes(bytes).view()), envelope_errc::malformed, "overlap");
}

BOOST_AUTO_TEST_SUITE_END()
