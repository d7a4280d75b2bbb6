#include "tests/support/temp_dir.hpp"

#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>

namespace storemesh::testing {

temp_dir::temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "storemesh-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("mkdtemp failed for " + pattern);
  path_ = pattern;
}

temp_dir::~temp_dir() {
  if (std::getenv("STOREMESH_KEEP_TEMP") != nullptr) {
    std::cerr << "kept " << path_ << '\n';
    return;
  }
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

} // namespace storemesh::testing
