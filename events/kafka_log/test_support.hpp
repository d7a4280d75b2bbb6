#pragma once
// What the KafkaLog's tests share: the log under test (a fresh FileLog, or a
// KafkaLog on the broker named by STOREMESH_TEST_KAFKA), topic names unique to the
// run (a broker keeps topics across runs), and the two case macros.
//
// LOG_CONFORMANCE_CASE(name) { body using `t` } runs the body twice: on a
// FileLog in a temp dir and on a KafkaLog. KAFKA_ONLY_CASE(name) { body using
// `options` } runs once on Kafka. Without STOREMESH_TEST_KAFKA (host:port, as
// printed by `ops/kafka start`) every Kafka run is skipped with a message, so
// the normal build passes without a broker. STOREMESH_KAFKA_RF=3 runs them on
// replicated topics (`ops/kafka start --nodes 3`).

#include "events/event_log.hpp"
#include "events/file_log/file_log.hpp"
#include "events/file_log/test_support.hpp"
#include "events/kafka_log/kafka_log.hpp"
#include "events/log_errc.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace storemesh::events::kafka_log_testing {

using namespace std::chrono_literals;
using namespace storemesh::events::file_log_testing;

using steady = std::chrono::steady_clock;
inline const partition_id p0{0};

enum class log_kind { file, kafka };

/// STOREMESH_TEST_KAFKA, as every suite that runs on a broker reads it
/// (ops/test starts one and sets it).
inline const char* kafka_bootstrap() {
  const char* b = std::getenv("STOREMESH_TEST_KAFKA");
  return b && *b ? b : nullptr;
}

/// STOREMESH_KAFKA_RF: the replication factor of the topics the tests create
/// (default 1; 3 on `ops/kafka start --nodes 3`).
inline kafka_log_options kafka_options() {
  kafka_log_options o;
  o.bootstrap = kafka_bootstrap();
  o.client_id = "storemesh-test";
  o.timeout = 20s;
  if (const char* rf = std::getenv("STOREMESH_KAFKA_RF"))
    o.replication_factor = static_cast<std::int16_t>(std::atoi(rf));
  return o;
}

/// Topic names unique to this process: "<run>.<name>", keeping the name's suffix.
inline std::string unique_topic(const std::string& name) {
  static const std::string run = "kl-test." + std::to_string(::getpid()) + "-" +
                                 std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 1000000007);
  static std::atomic<int> counter{0};
  return run + "." + std::to_string(counter++) + "." + name;
}

/// The log under test: a fresh FileLog, or a KafkaLog on the test broker.
class log_under_test {
public:
  /// nullptr when `kind` is kafka and STOREMESH_TEST_KAFKA is not set.
  static std::unique_ptr<log_under_test> make(log_kind kind) {
    std::unique_ptr<log_under_test> t(new log_under_test(kind));
    if (kind == log_kind::file) {
      t->log_ = open_log(test_options(t->dir_.path()));
      return t;
    }
    if (!kafka_bootstrap())
      return nullptr;
    auto log = kafka_log::open(kafka_options());
    BOOST_REQUIRE_MESSAGE(log, (log ? std::string() : log.error().message()));
    t->log_ = std::move(log.value());
    return t;
  }

  event_log& log() { return *log_; }
  /// Destroys the log (readers stay).
  void close() { log_.reset(); }
  /// A topic name for this test: unique per run on Kafka.
  std::string topic(const std::string& name) const { return kind_ == log_kind::kafka ? unique_topic(name) : name; }
  log_kind kind() const { return kind_; }
  const char* name() const { return kind_ == log_kind::kafka ? "KafkaLog" : "FileLog"; }

private:
  explicit log_under_test(log_kind kind) : kind_(kind) {}

  log_kind kind_;
  testing::temp_dir dir_;
  std::unique_ptr<event_log> log_;
};

template <class T>
log_errc errc_of(const result<T>& r) {
  BOOST_REQUIRE(!r);
  BOOST_REQUIRE_MESSAGE(r.error().code.category() == log_category(), r.error().message());
  return static_cast<log_errc>(r.error().code.value());
}

/// n records "<tag>-<i>" with millisecond timestamps (Kafka keeps milliseconds).
inline std::vector<record> ms_batch(const std::string& tag, int n, std::size_t value_bytes = 100) {
  auto batch = make_batch(tag, n, value_bytes);
  for (int i = 0; i < n; ++i)
    batch[i].timestamp_ns = (1'700'000'000'000LL + i) * 1'000'000;
  return batch;
}

/// Polls until `n` records arrived or `timeout` passed (appends by others
/// reach a Kafka reader a fetch round trip later).
inline std::vector<owned_record> read_n(log_reader& reader, std::size_t n, std::chrono::milliseconds timeout = 10s) {
  std::vector<owned_record> all;
  std::vector<record_view> views;
  const auto deadline = steady::now() + timeout;
  while (all.size() < n && steady::now() < deadline) {
    views.clear();
    auto got = reader.poll(views);
    BOOST_REQUIRE_MESSAGE(got, (got ? std::string() : got.error().message()));
    for (const auto& v : views)
      all.push_back(owned_record{v.off, v.timestamp_ns, std::string(v.key), std::string(v.value)});
    if (got.value() == 0)
      std::this_thread::sleep_for(1ms);
  }
  return all;
}

inline void create(event_log& log, const std::string& topic, std::int32_t partitions) {
  auto r = log.create_topic(topic, partitions);
  BOOST_REQUIRE_MESSAGE(r, (r ? std::string() : r.error().message()));
}

inline double seconds_since(steady::time_point t0) { return std::chrono::duration<double>(steady::now() - t0).count(); }

} // namespace storemesh::events::kafka_log_testing

// The case macros name everything fully: they expand in the tests' namespace.
#define LOG_CONFORMANCE_CASE(name)                                                              \
  static void name##_body(::storemesh::events::kafka_log_testing::log_under_test& t);           \
  BOOST_AUTO_TEST_CASE(name##_on_file_log) {                                                    \
    namespace klt = ::storemesh::events::kafka_log_testing;                                     \
    auto t = klt::log_under_test::make(klt::log_kind::file);                                    \
    name##_body(*t);                                                                            \
  }                                                                                             \
  BOOST_AUTO_TEST_CASE(name##_on_kafka) {                                                       \
    namespace klt = ::storemesh::events::kafka_log_testing;                                     \
    auto t = klt::log_under_test::make(klt::log_kind::kafka);                                   \
    if (!t) {                                                                                   \
      BOOST_TEST_MESSAGE("skipped " #name "_on_kafka: set STOREMESH_TEST_KAFKA (ops/kafka start)");  \
      return;                                                                                   \
    }                                                                                           \
    name##_body(*t);                                                                            \
  }                                                                                             \
  static void name##_body(::storemesh::events::kafka_log_testing::log_under_test& t)

#define KAFKA_ONLY_CASE(name)                                                                   \
  static void name##_body(::storemesh::events::kafka_log_options options);                      \
  BOOST_AUTO_TEST_CASE(name) {                                                                  \
    namespace klt = ::storemesh::events::kafka_log_testing;                                     \
    if (!klt::kafka_bootstrap()) {                                                              \
      BOOST_TEST_MESSAGE("skipped " #name ": set STOREMESH_TEST_KAFKA (ops/kafka start)");           \
      return;                                                                                   \
    }                                                                                           \
    name##_body(klt::kafka_options());                                                          \
  }                                                                                             \
  static void name##_body(::storemesh::events::kafka_log_options options)
