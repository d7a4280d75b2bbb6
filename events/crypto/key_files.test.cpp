#include "events/crypto/crypto_errc.hpp"
#include "events/crypto/keys.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <fstream>
#include <sstream>

using namespace storemesh::events::crypto;
using storemesh::testing::temp_dir;
namespace fs = std::filesystem;

namespace {

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  BOOST_REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& content, fs::perms perms) {
  std::ofstream(p) << content;
  fs::permissions(p, perms);
}

const std::string valid_secret_line =
    "storemesh-ed25519-secret-v1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";

} // namespace

BOOST_AUTO_TEST_SUITE(key_files)

BOOST_AUTO_TEST_CASE(keygen_writes_a_0600_private_key_and_a_0644_public_key) {
  temp_dir dir;
  const auto key = dir / "operator.key";
  BOOST_REQUIRE(write_key_pair(key).has_value());
  BOOST_TEST(mode_of(key) == 0600u);
  BOOST_TEST(mode_of(dir / "operator.key.pub") == 0644u);

  const std::string secret = read_file(key);
  BOOST_TEST(secret.rfind("storemesh-ed25519-secret-v1 ", 0) == 0u);
  BOOST_TEST(secret.size() == std::string("storemesh-ed25519-secret-v1 ").size() + 64 + 1);

  const std::string pub = read_file(dir / "operator.key.pub");
  BOOST_TEST(pub.size() == 65u);
  BOOST_TEST(pub.back() == '\n');

  auto loaded = load_key_pair(key);
  BOOST_REQUIRE(loaded.has_value());
  BOOST_TEST(loaded.value().public_key().hex() + "\n" == pub);
  // No temporary files are left behind.
  BOOST_TEST(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 2);
}

BOOST_AUTO_TEST_CASE(keygen_modes_do_not_depend_on_the_umask) {
  temp_dir dir;
  const mode_t old = ::umask(0077);
  auto r = write_key_pair(dir / "k");
  ::umask(old);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(mode_of(dir / "k") == 0600u);
  BOOST_TEST(mode_of(dir / "k.pub") == 0644u);
}

BOOST_AUTO_TEST_CASE(keygen_refuses_to_overwrite_an_existing_private_key) {
  temp_dir dir;
  const auto key = dir / "operator.key";
  BOOST_REQUIRE(write_key_pair(key).has_value());
  const std::string before = read_file(key);
  fs::remove(dir / "operator.key.pub");

  auto again = write_key_pair(key);
  BOOST_REQUIRE(!again.has_value());
  BOOST_TEST((again.error().code == crypto_errc::key_file_exists));
  BOOST_TEST(again.error().message().find("operator.key") != std::string::npos);
  BOOST_TEST(read_file(key) == before);
  BOOST_TEST(!fs::exists(dir / "operator.key.pub"));
}

BOOST_AUTO_TEST_CASE(keygen_refuses_when_only_the_public_key_exists_and_writes_nothing) {
  temp_dir dir;
  std::ofstream(dir / "k.pub") << "stale\n";
  auto r = write_key_pair(dir / "k");
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST((r.error().code == crypto_errc::key_file_exists));
  BOOST_TEST(!fs::exists(dir / "k"));
  BOOST_TEST(read_file(dir / "k.pub") == "stale\n");
}

BOOST_AUTO_TEST_CASE(load_refuses_a_private_key_readable_by_group_or_others) {
  temp_dir dir;
  const auto key = dir / "k";
  BOOST_REQUIRE(write_key_pair(key).has_value());
  using p = fs::perms;
  for (const auto perms : {p::owner_read | p::owner_write | p::group_read | p::others_read,
                           p::owner_read | p::group_read, p::owner_read | p::others_read,
                           p::owner_read | p::group_write}) {
    fs::permissions(key, perms);
    auto r = load_key_pair(key);
    BOOST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error().code == crypto_errc::key_file_permissions));
    BOOST_TEST(r.error().message().find("chmod 600") != std::string::npos);
  }
  fs::permissions(key, p::owner_read);
  BOOST_TEST(load_key_pair(key).has_value());
}

BOOST_AUTO_TEST_CASE(load_refuses_malformed_private_key_files) {
  temp_dir dir;
  const auto key = dir / "k";
  const std::string hex64 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
  for (const std::string& content : {
           std::string(),
           std::string("hello\n"),
           "storemesh-ed25519-secret-v2 " + hex64 + "\n",   // unknown version
           hex64 + "\n",                                     // no header
           "storemesh-ed25519-secret-v1 " + hex64.substr(0, 62) + "\n",  // 31 bytes
           "storemesh-ed25519-secret-v1 " + hex64 + "00\n",  // 33 bytes
           "storemesh-ed25519-secret-v1 " + hex64.substr(0, 63) + "z\n",  // not hex
           "storemesh-ed25519-secret-v1 " + hex64 + std::string(5000, '0'),  // huge
       }) {
    fs::remove(key);
    write_file(key, content, fs::perms::owner_read | fs::perms::owner_write);
    auto r = load_key_pair(key);
    BOOST_TEST_CONTEXT(content.substr(0, 40)) {
      BOOST_REQUIRE(!r.has_value());
      BOOST_TEST((r.error().code == crypto_errc::malformed_key_file));
      // The error never echoes key material.
      BOOST_TEST(r.error().message().find(hex64.substr(0, 16)) == std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(load_reads_a_key_written_by_hand_and_derives_it_from_the_seed) {
  temp_dir dir;
  write_file(dir / "k", valid_secret_line, fs::perms::owner_read | fs::perms::owner_write);
  auto loaded = load_key_pair(dir / "k");
  BOOST_REQUIRE(loaded.has_value());
  std::array<std::uint8_t, 32> seed;
  for (int i = 0; i < 32; ++i) seed[i] = static_cast<std::uint8_t>(i);
  BOOST_TEST(loaded.value().public_key() == key_pair::from_seed(seed).public_key());
}

BOOST_AUTO_TEST_CASE(load_of_a_missing_file_names_the_file) {
  temp_dir dir;
  auto r = load_key_pair(dir / "absent.key");
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST((r.error().code == std::errc::no_such_file_or_directory));
  BOOST_TEST(r.error().message().find("absent.key") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(load_or_create_creates_once_then_loads_the_same_key) {
  temp_dir dir;
  auto first = load_or_create_key_pair(dir / "daemon.key");
  BOOST_REQUIRE(first.has_value());
  BOOST_TEST(mode_of(dir / "daemon.key") == 0600u);
  auto second = load_or_create_key_pair(dir / "daemon.key");
  BOOST_REQUIRE(second.has_value());
  BOOST_TEST(first.value().public_key() == second.value().public_key());
}

BOOST_AUTO_TEST_CASE(parse_public_key_accepts_hex_or_a_pub_file) {
  temp_dir dir;
  BOOST_REQUIRE(write_key_pair(dir / "k").has_value());
  const auto expected = load_key_pair(dir / "k").value().public_key();

  auto from_file = parse_public_key((dir / "k.pub").string());
  BOOST_REQUIRE(from_file.has_value());
  BOOST_TEST(from_file.value() == expected);

  auto from_hex_text = parse_public_key(expected.hex());
  BOOST_REQUIRE(from_hex_text.has_value());
  BOOST_TEST(from_hex_text.value() == expected);
  BOOST_TEST(expected.short_id() == expected.hex().substr(0, 8));
}

BOOST_AUTO_TEST_CASE(parse_public_key_rejects_what_is_neither_hex_nor_a_pub_file) {
  temp_dir dir;
  std::ofstream(dir / "bad.pub") << "not a key\n";
  for (const std::string& text : {std::string("abcd"), std::string(64, 'z'), (dir / "missing.pub").string(),
                                  (dir / "bad.pub").string(), std::string()}) {
    auto r = parse_public_key(text);
    BOOST_TEST_CONTEXT(text) {
      BOOST_REQUIRE(!r.has_value());
      BOOST_TEST((r.error().code == crypto_errc::malformed_public_key));
    }
  }
}

BOOST_AUTO_TEST_CASE(public_key_from_bytes_requires_32_bytes) {
  BOOST_TEST(!public_key::from_bytes(std::string(31, 'x')).has_value());
  BOOST_TEST(public_key::from_bytes(std::string(32, 'x')).has_value());
}

BOOST_AUTO_TEST_CASE(generated_key_pairs_differ_and_moves_keep_the_key) {
  key_pair a = key_pair::generate();
  const key_pair b = key_pair::generate();
  BOOST_TEST(a.public_key() != b.public_key());
  const auto pk = a.public_key();
  key_pair moved = std::move(a);
  BOOST_TEST(moved.public_key() == pk);
  static_assert(!std::is_copy_constructible_v<key_pair>);
}

BOOST_AUTO_TEST_SUITE_END()
