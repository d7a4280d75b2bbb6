// The vendor specific commands of scsi_target: snapshots and replication of a
// LUN (FC_FORMAT.md, "Vendor commands"). A name travels as the parameter list
// (data-out) so that it is not bound by the CDB's 16 bytes.

#include "services/control_path/lun_backend.hpp"
#include "services/control_path/scsi_cdb.hpp"
#include "services/control_path/scsi_target.hpp"

#include <string>

namespace storemesh::services::control_path {
namespace {

constexpr field_pointer cdb_byte(std::uint16_t b) { return {true, b, std::nullopt}; }

void put_name(bytes& out, std::size_t at, const std::string& name) {
  for (std::size_t i = 0; i < name.size() && i < 64; ++i) out[at + i] = static_cast<std::uint8_t>(name[i]);
}

bytes status_bytes(const replication_info& info) {
  bytes d(replication_status_bytes, 0);
  d[0] = static_cast<std::uint8_t>(info.state);
  put_be(d.data() + 8, info.bytes_copied, 8);
  put_name(d, 16, info.target);
  return d;
}

} // namespace

scsi_result from_backend_error(const error& e, std::optional<field_pointer> field) {
  if (e.code.category() != lun_category())
    return check_condition(sense_key::hardware_error, asc::internal_target_failure);
  switch (static_cast<lun_errc>(e.code.value())) {
    case lun_errc::no_such_lun: return check_condition(sense_key::illegal_request, asc::logical_unit_not_supported);
    case lun_errc::bad_name:
      return check_condition(sense_key::illegal_request, asc::invalid_field_in_parameter_list, field);
    case lun_errc::snapshot_exists: return check_condition(sense_key::illegal_request, asc::snapshot_exists);
    case lun_errc::snapshot_not_found: return check_condition(sense_key::illegal_request, asc::snapshot_not_found);
    case lun_errc::replication_active: return check_condition(sense_key::illegal_request, asc::replication_active);
    case lun_errc::replication_not_active:
      return check_condition(sense_key::illegal_request, asc::replication_not_active);
    case lun_errc::too_many_snapshots: return check_condition(sense_key::illegal_request, asc::too_many_snapshots);
    case lun_errc::io_failure: break;
  }
  return check_condition(sense_key::hardware_error, asc::internal_target_failure);
}

scsi_result scsi_target::vendor(const scsi_request& r) {
  const auto& c = r.cdb;
  const std::uint8_t op = c[0];
  for (std::size_t i = 1; i < 12; ++i) {
    if (i >= vendor_cdb_length_offset && i < vendor_cdb_length_offset + 4) continue;
    if (c[i] != 0) return check_condition(sense_key::illegal_request, asc::invalid_field_in_cdb, cdb_byte(static_cast<std::uint16_t>(i)));
  }
  const std::size_t length = get_be(c.data() + vendor_cdb_length_offset, 4);
  const bool takes_name = op == opcode::snapshot_create || op == opcode::snapshot_delete || op == opcode::replication_start;
  std::string name;
  if (takes_name) {
    // The parameter list is the name itself: 1..63 bytes, all of it sent.
    if (length == 0 || length > max_name_bytes)
      return check_condition(sense_key::illegal_request, asc::invalid_field_in_cdb, cdb_byte(vendor_cdb_length_offset));
    if (r.data_out.size() != length)
      return check_condition(sense_key::illegal_request, asc::parameter_list_length_error);
    name.assign(r.data_out.begin(), r.data_out.end());
    if (!valid_object_name(name))
      return check_condition(sense_key::illegal_request, asc::invalid_field_in_parameter_list, field_pointer{false, 0, {}});
  } else if (op == opcode::replication_stop && length != 0) {
    return check_condition(sense_key::illegal_request, asc::invalid_field_in_cdb, cdb_byte(vendor_cdb_length_offset));
  }
  switch (op) {
    case opcode::snapshot_create: {
      auto done = backend_.snapshot_create(r.lun, name);
      return done ? good({}, 0) : from_backend_error(done.error(), field_pointer{false, 0, {}});
    }
    case opcode::snapshot_delete: {
      auto done = backend_.snapshot_delete(r.lun, name);
      return done ? good({}, 0) : from_backend_error(done.error(), field_pointer{false, 0, {}});
    }
    case opcode::snapshot_list: {
      auto list = backend_.snapshot_list(r.lun);
      if (!list) return from_backend_error(list.error());
      bytes d(8, 0);
      put_be(d.data(), list.value().size() * snapshot_entry_bytes, 4);
      for (const auto& s : list.value()) {
        bytes e(snapshot_entry_bytes, 0);
        put_name(e, 0, s.name);
        put_be(e.data() + 64, s.size_bytes, 8);
        put_be(e.data() + 72, s.created_unix_s, 8);
        d.insert(d.end(), e.begin(), e.end());
      }
      return good(std::move(d), length);
    }
    case opcode::replication_start: {
      auto info = backend_.replication_start(r.lun, name);
      return info ? good({}, 0) : from_backend_error(info.error(), field_pointer{false, 0, {}});
    }
    case opcode::replication_stop: {
      auto info = backend_.replication_stop(r.lun);
      return info ? good({}, 0) : from_backend_error(info.error());
    }
    case opcode::replication_status: {
      auto info = backend_.replication_status(r.lun);
      return info ? good(status_bytes(info.value()), length) : from_backend_error(info.error());
    }
    default: return check_condition(sense_key::illegal_request, asc::invalid_command_operation_code);
  }
}

} // namespace storemesh::services::control_path
