#include "services/control_path/scsi_commands.hpp"

#include "services/control_path/fc_errc.hpp"
#include "services/control_path/lun_backend.hpp"
#include "services/control_path/scsi_cdb.hpp"

#include <fmt/format.h>

namespace storemesh::services::control_path {
namespace {

std::array<std::uint8_t, 16> vendor_cdb(std::uint8_t op, std::uint32_t length) {
  std::array<std::uint8_t, 16> c{};
  c[0] = op;
  put_be(c.data() + vendor_cdb_length_offset, length, 4);
  return c;
}

result<std::string> one_name(std::string_view op, const std::vector<std::string>& args, const char* what) {
  if (args.size() != 1) return make_error(fc_errc::bad_argument, fmt::format("{} takes one {}", op, what));
  if (!valid_object_name(args[0]))
    return make_error(fc_errc::bad_argument,
                      fmt::format("{} '{}' is not [a-z0-9][a-z0-9_.-]{{0,62}}", what, args[0]));
  return args[0];
}

} // namespace

const std::vector<std::string>& operation_names() {
  static const std::vector<std::string> names{"inquiry",         "inquiry-vpd",     "report-luns",
                                              "test-unit-ready", "read-capacity",   "mode-sense",
                                              "snapshot-create", "snapshot-list",   "snapshot-delete",
                                              "replication-start", "replication-stop", "replication-status"};
  return names;
}

result<built_command> build_command(std::string_view op, const std::vector<std::string>& args) {
  built_command b;
  b.operation = std::string(op);
  auto& c = b.cdb;
  const bool takes_args = op == "inquiry-vpd" || op == "snapshot-create" || op == "snapshot-delete" ||
                          op == "replication-start";
  if (!takes_args && !args.empty())
    return make_error(fc_errc::bad_argument, fmt::format("{} takes no arguments", op));
  if (op == "inquiry") {
    c[0] = opcode::inquiry, c[4] = 255, b.data_in_length = 255;
  } else if (op == "inquiry-vpd") {
    std::uint8_t page = 0x83;
    if (args.size() > 1) return make_error(fc_errc::bad_argument, "inquiry-vpd takes at most one page");
    if (args.size() == 1) {
      if (args[0] == "0x00" || args[0] == "0") page = 0x00;
      else if (args[0] != "0x83" && args[0] != "83")
        return make_error(fc_errc::bad_argument, fmt::format("VPD page '{}' (0x00 or 0x83)", args[0]));
    }
    c[0] = opcode::inquiry, c[1] = 0x01, c[2] = page, c[4] = 255, b.data_in_length = 255;
  } else if (op == "report-luns") {
    c[0] = opcode::report_luns, b.data_in_length = 4096;
    put_be(c.data() + 6, b.data_in_length, 4);
  } else if (op == "test-unit-ready") {
    c[0] = opcode::test_unit_ready;
  } else if (op == "read-capacity") {
    c[0] = opcode::service_action_in_16, c[1] = read_capacity_16_action, b.data_in_length = 32;
    put_be(c.data() + 10, b.data_in_length, 4);
  } else if (op == "mode-sense") {
    c[0] = opcode::mode_sense_6, c[2] = 0x3F, c[4] = 255, b.data_in_length = 255;
  } else if (op == "snapshot-create" || op == "snapshot-delete" || op == "replication-start") {
    SM_TRY(auto name, one_name(op, args, op == "replication-start" ? "target" : "snapshot name"));
    const std::uint8_t code = op == "snapshot-create"   ? opcode::snapshot_create
                              : op == "snapshot-delete" ? opcode::snapshot_delete
                                                        : opcode::replication_start;
    c = vendor_cdb(code, static_cast<std::uint32_t>(name.size()));
    b.data_out.assign(name.begin(), name.end());
  } else if (op == "snapshot-list") {
    b.data_in_length = 8 + snapshot_entry_bytes * 256;
    c = vendor_cdb(opcode::snapshot_list, b.data_in_length);
  } else if (op == "replication-stop") {
    c = vendor_cdb(opcode::replication_stop, 0);
  } else if (op == "replication-status") {
    b.data_in_length = replication_status_bytes;
    c = vendor_cdb(opcode::replication_status, b.data_in_length);
  } else {
    return make_error(fc_errc::unknown_operation, fmt::format("'{}'", op));
  }
  return b;
}


} // namespace storemesh::services::control_path
