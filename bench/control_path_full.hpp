#pragma once
// bench_control_path --remote: the whole control path, measured against a
// running host (`storemesh host intercept` with a storage system linked to
// it; bench/control_path_bench.sh sets one up), beside references measured
// in the same run:
//
//   through the host  control_connection to the host, N requests in flight
//                     (a sliding window), each with a fresh request id and
//                     issued_at now: the host records convert in the log,
//                     waits for the daemon to decide it, runs the FC
//                     exchange, records answer, replies
//   echo              a plain TCP echo on loopback of the same request and
//                     reply sizes, driven by the same window
//   FC link alone     in-process: an fc_port_server over file LUNs in a temp
//                     dir and an fc_initiator running the same operation back
//                     to back (the link's own ceiling; one exchange at a time)

#include <cstdint>
#include <string>
#include <vector>

namespace storemesh::bench {

struct full_path_options {
  std::string remote;                    // HOST:PORT of the host's interceptor
  std::string storage;                   // the storage system addressed
  std::string operation = "test-unit-ready";  // an operation without arguments
  std::uint64_t lun = 0;
  std::vector<std::size_t> in_flight{1, 16};
  double seconds = 5;                    // per row
};

/// Runs the rows and prints the table; exits the process with a message on
/// the first failed or refused request (a figure over errors would lie).
void run_full_path(const full_path_options& o);

} // namespace storemesh::bench
