// Fuzz target: the bytes of a slice file or an edge's answer, through
// read_header and verify (services/delivery/SLICE_FORMAT.md).
//
// Invariants beyond "no crash, no UB":
//   - a header read_header accepts is canonical: write_header gives back
//     exactly the first 128 input bytes (no two byte strings mean one header);
//   - an accepted header passes its own checks again (write_header succeeds);
//   - verify accepts the payload only if it is payload_bytes long and its
//     CRC32C is the header's.
#include "events/crc32c.hpp"
#include "services/delivery/coding/slice_format.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstring>
#include <vector>

namespace delivery = storemesh::services::delivery;

namespace {

void check(const std::uint8_t* data, std::size_t size) {
  const auto h = delivery::read_header(data, size);
  if (!h)
    return;
  const auto again = delivery::write_header(h.value());
  FUZZ_CHECK(again.has_value(), "an accepted header can be written");
  FUZZ_CHECK(std::memcmp(again.value().data(), data, delivery::slice_header_bytes) == 0,
             "an accepted header is canonical");
  const std::uint8_t* payload = data + delivery::slice_header_bytes;
  const std::size_t payload_size = size - delivery::slice_header_bytes;
  const bool ok = delivery::verify(h.value(), payload, payload_size).has_value();
  const bool should = payload_size == h.value().payload_bytes &&
                      storemesh::events::crc32c(payload, payload_size) == h.value().payload_crc32c;
  FUZZ_CHECK(ok == should, "verify accepts exactly the payloads its header describes");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check(data, size);
  // The same bytes with the header checksum made right, so that mutations
  // reach the field checks behind it.
  if (size >= delivery::slice_header_bytes) {
    std::vector<std::uint8_t> sealed(data, data + size);
    const std::uint32_t crc = storemesh::events::crc32c(sealed.data(), 124);
    std::memcpy(sealed.data() + 124, &crc, 4);
    check(sealed.data(), sealed.size());
  }
  return 0;
}
