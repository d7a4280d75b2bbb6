#pragma once
// A size-limited tmpfs mounted for one test (root only), so that "the disk is
// full" is a real ENOSPC from a real file system. Unmounted on destruction.

#include <filesystem>
#include <string>

namespace storemesh::testing {

class tmpfs_mount {
public:
  /// Mounts a tmpfs of `size` ("1m", "4m") on `dir`, creating it.
  tmpfs_mount(const std::filesystem::path& dir, const char* size);
  ~tmpfs_mount();
  tmpfs_mount(const tmpfs_mount&) = delete;
  tmpfs_mount& operator=(const tmpfs_mount&) = delete;

  [[nodiscard]] bool mounted() const { return mounted_; }
  /// Why the mount failed (not root, no mount namespace ...).
  [[nodiscard]] const std::string& error() const { return error_; }

private:
  std::filesystem::path dir_;
  bool mounted_ = false;
  std::string error_;
};

} // namespace storemesh::testing
