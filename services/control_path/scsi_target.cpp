#include "services/control_path/scsi_target.hpp"

#include "services/control_path/scsi_cdb.hpp"

#include <algorithm>

namespace storemesh::services::control_path {
namespace {

constexpr field_pointer cdb_byte(std::uint16_t b, std::optional<std::uint8_t> bit = {}) { return {true, b, bit}; }

void put_ascii(bytes& out, std::size_t at, std::string_view s, std::size_t width) {
  for (std::size_t i = 0; i < width; ++i) out[at + i] = i < s.size() ? static_cast<std::uint8_t>(s[i]) : ' ';
}

std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 0xcbf29ce484222325ull) {
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// The control mode page (SPC-4 7.5.8): defaults, nothing changeable.
bytes control_page(bool changeable) {
  bytes p(12, 0);
  p[0] = 0x0A;
  p[1] = 0x0A;
  if (!changeable) put_be(p.data() + 8, 0xFFFF, 2);  // busy timeout: unlimited
  return p;
}

} // namespace

scsi_target::scsi_target(std::string storage_name, lun_backend& backend)
    : name_(std::move(storage_name)), backend_(backend) {}

scsi_result check_condition(std::uint8_t key, asc_pair code, std::optional<field_pointer> field) {
  return {scsi_status::check_condition, {}, encode_sense({key, code, field})};
}

scsi_result good(bytes data, std::size_t allocation_length) {
  if (data.size() > allocation_length) data.resize(allocation_length);
  return {scsi_status::good, std::move(data), {}};
}

std::array<std::uint8_t, 8> scsi_target::naa_designator(std::uint64_t lun) const {
  // NAA 3 (locally assigned): the top nibble is 3, the other 60 bits ours.
  const std::uint64_t v = (std::uint64_t{3} << 60) | (fnv1a(name_ + "/lun/" + std::to_string(lun)) >> 4);
  std::array<std::uint8_t, 8> out{};
  put_be(out.data(), v, 8);
  return out;
}

scsi_result scsi_target::execute(const scsi_request& r) {
  const std::uint8_t op = r.cdb[0];
  scsi_result out;
  if (op == opcode::report_luns) {
    out = report_luns(r);
  } else {
    const auto luns = backend_.luns();
    const bool known = op == opcode::test_unit_ready || op == opcode::inquiry || op == opcode::mode_sense_6 ||
                       op == opcode::mode_sense_10 || op == opcode::service_action_in_16 ||
                       (op >= opcode::snapshot_create && op <= opcode::replication_status);
    if (!known) return check_condition(sense_key::illegal_request, asc::invalid_command_operation_code);
    if (!std::binary_search(luns.begin(), luns.end(), r.lun)) {
      // INQUIRY of an absent LUN is answered with peripheral qualifier 3 by
      // many targets; a control plane wants the error, so every command says it.
      return check_condition(sense_key::illegal_request, asc::logical_unit_not_supported);
    }
    switch (op) {
      case opcode::test_unit_ready: out = {scsi_status::good, {}, {}}; break;
      case opcode::inquiry: out = inquiry(r); break;
      case opcode::mode_sense_6:
      case opcode::mode_sense_10: out = mode_sense(r); break;
      case opcode::service_action_in_16: out = read_capacity(r); break;
      default: out = vendor(r); break;
    }
  }
  if (out.data_in.size() > r.data_in_limit) out.data_in.resize(r.data_in_limit);
  return out;
}

scsi_result scsi_target::inquiry(const scsi_request& r) const {
  const auto& c = r.cdb;
  const bool evpd = c[1] & 0x01;
  if (c[1] & 0xFE) return check_condition(sense_key::illegal_request, asc::invalid_field_in_cdb, cdb_byte(1));
  const std::size_t alloc = get_be(c.data() + 3, 2);
  if (!evpd) {
    if (c[2] != 0) return check_condition(sense_key::illegal_request, asc::invalid_field_in_cdb, cdb_byte(2));
    bytes d(36, 0);
    d[0] = 0x00;  // peripheral qualifier 0, direct-access block device
    d[2] = 0x06;  // SPC-4
    d[3] = 0x12;  // HISUP, response data format 2
    d[4] = 36 - 5;
    d[7] = 0x02;  // CMDQUE
    put_ascii(d, 8, "STOREMSH", 8);
    put_ascii(d, 16, "FC CONTROL LUN", 16);
    put_ascii(d, 32, "0001", 4);
    return good(std::move(d), alloc);
  }
  switch (c[2]) {
    case 0x00: return good({0x00, 0x00, 0x00, 0x02, 0x00, 0x83}, alloc);
    case 0x83: {
      bytes d{0x00, 0x83, 0x00, 12, 0x01 /* binary */, 0x03 /* LU, NAA */, 0x00, 8};
      const auto naa = naa_designator(r.lun);
      d.insert(d.end(), naa.begin(), naa.end());
      return good(std::move(d), alloc);
    }
    default: return check_condition(sense_key::illegal_request, asc::invalid_field_in_cdb, cdb_byte(2));
  }
}

scsi_result scsi_target::report_luns(const scsi_request& r) const {
  const auto& c = r.cdb;
  if (c[2] > 0x02) return check_condition(sense_key::illegal_request, asc::invalid_field_in_cdb, cdb_byte(2));
  const std::size_t alloc = get_be(c.data() + 6, 4);
  if (alloc < 16) return check_condition(sense_key::illegal_request, asc::invalid_field_in_cdb, cdb_byte(6));
  const auto luns = backend_.luns();
  bytes d(8, 0);
  put_be(d.data(), luns.size() * 8, 4);
  for (auto l : luns) {
    bytes e(8, 0);
    if (l < 256) e[1] = static_cast<std::uint8_t>(l);
    else { e[0] = static_cast<std::uint8_t>(0x40 | (l >> 8)); e[1] = static_cast<std::uint8_t>(l & 0xFF); }
    d.insert(d.end(), e.begin(), e.end());
  }
  return good(std::move(d), alloc);
}

scsi_result scsi_target::read_capacity(const scsi_request& r) const {
  const auto& c = r.cdb;
  if ((c[1] & 0x1F) != read_capacity_16_action)
    return check_condition(sense_key::illegal_request, asc::invalid_field_in_cdb, cdb_byte(1, 4));
  auto size = backend_.size_bytes(r.lun);
  if (!size) return from_backend_error(size.error());
  const std::uint64_t blocks = size.value() / block_bytes;
  bytes d(32, 0);
  put_be(d.data(), blocks == 0 ? 0 : blocks - 1, 8);  // the last LBA
  put_be(d.data() + 8, block_bytes, 4);
  return good(std::move(d), get_be(c.data() + 10, 4));
}

scsi_result scsi_target::mode_sense(const scsi_request& r) const {
  const auto& c = r.cdb;
  const bool ten = c[0] == opcode::mode_sense_10;
  const bool dbd = c[1] & 0x08;
  const std::uint8_t pc = c[2] >> 6, page = c[2] & 0x3F;
  if (pc == 3) return check_condition(sense_key::illegal_request, asc::saving_parameters_not_supported, cdb_byte(2, 7));
  if (page != 0x0A && page != 0x3F) return check_condition(sense_key::illegal_request, asc::invalid_field_in_cdb, cdb_byte(2, 5));
  if (c[3] != 0 && c[3] != 0xFF) return check_condition(sense_key::illegal_request, asc::invalid_field_in_cdb, cdb_byte(3));
  auto size = backend_.size_bytes(r.lun);
  if (!size) return from_backend_error(size.error());
  bytes desc;
  if (!dbd) {  // short LBA block descriptor: block count (saturated) and length
    desc.assign(8, 0);
    put_be(desc.data() + 1, std::min<std::uint64_t>(size.value() / block_bytes, 0xFFFFFF), 3);
    put_be(desc.data() + 5, block_bytes, 3);
  }
  const bytes page_bytes = control_page(pc == 1);
  const std::size_t header = ten ? 8 : 4;
  bytes d(header, 0);
  d.insert(d.end(), desc.begin(), desc.end());
  d.insert(d.end(), page_bytes.begin(), page_bytes.end());
  if (ten) {
    put_be(d.data(), d.size() - 2, 2);
    put_be(d.data() + 6, desc.size(), 2);
  } else {
    d[0] = static_cast<std::uint8_t>(d.size() - 1);
    d[3] = static_cast<std::uint8_t>(desc.size());
  }
  return good(std::move(d), ten ? get_be(c.data() + 7, 2) : c[4]);
}

} // namespace storemesh::services::control_path
