#include "services/delivery/coding/coding_errc.hpp"

#include <string>

namespace storemesh::services::delivery {
namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "delivery coding"; }
  std::string message(int value) const override {
    switch (static_cast<coding_errc>(value)) {
      case coding_errc::bad_geometry: return "bad coding geometry";
      case coding_errc::bad_pillar: return "pillar or length does not fit the geometry";
      case coding_errc::too_few_slices: return "fewer than k slices to decode from";
      case coding_errc::singular: return "decode matrix is singular";
      case coding_errc::short_header: return "slice header truncated";
      case coding_errc::bad_magic: return "not a slice (bad magic)";
      case coding_errc::bad_version: return "unsupported slice format version";
      case coding_errc::header_checksum: return "slice header checksum mismatch";
      case coding_errc::bad_name: return "bad content name in slice header";
      case coding_errc::bad_sizes: return "inconsistent slice header fields";
      case coding_errc::corrupt_payload: return "slice payload checksum mismatch";
      case coding_errc::unexpected_crc: return "slice is not the one the origin coded";
      case coding_errc::io_error: return "I/O error";
    }
    return "unknown delivery coding error " + std::to_string(value);
  }
};

} // namespace

const std::error_category& coding_category() noexcept {
  static const category instance;
  return instance;
}

} // namespace storemesh::services::delivery
