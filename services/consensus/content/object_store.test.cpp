#include "services/consensus/content/content_errc.hpp"
#include "services/consensus/content/object_store.hpp"
#include "services/consensus/content/unixfs_file.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <random>
#include <thread>

using namespace storemesh;
using namespace storemesh::services::consensus;
namespace fs = std::filesystem;

namespace {

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::size_t files_in(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

} // namespace

BOOST_AUTO_TEST_SUITE(content_object_store)

BOOST_AUTO_TEST_CASE(a_block_put_is_got_back_under_its_cid_as_one_file_named_by_it) {
  testing::temp_dir dir;
  const auto store = object_store::open(dir / "blocks").value();
  const auto id = store.put("topology v1").value();
  BOOST_TEST(id == cid::of(codec_raw, "topology v1"));
  BOOST_TEST(store.has(id));
  BOOST_TEST(store.get(id).value() == "topology v1");
  BOOST_TEST(fs::is_regular_file(dir / "blocks" / id.to_string()));
  BOOST_TEST(store.put("topology v1").value() == id);  // again: nothing new
  BOOST_TEST(files_in(dir / "blocks") == 1u);
  const auto other = cid::of(codec_raw, "never stored");
  BOOST_TEST(!store.has(other));
  BOOST_TEST(store.get(other).error().code == make_error_code(content_errc::not_found));
}

BOOST_AUTO_TEST_CASE(put_verified_refuses_bytes_that_do_not_hash_to_the_cid_and_writes_nothing) {
  testing::temp_dir dir;
  const auto store = object_store::open(dir.path()).value();
  const auto id = cid::of(codec_raw, "the real bytes");
  const auto r = store.put_verified(id, "forged bytes");
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().code == make_error_code(content_errc::hash_mismatch));
  BOOST_TEST(!store.has(id));
  BOOST_TEST(files_in(dir.path()) == 0u);
  BOOST_TEST(bool(store.put_verified(id, "the real bytes")));
  BOOST_TEST(store.get(id).value() == "the real bytes");
  const std::string huge(max_block_size + 1, 'x');
  BOOST_TEST(store.put(huge).error().code == make_error_code(content_errc::block_too_large));
  BOOST_TEST(store.put_verified(cid::of(codec_raw, huge), huge).error().code == make_error_code(content_errc::block_too_large));
}

BOOST_AUTO_TEST_CASE(a_block_altered_on_disk_is_refused_when_read) {
  testing::temp_dir dir;
  const auto store = object_store::open(dir.path()).value();
  const auto id = store.put("intact").value();
  std::ofstream(store.path_of(id), std::ios::binary | std::ios::trunc) << "altered";
  BOOST_TEST(store.has(id));
  BOOST_TEST(store.get(id).error().code == make_error_code(content_errc::hash_mismatch));
  BOOST_TEST(store.put("intact").value() == id);  // putting it again repairs it
  BOOST_TEST(store.get(id).value() == "intact");
}

BOOST_AUTO_TEST_CASE(add_file_stores_every_block_and_read_file_reassembles_the_bytes) {
  testing::temp_dir dir;
  const auto store = object_store::open(dir / "store").value();
  for (const std::size_t n : {std::size_t{0}, std::size_t{5}, unixfs_chunk_size, 3 * unixfs_chunk_size + 11}) {
    const auto bytes = random_bytes(n, static_cast<unsigned>(n));
    const auto file = dir / ("f" + std::to_string(n));
    std::ofstream(file, std::ios::binary) << bytes;
    const auto root = store.add_file(file).value();
    BOOST_TEST(root == file_cid(file).value());
    BOOST_TEST(store.read_file(root).value() == bytes);
  }
  // 4 leaves + 1 node for the last file, plus the three single-block files.
  BOOST_TEST(files_in(dir / "store") == 8u);
}

BOOST_AUTO_TEST_CASE(read_file_fails_on_a_missing_block_and_on_one_altered) {
  testing::temp_dir dir;
  const auto store = object_store::open(dir / "store").value();
  const auto bytes = random_bytes(2 * unixfs_chunk_size + 1, 9);
  const auto file = dir / "f";
  std::ofstream(file, std::ios::binary) << bytes;
  const auto root = store.add_file(file).value();
  const auto last_leaf = cid::of(codec_raw, bytes.substr(2 * unixfs_chunk_size));
  std::ofstream(store.path_of(last_leaf), std::ios::binary | std::ios::trunc) << "?";
  BOOST_TEST(store.read_file(root).error().code == make_error_code(content_errc::hash_mismatch));
  fs::remove(store.path_of(last_leaf));
  BOOST_TEST(store.read_file(root).error().code == make_error_code(content_errc::not_found));
}

BOOST_AUTO_TEST_CASE(concurrent_writers_of_the_same_blocks_leave_whole_blocks_and_no_temp_files) {
  testing::temp_dir dir;
  const auto store = object_store::open(dir.path(), {/*durable=*/false}).value();
  std::vector<std::string> blocks;
  for (unsigned i = 0; i < 50; ++i) blocks.push_back(random_bytes(1000 + i, i));
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t)
    writers.emplace_back([&] {
      for (const auto& b : blocks) BOOST_REQUIRE(bool(store.put(b)));
    });
  for (auto& w : writers) w.join();
  BOOST_TEST(files_in(dir.path()) == blocks.size());
  for (const auto& b : blocks) BOOST_TEST(store.get(cid::of(codec_raw, b)).value() == b);
}

BOOST_AUTO_TEST_CASE(a_store_cannot_be_opened_on_a_file) {
  testing::temp_dir dir;
  std::ofstream(dir / "file") << "x";
  BOOST_TEST(object_store::open(dir / "file").error().code == make_error_code(content_errc::io_error));
}

BOOST_AUTO_TEST_SUITE_END()
