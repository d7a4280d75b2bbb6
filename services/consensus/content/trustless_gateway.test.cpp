#include "services/consensus/content/content_errc.hpp"
#include "services/consensus/content/trustless_gateway.hpp"

#include <boost/test/unit_test.hpp>

#include <map>

using namespace storemesh;
using namespace storemesh::services::consensus;

namespace {

struct fixture {
  std::map<cid, std::string> blocks;
  bool broken = false;
  cid stored = add("a block");

  cid add(const std::string& bytes) {
    const auto id = cid::of(codec_raw, bytes);
    blocks[id] = bytes;
    return id;
  }
  gateway_response get(std::string_view method, const std::string& target,
                       std::optional<std::string_view> accept = media_type_raw) {
    return handle_gateway_request({method, target, accept}, [this](const cid& id) -> result<std::string> {
      if (broken) return make_error(content_errc::io_error, "disk");
      const auto it = blocks.find(id);
      if (it == blocks.end()) return make_error(content_errc::not_found, id.to_string());
      return it->second;
    });
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(content_trustless_gateway, fixture)

BOOST_AUTO_TEST_CASE(a_stored_block_is_served_raw_with_the_specs_headers) {
  const auto text = stored.to_string();
  const auto r = get("GET", "/ipfs/" + text);
  BOOST_TEST(r.status == 200u);
  BOOST_TEST(r.body == "a block");
  BOOST_TEST(*r.header("Content-Type") == "application/vnd.ipld.raw");
  BOOST_TEST(*r.header("X-Content-Type-Options") == "nosniff");
  BOOST_TEST(*r.header("Content-Length") == "7");
  BOOST_TEST(*r.header("Content-Disposition") == "attachment; filename=\"" + text + ".bin\"");
  BOOST_TEST(*r.header("Etag") == "\"" + text + ".raw\"");
  BOOST_TEST(bool(verify_block(stored, r.body)));
}

BOOST_AUTO_TEST_CASE(format_raw_serves_the_block_whatever_the_accept_header_says) {
  const auto target = "/ipfs/" + stored.to_string() + "?format=raw";
  for (const auto accept : {std::optional<std::string_view>{}, std::optional<std::string_view>{"text/html"}})
    BOOST_TEST(get("GET", target, accept).body == "a block");
  BOOST_TEST(get("GET", "/ipfs/" + stored.to_string() + "?filename=x&format=raw", std::nullopt).status == 200u);
}

BOOST_AUTO_TEST_CASE(head_answers_like_get_without_a_body) {
  const auto r = get("HEAD", "/ipfs/" + stored.to_string());
  BOOST_TEST(r.status == 200u);
  BOOST_TEST(r.body.empty());
  BOOST_TEST(*r.header("Content-Length") == "7");
  BOOST_TEST(get("HEAD", "/ipfs/" + cid::of(codec_raw, "absent").to_string()).status == 404u);
}

BOOST_AUTO_TEST_CASE(accept_lists_are_negotiated_with_their_q_values) {
  BOOST_TEST(accepts_raw("application/vnd.ipld.raw"));
  BOOST_TEST(accepts_raw("text/html, application/vnd.ipld.raw;q=0.5"));
  BOOST_TEST(accepts_raw("APPLICATION/VND.IPLD.RAW"));
  BOOST_TEST(accepts_raw("*/*"));
  BOOST_TEST(accepts_raw("application/*;q=0.1"));
  BOOST_TEST(!accepts_raw("application/vnd.ipld.raw;q=0"));
  BOOST_TEST(!accepts_raw("application/vnd.ipld.raw;q=0.000"));
  BOOST_TEST(!accepts_raw("application/vnd.ipld.car"));
  BOOST_TEST(!accepts_raw("text/html"));
  BOOST_TEST(!accepts_raw(""));
}

BOOST_AUTO_TEST_CASE(each_request_it_cannot_serve_gets_its_status) {
  const auto text = stored.to_string();
  const std::pair<gateway_response, unsigned> cases[] = {
      {get("GET", "/ipfs/bafkreinotacid"), 400},
      {get("GET", "/ipfs/QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR"), 400},
      {get("GET", "/ipfs/"), 400},
      {get("GET", "/ipfs/" + text + "/sub/path"), 400},
      {get("GET", "/ipfs/" + text, std::nullopt), 400},
      {get("GET", "/ipfs/" + text + "?format=dag-json"), 400},
      {get("GET", "/ipfs/" + text, "application/vnd.ipld.car"), 406},
      {get("GET", "/ipfs/" + text, "text/html"), 406},
      {get("GET", "/ipfs/" + text + "?format=car"), 406},
      {get("GET", "/ipfs/" + cid::of(codec_raw, "absent").to_string()), 404},
      {get("GET", "/ipns/example.com"), 404},
      {get("GET", "/"), 404},
      {get("POST", "/ipfs/" + text), 405},
      {get("DELETE", "/ipfs/" + text), 405},
  };
  for (const auto& [r, status] : cases) {
    BOOST_TEST(r.status == status, r.body);
    BOOST_TEST(*r.header("Content-Type") == "text/plain; charset=utf-8");
    BOOST_TEST(*r.header("Content-Length") == std::to_string(r.body.size()));
  }
  BOOST_TEST(*get("PUT", "/ipfs/" + text).header("Allow") == "GET, HEAD");
  BOOST_TEST(get("GET", "/ipfs/bafkreinotacid").body.find("bad CID") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_failing_store_is_a_500_and_the_probe_path_answers_empty) {
  broken = true;
  BOOST_TEST(get("GET", "/ipfs/" + stored.to_string()).status == 500u);
  const auto probe = get("GET", "/ipfs/bafkqaaa?format=raw");
  BOOST_TEST(probe.status == 200u);
  BOOST_TEST(probe.body.empty());
}

BOOST_AUTO_TEST_SUITE_END()
