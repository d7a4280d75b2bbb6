// storemesh's side of the interoperability test (tunnel_interop.sh): the
// same command line and behaviour as go_peer.go, on agents/tunnel.
//
//   tunnel_peer pubkey PRIV
//   tunnel_peer listen  --key PRIV --allow PUB --cluster C
//   tunnel_peer connect --port P --key PRIV --allow PUB --cluster C --messages N

#include "actors/agents/tunnel/tunnel_endpoint.hpp"

#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <mutex>

using namespace storemesh::agents::tunnel;
using namespace std::chrono_literals;

namespace {

noise::bytes unhex(const std::string& s) {
  noise::bytes b;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) b.push_back(static_cast<std::uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  return b;
}

noise::bytes message(int i) {
  std::size_t size = 10 + i;
  if (i % 25 == 7) size = 100000 + i;  // fragments
  noise::bytes m(size);
  for (std::size_t j = 0; j < size; ++j) m[j] = static_cast<std::uint8_t>(i + j);
  return m;
}

int fail(const std::string& what) {
  std::cerr << "tunnel_peer: " << what << "\n";
  return 1;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 3) return fail("usage: tunnel_peer pubkey|listen|connect ...");
  const std::string mode = argv[1];
  if (mode == "pubkey") {
    auto k = unhex(argv[2]);
    if (k.size() != 32) return fail("bad key");
    std::cout << noise::to_hex(noise::keypair_from_private(k.data()).pub) << "\n";
    return 0;
  }
  std::map<std::string, std::string> args;
  for (int i = 2; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  auto key = unhex(args["--key"]), allow = unhex(args["--allow"]);
  if (key.size() != 32 || allow.size() != 32) return fail("bad --key or --allow");
  noise::public_key allowed;
  std::copy(allow.begin(), allow.end(), allowed.begin());

  tunnel_options opts;
  opts.identity.s = noise::keypair_from_private(key.data());
  opts.identity.cluster = args["--cluster"];
  opts.identity.allow = [allowed](const noise::public_key& k) { return k == allowed; };
  opts.rekey = {16, 1h};
  auto obs = std::make_shared<tunnel_observer>();
  obs->refused = [](const std::string& from, const storemesh::error& e) {
    std::cout << "refused " << from << " " << e.message() << std::endl;
  };
  opts.observer = obs;

  std::shared_ptr<tunnel> t;
  std::unique_ptr<tunnel_listener> listener;
  if (mode == "listen") {
    std::mutex mu;
    std::condition_variable cv;
    auto l = tunnel_listener::listen("127.0.0.1", 0, opts, [&](std::shared_ptr<tunnel> got) {
      std::lock_guard lock(mu);
      t = std::move(got);
      cv.notify_all();
    });
    if (!l) return fail(l.error().message());
    listener = std::move(l).value();
    std::cout << "port " << listener->port() << std::endl;
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, 30s, [&] { return t != nullptr; })) return fail("no tunnel within 30 s");
  } else if (mode == "connect") {
    auto c = connect_tunnel("127.0.0.1", static_cast<std::uint16_t>(std::stoi(args["--port"])), opts);
    if (!c) return fail(c.error().message());
    t = c.value();
  } else {
    return fail("unknown mode " + mode);
  }
  std::cout << "peer " << t->info().peer_key_hex << "\nhash " << t->info().handshake_hash_hex << std::endl;

  if (mode == "listen") {
    for (;;) {
      auto m = t->receive(30s);
      if (!m) {
        std::cout << "rekeys sent " << t->rekeys_sent() << " received " << t->rekeys_received() << "\nclosed "
                  << m.error().detail << std::endl;
        return 0;
      }
      if (!m.value()) return fail("nothing within 30 s");
      noise::bytes echo{'e', 'c', 'h', 'o', ':'};
      echo.insert(echo.end(), m.value()->begin(), m.value()->end());
      if (auto r = t->send(echo.data(), echo.size()); !r) return fail(r.error().message());
    }
  }
  const int n = std::stoi(args.count("--messages") ? args["--messages"] : "100");
  for (int i = 0; i < n; ++i) {
    auto msg = message(i);
    if (auto r = t->send(msg.data(), msg.size()); !r) return fail(r.error().message());
    auto m = t->receive(30s);
    if (!m || !m.value()) return fail("no echo of message " + std::to_string(i));
    noise::bytes want{'e', 'c', 'h', 'o', ':'};
    want.insert(want.end(), msg.begin(), msg.end());
    if (*m.value() != want) return fail("echo " + std::to_string(i) + " wrong");
  }
  t->close("done");
  std::cout << "rekeys sent " << t->rekeys_sent() << " received " << t->rekeys_received() << "\nclosed done" << std::endl;
  return 0;
}
