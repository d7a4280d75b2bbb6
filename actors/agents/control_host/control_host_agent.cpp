#include "actors/agents/control_host/control_host_agent.hpp"

#include "actors/agents/control_path/control_client.hpp"
#include "actors/agents/control_path/interceptor.hpp"
#include "events/crypto/hashing.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "services/control_path/storage_system_codec.hpp"
#include "services/names.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

namespace storemesh::actors::control_host {
namespace {

namespace st = services::storage;
namespace ch = services::control_host;
namespace cp = services::control_path;

using events::envelope::now_ns;

std::string as_bytes(const cp::request_id& r) { return std::string(reinterpret_cast<const char*>(r.data()), r.size()); }

cp::control_reply refusal(const cp::control_request& r, std::string code, std::string message) {
  cp::control_reply out;
  out.id = r.id;
  out.ok = false;
  out.error_code = std::move(code);
  out.message = std::move(message);
  out.path = r.path;
  return out;
}

/// Fixed-format sense (SPC: response code 70h/71h): key, ASC, ASCQ.
st::scsi_answer answer_of(const fc_answer& a, std::size_t data_length) {
  st::scsi_answer out;
  out.status = a.status;
  out.data_length = static_cast<std::uint32_t>(data_length);
  out.rx_id = a.rx_id;
  if (a.sense.size() >= 14 && ((a.sense[0] & 0x7F) == 0x70 || (a.sense[0] & 0x7F) == 0x71)) {
    out.sense_key = a.sense[2] & 0x0F;
    out.asc = a.sense[12];
    out.ascq = a.sense[13];
  }
  return out;
}

} // namespace

std::array<std::uint8_t, 16> request_command_id(std::string_view step, const cp::request_id& request) {
  std::string key = "storemesh control path ";
  key += step;
  key.push_back('\0');
  key += as_bytes(request);
  return events::crypto::derived_id(key);
}

control_host_agent::control_host_agent(control_host_options opts, std::unique_ptr<events::event_log> read_log,
                                       std::unique_ptr<coordination::command_writer> writer, topics names,
                                       fc_link link)
    : opts_(std::move(opts)), writer_(std::move(writer)), view_(std::move(read_log), names, opts_.host),
      names_(std::move(names)), link_(std::move(link)) {}

control_host_agent::~control_host_agent() { stop(); }

void control_host_agent::stop() {
  if (interceptor_)
    interceptor_->stop();
  view_.stop();
}

std::uint16_t control_host_agent::port() const { return interceptor_ ? interceptor_->port() : 0; }

result<std::int64_t> control_host_agent::send(std::string_view kind, const std::string& entity,
                                              const std::array<std::uint8_t, 16>& id, std::int64_t signed_at_ns,
                                              const std::function<void(schema::Envelope::Builder)>& fill) {
  return writer_->submit(kind, entity, id, [&](schema::Envelope::Builder env) {
    fill(env);
    if (signed_at_ns != 0)
      env.setTimestampNs(signed_at_ns);
  });
}

result<void> control_host_agent::start() {
  view_.start();
  if (!view_.wait_caught_up(opts_.catch_up_timeout))
    return make_error(std::errc::timed_out, fmt::format("host {}: the log was not read to its end within {} ms",
                                                        opts_.host, opts_.catch_up_timeout.count()));
  const auto log = view_.snapshot();
  SM_TRY(auto attached, send(ch::entity::kind, opts_.host, coordination::command_writer::new_id(), 0,
                             [&](schema::Envelope::Builder env) {
                               ch::entity::write_command(ch::attach{opts_.listen, opts_.upstream, now_ns()}, env);
                             }));
  (void)attached;  // the same endpoints again decide nothing: no outcome to wait for
  SM_TRYV(fail_left_open(log));

  agents::control_path::interceptor_options io;
  io.listen = opts_.listen;
  io.upstream = opts_.upstream;
  io.workers = opts_.workers;
  SM_TRY(interceptor_, agents::control_path::interceptor::start(
                           io, [this](const cp::control_request& r) { return handle(r); }));
  spdlog::info("host {}: intercepting on {} (upstream {})", opts_.host, opts_.listen, opts_.upstream);
  return success();
}

result<void> control_host_agent::fail_left_open(const log_snapshot& log) {
  for (const auto& [name, s] : log.storages)
    for (const auto& [request, x] : s.open) {
      if (x.host != opts_.host)
        continue;
      cp::request_id r{};
      std::memcpy(r.data(), request.data(), std::min(request.size(), r.size()));
      const st::fail f{request, x.ox_id, true,
                       "host " + opts_.host + " stopped during the exchange: whether the storage system executed it "
                       "is unknown",
                       now_ns()};
      spdlog::warn("host {}: storage {} exchange 0x{:04x} (request {}) was left open: failing it as unknown", opts_.host,
                   name, x.ox_id, events::crypto::to_hex(request));
      SM_TRY(auto off, send(st::entity::kind, name, request_command_id("fail", r), 0,
                            [&](schema::Envelope::Builder env) { st::entity::write_command(f, env); }));
      (void)off;
    }
  return success();
}

cp::control_reply control_host_agent::handle(const cp::control_request& r) {
  if (r.hops > cp::max_hops)
    return refusal(r, "too_many_hops", fmt::format("the request passed {} hosts (at most {})", r.hops, cp::max_hops));
  if (auto why = services::check_name(r.storage); !why.empty())
    return refusal(r, "bad_request", "storage name '" + r.storage + "': " + why);
  const auto now = now_ns();
  if (r.issued_at_ns <= 0 || r.issued_at_ns > now + opts_.max_clock_skew.count())
    return refusal(r, "bad_request",
                   fmt::format("issued at {} ns: not a time before this host's clock ({} ns, skew allowed {} s)",
                               r.issued_at_ns, now,
                               std::chrono::duration_cast<std::chrono::seconds>(opts_.max_clock_skew).count()));
  auto cmd = cp::build_command(r.operation, r.args);
  if (!cmd)
    return refusal(r, "unknown_operation", cmd.error().message());
  // What the request needs of the log, read under the view's lock.
  struct route {
    bool added = false;
    std::string host, fc_port, endpoint;  ///< the linked host, its FC port, its interceptor (empty: not attached)
  };
  const auto to = view_.with_log([&](const log_snapshot& log) {
    route out;
    if (auto it = log.storages.find(r.storage); it != log.storages.end() && it->second.added)
      out = route{true, it->second.host, it->second.fc_port, {}};
    if (auto h = log.hosts.find(out.host); h != log.hosts.end() && h->second.attached)
      out.endpoint = h->second.endpoint;
    return out;
  });
  if (!to.added)
    return refusal(r, "unknown_storage", "storage system '" + r.storage + "' is not added (storemesh storage add)");
  if (to.host.empty())
    return refusal(r, "not_linked",
                   "no host's FC port is coupled to '" + r.storage + "' (storemesh host link HOST --fc " + r.storage + ")");
  if (to.host != opts_.host)
    return forward(r, to.host, to.endpoint);
  return convert(r, cmd.value(), to.fc_port);
}

cp::control_reply control_host_agent::forward(const cp::control_request& r, const std::string& to_host,
                                              const std::string& endpoint) {
  if (endpoint.empty())
    return refusal(r, "host_unreachable",
                   "storage '" + r.storage + "' is linked to host " + to_host + ", which has no interceptor attached");
  if (std::find(r.path.begin(), r.path.end(), opts_.host) != r.path.end())
    return refusal(r, "loop", "the request came back to host " + opts_.host);
  // Each pass through a host is recorded (a fresh id): an auditor sees every
  // route a request took, retries included.
  const st::forward f{as_bytes(r.id), opts_.host, to_host, r.operation, now_ns()};
  if (auto sent = send(st::entity::kind, r.storage, coordination::command_writer::new_id(), 0,
                       [&](schema::Envelope::Builder env) { st::entity::write_command(f, env); });
      !sent)
    return refusal(r, "log_unavailable", "recording the forward: " + sent.error().message());
  auto next = r;
  next.hops = static_cast<std::uint8_t>(r.hops + 1);
  next.path.push_back(opts_.host);
  auto reply = agents::control_path::call(endpoint, next, opts_.forward_timeout);
  if (!reply)
    return refusal(next, "forward_failed",
                   "host " + to_host + " at " + endpoint + " (it has the FC link): " + reply.error().message());
  return std::move(reply.value());
}

cp::control_reply control_host_agent::convert(const cp::control_request& r, const cp::built_command& cmd,
                                              const std::string& fc_port) {
  auto here = r;
  here.path.push_back(opts_.host);
  const auto request = as_bytes(r.id);
  const auto id = request_command_id("convert", r.id);
  const st::convert c{request,
                      opts_.host,
                      r.path.empty() ? opts_.host : r.path.front(),
                      r.operation,
                      r.lun,
                      std::string(reinterpret_cast<const char*>(cmd.cdb.data()), cmd.cdb.size()),
                      now_ns()};
  auto at = send(st::entity::kind, r.storage, id, r.issued_at_ns,
                 [&](schema::Envelope::Builder env) { st::entity::write_command(c, env); });
  if (!at)
    return refusal(here, "log_unavailable", "recording the conversion: " + at.error().message());
  const auto outcome = view_.wait_outcome(id, at.value(), opts_.decide_timeout);
  if (!outcome)
    return refusal(here, "log_timeout",
                   fmt::format("the log did not decide the conversion within {} ms; nothing was sent. A retry with "
                               "the same request id is safe: it is converted at most once",
                               opts_.decide_timeout.count()));
  if (!outcome->accepted) {
    if (outcome->code == "duplicate")
      return refusal(here, "already_converted",
                     "request " + events::crypto::to_hex(request) +
                         " was converted before: it is not sent again (storemesh storage status --exchanges shows "
                         "how it ended)");
    if (outcome->code == "expired")
      return refusal(here, "stale_request",
                     "request " + events::crypto::to_hex(request) + " was issued longer ago than the log remembers requests: " +
                         outcome->reason);
    return refusal(here, outcome->code, outcome->reason);
  }
  const auto ox = outcome->detail;
  auto on_link = link_(fc_port, ox, r.lun, cmd, opts_.fc_timeout);
  if (const auto* f = std::get_if<fc_failure>(&on_link)) {
    const st::fail fail{request, ox, f->sent, f->reason, now_ns()};
    if (auto sent = send(st::entity::kind, r.storage, request_command_id("fail", r.id), 0,
                         [&](schema::Envelope::Builder env) { st::entity::write_command(fail, env); });
        !sent)
      spdlog::warn("host {}: recording the failure of exchange 0x{:04x}: {}", opts_.host, ox, sent.error().message());
    auto out = refusal(here, "fc_link",
                       fmt::format("exchange 0x{:04x}: {}{}", ox, f->reason,
                                   f->sent ? " (the command had left: whether it executed is unknown; it is not "
                                             "sent again)"
                                           : " (the command was not sent)"));
    out.ox_id = ox;
    return out;
  }
  const auto& a = std::get<fc_answer>(on_link);
  const st::answer ans{request, ox, answer_of(a, a.data.size()), now_ns()};
  if (auto sent = send(st::entity::kind, r.storage, request_command_id("answer", r.id), 0,
                       [&](schema::Envelope::Builder env) { st::entity::write_command(ans, env); });
      !sent)
    spdlog::warn("host {}: recording the answer of exchange 0x{:04x}: {}", opts_.host, ox, sent.error().message());
  cp::control_reply out;
  out.id = r.id;
  out.ok = a.status == 0;
  out.scsi_status = a.status;
  out.sense = a.sense;
  out.data = a.data;
  out.ox_id = ox;
  out.rx_id = a.rx_id;
  out.path = here.path;
  auto rendered = cp::render_outcome(cmd, a.status, a.sense, a.data);
  if (rendered) {
    out.message = rendered.value().text;
    out.detail = rendered.value().json;
  } else {
    out.message = "the answer does not decode: " + rendered.error().message();
  }
  if (!out.ok)
    out.error_code = "scsi_status";
  return out;
}

} // namespace storemesh::actors::control_host
