#include "services/delivery/slice_check.hpp"

#include "services/delivery/coding/slice_format.hpp"

namespace storemesh::services::delivery {

std::string check_slice(std::string_view file, const slice_ref& ref, const geometry& g, std::uint32_t expected_crc) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(file.data());
  auto h = read_header(bytes, file.size());
  if (!h)
    return h.error().message();
  if (!(h.value().slice == ref))
    return "the file is slice " + to_string(h.value().slice) + ", not " + to_string(ref);
  if (!(h.value().geometry == g))
    return "the file is coded RS(" + std::to_string(h.value().geometry.k) + "," + std::to_string(h.value().geometry.m) +
           ") in segments of " + std::to_string(h.value().geometry.segment_bytes) + " bytes, not as the content is";
  if (auto ok = verify(h.value(), bytes + slice_header_bytes, file.size() - slice_header_bytes, expected_crc); !ok)
    return ok.error().message();
  return {};
}

std::string make_slice_file(const slice_ref& ref, const geometry& g, const std::uint8_t* payload) {
  const auto size = slice_bytes(g);
  // The ref and geometry come from the log, checked by its deciders: a
  // header that cannot be written is a bug, not an input.
  const auto h = make_slice_header(ref, g, payload, size).value();
  const auto head = write_header(h).value();
  std::string out;
  out.reserve(slice_header_bytes + size);
  out.append(reinterpret_cast<const char*>(head.data()), head.size());
  out.append(reinterpret_cast<const char*>(payload), size);
  return out;
}

std::string_view slice_payload(std::string_view file) {
  return file.size() < slice_header_bytes ? std::string_view() : file.substr(slice_header_bytes);
}

} // namespace storemesh::services::delivery
