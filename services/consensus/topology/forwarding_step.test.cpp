// forwarding_step: each outcome, and that a datagram is routed by the table of
// the epoch it carries.

#include "services/consensus/topology/forwarding_step.hpp"

#include <boost/test/unit_test.hpp>

#include <map>

using namespace storemesh::services::consensus;

namespace {

topology T(const std::string& text) {
  auto t = parse_topology(text);
  BOOST_REQUIRE_MESSAGE(t, (t ? std::string() : t.error().message()));
  return t.value();
}

// r2's tables: in epoch 1 10.1.0.0/16 goes to r3; in epoch 2 to r4; 10.2.0.0/16 is at r2.
struct fixture {
  std::map<std::uint32_t, forwarding_table> tables;
  fixture() {
    const std::string common = "prefix 10.1.0.0/16 at r9\nprefix 10.2.0.0/16 at r2\n";
    tables.emplace(1, forwarding_table::build(T("topology 1\n" + common + "route r2 10.1.0.0/16 via r3 metric 1\n"), "r2"));
    tables.emplace(2, forwarding_table::build(T("topology 2\n" + common + "route r2 10.1.0.0/16 via r4 metric 1\n"), "r2"));
  }
  tables_by_epoch lookup() const {
    return [this](topology_epoch e) -> const forwarding_table* {
      const auto it = tables.find(e.value);
      return it == tables.end() ? nullptr : &it->second;
    };
  }
  step_outcome step(const forwarding_datagram& d) const {
    const auto w = encode_datagram(d).value();
    return forwarding_step(w.data(), w.size(), "r2", lookup());
  }
};

forwarding_datagram to(const char* address, std::uint32_t epoch, std::uint8_t ttl = 8) {
  forwarding_datagram d;
  d.destination = parse_ipv4(address).value();
  d.source = parse_ipv4("10.3.0.1").value();
  d.flow = 7;
  d.sequence = 42;
  d.epoch = topology_epoch{epoch};
  d.ttl = ttl;
  d.hop_count = 2;
  d.payload = {1, 2, 3};
  return d;
}

drop_decision dropped(const step_outcome& o) {
  BOOST_REQUIRE(std::holds_alternative<drop_decision>(o));
  return std::get<drop_decision>(o);
}

} // namespace

BOOST_AUTO_TEST_CASE(forward_rewrites_ttl_and_hop_count) {
  fixture f;
  const auto o = f.step(to("10.1.2.3", 1));
  BOOST_REQUIRE(std::holds_alternative<forward_decision>(o));
  const auto& fw = std::get<forward_decision>(o);
  BOOST_TEST(fw.next_hop == "r3");
  auto want = to("10.1.2.3", 1);
  want.ttl = 7;
  want.hop_count = 3;
  BOOST_TEST((fw.datagram == want));
  BOOST_TEST((decode_datagram(fw.wire).value() == want));
}

BOOST_AUTO_TEST_CASE(the_datagram_epoch_chooses_the_table) {
  fixture f;
  BOOST_TEST(std::get<forward_decision>(f.step(to("10.1.2.3", 1))).next_hop == "r3");
  BOOST_TEST(std::get<forward_decision>(f.step(to("10.1.2.3", 2))).next_hop == "r4");
}

BOOST_AUTO_TEST_CASE(a_prefix_at_this_router_is_delivered_whatever_the_ttl) {
  fixture f;
  for (std::uint8_t ttl : {0, 1, 64}) {
    const auto o = f.step(to("10.2.0.9", 1, ttl));
    BOOST_REQUIRE(std::holds_alternative<deliver_decision>(o));
    BOOST_TEST((std::get<deliver_decision>(o).datagram == to("10.2.0.9", 1, ttl)));
  }
}

BOOST_AUTO_TEST_CASE(each_drop_reason) {
  fixture f;
  for (std::uint8_t ttl : {0, 1}) {
    const auto d = dropped(f.step(to("10.1.2.3", 1, ttl)));
    BOOST_TEST((d.reason == drop_reason::ttl_expired));
    BOOST_TEST(d.detail == "ttl " + std::to_string(ttl) + " for 10.1.2.3 at r2");
  }
  const auto no_route = dropped(f.step(to("10.7.0.1", 1)));
  BOOST_TEST((no_route.reason == drop_reason::no_route));
  BOOST_TEST(no_route.detail == "no route for 10.7.0.1 in epoch 1 at r2");
  const auto epoch = dropped(f.step(to("10.1.2.3", 3)));
  BOOST_TEST((epoch.reason == drop_reason::unknown_epoch));
  BOOST_TEST(epoch.detail == "no table for epoch 3 at r2");
  auto w = encode_datagram(to("10.1.2.3", 1)).value();
  w[0] = 'X';
  const auto malformed = dropped(forwarding_step(w.data(), w.size(), "r2", f.lookup()));
  BOOST_TEST((malformed.reason == drop_reason::malformed));
  BOOST_TEST(malformed.detail.find("SMDG") != std::string::npos, malformed.detail);
  const auto empty = dropped(forwarding_step(nullptr, 0, "r2", f.lookup()));
  BOOST_TEST((empty.reason == drop_reason::malformed));
  BOOST_TEST(to_string(drop_reason::ttl_expired) == std::string("ttl expired"));
}

BOOST_AUTO_TEST_CASE(the_hop_count_saturates) {
  fixture f;
  auto d = to("10.1.2.3", 1);
  d.hop_count = 255;
  BOOST_TEST(std::get<forward_decision>(f.step(d)).datagram.hop_count == 255);
}
