#include "actors/agents/access_server/access_service.hpp"

#include "events/crypto/hashing.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/envelope/envelope_json.hpp"
#include "services/access/access_server_codec.hpp"
#include "services/migration/engine/chunk_hash.hpp"

#include <fmt/core.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <thread>

namespace storemesh::agents::access_server {
namespace {

namespace ac = services::access;
using events::envelope::json_string;
using events::envelope::now_ns;

reply refusal(unsigned status, std::string_view code, std::string_view message) {
  return reply{status, fmt::format("{{\"error\":{},\"message\":{}}}", json_string(code), json_string(message))};
}

unsigned status_of(std::string_view code) {
  if (code == "unknown_session" || code == "unknown_share")
    return 404;
  if (code == "session_closed" || code == "scan_required")
    return 409;
  return 400;
}

std::string hex(const services::migration::chunk_hash& h) { return services::migration::to_hex(h); }

bool is_sha256_hex(std::string_view s) {
  if (s.size() != 64)
    return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

/// SHA-256 of a whole file through its fd (pread: the offset is left alone).
result<std::string> hash_fd(int fd) {
  services::migration::sha256_stream h;
  std::vector<char> buf(1 << 20);
  for (off_t at = 0;;) {
    const auto n = ::pread(fd, buf.data(), buf.size(), at);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return errno_error(errno, "reading for the hash");
    }
    if (n == 0)
      break;
    h.update(buf.data(), static_cast<std::size_t>(n));
    at += n;
  }
  return hex(h.finish());
}

} // namespace

std::string access_json(const ac::accessed& a) {
  return fmt::format("{{\"access\":{},\"session\":{},\"op\":{},\"path\":{},\"bytes\":{},\"sha256\":{},\"verdict\":{},"
                     "\"rule\":{},\"reason\":{},\"signature\":{},\"db_version\":{},\"cached\":{},\"quarantine\":{}}}",
                     json_string(a.access), json_string(a.session), json_string(ac::to_string(a.op)),
                     json_string(a.path), a.bytes, json_string(a.sha256), json_string(ac::to_string(a.result)),
                     json_string(a.rule), json_string(a.reason), json_string(a.signature), json_string(a.db_version),
                     a.cached ? "true" : "false", json_string(a.quarantine));
}

std::string new_access_id() {
  std::array<std::uint8_t, 16> id{};
  randombytes_buf(id.data(), id.size());
  return events::crypto::to_hex(id);
}

// -- put ---------------------------------------------------------------------------

struct put_transaction::hasher {
  services::migration::sha256_stream sha;
};

put_transaction::put_transaction(access_service& svc, const share_files& files, request_head head, std::string access,
                                 int fd, std::unique_ptr<clamd_stream> scan, ac::access_plan plan, bool cached)
    : svc_(svc), files_(files), head_(std::move(head)), access_(std::move(access)), fd_(fd), scan_(std::move(scan)),
      plan_(std::move(plan)), cached_clean_(cached), hash_(std::make_unique<hasher>()) {}

put_transaction::~put_transaction() {
  if (fd_ >= 0)
    ::close(fd_);
  if (!done_)
    files_.discard(access_);
}

bool put_transaction::feed(const char* data, std::size_t size) {
  if (!failure_.empty())
    return false;
  received_ += size;
  if (received_ > head_.length) {
    failure_ = "the body is longer than its Content-Length";
    return false;
  }
  hash_->sha.update(data, size);
  if (scan_)
    scan_->feed(data, size);
  for (std::size_t done = 0; done < size;) {
    const auto n = ::write(fd_, data + done, size - done);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      failure_ = (errno == ENOSPC || errno == EDQUOT) ? "disk full: the share has no room for the file"
                                                       : std::string("writing the file: ") + std::strerror(errno);
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

reply put_transaction::finish() {
  ::close(fd_);
  fd_ = -1;
  if (!failure_.empty())
    return refusal(failure_.rfind("disk full", 0) == 0 ? 507 : 400, "write_failed", failure_);
  if (received_ != head_.length)
    return refusal(400, "short_body", fmt::format("{} bytes arrived of the {} announced", received_, head_.length));
  const auto sha = hex(hash_->sha.finish());
  if (!head_.declared_sha256.empty() && sha != head_.declared_sha256)
    return refusal(400, "sha256_mismatch",
                   fmt::format("the data's SHA-256 is {}, the request declared {}", sha, head_.declared_sha256));

  access_service::scanned v;
  if (!plan_.scan)
    v.result = ac::verdict::not_scanned;
  else if (scan_)
    v = svc_.from_scan(scan_->finish(), sha);
  else  // the declared hash had a verdict in the cache, and the data is that hash
    v = svc_.scan_fd(-1, sha);

  ac::record_access r{access_, head_.session, ac::access_op::put, head_.path, received_, sha, v.result,
                      v.signature, v.db_version, v.cached, v.result == ac::verdict::infected ? access_ : "", now_ns()};
  auto outcome = svc_.record_checked(r, [&](ac::record_access&) {
    const int fd = ::open(files_.incoming(access_).c_str(), O_RDONLY | O_CLOEXEC);
    v = svc_.scan_fd(fd, sha);
    if (fd >= 0)
      ::close(fd);
    return v;
  });
  if (auto* no = std::get_if<access_service::refused>(&outcome)) {
    if (no->code == "log_timeout")
      done_ = true;  // the log may still record it: the next start finishes it as the log says
    return refusal(no->code == "log_timeout" ? 504 : status_of(no->code), no->code, no->reason);
  }
  const auto& recorded = std::get<ac::accessed>(outcome);
  while (!svc_.o_.hold_before_commit.empty() && std::filesystem::exists(svc_.o_.hold_before_commit))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  switch (r.result) {
  case ac::verdict::clean:
  case ac::verdict::not_scanned:
  case ac::verdict::deferred:
    if (auto ok = files_.commit(access_, head_.path); !ok)
      return refusal(500, "commit_failed", ok.error().message());
    done_ = true;
    return reply{201, access_json(recorded)};
  case ac::verdict::infected:
    if (auto ok = files_.quarantine_incoming(access_); !ok)
      spdlog::error("access {}: quarantining: {}", access_, ok.error().message());
    done_ = true;
    return refusal(403, "infected",
                   fmt::format("{} is infected ({}): refused and quarantined as {}", head_.path, v.signature, access_));
  case ac::verdict::scanner_unavailable:
    return refusal(503, "scanner_unavailable",
                   "no antivirus scanner answered (" + v.error + ") and the policy refuses unscanned data: nothing kept");
  case ac::verdict::too_large:
    return refusal(413, "too_large", plan_.reason);
  }
  return refusal(500, "internal", "unknown verdict");
}

// -- the service --------------------------------------------------------------------

access_service::access_service(access_options o, std::unique_ptr<events::event_log> read_log,
                               std::unique_ptr<actors::coordination::command_writer> writer, actors::topics names)
    : o_(std::move(o)), writer_(std::move(writer)), names_(names), view_(std::move(read_log), names, o_.server),
      clamd_(o_.clamd), cache_(o_.cache_entries) {
  for (const auto& s : o_.shares)
    shares_.push_back(std::make_unique<share_files>(s.name, s.root, o_.quarantine));
}

access_service::~access_service() { stop(); }

const share_files* access_service::share(const std::string& name) const {
  for (const auto& s : shares_)
    if (s->name() == name)
      return s.get();
  return nullptr;
}

result<void> access_service::start() {
  std::set<std::string> leftovers;
  for (const auto& s : shares_) {
    SM_TRYV(s->prepare());
    for (auto& id : s->leftovers())
      leftovers.insert(std::move(id));
  }
  view_.watch(leftovers);
  view_.start();
  if (!view_.wait_caught_up(o_.catch_up_timeout))
    return make_error(std::errc::timed_out, fmt::format("access server {}: the log was not read to its end within {} ms",
                                                        o_.server, o_.catch_up_timeout.count()));
  for (const auto& s : shares_) {
    SM_TRY(auto n, s->recover([&](const std::string& access) -> std::pair<share_files::leftover, std::string> {
      const auto rec = view_.watched(access);
      if (!rec || rec->op != ac::access_op::put)
        return {share_files::leftover::discard, {}};
      if (rec->result == ac::verdict::infected)
        return {share_files::leftover::quarantine, {}};
      if (ac::admitted(rec->result))
        return {share_files::leftover::commit, rec->path};
      return {share_files::leftover::discard, {}};
    }));
    if (n > 0)
      spdlog::warn("access server {}: share {}: finished {} put(s) a stop left half done, as the log recorded them",
                   o_.server, s->name(), n);
  }
  std::vector<std::string> names;
  for (const auto& s : o_.shares)
    names.push_back(s.name);
  SM_TRY(auto at, writer_->submit(ac::entity::kind, o_.server, actors::coordination::command_writer::new_id(),
                                  [&](schema::Envelope::Builder env) {
                                    ac::entity::write_command(ac::attach{o_.endpoint, names, now_ns()}, env);
                                  }));
  (void)at;  // the same endpoint and shares again decide nothing: no outcome to wait for
  rescanner_ = std::thread([this] { rescan_loop(); });
  return success();
}

void access_service::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    if (stopping_)
      return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (rescanner_.joinable())
    rescanner_.join();
  view_.stop();
}

std::variant<reply, ac::access_plan> access_service::admit(const request_head& h, bool is_put) {
  (void)is_put;
  if (!share(h.share))
    return refusal(404, "unknown_share", "server " + o_.server + " has no share '" + h.share + "'");
  if (auto why = check_share_path(h.path); !why.empty())
    return refusal(400, "bad_path", "path '" + h.path + "': " + why);
  if (auto why = ac::check_session_id(o_.server, h.session); !why.empty())
    return refusal(400, "bad_session", why);
  if (!view_.wait_session(h.session, o_.session_wait))
    return refusal(404, "unknown_session", "session " + h.session + " was not opened on server " + o_.server);
  return view_.with_state([&](const ac::state& s) -> std::variant<reply, ac::access_plan> {
    const auto& ses = s.sessions.at(h.session);
    if (!ses.open)
      return refusal(409, "session_closed", "session " + h.session + " is closed");
    if (ses.share != h.share)
      return refusal(403, "wrong_share", "session " + h.session + " was opened for share " + ses.share);
    if (ses.decided.rule == "trusted_network") {
      // Trusted for the address it reported: only requests from there.
      const auto it = ses.attrs.find("addr");
      if (it == ses.attrs.end() || it->second != h.peer)
        return refusal(403, "wrong_address",
                       "session " + h.session + " is unscanned because its client is on a trusted network (" +
                           (it == ses.attrs.end() ? std::string("?") : it->second) + "); this request comes from " +
                           h.peer);
    }
    auto plan = ac::plan_access(s, h.session, h.path, h.length);
    if (plan.refuse)
      return refusal(413, "too_large", plan.reason);
    return plan;
  });
}

std::variant<reply, std::unique_ptr<put_transaction>> access_service::begin_put(const request_head& h) {
  auto admitted = admit(h, true);
  if (auto* r = std::get_if<reply>(&admitted))
    return std::move(*r);
  auto plan = std::get<ac::access_plan>(std::move(admitted));
  if (!h.declared_sha256.empty() && !is_sha256_hex(h.declared_sha256))
    return refusal(400, "bad_sha256", "X-Content-SHA256 must be 64 lowercase hex digits");
  bool cached = false;
  if (plan.scan && !h.declared_sha256.empty()) {
    const auto v = clamd_.version();
    if (v.ok && !v.db_version.empty()) {
      std::lock_guard lock(cache_mutex_);
      cached = cache_.find(h.declared_sha256, v.db_version).has_value();
    }
  }
  const auto* files = share(h.share);
  if (auto ok = files->check_destination(h.path); !ok)
    return refusal(400, "bad_path", "path '" + h.path + "': " + ok.error().message());
  const auto access = new_access_id();
  auto fd = files->create_incoming(access);
  if (!fd)
    return refusal(507, "write_failed", fd.error().message());
  std::unique_ptr<clamd_stream> scan;
  if (plan.scan && !cached)
    scan = clamd_.instream();
  return std::make_unique<put_transaction>(*this, *files, h, access, fd.value(), std::move(scan), std::move(plan),
                                           cached);
}

std::variant<reply, get_ready> access_service::get(const request_head& head) {
  const auto* files = share(head.share);
  if (!files)
    return refusal(404, "unknown_share", "server " + o_.server + " has no share '" + head.share + "'");
  if (auto why = check_share_path(head.path); !why.empty())
    return refusal(400, "bad_path", "path '" + head.path + "': " + why);
  auto opened = files->open_for_read(head.path);
  if (!opened)
    return refusal(opened.error().code == std::errc::no_such_file_or_directory ? 404 : 400, "not_found",
                   opened.error().message());
  const int fd = opened.value();
  struct stat st {};
  (void)::fstat(fd, &st);
  auto h = head;
  h.length = static_cast<std::uint64_t>(st.st_size);
  auto closing = [fd](reply r) -> std::variant<reply, get_ready> {
    ::close(fd);
    return r;
  };
  auto admitted = admit(h, false);
  if (auto* r = std::get_if<reply>(&admitted))
    return closing(std::move(*r));
  const auto plan = std::get<ac::access_plan>(admitted);

  const auto access = new_access_id();
  std::string sha;
  scanned v;
  v.result = ac::verdict::not_scanned;
  auto scan_now = [&]() -> std::optional<reply> {
    if (sha.empty()) {
      auto hashed = hash_fd(fd);
      if (!hashed)
        return refusal(500, "read_failed", hashed.error().message());
      sha = hashed.value();
    }
    v = scan_fd(fd, sha);
    return std::nullopt;
  };
  if (plan.scan)
    if (auto r = scan_now())
      return closing(*r);
  ac::record_access r{access, h.session, ac::access_op::get, h.path, h.length, sha, v.result, v.signature,
                      v.db_version, v.cached, v.result == ac::verdict::infected ? access : "", now_ns()};
  std::optional<reply> failed;
  auto outcome = record_checked(r, [&](ac::record_access& again) {
    failed = scan_now();
    again.sha256 = sha;
    return v;
  });
  if (failed)
    return closing(*failed);
  if (auto* no = std::get_if<refused>(&outcome))
    return closing(refusal(no->code == "log_timeout" ? 504 : status_of(no->code), no->code, no->reason));
  switch (v.result) {
  case ac::verdict::infected:
    ::close(fd);
    if (auto ok = files->quarantine_file(h.path, access); !ok)
      spdlog::error("access {}: quarantining {}: {}", access, h.path, ok.error().message());
    return refusal(403, "infected",
                   fmt::format("{} is infected ({}): refused and quarantined as {}", h.path, v.signature, access));
  case ac::verdict::scanner_unavailable:
    return closing(refusal(503, "scanner_unavailable",
                           "no antivirus scanner answered (" + v.error + ") and the policy refuses unscanned data"));
  case ac::verdict::too_large:
    return closing(refusal(413, "too_large", plan.reason));
  default:
    return get_ready{fd, h.length, std::get<ac::accessed>(outcome)};
  }
}

access_service::scanned access_service::scan_fd(int fd, const std::string& sha256) {
  // The database version is asked for now: a verdict made under another
  // database is never reused.
  const auto v = clamd_.version();
  if (v.ok && !v.db_version.empty()) {
    std::lock_guard lock(cache_mutex_);
    if (auto hit = cache_.find(sha256, v.db_version)) {
      scanned s;
      s.result = hit->infected ? ac::verdict::infected : ac::verdict::clean;
      s.signature = hit->signature;
      s.db_version = v.db_version;
      s.cached = true;
      return s;
    }
  }
  if (fd < 0) {
    scan_result none;
    none.error = v.ok ? "the cached verdict is gone" : v.error;
    return from_scan(none, sha256);
  }
  return from_scan(clamd_.scan_fd(fd), sha256);
}

access_service::scanned access_service::from_scan(const scan_result& r, const std::string& sha256) {
  scanned s;
  if (r.what == scan_result::kind::unavailable) {
    scanner_up_ = false;
    {
      std::lock_guard lock(scanner_mutex_);
      scanner_error_ = r.error;
    }
    const auto outage = view_.with_state([](const ac::state& st) { return st.policy.on_outage; });
    s.result = outage == ac::outage_action::allow_and_mark ? ac::verdict::deferred : ac::verdict::scanner_unavailable;
    s.error = r.error;
    return s;
  }
  scanner_up_ = true;
  s.result = r.what == scan_result::kind::infected ? ac::verdict::infected : ac::verdict::clean;
  s.signature = r.signature;
  s.db_version = r.db_version;
  if (!r.db_version.empty() && r.db_version.find("->") == std::string::npos) {
    std::lock_guard lock(cache_mutex_);
    cache_.insert(sha256, r.db_version, ac::cached_verdict{s.result == ac::verdict::infected, r.signature});
  }
  return s;
}

std::variant<access_service::refused, ac::accessed> access_service::record(const ac::record_access& r) {
  // One command id per (access, verdict): a retry of the same report is
  // decided once; a report made again after a scan is another command.
  const auto id = events::crypto::derived_id("access:" + r.access + ":" + std::string(ac::to_string(r.result)));
  auto at = writer_->submit(ac::entity::kind, o_.server, id,
                            [&](schema::Envelope::Builder env) { ac::entity::write_command(r, env); });
  if (!at)
    return refused{"log_unavailable", "recording the access: " + at.error().message()};
  const auto outcome = view_.wait_outcome(id, at.value(), o_.decide_timeout);
  if (!outcome)
    return refused{"log_timeout", fmt::format("the log did not decide the access within {} ms; the server finishes "
                                              "it as the log decides when it next starts",
                                              o_.decide_timeout.count())};
  if (!outcome->accepted)
    return refused{outcome->code, outcome->reason};
  return outcome->detail;
}

template <class Rescan>
std::variant<access_service::refused, ac::accessed> access_service::record_checked(ac::record_access& r,
                                                                                   Rescan&& rescan) {
  auto outcome = record(r);
  const auto* no = std::get_if<refused>(&outcome);
  if (!no || no->code != "scan_required")
    return outcome;
  // The view was behind the log: the session (or the file) is scanned now.
  spdlog::info("access {}: {}; scanning it before recording again", r.access, no->reason);
  const scanned v = rescan(r);
  r.result = v.result;
  r.signature = v.signature;
  r.db_version = v.db_version;
  r.cached = v.cached;
  r.quarantine = v.result == ac::verdict::infected ? r.access : "";
  return record(r);
}

// -- rescans and health ----------------------------------------------------------------

void access_service::rescan_loop() {
  for (;;) {
    {
      std::unique_lock lock(stop_mutex_);
      if (stop_cv_.wait_for(lock, o_.rescan_period, [this] { return stopping_; }))
        return;
    }
    const auto v = clamd_.version();
    {
      std::lock_guard lock(scanner_mutex_);
      if (v.ok) {
        scanner_engine_ = v.engine;
        scanner_db_ = v.db_version;
        scanner_error_.clear();
      } else {
        scanner_error_ = v.error;
      }
    }
    scanner_up_ = v.ok;
    if (v.ok)
      rescan_pending();
  }
}

void access_service::rescan_pending() {
  const auto pending = view_.with_state([](const ac::state& s) { return s.pending; });
  for (const auto& [access, p] : pending) {
    {
      std::lock_guard lock(stop_mutex_);
      if (stopping_)
        return;
    }
    const auto* files = share(p.share);
    if (!files)
      continue;
    auto fd = files->open_for_read(p.path);
    if (!fd) {
      spdlog::warn("access server {}: deferred access {} ({}): {}", o_.server, access, p.path, fd.error().message());
      continue;
    }
    const auto r = clamd_.scan_fd(fd.value());
    ::close(fd.value());
    if (r.what == scan_result::kind::unavailable)
      return;  // the scanner went away again: the next round
    const bool infected = r.what == scan_result::kind::infected;
    ac::record_rescan rs{access, infected ? ac::verdict::infected : ac::verdict::clean, r.signature, r.db_version,
                         infected ? access : "", now_ns()};
    const auto id = events::crypto::derived_id("rescan:" + access);
    auto at = writer_->submit(ac::entity::kind, o_.server, id,
                              [&](schema::Envelope::Builder env) { ac::entity::write_command(rs, env); });
    if (!at)
      return;
    const auto outcome = view_.wait_outcome(id, at.value(), o_.decide_timeout);
    if (!outcome || !outcome->accepted)
      continue;
    spdlog::info("access server {}: deferred access {} ({}) scanned: {}", o_.server, access, p.path,
                 infected ? "infected: " + r.signature : std::string("clean"));
    if (infected)
      if (auto ok = files->quarantine_file(p.path, access); !ok)
        spdlog::error("access {}: quarantining {}: {}", access, p.path, ok.error().message());
  }
}

reply access_service::status(bool text) {
  std::string engine, db, error;
  {
    std::lock_guard lock(scanner_mutex_);
    engine = scanner_engine_;
    db = scanner_db_;
    error = scanner_error_;
  }
  std::size_t entries, capacity;
  std::uint64_t hits, misses;
  {
    std::lock_guard lock(cache_mutex_);
    entries = cache_.size();
    capacity = cache_.capacity();
    hits = cache_.hits();
    misses = cache_.misses();
  }
  const bool up = scanner_up_.load();
  return view_.with_state([&](const ac::state& s) {
    std::size_t open = 0;
    for (const auto& [id, ses] : s.sessions)
      open += ses.open ? 1 : 0;
    const auto& c = s.counters;
    if (text) {
      std::string out = fmt::format(
          "server {}\nscanner    {} at {}: {}{}\ncache      {} verdicts of {}, {} hits, {} misses\n"
          "policy     #{}, scanner outage: {}\nsessions   {} open\npending    {} deferred access(es) waiting for "
          "the scanner\naccesses   {} puts, {} gets: {} scanned ({} from the cache), {} not scanned, {} infected, {} "
          "deferred, {} refused\nquarantine {} file(s) in {}\n",
          o_.server, up ? "UP" : "DOWN", o_.clamd.address, engine.empty() ? std::string("?") : engine,
          up ? (db.empty() ? std::string(", no database version") : ", database " + db) : " (" + error + ")", entries,
          capacity, hits, misses, s.policy_no, ac::to_string(s.policy.on_outage), open, s.pending.size(), c.puts,
          c.gets, c.scanned, c.cached, c.not_scanned, c.infected, c.deferred, c.refused, s.quarantine.size(),
          o_.quarantine.string());
      for (const auto& q : s.quarantine)
        out += fmt::format("  {}  {}/{}  {}  (session {})\n", q.quarantine, q.share, q.path, q.signature, q.session);
      return reply{200, out};
    }
    std::string quarantine = "[";
    for (const auto& q : s.quarantine) {
      if (quarantine.size() > 1)
        quarantine += ",";
      quarantine += fmt::format("{{\"access\":{},\"session\":{},\"share\":{},\"path\":{},\"signature\":{},\"file\":{}}}",
                                json_string(q.access), json_string(q.session), json_string(q.share),
                                json_string(q.path), json_string(q.signature), json_string(q.quarantine));
    }
    quarantine += "]";
    return reply{200, fmt::format(
                          "{{\"server\":{},\"scanner\":{{\"address\":{},\"up\":{},\"engine\":{},\"db_version\":{},"
                          "\"error\":{}}},\"cache\":{{\"entries\":{},\"capacity\":{},\"hits\":{},\"misses\":{}}},"
                          "\"policy_no\":{},\"on_outage\":{},\"sessions_open\":{},\"pending_scans\":{},"
                          "\"quarantine_dir\":{},\"quarantine\":{},\"counters\":{{\"puts\":{},\"gets\":{},"
                          "\"scanned\":{},\"not_scanned\":{},\"infected\":{},\"deferred\":{},\"refused\":{},"
                          "\"cached\":{}}}}}",
                          json_string(o_.server), json_string(o_.clamd.address), up ? "true" : "false",
                          json_string(engine), json_string(db), json_string(error), entries, capacity, hits, misses,
                          s.policy_no, json_string(ac::to_string(s.policy.on_outage)), open, s.pending.size(),
                          json_string(o_.quarantine.string()), quarantine, c.puts, c.gets, c.scanned, c.not_scanned,
                          c.infected, c.deferred, c.refused, c.cached)};
  });
}

} // namespace storemesh::agents::access_server
