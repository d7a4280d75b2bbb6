// file_luns on a real directory: sparse LUN files, snapshots and replicas
// that are byte-identical copies, metadata that survives a reopen.

#include "actors/agents/storage_system/storage_fixture.test.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace storemesh::actors::storage_system;
using namespace storemesh::actors::storage_system::testing;
namespace cp = storemesh::services::control_path;

namespace {

void write_at(const std::string& path, off_t at, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY);
  BOOST_REQUIRE(fd >= 0);
  BOOST_REQUIRE(::pwrite(fd, text.data(), text.size(), at) == static_cast<ssize_t>(text.size()));
  ::close(fd);
}

} // namespace

BOOST_AUTO_TEST_CASE(lun_specs_parse_with_suffixes_and_refuse_garbage) {
  BOOST_TEST(parse_lun_spec("0:64M").value().size_bytes == 64u << 20);
  BOOST_TEST(parse_lun_spec("12:4096").value().lun == 12u);
  for (const char* bad : {"", "0", ":1M", "0:", "x:1M", "0:1X", "0:100", "20000:1M", "0:0"}) BOOST_TEST(!parse_lun_spec(bad), bad);
}

BOOST_AUTO_TEST_CASE(luns_are_sparse_files_and_existing_ones_keep_their_size) {
  temp_dir d;
  auto luns = file_luns::open(d / "l", {{0, 1 << 30}, {3, 4096}}).value();
  BOOST_TEST(luns->luns() == (std::vector<std::uint64_t>{0, 3}));
  BOOST_TEST(luns->size_bytes(0).value() == 1u << 30);
  struct stat st {};
  BOOST_REQUIRE(::stat(luns->lun_path(0).c_str(), &st) == 0);
  BOOST_TEST(st.st_blocks * 512 < (1 << 20));  // sparse: a GiB that takes no space
  auto again = file_luns::open(d / "l", {{0, 8192}}).value();
  BOOST_TEST(again->size_bytes(0).value() == 1u << 30);
  BOOST_TEST(again->size_bytes(9).error().code == make_error_code(cp::lun_errc::no_such_lun));
}

BOOST_AUTO_TEST_CASE(a_snapshot_is_a_byte_identical_copy_frozen_at_its_time) {
  temp_dir d;
  auto luns = file_luns::open(d / "l", {{0, 1 << 20}}).value();
  write_at(luns->lun_path(0), 4096, "before");
  BOOST_REQUIRE(luns->snapshot_create(0, "s1"));
  write_at(luns->lun_path(0), 4096, "after!");
  const auto snap = read_text(luns->snapshot_path(0, "s1"));
  BOOST_TEST(snap.size() == 1u << 20);
  BOOST_TEST(snap.substr(4096, 6) == "before");
  BOOST_TEST(luns->snapshot_create(0, "s1").error().code == make_error_code(cp::lun_errc::snapshot_exists));
  BOOST_TEST(luns->snapshot_create(0, "../x").error().code == make_error_code(cp::lun_errc::bad_name));
  BOOST_TEST(luns->snapshot_list(0).value().at(0).size_bytes == 1u << 20);
}

BOOST_AUTO_TEST_CASE(snapshots_and_replication_survive_a_reopen) {
  temp_dir d;
  {
    auto luns = file_luns::open(d / "l", {{0, 65536}}).value();
    BOOST_REQUIRE(luns->snapshot_create(0, "a"));
    BOOST_REQUIRE(luns->snapshot_create(0, "b"));
    BOOST_REQUIRE(luns->snapshot_delete(0, "a"));
    write_at(luns->lun_path(0), 0, "replicated");
    const auto r = luns->replication_start(0, "dr-site").value();
    BOOST_TEST(r.bytes_copied == 65536u);
    BOOST_TEST(read_text(luns->replica_path(0, "dr-site")) == read_text(luns->lun_path(0)));
    BOOST_TEST(luns->replication_start(0, "dr-site").error().code == make_error_code(cp::lun_errc::replication_active));
  }
  auto luns = file_luns::open(d / "l", {}).value();
  const auto list = luns->snapshot_list(0).value();
  BOOST_REQUIRE_EQUAL(list.size(), 1u);
  BOOST_TEST(list[0].name == "b");
  BOOST_TEST(!fs::exists(luns->snapshot_path(0, "a")));
  BOOST_TEST((luns->replication_status(0).value().state == cp::replication_state::active));
  BOOST_REQUIRE(luns->replication_stop(0));
  BOOST_TEST(luns->replication_stop(0).error().code == make_error_code(cp::lun_errc::replication_not_active));
  auto reopened = file_luns::open(d / "l", {}).value();
  BOOST_TEST((reopened->replication_status(0).value().state == cp::replication_state::stopped));
  BOOST_TEST(reopened->replication_status(0).value().target == "dr-site");
}

BOOST_AUTO_TEST_CASE(a_corrupt_metadata_file_is_an_error_not_silence) {
  temp_dir d;
  { auto luns = file_luns::open(d / "l", {{0, 4096}}).value(); }
  std::ofstream(d / "l/lun0.meta") << "storemesh-lun-meta 1\nsnapshot Bad..Name 1 2\n";
  const auto r = file_luns::open(d / "l", {});
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().detail.find("line 2") != std::string::npos, r.error().detail);
}

BOOST_AUTO_TEST_CASE(the_snapshot_limit_holds) {
  temp_dir d;
  auto luns = file_luns::open(d / "l", {{0, 4096}}, 2).value();
  BOOST_REQUIRE(luns->snapshot_create(0, "a"));
  BOOST_REQUIRE(luns->snapshot_create(0, "b"));
  BOOST_TEST(luns->snapshot_create(0, "c").error().code == make_error_code(cp::lun_errc::too_many_snapshots));
}
