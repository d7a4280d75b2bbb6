// clamd's framing and replies, as clamd 1.4.6 writes them.
#include "services/access/clamd_protocol.hpp"

#include <boost/test/unit_test.hpp>

using namespace storemesh::services::access;
using kind = scan_reply::kind;
using namespace std::string_view_literals;

BOOST_AUTO_TEST_SUITE(access_clamd_protocol)

BOOST_AUTO_TEST_CASE(commands_are_z_prefixed_and_nul_terminated) {
  for (auto c : {clamd_instream, clamd_version, clamd_ping, clamd_reload}) {
    BOOST_TEST(c.front() == 'z');
    BOOST_TEST(c.back() == '\0');
    BOOST_TEST(c.find('\0') == c.size() - 1);  // one NUL, at the end
  }
  BOOST_TEST(clamd_instream == "zINSTREAM\0"sv);
}

BOOST_AUTO_TEST_CASE(chunk_header_is_the_length_in_network_order) {
  const auto h = instream_chunk_header(0x01020304u);
  BOOST_TEST(h[0] == 1);
  BOOST_TEST(h[1] == 2);
  BOOST_TEST(h[2] == 3);
  BOOST_TEST(h[3] == 4);
  const auto end = instream_chunk_header(0);
  BOOST_TEST((end == std::array<std::uint8_t, 4>{0, 0, 0, 0}));
  const auto big = instream_chunk_header(256 * 1024);
  BOOST_TEST((big == std::array<std::uint8_t, 4>{0, 4, 0, 0}));
}

BOOST_AUTO_TEST_CASE(ok_is_clean_with_or_without_terminator) {
  for (auto r : {"stream: OK\0"sv, "stream: OK"sv, "stream: OK\n"sv}) {
    const auto p = parse_scan_reply(r);
    BOOST_TEST((p.what == kind::clean));
    BOOST_TEST(p.signature.empty());
  }
}

BOOST_AUTO_TEST_CASE(found_names_the_signature) {
  const auto p = parse_scan_reply("stream: Storemesh.Test.EICAR.UNOFFICIAL FOUND\0"sv);
  BOOST_TEST((p.what == kind::infected));
  BOOST_TEST(p.signature == "Storemesh.Test.EICAR.UNOFFICIAL");
  const auto q = parse_scan_reply("stream: Win.Test.EICAR_HDB-1 FOUND\n"sv);
  BOOST_TEST(q.signature == "Win.Test.EICAR_HDB-1");
}

BOOST_AUTO_TEST_CASE(error_keeps_clamds_words) {
  const auto p = parse_scan_reply("INSTREAM size limit exceeded. ERROR\0"sv);
  BOOST_TEST((p.what == kind::error));
  BOOST_TEST(p.error == "INSTREAM size limit exceeded.");
  const auto q = parse_scan_reply("stream: Can't allocate memory ERROR"sv);
  BOOST_TEST((q.what == kind::error));
  BOOST_TEST(q.error == "stream: Can't allocate memory");
}

BOOST_AUTO_TEST_CASE(anything_else_is_an_error_that_quotes_it) {
  for (auto r : {""sv, "\0"sv, "PONG\0"sv, "stream: FOUND"sv, "stream: maybe"sv, "garbage\x01\x02"sv}) {
    const auto p = parse_scan_reply(r);
    BOOST_TEST((p.what == kind::error), "reply: " << r);
    BOOST_TEST(!p.error.empty());
    BOOST_TEST(p.signature.empty());
  }
  BOOST_TEST(parse_scan_reply("PONG"sv).error.find("\"PONG\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(version_with_a_database) {
  const auto v = parse_version("ClamAV 1.4.6/7/Thu Dec  3 13:32:39 2026\0"sv);
  BOOST_TEST(v.ok);
  BOOST_TEST(v.engine == "ClamAV 1.4.6");
  BOOST_TEST(v.db_version == "7");
  BOOST_TEST(v.db_time == "Thu Dec  3 13:32:39 2026");
}

BOOST_AUTO_TEST_CASE(version_of_loose_signatures_has_no_database_version) {
  const auto v = parse_version("ClamAV 1.4.6\0"sv);
  BOOST_TEST(v.ok);
  BOOST_TEST(v.engine == "ClamAV 1.4.6");
  BOOST_TEST(v.db_version.empty());
}

BOOST_AUTO_TEST_CASE(version_refuses_what_is_not_one) {
  for (auto r : {""sv, "PONG\0"sv, "ClamAV 1.4.6/x7/date"sv, "ClamAV 1.4.6//date"sv, "INSTREAM ERROR"sv}) {
    const auto v = parse_version(r);
    BOOST_TEST(!v.ok, "reply: " << r);
    BOOST_TEST(!v.error.empty());
    BOOST_TEST(v.db_version.empty());
  }
}

BOOST_AUTO_TEST_SUITE_END()
