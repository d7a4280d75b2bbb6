#pragma once
// bench_daemon: how the recovery and takeover groups write a history for the
// daemon to read back: host events through the log writer (so they are
// chained and sealed as the daemon writes them), waited for one append at a time.

#include "actors/log_writer.hpp"
#include "bench/daemon_bench.hpp"
#include "services/host/host.hpp"

#include <future>
#include <vector>

namespace storemesh::dbench {

/// Appends `parts` through the writer and waits until they are durable.
inline std::vector<offset> append_and_wait(actors::log_writer& writer, std::vector<actors::append_part> parts) {
  std::promise<result<std::vector<offset>>> done;
  auto f = done.get_future();
  writer.submit(std::move(parts), [&done](result<std::vector<offset>> r) { done.set_value(std::move(r)); });
  return must(f.get(), "log_writer append");
}

/// A host's event number `seq` (from 1): registered, then drained and up in turn.
inline services::host::event nth_host_event(std::uint64_t seq) {
  namespace host = services::host;
  if (seq == 1) return host::registered{{{"ds1", "/mnt/ds1"}, {"ds2", "/mnt/ds2"}}};
  if (seq % 2 == 0) return host::state_changed{host::host_state::up, host::host_state::draining, "bench"};
  return host::state_changed{host::host_state::draining, host::host_state::up, "bench"};
}

} // namespace storemesh::dbench
