// The protection decision table (protection.hpp): every row reached, every
// precedence between rows, every refusal of the checks, and the file table.
#include "services/access/protection.hpp"

#include <boost/test/unit_test.hpp>
#include <sodium.h>

#include <array>
#include <cstdio>

using namespace storemesh::services::access;

namespace {

const std::string session_id = "srv1:0123456789abcdef";

std::string hex(const unsigned char* p, std::size_t n) {
  std::string out;
  char buf[3];
  for (std::size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", p[i]);
    out += buf;
  }
  return out;
}

/// A client's key pair from a fixed seed, and its proof for a session.
struct client_key {
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> pk{};
  std::array<unsigned char, crypto_sign_SECRETKEYBYTES> sk{};
  explicit client_key(unsigned char n) {
    BOOST_REQUIRE(sodium_init() >= 0);
    std::array<unsigned char, crypto_sign_SEEDBYTES> seed{};
    seed.fill(n);
    crypto_sign_seed_keypair(pk.data(), sk.data(), seed.data());
  }
  std::string public_hex() const { return hex(pk.data(), pk.size()); }
  std::string proof(const std::string& session) const {
    const auto msg = session_proof_message(session);
    std::array<unsigned char, crypto_sign_BYTES> sig{};
    crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                         sk.data());
    return hex(sig.data(), sig.size());
  }
};

const client_key alice(1), mallory(2);

policy base() {
  policy p;
  p.max_signature_age_h = 24;
  p.trusted_networks = {"10.0.0.0/8", "fd00:1::/32"};
  p.known_keys = {alice.public_hex()};
  return p;
}

/// A client the table trusts: active, fresh antivirus, from a trusted network.
attributes trusted() { return {{"av", "active"}, {"av.age_h", "3"}, {"addr", "10.0.0.7"}}; }

attributes with(attributes a, const std::string& k, const std::string& v) {
  a[k] = v;
  return a;
}
attributes without(attributes a, const std::string& k) {
  a.erase(k);
  return a;
}

void expect(const protection& p, bool scan, const std::string& rule) {
  BOOST_TEST_CONTEXT(p.reason) {
    BOOST_TEST(p.scan == scan);
    BOOST_TEST(p.rule == rule);
    BOOST_TEST(!p.reason.empty());
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(protection_session_table)

BOOST_AUTO_TEST_CASE(every_row_of_the_table_is_reached) {
  auto never = base();
  never.shares["public"] = share_mode::never;
  expect(decide_session(never, "public", session_id, {}), false, "share_exempt");
  auto always = base();
  always.shares["inbox"] = share_mode::always;
  expect(decide_session(always, "inbox", session_id, trusted()), true, "share_requires_scan");
  auto mandatory = base();
  mandatory.mandatory = true;
  expect(decide_session(mandatory, "data", session_id, trusted()), true, "mandatory");
  expect(decide_session(base(), "data", session_id, without(trusted(), "av")), true, "no_client_av");
  expect(decide_session(base(), "data", session_id, with(trusted(), "av", "inactive")), true, "client_av_inactive");
  expect(decide_session(base(), "data", session_id, without(trusted(), "av.age_h")), true, "client_av_age_unknown");
  expect(decide_session(base(), "data", session_id, with(trusted(), "av.age_h", "30")), true, "client_av_stale");
  expect(decide_session(base(), "data", session_id, trusted()), false, "trusted_network");
  const auto keyed = with(with(with(trusted(), "addr", "192.168.1.9"), "key", alice.public_hex()), "key.proof",
                          alice.proof(session_id));
  expect(decide_session(base(), "data", session_id, keyed), false, "known_key");
  expect(decide_session(base(), "data", session_id, with(trusted(), "addr", "192.168.1.9")), true, "untrusted_client");
}

BOOST_AUTO_TEST_CASE(reasons_name_the_values_that_decided) {
  BOOST_TEST(decide_session(base(), "data", session_id, with(trusted(), "av.age_h", "30")).reason ==
             "client av signatures 30 h old > max 24 h");
  BOOST_TEST(decide_session(base(), "data", session_id, trusted()).reason.find(
                 "client address 10.0.0.7 in trusted network 10.0.0.0/8") == 0u);
  const auto untrusted = decide_session(base(), "data", session_id, with(trusted(), "addr", "192.168.1.9")).reason;
  BOOST_TEST(untrusted.find("192.168.1.9 in no trusted network") != std::string::npos, untrusted);
  BOOST_TEST(decide_session(base(), "data", session_id, with(trusted(), "av", "inactive")).reason.find("inactive") !=
             std::string::npos);
  auto never = base();
  never.shares["public"] = share_mode::never;
  BOOST_TEST(decide_session(never, "public", session_id, {}).reason.find("'public'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(no_address_and_no_key_is_an_untrusted_client) {
  expect(decide_session(base(), "data", session_id, without(trusted(), "addr")), true, "untrusted_client");
  // A policy with no trusted network trusts no address.
  auto none = base();
  none.trusted_networks.clear();
  expect(decide_session(none, "data", session_id, trusted()), true, "untrusted_client");
}

BOOST_AUTO_TEST_CASE(an_explicit_share_mode_beats_everything_else) {
  auto p = base();
  p.mandatory = true;
  p.shares["public"] = share_mode::never;
  p.shares["inbox"] = share_mode::always;
  // never beats mandatory and an untrusted client
  expect(decide_session(p, "public", session_id, {}), false, "share_exempt");
  // always beats a trusted client, mandatory or not
  p.mandatory = false;
  expect(decide_session(p, "inbox", session_id, trusted()), true, "share_requires_scan");
  // a share named by_client follows the client, as an unnamed one does
  p.shares["data"] = share_mode::by_client;
  expect(decide_session(p, "data", session_id, trusted()), false, "trusted_network");
}

BOOST_AUTO_TEST_CASE(mandatory_beats_a_trusted_client) {
  auto p = base();
  p.mandatory = true;
  const auto keyed = with(with(trusted(), "key", alice.public_hex()), "key.proof", alice.proof(session_id));
  expect(decide_session(p, "data", session_id, keyed), true, "mandatory");
}

BOOST_AUTO_TEST_CASE(a_stale_or_silent_antivirus_beats_a_trusted_network_and_a_known_key) {
  const auto keyed = with(with(trusted(), "key", alice.public_hex()), "key.proof", alice.proof(session_id));
  expect(decide_session(base(), "data", session_id, with(keyed, "av.age_h", "25")), true, "client_av_stale");
  expect(decide_session(base(), "data", session_id, with(keyed, "av", "inactive")), true, "client_av_inactive");
  expect(decide_session(base(), "data", session_id, without(keyed, "av")), true, "no_client_av");
  expect(decide_session(base(), "data", session_id, without(keyed, "av.age_h")), true, "client_av_age_unknown");
}

BOOST_AUTO_TEST_CASE(signatures_exactly_max_hours_old_are_fresh) {
  expect(decide_session(base(), "data", session_id, with(trusted(), "av.age_h", "24")), false, "trusted_network");
  expect(decide_session(base(), "data", session_id, with(trusted(), "av.age_h", "25")), true, "client_av_stale");
  expect(decide_session(base(), "data", session_id, with(trusted(), "av.age_h", "0")), false, "trusted_network");
  auto zero = base();
  zero.max_signature_age_h = 0;
  expect(decide_session(zero, "data", session_id, with(trusted(), "av.age_h", "0")), false, "trusted_network");
  expect(decide_session(zero, "data", session_id, with(trusted(), "av.age_h", "1")), true, "client_av_stale");
}

BOOST_AUTO_TEST_CASE(a_key_is_trusted_only_when_known_and_proved_for_this_session) {
  const auto away = with(trusted(), "addr", "192.168.1.9");
  auto keyed = [&](const client_key& k, const std::string& proof) {
    return with(with(away, "key", k.public_hex()), "key.proof", proof);
  };
  expect(decide_session(base(), "data", session_id, keyed(alice, alice.proof(session_id))), false, "known_key");
  // a proof for another session (a replayed one) does not prove
  expect(decide_session(base(), "data", session_id, keyed(alice, alice.proof("srv1:ffffffffffffffff"))), true,
         "untrusted_client");
  // someone else's signature under alice's key does not prove
  expect(decide_session(base(), "data", session_id, keyed(alice, mallory.proof(session_id))), true,
         "untrusted_client");
  // a flipped bit does not prove
  auto flipped = alice.proof(session_id);
  flipped[0] = flipped[0] == '0' ? '1' : '0';
  const auto bad = decide_session(base(), "data", session_id, keyed(alice, flipped));
  expect(bad, true, "untrusted_client");
  BOOST_TEST(bad.reason.find("not proved") != std::string::npos, bad.reason);
  // a well-proved key that the policy does not know
  const auto unknown = decide_session(base(), "data", session_id, keyed(mallory, mallory.proof(session_id)));
  expect(unknown, true, "untrusted_client");
  BOOST_TEST(unknown.reason.find("not known") != std::string::npos, unknown.reason);
  // malformed proof text is no proof (decide_session is total, even unchecked)
  expect(decide_session(base(), "data", session_id, keyed(alice, "zz")), true, "untrusted_client");
}

BOOST_AUTO_TEST_CASE(ipv6_clients_and_networks) {
  expect(decide_session(base(), "data", session_id, with(trusted(), "addr", "fd00:1:2::7")), false, "trusted_network");
  expect(decide_session(base(), "data", session_id, with(trusted(), "addr", "fd00:2::7")), true, "untrusted_client");
  // an IPv4 network never holds an IPv6 address
  auto p = base();
  p.trusted_networks = {"0.0.0.0/0"};
  expect(decide_session(p, "data", session_id, with(trusted(), "addr", "::1")), true, "untrusted_client");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(protection_networks)

BOOST_AUTO_TEST_CASE(cidr_membership) {
  BOOST_TEST(in_network("10.0.0.7", "10.0.0.0/8"));
  BOOST_TEST(in_network("10.255.255.255", "10.0.0.0/8"));
  BOOST_TEST(!in_network("11.0.0.0", "10.0.0.0/8"));
  BOOST_TEST(in_network("192.168.1.130", "192.168.1.128/25"));
  BOOST_TEST(!in_network("192.168.1.127", "192.168.1.128/25"));
  BOOST_TEST(in_network("1.2.3.4", "0.0.0.0/0"));
  BOOST_TEST(in_network("127.0.0.1", "127.0.0.1/32"));
  BOOST_TEST(!in_network("127.0.0.2", "127.0.0.1/32"));
  BOOST_TEST(in_network("::1", "::1/128"));
  BOOST_TEST(!in_network("::2", "::1/128"));
  BOOST_TEST(in_network("2001:db8::1", "2001:db8::/33"));
  BOOST_TEST(!in_network("2001:db8:8000::1", "2001:db8::/33"));
  BOOST_TEST(!in_network("::1", "0.0.0.0/0"));
  BOOST_TEST(!in_network("10.0.0.7", "::/0"));
  for (const auto* bad : {"10.0.0.0", "10.0.0.0/33", "10.0.0.0/", "10.0.0/8", "::/129", "a.b.c.d/8", "10.0.0.0/-1"})
    BOOST_TEST(!in_network("10.0.0.7", bad), bad);
  BOOST_TEST(!in_network("10.0.0.256", "10.0.0.0/8"));
  BOOST_TEST(!in_network("", "10.0.0.0/8"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(protection_checks)

BOOST_AUTO_TEST_CASE(a_default_and_a_full_policy_pass) {
  BOOST_TEST(check_policy(policy{}) == "");
  auto p = base();
  p.shares = {{"inbox", share_mode::always}, {"public", share_mode::never}};
  p.scan_extensions = {"exe", "DLL", ""};
  p.exclude_extensions = {"tmp"};
  p.max_scan_bytes = 1 << 20;
  BOOST_TEST(check_policy(p) == "");
}

BOOST_AUTO_TEST_CASE(every_bad_policy_is_refused_with_why) {
  auto bad = [](auto change, const std::string& says) {
    auto p = base();
    change(p);
    const auto why = check_policy(p);
    BOOST_TEST(why.find(says) != std::string::npos, "'" << why << "' lacks '" << says << "'");
  };
  bad([](policy& p) { p.trusted_networks = {"10.0.0.0"}; }, "'10.0.0.0'");
  bad([](policy& p) { p.trusted_networks = {"10.0.0.0/40"}; }, "not an IPv4 or IPv6 CIDR");
  bad([](policy& p) { p.trusted_networks = {"::1/129"}; }, "not an IPv4 or IPv6 CIDR");
  bad([](policy& p) { p.trusted_networks = {"example.com/8"}; }, "not an IPv4 or IPv6 CIDR");
  bad([](policy& p) { p.known_keys = {"abcd"}; }, "known key 'abcd'");
  bad([](policy& p) { p.known_keys = {std::string(64, 'A')}; }, "64 lowercase hex");
  bad([](policy& p) { p.shares = {{"Bad Share", share_mode::always}}; }, "share 'Bad Share'");
  bad([](policy& p) { p.scan_extensions = {".exe"}; }, "'.exe'");
  bad([](policy& p) { p.exclude_extensions = {"a/b"}; }, "'a/b'");
  bad([](policy& p) { p.max_file_bytes = 0; }, "max_file_bytes");
  bad([](policy& p) { p.shares = {{"x", static_cast<share_mode>(9)}}; }, "unknown mode");
  bad([](policy& p) { p.on_outage = static_cast<outage_action>(9); }, "on_outage");
  bad([](policy& p) { p.oversize = static_cast<oversize_action>(9); }, "oversize");
}

BOOST_AUTO_TEST_CASE(well_formed_attributes_pass) {
  BOOST_TEST(check_attributes({}) == "");
  BOOST_TEST(check_attributes(trusted()) == "");
  BOOST_TEST(check_attributes(with(with(trusted(), "key", alice.public_hex()), "key.proof",
                                   alice.proof(session_id))) == "");
  BOOST_TEST(check_attributes({{"addr", "fd00::1"}, {"av.age_h", "1000000"}}) == "");
}

BOOST_AUTO_TEST_CASE(every_bad_attribute_is_refused_with_why) {
  const auto key = alice.public_hex();
  const auto proof = alice.proof(session_id);
  const std::vector<std::pair<attributes, std::string>> cases{
      {{{"colour", "blue"}}, "unknown attribute 'colour'"},
      {{{"av", "on"}}, "av must be active or inactive"},
      {{{"av.age_h", "-1"}}, "av.age_h"},
      {{{"av.age_h", "1000001"}}, "av.age_h"},
      {{{"av.age_h", "3h"}}, "av.age_h"},
      {{{"av.age_h", ""}}, "av.age_h"},
      {{{"addr", "10.0.0.300"}}, "addr '10.0.0.300'"},
      {{{"addr", "localhost"}}, "addr 'localhost'"},
      {{{"key", key}}, "come together"},
      {{{"key.proof", proof}}, "come together"},
      {{{"key", key.substr(2)}, {"key.proof", proof}}, "key must be"},
      {{{"key", key}, {"key.proof", proof.substr(2)}}, "key.proof must be"},
  };
  for (const auto& [a, says] : cases) {
    const auto why = check_attributes(a);
    BOOST_TEST(why.find(says) != std::string::npos, "'" << why << "' lacks '" << says << "'");
  }
}

BOOST_AUTO_TEST_CASE(the_proof_message_names_the_session) {
  BOOST_TEST(session_proof_message("srv1:0123456789abcdef") == "storemesh-session-proof:srv1:0123456789abcdef");
}

BOOST_AUTO_TEST_CASE(enum_names) {
  BOOST_TEST(to_string(share_mode::by_client) == "by_client");
  BOOST_TEST(to_string(share_mode::always) == "always");
  BOOST_TEST(to_string(share_mode::never) == "never");
  BOOST_TEST(to_string(outage_action::refuse) == "refuse");
  BOOST_TEST(to_string(outage_action::allow_and_mark) == "allow_and_mark");
  BOOST_TEST(to_string(oversize_action::refuse) == "refuse");
  BOOST_TEST(to_string(oversize_action::allow) == "allow");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(protection_file_table)

BOOST_AUTO_TEST_CASE(excluded_extensions_are_not_scanned_whatever_their_case) {
  auto p = base();
  p.exclude_extensions = {"TMP", "log"};
  for (const auto* path : {"a/b.tmp", "x.TMP", "run.Log", "dir.d/c.tar.log"}) {
    const auto f = decide_file(p, path, 10);
    BOOST_TEST_CONTEXT(path) {
      BOOST_TEST(!f.scan);
      BOOST_TEST(!f.refuse);
      BOOST_TEST(f.rule == "extension_excluded");
    }
  }
  BOOST_TEST(decide_file(p, "a.tmp.exe", 10).rule == "session_scanned");
  BOOST_TEST(decide_file(p, "tmp", 10).rule == "session_scanned");  // a name, not an extension
}

BOOST_AUTO_TEST_CASE(the_empty_extension_names_files_without_one) {
  auto p = base();
  p.exclude_extensions = {""};
  for (const auto* path : {"README", "dir.d/Makefile", ".profile", "name."})
    BOOST_TEST(decide_file(p, path, 10).rule == "extension_excluded", path);
  BOOST_TEST(decide_file(p, "a.txt", 10).rule == "session_scanned");
  BOOST_TEST(decide_file(p, "README", 10).reason.find("no extension") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_scan_list_scans_only_what_it_names) {
  auto p = base();
  p.scan_extensions = {"exe", "DOC"};
  BOOST_TEST(decide_file(p, "a.EXE", 10).rule == "session_scanned");
  BOOST_TEST(decide_file(p, "a.doc", 10).rule == "session_scanned");
  const auto f = decide_file(p, "a.txt", 10);
  BOOST_TEST(!f.scan);
  BOOST_TEST(f.rule == "extension_not_listed");
  BOOST_TEST(f.reason.find("'txt'") != std::string::npos, f.reason);
  BOOST_TEST(decide_file(p, "README", 10).rule == "extension_not_listed");
  // an exclusion wins over the list
  p.exclude_extensions = {"exe"};
  BOOST_TEST(decide_file(p, "a.exe", 10).rule == "extension_excluded");
}

BOOST_AUTO_TEST_CASE(size_limits_and_their_boundary) {
  auto p = base();
  p.max_scan_bytes = 1000;
  const auto at = decide_file(p, "a.bin", 1000);
  BOOST_TEST(at.scan);
  BOOST_TEST(at.rule == "session_scanned");
  const auto over = decide_file(p, "a.bin", 1001);
  BOOST_TEST(!over.scan);
  BOOST_TEST(over.refuse);
  BOOST_TEST(over.rule == "too_large_to_scan");
  BOOST_TEST(over.reason.find("1001 bytes > max_scan_bytes 1000") != std::string::npos, over.reason);
  p.oversize = oversize_action::allow;
  const auto allowed = decide_file(p, "a.bin", 1001);
  BOOST_TEST(!allowed.scan);
  BOOST_TEST(!allowed.refuse);
  BOOST_TEST(allowed.rule == "too_large_to_scan");
  p.max_scan_bytes = 0;  // no limit
  BOOST_TEST(decide_file(p, "a.bin", std::uint64_t(1) << 40).rule == "session_scanned");
  // an excluded extension is not scanned, so its size does not matter
  p.max_scan_bytes = 1000;
  p.oversize = oversize_action::refuse;
  p.exclude_extensions = {"iso"};
  BOOST_TEST(!decide_file(p, "big.iso", 5000).refuse);
}

BOOST_AUTO_TEST_SUITE_END()
