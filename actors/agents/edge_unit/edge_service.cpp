#include "actors/agents/edge_unit/edge_service.hpp"

#include "services/delivery/slice_check.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/envelope/envelope_json.hpp"
#include "services/delivery/edge_unit_codec.hpp"
#include "services/delivery/process_codec.hpp"
#include "services/names.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>
#include <fcntl.h>
#include <unistd.h>

#include <charconv>

namespace storemesh::agents::edge_unit {
namespace {

namespace sd = services::delivery;
namespace dp = services::delivery::process;
namespace du = services::delivery::edge_unit;
using events::envelope::json_string;

constexpr std::string_view slices_prefix = "/v1/slices/", content_prefix = "/v1/content/";

std::int64_t now_ns() { return events::envelope::now_ns(); }

/// "bytes=A-B" (B inclusive, optional) within `size`; false if not one range we serve.
bool parse_range(std::string_view h, std::uint64_t size, std::uint64_t& from, std::uint64_t& to) {
  constexpr std::string_view unit = "bytes=";
  if (h.substr(0, unit.size()) != unit)
    return false;
  h.remove_prefix(unit.size());
  const auto dash = h.find('-');
  if (dash == std::string_view::npos || dash == 0)
    return false;
  auto num = [](std::string_view t, std::uint64_t& v) {
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    return ec == std::errc() && p == t.data() + t.size();
  };
  if (!num(h.substr(0, dash), from))
    return false;
  to = size == 0 ? 0 : size - 1;
  if (dash + 1 < h.size() && !num(h.substr(dash + 1), to))
    return false;
  to = std::min(to, size == 0 ? 0 : size - 1);
  return from < size && from <= to;
}

} // namespace

edge_service::edge_service(edge_options o, std::unique_ptr<events::event_log> read_log,
                           std::unique_ptr<actors::coordination::command_writer> writer, actors::topics names)
    : opts_(std::move(o)), view_(std::move(read_log), names, opts_.name), writer_(std::move(writer)) {}

edge_service::~edge_service() { stop(); }

result<void> edge_service::start() {
  SM_TRY(auto store, slice_store::open(opts_.dir));
  store_.emplace(std::move(store));
  if (!opts_.request_log.empty())
    request_log_.open(opts_.request_log, std::ios::app);
  view_.start();
  started_ = true;
  if (!view_.wait_caught_up(opts_.catch_up_timeout))
    return make_error(std::errc::timed_out, "edge " + opts_.name + ": the log was not read to its end in time");
  const du::attach a{opts_.endpoint, opts_.role, opts_.at, opts_.capacity_bytes, opts_.window_bytes, now_ns()};
  const auto self = view_.self();
  if (!du::changes_nothing(self, a))
    if (auto why = submit(du::entity::kind, opts_.name, [&](schema::Envelope::Builder b) { du::entity::write_command(a, b); });
        !why.empty())
      return make_error(std::errc::operation_not_permitted, "edge " + opts_.name + ": attach refused: " + why);
  const auto used = store_->used().bytes;
  const du::report r{true, opts_.capacity_bytes > used ? opts_.capacity_bytes - used : 0,
                     fmt::format("serving on {}", opts_.endpoint), now_ns()};
  // submit() returned after the view folded attach's event: self() has it.
  if (!du::changes_nothing(view_.self(), r))
    if (auto why = submit(du::entity::kind, opts_.name, [&](schema::Envelope::Builder b) { du::entity::write_command(r, b); });
        !why.empty())
      spdlog::warn("edge {}: health report refused: {}", opts_.name, why);
  return success();
}

void edge_service::stop() {
  if (!started_)
    return;
  started_ = false;
  const du::report r{false, 0, "stopped", now_ns()};
  if (!du::changes_nothing(view_.self(), r))
    if (auto why = submit(du::entity::kind, opts_.name, [&](schema::Envelope::Builder b) { du::entity::write_command(r, b); });
        !why.empty())
      spdlog::warn("edge {}: could not report itself down: {}", opts_.name, why);
  view_.stop();
}

std::string edge_service::submit(std::string_view kind, const std::string& id,
                                 const std::function<void(schema::Envelope::Builder)>& fill) {
  const auto cid = actors::coordination::command_writer::new_id();
  auto offset = writer_->submit(kind, id, cid, fill);
  if (!offset)
    return "log: " + offset.error().message();
  auto outcome = view_.wait_outcome(cid, offset.value(), opts_.decide_timeout);
  if (!outcome)
    return fmt::format("timeout: no outcome in the log after {} ms", opts_.decide_timeout.count());
  return outcome->accepted ? std::string() : outcome->code + ": " + outcome->reason;
}

void edge_service::note(const std::string& method, const std::string& name, unsigned status, std::string_view code) {
  if (!request_log_.is_open())
    return;
  std::lock_guard lock(log_mutex_);
  request_log_ << method << ' ' << name << ' ' << status << ' ' << code << '\n';
  request_log_.flush();
}

http::response edge_service::handle(const http::request& r) {
  const std::string_view target = r.target;
  if (target == "/v1/status" && r.method == "GET")
    return status();
  if (target.substr(0, slices_prefix.size()) == slices_prefix) {
    const std::string name(target.substr(slices_prefix.size()));
    sd::slice_ref ref;
    if (!sd::parse_slice_ref(name, ref))
      return http::error_response(400, "bad_slice_name", "'" + name + "' is not <content>.<segment>.<pillar>");
    if (r.method == "PUT")
      return put_slice(r, name);
    if (r.method == "GET")
      return get_slice(name);
    return http::error_response(405, "method_not_allowed", "PUT or GET");
  }
  if (target.substr(0, content_prefix.size()) == content_prefix && r.method == "GET") {
    const std::string name(target.substr(content_prefix.size()));
    if (auto why = services::check_name(name); !why.empty())
      return http::error_response(400, "bad_content_name", "content '" + name + "': " + why);
    return get_content(r, name);
  }
  return http::error_response(404, "not_found", "the endpoints are /v1/slices/NAME, /v1/content/NAME, /v1/status");
}

http::response edge_service::put_slice(const http::request& r, const std::string& name) {
  auto refuse = [&](unsigned status, std::string_view code, const std::string& why) {
    counters_.refused += 1;
    note("PUT", name, status, code);
    return http::error_response(status, code, why);
  };
  if (opts_.role != du::role::edge)
    return refuse(405, "origin", "the origin holds contents, not slices");
  sd::slice_ref ref;
  (void)sd::parse_slice_ref(name, ref);
  const auto id = r.header("x-storemesh-delivery");
  std::string group, content;
  if (!sd::parse_delivery_id(id, group, content) || content != ref.content)
    return refuse(400, "bad_delivery", "X-Storemesh-Delivery '" + id + "' is not <group>:" + ref.content);
  const auto d = view_.delivery(id, opts_.plan_wait);
  if (!d)
    return refuse(404, "not_planned", "no delivery " + id + " in the log");
  const auto slot = d->slots.find({ref.segment, ref.pillar});
  if (slot == d->slots.end())
    return refuse(404, "not_placed", fmt::format("delivery {} places no slice {}", id, name));
  if (slot->second.edge != opts_.name)
    return refuse(409, "wrong_edge", fmt::format("slice {} of {} is placed on {}, not here", name, id,
                                                 slot->second.edge));
  if (auto why = sd::check_slice(r.body, ref, d->geometry, slot->second.crc32c); !why.empty())
    return refuse(422, "bad_slice", "slice " + name + ": " + why);
  if (slot->second.confirmed && store_->has(name)) {
    counters_.already += 1;
    note("PUT", name, 200, "already_confirmed");
    return http::response{200, fmt::format("{{\"slice\":{},\"delivery\":{},\"confirmed\":true,\"again\":true}}\n",
                                           json_string(name), json_string(id))};
  }
  if (auto stored = store_->put(name, r.body); !stored)
    return refuse(507, "not_stored", stored.error().message());
  if (!slot->second.confirmed) {
    const dp::confirm c{ref.segment, ref.pillar, opts_.name, slot->second.crc32c, now_ns()};
    if (auto why = submit(dp::entity::kind, id, [&](schema::Envelope::Builder b) { dp::entity::write_command(c, b); });
        !why.empty()) {
      if (why.rfind("timeout", 0) != 0)
        store_->remove(name);  // refused: not ours to keep (a timeout may still be decided: kept for the retry)
      return refuse(409, "not_confirmed", "slice " + name + ": " + why);
    }
  }
  counters_.stored += 1;
  note("PUT", name, 201, "confirmed");
  return http::response{201, fmt::format("{{\"slice\":{},\"delivery\":{},\"confirmed\":true}}\n", json_string(name),
                                         json_string(id))};
}

http::response edge_service::get_slice(const std::string& name) {
  auto bytes = store_->get(name);
  if (!bytes) {
    note("GET", name, 404, "not_held");
    return http::error_response(404, "not_held", "no slice " + name + " here");
  }
  counters_.served += 1;
  counters_.served_bytes += bytes.value().size();
  note("GET", name, 200, "served");
  return http::response{200, std::move(bytes.value()), "application/octet-stream", {}};
}

http::response edge_service::get_content(const http::request& r, const std::string& name) {
  if (opts_.role != du::role::origin)
    return http::error_response(404, "not_origin", "this is an edge: contents are at the origin");
  const auto path = opts_.dir / name;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return http::error_response(404, "no_content", "no content " + name + " at the origin");
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } c{fd};
  const auto size = static_cast<std::uint64_t>(::lseek(fd, 0, SEEK_END));
  std::uint64_t from = 0, to = size == 0 ? 0 : size - 1;
  const auto range = r.header("range");
  if (!range.empty() && !parse_range(range, size, from, to))
    return http::response{416, fmt::format("{{\"error\":\"bad_range\",\"message\":{}}}\n",
                                           json_string("range '" + range + "' of " + std::to_string(size) + " bytes")),
                          "application/json",
                          {{"Content-Range", fmt::format("bytes */{}", size)}}};
  const auto want = size == 0 ? 0 : to - from + 1;
  if (want > (256ull << 20))
    return http::error_response(413, "range_too_large", "at most 256 MiB per request: ask by range");
  std::string body(want, '\0');
  std::uint64_t got = 0;
  while (got < want) {
    const auto n = ::pread(fd, body.data() + got, want - got, static_cast<off_t>(from + got));
    if (n <= 0)
      return http::error_response(500, "read_failed", "reading " + name + " at the origin");
    got += static_cast<std::uint64_t>(n);
  }
  counters_.origin_bytes += want;
  if (range.empty())
    return http::response{200, std::move(body), "application/octet-stream", {}};
  return http::response{206, std::move(body), "application/octet-stream",
                        {{"Content-Range", fmt::format("bytes {}-{}/{}", from, to, size)}}};
}

http::response edge_service::status() {
  const auto self = view_.self();
  const auto used = store_->used();
  const auto t = view_.count();
  return http::response{
      200,
      fmt::format("{{\"edge\":{},\"role\":{},\"endpoint\":{},\"up\":{},\"capacity_bytes\":{},\"window_bytes\":{},"
                  "\"held\":{{\"slices\":{},\"bytes\":{}}},\"placed\":{},\"confirmed\":{},\"moved_away\":{},"
                  "\"received\":{{\"stored\":{},\"already_confirmed\":{},\"refused\":{}}},"
                  "\"served\":{{\"slices\":{},\"bytes\":{},\"origin_bytes\":{}}}}}\n",
                  json_string(opts_.name), json_string(du::to_string(opts_.role)), json_string(opts_.endpoint),
                  self.up, opts_.capacity_bytes, opts_.window_bytes, used.slices, used.bytes, t.placed, t.confirmed,
                  t.moved_away, counters_.stored.load(), counters_.already.load(), counters_.refused.load(),
                  counters_.served.load(), counters_.served_bytes.load(), counters_.origin_bytes.load())};
}

} // namespace storemesh::agents::edge_unit
