#include "actors/agents/coordination/messages.hpp"

#include "actors/agents/coordination/coordination_errc.hpp"

#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>
#include <vector>

namespace storemesh::actors::coordination {

std::string encode(capnp::MessageBuilder& message) {
  auto words = capnp::messageToFlatArray(message);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

std::string encode_with(const std::function<void(peer_message::Builder)>& fill) {
  capnp::MallocMessageBuilder message;
  fill(message.initRoot<peer_message>());
  return encode(message);
}

result<void> read_message(std::string_view bytes,
                          const std::function<result<void>(peer_message::Reader)>& visit) {
  if (bytes.size() % sizeof(capnp::word) != 0 || bytes.size() > max_message_bytes + 4096)
    return make_error(coordination_errc::malformed_message,
                      "a message of " + std::to_string(bytes.size()) + " bytes is not a whole number of words");
  std::vector<capnp::word> words(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.data(), bytes.data(), bytes.size());
  try {
    capnp::ReaderOptions options;
    options.traversalLimitInWords = 64 * 1024;  // 512 KiB of reads for a < 64 KiB message
    options.nestingLimit = 16;
    capnp::FlatArrayMessageReader reader(kj::arrayPtr(words.data(), words.size()), options);
    if (reader.getEnd() != words.data() + words.size())
      return make_error(coordination_errc::malformed_message, "trailing bytes after the message");
    return visit(reader.getRoot<peer_message>());
  } catch (const kj::Exception& e) {
    return make_error(coordination_errc::malformed_message, e.getDescription().cStr());
  }
}

std::string as_string(capnp::Data::Reader d) { return std::string(reinterpret_cast<const char*>(d.begin()), d.size()); }

} // namespace storemesh::actors::coordination
