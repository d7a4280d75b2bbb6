#include "services/migration/engine/datastore_path.hpp"

#include "services/migration/engine/engine_test_support.hpp"

#include <boost/test/unit_test.hpp>

using namespace storemesh;
using namespace storemesh::services::migration;
using namespace storemesh::services::migration::engine_testing;

namespace {

using resolver = result<fs::path> (*)(const fs::path&, std::string_view, bool);

/// Both ways of resolving must refuse the same escapes.
const std::pair<const char*, resolver> resolvers[] = {
    {"openat2", &resolve_in_datastore},
    {"realpath", &detail::resolve_by_realpath},
};

/// outside/secret, root/{file, dir/inner, link_out -> ../outside/secret,
/// dir_out -> ../outside, link_in -> dir/inner, dangling -> nowhere}.
struct tree {
  testing::temp_dir dir;
  fs::path root = dir / "root";
  fs::path outside = dir / "outside";

  tree() {
    fs::create_directories(root / "dir");
    fs::create_directories(outside);
    write_file(outside / "secret", "s");
    write_file(root / "file", "f");
    write_file(root / "dir" / "inner", "i");
    fs::create_symlink("../outside/secret", root / "link_out");
    fs::create_symlink("../outside", root / "dir_out");
    fs::create_symlink("dir/inner", root / "link_in");
    fs::create_symlink("nowhere", root / "dangling");
  }
  [[nodiscard]] fs::path real(const fs::path& p) const { return fs::canonical(p); }
};

void expect_code(const result<fs::path>& r, engine_errc code, const char* how) {
  BOOST_TEST_CONTEXT(how) {
    BOOST_REQUIRE(!r);
    require_code(r.error(), code);
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(copy_engine_datastore_path)

BOOST_AUTO_TEST_CASE(relative_paths_are_checked_syntactically) {
  for (const char* ok : {"a", "a/b.txt", ".hidden", "..a", "a..", "a/b/c"}) BOOST_TEST(check_relative_path(ok) == "");
  const std::string nul("a\0b", 3);
  const std::string too_long(4097, 'a');
  for (const std::string& bad : {std::string(), std::string("/a"), std::string(".."), std::string("."),
                                std::string("a/../b"), std::string("a/./b"), std::string("a//b"), std::string("a/"),
                                nul, too_long})
    BOOST_TEST(check_relative_path(bad) != "", "accepted " << bad.substr(0, 20));
  BOOST_TEST(check_relative_path(std::string(4096, 'a')) == "");
}

BOOST_AUTO_TEST_CASE(bad_paths_are_refused_before_touching_the_disk) {
  tree t;
  for (const auto& [how, resolve] : resolvers)
    for (const char* bad : {"../outside/secret", "/etc/passwd", "dir//inner", "dir/./inner", "dir/"})
      expect_code(resolve(t.root, bad, true), engine_errc::bad_path, how);
}

BOOST_AUTO_TEST_CASE(a_file_inside_resolves_to_its_real_path) {
  tree t;
  for (const auto& [how, resolve] : resolvers) {
    BOOST_TEST_CONTEXT(how) {
      auto r = resolve(t.root, "dir/inner", true);
      BOOST_REQUIRE(r);
      BOOST_TEST(r.value() == t.real(t.root / "dir" / "inner"));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_symlink_that_stays_inside_is_followed) {
  tree t;
  for (const auto& [how, resolve] : resolvers) {
    BOOST_TEST_CONTEXT(how) {
      auto r = resolve(t.root, "link_in", true);
      BOOST_REQUIRE(r);
      BOOST_TEST(r.value() == t.real(t.root / "dir" / "inner"));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_symlink_leading_out_of_the_root_is_refused) {
  tree t;
  for (const auto& [how, resolve] : resolvers) {
    expect_code(resolve(t.root, "link_out", true), engine_errc::path_escapes_datastore, how);
    expect_code(resolve(t.root, "dir_out/secret", true), engine_errc::path_escapes_datastore, how);
    // A destination under a directory symlinked out of the root.
    expect_code(resolve(t.root, "dir_out/new", false), engine_errc::path_escapes_datastore, how);
  }
}

BOOST_AUTO_TEST_CASE(a_missing_source_or_destination_parent_is_not_found) {
  tree t;
  for (const auto& [how, resolve] : resolvers) {
    expect_code(resolve(t.root, "nope", true), engine_errc::not_found, how);
    expect_code(resolve(t.root, "dangling", true), engine_errc::not_found, how);
    expect_code(resolve(t.root, "nodir/new", false), engine_errc::not_found, how);
    expect_code(resolve(t.root, "file/new", false), engine_errc::not_found, how);
    expect_code(resolve(t.dir / "noroot", "file", true), engine_errc::not_found, how);
  }
}

BOOST_AUTO_TEST_CASE(a_destination_needs_only_its_parent_and_its_name_is_not_followed) {
  tree t;
  for (const auto& [how, resolve] : resolvers) {
    BOOST_TEST_CONTEXT(how) {
      auto fresh = resolve(t.root, "dir/new", false);
      BOOST_REQUIRE(fresh);
      BOOST_TEST(fresh.value() == t.real(t.root / "dir") / "new");
      auto top = resolve(t.root, "new", false);
      BOOST_REQUIRE(top);
      BOOST_TEST(top.value() == t.real(t.root) / "new");
      // The final rename replaces the link itself, never what it points to.
      auto link = resolve(t.root, "link_out", false);
      BOOST_REQUIRE(link);
      BOOST_TEST(link.value() == t.real(t.root) / "link_out");
    }
  }
}

BOOST_AUTO_TEST_CASE(a_root_reached_through_a_symlink_works) {
  tree t;
  fs::create_symlink(t.root, t.dir / "root_link");
  for (const auto& [how, resolve] : resolvers) {
    BOOST_TEST_CONTEXT(how) {
      auto r = resolve(t.dir / "root_link", "file", true);
      BOOST_REQUIRE(r);
      BOOST_TEST(r.value() == t.real(t.root / "file"));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
