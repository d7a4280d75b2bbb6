#pragma once
// An invariant of a fuzz target: when it does not hold, say which and abort,
// so that libFuzzer keeps the input as a crash reproducer.
#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond, what)                                                         \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "fuzz invariant broken at %s:%d: %s (%s)\n", __FILE__,      \
                   __LINE__, what, #cond);                                             \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)
