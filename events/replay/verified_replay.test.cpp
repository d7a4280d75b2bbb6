#include "events/replay/verified_replay.hpp"

#include "events/replay/test_log.hpp"

#include <boost/test/unit_test.hpp>

namespace storemesh::events::replay {
namespace {

using testing::event_writer;
using testing::memory_log;

struct fixture {
  crypto::key_pair sealer = crypto::key_pair::generate();
  crypto::trusted_keys trusted{sealer.public_key()};
  memory_log log;
  event_writer w{log, sealer};

  replay_report run(unsigned threads = 2, std::size_t poll_bytes = 4096) {
    replay_options o;
    o.threads = threads;
    o.poll_bytes = poll_bytes;
    auto r = verified_replay(log, "t", partition_id{0}, trusted, {}, o);
    BOOST_REQUIRE(r.has_value());
    return std::move(r).value();
  }
};

/// The violations as "offset: what" lines, for readable failures.
std::string describe(const replay_report& r) {
  std::string s;
  for (const auto& v : r.violations) s += std::to_string(v.at.value) + ": " + v.what + "\n";
  return s;
}

void require_one(const replay_report& r, std::int64_t at, const std::string& what) {
  BOOST_TEST_REQUIRE(r.violations.size() == 1u, describe(r));
  BOOST_TEST(r.violations[0].at.value == at, describe(r));
  BOOST_TEST(r.violations[0].what.find(what) != std::string::npos, describe(r));
  BOOST_TEST(r.violations[0].topic == "t");
}

BOOST_FIXTURE_TEST_SUITE(verified_replay_tests, fixture)

BOOST_AUTO_TEST_CASE(a_good_log_passes_and_events_arrive_in_order) {
  // 40 batches of 50 over 7 entities: many chunks and polls, both threads busy.
  for (int b = 0; b < 40; ++b) {
    std::vector<std::pair<std::string, std::string>> values;
    for (int i = 0; i < 50; ++i) {
      const std::string e = "host-" + std::to_string((b * 50 + i) % 7);
      values.emplace_back(e, w.event(e));
    }
    w.batch(values);
  }
  // One poll of many chunks (both threads share it) and many small polls.
  for (const auto& [threads, poll_bytes] : {std::pair{2u, std::size_t{1} << 20}, std::pair{2u, std::size_t{10'000}},
                                            std::pair{4u, std::size_t{1} << 20}, std::pair{1u, std::size_t{1} << 20}}) {
    std::vector<std::int64_t> offsets;
    std::uint64_t sequences = 0;
    replay_options o;
    o.threads = threads;
    o.poll_bytes = poll_bytes;
    auto r = verified_replay(
        log, "t", partition_id{0}, trusted,
        [&](const record_view& rec, const envelope::decoded_envelope& env, const crypto::digest& hash) {
          offsets.push_back(rec.off.value);
          sequences += env.reader().getSequence();
          BOOST_TEST((hash == crypto::record_hash(rec.value)));
        },
        o);
    BOOST_REQUIRE(r.has_value());
    BOOST_TEST(r.value().clean(), describe(r.value()));
    BOOST_TEST(r.value().records == 2040u);
    BOOST_TEST(r.value().events == 2000u);
    BOOST_TEST(r.value().seals == 40u);
    BOOST_TEST(r.value().end.value == 2040);
    BOOST_TEST_REQUIRE(offsets.size() == 2000u);
    bool ordered = true;
    for (std::size_t i = 1; i < offsets.size(); ++i) ordered = ordered && offsets[i] > offsets[i - 1];
    BOOST_TEST(ordered);
  }
}

BOOST_AUTO_TEST_CASE(a_broken_link_is_reported_at_its_offset_once) {
  const auto a1 = w.event("a");
  const auto a2 = w.event("a", {}, crypto::digest{1});
  const auto a3 = w.event("a");  // links to a2 as stored: the replay resynchronises
  w.batch({{"a", a1}, {"a", a2}, {"a", a3}});
  require_one(run(), 1, "prevHash of host/a seq 2");
}

BOOST_AUTO_TEST_CASE(a_sequence_gap_is_reported) {
  const auto a1 = w.event("a");
  const auto b1 = w.event("b");
  const auto a3 = w.event("a", 3);
  w.batch({{"a", a1}, {"b", b1}, {"a", a3}});
  require_one(run(1), 2, "sequence 3 of host/a follows 1");
}

BOOST_AUTO_TEST_CASE(an_event_keyed_by_another_entity_is_reported) {
  const auto a1 = w.event("a");
  const auto b1 = w.event("b");
  w.batch({{"a", a1}, {"a", b1}});
  require_one(run(), 1, "record key is not the entity id of host/b");
}

BOOST_AUTO_TEST_CASE(a_seal_with_a_wrong_count_is_reported) {
  const auto a1 = w.event("a");
  w.batch({{"a", a1}});
  const auto a2 = w.event("a");
  const auto a3 = w.event("a");
  w.batch({{"a", a2}, {"a", a3}}, 1);
  require_one(run(), 4, "seal covers 1 records but 2 precede it");
}

BOOST_AUTO_TEST_CASE(a_seal_with_a_wrong_signature_is_reported) {
  const auto a1 = w.event("a");
  w.batch({{"a", a1}});
  // Tamper with the first event after sealing: its hash no longer matches.
  auto& stored = log.records[0];
  char* bytes = reinterpret_cast<char*>(stored.words.data());
  const auto value = std::string(stored.value());
  const auto at = value.find("test");
  BOOST_REQUIRE(at != std::string::npos);
  bytes[at] = 'b';
  require_one(run(), 1, "seal signature does not match the records 0..0");
}

BOOST_AUTO_TEST_CASE(a_seal_by_an_untrusted_key_is_reported) {
  const auto stranger = crypto::key_pair::generate();
  const auto a1 = w.event("a");
  w.batch({{"a", a1}}, {}, &stranger);
  require_one(run(), 1, "untrusted key");
}

BOOST_AUTO_TEST_CASE(unsealed_tail_records_are_reported_from_the_first) {
  const auto a1 = w.event("a");
  w.batch({{"a", a1}});
  log.add("a", w.event("a"));
  log.add("a", w.event("a"));
  require_one(run(), 2, "2 records from offset 2 are not sealed");
}

BOOST_AUTO_TEST_CASE(an_undecodable_record_is_reported_and_the_replay_goes_on) {
  const auto a1 = w.event("a");
  w.batch({{"a", a1}});
  log.add("x", std::string(24, '\x7f'));
  const auto a2 = w.event("a");
  log.add("a", a2);
  const std::vector<crypto::digest> hashes{crypto::record_hash(log.records[2].value()), crypto::record_hash(a2)};
  log.add("daemon", w.seal(hashes, {}, sealer));
  const auto r = run();
  require_one(r, 2, "undecodable record");
  BOOST_TEST(r.events == 2u);
}

BOOST_AUTO_TEST_CASE(a_corrupt_record_is_one_violation_and_ends_the_partition) {
  for (int b = 0; b < 3; ++b) {
    const auto e = w.event("a");
    w.batch({{"a", e}});
  }
  log.corrupt_at = 3;
  const auto r = run();
  require_one(r, 3, "corrupt record");
  BOOST_TEST(r.records == 3u);
}

BOOST_AUTO_TEST_CASE(until_inside_a_batch_stops_the_replay_there_and_checks_the_seal_past_it) {
  // Batches of three: events at 0-2, seal 3; 4-6, seal 7; 8-10, seal 11.
  for (int b = 0; b < 3; ++b) {
    std::vector<std::pair<std::string, std::string>> values;
    for (int i = 0; i < 3; ++i) values.emplace_back("a", w.event("a"));
    w.batch(values);
  }
  for (const unsigned threads : {1u, 2u, 3u}) {
    replay_options o;
    o.threads = threads;
    o.poll_bytes = 1;  // a poll per record: the stop is found between polls too
    o.until = offset{5};
    std::vector<std::int64_t> passed;
    auto r = verified_replay(
        log, "t", partition_id{0}, trusted,
        [&](const record_view& rec, const envelope::decoded_envelope&, const crypto::digest&) {
          passed.push_back(rec.off.value);
        },
        o);
    BOOST_REQUIRE(r.has_value());
    BOOST_TEST(r.value().clean(), describe(r.value()));
    BOOST_TEST(passed == (std::vector<std::int64_t>{0, 1, 2, 4}), boost::test_tools::per_element());
    BOOST_TEST(r.value().records == 5u);
    BOOST_TEST(r.value().events == 4u);
    BOOST_TEST(r.value().seals == 2u);     // the one at 7 closes the batch `until` cut
    BOOST_TEST(r.value().end.value == 8);  // and nothing after it is read
  }
}

BOOST_AUTO_TEST_CASE(a_tampered_record_past_until_in_the_cut_batch_fails_its_seal) {
  std::vector<std::pair<std::string, std::string>> values;
  for (int i = 0; i < 3; ++i) values.emplace_back("a", w.event("a"));
  w.batch(values);
  auto& stored = log.records[2];
  char* bytes = reinterpret_cast<char*>(stored.words.data());
  const auto at = std::string(stored.value()).find("test");
  BOOST_REQUIRE(at != std::string::npos);
  bytes[at] = 'b';
  replay_options o;
  o.until = offset{1};
  auto r = verified_replay(log, "t", partition_id{0}, trusted, {}, o);
  BOOST_REQUIRE(r.has_value());
  require_one(r.value(), 3, "seal signature does not match the records 0..2");
}

BOOST_AUTO_TEST_CASE(until_between_batches_reads_nothing_past_it) {
  const auto a1 = w.event("a");
  w.batch({{"a", a1}});
  log.add("a", w.event("a"));  // unsealed, past `until`: not read, so not reported
  replay_options o;
  o.until = offset{2};
  auto r = verified_replay(log, "t", partition_id{0}, trusted, {}, o);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r.value().clean(), describe(r.value()));
  BOOST_TEST(r.value().events == 1u);
  BOOST_TEST(r.value().end.value == 2);
}

BOOST_AUTO_TEST_CASE(an_unchained_topic_is_sealed_and_passed_on_but_not_linked) {
  // A record without an event link (as storemesh.rejected holds them) and
  // one that would break a chain, sealed.
  capnp::MallocMessageBuilder message;
  auto env = message.initRoot<schema::Envelope>();
  env.setId(envelope::as_data(envelope::new_message_id()));
  env.setEntityKind("host");
  env.setEntityId("a");
  env.setProducer("daemon@test");
  env.getIntegrity().setNone();
  env.getPayload().initRejection().setCode("test");
  const auto a1 = w.event("a");
  w.batch({{"a", a1}, {"a", envelope::to_bytes(message)}, {"a", w.event("a", 7)}});
  replay_options o;
  o.chained = false;
  std::size_t passed = 0;
  auto r = verified_replay(
      log, "t", partition_id{0}, trusted,
      [&](const record_view&, const envelope::decoded_envelope&, const crypto::digest&) { ++passed; }, o);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r.value().clean(), describe(r.value()));
  BOOST_TEST(passed == 3u);
  BOOST_TEST(r.value().events == 3u);
  // The same records chained: both are reported.
  const auto chained = run();
  BOOST_TEST_REQUIRE(chained.violations.size() == 2u, describe(chained));
  BOOST_TEST(chained.violations[0].what.find("without an event link") != std::string::npos, describe(chained));
  BOOST_TEST(chained.violations[1].what.find("sequence 7 of host/a follows 1") != std::string::npos, describe(chained));
}

BOOST_AUTO_TEST_CASE(any_number_of_threads_finds_what_one_thread_finds) {
  // 30 batches of 100 events over 13 entities, damaged in seven ways.
  const auto stranger = crypto::key_pair::generate();
  std::optional<std::size_t> tampered;  // the record whose bytes change after sealing
  for (int b = 0; b < 30; ++b) {
    std::vector<std::pair<std::string, std::string>> values;
    for (int i = 0; i < 100; ++i) {
      const std::string e = "host-" + std::to_string((b * 100 + i) % 13);
      if (b == 3 && i == 10) {
        values.emplace_back(e, w.event(e, {}, crypto::digest{1}));  // a broken link
      } else if (b == 7 && i == 20) {
        values.emplace_back(e, w.event(e, 1000));  // a sequence gap
      } else {
        values.emplace_back(e, w.event(e));
      }
    }
    if (b == 18) values.emplace_back("x", std::string(24, '\x7f'));  // undecodable, sealed
    if (b == 15) tampered = log.records.size() + 50;
    w.batch(values, {}, b == 11 ? &stranger : nullptr);  // batch 11: a seal by an untrusted key
  }
  char* bytes = reinterpret_cast<char*>(log.records[*tampered].words.data());
  const auto at = std::string(log.records[*tampered].value()).find("test");
  BOOST_REQUIRE(at != std::string::npos);
  bytes[at] = 'b';  // its seal fails, and its entity's next link
  log.add("host-0", w.event("host-0"));  // an unsealed tail
  log.add("host-1", w.event("host-1"));

  const auto lines = [](const replay_report& r) {
    std::vector<std::string> out;
    for (const auto& v : r.violations) out.push_back(std::to_string(v.at.value) + ": " + v.what);
    return out;
  };
  const auto one = run(1, std::size_t{1} << 20);
  const std::vector<std::string> expected = lines(one);
  for (const char* kind : {"prevHash of host/host-", "follows", "untrusted key", "seal signature does not match",
                           "undecodable record", "are not sealed"}) {
    BOOST_TEST(describe(one).find(kind) != std::string::npos, kind << " in\n" << describe(one));
  }
  BOOST_TEST(one.violations.size() == 7u, describe(one));  // the tamper breaks the seal and the next link
  for (const unsigned threads : {2u, 3u, 4u}) {
    for (const std::size_t poll_bytes : {std::size_t{1} << 20, std::size_t{5'000}}) {
      const auto r = run(threads, poll_bytes);
      BOOST_TEST(lines(r) == expected, boost::test_tools::per_element());
      BOOST_TEST(r.events == one.events);
      BOOST_TEST(r.seals == one.seals);
      BOOST_TEST(r.records == one.records);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
} // namespace storemesh::events::replay
