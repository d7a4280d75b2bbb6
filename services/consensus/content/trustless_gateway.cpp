#include "services/consensus/content/trustless_gateway.hpp"

#include "services/consensus/content/content_errc.hpp"

#include <cctype>

namespace storemesh::services::consensus {
namespace {

constexpr std::string_view probe_cid = "bafkqaaa";  // identity multihash, empty: the spec's probe

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// The q value of one media range's parameters ("q=0.5"); 1 when absent; 0 when malformed.
double quality(std::string_view params) {
  while (!params.empty()) {
    const auto semi = params.find(';');
    const auto param = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
    if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
      const auto v = param.substr(2);
      if (v.empty() || v.size() > 5 || (v[0] != '0' && v[0] != '1')) return 0;
      if (v[0] == '1') return 1;
      double q = 0, scale = 0.1;
      for (std::size_t i = 2; i < v.size(); ++i, scale /= 10) {
        if (!std::isdigit(static_cast<unsigned char>(v[i])) || v[1] != '.') return 0;
        q += (v[i] - '0') * scale;
      }
      return q;
    }
  }
  return 1;
}

gateway_response text(unsigned status, std::string message) {
  gateway_response r;
  r.status = status;
  r.body = std::move(message) + "\n";
  r.headers = {{"Content-Type", "text/plain; charset=utf-8"},
               {"Content-Length", std::to_string(r.body.size())},
               {"X-Content-Type-Options", "nosniff"}};
  return r;
}

gateway_response block(std::string_view cid_text, std::string bytes, bool head) {
  gateway_response r;
  r.status = 200;
  r.headers = {{"Content-Type", std::string(media_type_raw)},
               {"Content-Length", std::to_string(bytes.size())},
               {"X-Content-Type-Options", "nosniff"},
               {"Content-Disposition", "attachment; filename=\"" + std::string(cid_text) + ".bin\""},
               {"Etag", "\"" + std::string(cid_text) + ".raw\""},
               {"Cache-Control", "public, max-age=29030400, immutable"},
               {"Vary", "Accept"},
               {"X-Ipfs-Path", "/ipfs/" + std::string(cid_text)},
               {"X-Ipfs-Roots", std::string(cid_text)}};
  if (!head) r.body = std::move(bytes);
  return r;
}

// The value of ?format=, if the query has one.
std::optional<std::string_view> format_param(std::string_view query) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.substr(0, 7) == "format=") return pair.substr(7);
  }
  return std::nullopt;
}

} // namespace

std::optional<std::string> gateway_response::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return std::nullopt;
}

bool accepts_raw(std::string_view accept) {
  while (!accept.empty()) {
    const auto comma = accept.find(',');
    const auto range = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
    const auto semi = range.find(';');
    const auto type = trim(range.substr(0, semi));
    const auto params = semi == std::string_view::npos ? std::string_view{} : range.substr(semi + 1);
    if ((iequals(type, media_type_raw) || type == "*/*" || iequals(type, "application/*")) && quality(params) > 0)
      return true;
  }
  return false;
}

gateway_response handle_gateway_request(const gateway_request& request, const gateway_block_source& blocks) {
  const bool head = request.method == "HEAD";
  if (!head && request.method != "GET") {
    auto r = text(405, "method not allowed: only GET and HEAD");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  const auto question = request.target.find('?');
  const auto path = request.target.substr(0, question);
  const auto query = question == std::string_view::npos ? std::string_view{} : request.target.substr(question + 1);
  constexpr std::string_view prefix = "/ipfs/";
  if (path.substr(0, prefix.size()) != prefix) return text(404, "not found: only /ipfs/{cid} is served");
  const auto rest = path.substr(prefix.size());
  const auto slash = rest.find('/');
  const auto cid_text = rest.substr(0, slash);
  if (slash != std::string_view::npos && slash + 1 < rest.size())
    return text(400, "a raw block has no path: only /ipfs/{cid} is served");

  if (const auto format = format_param(query)) {
    if (*format == "car" || *format == "ipns-record")
      return text(406, "not acceptable: format=" + std::string(*format) + " is not served, only format=raw");
    if (*format != "raw") return text(400, "unknown format=" + std::string(*format));
  } else if (!request.accept) {
    return text(400, "no Accept header and no ?format: ask for application/vnd.ipld.raw");
  } else if (!accepts_raw(*request.accept)) {
    return text(406, "not acceptable: only application/vnd.ipld.raw is served");
  }

  if (cid_text == probe_cid) return block(cid_text, {}, head);
  const auto id = parse_cid(cid_text);
  if (!id) return text(400, "bad CID: " + id.error().message());
  auto bytes = blocks(id.value());
  if (!bytes) {
    if (bytes.error().code == make_error_code(content_errc::not_found))
      return text(404, "block not found: " + std::string(cid_text));
    return text(500, "cannot read block " + std::string(cid_text) + ": " + bytes.error().message());
  }
  return block(cid_text, std::move(bytes).value(), head);
}

} // namespace storemesh::services::consensus
