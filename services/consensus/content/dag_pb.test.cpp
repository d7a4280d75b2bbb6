#include "services/consensus/content/content_errc.hpp"
#include "services/consensus/content/dag_pb.hpp"

#include <boost/test/unit_test.hpp>

using namespace storemesh;
using namespace storemesh::services::consensus;

BOOST_AUTO_TEST_SUITE(content_dag_pb)

BOOST_AUTO_TEST_CASE(a_file_node_is_encoded_links_first_with_an_empty_name_and_unpacked_blocksizes) {
  const auto a = cid::of(codec_raw, "a"), b = cid::of(codec_raw, "bb");
  pb_node node{{{a, "", 1}, {b, "", 300}}, encode_unixfs_file(301, {1, 300})};
  const auto bytes = encode_pb_node(node);
  // UnixFS Data: Type=File, filesize 301, blocksizes 1 and 300, one key each.
  BOOST_TEST(*node.data == std::string("\x08\x02\x18\xad\x02\x20\x01\x20\xac\x02", 10));
  // PBLink: 0a 24 <cid> 12 00 18 <tsize>, inside PBNode field 2 (0x12).
  const std::string link_a = std::string("\x12\x2a\x0a\x24", 4) + a.to_bytes() + std::string("\x12\x00\x18\x01", 4);
  BOOST_TEST(bytes.substr(0, link_a.size()) == link_a);
  BOOST_TEST(bytes.substr(bytes.size() - node.data->size() - 2) == "\x0a\x0a" + *node.data);
  const auto back = decode_pb_node(bytes).value();
  BOOST_REQUIRE(back.links.size() == 2u);
  BOOST_TEST(back.links[1].hash == b);
  BOOST_TEST(back.links[1].tsize == 300u);
  BOOST_TEST(back.links[0].name.empty());
  BOOST_TEST(*back.data == *node.data);
  const auto fs = decode_unixfs(*back.data).value();
  BOOST_TEST(static_cast<int>(fs.type) == static_cast<int>(unixfs_type::file));
  BOOST_TEST(*fs.filesize == 301u);
  BOOST_TEST((fs.blocksizes == std::vector<std::uint64_t>{1, 300}));
  BOOST_TEST(!fs.data);
}

BOOST_AUTO_TEST_CASE(a_node_without_data_or_links_encodes_to_nothing_and_data_first_also_decodes) {
  BOOST_TEST(encode_pb_node({}).empty());
  BOOST_TEST(decode_pb_node("").value().links.empty());
  const auto a = cid::of(codec_raw, "a");
  pb_node node{{{a, "name", 7}}, std::string("d")};
  const auto links_first = encode_pb_node(node);
  const std::string data_field = "\x0a\x01" "d";
  const auto data_first = data_field + links_first.substr(0, links_first.size() - data_field.size());
  const auto back = decode_pb_node(data_first).value();
  BOOST_TEST(back.links.at(0).name == "name");
  BOOST_TEST(*back.data == "d");
}

BOOST_AUTO_TEST_CASE(packed_blocksizes_and_optional_unixfs_fields_are_read) {
  // Type=File, Data "xy", filesize 5, packed blocksizes {2,3}... as another encoder may write.
  const std::string fs_bytes("\x08\x02\x12\x02xy\x18\x05\x22\x02\x02\x03\x28\x00\x30\x00\x38\xa4\x03\x42\x02\x08\x01", 23);
  const auto fs = decode_unixfs(fs_bytes).value();
  BOOST_TEST(*fs.data == "xy");
  BOOST_TEST((fs.blocksizes == std::vector<std::uint64_t>{2, 3}));
}

BOOST_AUTO_TEST_CASE(every_truncation_of_a_node_is_refused_or_decodes_to_less) {
  const auto a = cid::of(codec_raw, "a");
  pb_node node{{{a, "", 1}, {a, "", 1}}, encode_unixfs_file(2, {1, 1})};
  const auto bytes = encode_pb_node(node);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const auto r = decode_pb_node(bytes.substr(0, n));
    // A cut between two whole fields is a valid (smaller) node; anything else is refused.
    if (r) BOOST_TEST(encode_pb_node(r.value()) == bytes.substr(0, n));
    else BOOST_TEST(r.error().code == make_error_code(content_errc::bad_dag_pb));
  }
}

BOOST_AUTO_TEST_CASE(hostile_nodes_are_refused_with_bad_dag_pb) {
  const auto a = cid::of(codec_raw, "a").to_bytes();
  const std::string cases[] = {
      std::string("\x1a\x00", 2),                                       // field 3
      std::string("\x08\x01", 2),                                       // Data as a varint
      std::string("\x0a\x00\x0a\x00", 4),                               // Data twice
      std::string("\x12\x02\x18\x01", 4),                               // link without Hash
      std::string("\x12\x04\x0a\x02xy", 6),                             // link Hash not a CID
      "\x12\x28\x0a\x24" + a + std::string("\x0a\x00", 2),              // Hash twice
      "\x12\x28\x0a\x24" + a + std::string("\x22\x00", 2),              // link field 4
      std::string("\x12\xff\xff\xff\xff\x0f", 6),                       // length past the end
      std::string("\x0d\x00\x00\x00\x00", 5),                           // wire type 5
  };
  for (const auto& bytes : cases) {
    const auto r = decode_pb_node(bytes);
    BOOST_REQUIRE(!r);
    BOOST_TEST(r.error().code == make_error_code(content_errc::bad_dag_pb), r.error().message());
  }
}

BOOST_AUTO_TEST_CASE(bad_unixfs_data_is_refused_with_bad_unixfs) {
  for (const auto& bytes : {std::string(), std::string("\x18\x01", 2), std::string("\x08\x09", 2),
                            std::string("\x08\x02\x08\x02", 4), std::string("\x08\x02\x48\x00", 4),
                            std::string("\x08\x02\x22\x01\x80", 5)}) {
    const auto r = decode_unixfs(bytes);
    BOOST_REQUIRE(!r);
    BOOST_TEST(r.error().code == make_error_code(content_errc::bad_unixfs));
  }
}

BOOST_AUTO_TEST_SUITE_END()
