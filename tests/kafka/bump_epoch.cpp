// kafka_bump_epoch BROKER TRANSACTIONAL_ID: takes the transactional id once
// (init_transactions) and exits. The id's epoch goes up by one, which is
// what the transaction coordinator does by itself when it aborts a
// transaction that timed out (a broker outage or a pause of its producer
// longer than the transaction timeout): the producer holding the id is
// fenced at its next request, with nobody else running. fencing.sh uses it
// to show that a daemon so fenced carries on.

#include <librdkafka/rdkafka.h>

#include <cstdio>
#include <memory>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: kafka_bump_epoch BROKER TRANSACTIONAL_ID\n");
    return 2;
  }
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof err) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "transactional.id", argv[2], err, sizeof err) != RD_KAFKA_CONF_OK) {
    std::fprintf(stderr, "config: %s\n", err);
    rd_kafka_conf_destroy(conf);
    return 1;
  }
  std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)> rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err),
                                                              &rd_kafka_destroy);
  if (!rk) {
    std::fprintf(stderr, "rd_kafka_new: %s\n", err);
    return 1;
  }
  if (rd_kafka_error_t* e = rd_kafka_init_transactions(rk.get(), 60000)) {
    std::fprintf(stderr, "init_transactions: %s\n", rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
    return 1;
  }
  std::printf("epoch of %s bumped\n", argv[2]);
  return 0;
}
