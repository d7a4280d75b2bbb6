#pragma once
// Datastore-relative paths: a copy job names its files relative to a
// datastore's root, and no path (through ".." or a symlink, now or planted
// later) may reach a file outside that root.

#include "events/error.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace storemesh::services::migration {

/// A purely syntactic check: "" when `p` is an acceptable relative path, else
/// the reason (empty, absolute, a "." or ".." component, an empty component
/// as in "a//b", a trailing '/', a NUL byte, longer than PATH_MAX = 4096).
[[nodiscard]] std::string check_relative_path(std::string_view p);

/// The real path (symlinks resolved) of `relative` under `root`, refusing any
/// resolution that leaves root: bad_path (check_relative_path failed),
/// path_escapes_datastore, not_found.
///
/// must_exist = true (a source): the file itself must exist.
/// must_exist = false (a destination): its parent directory must exist inside
/// root; the last component need not exist, and is not followed if it is a
/// symlink (the final rename replaces the link, never its target).
///
/// Uses openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, where the
/// kernel itself refuses to leave root; on kernels without it (or where a
/// seccomp filter hides it), the realpath of the deepest existing ancestor,
/// checked to be under realpath(root).
///
/// The answer holds when it is given: a symlink swapped in afterwards is not
/// seen. Callers resolve right before opening.
[[nodiscard]] result<std::filesystem::path> resolve_in_datastore(const std::filesystem::path& root,
                                                                 std::string_view relative, bool must_exist);

namespace detail {
/// The realpath fallback of resolve_in_datastore, exposed so that tests cover
/// it on kernels that have openat2.
[[nodiscard]] result<std::filesystem::path> resolve_by_realpath(const std::filesystem::path& root,
                                                                std::string_view relative, bool must_exist);
} // namespace detail

} // namespace storemesh::services::migration
