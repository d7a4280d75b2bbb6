// bench_kafka: the KafkaLog against librdkafka used directly, on the same
// broker in the same run, and Kafka's own perf tools as a further reference.
//
//   bench_kafka --bootstrap HOST:PORT [--records N] [--size S] [--batch B]
//               [--threads T] [--no-java] [--ops-kafka PATH]
//
// 1. append: KafkaLog::append() in batches of B (one thread, then T threads)
//    vs raw librdkafka: the same records with the same producer settings
//    (idempotent, acks=all, linger.ms=0, one request in flight, no
//    compression), produced asynchronously and flushed once.
// 2. replay: a KafkaLog reader from offset 0 to the end vs a raw partition
//    consumer with the same fetch settings.
// 3. latency: one-record appends, one at a time, vs raw produce + flush.
// 4. references: Kafka's ProducerPerformance and ConsumerPerformance (run
//    through `ops/kafka run` when `ops/kafka classpath` works).
// Ratios are figure / reference as rates: < 1 means slower than the reference.
// Every topic it creates (one partition each) is deleted at the end.

#include "bench/machine_info.hpp"
#include "events/kafka_log/kafka_log.hpp"

#include <librdkafka/rdkafka.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#ifndef STOREMESH_SOURCE_DIR
#define STOREMESH_SOURCE_DIR "."
#endif

using namespace storemesh;
using namespace storemesh::events;
using steady = std::chrono::steady_clock;

namespace {

struct options {
  std::string bootstrap;
  std::size_t records = 500'000;
  std::size_t size = 100;
  std::size_t batch = 1000;
  int threads = 4;
  bool java = true;
  std::string ops_kafka = STOREMESH_SOURCE_DIR "/ops/kafka";
};

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "bench_kafka: %s\n", what.c_str());
  std::exit(1);
}

template <class T>
T must(result<T> r, const std::string& what) {
  if (!r)
    fail(what + ": " + r.error().message());
  if constexpr (!std::is_void_v<T>)
    return std::move(r).value();
}

double seconds_since(steady::time_point t0) { return std::chrono::duration<double>(steady::now() - t0).count(); }

std::string human(double v) {
  char buf[32];
  if (v >= 1e6)
    std::snprintf(buf, sizeof buf, "%.3gM", v / 1e6);
  else if (v >= 1e3)
    std::snprintf(buf, sizeof buf, "%.3gk", v / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// -- the table -----------------------------------------------------------------------

struct row {
  std::string what;
  double figure;      // records/s (or, for latency rows, 1/seconds)
  std::string reference;
  double ref;         // the same unit; <= 0: no reference
  std::string unit = "rec/s";
};

void print_rows(const std::string& title, const std::vector<row>& rows, std::size_t record_bytes) {
  std::printf("\n%s\n", title.c_str());
  for (const auto& r : rows) {
    std::string fig = human(r.figure) + " " + r.unit;
    if (r.unit == "rec/s")
      fig += " (" + human(r.figure * static_cast<double>(record_bytes) / 1e6) + " MB/s)";
    std::printf("  %-42s %-26s", r.what.c_str(), fig.c_str());
    if (r.ref > 0)
      std::printf(" vs %-36s %-12s ratio %.2f", r.reference.c_str(), (human(r.ref) + " " + r.unit).c_str(),
                  r.figure / r.ref);
    std::printf("\n");
  }
}

// -- the records -----------------------------------------------------------------------

std::vector<record> make_records(const options& o) {
  std::mt19937_64 rng(42);
  std::vector<record> out(o.records);
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (std::size_t i = 0; i < o.records; ++i) {
    out[i].key = "entity-" + std::to_string(i % 10'000);
    out[i].value.resize(o.size);
    for (std::size_t b = 0; b < o.size; b += 8) {
      const std::uint64_t word = rng();
      std::memcpy(out[i].value.data() + b, &word, std::min<std::size_t>(8, o.size - b));
    }
    out[i].timestamp_ns = (now_ms + static_cast<std::int64_t>(i / 1000)) * 1'000'000;
  }
  return out;
}

// -- raw librdkafka ------------------------------------------------------------------------

rd_kafka_conf_t* raw_conf(const options& o, const char* client_id) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  auto set = [&](const char* k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
      fail(std::string("config ") + k + ": " + err);
  };
  set("bootstrap.servers", o.bootstrap);
  set("client.id", client_id);
  set("allow.auto.create.topics", "false");
  set("log.connection.close", "false");
  return conf;
}

rd_kafka_t* raw_client(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk)
    fail(std::string("rd_kafka_new: ") + err);
  return rk;
}

std::atomic<std::size_t> raw_delivered{0};
std::atomic<std::size_t> raw_failed{0};

void raw_on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  (m->err ? raw_failed : raw_delivered).fetch_add(1, std::memory_order_relaxed);
}

/// The KafkaLog producer's settings, on a plain librdkafka producer.
rd_kafka_t* raw_producer(const options& o) {
  rd_kafka_conf_t* conf = raw_conf(o, "bench-raw-producer");
  char err[512];
  for (auto [k, v] : {std::pair<const char*, const char*>{"enable.idempotence", "true"},
                      {"acks", "all"},
                      {"linger.ms", "0"},
                      {"max.in.flight.requests.per.connection", "1"},
                      {"compression.type", "none"},
                      {"message.timeout.ms", "30000"},
                      {"queue.buffering.max.messages", "1000000"}})
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK)
      fail(std::string("config ") + k + ": " + err);
  rd_kafka_conf_set_dr_msg_cb(conf, raw_on_delivery);
  return raw_client(RD_KAFKA_PRODUCER, conf);
}

/// Produces every record asynchronously, then flushes: librdkafka's best case.
double raw_produce_all(const options& o, const std::string& topic, const std::vector<record>& records) {
  rd_kafka_t* rk = raw_producer(o);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  // Connect and learn the leader before the clock starts, as the KafkaLog has.
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk, 0, rkt, &md, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR)
    rd_kafka_metadata_destroy(md);
  raw_delivered = 0;
  raw_failed = 0;
  const auto t0 = steady::now();
  for (std::size_t i = 0; i < records.size(); ++i) {
    const record& r = records[i];
    for (;;) {
      const auto err = rd_kafka_producev(
          rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_MSGFLAGS(0),
          RD_KAFKA_V_KEY(r.key.data(), r.key.size()), RD_KAFKA_V_VALUE(const_cast<char*>(r.value.data()), r.value.size()),
          RD_KAFKA_V_TIMESTAMP(r.timestamp_ns / 1'000'000), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 1);
        continue;
      }
      if (err)
        fail(std::string("raw produce: ") + rd_kafka_err2str(err));
      break;
    }
    if (i % 1000 == 0)
      rd_kafka_poll(rk, 0);
  }
  if (rd_kafka_flush(rk, 60000))
    fail("raw flush timed out");
  const double s = seconds_since(t0);
  if (raw_failed || raw_delivered != records.size())
    fail("raw produce: " + std::to_string(raw_failed.load()) + " failed deliveries");
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return static_cast<double>(records.size()) / s;
}

/// One-record produce + flush, one at a time: the raw round trip.
double raw_single_latency(const options& o, const std::string& topic, int n) {
  rd_kafka_t* rk = raw_producer(o);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  std::vector<double> lat;
  for (int i = 0; i < n + 5; ++i) {
    const auto t0 = steady::now();
    if (rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                          RD_KAFKA_V_KEY("k", 1), RD_KAFKA_V_VALUE(const_cast<char*>("value"), 5), RD_KAFKA_V_END))
      fail("raw single produce");
    rd_kafka_flush(rk, 30000);
    if (i >= 5) // the first ones include connecting and the producer id
      lat.push_back(seconds_since(t0));
  }
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  std::sort(lat.begin(), lat.end());
  return lat[lat.size() / 2];
}

/// A plain partition consumer with the KafkaLog reader's fetch settings,
/// from offset 0 until `n` records arrived.
double raw_consume_all(const options& o, const std::string& topic, std::size_t n) {
  rd_kafka_conf_t* conf = raw_conf(o, "bench-raw-consumer");
  char err[512];
  for (auto [k, v] : {std::pair<const char*, const char*>{"enable.partition.eof", "false"},
                      {"isolation.level", "read_committed"},
                      {"check.crcs", "true"},
                      {"enable.auto.commit", "false"},
                      {"fetch.wait.max.ms", "10"},
                      {"queued.max.messages.kbytes", "16384"},
                      {"max.partition.fetch.bytes", "4194304"}})
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK)
      fail(std::string("config ") + k + ": " + err);
  const auto t0 = steady::now();
  rd_kafka_t* rk = raw_client(RD_KAFKA_CONSUMER, conf);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  if (rd_kafka_consume_start_queue(rkt, 0, 0, q) == -1)
    fail("raw consume_start");
  std::vector<rd_kafka_message_t*> msgs(1000);
  std::size_t got = 0, bytes = 0;
  while (got < n) {
    const ssize_t k = rd_kafka_consume_batch_queue(q, 1000, msgs.data(), std::min<std::size_t>(msgs.size(), n - got));
    for (ssize_t i = 0; i < k; ++i) {
      if (!msgs[i]->err) {
        ++got;
        bytes += msgs[i]->len + msgs[i]->key_len;
      }
      rd_kafka_message_destroy(msgs[i]);
    }
  }
  const double s = seconds_since(t0);
  rd_kafka_consume_stop(rkt, 0);
  rd_kafka_queue_destroy(q);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  if (bytes == 0)
    fail("raw consume read nothing");
  return static_cast<double>(n) / s;
}

void delete_topics(const options& o, const std::vector<std::string>& topics) {
  rd_kafka_t* rk = raw_client(RD_KAFKA_PRODUCER, raw_conf(o, "bench-admin"));
  std::vector<rd_kafka_DeleteTopic_t*> del;
  for (const auto& t : topics)
    del.push_back(rd_kafka_DeleteTopic_new(t.c_str()));
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_DeleteTopics(rk, del.data(), del.size(), nullptr, q);
  if (rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000))
    rd_kafka_event_destroy(ev);
  rd_kafka_DeleteTopic_destroy_array(del.data(), del.size());
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
}

// -- the KafkaLog -------------------------------------------------------------------------

double log_append_all(kafka_log& log, const std::string& topic, const std::vector<record>& records,
                      std::size_t batch, int threads) {
  std::vector<std::vector<record>> batches;
  for (std::size_t i = 0; i < records.size(); i += batch)
    batches.emplace_back(records.begin() + i, records.begin() + std::min(records.size(), i + batch));
  std::atomic<std::size_t> next{0};
  const auto t0 = steady::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&] {
      for (std::size_t b; (b = next.fetch_add(1)) < batches.size();)
        must(log.append(topic, partition_id{0}, batches[b]), "KafkaLog append");
    });
  for (auto& t : ts)
    t.join();
  return static_cast<double>(records.size()) / seconds_since(t0);
}

double log_read_all(kafka_log& log, const std::string& topic, std::size_t n) {
  const auto t0 = steady::now();
  auto reader = must(log.read(topic, partition_id{0}, offset{0}), "KafkaLog read");
  std::vector<record_view> views;
  std::size_t got = 0, bytes = 0;
  while (got < n) {
    views.clear();
    got += must(reader->poll(views, 1 << 20), "KafkaLog poll");
    for (const auto& v : views)
      bytes += v.value.size();
  }
  const double s = seconds_since(t0);
  if (bytes == 0)
    fail("KafkaLog read nothing");
  return static_cast<double>(n) / s;
}

double log_single_latency(kafka_log& log, const std::string& topic, int n) {
  std::vector<double> lat;
  const std::vector<record> one{record{"k", "value", 0}};
  for (int i = 0; i < n + 5; ++i) {
    const auto t0 = steady::now();
    must(log.append(topic, partition_id{0}, one), "KafkaLog single append");
    if (i >= 5)
      lat.push_back(seconds_since(t0));
  }
  std::sort(lat.begin(), lat.end());
  return lat[lat.size() / 2];
}

// -- Kafka's own tools ----------------------------------------------------------------------

/// Runs a command, returns its stdout (empty on failure).
std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p)
    return out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p))
    out += buf;
  if (::pclose(p) != 0)
    return {};
  return out;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s)
    q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

/// "N records sent, X records/sec (...)" -> X.
double parse_producer_perf(const std::string& out) {
  const auto at = out.rfind(" records sent, ");
  if (at == std::string::npos)
    return -1;
  return std::atof(out.c_str() + at + std::strlen(" records sent, "));
}

/// The CSV line under ConsumerPerformance's header -> the column `name`.
double parse_consumer_perf(const std::string& out, const std::string& name) {
  std::istringstream in(out);
  std::string line, header;
  while (std::getline(in, line)) {
    if (line.find("nMsg.sec") != std::string::npos) {
      header = line;
      continue;
    }
    if (header.empty() || line.empty())
      continue;
    auto split = [](const std::string& s) {
      std::vector<std::string> cols;
      std::stringstream ss(s);
      for (std::string c; std::getline(ss, c, ',');)
        cols.push_back(c.substr(c.find_first_not_of(' ')));
      return cols;
    };
    const auto h = split(header), v = split(line);
    for (std::size_t i = 0; i < h.size() && i < v.size(); ++i)
      if (h[i] == name)
        return std::atof(v[i].c_str());
  }
  return -1;
}

options parse(int argc, char** argv) {
  options o;
  if (const char* env = std::getenv("STOREMESH_KAFKA"))
    o.bootstrap = env;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        fail(a + " needs a value");
      return argv[++i];
    };
    if (a == "--bootstrap")
      o.bootstrap = value();
    else if (a == "--records")
      o.records = std::stoull(value());
    else if (a == "--size")
      o.size = std::stoull(value());
    else if (a == "--batch")
      o.batch = std::stoull(value());
    else if (a == "--threads")
      o.threads = std::stoi(value());
    else if (a == "--no-java")
      o.java = false;
    else if (a == "--ops-kafka")
      o.ops_kafka = value();
    else if (a == "--help" || a == "-h") {
      std::printf("bench_kafka --bootstrap HOST:PORT [--records N] [--size S] [--batch B] [--threads T] "
                  "[--no-java] [--ops-kafka PATH]\n");
      std::exit(0);
    } else
      fail("unknown option " + a + " (--help)");
  }
  if (o.bootstrap.empty())
    fail("--bootstrap HOST:PORT is required (or STOREMESH_KAFKA); `ops/kafka start` prints one");
  if (o.records < o.batch || o.size == 0 || o.batch == 0 || o.threads < 1)
    fail("need --records >= --batch > 0, --size > 0, --threads > 0");
  return o;
}

} // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  const std::size_t record_bytes = o.size + 12; // value + a key of ~12 bytes
  std::printf("bench_kafka: %s\n", bench::command_line(argc, argv).c_str());
  std::printf("cpu: %s, load %s\n", bench::cpu_model().c_str(), bench::first_line("/proc/loadavg").c_str());
  std::printf("librdkafka %s, broker %s, %zu records of %zu B (+ ~12 B key), KafkaLog batches of %zu\n",
              rd_kafka_version_str(), o.bootstrap.c_str(), o.records, o.size, o.batch);

  kafka_log_options lo;
  lo.bootstrap = o.bootstrap;
  lo.client_id = "bench-kafka";
  auto log = must(kafka_log::open(lo), "open the KafkaLog");
  const std::string run_id = "bench.kafka." + std::to_string(::getpid());
  const std::string t_log = run_id + ".log", t_log_mt = run_id + ".log-mt", t_raw = run_id + ".raw",
                    t_lat = run_id + ".latency", t_java = run_id + ".java";
  std::vector<std::string> topics{t_log, t_log_mt, t_raw, t_lat};
  for (const auto& t : topics)
    must(log->create_topic(t, 1), "create " + t);

  const auto records = make_records(o);

  // 1. append
  // Raw first and last (the better one counts): a fresh topic's first writes
  // and the broker's warm-up do not land on one side only.
  double raw_append = raw_produce_all(o, t_raw, records);
  const double log_append = log_append_all(*log, t_log, records, o.batch, 1);
  const double log_append_mt = log_append_all(*log, t_log_mt, records, o.batch, o.threads);
  raw_append = std::max(raw_append, raw_produce_all(o, t_raw, records));
  print_rows("1. append (acks=all, idempotent)",
             {{"KafkaLog append, batches of " + std::to_string(o.batch) + ", 1 thread", log_append,
               "raw produce all + flush (best of 2)", raw_append},
              {"KafkaLog append, batches of " + std::to_string(o.batch) + ", " + std::to_string(o.threads) +
                   " threads",
               log_append_mt, "raw produce all + flush (best of 2)", raw_append}},
             record_bytes);

  // 2. replay
  // Both read the topic the KafkaLog wrote (same record batches), twice, in turns.
  double log_read = 0, raw_read = 0;
  for (int round = 0; round < 2; ++round) {
    log_read = std::max(log_read, log_read_all(*log, t_log, o.records));
    raw_read = std::max(raw_read, raw_consume_all(o, t_log, o.records));
  }
  print_rows("2. replay from offset 0 (read_committed, CRC checked; best of 2)",
             {{"KafkaLog reader", log_read, "raw partition consumer", raw_read}}, record_bytes);

  // 3. latency of one record
  const double log_lat = log_single_latency(*log, t_lat, 200);
  const double raw_lat = raw_single_latency(o, t_lat, 200);
  std::printf("\n3. one record at a time (median of 200)\n");
  std::printf("  %-42s %.3f ms   vs raw produce + flush %.3f ms   ratio %.2f\n", "KafkaLog append", log_lat * 1e3,
              raw_lat * 1e3, raw_lat / log_lat);

  // 4. Kafka's own perf tools
  const std::string producer_cmd =
      "java -cp \"$(ops/kafka classpath)\" org.apache.kafka.tools.ProducerPerformance --topic " + t_java +
      " --num-records " + std::to_string(o.records) + " --record-size " + std::to_string(o.size) +
      " --throughput -1 --producer-props bootstrap.servers=" + o.bootstrap + " acks=all";
  const std::string consumer_cmd =
      "java -cp \"$(ops/kafka classpath)\" org.apache.kafka.tools.ConsumerPerformance --bootstrap-server " +
      o.bootstrap + " --topic " + t_java + " --messages " + std::to_string(o.records) + " --timeout 60000";
  std::printf("\n4. Kafka's own tools, the same sizes:\n  %s\n  %s\n", producer_cmd.c_str(), consumer_cmd.c_str());
  const bool have_tools =
      o.java && !run(shell_quote(o.ops_kafka) + " classpath 2>/dev/null").empty();
  if (have_tools) {
    must(log->create_topic(t_java, 1), "create " + t_java);
    topics.push_back(t_java);
    const std::string tool = shell_quote(o.ops_kafka) + " run ";
    const std::string p_out = run(tool + "org.apache.kafka.tools.ProducerPerformance --topic " + t_java +
                                  " --num-records " + std::to_string(o.records) + " --record-size " +
                                  std::to_string(o.size) + " --throughput -1 --producer-props bootstrap.servers=" +
                                  o.bootstrap + " acks=all 2>/dev/null");
    const std::string c_out = run(tool + "org.apache.kafka.tools.ConsumerPerformance --bootstrap-server " +
                                  o.bootstrap + " --topic " + t_java + " --messages " + std::to_string(o.records) +
                                  " --timeout 60000 2>/dev/null");
    const double java_produce = parse_producer_perf(p_out);
    const double java_consume = parse_consumer_perf(c_out, "nMsg.sec");
    const double java_fetch = parse_consumer_perf(c_out, "fetch.nMsg.sec");
    std::vector<row> rows;
    if (java_produce > 0) {
      rows.push_back({"Java ProducerPerformance (acks=all)", java_produce, "", 0});
      rows.push_back({"  KafkaLog append, 1 thread", log_append, "Java ProducerPerformance", java_produce});
      rows.push_back({"  KafkaLog append, " + std::to_string(o.threads) + " threads", log_append_mt,
                      "Java ProducerPerformance", java_produce});
      rows.push_back({"  raw librdkafka produce", raw_append, "Java ProducerPerformance", java_produce});
    } else {
      std::printf("  ProducerPerformance gave no figure:\n%s\n", p_out.c_str());
    }
    if (java_consume > 0) {
      rows.push_back({"Java ConsumerPerformance (with group join)", java_consume, "", 0});
      rows.push_back({"Java ConsumerPerformance (fetch only)", java_fetch, "", 0});
      rows.push_back({"  KafkaLog reader", log_read, "Java ConsumerPerformance fetch", java_fetch});
    } else {
      std::printf("  ConsumerPerformance gave no figure:\n%s\n", c_out.c_str());
    }
    print_rows("   references (same broker, same run)", rows, record_bytes);
  } else {
    std::printf("  (not run: %s)\n", o.java ? "`ops/kafka classpath` failed" : "--no-java");
  }

  log.reset();
  delete_topics(o, topics);
  return 0;
}
