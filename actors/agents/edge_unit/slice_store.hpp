#pragma once
// An edge's slices on its own disk: one file per slice, named by the slice
// (`<content>.<segment>.<pillar>`), written whole to a temporary, synced and
// renamed, so that a crash leaves either the whole slice or none of it (a
// temporary left behind is removed at open). What is held is what the
// directory holds: there is no index to go stale.

#include "events/error.hpp"

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace storemesh::agents::edge_unit {

class slice_store {
public:
  /// Creates the directory if needed; removes a crash's temporaries.
  [[nodiscard]] static result<slice_store> open(const std::filesystem::path& dir);

  /// Stores the bytes under `name` (a slice's text form; the caller checked
  /// it), durable when it returns. A full disk is engine_errc::disk_full.
  [[nodiscard]] result<void> put(const std::string& name, std::string_view bytes);
  /// The bytes, or not_found.
  [[nodiscard]] result<std::string> get(const std::string& name) const;
  [[nodiscard]] bool has(const std::string& name) const;
  /// Removes it (a slice the log refused); no error if absent.
  void remove(const std::string& name);

  struct usage {
    std::uint64_t slices = 0, bytes = 0;
  };
  [[nodiscard]] usage used() const;
  [[nodiscard]] std::vector<std::string> names() const;
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

private:
  explicit slice_store(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
};

} // namespace storemesh::agents::edge_unit
