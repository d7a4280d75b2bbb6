// control_protocol: frames byte by byte (FORMAT.md), round trips, the stream
// decoder cut at every byte, every class of bad input, classify.

#include "services/control_path/control_protocol.hpp"
#include "services/control_path/control_protocol_errc.hpp"

#include "schemas/control_protocol.capnp.h"

#include <boost/test/unit_test.hpp>
#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstring>
#include <random>
#include <string>

using namespace storemesh::services::control_path;

namespace {

control_request sample_request() {
  control_request r;
  for (std::size_t i = 0; i < r.id.size(); ++i) r.id[i] = static_cast<std::uint8_t>(0xa0 + i);
  r.issued_at_ns = 1'780'000'000'123'456'789;
  r.storage = "array-1";
  r.operation = "snapshot-create";
  r.lun = 0x0102030405060708ULL;
  r.args = {"nightly", "", "keep=7"};
  r.hops = 2;
  r.path = {"host-a", "host-b"};
  return r;
}

control_reply sample_reply() {
  control_reply r;
  r.id = sample_request().id;
  r.ok = false;
  r.error_code = "check_condition";
  r.message = "ILLEGAL REQUEST";
  r.scsi_status = 2;
  r.sense = {0x70, 0, 5, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x20, 0};
  r.data = {0, 1, 2, 3, 0xff};
  r.ox_id = 0x1234;
  r.rx_id = 0xfffe;
  r.path = {"host-a", "host-b"};
  r.detail = "invalid command operation code";
  return r;
}

std::vector<std::uint8_t> header(std::uint8_t version, std::uint8_t type, std::uint16_t flags, std::uint32_t len) {
  return {'S', 'M', 'C', 'P', version, type, static_cast<std::uint8_t>(flags >> 8), static_cast<std::uint8_t>(flags),
          static_cast<std::uint8_t>(len >> 24), static_cast<std::uint8_t>(len >> 16), static_cast<std::uint8_t>(len >> 8),
          static_cast<std::uint8_t>(len)};
}

// The error the decoder returns for `in`, fed at once (fails the test if none).
storemesh::error decode_error(const bytes& in, std::size_t max_body = default_max_body) {
  frame_decoder d(max_body);
  d.feed(in.data(), in.size());
  auto r = d.next();
  BOOST_REQUIRE_MESSAGE(!r, "expected an error");
  return r.error();
}

// A request body built by hand, so that it can break the rules encode_request keeps.
bytes request_frame_with_id_size(unsigned id_size) {
  capnp::MallocMessageBuilder message;
  auto m = message.initRoot<storemesh::schema::control::ControlRequest>();
  std::vector<std::uint8_t> id(id_size, 7);
  m.setRequestId(capnp::Data::Reader(id.data(), id.size()));
  m.setOperation("inquiry");
  const auto words = capnp::messageToFlatArray(message);
  auto out = header(1, 1, 0, static_cast<std::uint32_t>(words.asBytes().size()));
  out.insert(out.end(), words.asBytes().begin(), words.asBytes().end());
  return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(a_request_frame_has_the_documented_header_and_a_word_aligned_capnp_body) {
  const auto f = encode_request(sample_request()).value();
  BOOST_REQUIRE_GE(f.size(), header_bytes + 8);
  BOOST_TEST(std::string(f.begin(), f.begin() + 4) == "SMCP");
  BOOST_TEST(f[4] == 1);  // version
  BOOST_TEST(f[5] == 1);  // request
  BOOST_TEST(f[6] == 0);
  BOOST_TEST(f[7] == 0);
  const std::uint32_t len = (std::uint32_t{f[8]} << 24) | (std::uint32_t{f[9]} << 16) | (std::uint32_t{f[10]} << 8) | f[11];
  BOOST_TEST(len == f.size() - header_bytes);
  BOOST_TEST(len % 8 == 0);
  // The body's first word is the segment table: one segment (count - 1 = 0), its size in words.
  std::uint32_t segments_minus_one;
  std::memcpy(&segments_minus_one, f.data() + 12, 4);
  BOOST_TEST(segments_minus_one == 0u);
  const auto reply = encode_reply(sample_reply()).value();
  BOOST_TEST(reply[5] == 2);
}

BOOST_AUTO_TEST_CASE(requests_and_replies_round_trip_every_field) {
  const auto req = sample_request();
  const auto f = encode_request(req).value();
  const auto h = parse_header(f.data(), f.size(), default_max_body).value();
  BOOST_TEST((h.type == frame_type::request));
  const auto back = decode_request_body(f.data() + header_bytes, h.body_length).value();
  BOOST_TEST((back == req));

  auto rep = sample_reply();
  const auto g = encode_reply(rep).value();
  BOOST_TEST((decode_reply_body(g.data() + header_bytes, g.size() - header_bytes).value() == rep));
  rep.id.reset();  // the error reply to an unreadable request has no id
  rep.data.clear();
  const auto g2 = encode_reply(rep).value();
  const auto back2 = decode_reply_body(g2.data() + header_bytes, g2.size() - header_bytes).value();
  BOOST_TEST(!back2.id.has_value());
  BOOST_TEST((back2 == rep));
}

BOOST_AUTO_TEST_CASE(a_reply_whose_data_is_most_of_the_body_decodes) {
  // The traversal limit is the body's size: reading a field twice would exceed it.
  auto rep = sample_reply();
  rep.data.assign(40 * 1024, 0x5a);
  rep.sense.assign(18, 0x70);
  const auto g = encode_reply(rep).value();
  auto back = decode_reply_body(g.data() + header_bytes, g.size() - header_bytes);
  BOOST_REQUIRE_MESSAGE(back, (back ? "" : back.error().message()));
  BOOST_TEST((back.value() == rep));
}

BOOST_AUTO_TEST_CASE(the_decoder_waits_at_every_cut_and_yields_frames_in_order) {
  auto stream = encode_request(sample_request()).value();
  const auto second = encode_reply(sample_reply()).value();
  stream.insert(stream.end(), second.begin(), second.end());
  const std::size_t first_len = stream.size() - second.size();
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    frame_decoder d;
    d.feed(stream.data(), cut);
    auto a = d.next();
    BOOST_REQUIRE(a);
    BOOST_REQUIRE_EQUAL(a.value().has_value(), cut >= first_len);
    d.feed(stream.data() + cut, stream.size() - cut);
    if (!a.value()) a = d.next();
    BOOST_REQUIRE(a && a.value());
    BOOST_TEST((std::get<control_request>(*a.value()) == sample_request()));
    auto b = d.next();
    BOOST_REQUIRE(b && b.value());
    BOOST_TEST((std::get<control_reply>(*b.value()) == sample_reply()));
    BOOST_TEST(d.buffered() == 0u);
    BOOST_TEST(!d.next().value().has_value());
  }
}

BOOST_AUTO_TEST_CASE(one_byte_at_a_time_the_decoder_yields_each_frame_once) {
  bytes stream;
  for (int i = 0; i < 5; ++i) {
    auto r = sample_request();
    r.lun = static_cast<std::uint64_t>(i);
    const auto f = encode_request(r).value();
    stream.insert(stream.end(), f.begin(), f.end());
  }
  frame_decoder d;
  std::vector<std::uint64_t> luns;
  for (const auto b : stream) {
    d.feed(&b, 1);
    for (auto f = d.next(); f.value().has_value(); f = d.next()) luns.push_back(std::get<control_request>(*f.value()).lun);
  }
  BOOST_TEST((luns == std::vector<std::uint64_t>{0, 1, 2, 3, 4}));
}

BOOST_AUTO_TEST_CASE(each_header_fault_has_its_error_and_wire_code) {
  const auto body = [](bytes h) {
    h.resize(h.size() + 16, 0);
    return h;
  };
  auto bad_magic = body(header(1, 1, 0, 16));
  bad_magic[3] = 'Q';
  BOOST_TEST((decode_error(bad_magic).code == protocol_errc::bad_magic));
  BOOST_TEST(wire_error_code(protocol_errc::bad_magic) == "malformed");
  const auto v = decode_error(body(header(2, 1, 0, 16)));
  BOOST_TEST((v.code == protocol_errc::bad_version));
  BOOST_TEST(v.detail == "version 2, this host speaks version 1");
  BOOST_TEST(error_reply(v).error_code == "bad_version");
  for (const std::uint8_t t : {0, 3, 255}) {
    const auto e = decode_error(body(header(1, t, 0, 16)));
    BOOST_TEST((e.code == protocol_errc::unknown_type));
    BOOST_TEST(error_reply(e).error_code == "unknown_type");
  }
  const auto f = decode_error(body(header(1, 1, 0x0100, 16)));
  BOOST_TEST((f.code == protocol_errc::bad_flags));
  BOOST_TEST(error_reply(f).error_code == "malformed");
}

BOOST_AUTO_TEST_CASE(garbage_shorter_than_a_header_is_refused_from_its_first_wrong_byte) {
  const bytes get = {'G', 'E', 'T'};
  BOOST_TEST((decode_error(get).code == protocol_errc::bad_magic));
  frame_decoder d;
  const bytes prefix = {'S', 'M', 'C'};
  d.feed(prefix.data(), prefix.size());
  BOOST_TEST(!d.next().value().has_value());  // could still be a frame
}

BOOST_AUTO_TEST_CASE(oversize_is_decided_from_the_header_alone_and_the_limit_is_configurable) {
  const auto at_limit = header(1, 1, 0, default_max_body);
  frame_decoder d;
  d.feed(at_limit.data(), at_limit.size());
  BOOST_TEST(!d.next().value().has_value());  // at the limit: waits for the body
  const auto e = decode_error(header(1, 1, 0, default_max_body + 1));  // the header only, no body byte
  BOOST_TEST((e.code == protocol_errc::oversize));
  BOOST_TEST(error_reply(e).error_code == "oversize");
  BOOST_TEST((decode_error(header(1, 1, 0, 0xffffffffu)).code == protocol_errc::oversize));
  const auto f = encode_request(sample_request()).value();
  BOOST_TEST((decode_error(f, f.size() - header_bytes - 8).code == protocol_errc::oversize));
  BOOST_TEST((encode_request(sample_request(), f.size() - header_bytes - 8).error().code == protocol_errc::bad_message));
  BOOST_TEST(encode_request(sample_request(), f.size() - header_bytes).has_value());
}

BOOST_AUTO_TEST_CASE(bodies_that_are_not_a_message_of_the_frame_type_are_malformed) {
  auto good = encode_request(sample_request()).value();
  // Not a whole number of words.
  auto odd = header(1, 1, 0, 12);
  odd.resize(odd.size() + 12, 0);
  BOOST_TEST((decode_error(odd).code == protocol_errc::malformed));
  // An empty body.
  BOOST_TEST((decode_error(header(1, 1, 0, 0)).code == protocol_errc::malformed));
  // A segment table claiming more words than the body holds.
  auto lying = good;
  lying[12 + 4] = 0xff;
  BOOST_TEST((decode_error(lying).code == protocol_errc::malformed));
  // Trailing words after the message.
  auto trailing = header(1, 1, 0, static_cast<std::uint32_t>(good.size() - header_bytes + 8));
  trailing.insert(trailing.end(), good.begin() + header_bytes, good.end());
  trailing.resize(trailing.size() + 8, 0);
  BOOST_TEST((decode_error(trailing).code == protocol_errc::malformed));
  // Request ids must be 16 bytes.
  for (const unsigned n : {0u, 15u, 17u}) {
    const auto e = decode_error(request_frame_with_id_size(n));
    BOOST_TEST((e.code == protocol_errc::malformed));
    BOOST_TEST(e.detail.find("must be 16") != std::string::npos);
  }
  BOOST_TEST(decode_error(request_frame_with_id_size(15)).detail == "request id of 15 bytes, must be 16");
  frame_decoder ok;
  const auto sixteen = request_frame_with_id_size(16);
  ok.feed(sixteen.data(), sixteen.size());
  BOOST_TEST(ok.next().value().has_value());
}

BOOST_AUTO_TEST_CASE(after_an_error_the_decoder_returns_it_for_ever_and_reads_nothing_more) {
  frame_decoder d;
  const auto bad = header(9, 1, 0, 0);
  d.feed(bad.data(), bad.size());
  BOOST_TEST((d.next().error().code == protocol_errc::bad_version));
  const auto good = encode_request(sample_request()).value();
  d.feed(good.data(), good.size());
  BOOST_TEST((d.next().error().code == protocol_errc::bad_version));
  BOOST_TEST(d.buffered() == 0u);
}

BOOST_AUTO_TEST_CASE(random_bytes_after_a_valid_header_never_crash_the_decoder) {
  std::mt19937 rng(13);
  std::size_t errors = 0, frames = 0;
  const auto good = encode_request(sample_request()).value();
  for (int i = 0; i < 2000; ++i) {
    auto f = good;
    // Flip 1..4 random body bytes: pointers, sizes, text lengths.
    for (int k = 0, n = 1 + static_cast<int>(rng() % 4); k < n; ++k)
      f[header_bytes + rng() % (f.size() - header_bytes)] ^= static_cast<std::uint8_t>(1 + rng() % 255);
    frame_decoder d;
    d.feed(f.data(), f.size());
    const auto r = d.next();
    if (!r) {
      BOOST_TEST((r.error().code == protocol_errc::malformed));
      ++errors;
    } else {
      frames += r.value().has_value();
    }
  }
  BOOST_TEST(errors > 0u);  // the flips did break some bodies
  BOOST_TEST(errors + frames == 2000u);
}

BOOST_AUTO_TEST_CASE(classify_looks_at_the_first_four_bytes) {
  const auto c = [](const std::string& s) { return classify(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); };
  BOOST_TEST((c("") == stream_class::need_more));
  BOOST_TEST((c("S") == stream_class::need_more));
  BOOST_TEST((c("SM") == stream_class::need_more));
  BOOST_TEST((c("SMC") == stream_class::need_more));
  BOOST_TEST((c("SMCP") == stream_class::control));
  BOOST_TEST((c(std::string("SMCP\x01\x01\0\0", 8)) == stream_class::control));
  BOOST_TEST((c("SMCQ") == stream_class::pass_through));
  BOOST_TEST((c("X") == stream_class::pass_through));  // decided at once: no wait for 4 bytes
  BOOST_TEST((c("GET / HTTP/1.1\r\n") == stream_class::pass_through));
  BOOST_TEST((c("smcp") == stream_class::pass_through));
  const std::uint8_t tls[] = {0x16, 0x03, 0x01, 0x02};
  BOOST_TEST((classify(tls, 4) == stream_class::pass_through));
}

// Found by fuzz_control_protocol: a text with a NUL inside came back cut at
// the NUL, so the frame said less than the value held.
BOOST_AUTO_TEST_CASE(texts_with_an_embedded_nul_round_trip_whole) {
  auto r = sample_request();
  r.storage = std::string("arr\0ay", 6);
  r.operation = std::string("\0", 1);
  r.args = {std::string("a\0b", 3)};
  const auto f = encode_request(r).value();
  BOOST_TEST((decode_request_body(f.data() + header_bytes, f.size() - header_bytes).value() == r));
  auto p = sample_reply();
  p.message = std::string("x\0y", 3);
  p.detail = std::string("\0\0", 2);
  const auto g = encode_reply(p).value();
  BOOST_TEST((decode_reply_body(g.data() + header_bytes, g.size() - header_bytes).value() == p));
}
