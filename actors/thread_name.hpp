#pragma once
// Names the calling thread (15 characters at most, as Linux keeps them), so
// that top -H, /proc/PID/task/*/comm and the benchmarks' per-thread figures
// say which part of the daemon uses the CPU.

#include <pthread.h>

namespace storemesh::actors {

inline void name_this_thread(const char* name) { ::pthread_setname_np(::pthread_self(), name); }

} // namespace storemesh::actors
