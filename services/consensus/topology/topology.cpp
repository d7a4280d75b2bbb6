#include "services/consensus/topology/topology.hpp"

#include "services/consensus/topology/topology_errc.hpp"

#include <algorithm>
#include <limits>
#include <tuple>

namespace storemesh::services::consensus {
namespace {

struct token {
  std::string_view text;
  std::size_t column;  // 1-based byte column
};

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// One line's words, and the errors that name the line and a column.
class line_reader {
public:
  line_reader(std::size_t line, std::vector<token> words, std::size_t end_column)
      : line_(line), words_(std::move(words)), end_column_(end_column) {}

  [[nodiscard]] error fail(topology_errc e, const std::string& reason, std::size_t column = 0) const {
    std::string detail = "line " + std::to_string(line_) + ": " + reason;
    if (column != 0) detail += " (column " + std::to_string(column) + ')';
    return make_error(e, std::move(detail));
  }
  [[nodiscard]] bool at_end() const { return next_ == words_.size(); }
  // "got 'vai'" or "got the end of the line", and the column it is at.
  [[nodiscard]] std::string got() const { return at_end() ? "the end of the line" : quoted(words_[next_].text); }
  [[nodiscard]] std::size_t column() const { return at_end() ? end_column_ : words_[next_].column; }

  [[nodiscard]] result<token> word(const char* what) {
    if (at_end()) return fail(topology_errc::unexpected_token, std::string("expected ") + what + ", got " + got(), column());
    return words_[next_++];
  }
  [[nodiscard]] result<void> keyword(std::string_view kw) {
    if (at_end() || words_[next_].text != kw)
      return fail(topology_errc::unexpected_token, "expected " + quoted(kw) + ", got " + got(), column());
    ++next_;
    return success();
  }
  [[nodiscard]] result<void> end() const {
    if (!at_end())
      return fail(topology_errc::unexpected_token, "unexpected " + got() + " after a complete statement", column());
    return success();
  }
  [[nodiscard]] result<std::string> router(const char* what) {
    SM_TRY(auto t, word(what));
    if (!is_router_name(t.text))
      return fail(topology_errc::bad_router_name,
                  quoted(t.text) + " is not a router name ([a-z0-9_-], 1 to 32 characters)", t.column);
    return std::string(t.text);
  }
  [[nodiscard]] result<route_prefix> prefix() {
    SM_TRY(auto t, word("a prefix a.b.c.d/n"));
    auto p = route_prefix::parse(t.text);
    if (!p) return fail(topology_errc::bad_prefix, p.error().detail, t.column);
    return p.value();
  }
  [[nodiscard]] result<std::uint64_t> number(const char* what, std::uint64_t min, std::uint64_t max) {
    SM_TRY(auto t, word(what));
    std::uint64_t v = 0;
    bool ok = !t.text.empty() && t.text.size() <= 20;
    for (char c : t.text) {
      if (!ok) break;
      const unsigned d = static_cast<unsigned char>(c) - '0';
      if (d > 9 || v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) ok = false;
      else v = v * 10 + d;
    }
    if (!ok || v < min || v > max)
      return fail(topology_errc::bad_number,
                  std::string(what) + ' ' + quoted(t.text) + " is not a decimal number " + std::to_string(min) +
                      " .. " + std::to_string(max),
                  t.column);
    return v;
  }

private:
  std::size_t line_;
  std::vector<token> words_;
  std::size_t next_ = 0;
  std::size_t end_column_;
};

// Checks the bytes of one line and splits its statement part into words.
result<std::vector<token>> split_line(std::string_view line, std::size_t number, std::size_t& end_column) {
  const auto hash = line.find('#');
  const std::string_view statement = line.substr(0, hash);
  for (std::size_t i = 0; i < line.size(); ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    // Statements are printable ASCII; a comment may also hold UTF-8 (>= 0x80).
    const bool in_comment = hash != std::string_view::npos && i > hash;
    const bool ok = c == '\t' || (c >= 0x20 && c != 0x7F && (c < 0x80 || in_comment));
    if (!ok) {
      static const char* hex = "0123456789abcdef";
      const std::string b{'0', 'x', hex[c >> 4], hex[c & 15]};
      return make_error(topology_errc::bad_character,
                        "line " + std::to_string(number) + ": byte " + b +
                            (i < statement.size() ? " in a statement (only printable ASCII)" : " in a comment") +
                            " (column " + std::to_string(i + 1) + ')');
    }
  }
  std::vector<token> words;
  std::size_t i = 0;
  while (i < statement.size()) {
    while (i < statement.size() && (statement[i] == ' ' || statement[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < statement.size() && statement[i] != ' ' && statement[i] != '\t') ++i;
    if (i > start) words.push_back({statement.substr(start, i - start), start + 1});
  }
  end_column = statement.size() + 1;
  return words;
}

auto key(const prefix_statement& s) {
  return std::make_tuple(s.prefix, s.at.has_value(), s.at.value_or(std::string{}));
}
auto key(const route_statement& s) {
  return std::make_tuple(s.owner, s.prefix, s.via, s.metric);
}

template <class S>
std::vector<S> sorted(std::vector<S> v) {
  std::sort(v.begin(), v.end(), [](const S& a, const S& b) { return key(a) < key(b); });
  return v;
}

template <class S>
bool same_multiset(const std::vector<S>& a, const std::vector<S>& b) {
  if (a.size() != b.size()) return false;
  const auto sa = sorted(a), sb = sorted(b);
  return std::equal(sa.begin(), sa.end(), sb.begin(), sb.end());
}

} // namespace

bool is_router_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > max_router_name) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

bool operator==(const prefix_statement& a, const prefix_statement& b) { return key(a) == key(b); }
bool operator==(const route_statement& a, const route_statement& b) { return key(a) == key(b); }

bool operator==(const topology& a, const topology& b) {
  return a.version == b.version && same_multiset(a.prefixes, b.prefixes) && same_multiset(a.routes, b.routes);
}

result<topology> parse_topology(std::string_view text) {
  if (text.size() > max_topology_bytes)
    return make_error(topology_errc::file_too_large, "the file is " + std::to_string(text.size()) +
                                                         " bytes, at most " + std::to_string(max_topology_bytes));
  topology t;
  bool have_version = false;
  std::size_t version_line = 0, number = 0, pos = 0;
  while (pos < text.size()) {
    ++number;
    const auto nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    const std::string where = "line " + std::to_string(number) + ": ";
    if (number > max_topology_lines)
      return make_error(topology_errc::too_many_lines,
                        where + "more than " + std::to_string(max_topology_lines) + " lines");
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > max_line_bytes)
      return make_error(topology_errc::line_too_long, where + std::to_string(line.size()) + " bytes, at most " +
                                                          std::to_string(max_line_bytes));
    std::size_t end_column = 1;
    SM_TRY(auto words, split_line(line, number, end_column));
    if (words.empty()) continue;
    const token first = words.front();
    line_reader in(number, std::move(words), end_column);
    SM_TRYV(in.word("a statement"));
    if (first.text != "topology" && first.text != "prefix" && first.text != "route")
      return in.fail(topology_errc::unknown_statement,
                     "expected 'topology', 'prefix' or 'route', got " + quoted(first.text), first.column);
    if (first.text == "topology") {
      if (have_version)
        return in.fail(topology_errc::duplicate_version,
                       "a second 'topology' statement (the first is on line " + std::to_string(version_line) + ')',
                       first.column);
      SM_TRY(t.version, in.number("version", 1, std::numeric_limits<std::uint64_t>::max()));
      SM_TRYV(in.end());
      have_version = true;
      version_line = number;
      continue;
    }
    if (!have_version)
      return in.fail(topology_errc::missing_version,
                     "expected 'topology VERSION' as the first statement, got " + quoted(first.text), first.column);
    if (first.text == "prefix") {
      if (t.prefixes.size() == max_prefixes)
        return in.fail(topology_errc::too_many_statements,
                       "more than " + std::to_string(max_prefixes) + " 'prefix' statements");
      prefix_statement s;
      s.line = number;
      SM_TRY(s.prefix, in.prefix());
      if (!in.at_end()) {
        SM_TRYV(in.keyword("at"));
        SM_TRY(s.at, in.router("the router that delivers the prefix"));
      }
      SM_TRYV(in.end());
      t.prefixes.push_back(std::move(s));
      continue;
    }
    if (t.routes.size() == max_routes)
      return in.fail(topology_errc::too_many_statements,
                     "more than " + std::to_string(max_routes) + " 'route' statements");
    route_statement s;
    s.line = number;
    SM_TRY(s.owner, in.router("the router that owns the route"));
    SM_TRY(s.prefix, in.prefix());
    SM_TRYV(in.keyword("via"));
    SM_TRY(s.via, in.router("the next hop router"));
    SM_TRYV(in.keyword("metric"));
    SM_TRY(auto metric, in.number("metric", 0, std::numeric_limits<std::uint32_t>::max()));
    s.metric = static_cast<std::uint32_t>(metric);
    SM_TRYV(in.end());
    t.routes.push_back(std::move(s));
  }
  if (!have_version)
    return make_error(topology_errc::missing_version,
                      "line " + std::to_string(std::max<std::size_t>(number, 1)) +
                          ": expected 'topology VERSION', got the end of the file");
  return t;
}

std::string to_string(const prefix_statement& s) {
  return "prefix " + s.prefix.to_string() + (s.at ? " at " + *s.at : std::string{});
}

std::string to_string(const route_statement& s) {
  return "route " + s.owner + ' ' + s.prefix.to_string() + " via " + s.via + " metric " + std::to_string(s.metric);
}

std::string canonical_text(const topology& t) {
  std::string out = "topology " + std::to_string(t.version) + '\n';
  for (const auto& s : sorted(t.prefixes)) out += to_string(s) + '\n';
  for (const auto& s : sorted(t.routes)) out += to_string(s) + '\n';
  return out;
}

std::set<std::string> named_routers(const topology& t) {
  std::set<std::string> out;
  for (const auto& p : t.prefixes)
    if (p.at)
      out.insert(*p.at);
  for (const auto& r : t.routes) {
    out.insert(r.owner);
    out.insert(r.via);
  }
  return out;
}

} // namespace storemesh::services::consensus
