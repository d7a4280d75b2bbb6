#pragma once
// An entity's state as snapshot bytes: one flat Cap'n Proto message. Shared
// by every codec so that each says only which fields it writes and reads.

#include "events/error.hpp"
#include "services/codec_errc.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>
#include <string>
#include <string_view>

namespace storemesh::services {

/// FILL(Schema::Builder) writes the fields.
template <class Schema, class Fill>
std::string state_to_bytes(Fill&& fill) {
  capnp::MallocMessageBuilder message;
  fill(message.initRoot<Schema>());
  auto words = capnp::messageToFlatArray(message);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

/// READ(Schema::Reader) -> result<State>; a malformed message is an error,
/// never an exception.
template <class Schema, class Read>
auto state_from_bytes(std::string_view bytes, std::string_view what, Read&& read)
    -> decltype(read(std::declval<typename Schema::Reader>())) {
  if (bytes.size() % sizeof(capnp::word) != 0)
    return make_error(codec_errc::malformed, std::string(what) + " state is not a whole number of words");
  // Snapshot bytes come out of a Data field and need not be aligned: copy.
  kj::Array<capnp::word> words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  try {
    capnp::FlatArrayMessageReader reader(words);
    return read(reader.getRoot<Schema>());
  } catch (const kj::Exception& ex) {
    return make_error(codec_errc::malformed, std::string(what) + " state: " + ex.getDescription().cStr());
  }
}

} // namespace storemesh::services
