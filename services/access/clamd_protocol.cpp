// clamd's replies parsed without I/O. What clamd 1.4.6 says (checked against
// a running clamd): "stream: OK", "stream: <sig> FOUND", "<words> ERROR"
// (e.g. "INSTREAM size limit exceeded. ERROR"), each ended by a NUL for the
// z-commands or a newline for the n-commands.

#include "services/access/clamd_protocol.hpp"

#include <cctype>

namespace storemesh::services::access {

namespace {

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// The reply without its terminator(s) and surrounding blanks.
std::string_view trimmed(std::string_view r) {
  while (!r.empty() && (r.back() == '\0' || r.back() == '\n' || r.back() == '\r' || r.back() == ' ')) r.remove_suffix(1);
  while (!r.empty() && r.front() == ' ') r.remove_prefix(1);
  return r;
}

// Keeps an unexpected reply printable and short in an error message.
std::string quoted(std::string_view r) {
  std::string out = "\"";
  for (char c : r.substr(0, 200)) out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  if (r.size() > 200) out += "...";
  return out + "\"";
}

scan_reply error_reply(std::string why) {
  scan_reply r;
  r.what = scan_reply::kind::error;
  r.error = std::move(why);
  return r;
}

} // namespace

std::array<std::uint8_t, 4> instream_chunk_header(std::uint32_t size) {
  return {static_cast<std::uint8_t>(size >> 24), static_cast<std::uint8_t>(size >> 16),
          static_cast<std::uint8_t>(size >> 8), static_cast<std::uint8_t>(size)};
}

scan_reply parse_scan_reply(std::string_view reply) {
  const auto r = trimmed(reply);
  if (r.empty()) return error_reply("an empty reply from clamd");
  // An ERROR is checked first: its words are clamd's, whatever they contain.
  if (ends_with(r, " ERROR") || r == "ERROR") {
    auto words = trimmed(r.substr(0, r.size() - 5));
    return error_reply(words.empty() ? std::string("clamd said ERROR") : std::string(words));
  }
  // "<name>: ..." -- the name is "stream" for INSTREAM; a path for other scans.
  const auto colon = r.find(": ");
  if (colon == std::string_view::npos) return error_reply("a reply clamd does not give: " + quoted(r));
  const auto body = r.substr(colon + 2);
  if (body == "OK") {
    scan_reply ok;
    ok.what = scan_reply::kind::clean;
    return ok;
  }
  if (ends_with(body, " FOUND")) {
    const auto sig = trimmed(body.substr(0, body.size() - 6));
    if (sig.empty()) return error_reply("FOUND without a signature name: " + quoted(r));
    scan_reply found;
    found.what = scan_reply::kind::infected;
    found.signature = std::string(sig);
    return found;
  }
  return error_reply("a reply clamd does not give: " + quoted(r));
}

clamd_version_info parse_version(std::string_view reply) {
  clamd_version_info v;
  const auto r = trimmed(reply);
  if (r.substr(0, 7) != "ClamAV ") {
    v.error = r.empty() ? "an empty VERSION reply" : "not a clamd VERSION reply: " + quoted(r);
    return v;
  }
  const auto s1 = r.find('/');
  v.engine = std::string(r.substr(0, s1));
  if (s1 == std::string_view::npos) {  // loose signature files only: no database version
    v.ok = true;
    return v;
  }
  const auto rest = r.substr(s1 + 1);
  const auto s2 = rest.find('/');
  const auto db = rest.substr(0, s2);
  if (db.empty() || db.find_first_not_of("0123456789") != std::string_view::npos) {
    v.engine.clear();
    v.error = "a database version that is not a number: " + quoted(r);
    return v;
  }
  v.db_version = std::string(db);
  if (s2 != std::string_view::npos) v.db_time = std::string(rest.substr(s2 + 1));
  v.ok = true;
  return v;
}

} // namespace storemesh::services::access
