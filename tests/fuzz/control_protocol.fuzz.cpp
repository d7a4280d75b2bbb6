// Fuzz target: a host's control connection (services/control_path,
// FORMAT.md). The input is a byte stream, fed to the frame decoder in pieces
// whose sizes come from the input's first byte.
//
// Invariants beyond "no crash, no UB":
//   - classify() and the decoder agree: a stream classify() passes through is
//     refused by the decoder as bad_magic;
//   - the decoder never holds more than a header, the max body and one feed;
//   - a decoded frame encodes, and decodes back to an equal value;
//   - after an error the decoder returns the same error for ever.
#include "services/control_path/control_protocol.hpp"
#include "services/control_path/control_protocol_errc.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace cp = storemesh::services::control_path;

namespace {

constexpr std::size_t max_body = 4096;  // small, so oversize and pieces both happen

template <class T>
void round_trip(const T& value) {
  cp::frame_decoder d(max_body);
  auto f = [&] {
    if constexpr (std::is_same_v<T, cp::control_request>) return cp::encode_request(value, max_body);
    else return cp::encode_reply(value, max_body);
  }();
  FUZZ_CHECK(f.has_value(), "a decoded frame encodes within the limit it was read under");
  d.feed(f.value().data(), f.value().size());
  auto back = d.next();
  FUZZ_CHECK(back && back.value(), "an encoded frame decodes");
  FUZZ_CHECK(std::get<T>(*back.value()) == value, "and decodes to an equal value");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 64;
  ++data;
  --size;
  const auto c = cp::classify(data, size);
  cp::frame_decoder d(max_body);
  std::optional<storemesh::error> failed;
  for (std::size_t at = 0; at < size && !failed;) {
    const std::size_t n = std::min(piece, size - at);
    d.feed(data + at, n);
    at += n;
    FUZZ_CHECK(d.buffered() <= cp::header_bytes + max_body + n, "the decoder holds at most one frame and one feed");
    for (;;) {
      auto f = d.next();
      if (!f) {
        failed = f.error();
        break;
      }
      if (!f.value()) break;
      if (auto* r = std::get_if<cp::control_request>(&*f.value())) round_trip(*r);
      else round_trip(std::get<cp::control_reply>(*f.value()));
    }
  }
  if (c == cp::stream_class::pass_through)
    FUZZ_CHECK(failed && failed->code == cp::protocol_errc::bad_magic, "a pass-through stream is bad_magic to the decoder");
  if (failed) {
    d.feed(data, size);
    auto again = d.next();
    FUZZ_CHECK(!again && again.error().code == failed->code, "an error is for ever");
  }
  return 0;
}
