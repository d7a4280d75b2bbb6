// storemesh kv put|get|del|watch|lease: the coordination store, through the director

#include "actors/agents/coordination/cluster_view.hpp"
#include "actors/agents/coordination/kv_client.hpp"
#include "events/envelope/envelope_json.hpp"
#include "ops/coordination_args.hpp"
#include "events/envelope/envelope_builder.hpp"

#include <fmt/core.h>

#include <chrono>
#include <csignal>
#include <thread>

namespace storemesh::ops {
namespace {

using actors::coordination::kv_client;
using actors::coordination::read_message;
using events::envelope::json_string;
using schema::coordination::PeerMessage;
using schema::coordination::Request;

struct kv_options {
  data_options data;
  coordination_args args;
  std::string key, value;
  bool prefix = false;
  bool linearizable = false;
  bool json = false;
  std::int64_t expect = -1;
  std::uint64_t lease = 0;
  std::uint64_t start = 0;
  double ttl_seconds = 10;
  std::size_t count = 0;
};

std::chrono::milliseconds budget(const kv_options& o) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(o.args.timeout_seconds * 1000));
}

std::unique_ptr<kv_client> connect(const kv_options& o) {
  return must(kv_client::open(open_director_tunnel(o.args, o.data), "kv-cli"), "opening a tunnel to the director");
}

std::string text(capnp::Data::Reader d) { return std::string(reinterpret_cast<const char*>(d.begin()), d.size()); }

/// Prints the response; a refusal is the command's failure (exit 1, the code and why).
void report(const std::string& bytes, const kv_options& o, const char* what, bool quiet = false) {
  auto r = read_message(bytes, [&](PeerMessage::Reader m) -> result<void> {
    if (!m.isResponse())
      throw cli_error("the director answered with something else than a response");
    auto resp = m.getResponse();
    if (resp.isError())
      throw cli_error(fmt::format("{} refused ({}): {} [server {}, attempts {}]", what,
                                  resp.getError().getCode().cStr(), resp.getError().getMessage().cStr(),
                                  resp.getServer().cStr(), resp.getAttempts()));
    if (quiet)
      return success();
    if (o.json) {
      std::string kvs;
      for (auto kv : resp.getKvs())
        kvs += fmt::format("{}{{\"key\":{},\"value\":{},\"create_revision\":{},\"mod_revision\":{},\"version\":{},\"lease\":{}}}",
                           kvs.empty() ? "" : ",", json_string(kv.getKey().cStr()), json_string(text(kv.getValue())),
                           kv.getCreateRevision(), kv.getModRevision(), kv.getVersion(), kv.getLease());
      fmt::print("{{\"ok\":true,\"server\":{},\"revision\":{},\"attempts\":{},\"deleted\":{},\"kvs\":[{}]}}\n",
                 json_string(resp.getServer().cStr()), resp.getRevision(), resp.getAttempts(), resp.getDeleted(), kvs);
      return success();
    }
    if (std::string_view(what) == "get" && resp.getKvs().size() == 0)
      throw cli_error("key not found", 3);
    for (auto kv : resp.getKvs())
      fmt::print("{}={}\n", kv.getKey().cStr(), text(kv.getValue()));
    if (std::string_view(what) == "del")
      fmt::print("deleted {} at revision {}\n", resp.getDeleted(), resp.getRevision());
    else if (std::string_view(what) != "get")
      fmt::print("{} at revision {}\n", what, resp.getRevision());
    return success();
  });
  if (!r)
    throw cli_error(r.error().message());
}

void call_and_report(const kv_options& o, const char* what, const kv_client::request_fill& fill) {
  auto c = connect(o);
  report(must(c->call(fill, budget(o)), std::string(what)), o, what);
}

void put(const kv_options& o) {
  call_and_report(o, "put", [&](Request::Builder r) {
    auto p = r.initWrite().initPut();
    p.setKey(o.key);
    p.setValue(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(o.value.data()), o.value.size()));
    p.setLease(o.lease);
    if (o.expect >= 0)
      p.getExpected().setModRevision(static_cast<std::uint64_t>(o.expect));
    else
      p.getExpected().setAny();
  });
}

void get(const kv_options& o) {
  call_and_report(o, "get", [&](Request::Builder r) {
    r.setLinearizable(o.linearizable);
    if (o.prefix) {
      auto g = r.initRange();
      g.setPrefix(o.key);
      g.setLimit(static_cast<std::uint32_t>(o.count));
    } else {
      r.setGet(o.key);
    }
  });
}

void del(const kv_options& o) {
  call_and_report(o, "del", [&](Request::Builder r) {
    auto d = r.initWrite().initDelete();
    d.setKey(o.key);
    d.setPrefix(o.prefix);
    if (o.expect >= 0)
      d.getExpected().setModRevision(static_cast<std::uint64_t>(o.expect));
    else
      d.getExpected().setAny();
  });
}

void lease_grant(const kv_options& o) {
  call_and_report(o, "lease granted", [&](Request::Builder r) {
    auto g = r.initWrite().initGrantLease();
    g.setLease(o.lease);
    g.setTtlNs(static_cast<std::int64_t>(o.ttl_seconds * 1e9));
    g.setNowNs(events::envelope::now_ns());
  });
}

void lease_keep_alive(const kv_options& o) {
  call_and_report(o, "lease renewed", [&](Request::Builder r) {
    auto k = r.initWrite().initKeepAlive();
    k.setLease(o.lease);
    k.setNowNs(events::envelope::now_ns());
  });
}

void lease_revoke(const kv_options& o) {
  call_and_report(o, "lease revoked", [&](Request::Builder r) { r.initWrite().initRevokeLease().setLease(o.lease); });
}

std::atomic<int> interrupted{0};  ///< the signal that ends a watch

void watch(const kv_options& o) {
  // Before the client: its reader thread (which runs the callback) stops
  // before what the callback touches is destroyed.
  std::atomic<std::size_t> seen{0};
  std::mutex print;
  std::string canceled;  // under print: why the director ended the watch
  auto c = connect(o);
  c->on_watch_event([&](const std::string& bytes) {
    (void)read_message(bytes, [&](PeerMessage::Reader m) -> result<void> {
      std::lock_guard lock(print);
      if (m.getWatchEvent().hasCanceled() && m.getWatchEvent().getCanceled().size() > 0)
        canceled = m.getWatchEvent().getCanceled().cStr();
      for (auto ch : m.getWatchEvent().getChanges()) {
        auto kv = ch.getKv();
        const bool put = ch.getKind() == schema::coordination::Change::Kind::PUT;
        if (o.json)
          fmt::print("{{\"kind\":\"{}\",\"key\":{},\"value\":{},\"mod_revision\":{},\"server\":{}}}\n",
                     put ? "put" : "delete", json_string(kv.getKey().cStr()), json_string(text(kv.getValue())),
                     kv.getModRevision(), json_string(m.getWatchEvent().getServer().cStr()));
        else
          fmt::print("{} {} {} @{}\n", put ? "PUT" : "DELETE", kv.getKey().cStr(), text(kv.getValue()),
                     kv.getModRevision());
        ++seen;
      }
      std::fflush(stdout);
      return success();
    });
  });
  report(must(c->call(
                  [&](Request::Builder r) {
                    auto w = r.initWatch();
                    w.setPrefix(o.key);
                    w.setStartRevision(o.start);
                  },
                  budget(o)),
              "watch"),
         o, "watch", true);
  // On stderr, so that --json stays one change per line: scripts wait for it
  // before they write what the watch must see.
  fmt::print(stderr, "watching {} from revision {}\n", o.key, o.start);
  std::fflush(stderr);
  std::signal(SIGINT, [](int sig) { interrupted = sig; });
  std::signal(SIGTERM, [](int sig) { interrupted = sig; });
  // A watch ends on a signal, after --count changes, or when its tunnel to the
  // director ends. Each says so on stderr: a watcher that stopped must not
  // look like a stream that had nothing more to say.
  std::string broken;
  auto ended = [&] {
    std::lock_guard lock(print);
    return !canceled.empty();
  };
  while (!interrupted && (o.count == 0 || seen < o.count) && (broken = c->broken()).empty() && !ended())
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (ended())
    throw cli_error(fmt::format("watch ended after {} changes: {}", seen.load(), canceled));
  if (!broken.empty())
    throw cli_error(fmt::format("watch ended after {} changes: the tunnel to the director closed: {}", seen.load(),
                                broken));
  if (interrupted) {
    fmt::print(stderr, "watch stopped by signal {} after {} changes\n", interrupted.load(), seen.load());
    std::fflush(stderr);
  }
}

/// kv bench: operations per second through the director (tunnel, director,
/// tunnel, a server's replica, and back) against the same reads on a replica
/// folded here from the log: what the path costs over the data structure.
void bench(const kv_options& o) {
  const std::size_t n = o.count ? o.count : 20000;
  const std::size_t threads = std::max<std::size_t>(1, o.lease ? o.lease : 8);
  auto c = connect(o);
  auto timed = [&](const char* what, const std::function<void(std::size_t)>& op, std::size_t ops) {
    std::atomic<std::size_t> next{0};
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> ts;
    for (std::size_t t = 0; t < threads; ++t)
      ts.emplace_back([&] {
        for (std::size_t i; (i = next++) < ops;)
          op(i);
      });
    for (auto& t : ts)
      t.join();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    (void)what;
    return ops / s;
  };
  std::atomic<std::size_t> errors{0};
  auto check = [&](result<std::string> r) {
    bool ok = r.has_value();
    if (ok)
      (void)read_message(r.value(), [&](PeerMessage::Reader m) -> result<void> {
        ok = m.isResponse() && m.getResponse().isOk();
        return success();
      });
    if (!ok)
      ++errors;
  };
  const std::size_t keys = 1000;
  const std::string value(o.value.empty() ? std::string(100, 'x') : o.value);
  const double puts = timed("put", [&](std::size_t i) {
    check(c->call([&](Request::Builder r) {
                    auto p = r.initWrite().initPut();
                    p.setKey(o.key + std::to_string(i % keys));
                    p.setValue(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(value.data()), value.size()));
                    p.getExpected().setAny();
                  },
                  budget(o)));
  }, std::min<std::size_t>(n, 4000));
  const double gets = timed("get", [&](std::size_t i) {
    check(c->call([&](Request::Builder r) { r.setGet(o.key + std::to_string(i % keys)); }, budget(o)));
  }, n);
  // The reference: the same gets on a replica of the same keyspace, here.
  actors::coordination::cluster_view view(open_log(o.data, true), o.data.names, {o.args.cluster, -1});
  view.start();
  auto log = open_log(o.data, true);
  const auto parts = must(log->partitions(view.kv_topic()), view.kv_topic());
  const auto head =
      must(log->end_offset(view.kv_topic(), events::partition_for(o.args.cluster, parts)), "reading the head").value;
  if (!view.wait_applied(head, std::chrono::seconds(60)))
    throw cli_error("the local replica did not catch up");
  std::atomic<std::size_t> found{0};
  const double local = timed("replica", [&](std::size_t i) {
    const auto key = o.key + std::to_string(i % keys);
    view.with_replica([&](const services::kv::replica& r) {
      if (r.get(key))
        ++found;
      return 0;
    });
  }, n * 10);
  view.stop();
  fmt::print(R"({{"threads":{},"puts_per_s":{:.0f},"gets_per_s":{:.0f},"replica_gets_per_s":{:.0f},)"
             R"("get_ratio":{:.5f},"errors":{},"replica_hits":{}}})" "\n",
             threads, puts, gets, local, gets / local, errors.load(), found.load());
}

} // namespace

void register_kv(CLI::App& app) {
  auto* kv = app.add_subcommand("kv", "the coordination key-value store, through the director");
  kv->require_subcommand(1);
  auto common = [](CLI::App* cmd, kv_options& o) {
    add_data_options(*cmd, o.data);
    add_tunnel_options(*cmd, o.args);
    cmd->add_flag("--json", o.json, "answer as JSON");
  };
  {
    auto o = std::make_shared<kv_options>();
    auto* cmd = kv->add_subcommand("put", "set a key (with --expect-revision: compare-and-swap)");
    cmd->add_option("KEY", o->key)->required();
    cmd->add_option("VALUE", o->value)->required();
    cmd->add_option("--expect-revision", o->expect, "the key's mod revision must be this (0: must not exist)");
    cmd->add_option("--lease", o->lease, "attach the key to this lease");
    common(cmd, *o);
    cmd->callback([o] { put(*o); });
  }
  {
    auto o = std::make_shared<kv_options>();
    auto* cmd = kv->add_subcommand("get", "read a key, or with --prefix every key under it");
    cmd->add_option("KEY", o->key)->required();
    cmd->add_flag("--prefix", o->prefix, "every key starting with KEY");
    cmd->add_option("--limit", o->count, "at most this many keys (--prefix)");
    cmd->add_flag("--linearizable", o->linearizable, "only a replica at the log's head may answer");
    common(cmd, *o);
    cmd->callback([o] { get(*o); });
  }
  {
    auto o = std::make_shared<kv_options>();
    auto* cmd = kv->add_subcommand("del", "delete a key, or with --prefix every key under it");
    cmd->add_option("KEY", o->key)->required();
    cmd->add_flag("--prefix", o->prefix, "every key starting with KEY");
    cmd->add_option("--expect-revision", o->expect, "the key's mod revision must be this");
    common(cmd, *o);
    cmd->callback([o] { del(*o); });
  }
  {
    auto o = std::make_shared<kv_options>();
    auto* cmd = kv->add_subcommand("watch", "print every change to a key prefix, in revision order, until interrupted");
    cmd->add_option("PREFIX", o->key)->required();
    cmd->add_option("--from-revision", o->start, "replay from this revision (0: from the next change)");
    cmd->add_option("--count", o->count, "exit after this many changes");
    common(cmd, *o);
    cmd->callback([o] { watch(*o); });
  }
  {
    auto o = std::make_shared<kv_options>();
    auto* cmd = kv->add_subcommand("bench", "operations/s through the director against a local replica's (JSON)");
    cmd->add_option("PREFIX", o->key, "keys PREFIX0..PREFIX999 are written and read")->required();
    cmd->add_option("--ops", o->count, "gets through the director (default 20000; puts: at most 4000)");
    cmd->add_option("--threads", o->lease, "requests in flight (default 8)");
    common(cmd, *o);
    cmd->callback([o] { bench(*o); });
  }
  {
    auto* lease = kv->add_subcommand("lease", "leases: keys that expire unless kept alive");
    lease->require_subcommand(1);
    for (auto [name, help, fn] : {std::tuple{"grant", "grant lease ID for --ttl seconds", &lease_grant},
                                  std::tuple{"keep-alive", "renew lease ID for its ttl", &lease_keep_alive},
                                  std::tuple{"revoke", "revoke lease ID and delete its keys", &lease_revoke}}) {
      auto o = std::make_shared<kv_options>();
      auto* cmd = lease->add_subcommand(name, help);
      cmd->add_option("ID", o->lease, "lease id (nonzero, chosen by the client)")->required();
      if (std::string_view(name) == "grant")
        cmd->add_option("--ttl", o->ttl_seconds, "seconds (default 10)");
      common(cmd, *o);
      cmd->callback([o, fn = fn] { fn(*o); });
    }
  }
}

} // namespace storemesh::ops
