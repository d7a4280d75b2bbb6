#pragma once
// Storage system: a storage array reachable only over Fibre Channel (id: its
// name). It is added once with its FC port, linked to the host whose FC port
// is coupled to it, and then records every control command that reached it:
//
//   add --> added --link(host)--> linked --+-- forward (a host without the link passed a request on)
//                    ^                     +-- convert --> exchange open --answer--> answered
//                    +----- link(other) ---+                            --fail----> failed
//
// Rules:
//  - add: the FC port is an absolute socket path. The same again changes
//    nothing (accepted, no event); another port is refused (already_added).
//  - link: only an added system; the same host again changes nothing; another
//    host moves the link (linked{host, previous}). Exchanges the previous
//    host left open stay open: only that host knows whether their frames left.
//  - forward: only towards the linked host, from another host.
//  - convert: only by the linked host (not_linked otherwise), a CDB of 6 to 16
//    bytes, and not a request already open. The event assigns the exchange's
//    OX_ID (FC-FS: the originator's id, unique among its open exchanges;
//    0xFFFF means "unassigned" and is never used). A request id is converted
//    at most once: the host sends convert under a command id derived from the
//    request id and signed at the request's issue time, so the runtime refuses
//    a retry as a duplicate, or, once the id is forgotten, as expired
//    (actors/processed_commands.hpp). This decider never needs the history.
//  - answer / fail: only an open exchange with that OX_ID; it closes it.
//
// Time enters only as fields of commands.

#include "services/decision.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <variant>

namespace storemesh::services::storage {

/// Request ids are 16 bytes; held as a byte string.
using request_id = std::string;

inline constexpr std::uint16_t unassigned_ox_id = 0xFFFF;

// -- events (the storage format: add alternatives, never change one) ----------

struct scsi_answer {
  std::uint8_t status = 0;
  std::uint8_t sense_key = 0, asc = 0, ascq = 0;
  std::uint32_t data_length = 0;
  std::uint16_t rx_id = unassigned_ox_id;
  bool operator==(const scsi_answer& o) const {
    return status == o.status && sense_key == o.sense_key && asc == o.asc && ascq == o.ascq &&
           data_length == o.data_length && rx_id == o.rx_id;
  }
};

struct added {
  std::string fc_port;
  bool operator==(const added& o) const { return fc_port == o.fc_port; }
};

struct linked {
  std::string host, previous;
  bool operator==(const linked& o) const { return host == o.host && previous == o.previous; }
};

struct forwarded {
  request_id request;
  std::string from_host, to_host, operation;
  std::int64_t at_ns = 0;
  bool operator==(const forwarded& o) const {
    return request == o.request && from_host == o.from_host && to_host == o.to_host && operation == o.operation &&
           at_ns == o.at_ns;
  }
};

struct converted {
  request_id request;
  std::uint16_t ox_id = unassigned_ox_id;
  std::string host, entry_host, operation;
  std::uint64_t lun = 0;
  std::string cdb;
  std::int64_t at_ns = 0;
  bool operator==(const converted& o) const {
    return request == o.request && ox_id == o.ox_id && host == o.host && entry_host == o.entry_host &&
           operation == o.operation && lun == o.lun && cdb == o.cdb && at_ns == o.at_ns;
  }
};

struct answered {
  request_id request;
  std::uint16_t ox_id = unassigned_ox_id;
  scsi_answer scsi;
  std::int64_t at_ns = 0;
  bool operator==(const answered& o) const {
    return request == o.request && ox_id == o.ox_id && scsi == o.scsi && at_ns == o.at_ns;
  }
};

struct failed {
  request_id request;
  std::uint16_t ox_id = unassigned_ox_id;
  bool sent = false;  ///< the FCP_CMND left the host: whether it executed is unknown
  std::string reason;
  std::int64_t at_ns = 0;
  bool operator==(const failed& o) const {
    return request == o.request && ox_id == o.ox_id && sent == o.sent && reason == o.reason && at_ns == o.at_ns;
  }
};

using event = std::variant<added, linked, forwarded, converted, answered, failed>;

// -- state ----------------------------------------------------------------------

struct open_exchange {
  std::uint16_t ox_id = unassigned_ox_id;
  std::string host, operation;
  std::uint64_t lun = 0;
  std::int64_t at_ns = 0;
  bool operator==(const open_exchange& o) const {
    return ox_id == o.ox_id && host == o.host && operation == o.operation && lun == o.lun && at_ns == o.at_ns;
  }
};

struct state {
  bool added = false;
  std::string fc_port;
  std::string host;  ///< the linked host; empty: none
  std::uint16_t next_ox_id = 0;
  std::uint64_t converted = 0, answered = 0, failed = 0, forwarded = 0;
  std::map<request_id, open_exchange> open;
  bool operator==(const state& o) const {
    return added == o.added && fc_port == o.fc_port && host == o.host && next_ox_id == o.next_ox_id &&
           converted == o.converted && answered == o.answered && failed == o.failed && forwarded == o.forwarded &&
           open == o.open;
  }
};

inline const state initial{};

[[nodiscard]] state evolve(state s, const event& e);

// -- commands -------------------------------------------------------------------

struct add {
  std::string fc_port;
};
struct link_host {
  std::string host;
};
struct forward {
  request_id request;
  std::string from_host, to_host, operation;
  std::int64_t at_ns = 0;
};
struct convert {
  request_id request;
  std::string host, entry_host, operation;
  std::uint64_t lun = 0;
  std::string cdb;
  std::int64_t at_ns = 0;
};
struct answer {
  request_id request;
  std::uint16_t ox_id = unassigned_ox_id;
  scsi_answer scsi;
  std::int64_t at_ns = 0;
};
struct fail {
  request_id request;
  std::uint16_t ox_id = unassigned_ox_id;
  bool sent = false;
  std::string reason;
  std::int64_t at_ns = 0;
};

using command = std::variant<add, link_host, forward, convert, answer, fail>;

[[nodiscard]] decision<event> decide(const state& s, const command& c);

// -- helpers shared with the codec, the hosts and the CLI --------------------------


} // namespace storemesh::services::storage
