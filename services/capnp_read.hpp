#pragma once
// What every codec's read side needs from a Cap'n Proto reader: its text as a
// std::string, and its exceptions as error values. Cap'n Proto readers check
// bounds as they go and throw kj::Exception on a malformed pointer; a codec
// must turn that into `codec_errc::malformed`, never let it escape.

#include "events/error.hpp"
#include "services/codec_errc.hpp"

#include <capnp/blob.h>
#include <capnp/common.h>
#include <kj/debug.h>
#include <kj/exception.h>

#include <cstring>
#include <string>
#include <string_view>

namespace storemesh::services {

/// A Text's bytes. Cap'n Proto writes a Text from a C string, so one holding
/// a NUL byte could not be written back the same: refused as malformed (a
/// kj exception, which guarded() turns into an error value).
[[nodiscard]] inline std::string text(capnp::Text::Reader t) {
  KJ_REQUIRE(std::memchr(t.begin(), 0, t.size()) == nullptr, "a text holds a NUL byte");
  return {t.begin(), t.size()};
}
[[nodiscard]] inline std::string bytes(capnp::Data::Reader d) {
  return {reinterpret_cast<const char*>(d.begin()), d.size()};
}
/// Bytes held in a std::string, as Cap'n Proto Data (for the write side).
[[nodiscard]] inline capnp::Data::Reader data_of(std::string_view s) {
  return {reinterpret_cast<const kj::byte*>(s.data()), s.size()};
}

/// Runs f() (which returns a result); a kj::Exception becomes
/// `malformed: WHAT: <description>`.
template <class F>
[[nodiscard]] auto guarded(std::string_view what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const kj::Exception& ex) {
    return make_error(codec_errc::malformed, std::string(what) + ": " + ex.getDescription().cStr());
  }
}

} // namespace storemesh::services
