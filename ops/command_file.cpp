#include "ops/command_file.hpp"

#include "actors/entity_kinds.hpp"
#include "events/envelope/envelope_json.hpp"
#include "ops/cli_context.hpp"

#include <capnp/message.h>

#include <fstream>

namespace storemesh::ops {
namespace {

std::string_view next_word(std::string_view& rest) {
  const auto start = rest.find_first_not_of(" \t");
  if (start == std::string_view::npos) {
    rest = {};
    return {};
  }
  rest.remove_prefix(start);
  const auto end = std::min(rest.find_first_of(" \t"), rest.size());
  const auto word = rest.substr(0, end);
  rest.remove_prefix(end);
  return word;
}

} // namespace

std::vector<command_line> read_command_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in)
    throw cli_error("cannot read " + path.string(), 2);
  std::vector<command_line> out;
  std::string text;
  for (std::size_t n = 1; std::getline(in, text); ++n) {
    std::string_view rest(text);
    const auto kind = next_word(rest);
    if (kind.empty() || kind.front() == '#')
      continue;
    const auto where = path.string() + ":" + std::to_string(n) + ": ";
    const auto id = next_word(rest);
    const auto first = rest.find_first_not_of(" \t");
    if (id.empty() || first == std::string_view::npos)
      throw cli_error(where + "expected KIND ID PAYLOAD-JSON", 2);
    if (actors::find_entity_kind(kind) == nullptr)
      throw cli_error(where + "no entity kind '" + std::string(kind) + "'", 2);
    command_line c{n, std::string(kind), std::string(id), std::string(rest.substr(first))};
    capnp::MallocMessageBuilder scratch;
    if (auto parsed = events::envelope::payload_from_json(c.payload, scratch.initRoot<schema::Envelope>()); !parsed)
      throw cli_error(where + parsed.error().message(), 2);
    out.push_back(std::move(c));
  }
  if (in.bad())
    throw cli_error("reading " + path.string() + " failed", 2);
  return out;
}

command_request request_of(const command_line& c) {
  return command_request{c.kind, c.id, [payload = c.payload](schema::Envelope::Builder b) {
                           (void)events::envelope::payload_from_json(payload, b);  // checked when read
                         }};
}

} // namespace storemesh::ops
