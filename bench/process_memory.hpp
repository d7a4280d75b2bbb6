#pragma once
// What this process holds in memory, for bench_sim_scale's bytes per entity:
// the resident set (/proc/self/statm), the heap in use (mallinfo2) and the
// peak resident set (VmHWM).

#include <malloc.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace storemesh::bench {

struct memory_sample {
  std::uint64_t resident = 0;  ///< bytes, statm's second field
  std::uint64_t heap = 0;      ///< bytes malloc has handed out and not got back
};

/// Gives free heap pages back first (malloc_trim), so that memory freed by
/// an earlier phase does not hide what the next one takes.
inline memory_sample sample_memory() {
  ::malloc_trim(0);
  memory_sample m;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    unsigned long long size = 0, resident = 0;
    if (std::fscanf(f, "%llu %llu", &size, &resident) == 2)
      m.resident = resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    std::fclose(f);
  }
  const auto mi = ::mallinfo2();
  m.heap = mi.uordblks + mi.hblkhd;
  return m;
}

/// VmHWM from /proc/self/status, bytes (0 if unreadable).
inline std::uint64_t peak_resident() {
  std::uint64_t kb = 0;
  if (std::FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, f))
      if (std::strncmp(line, "VmHWM:", 6) == 0) {
        kb = std::strtoull(line + 6, nullptr, 10);
        break;
      }
    std::fclose(f);
  }
  return kb * 1024;
}

} // namespace storemesh::bench
