#pragma once
// The origin's contents cut into coded slices, one segment at a time: what
// the runner sends. The last segment coded is kept, so a delivery whose due
// slices are walked in segment order codes each segment once.

#include "events/error.hpp"
#include "events/posix_io.hpp"
#include "services/delivery/coding/aligned_buffer.hpp"
#include "services/delivery/coding/segment_coder.hpp"
#include "services/delivery/content.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace storemesh::agents::delivery {

class segment_source {
public:
  explicit segment_source(std::filesystem::path store) : store_(std::move(store)) {}

  /// The slice file (header + payload) of (content, segment, pillar).
  [[nodiscard]] result<std::string> slice_file(const std::string& content, const services::delivery::content::state& c,
                                               std::uint32_t segment, std::uint32_t pillar);

private:
  struct coded {
    std::unique_ptr<services::delivery::segment_coder> coder;
    posix::unique_fd origin;  ///< the origin's copy, opened once per content
    std::vector<services::delivery::aligned_buffer> slices;
    services::delivery::aligned_buffer data;
    std::int64_t segment = -1;
  };
  std::filesystem::path store_;
  std::map<std::string, coded> coded_;
};

} // namespace storemesh::agents::delivery
