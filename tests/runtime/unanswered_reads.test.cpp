// A log that does not answer for a while (a broker restarting, a machine too
// busy for it): the commands that need an entity's history wait for it, and
// are decided against it, instead of being refused.

#include "tests/runtime/modelled_fixture.hpp"

#include "events/forwarding_log.hpp"
#include "events/log_errc.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <pthread.h>
#include <string_view>

using namespace storemesh;
using namespace storemesh::testing::runtime;
using storemesh::services::host::host_state;

namespace {

/// The first `failures` reads of `topic` made on the blocking pool (the
/// takeover's restores, an entity's recovery) answer as a broker that did not
/// answer in time (log_errc::unavailable); then it reads as the log does. The
/// daemon's feeds, which read at its start on their own threads, are spared.
class unanswered_reads final : public events::forwarding_log {
public:
  unanswered_reads(events::event_log& inner, std::string topic, int failures)
      : forwarding_log(inner), topic_(std::move(topic)), left_(failures) {}

  result<std::unique_ptr<events::log_reader>> read(std::string_view t, partition_id p, offset from) override {
    if (t == topic_ && on_the_pool() && left_.fetch_sub(1) > 0) {
      failed_.fetch_add(1);
      return make_error(events::log_errc::unavailable, "reads of " + topic_ + " time out in this test");
    }
    return forwarding_log::read(t, p, from);
  }

  [[nodiscard]] int failed() const { return failed_.load(); }

private:
  static bool on_the_pool() {
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof name);
    return std::string_view(name) == "sm.pool";
  }

  std::string topic_;
  std::atomic<int> left_;
  std::atomic<int> failed_{0};
};

} // namespace

BOOST_AUTO_TEST_SUITE(runtime_unanswered_reads)

BOOST_FIXTURE_TEST_CASE(an_entity_whose_history_does_not_answer_waits_for_it_and_decides_against_it,
                        modelled_fixture) {
  start_daemon();
  send("h1", register_cmd());
  wait_for_all();
  stop_daemon();

  // At the restart the takeover of h1's partition reads the host events and
  // fails (so does the other partition's, on a log where it has records to
  // read): h1 recovers alone, and its next reads fail too, 3 or 4 of them
  // (0.1 + 0.2 + 0.4 + 0.8 s of retries). Without the retries the commands
  // were refused as `unavailable`.
  unanswered_reads* slow = nullptr;
  wrap_daemon_log = [&](events::event_log& log) {
    auto wrapped = std::make_unique<unanswered_reads>(log, names().events(services::host::entity::kind), 5);
    slow = wrapped.get();
    return wrapped;
  };
  start_daemon();
  send("h1", set_state_cmd(host_state::draining));  // accepted only against h1's history
  send("h1", register_cmd());                       // already_registered, the same
  wait_for_all();
  BOOST_REQUIRE(slow != nullptr);
  BOOST_TEST(slow->failed() == 5);
  expect_log_matches_model();
  expect_clean_audit();
}

BOOST_AUTO_TEST_SUITE_END()
