#pragma once
// runtime_fixture plus a model: every command the test sends also goes through
// host_model, and the log is then checked against it -- each command decided
// exactly once, as the model decided it; each host's events the model's.

#include "tests/runtime/runtime_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <set>
#include <string>
#include <vector>

namespace storemesh::testing::runtime {

inline std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v)
    out += (out.empty() ? "" : ",") + s;
  return out;
}

/// A command the test sent, what the model expects of it, and where it landed.
struct sent {
  std::string host;
  command_position where;
  bool accepted = false;
  std::string code;  ///< expected rejection code
};

/// The fixture plus a model that every command also goes through.
struct modelled_fixture : runtime_fixture {
  host_model model;
  std::vector<sent> sent_log;  ///< every command sent, in order

  /// Submits without waiting (the CLI's --no-wait) and records the model's verdict.
  void send(const std::string& id, const host::command& c) {
    const auto where = submit_nowait(id, c);
    const auto d = model.apply(id, c);
    sent_log.push_back({id, where, d.accepted(), d.accepted() ? std::string() : d.why().code});
  }

  /// Appends an exact copy of an earlier command: its outcome must be `duplicate`.
  void replay(const sent& original) {
    const auto where = append_command(original.host, command_at(original.where));
    sent_log.push_back({original.host, where, false, "duplicate"});
  }

  void wait_for_all(std::chrono::milliseconds timeout = outcome_wait) {
    std::vector<command_position> all;
    for (const auto& s : sent_log)
      all.push_back(s.where);
    (void)wait_for_outcomes(all, timeout);
  }

  /// Every command's outcome in the log is the model's, decided exactly once;
  /// every host's events are the model's; the replayed state is the model's.
  void expect_log_matches_model() {
    auto got = outcomes();
    for (const auto& s : sent_log) {
      const auto& o = got[s.where];
      BOOST_TEST_CONTEXT(s.host << " " << s.where) {
        BOOST_TEST(o.events == (s.accepted ? 1u : 0u));
        BOOST_TEST(joined(o.rejections) == s.code);
      }
    }
    const auto histories = host_histories();
    const auto images = replay_hosts();
    for (const auto& [id, expected] : model.events()) {
      BOOST_TEST_CONTEXT("host " << id) {
        BOOST_REQUIRE(histories.count(id) == 1u);
        const auto& h = histories.at(id);
        BOOST_TEST((h.events == expected));
        for (std::size_t i = 0; i < h.sequences.size(); ++i)
          BOOST_TEST(h.sequences[i] == i + 1);
        std::set<std::string> causes(h.causes.begin(), h.causes.end());
        BOOST_TEST(causes.size() == h.causes.size());  // no command caused two events
        BOOST_TEST((images.at(id).state == model.states().at(id)));
      }
    }
    for (const auto& [id, image] : images)
      BOOST_TEST(model.events().count(id) == 1u, "host " << id << " has events the model has not");
  }

  /// With `but_malformed_commands`, the audit's known complaint about
  /// undecodable commands (forged_input.test.cpp) is let through.
  void expect_clean_audit(bool but_malformed_commands = false) {
    const auto report = audit();
    std::string violations;
    const auto commands = names().commands() + "/";
    for (const auto& v : report.violations)
      if (!but_malformed_commands || v.rfind(commands, 0) != 0 || v.find("malformed") == std::string::npos)
        violations += v + "; ";
    BOOST_TEST(violations.empty(), violations);
  }

  /// Eight hosts registered, then a few state changes each, some refused.
  void typical_workload() {
    for (int i = 0; i < 8; ++i)
      send("h" + std::to_string(i), register_cmd("ds" + std::to_string(i), "/mnt/ds" + std::to_string(i)));
    send("h0", register_cmd());                      // already_registered
    send("h9", set_state_cmd(host::host_state::draining));  // unknown_host
    for (int i = 0; i < 8; ++i) {
      const auto id = "h" + std::to_string(i);
      send(id, set_state_cmd(host::host_state::draining));
      if (i % 2)
        send(id, set_state_cmd(host::host_state::draining));  // no_change
      if (i % 3 == 0)
        send(id, set_state_cmd(host::host_state::down));
      if (i % 3 == 1)
        send(id, set_state_cmd(host::host_state::up));
    }
    send("h0", set_state_cmd(host::host_state::draining));  // bad_transition: down -> draining
  }
};

} // namespace storemesh::testing::runtime
