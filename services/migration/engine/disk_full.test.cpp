// A copy onto a full disk fails with disk_full, and discard() leaves nothing
// behind. Two ways to fill it for real: a 1 MiB tmpfs (needs the right to
// mount; skipped otherwise), and a file size limit (RLIMIT_FSIZE: the write
// fails with EFBIG, which the engine counts as disk_full too).
#include "services/migration/engine/copy_engine.hpp"

#include "services/migration/engine/engine_test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/resource.h>

#include <csignal>

using namespace storemesh;
using namespace storemesh::services::migration;
using namespace storemesh::services::migration::engine_testing;

namespace {

constexpr std::uint64_t chunk = 256 * KiB;
constexpr std::uint64_t MiB = 1024 * KiB;

/// Copies a 3 MiB source into `into`, expects disk_full, discards.
void expect_disk_full_then_clean(const fs::path& dir, const fs::path& into) {
  auto s = make_spec(dir, random_bytes(3 * MiB, 1), chunk);
  s.temp = into / "big.part";
  s.destination = into / "big";
  const std::atomic<bool> never{false};
  recorder rec;
  auto r = copy_range(s, 0, never, rec.callback());
  BOOST_REQUIRE(!r);
  require_code(r.error(), engine_errc::disk_full);
  BOOST_TEST(fs::exists(s.temp));
  discard(s);
  BOOST_TEST(!fs::exists(s.temp));
  BOOST_TEST(!fs::exists(s.destination));
}

} // namespace

BOOST_AUTO_TEST_SUITE(copy_engine_disk_full)

BOOST_AUTO_TEST_CASE(a_full_tmpfs_fails_the_copy_with_disk_full_and_discard_leaves_nothing) {
  testing::temp_dir dir;
  tmpfs_mount mnt(dir / "mnt", "1m");
  if (!mnt.mounted()) {
    BOOST_TEST_MESSAGE("skipped: cannot mount a tmpfs here (" << mnt.error()
                                                               << "); the RLIMIT_FSIZE case covers the same path");
    return;
  }
  expect_disk_full_then_clean(dir.path(), dir / "mnt");
}

BOOST_AUTO_TEST_CASE(a_file_size_limit_fails_the_copy_with_disk_full_and_discard_leaves_nothing) {
  testing::temp_dir dir;
  fs::create_directories(dir / "out");
  auto s = make_spec(dir.path(), random_bytes(3 * MiB, 2), chunk);  // written before the limit
  rlimit old{};
  BOOST_REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit limited = old;
  limited.rlim_cur = 1 * MiB;
  BOOST_REQUIRE(::setrlimit(RLIMIT_FSIZE, &limited) == 0);
  s.temp = dir / "out" / "big.part";
  s.destination = dir / "out" / "big";
  const std::atomic<bool> never{false};
  recorder rec;
  auto r = copy_range(s, 0, never, rec.callback());
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  BOOST_REQUIRE(!r);
  require_code(r.error(), engine_errc::disk_full);
  discard(s);
  BOOST_TEST(!fs::exists(s.temp));
  BOOST_TEST(!fs::exists(s.destination));
}

BOOST_AUTO_TEST_SUITE_END()
