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

#define SM_TRY BOOST_OUTCOME_TRY
