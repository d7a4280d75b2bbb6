#pragma once
// An access server's data plane (`storemesh access serve`): puts and gets of
// files under its shares, through sessions the log opened, each executed as
// the session's protection says, each recorded in the log before its data is
// committed or returned:
//
//   put  --> session open? path fine? size within the policy?  (else refused, nothing kept)
//        --> received into incoming, hashed; streamed to clamd at the same
//            time when the session and file are scanned, unless the client
//            declared a SHA-256 the cache has a verdict for (checked at the end)
//        --> record_access{verdict} to the log; the decider re-checks it
//            against the current protection (a stale view is refused:
//            scan and record again)
//        --> clean / not_scanned / deferred: rename into the share
//            infected: into the quarantine; scanner_unavailable: discarded
//   get  --> the same checks; scanned: hashed, cache or clamd, recorded,
//            then sent from the same open file (infected: quarantined, refused)
//
// A rescan thread scans deferred accesses once clamd answers again. At
// start, incoming files left by a crash are finished as the log says.
//
//   created --start()--> serving --stop()--> stopped

#include "actors/agents/access_server/access_view.hpp"
#include "actors/agents/access_server/clamd_client.hpp"
#include "actors/agents/access_server/share_files.hpp"
#include "actors/agents/coordination/command_writer.hpp"
#include "services/access/verdict_cache.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace storemesh::agents::access_server {

struct share_root {
  std::string name;
  std::filesystem::path root;
};

struct access_options {
  std::string server;
  std::string endpoint;  ///< host:port it is reachable at (recorded by attach)
  std::vector<share_root> shares;
  std::filesystem::path quarantine;
  clamd_options clamd;
  std::chrono::milliseconds decide_timeout{30'000};  ///< for the log to decide a record (a busy broker takes seconds)
  std::chrono::milliseconds session_wait{5'000};  ///< for a just-opened session to reach the view
  std::chrono::milliseconds catch_up_timeout{30'000};
  std::chrono::milliseconds rescan_period{1'000};
  std::size_t cache_entries = 65536;
  /// Tests: while this file exists, a put waits between its record and its
  /// commit (the window a crash must not lose data in).
  std::filesystem::path hold_before_commit;
};

/// An answer to a client: an HTTP status and a JSON body.
struct reply {
  unsigned status = 200;
  std::string body;
};

/// What a request says before its body.
struct request_head {
  std::string session, share, path;
  std::uint64_t length = 0;
  std::string declared_sha256;  ///< 64 hex digits, or empty
  std::string peer;             ///< the address the request came from
};

class access_service;

/// One put while its body arrives. Destroying it unfinished discards it.
class put_transaction {
public:
  put_transaction(access_service& svc, const share_files& files, request_head head, std::string access, int fd,
                  std::unique_ptr<clamd_stream> scan, services::access::access_plan plan, bool cached_clean);
  ~put_transaction();
  put_transaction(const put_transaction&) = delete;
  put_transaction& operator=(const put_transaction&) = delete;

  /// Appends body bytes; false once something failed (finish() says what).
  bool feed(const char* data, std::size_t size);
  [[nodiscard]] reply finish();

private:
  access_service& svc_;
  const share_files& files_;
  request_head head_;
  std::string access_;
  int fd_;
  std::unique_ptr<clamd_stream> scan_;
  services::access::access_plan plan_;
  bool cached_clean_;
  std::uint64_t received_ = 0;
  std::string failure_;
  struct hasher;
  std::unique_ptr<hasher> hash_;
  bool done_ = false;
};

/// A get ready to send: an open file (owned: the sender closes it) and its
/// access as the log recorded it.
struct get_ready {
  int fd = -1;
  std::uint64_t size = 0;
  services::access::accessed record;
};

/// An access record as JSON (the body of a put's answer, a get's header).
[[nodiscard]] std::string access_json(const services::access::accessed& a);

class access_service {
public:
  access_service(access_options o, std::unique_ptr<events::event_log> read_log,
                 std::unique_ptr<actors::coordination::command_writer> writer, actors::topics names);
  ~access_service();
  access_service(const access_service&) = delete;
  access_service& operator=(const access_service&) = delete;

  /// Reads its log to the end, finishes a crash's leftovers, attaches, starts rescanning.
  [[nodiscard]] result<void> start();
  void stop();

  [[nodiscard]] std::variant<reply, std::unique_ptr<put_transaction>> begin_put(const request_head& h);
  [[nodiscard]] std::variant<reply, get_ready> get(const request_head& h);
  /// Scanner health, cache, quarantine, pending scans, counters: JSON, or
  /// lines for a person.
  [[nodiscard]] reply status(bool text = false);

private:
  friend class put_transaction;

  struct scanned {
    services::access::verdict result = services::access::verdict::clean;
    std::string signature, db_version, error;
    bool cached = false;
  };
  /// A verdict for the bytes of fd (sha256 known): the cache, else clamd.
  [[nodiscard]] scanned scan_fd(int fd, const std::string& sha256);
  /// A scan's result as the verdict, the outage policy applied.
  [[nodiscard]] scanned from_scan(const scan_result& r, const std::string& sha256);
  struct refused {
    std::string code, reason;
  };
  /// record_access: the event the log recorded, or why not.
  [[nodiscard]] std::variant<refused, services::access::accessed> record(const services::access::record_access& r);
  /// record, and when the view was behind (scan_required), scan with
  /// `rescan` (which updates r) and record again.
  template <class Rescan>
  [[nodiscard]] std::variant<refused, services::access::accessed> record_checked(services::access::record_access& r,
                                                                                 Rescan&& rescan);
  [[nodiscard]] const share_files* share(const std::string& name) const;
  /// The common checks of a request: its session, share, path, size.
  [[nodiscard]] std::variant<reply, services::access::access_plan> admit(const request_head& h, bool is_put);
  void rescan_loop();
  void rescan_pending();

  access_options o_;
  std::unique_ptr<actors::coordination::command_writer> writer_;
  actors::topics names_;
  access_view view_;
  clamd_client clamd_;
  std::vector<std::unique_ptr<share_files>> shares_;

  std::mutex cache_mutex_;
  services::access::verdict_cache cache_;
  std::atomic<bool> scanner_up_{false};
  std::mutex scanner_mutex_;
  std::string scanner_error_, scanner_engine_, scanner_db_;

  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread rescanner_;
};

/// 32 hex digits: a new access id.
[[nodiscard]] std::string new_access_id();

} // namespace storemesh::agents::access_server
