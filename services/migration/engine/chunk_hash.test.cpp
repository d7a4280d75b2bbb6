#include "services/migration/engine/chunk_hash.hpp"

#include "services/migration/engine/engine_test_support.hpp"
#include "services/migration/engine/file_io.hpp"

#include <boost/test/unit_test.hpp>

#include <cerrno>

using namespace storemesh;
using namespace storemesh::services::migration;
using namespace storemesh::services::migration::engine_testing;

BOOST_AUTO_TEST_SUITE(copy_engine_chunk_hash)

BOOST_AUTO_TEST_CASE(sha256_matches_the_fips_180_vectors) {
  BOOST_TEST(to_hex(sha256("abc", 3)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(to_hex(sha256("", 0)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

BOOST_AUTO_TEST_CASE(a_chunk_hashed_in_pieces_has_the_one_shot_hash_and_the_stream_is_reusable) {
  const std::string bytes = random_bytes(100'003, 1);
  sha256_stream s;
  for (int round = 0; round < 2; ++round) {
    for (std::size_t at = 0; at < bytes.size(); at += 4099) s.update(bytes.data() + at, std::min<std::size_t>(4099, bytes.size() - at));
    BOOST_TEST(s.finish() == sha256(bytes.data(), bytes.size()));
  }
}

BOOST_AUTO_TEST_CASE(the_job_digest_is_the_hash_over_the_chunk_hashes_in_order) {
  const std::vector<chunk_hash> hashes{sha256("a", 1), sha256("b", 1), sha256("c", 1)};
  std::string concatenated;
  for (const auto& h : hashes) concatenated.append(reinterpret_cast<const char*>(h.data()), h.size());
  BOOST_TEST(job_digest(hashes) == sha256(concatenated.data(), concatenated.size()));
  const std::vector<chunk_hash> swapped{hashes[1], hashes[0], hashes[2]};
  BOOST_TEST(job_digest(swapped) != job_digest(hashes));
  BOOST_TEST(job_digest({}) == sha256("", 0));
}

BOOST_AUTO_TEST_CASE(engine_errors_have_their_category_and_a_full_disk_is_disk_full) {
  BOOST_TEST(std::string(engine_category().name()) == "copy engine");
  BOOST_TEST(make_error(engine_errc::verification_failed, "x").message() ==
             "copy engine: destination does not match the source: x");
  for (const int full : {ENOSPC, EDQUOT, EFBIG})
    BOOST_TEST(engine_detail::io_failure(full, "pwrite", "/f").code == make_error_code(engine_errc::disk_full));
  BOOST_TEST(engine_detail::io_failure(EIO, "pwrite", "/f").code == make_error_code(engine_errc::io_error));
  BOOST_TEST(engine_detail::io_failure(ENOENT, "open", "/f").code == make_error_code(engine_errc::not_found));
}

BOOST_AUTO_TEST_SUITE_END()
