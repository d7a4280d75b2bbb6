#pragma once
// scsi_target: executes one CDB against a lun_backend and says what goes
// back: a status, data-in (already cut to the allocation length and to the
// initiator's FCP_DL) and, on CHECK CONDITION, fixed-format sense. Pure: all
// I/O is the backend's. Not thread-safe; one call at a time (the FC port
// runs it on its one thread).
//
// Commands (FC_FORMAT.md lists every field): TEST UNIT READY, INQUIRY
// (standard, VPD 0x00 and 0x83), REPORT LUNS, READ CAPACITY(16), MODE SENSE(6)
// and (10) (control page 0x0A, all pages 0x3F), and the vendor commands
// 0xC0-0xC5 (snapshot create/list/delete, replication start/stop/status).
// REPORT LUNS answers on any LUN (SPC-4 says so: it is how LUN 0 is found);
// every other command on a LUN the backend lacks gets LOGICAL UNIT NOT
// SUPPORTED.

#include "services/control_path/bytes.hpp"
#include "services/control_path/fcp.hpp"
#include "services/control_path/lun_backend.hpp"
#include "services/control_path/scsi_sense.hpp"

#include <array>
#include <cstdint>
#include <string>

namespace storemesh::services::control_path {

struct scsi_request {
  std::uint64_t lun = 0;
  std::array<std::uint8_t, 16> cdb{};
  bytes data_out;                      // the parameter list, if any
  std::uint32_t data_in_limit = 0;     // FCP_DL of a read: at most this many bytes come back
};

struct scsi_result {
  std::uint8_t status = 0;
  bytes data_in;
  bytes sense;                         // 18 bytes on CHECK CONDITION, else empty
};

class scsi_target {
public:
  /// storage_name seeds the NAA identifiers of the LUNs (VPD page 0x83).
  scsi_target(std::string storage_name, lun_backend& backend);

  [[nodiscard]] scsi_result execute(const scsi_request& request);

  /// The NAA locally assigned designator (NAA 3) of a LUN: 8 bytes derived
  /// from the storage name and the LUN number, stable across restarts.
  [[nodiscard]] std::array<std::uint8_t, 8> naa_designator(std::uint64_t lun) const;

private:
  scsi_result inquiry(const scsi_request& r) const;
  scsi_result report_luns(const scsi_request& r) const;
  scsi_result read_capacity(const scsi_request& r) const;
  scsi_result mode_sense(const scsi_request& r) const;
  scsi_result vendor(const scsi_request& r);

  std::string name_;
  lun_backend& backend_;
};

// Helpers the target's files share.
[[nodiscard]] scsi_result check_condition(std::uint8_t key, asc_pair code, std::optional<field_pointer> field = {});
[[nodiscard]] scsi_result good(bytes data, std::size_t allocation_length);
/// The sense for a backend failure (FC_FORMAT.md, "Sense").
[[nodiscard]] scsi_result from_backend_error(const error& e, std::optional<field_pointer> field = {});

} // namespace storemesh::services::control_path
