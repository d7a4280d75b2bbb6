#pragma once
// Errors are values: every fallible call returns result<T>. An error is a
// std::error_code (which module, which condition: machine-checkable) plus a
// detail string (which file, which offset, which key: for the human reading
// the one line the CLI prints).

#include <boost/outcome.hpp>

#include <string>
#include <system_error>
#include <utility>

namespace storemesh {

struct error {
  std::error_code code;
  std::string detail;

  /// "<category>: <condition>: <detail>", the one line the CLI prints.
  [[nodiscard]] std::string message() const;
};

template <class T>
using result = boost::outcome_v2::result<T, error, boost::outcome_v2::policy::terminate>;

using boost::outcome_v2::success;

/// Makes a failed result from any errc enum registered with std::error_code.
template <class Errc>
[[nodiscard]] error make_error(Errc e, std::string detail = {}) {
  return error{make_error_code(e), std::move(detail)};
}

/// An error from errno (open, write, fsync ...), naming what failed.
[[nodiscard]] error errno_error(int err, std::string detail);

} // namespace storemesh

// SM_TRY(lhs, expr): evaluates expr (a result); on failure returns its error
// from the enclosing function, otherwise assigns the value to lhs, which may
// be a declaration ("auto x") or an existing variable. SM_TRYV(expr) is the
// same for result<void> or when the value is not needed.
// (Boost 1.74's BOOST_OUTCOME_TRY predates the "auto x" form.)
#define SM_CONCAT_(a, b) a##b
#define SM_CONCAT(a, b) SM_CONCAT_(a, b)
#define SM_TRY_IMPL(tmp, lhs, expr)                                \
  auto tmp = (expr);                                               \
  if (!tmp)                                                        \
    return ::boost::outcome_v2::failure(std::move(tmp).error());   \
  lhs = std::move(tmp).value()
#define SM_TRY(lhs, expr) SM_TRY_IMPL(SM_CONCAT(sm_try_, __COUNTER__), lhs, expr)
#define SM_TRYV(expr)                                                  \
  do {                                                                 \
    auto sm_tryv_ = (expr);                                            \
    if (!sm_tryv_)                                                     \
      return ::boost::outcome_v2::failure(std::move(sm_tryv_).error()); \
  } while (0)
