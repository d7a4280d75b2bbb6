#pragma once
// The measurement groups of bench_log; each measures, then prints its table.

#include "bench/bench_util.hpp"

namespace storemesh::bench {

/// 1. FileLog append (fsync always / never, batches of 1, 100, 1000) beside
/// raw pwrite(+fdatasync) of the same bytes to the same directory.
void append_group(const options& o);

/// 2. Replay with full verification (decode, per-entity hash chains, batch
/// seals) beside raw reads, raw Cap'n Proto decode, raw BLAKE2b, raw Ed25519.
void replay_group(const options& o);

/// 3. Signed command intake: decode + verify_command beside raw Ed25519
/// verification, on 1 and 2 threads.
void command_group(const options& o);

} // namespace storemesh::bench
