// A failed append leaves nothing of its batch visible. Two ways to make the
// write fail for real: a full file system (a 1 MiB tmpfs; needs the right to
// mount, skipped otherwise), and a file size limit (RLIMIT_FSIZE: the write
// fails with EFBIG part-way, which takes the same path).

#include "events/file_log/test_support.hpp"
#include "events/log_errc.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/tmpfs_mount.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/resource.h>

#include <cerrno>
#include <csignal>
#include <cstring>

using namespace storemesh;
using namespace storemesh::events;
using namespace storemesh::events::file_log_testing;

namespace {

const partition_id p0{0};

using testing::tmpfs_mount;

} // namespace

BOOST_AUTO_TEST_SUITE(file_log_disk_full)

BOOST_AUTO_TEST_CASE(a_full_disk_fails_the_append_with_disk_full_and_leaves_nothing_of_it) {
  testing::temp_dir dir;
  tmpfs_mount mnt(dir / "mnt", "1m");
  if (!mnt.mounted()) {
    BOOST_TEST_MESSAGE("skipped: cannot mount a tmpfs here (" << mnt.error()
                                                               << "); the RLIMIT_FSIZE case covers the same path");
    return;
  }
  auto opts = test_options(dir / "mnt" / "log");
  opts.sync = fsync_policy::always;
  write_file(dir / "mnt" / "ballast", std::string(200 * 1024, 'b')); // freed later, to make room
  auto log = open_log(opts);
  BOOST_REQUIRE(log->create_topic("t", 1));
  const auto seg = segment_of(opts.root, "t", 0, 0);

  std::vector<record> appended;
  result<offset> r = offset{0};
  std::uintmax_t size_before = 0;
  for (int b = 0; b < 100; ++b) {
    size_before = fs::exists(seg) ? fs::file_size(seg) : 0;
    const auto batch = make_batch("b" + std::to_string(b), 2, 30 * 1024);
    r = log->append("t", p0, batch);
    if (!r)
      break;
    BOOST_TEST(r.value().value == static_cast<std::int64_t>(appended.size()));
    appended.insert(appended.end(), batch.begin(), batch.end());
  }
  BOOST_REQUIRE(!r);
  BOOST_TEST_MESSAGE("after " << appended.size() << " records: " << r.error().message());
  BOOST_TEST(r.error().code == make_error_code(log_errc::disk_full));
  BOOST_TEST(fs::file_size(seg) == size_before);
  BOOST_TEST(end_of(*log, "t", p0).value == static_cast<std::int64_t>(appended.size()));
  check_records(read_all(*log, "t", p0), appended);

  fs::remove(dir / "mnt" / "ballast");
  BOOST_TEST(append_ok(*log, "t", p0, make_batch("after", 2, 30 * 1024)).value ==
             static_cast<std::int64_t>(appended.size()));
  log.reset();
  auto reopened = open_log(opts);
  BOOST_TEST(read_all(*reopened, "t", p0).size() == appended.size() + 2);
}

BOOST_AUTO_TEST_CASE(a_write_failing_part_way_is_cut_back_and_appends_continue) {
  testing::temp_dir dir;
  auto log = open_log(test_options(dir.path()));
  BOOST_REQUIRE(log->create_topic("t", 1));
  append_ok(*log, "t", p0, make_batch("a", 3));
  const auto seg = segment_of(dir.path(), "t", 0, 0);
  const auto bytes_before = file_bytes(seg);

  // Let the batch's first 1000 bytes in, then fail the write (EFBIG).
  rlimit old{};
  BOOST_REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit limited = old;
  limited.rlim_cur = bytes_before.size() + 1000;
  BOOST_REQUIRE(::setrlimit(RLIMIT_FSIZE, &limited) == 0);
  auto failed = log->append("t", p0, make_batch("big", 4, 2000));
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);

  BOOST_REQUIRE(!failed);
  BOOST_TEST_MESSAGE(failed.error().message());
  BOOST_TEST(failed.error().code == make_error_code(log_errc::io_error));
  BOOST_TEST(failed.error().detail.find(seg.string()) != std::string::npos);
  BOOST_TEST(file_bytes(seg) == bytes_before);
  BOOST_TEST(end_of(*log, "t", p0).value == 3);
  BOOST_TEST(append_ok(*log, "t", p0, make_batch("b", 2)).value == 3);
  BOOST_TEST(read_all(*log, "t", p0).size() == 5u);
}

BOOST_AUTO_TEST_SUITE_END()
