#pragma once
// What every bench's command line parses alike. Header-only: the benches
// that need nothing else of bench_util link nothing more.

#include <cstdint>
#include <cstdlib>

namespace storemesh::bench {

/// A decimal number > 0, or usage(2) (which does not return).
inline std::uint64_t positive(const char* s, void (*usage)(int)) {
  char* end = nullptr;
  const auto v = std::strtoull(s, &end, 10);
  if (*end != '\0' || v == 0)
    usage(2);
  return v;
}

} // namespace storemesh::bench
