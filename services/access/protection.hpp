#pragma once
// Whether a session is subjected to antivirus protection, and whether one
// file of it is scanned: pure functions of the client's reported attributes
// and the server's policy (the policy is event-sourced: access_server.hpp).
//
// Session decision, the first rule that matches wins (rule codes are stable):
//
//   #  condition                                         scan  rule
//   1  the share's mode is `never`                       no    share_exempt
//   2  the share's mode is `always`                      yes   share_requires_scan
//   3  the policy is mandatory                           yes   mandatory
//   4  the client reports no antivirus (`av` absent)     yes   no_client_av
//   5  its antivirus is not active (`av=inactive`)       yes   client_av_inactive
//   6  it reports no signature age (`av.age_h` absent)   yes   client_av_age_unknown
//   7  its signatures are older than max_signature_age_h yes   client_av_stale
//   8  it connects from a trusted network (`addr`)       no    trusted_network
//   9  it proved a known key (`key` + `key.proof`)       no    known_key
//  10  otherwise                                         yes   untrusted_client
//
// So a client is trusted to protect itself only with an active, fresh
// antivirus AND a reason to believe what it says (its network or its key);
// an explicit share mode beats the server's default, as a Vscan share
// profile does.
//
// File decision (only in a session that scans), first match wins:
//
//   1  the extension is excluded                   not scanned  extension_excluded
//   2  scan_extensions is set and lacks it         not scanned  extension_not_listed
//   3  larger than max_scan_bytes, oversize=allow  not scanned  too_large_to_scan
//   4  larger than max_scan_bytes, oversize=refuse refused      too_large_to_scan
//   5  otherwise                                   scanned      session_scanned
//
// Extensions are compared lower case without the dot; "" names files that
// have none.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace storemesh::services::access {

enum class share_mode : std::uint8_t { by_client = 0, always = 1, never = 2 };
enum class outage_action : std::uint8_t { refuse = 0, allow_and_mark = 1 };
enum class oversize_action : std::uint8_t { refuse = 0, allow = 1 };

struct policy {
  bool mandatory = false;
  std::uint32_t max_signature_age_h = 24;
  std::vector<std::string> trusted_networks;  ///< CIDRs: "127.0.0.0/8", "10.1.0.0/16", "::1/128"
  std::vector<std::string> known_keys;        ///< Ed25519 public keys, 64 lowercase hex digits
  std::map<std::string, share_mode> shares;   ///< a share not named here: by_client
  std::vector<std::string> scan_extensions;   ///< empty: every extension
  std::vector<std::string> exclude_extensions;
  std::uint64_t max_scan_bytes = 0;  ///< 0: no limit
  oversize_action oversize = oversize_action::refuse;
  outage_action on_outage = outage_action::refuse;
  std::uint64_t max_file_bytes = std::uint64_t(64) << 30;  ///< a larger put is refused whatever the session
  bool operator==(const policy& o) const;
};

/// "" when the policy is acceptable, else why not (bad CIDR, bad key, a share
/// name that check_name refuses, an extension with a dot or a slash, zero
/// max_file_bytes).
[[nodiscard]] std::string check_policy(const policy& p);

/// The client's attributes as reported: key -> value. The known keys:
///   av        active | inactive           (absent: no antivirus reported)
///   av.age_h  hours since its signatures were updated, 0..1000000
///   addr      the IPv4 or IPv6 address it connects from
///   key       its Ed25519 public key, 64 hex digits
///   key.proof its signature (128 hex digits) of session_proof_message(session)
using attributes = std::map<std::string, std::string>;

/// "" when every key is known and every value well formed, else why not.
/// `key` and `key.proof` come together or not at all. The proof itself is
/// checked by decide_session (a bad proof is not an error: the key is simply
/// not proved).
[[nodiscard]] std::string check_attributes(const attributes& a);

/// What a client signs with its key to prove it holds it for one session.
[[nodiscard]] std::string session_proof_message(std::string_view session);

struct protection {
  bool scan = true;
  std::string rule;    ///< the rule code above
  std::string reason;  ///< one line for the auditor, naming the values that decided
  bool operator==(const protection& o) const { return scan == o.scan && rule == o.rule && reason == o.reason; }
};

[[nodiscard]] protection decide_session(const policy& p, std::string_view share, std::string_view session,
                                        const attributes& a);

struct file_protection {
  bool scan = true;
  bool refuse = false;  ///< too large to scan and the policy refuses such files
  std::string rule, reason;
};

/// Only meaningful in a session that scans; `path` is share-relative.
[[nodiscard]] file_protection decide_file(const policy& p, std::string_view path, std::uint64_t size);

/// Whether `address` lies in `cidr` (both validated; false on a bad one).
[[nodiscard]] bool in_network(std::string_view address, std::string_view cidr);

[[nodiscard]] std::string_view to_string(share_mode m);
[[nodiscard]] std::string_view to_string(outage_action a);
[[nodiscard]] std::string_view to_string(oversize_action a);

} // namespace storemesh::services::access
