#include "events/envelope/decoded_envelope.hpp"
#include "events/envelope/envelope_json.hpp"
#include "events/envelope/test_envelopes.hpp"

#include <boost/test/unit_test.hpp>

#include <capnp/schema.h>

using namespace storemesh::events::envelope;
using namespace storemesh::events::envelope::testing;
namespace crypto = storemesh::events::crypto;
namespace schema = storemesh::schema;

BOOST_AUTO_TEST_SUITE(envelope_json)

BOOST_AUTO_TEST_CASE(json_is_one_line_with_hex_data_fields) {
  const auto signer = crypto::key_pair::generate();
  capnp::MallocMessageBuilder msg;
  auto env = msg.initRoot<schema::Envelope>();
  fill_full_envelope(env, signer);
  const std::string json = to_json(env.asReader());
  BOOST_TEST_MESSAGE(json);
  BOOST_TEST(json.front() == '{');
  BOOST_TEST(json.back() == '}');
  BOOST_TEST(json.find('\n') == std::string::npos);
  BOOST_TEST(json.find("\"id\":\"42424242424242424242424242424242\"") != std::string::npos);
  BOOST_TEST(json.find("\"causationId\":\"11111111111111111111111111111111\"") != std::string::npos);
  BOOST_TEST(json.find("\"publicKey\":\"" + signer.public_key().hex() + "\"") != std::string::npos);
  BOOST_TEST(json.find("\"entityId\":\"host-a\"") != std::string::npos);
  BOOST_TEST(json.find("\"hostCommand\":{\"register\":[{\"name\":\"ds1\",\"path\":\"/mnt/ds1\"}") != std::string::npos);
  BOOST_TEST(json.find("\"commandOffset\":\"42\"") != std::string::npos);  // 64-bit: a string
  BOOST_TEST(json.find('[' + std::string("66")) == std::string::npos);     // no Data as number arrays
}

namespace {

/// An envelope of every payload kind the schemas have, each with its pointer
/// fields set, so that a kind JsonCodec could not render would show.
std::vector<std::pair<std::string, std::string>> every_payload_kind() {
  std::vector<std::pair<std::string, std::string>> out;  // (member name, bytes)
  const auto kinds = capnp::Schema::from<schema::Envelope::Payload>().getUnionFields();
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    capnp::MallocMessageBuilder msg;
    auto env = msg.initRoot<schema::Envelope>();
    env.setId(as_data(sample_id));
    env.setEntityKind("host");
    env.setEntityId("host-a");
    auto payload = env.getPayload();
    switch (static_cast<schema::Envelope::Payload::Which>(k)) {
      case schema::Envelope::Payload::UNKNOWN: payload.setUnknown(); break;
      case schema::Envelope::Payload::REJECTION: {
        auto r = payload.initRejection();
        r.setCode("bad_signature");
        r.setReason("signed by 01234567");
        r.setCommandTopic("storemesh.commands");
        r.setCommandPartition(2);
        r.setCommandOffset(99);
        r.setCommand(as_data(std::string("\x01\x02\xff", 3)));
        break;
      }
      case schema::Envelope::Payload::SEAL: {
        auto s = payload.initSeal();
        s.setPublicKey(as_data(std::string(32, '\xab')));
        s.setCount(3);
        s.setSignature(as_data(std::string(64, '\xcd')));
        break;
      }
      case schema::Envelope::Payload::SNAPSHOT: {
        auto s = payload.initSnapshot();
        s.setEntityKind("host");
        s.setEntityId("host-a");
        s.setLastSequence(12);
        s.setLastHash(as_data(std::string(32, '\x01')));
        s.setEventsTopic("storemesh.events.host");
        s.setEventsPartition(1);
        s.setEventsOffset(1234);
        s.setState(as_data(std::string("\x00\x10", 2)));
        auto p = s.initProcessed(1);
        p[0].setId(as_data(sample_id));
        p[0].setCommandOffset(5);
        break;
      }
      case schema::Envelope::Payload::HOST_COMMAND: {
        auto set_state = payload.initHostCommand().initSetState();
        set_state.setState(schema::host::HostState::DRAINING);
        set_state.setReason("maintenance \"window\"");
        break;
      }
      case schema::Envelope::Payload::HOST_EVENT: {
        auto changed = payload.initHostEvent().initStateChanged();
        changed.setFrom(schema::host::HostState::UP);
        changed.setTo(schema::host::HostState::DOWN);
        changed.setReason("power");
        break;
      }
      case schema::Envelope::Payload::COPY_JOB_COMMAND:
        payload.initCopyJobCommand().initMigrate().setTo("host-b");
        break;
      case schema::Envelope::Payload::COPY_JOB_EVENT:
        payload.initCopyJobEvent().initProgressed().setOffset(8388608);
        break;
      case schema::Envelope::Payload::MIGRATION_COMMAND:
        payload.initMigrationCommand().initObservePortion().setOffset(8388608);
        break;
      case schema::Envelope::Payload::MIGRATION_EVENT:
        payload.initMigrationEvent().initResumed().setEpoch(2);
        break;
      case schema::Envelope::Payload::REBALANCER_COMMAND:
        payload.initRebalancerCommand().initEvaluate().setSite("primary");
        break;
      case schema::Envelope::Payload::REBALANCER_EVENT:
        payload.initRebalancerEvent().initMoved().setJob("job-1");
        break;
      case schema::Envelope::Payload::KV_COMMAND: {
        auto put = payload.initKvCommand().initPut();
        put.setKey("config/quorum");
        put.setValue(kj::StringPtr("3").asBytes());
        put.initExpected().setModRevision(7);
        break;
      }
      case schema::Envelope::Payload::KV_EVENT:
        payload.initKvEvent().initDeleted(1).set(0, "locks/a");
        break;
      case schema::Envelope::Payload::CLUSTER_COMMAND:
        payload.initClusterCommand().initReportBack().setServer("mgmt-2");
        break;
      case schema::Envelope::Payload::CLUSTER_EVENT:
        payload.initClusterEvent().initServerLost().setServer("mgmt-2");
        break;
      case schema::Envelope::Payload::ROUTER_COMMAND:
        payload.initRouterCommand().initRegister().setUdp("127.0.0.1:7001");
        break;
      case schema::Envelope::Payload::ROUTER_EVENT:
        payload.initRouterEvent().initAnnounced().setCid("bafkreia");
        break;
      case schema::Envelope::Payload::TOPOLOGY_COMMAND:
        payload.initTopologyCommand().initVote().setReason("next hop r9 is not a known router");
        break;
      case schema::Envelope::Payload::TOPOLOGY_EVENT:
        payload.initTopologyEvent().initAgreed().setEpoch(2);
        break;
      case schema::Envelope::Payload::STORAGE_COMMAND:
        payload.initStorageCommand().initLink().setHost("host-b");
        break;
      case schema::Envelope::Payload::STORAGE_EVENT:
        payload.initStorageEvent().initConverted().setOxId(7);
        break;
      case schema::Envelope::Payload::CONTROL_HOST_COMMAND:
        payload.initControlHostCommand().setEndpoint("127.0.0.1:7100");
        break;
      case schema::Envelope::Payload::CONTROL_HOST_EVENT:
        payload.initControlHostEvent().setUpstream("127.0.0.1:7200");
        break;
      case schema::Envelope::Payload::ACCESS_SERVER_COMMAND:
        payload.initAccessServerCommand().initOpenSession().setClient("laptop-1");
        break;
      case schema::Envelope::Payload::ACCESS_SERVER_EVENT:
        payload.initAccessServerEvent().initAccessed().setReason("client reports no antivirus");
        break;
      case schema::Envelope::Payload::USER_GROUP_COMMAND:
        payload.initUserGroupCommand().initRecordRequest().setContent("film.a");
        break;
      case schema::Envelope::Payload::USER_GROUP_EVENT:
        payload.initUserGroupEvent().initAdded().initAt().setXM(-120);
        break;
      case schema::Envelope::Payload::CONTENT_COMMAND:
        payload.initContentCommand().initAdd().initSliceCrc32c(2).set(1, 4294967295u);
        break;
      case schema::Envelope::Payload::CONTENT_EVENT:
        payload.initContentEvent().initAdded().setOrigin("films/a.mkv");
        break;
      case schema::Envelope::Payload::EDGE_UNIT_COMMAND:
        payload.initEdgeUnitCommand().initAttach().setEndpoint("127.0.0.1:4100");
        break;
      case schema::Envelope::Payload::EDGE_UNIT_EVENT:
        payload.initEdgeUnitEvent().initReported().setReason("connection refused");
        break;
      case schema::Envelope::Payload::DELIVERY_COMMAND:
        payload.initDeliveryCommand().initReschedule().initCandidates(1).set(0, "e6");
        break;
      case schema::Envelope::Payload::DELIVERY_EVENT:
        payload.initDeliveryEvent().initPlanned().initPlacements(1)[0].setEdge("e1");
        break;
    }
    out.emplace_back(std::string(kinds[k].getProto().getName().cStr()), to_bytes(msg));
  }
  return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(every_payload_kind_renders_as_json) {
  const auto kinds = every_payload_kind();
  BOOST_TEST(kinds.size() == 34u);  // a new member needs a case in every_payload_kind()
  for (const auto& [name, bytes] : kinds) {
    const aligned_bytes aligned(bytes);
    auto d = decoded_envelope::decode(aligned.view());
    BOOST_REQUIRE_MESSAGE(d.has_value(), name << ": " << failure_of(d));
    const std::string json = to_json(d.value().reader());
    BOOST_TEST_CONTEXT(json) {
      BOOST_TEST(json.find("\"" + name + "\":") != std::string::npos);
      BOOST_TEST(json.find("\"error\"") == std::string::npos);
      BOOST_TEST(json.find('\n') == std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(data_inside_payloads_is_hex_too) {
  for (const auto& [name, bytes] : every_payload_kind()) {
    const aligned_bytes aligned(bytes);
    const std::string json = to_json(decoded_envelope::decode(aligned.view()).value().reader());
    if (name == "rejection") BOOST_TEST(json.find("\"command\":\"0102ff\"") != std::string::npos, json);
    if (name == "seal") {
      std::string cd;
      for (int i = 0; i < 64; ++i) cd += "cd";
      BOOST_TEST(json.find("\"signature\":\"" + cd + "\"") != std::string::npos, json);
    }
    if (name == "snapshot") BOOST_TEST(json.find("\"state\":\"0010\"") != std::string::npos, json);
    if (name == "hostCommand") BOOST_TEST(json.find("maintenance \\\"window\\\"") != std::string::npos, json);
    if (name == "kvCommand") BOOST_TEST(json.find("\"value\":\"33\"") != std::string::npos, json);
  }
}

BOOST_AUTO_TEST_CASE(unknown_payload_member_renders_without_it) {
  const std::string bytes = every_payload_kind()[4].second;  // hostCommand
  std::string patched = bytes;
  std::uint32_t root_lower;
  std::memcpy(&root_lower, patched.data() + 8, 4);
  const auto disc = capnp::Schema::from<schema::Envelope::Payload>().getProto().getStruct().getDiscriminantOffset();
  const std::size_t at = 16 + static_cast<std::size_t>(static_cast<std::int32_t>(root_lower) >> 2) * 8 + disc * 2;
  const std::uint16_t unknown = 999;
  std::memcpy(patched.data() + at, &unknown, 2);
  const aligned_bytes aligned(patched);
  auto d = decoded_envelope::decode(aligned.view());
  BOOST_REQUIRE(d.has_value());
  const std::string json = to_json(d.value().reader());
  BOOST_TEST_MESSAGE(json);
  BOOST_TEST(json.find("\"entityId\":\"host-a\"") != std::string::npos);
  BOOST_TEST(json.find("\"error\"") == std::string::npos);
  BOOST_TEST(json.find("hostCommand") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(payload_json)

BOOST_AUTO_TEST_CASE(a_payload_parses_from_the_json_to_json_writes) {
  capnp::MallocMessageBuilder msg;
  auto env = msg.initRoot<schema::Envelope>();
  auto r = payload_from_json(R"({"hostCommand":{"setState":{"state":"draining","reason":"window"}}})", env);
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message()));
  BOOST_REQUIRE(env.getPayload().isHostCommand());
  BOOST_TEST((env.getPayload().getHostCommand().getSetState().getState() == schema::host::HostState::DRAINING));
  BOOST_TEST(std::string(env.getPayload().getHostCommand().getSetState().getReason().cStr()) == "window");
  const std::string json = to_json(env.asReader());
  BOOST_TEST(json.find(R"("hostCommand":{"setState":{"state":"draining","reason":"window"}})") != std::string::npos);
}

namespace {

/// The reason of a setState parsed from `reason_json` (a JSON string literal, quotes included).
storemesh::result<std::string> reason_from(const std::string& reason_json) {
  capnp::MallocMessageBuilder msg;
  auto env = msg.initRoot<schema::Envelope>();
  SM_TRYV(payload_from_json(R"({"hostCommand":{"setState":{"state":"draining","reason":)" + reason_json + "}}}", env));
  return std::string(env.getPayload().getHostCommand().getSetState().getReason().cStr());
}

} // namespace

// Found by tests/fuzz/payload_json: Cap'n Proto 0.9 read the hex letters of
// \uXXXX as 0-5 ("\u001d" became U+0013, so what to_json wrote did not parse
// back) and refused every escape past U+007F.
BOOST_AUTO_TEST_CASE(unicode_escapes_mean_what_json_says) {
  BOOST_TEST(reason_from(R"("a\u001db")").value() == "a\x1d" "b");
  BOOST_TEST(reason_from(R"("\u004A\u004a")").value() == "JJ");
  BOOST_TEST(reason_from(R"("caf\u00e9")").value() == "caf\xc3\xa9");
  BOOST_TEST(reason_from(R"("\u20AC")").value() == "\xe2\x82\xac");
  BOOST_TEST(reason_from(R"("\ud83d\ude00")").value() == "\xf0\x9f\x98\x80");  // a surrogate pair
  BOOST_TEST(reason_from(R"("\u0022\u005c")").value() == "\"\\");             // quote and backslash stay text
  BOOST_TEST(reason_from(R"("\\u0041")").value() == "\\u0041");                // an escaped backslash, then text
  for (const char* bad : {R"("\u00zz")", R"("\u12")", R"("\ud83d")", R"("\ude00x")", R"("\ud83dx\ude00")",
                          R"("\u0000")"})
    BOOST_TEST(!reason_from(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(what_to_json_writes_parses_back_the_same) {
  capnp::MallocMessageBuilder msg;
  auto env = msg.initRoot<schema::Envelope>();
  auto set = env.getPayload().initHostCommand().initSetState();
  set.setState(schema::host::HostState::DRAINING);
  set.setReason("tab\t cr\r gs\x1d del\x7f caf\xc3\xa9 \"q\" \\");
  const std::string json = to_json(env.asReader());
  const auto at = json.find(R"({"hostCommand")");
  BOOST_REQUIRE(at != std::string::npos);
  const std::string payload = json.substr(at, json.find("}}}", at) + 3 - at);
  capnp::MallocMessageBuilder again;
  auto r = payload_from_json(payload, again.initRoot<schema::Envelope>());
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message()) + " in " + payload);
  BOOST_TEST(to_json(again.getRoot<schema::Envelope>().asReader()) == json);
}

BOOST_AUTO_TEST_CASE(an_unknown_field_or_no_message_is_an_error) {
  for (const char* bad : {R"({"hostCommand":{"bogus":1}})", "{}", "not json", R"({"hostCommand":)"}) {
    capnp::MallocMessageBuilder msg;
    auto r = payload_from_json(bad, msg.initRoot<schema::Envelope>());
    BOOST_TEST(!r.has_value(), bad);
  }
}

BOOST_AUTO_TEST_SUITE_END()
