#pragma once
// The files of one share as an access server handles them. A put is
// received into `<share>/.storemesh-incoming/<access id>` (same filesystem,
// so the commit is one rename) and only renamed to its path once the log
// has recorded the access as admitted; infected data is moved to the
// quarantine as `<quarantine>/<access id>`. Names under `.storemesh-` are
// the server's own: no client path may start with one.
//
// A crash between the record and the rename leaves the incoming file
// behind; recover() finishes what the log says (commit or quarantine) and
// removes what it never recorded.

#include "events/error.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace storemesh::agents::access_server {

/// "" when `path` may name a client's file in a share, else why not (the
/// datastore rules, and no `.storemesh-` component).
[[nodiscard]] std::string check_share_path(std::string_view path);

class share_files {
public:
  share_files(std::string name, std::filesystem::path root, std::filesystem::path quarantine);

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const std::filesystem::path& root() const { return root_; }

  /// Creates the incoming and quarantine directories.
  [[nodiscard]] result<void> prepare() const;
  /// An incoming file for `access`, opened for writing (O_EXCL): its fd.
  [[nodiscard]] result<int> create_incoming(std::string_view access) const;
  [[nodiscard]] std::filesystem::path incoming(std::string_view access) const;
  /// fdatasync'd incoming -> `path` (parents created inside the share; the
  /// path resolved so that no symlink leads out of it); the directory synced.
  [[nodiscard]] result<void> commit(std::string_view access, std::string_view path) const;
  /// Incoming (or the committed file at `path`, when `from_share`) ->
  /// `<quarantine>/<access>`; copies across filesystems.
  [[nodiscard]] result<void> quarantine_incoming(std::string_view access) const;
  [[nodiscard]] result<void> quarantine_file(std::string_view path, std::string_view access) const;
  void discard(std::string_view access) const;
  /// Whether a put may land at `path`: every ancestor that exists resolves
  /// inside the share (no symlink leads out), checked before the put is
  /// recorded so the log never admits data the commit must then refuse.
  [[nodiscard]] result<void> check_destination(std::string_view path) const;
  /// A share file opened for reading: its fd (O_NOFOLLOW on the last
  /// component, resolved beneath the root).
  [[nodiscard]] result<int> open_for_read(std::string_view path) const;

  /// What the log says of an access left in incoming: the path to commit to,
  /// quarantine it, or nothing (never recorded as admitted): discard.
  enum class leftover { commit, quarantine, discard };
  using leftover_fate = std::function<std::pair<leftover, std::string>(const std::string& access)>;
  /// The access ids of the incoming files there are.
  [[nodiscard]] std::vector<std::string> leftovers() const;
  /// Every incoming file handled by `fate`; how many.
  [[nodiscard]] result<std::size_t> recover(const leftover_fate& fate) const;

private:
  std::string name_;
  std::filesystem::path root_, quarantine_;
};

} // namespace storemesh::agents::access_server
