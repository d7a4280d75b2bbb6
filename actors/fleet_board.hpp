#pragma once
// The daemon's fleet view (services/fleet): written by host and copy-job
// actors once their events are durable, read by deciders and reactions as an
// immutable snapshot, so a reader never holds a lock while it decides.

#include "services/fleet/fleet.hpp"

#include <memory>
#include <mutex>

namespace storemesh::actors {

class fleet_board {
public:
  fleet_board() : view_(std::make_shared<const services::fleet::view>()) {}

  [[nodiscard]] std::shared_ptr<const services::fleet::view> view() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return view_;
  }

  /// f(services::fleet::view&) edits a copy that then replaces the view.
  template <class F>
  void update(F&& f) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto next = std::make_shared<services::fleet::view>(*view_);
    f(*next);
    view_ = std::move(next);
  }

private:
  mutable std::mutex mutex_;
  std::shared_ptr<const services::fleet::view> view_;
};

} // namespace storemesh::actors
