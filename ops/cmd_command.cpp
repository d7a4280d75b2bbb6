// storemesh command encode: a signed command as bytes, for any Kafka client.
// storemesh command send: the same command appended to the commands topic, and
// its outcome awaited like any subcommand's (ops/inject.hpp).

#include "actors/records.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/envelope/envelope_json.hpp"
#include "ops/cli_context.hpp"
#include "ops/command_client.hpp"
#include "ops/command_file.hpp"
#include "ops/inject.hpp"

#include <capnp/message.h>
#include <fmt/core.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace storemesh::ops {
namespace {

struct encode_options {
  std::string kind, id, payload, key, out;
  std::int32_t partitions = 0;
  std::string batch_file, out_dir;
};

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f.flush())
    throw cli_error("cannot write " + path);
}

/// --batch FILE: every command of the file, signed as one batch, one record
/// per file in --out-dir (NNNNNN.cmd, in the file's order), and on stdout a
/// line per record: its file, its key and (with --partitions) its partition.
void encode_batch(const encode_options& o) {
  if (o.out_dir.empty())
    throw cli_error("--batch writes one file per command: pass --out-dir DIR", 2);
  const auto lines = read_command_file(o.batch_file);
  if (lines.empty())
    throw cli_error(o.batch_file + ": no commands", 2);
  auto key = load_signing_key(o.key);
  std::vector<actors::command_spec> specs;
  for (const auto& l : lines) {
    actors::command_header h;
    h.id = events::envelope::new_message_id();
    h.producer = producer_name();
    specs.push_back(actors::command_spec{l.kind, l.id, std::move(h), request_of(l).fill});
  }
  auto records = must(actors::make_command_batch(specs, key), "signing the commands");
  std::filesystem::create_directories(o.out_dir);
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto name = fmt::format("{:06}.cmd", i + 1);
    write_file((std::filesystem::path(o.out_dir) / name).string(), records[i].value);
    if (o.partitions > 0)
      fmt::print("{} {} {}\n", name, records[i].key, events::partition_for(records[i].key, o.partitions).value);
    else
      fmt::print("{} {}\n", name, records[i].key);
  }
}

void encode(const encode_options& o) {
  if (!o.batch_file.empty())
    return encode_batch(o);
  if (o.kind.empty() || o.id.empty() || o.payload.empty())
    throw cli_error("pass --kind, --id and --payload (or --batch FILE)", 2);
  auto key = load_signing_key(o.key);
  actors::command_header h;
  h.id = events::envelope::new_message_id();
  h.producer = producer_name();
  result<void> filled = success();
  auto rec = must(actors::make_command_record(o.kind, o.id, h, key,
                                              [&](schema::Envelope::Builder b) {
                                                filled = events::envelope::payload_from_json(o.payload, b);
                                              }),
                  "signing the command");
  must(std::move(filled), "--payload");
  if (o.out.empty() || o.out == "-") {
    std::fwrite(rec.value.data(), 1, rec.value.size(), stdout);
  } else {
    write_file(o.out, rec.value);
  }
  if (o.partitions > 0)
    fmt::print(stderr, "key {} -> partition {} of {} (Kafka's murmur2 partitioner)\n", o.id,
               events::partition_for(o.id, o.partitions).value, o.partitions);
}

struct send_options {
  inject_options inject;
  std::string kind, id, payload;
};

/// For commands no subcommand writes yet (a router's vote before the router
/// process exists): the payload as JSON, checked by the same parser as encode.
void send(const send_options& o) {
  {  // a payload that does not parse is the caller's error, not a command to refuse
    capnp::MallocMessageBuilder scratch;
    must(events::envelope::payload_from_json(o.payload, scratch.initRoot<schema::Envelope>()), "--payload");
  }
  auto outcome = inject(o.inject, command_request{o.kind, o.id,
                                                  [&](schema::Envelope::Builder b) {
                                                    (void)events::envelope::payload_from_json(o.payload, b);
                                                  }},
                        true);
  if (o.inject.no_wait) {
    fmt::print("submitted\n");
    return;
  }
  fmt::print("accepted\n");
  for (const auto& e : outcome.event_json)
    fmt::print("  {}\n", e);
}

} // namespace

void register_command(CLI::App& app) {
  auto* command = app.add_subcommand("command", "commands as bytes, for any Kafka client");
  command->require_subcommand(1);
  auto o = std::make_shared<encode_options>();
  auto* cmd = command->add_subcommand(
      "encode", "write a signed command (a Cap'n Proto Envelope) to stdout or --out; produce it with any client, "
                "keyed by the entity id, to the commands topic");
  cmd->add_option("--kind", o->kind, "entity kind: host, copy_job, migration");
  cmd->add_option("--id", o->id, "entity id (also the record key)");
  cmd->add_option("--payload", o->payload,
                  "the payload as JSON, as `events tail --json` shows it, e.g. "
                  "'{\"hostCommand\":{\"setState\":{\"state\":\"draining\",\"reason\":\"x\"}}}'");
  cmd->add_option("--batch", o->batch_file,
                  "instead of one command: every command of FILE (KIND ID PAYLOAD-JSON per line), signed as one "
                  "batch, one record per file in --out-dir");
  cmd->add_option("--out-dir", o->out_dir, "with --batch: the directory of the records (NNNNNN.cmd)");
  if (const char* env = std::getenv("STOREMESH_KEY"))
    o->key = env;
  cmd->add_option("--key", o->key, "private key that signs the command (default $STOREMESH_KEY)");
  cmd->add_option("--out", o->out, "file to write (default stdout)");
  cmd->add_option("--partitions", o->partitions, "print, on stderr, the partition the key maps to among N");
  cmd->callback([o] { encode(*o); });

  auto so = std::make_shared<send_options>();
  auto* send_cmd = command->add_subcommand(
      "send", "sign a command given as JSON, append it to the commands topic and wait for its outcome");
  send_cmd->add_option("--kind", so->kind, "entity kind: host, router, topology, ...")->required();
  send_cmd->add_option("--id", so->id, "entity id (also the record key)")->required();
  send_cmd->add_option("--payload", so->payload,
                       "the payload as JSON, as `events tail --json` shows it, e.g. "
                       "'{\"topologyCommand\":{\"vote\":{\"proposal\":\"p1\",\"router\":\"r1\",\"accept\":true}}}'")
      ->required();
  add_inject_options(*send_cmd, so->inject);
  send_cmd->callback([so] { send(*so); });
}

} // namespace storemesh::ops
