#pragma once
// libsodium must be initialised before its first use. Every function of this
// component that calls libsodium calls ensure_sodium() first, so callers never
// have to remember it.

namespace storemesh::events::crypto {

/// Initialises libsodium exactly once per process (thread-safe). Aborts if
/// libsodium cannot initialise: that only happens when the system has no
/// source of secure randomness, and then no key or id may be generated.
void ensure_sodium();

} // namespace storemesh::events::crypto
