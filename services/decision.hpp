#pragma once
// What a decider returns: the events a command produces, or why it is refused.
// An accepted command always produces at least one event, so that whoever sent
// it can see its outcome in the log. The one exception is a command whose
// sender waits for no outcome: kv's expire_leases with nothing due is accepted
// with none, and the entity actor then appends nothing (kv_space.hpp says why).

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace storemesh::services {

/// Why a command was refused: a stable machine-readable code and one line for
/// the operator.
struct rejection {
  std::string code;
  std::string reason;
};

template <class Event>
struct decision {
  std::vector<Event> events;
  std::variant<std::monostate, rejection> refused;

  [[nodiscard]] bool accepted() const { return std::holds_alternative<std::monostate>(refused); }
  [[nodiscard]] const rejection& why() const { return std::get<rejection>(refused); }

  static decision accept(std::vector<Event> events) { return decision{std::move(events), {}}; }
  static decision accept(Event e) {
    std::vector<Event> events;
    events.push_back(std::move(e));
    return accept(std::move(events));
  }
  static decision reject(std::string code, std::string reason) {
    return decision{{}, rejection{std::move(code), std::move(reason)}};
  }
};

/// std::visit over an overload set with no default branch: a new alternative
/// that is not handled does not compile.
template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

} // namespace storemesh::services
