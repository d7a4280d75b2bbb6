#include "events/crypto/sodium_init.hpp"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace storemesh::events::crypto {

void ensure_sodium() {
  // A function-local static is initialised once, and other threads wait for it.
  static const bool ready = [] {
    if (sodium_init() < 0) {
      std::fputs("storemesh: libsodium failed to initialise (no secure randomness?)\n", stderr);
      std::abort();
    }
    return true;
  }();
  (void)ready;
}

} // namespace storemesh::events::crypto
