// Data planes on real loopback UDP: a chain r1 -> r2 -> r3 (and r1 -> r4 ->
// r3 in epoch 2) built from parsed topology texts. The receive logs are the
// proof of each datagram's path; the counters must add up.

#include "actors/agents/router_plane/datagram_plane.hpp"
#include "actors/agents/router_plane/datagram_traffic.hpp"
#include "actors/agents/router_plane/plane_errc.hpp"
#include "services/consensus/topology/route_prefix.hpp"

#include <boost/asio/ip/udp.hpp>
#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <set>
#include <sstream>
#include <thread>

using namespace storemesh::actors::router_plane;
using namespace storemesh::services::consensus;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace asio = boost::asio;

namespace {

// Epoch 1: r1 -> r2 -> r3. Epoch 2: r1 -> r4 -> r3. 10.3.0.0/16 is at r3.
const char* epoch1_text = R"(topology 1
prefix 10.3.0.0/16 at r3
route r1 10.3.0.0/16 via r2 metric 10
route r1 10.3.0.0/16 via r4 metric 20
route r2 10.3.0.0/16 via r3 metric 10
route r4 10.3.0.0/16 via r3 metric 10
)";
const char* epoch2_text = R"(topology 2
prefix 10.3.0.0/16 at r3
route r1 10.3.0.0/16 via r2 metric 20
route r1 10.3.0.0/16 via r4 metric 10
route r2 10.3.0.0/16 via r3 metric 10
route r4 10.3.0.0/16 via r3 metric 10
)";

topology parsed(const char* text) {
  auto t = parse_topology(text);
  BOOST_REQUIRE_MESSAGE(t, (t ? std::string() : t.error().message()));
  return t.value();
}

std::uint32_t ip(const char* a) { return parse_ipv4(a).value(); }

struct scratch {
  fs::path dir;
  scratch() {
    std::string t = (fs::temp_directory_path() / "router-plane-XXXXXX").string();
    BOOST_REQUIRE(::mkdtemp(t.data()));
    dir = t;
  }
  ~scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

// One line of a receive log.
struct log_line {
  std::string flow, seq, epoch, hops, action, detail;
};

std::vector<log_line> read_log(const fs::path& file) {
  std::vector<log_line> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    log_line l;
    words >> l.flow >> l.seq >> l.epoch >> l.hops >> l.action;
    std::getline(words >> std::ws, l.detail);
    out.push_back(l);
  }
  return out;
}

// Per sequence number, the lines of one flow.
std::map<std::uint64_t, std::vector<log_line>> by_seq(const std::vector<log_line>& lines, const std::string& flow) {
  std::map<std::uint64_t, std::vector<log_line>> out;
  for (const auto& l : lines)
    if (l.flow == flow) out[std::stoull(l.seq)].push_back(l);
  return out;
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 20s) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

std::uint64_t accounted(const plane_counters& c) { return c.forwarded + c.delivered + c.dropped_total(); }

// Planes named r1.., each with a receive log in the scratch directory, peers
// of each other; epochs installed on demand.
struct network : scratch {
  std::map<std::string, std::unique_ptr<datagram_plane>> planes;

  explicit network(std::vector<std::string> names, bool peers = true) {
    for (const auto& n : names) {
      plane_options o;
      o.router = n;
      o.receive_log = log_of(n);
      auto p = datagram_plane::start(o);
      BOOST_REQUIRE_MESSAGE(p, (p ? std::string() : p.error().message()));
      planes[n] = std::move(p).value();
    }
    if (peers)
      for (auto& [n, p] : planes) BOOST_REQUIRE(p->set_peers(endpoints()));
  }
  std::map<std::string, std::string> endpoints() const {
    std::map<std::string, std::string> m;
    for (const auto& [n, p] : planes) m[n] = "127.0.0.1:" + std::to_string(p->port());
    return m;
  }
  fs::path log_of(const std::string& router) const { return dir / (router + ".log"); }
  datagram_plane& operator[](const std::string& n) { return *planes.at(n); }
  void install(std::uint32_t epoch, const char* text) {
    const auto t = parsed(text);
    for (auto& [n, p] : planes) BOOST_REQUIRE(p->install(topology_epoch{epoch}, t));
  }
  void stop() {
    for (auto& [n, p] : planes) p->stop();
  }
  std::vector<log_line> log(const std::string& router) const { return read_log(log_of(router)); }
};

traffic_options traffic(std::uint16_t port, std::uint32_t flow, std::uint64_t count) {
  traffic_options t;
  t.to = "127.0.0.1:" + std::to_string(port);
  t.destination = ip("10.3.0.9");
  t.flow = flow;
  t.count = count;
  t.rate_per_s = 20000;
  t.payload_bytes = 100;
  return t;
}

void send_raw(std::uint16_t port, const std::vector<std::uint8_t>& bytes) {
  asio::io_context io;
  asio::ip::udp::socket s(io, asio::ip::udp::v4());
  s.send_to(asio::buffer(bytes), asio::ip::udp::endpoint(asio::ip::address_v4::loopback(), port));
}

std::vector<std::uint8_t> datagram(std::uint32_t epoch, std::uint64_t seq, std::uint8_t ttl = 64) {
  forwarding_datagram d;
  d.destination = ip("10.3.0.9");
  d.source = ip("10.9.0.1");
  d.flow = 5;
  d.sequence = seq;
  d.epoch = topology_epoch{epoch};
  d.ttl = ttl;
  d.payload = {1, 2, 3};
  return encode_datagram(d).value();
}

} // namespace

BOOST_AUTO_TEST_CASE(a_chain_delivers_every_datagram_once_along_r1_r2_r3) {
  network net({"r1", "r2", "r3"});
  net.install(1, epoch1_text);
  BOOST_REQUIRE(net["r1"].stamp_with(topology_epoch{1}));
  const std::uint64_t n = 2000;
  const auto sent = send_datagrams(traffic(net["r1"].port(), 7, n));
  BOOST_REQUIRE_MESSAGE(sent, (sent ? std::string() : sent.error().message()));
  BOOST_TEST(sent.value().sent == n);
  BOOST_REQUIRE(wait_until([&] { return net["r3"].counters().delivered >= n; }));
  std::this_thread::sleep_for(50ms);  // a duplicate, if any, would arrive meanwhile
  net.stop();

  const auto c1 = net["r1"].counters(), c2 = net["r2"].counters(), c3 = net["r3"].counters();
  BOOST_TEST(c1.received == n);
  BOOST_TEST(c1.stamped == n);
  BOOST_TEST(c1.forwarded == n);
  BOOST_TEST(c2.forwarded == n);
  BOOST_TEST(c2.stamped == 0u);
  BOOST_TEST(c3.delivered == n);
  for (const auto* c : {&c1, &c2, &c3}) {
    BOOST_TEST(c->dropped_total() == 0u);
    BOOST_TEST(accounted(*c) == c->received);
  }
  // The logs: at r1 stamped (ingress) and sent to r2, at r2 to r3, at r3 delivered after 2 hops; once each.
  const auto at1 = by_seq(net.log("r1"), "7"), at2 = by_seq(net.log("r2"), "7"), at3 = by_seq(net.log("r3"), "7");
  BOOST_TEST(at1.size() == n);
  BOOST_TEST(at3.size() == n);
  for (std::uint64_t s = 1; s <= n; ++s) {
    BOOST_REQUIRE(at1.count(s) && at2.count(s) && at3.count(s));
    BOOST_REQUIRE(at1.at(s).size() == 1u && at2.at(s).size() == 1u && at3.at(s).size() == 1u);
    const auto &a = at1.at(s)[0], &b = at2.at(s)[0], &c = at3.at(s)[0];
    BOOST_TEST((a.action == "forward:r2" && a.detail == "ingress" && a.epoch == "1" && a.hops == "0"));
    BOOST_TEST((b.action == "forward:r3" && b.detail.empty() && b.epoch == "1" && b.hops == "1"));
    BOOST_TEST((c.action == "deliver" && c.epoch == "1" && c.hops == "2"));
  }
}

// A burst far larger than what the loop reads per turn (batches of 4, two in
// a row) through three planes: nothing is left queued.
BOOST_AUTO_TEST_CASE(a_burst_larger_than_a_turn_of_batches_is_served_without_a_further_datagram) {
  scratch s;
  std::vector<std::unique_ptr<datagram_plane>> planes;
  std::map<std::string, std::string> peers;
  for (const char* name : {"r1", "r2", "r3"}) {
    plane_options o;
    o.router = name;
    o.socket.batch_size = 4;
    o.socket.max_rounds = 2;
    planes.push_back(datagram_plane::start(o).value());
    peers[name] = "127.0.0.1:" + std::to_string(planes.back()->port());
  }
  const auto t = parsed(epoch1_text);
  for (auto& p : planes) {
    BOOST_REQUIRE(p->set_peers(peers));
    BOOST_REQUIRE(p->install(topology_epoch{1}, t));
  }
  BOOST_REQUIRE(planes[0]->stamp_with(topology_epoch{1}));
  auto burst = traffic(planes[0]->port(), 2, 1000);
  burst.rate_per_s = 0;  // unpaced: as fast as the socket takes them
  BOOST_REQUIRE(send_datagrams(burst));
  BOOST_REQUIRE_MESSAGE(wait_until([&] { return planes[2]->counters().delivered >= 1000; }, 10s),
                        "delivered " << planes[2]->counters().delivered << " of 1000");
  for (auto& p : planes) p->stop();
  for (auto& p : planes) BOOST_TEST(p->counters().dropped_total() == 0u);
}

BOOST_AUTO_TEST_CASE(an_unstamped_datagram_is_dropped_while_the_router_stamps_no_epoch) {
  network net({"r1", "r2", "r3"});
  net.install(1, epoch1_text);  // installed, not stamped: phase 1 only
  BOOST_TEST(net["r1"].stamping().value == 0u);
  BOOST_REQUIRE(send_datagrams(traffic(net["r1"].port(), 3, 5)));
  BOOST_REQUIRE(wait_until([&] { return net["r1"].counters().received >= 5; }));
  net.stop();
  const auto c = net["r1"].counters();
  BOOST_TEST(c.dropped_for(drop_reason::unknown_epoch) == 5u);
  BOOST_TEST(c.stamped == 0u);
  BOOST_TEST(net["r2"].counters().received == 0u);
  const auto lines = net.log("r1");
  BOOST_REQUIRE(lines.size() == 5u);
  for (const auto& l : lines) {
    BOOST_TEST(l.action == "drop:unknown_epoch");
    BOOST_TEST(l.epoch == "0");
    BOOST_TEST(l.detail.find("unstamped") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(stamping_needs_an_installed_epoch_and_epoch_zero_is_refused) {
  network net({"r1"});
  auto& r1 = net["r1"];
  const auto t = parsed(epoch1_text);
  auto e = r1.stamp_with(topology_epoch{1});
  BOOST_REQUIRE(!e);
  BOOST_TEST((e.error().code == plane_errc::not_installed));
  BOOST_TEST((r1.install(topology_epoch{0}, t).error().code == plane_errc::epoch_zero));
  BOOST_TEST((r1.stamp_with(topology_epoch{0}).error().code == plane_errc::epoch_zero));
  BOOST_REQUIRE(r1.install(topology_epoch{1}, t));
  BOOST_TEST(r1.stamping().value == 0u);  // installing does not stamp
  BOOST_REQUIRE(r1.stamp_with(topology_epoch{1}));
  BOOST_TEST(r1.stamping().value == 1u);
}

BOOST_AUTO_TEST_CASE(only_the_newest_epochs_are_kept_and_never_the_stamped_one_forgotten) {
  scratch s;
  plane_options o;
  o.router = "r1";
  o.keep_epochs = 3;
  auto p = datagram_plane::start(o).value();
  const auto t = parsed(epoch1_text);
  BOOST_REQUIRE(p->install(topology_epoch{1}, t));
  BOOST_REQUIRE(p->stamp_with(topology_epoch{1}));
  for (std::uint32_t e = 2; e <= 6; ++e) BOOST_REQUIRE(p->install(topology_epoch{e}, t));
  std::vector<std::uint32_t> got;
  for (const auto e : p->installed()) got.push_back(e.value);
  BOOST_TEST(got == (std::vector<std::uint32_t>{1, 5, 6}), boost::test_tools::per_element());
  BOOST_REQUIRE(p->stamp_with(topology_epoch{6}));
  BOOST_REQUIRE(p->install(topology_epoch{7}, t));
  got.clear();
  for (const auto e : p->installed()) got.push_back(e.value);
  BOOST_TEST(got == (std::vector<std::uint32_t>{5, 6, 7}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_datagram_of_an_epoch_not_installed_is_dropped_and_counted) {
  network net({"r2", "r3"});
  net.install(1, epoch1_text);
  send_raw(net["r2"].port(), datagram(9, 1));  // stamped upstream with an epoch r2 never installed
  send_raw(net["r2"].port(), datagram(1, 2));  // stamped with 1: forwarded as is, not restamped
  BOOST_REQUIRE(wait_until([&] { return net["r3"].counters().delivered >= 1 && net["r2"].counters().received >= 2; }));
  net.stop();
  const auto c = net["r2"].counters();
  BOOST_TEST(c.dropped_for(drop_reason::unknown_epoch) == 1u);
  BOOST_TEST(c.forwarded == 1u);
  BOOST_TEST(c.stamped == 0u);
  const auto lines = by_seq(net.log("r2"), "5");
  BOOST_TEST(lines.at(1).at(0).action == "drop:unknown_epoch");
  BOOST_TEST(lines.at(1).at(0).epoch == "9");
  BOOST_TEST(lines.at(2).at(0).action == "forward:r3");
  BOOST_TEST(lines.at(2).at(0).detail.empty());
}

// Both epochs installed everywhere (phase 1), then r1 switches its stamping
// mid-stream (phase 2). Every datagram stamped 1 went r1 -> r2 -> r3, every
// one stamped 2 went r1 -> r4 -> r3, none was lost, and the switch is one
// point in the sequence. The sender pauses at a gate after its first half, so
// that both epochs carry traffic however the machine schedules us; the switch
// itself happens while datagrams of epoch 1 are still in flight.
BOOST_AUTO_TEST_CASE(a_stamp_switch_mid_stream_moves_traffic_to_the_new_path_and_loses_nothing) {
  network net({"r1", "r2", "r3", "r4"});
  net.install(1, epoch1_text);
  net.install(2, epoch2_text);
  BOOST_REQUIRE(net["r1"].stamp_with(topology_epoch{1}));
  const std::uint64_t half = 1500;
  std::promise<void> gate;
  auto sender = std::async(std::launch::async, [&, port = net["r1"].port()] {
    auto first = traffic(port, 11, half);
    if (!send_datagrams(first)) return false;
    gate.get_future().wait();
    auto second = traffic(port, 11, half);
    second.first_sequence = half + 1;
    return bool(send_datagrams(second));
  });
  BOOST_REQUIRE(wait_until([&] { return net["r1"].counters().received >= half / 2; }));
  BOOST_REQUIRE(net["r1"].stamp_with(topology_epoch{2}));
  gate.set_value();
  BOOST_REQUIRE(sender.get());
  BOOST_REQUIRE(wait_until([&] { return net["r3"].counters().delivered >= 2 * half; }));
  std::this_thread::sleep_for(50ms);
  net.stop();

  const auto at1 = by_seq(net.log("r1"), "11"), at2 = by_seq(net.log("r2"), "11"),
             at3 = by_seq(net.log("r3"), "11"), at4 = by_seq(net.log("r4"), "11");
  std::uint64_t in1 = 0, in2 = 0, last1 = 0, first2 = 0;
  for (std::uint64_t s = 1; s <= 2 * half; ++s) {
    BOOST_REQUIRE_MESSAGE(at3.count(s) && at3.at(s).size() == 1u, "seq " << s << " delivered once at r3");
    const auto& d = at3.at(s)[0];
    BOOST_TEST(d.action == "deliver");
    BOOST_TEST(d.hops == "2");
    BOOST_REQUIRE(at1.count(s) && at1.at(s).size() == 1u);
    BOOST_TEST(at1.at(s)[0].epoch == d.epoch);
    if (d.epoch == "1") {
      ++in1;
      last1 = s;
      BOOST_TEST(at1.at(s)[0].action == "forward:r2");
      BOOST_TEST((at2.count(s) && at2.at(s).size() == 1u && at2.at(s)[0].action == "forward:r3"));
      BOOST_TEST(!at4.count(s));
    } else {
      BOOST_REQUIRE(d.epoch == "2");
      ++in2;
      if (!first2) first2 = s;
      BOOST_TEST(at1.at(s)[0].action == "forward:r4");
      BOOST_TEST((at4.count(s) && at4.at(s).size() == 1u && at4.at(s)[0].action == "forward:r3"));
      BOOST_TEST(!at2.count(s));
    }
  }
  BOOST_TEST_MESSAGE("stamped with epoch 1: " << in1 << ", with epoch 2: " << in2);
  BOOST_TEST(in1 >= half / 2);
  BOOST_TEST(in2 >= half);
  BOOST_TEST(in1 + in2 == 2 * half);
  BOOST_TEST(last1 + 1 == first2);  // one switch point: all of epoch 1 before all of epoch 2
  for (const char* r : {"r1", "r2", "r3", "r4"}) BOOST_TEST(net[r].counters().dropped_total() == 0u);
}

BOOST_AUTO_TEST_CASE(a_next_hop_without_a_known_endpoint_is_dropped_as_no_peer) {
  network net({"r1", "r2", "r3"}, /*peers=*/false);
  net.install(1, epoch1_text);
  BOOST_REQUIRE(net["r1"].stamp_with(topology_epoch{1}));
  auto peers = net.endpoints();
  peers.erase("r2");
  BOOST_REQUIRE(net["r1"].set_peers(peers));
  BOOST_REQUIRE(send_datagrams(traffic(net["r1"].port(), 4, 3)));
  BOOST_REQUIRE(wait_until([&] { return net["r1"].counters().received >= 3; }));
  BOOST_TEST(net["r1"].counters().no_peer == 3u);

  // A bad endpoint refuses the whole map and keeps the previous one.
  auto bad = net.endpoints();
  bad["r2"] = "127.0.0.1:notaport";
  auto refused = net["r1"].set_peers(bad);
  BOOST_REQUIRE(!refused);
  BOOST_TEST((refused.error().code == plane_errc::bad_endpoint));
  BOOST_TEST(refused.error().detail.find("r2") != std::string::npos);
  BOOST_REQUIRE(send_datagrams(traffic(net["r1"].port(), 4, 1)));
  BOOST_REQUIRE(wait_until([&] { return net["r1"].counters().no_peer >= 4; }));

  // r2 registered later: the same traffic now flows.
  for (auto& [n, p] : net.planes) BOOST_REQUIRE(p->set_peers(net.endpoints()));
  BOOST_REQUIRE(send_datagrams(traffic(net["r1"].port(), 4, 2)));
  BOOST_REQUIRE(wait_until([&] { return net["r3"].counters().delivered >= 2; }));
  net.stop();
  const auto c = net["r1"].counters();
  BOOST_TEST(c.no_peer == 4u);
  BOOST_TEST(c.forwarded == 2u);
  std::size_t no_peer_lines = 0;
  for (const auto& l : net.log("r1"))
    if (l.action == "drop:no_peer") {
      ++no_peer_lines;
      BOOST_TEST(l.detail.find("no UDP endpoint for r2") != std::string::npos);
    }
  BOOST_TEST(no_peer_lines == 4u);
}

BOOST_AUTO_TEST_CASE(a_datagram_whose_ttl_runs_out_is_dropped_where_it_would_be_forwarded) {
  network net({"r1", "r2", "r3"});
  net.install(1, epoch1_text);
  BOOST_REQUIRE(net["r1"].stamp_with(topology_epoch{1}));
  send_raw(net["r1"].port(), datagram(0, 1, /*ttl=*/1));  // r1 cannot forward it
  send_raw(net["r1"].port(), datagram(0, 2, /*ttl=*/2));  // r1 forwards with ttl 1, r2 cannot
  send_raw(net["r1"].port(), datagram(0, 3, /*ttl=*/3));  // r2 forwards with ttl 1, r3 delivers (ttl limits forwarding only)
  BOOST_REQUIRE(wait_until([&] { return net["r3"].counters().delivered >= 1 && net["r2"].counters().received >= 2; }));
  net.stop();
  BOOST_TEST(net["r1"].counters().dropped_for(drop_reason::ttl_expired) == 1u);
  BOOST_TEST(net["r2"].counters().dropped_for(drop_reason::ttl_expired) == 1u);
  BOOST_TEST(net["r3"].counters().delivered == 1u);
  const auto at2 = by_seq(net.log("r2"), "5");
  BOOST_TEST(at2.at(2).at(0).action == "drop:ttl_expired");
  BOOST_TEST(at2.at(2).at(0).hops == "1");
  BOOST_TEST(by_seq(net.log("r3"), "5").at(3).at(0).action == "deliver");
}

BOOST_AUTO_TEST_CASE(malformed_bytes_are_counted_and_logged_and_routing_goes_on) {
  network net({"r2", "r3"});
  net.install(1, epoch1_text);
  auto mismatch = datagram(1, 1);
  mismatch.pop_back();  // one payload byte short of its length field
  auto bad_magic = datagram(1, 1);
  bad_magic[0] = 'X';
  auto bad_version = datagram(1, 1);
  bad_version[4] = 9;
  const std::vector<std::vector<std::uint8_t>> junk = {
      {}, std::vector<std::uint8_t>(10, 0xAB), mismatch, bad_magic, bad_version, std::vector<std::uint8_t>(1500, 0)};
  for (const auto& j : junk) send_raw(net["r2"].port(), j);
  send_raw(net["r2"].port(), datagram(1, 2));
  BOOST_REQUIRE(wait_until([&] { return net["r3"].counters().delivered >= 1 && net["r2"].counters().received >= 7; }));
  net.stop();
  const auto c = net["r2"].counters();
  BOOST_TEST(c.dropped_for(drop_reason::malformed) == junk.size());
  BOOST_TEST(c.forwarded == 1u);
  BOOST_TEST(accounted(c) == c.received);
  std::size_t malformed = 0;
  for (const auto& l : net.log("r2"))
    if (l.action == "drop:malformed") {
      ++malformed;
      BOOST_TEST((l.flow == "-" && l.seq == "-" && l.epoch == "-" && l.hops == "-"));
      BOOST_TEST(!l.detail.empty());
    }
  BOOST_TEST(malformed == junk.size());
}

BOOST_AUTO_TEST_CASE(start_refuses_bad_options_with_a_clear_error) {
  scratch s;
  plane_options o;
  o.router = "R1";
  BOOST_TEST((datagram_plane::start(o).error().code == plane_errc::bad_option));
  o.router = "r1";
  o.listen = "127.0.0.1";
  BOOST_TEST((datagram_plane::start(o).error().code == plane_errc::bad_endpoint));
  o.listen = "127.0.0.1:0";
  o.receive_log = s.dir / "missing" / "r1.log";
  const auto no_log = datagram_plane::start(o);
  BOOST_TEST((no_log.error().code == plane_errc::log_failed));
  BOOST_TEST(no_log.error().detail.find("missing") != std::string::npos);
  o.receive_log.clear();
  auto first = datagram_plane::start(o).value();
  o.listen = "127.0.0.1:" + std::to_string(first->port());
  BOOST_TEST((datagram_plane::start(o).error().code == plane_errc::bind_failed));

  traffic_options t = traffic(first->port(), 1, 1);
  t.payload_bytes = max_payload_bytes + 1;
  BOOST_TEST((send_datagrams(t).error().code == plane_errc::bad_option));
  t = traffic(first->port(), 1, 0);
  BOOST_TEST((send_datagrams(t).error().code == plane_errc::bad_option));
  t = traffic(first->port(), 1, 1);
  t.to = "nowhere:1";
  BOOST_TEST((send_datagrams(t).error().code == plane_errc::bad_endpoint));
}

BOOST_AUTO_TEST_CASE(stop_is_idempotent_and_the_log_keeps_what_was_flushed) {
  network net({"r2", "r3"});
  net.install(1, epoch1_text);
  send_raw(net["r2"].port(), datagram(1, 1));
  BOOST_REQUIRE(wait_until([&] { return net["r3"].counters().delivered >= 1; }));
  // Flushed within 50 ms, before any stop.
  BOOST_REQUIRE(wait_until([&] { return net.log("r3").size() == 1u; }, 5s));
  net["r3"].stop();
  net["r3"].stop();
  net.stop();
  BOOST_TEST(net["r3"].counters().delivered == 1u);  // still readable after stop
  BOOST_TEST(net.log("r3").size() == 1u);
  net.planes.clear();  // destructors after stop: nothing more happens
  BOOST_TEST(net.log("r2").size() == 1u);
}
