#pragma once
// Runs one loop's iterations on the calling thread and a fixed set of helper
// threads, then waits for them all: the intake's checks of a batch of
// commands (decode, proof, signature) scale with the machine's cores this way,
// without a thread started per batch.
//
//   created -> (for_each)* -> destroyed (joins the helpers)

#include "actors/helper_thread.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

namespace storemesh::actors {

class fork_join_pool {
public:
  /// `threads` in all, the caller counted (at least 1): threads - 1 helpers,
  /// each named `name`.
  fork_join_pool(const char* name, unsigned threads);

  [[nodiscard]] unsigned threads() const { return static_cast<unsigned>(helpers_.size()) + 1; }

  /// Calls f(i) for every i in [0, n) and returns when all calls have. Items
  /// are taken `grain` at a time from a shared counter, so a slow item (a
  /// signature to verify beside proofs on a cached root) does not hold back
  /// a fixed share. f runs concurrently with itself.
  void for_each(std::size_t n, std::size_t grain, const std::function<void(std::size_t)>& f);

private:
  std::vector<std::unique_ptr<helper_thread>> helpers_;
};

/// The threads to use when the operator says 0: one per core.
[[nodiscard]] unsigned default_threads();

} // namespace storemesh::actors
