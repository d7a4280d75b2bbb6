// An edge's slice store on a real directory.

#include "actors/agents/edge_unit/slice_store.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using storemesh::agents::edge_unit::slice_store;
namespace fs = std::filesystem;

namespace {
struct scratch {
  fs::path dir;
  scratch() {
    char t[] = "/tmp/slice_store.XXXXXX";
    dir = ::mkdtemp(t);
  }
  ~scratch() { fs::remove_all(dir); }
};
} // namespace

BOOST_AUTO_TEST_SUITE(slice_store_files)

BOOST_AUTO_TEST_CASE(a_slice_put_is_held_whole_and_read_back) {
  scratch s;
  auto store = slice_store::open(s.dir / "e1").value();
  const std::string bytes(300000, 'q');
  BOOST_REQUIRE(store.put("film.0.1", bytes));
  BOOST_TEST(store.has("film.0.1"));
  BOOST_TEST(store.get("film.0.1").value() == bytes);
  BOOST_TEST(store.used().slices == 1u);
  BOOST_TEST(store.used().bytes == bytes.size());
  BOOST_REQUIRE(store.put("film.0.1", "shorter"));  // the same slice again replaces it whole
  BOOST_TEST(store.get("film.0.1").value() == "shorter");
  store.remove("film.0.1");
  BOOST_TEST(!store.has("film.0.1"));
  BOOST_TEST(!store.get("film.0.1"));
}

BOOST_AUTO_TEST_CASE(a_crash_s_temporaries_are_removed_at_open_and_never_counted) {
  scratch s;
  fs::create_directories(s.dir);
  std::ofstream(s.dir / "film.1.0.123-0.incoming") << "torn";
  std::ofstream(s.dir / "film.1.1") << "whole";
  auto store = slice_store::open(s.dir).value();
  BOOST_TEST(!fs::exists(s.dir / "film.1.0.123-0.incoming"));
  BOOST_TEST(store.names() == std::vector<std::string>{"film.1.1"});
}

BOOST_AUTO_TEST_SUITE_END()
