// The bodies of control protocol frames: control_request / control_reply
// <-> schemas/control_protocol.capnp, and the frame around them.

#include "services/control_path/control_protocol.hpp"
#include "services/control_path/control_protocol_errc.hpp"

#include "schemas/control_protocol.capnp.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>

namespace storemesh::services::control_path {
namespace {

namespace cs = schema::control;

capnp::Data::Reader data_of(const std::uint8_t* p, std::size_t n) { return capnp::Data::Reader(p, n); }

// With its size: a std::string converted implicitly would stop at an
// embedded NUL, and the frame would say less than the value held.
capnp::Text::Reader text_of(const std::string& s) { return capnp::Text::Reader(s.data(), s.size()); }

void set_texts(capnp::List<capnp::Text>::Builder out, const std::vector<std::string>& in) {
  for (unsigned i = 0; i < in.size(); ++i) out.set(i, text_of(in[i]));
}

std::vector<std::string> texts(capnp::List<capnp::Text>::Reader in) {
  std::vector<std::string> out;
  out.reserve(in.size());
  for (auto t : in) out.emplace_back(t.begin(), t.size());
  return out;
}

std::string text(capnp::Text::Reader t) { return {t.begin(), t.size()}; }

// Header + the message's flat words; bad_message past max_body.
result<bytes> frame_of(frame_type type, capnp::MessageBuilder& message, std::size_t max_body) {
  const auto words = capnp::messageToFlatArray(message);
  const auto body = words.asBytes();
  if (body.size() > max_body)
    return make_error(protocol_errc::bad_message,
                      "body of " + std::to_string(body.size()) + " bytes, at most " + std::to_string(max_body));
  bytes out(header_bytes + body.size());
  std::memcpy(out.data(), protocol_magic, 4);
  out[4] = protocol_version;
  out[5] = static_cast<std::uint8_t>(type);
  out[6] = out[7] = 0;
  const auto n = static_cast<std::uint32_t>(body.size());
  out[8] = static_cast<std::uint8_t>(n >> 24);
  out[9] = static_cast<std::uint8_t>(n >> 16);
  out[10] = static_cast<std::uint8_t>(n >> 8);
  out[11] = static_cast<std::uint8_t>(n);
  std::memcpy(out.data() + header_bytes, body.begin(), body.size());
  return out;
}

// Reads a body as message Schema with read(Schema::Reader) -> result<T>.
// Bodies arrive in a byte buffer at any alignment: copied into words. The
// traversal limit is the body's own size (plus slack for the root pointer),
// so a message whose pointers point many times at the same bytes cannot make
// the reader walk more than it was sent.
template <class Schema, class T, class Read>
result<T> read_body(const std::uint8_t* p, std::size_t n, const char* what, Read&& read) {
  if (n == 0 || n % sizeof(capnp::word) != 0)
    return make_error(protocol_errc::malformed,
                      std::string(what) + " body of " + std::to_string(n) + " bytes is not a whole number of 8-byte words");
  auto words = kj::heapArray<capnp::word>(n / sizeof(capnp::word));
  std::memcpy(words.begin(), p, n);
  capnp::ReaderOptions options;
  options.traversalLimitInWords = words.size() + 8;
  options.nestingLimit = 8;
  try {
    capnp::FlatArrayMessageReader reader(words, options);
    if (reader.getEnd() != words.end())
      return make_error(protocol_errc::malformed, std::string(what) + " body has " +
                                                      std::to_string((words.end() - reader.getEnd()) * 8) +
                                                      " bytes after its message");
    return read(reader.getRoot<Schema>());
  } catch (const kj::Exception& ex) {
    return make_error(protocol_errc::malformed, std::string(what) + " body: " + ex.getDescription().cStr());
  }
}

} // namespace

control_reply error_reply(const error& e) {
  control_reply r;
  r.ok = false;
  if (e.code.category() == protocol_category()) r.error_code = std::string(wire_error_code(static_cast<protocol_errc>(e.code.value())));
  else r.error_code = "malformed";
  r.message = e.message();
  return r;
}

result<bytes> encode_request(const control_request& r, std::size_t max_body) {
  capnp::MallocMessageBuilder message;
  auto m = message.initRoot<cs::ControlRequest>();
  m.setRequestId(data_of(r.id.data(), r.id.size()));
  m.setIssuedAtNs(r.issued_at_ns);
  m.setStorage(text_of(r.storage));
  m.setOperation(text_of(r.operation));
  m.setLun(r.lun);
  set_texts(m.initArgs(static_cast<unsigned>(r.args.size())), r.args);
  m.setHops(r.hops);
  set_texts(m.initPath(static_cast<unsigned>(r.path.size())), r.path);
  return frame_of(frame_type::request, message, max_body);
}

result<bytes> encode_reply(const control_reply& r, std::size_t max_body) {
  capnp::MallocMessageBuilder message;
  auto m = message.initRoot<cs::ControlReply>();
  if (r.id) m.setRequestId(data_of(r.id->data(), r.id->size()));
  m.setOk(r.ok);
  m.setErrorCode(text_of(r.error_code));
  m.setMessage(text_of(r.message));
  m.setScsiStatus(r.scsi_status);
  m.setSense(data_of(r.sense.data(), r.sense.size()));
  m.setData(data_of(r.data.data(), r.data.size()));
  m.setOxId(r.ox_id);
  m.setRxId(r.rx_id);
  set_texts(m.initPath(static_cast<unsigned>(r.path.size())), r.path);
  m.setDetail(text_of(r.detail));
  return frame_of(frame_type::reply, message, max_body);
}

result<control_request> decode_request_body(const std::uint8_t* p, std::size_t n) {
  return read_body<cs::ControlRequest, control_request>(p, n, "request", [](cs::ControlRequest::Reader m) -> result<control_request> {
    control_request r;
    const auto id = m.getRequestId();
    if (id.size() != r.id.size())
      return make_error(protocol_errc::malformed, "request id of " + std::to_string(id.size()) + " bytes, must be 16");
    std::memcpy(r.id.data(), id.begin(), r.id.size());
    r.issued_at_ns = m.getIssuedAtNs();
    r.storage = text(m.getStorage());
    r.operation = text(m.getOperation());
    r.lun = m.getLun();
    r.args = texts(m.getArgs());
    r.hops = m.getHops();
    r.path = texts(m.getPath());
    return r;
  });
}

result<control_reply> decode_reply_body(const std::uint8_t* p, std::size_t n) {
  return read_body<cs::ControlReply, control_reply>(p, n, "reply", [](cs::ControlReply::Reader m) -> result<control_reply> {
    control_reply r;
    const auto id = m.getRequestId();
    if (id.size() == 16) {
      r.id.emplace();
      std::memcpy(r.id->data(), id.begin(), 16);
    } else if (id.size() != 0) {
      return make_error(protocol_errc::malformed, "reply's request id of " + std::to_string(id.size()) + " bytes, must be 0 or 16");
    }
    r.ok = m.getOk();
    r.error_code = text(m.getErrorCode());
    r.message = text(m.getMessage());
    r.scsi_status = m.getScsiStatus();
    // One get each: every get counts against the traversal limit, which is
    // the body's own size, so reading a large field twice would exceed it.
    const auto sense = m.getSense();
    r.sense.assign(sense.begin(), sense.end());
    const auto data = m.getData();
    r.data.assign(data.begin(), data.end());
    r.ox_id = m.getOxId();
    r.rx_id = m.getRxId();
    r.path = texts(m.getPath());
    r.detail = text(m.getDetail());
    return r;
  });
}

} // namespace storemesh::services::control_path
