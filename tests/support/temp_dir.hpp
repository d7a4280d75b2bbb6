#pragma once
// A fresh directory under $TMPDIR for one test, removed when the test ends
// (kept, and its path printed, when STOREMESH_KEEP_TEMP is set).

#include <filesystem>

namespace storemesh::testing {

class temp_dir {
public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::filesystem::path& p) const { return path_ / p; }

private:
  std::filesystem::path path_;
};

} // namespace storemesh::testing
