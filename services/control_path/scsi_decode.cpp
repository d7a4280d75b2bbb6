// The data-in decoders of scsi_commands and render_outcome. Each decoder
// refuses data shorter than its fixed part or than its own length fields.

#include "services/control_path/fc_errc.hpp"
#include "services/control_path/fcp.hpp"
#include "services/control_path/scsi_cdb.hpp"
#include "services/control_path/scsi_commands.hpp"
#include "services/control_path/scsi_sense.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace storemesh::services::control_path {
namespace {

error short_data(const char* what, std::size_t got, std::size_t want) {
  return make_error(fc_errc::bad_data_in, fmt::format("{}: {} bytes, at least {}", what, got, want));
}

std::string trimmed(const bytes& d, std::size_t at, std::size_t n) {
  std::string s;
  for (std::size_t i = at; i < at + n && i < d.size() && d[i] != 0; ++i)
    s += (d[i] >= 0x20 && d[i] < 0x7F) ? static_cast<char>(d[i]) : '?';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::string json_list(const std::vector<std::string>& items) { return "[" + fmt::format("{}", fmt::join(items, ",")) + "]"; }

result<rendering> render_data(const built_command& cmd, const bytes& d) {
  const auto& op = cmd.operation;
  if (op == "inquiry") {
    SM_TRY(auto i, decode_inquiry(d));
    return rendering{fmt::format("vendor {} product {} revision {} device type {:#04x}", i.vendor, i.product,
                                 i.revision, i.device_type),
                     fmt::format(R"({{"vendor":{},"product":{},"revision":{},"device_type":{}}})", json_string(i.vendor),
                                 json_string(i.product), json_string(i.revision), i.device_type)};
  }
  if (op == "inquiry-vpd" && cmd.cdb[2] == 0x00) {
    SM_TRY(auto p, decode_vpd_pages(d));
    std::vector<std::string> hex;
    for (auto x : p.pages) hex.push_back(fmt::format("0x{:02x}", x));
    return rendering{"supported VPD pages " + fmt::format("{}", fmt::join(hex, " ")),
                     fmt::format(R"({{"pages":[{}]}})", fmt::join(p.pages, ","))};
  }
  if (op == "inquiry-vpd") {
    SM_TRY(auto v, decode_vpd_device_id(d));
    std::vector<std::string> quoted;
    for (const auto& s : v.designators) quoted.push_back(json_string(s));
    return rendering{"device identification " + fmt::format("{}", fmt::join(v.designators, " ")),
                     fmt::format(R"({{"designators":{}}})", json_list(quoted))};
  }
  if (op == "report-luns") {
    SM_TRY(auto l, decode_lun_list(d));
    return rendering{fmt::format("luns {}", fmt::join(l.luns, ",")), fmt::format(R"({{"luns":[{}]}})", fmt::join(l.luns, ","))};
  }
  if (op == "read-capacity") {
    SM_TRY(auto c, decode_capacity(d));
    const std::uint64_t total = (c.last_lba + 1) * c.block_length;
    return rendering{fmt::format("last lba {} block length {} ({} bytes)", c.last_lba, c.block_length, total),
                     fmt::format(R"({{"last_lba":{},"block_length":{},"bytes":{}}})", c.last_lba, c.block_length, total)};
  }
  if (op == "mode-sense") {
    SM_TRY(auto m, decode_mode_sense6(d));
    std::vector<std::string> hex;
    for (auto x : m.pages) hex.push_back(fmt::format("0x{:02x}", x));
    return rendering{fmt::format("mode pages {} block descriptor {} bytes", fmt::join(hex, " "), m.block_descriptor_bytes),
                     fmt::format(R"({{"pages":[{}],"block_descriptor_bytes":{}}})", fmt::join(m.pages, ","),
                                 m.block_descriptor_bytes)};
  }
  if (op == "snapshot-list") {
    SM_TRY(auto l, decode_snapshot_list(d));
    std::vector<std::string> text, json;
    for (const auto& s : l.snapshots) {
      text.push_back(fmt::format("{} ({} bytes)", s.name, s.size_bytes));
      json.push_back(fmt::format(R"({{"name":{},"size_bytes":{},"created_unix_s":{}}})", json_string(s.name),
                                 s.size_bytes, s.created_unix_s));
    }
    return rendering{fmt::format("{} snapshots{}{}", l.snapshots.size(), text.empty() ? "" : ": ",
                                 fmt::join(text, ", ")) + (l.truncated ? " (truncated)" : ""),
                     fmt::format(R"({{"snapshots":{},"truncated":{}}})", json_list(json), l.truncated)};
  }
  if (op == "replication-status") {
    SM_TRY(auto r, decode_replication_status(d));
    return rendering{fmt::format("replication {}{}{}", r.state, r.target.empty() ? "" : " to " + r.target,
                                 r.state == "none" ? "" : fmt::format(", {} bytes copied", r.bytes_copied)),
                     fmt::format(R"({{"state":{},"target":{},"bytes_copied":{}}})", json_string(r.state),
                                 json_string(r.target), r.bytes_copied)};
  }
  return rendering{"done", "{}"};  // test-unit-ready and the commands without data-in
}

} // namespace

result<inquiry_data> decode_inquiry(const bytes& d) {
  if (d.size() < 36) return short_data("standard INQUIRY data", d.size(), 36);
  return inquiry_data{static_cast<std::uint8_t>(d[0] & 0x1F), trimmed(d, 8, 8), trimmed(d, 16, 16), trimmed(d, 32, 4)};
}

result<vpd_pages> decode_vpd_pages(const bytes& d) {
  if (d.size() < 4 || d[1] != 0x00) return make_error(fc_errc::bad_data_in, "not VPD page 0x00");
  const std::size_t n = get_be(d.data() + 2, 2);
  if (d.size() < 4 + n) return short_data("VPD page 0x00", d.size(), 4 + n);
  return vpd_pages{std::vector<std::uint8_t>(d.begin() + 4, d.begin() + 4 + static_cast<std::ptrdiff_t>(n))};
}

result<vpd_device_id> decode_vpd_device_id(const bytes& d) {
  if (d.size() < 4 || d[1] != 0x83) return make_error(fc_errc::bad_data_in, "not VPD page 0x83");
  const std::size_t end = 4 + get_be(d.data() + 2, 2);
  if (d.size() < end) return short_data("VPD page 0x83", d.size(), end);
  vpd_device_id out;
  for (std::size_t at = 4; at < end;) {
    if (at + 4 > end) return make_error(fc_errc::bad_data_in, "designation descriptor header cut");
    const std::size_t len = d[at + 3];
    if (at + 4 + len > end) return make_error(fc_errc::bad_data_in, "designator runs past the page");
    std::string hex;
    for (std::size_t i = 0; i < len; ++i) hex += fmt::format("{:02x}", d[at + 4 + i]);
    out.designators.push_back(((d[at + 1] & 0x0F) == 3 ? "naa." : "id.") + hex);
    at += 4 + len;
  }
  return out;
}

result<lun_list> decode_lun_list(const bytes& d) {
  if (d.size() < 8) return short_data("REPORT LUNS data", d.size(), 8);
  const std::size_t n = get_be(d.data(), 4);
  if (n % 8) return make_error(fc_errc::bad_data_in, fmt::format("LUN list length {} is not a multiple of 8", n));
  lun_list out;
  for (std::size_t at = 8; at + 8 <= d.size() && at < 8 + n; at += 8) {
    fcp_lun l{};
    std::copy(d.begin() + static_cast<std::ptrdiff_t>(at), d.begin() + static_cast<std::ptrdiff_t>(at + 8), l.begin());
    SM_TRY(auto number, decode_lun(l));
    out.luns.push_back(number);
  }
  return out;
}

result<capacity> decode_capacity(const bytes& d) {
  if (d.size() < 12) return short_data("READ CAPACITY(16) data", d.size(), 12);
  return capacity{get_be(d.data(), 8), static_cast<std::uint32_t>(get_be(d.data() + 8, 4))};
}

result<mode_data> decode_mode_sense6(const bytes& d) {
  if (d.size() < 4) return short_data("MODE SENSE(6) data", d.size(), 4);
  const std::size_t end = std::min<std::size_t>(d.size(), d[0] + 1u);
  mode_data out;
  out.block_descriptor_bytes = d[3];
  for (std::size_t at = 4 + d[3]; at + 2 <= end; at += 2u + d[at + 1]) out.pages.push_back(d[at] & 0x3F);
  return out;
}

result<snapshot_listing> decode_snapshot_list(const bytes& d) {
  if (d.size() < 8) return short_data("snapshot list", d.size(), 8);
  const std::size_t n = get_be(d.data(), 4);
  if (n % snapshot_entry_bytes)
    return make_error(fc_errc::bad_data_in, fmt::format("snapshot list length {} is not a multiple of 80", n));
  snapshot_listing out;
  std::size_t at = 8;
  for (; at + snapshot_entry_bytes <= d.size() && at < 8 + n; at += snapshot_entry_bytes)
    out.snapshots.push_back({trimmed(d, at, 64), get_be(d.data() + at + 64, 8), get_be(d.data() + at + 72, 8)});
  out.truncated = at < 8 + n;
  return out;
}

result<replication_report> decode_replication_status(const bytes& d) {
  if (d.size() < replication_status_bytes) return short_data("replication status", d.size(), replication_status_bytes);
  static const char* const states[] = {"none", "active", "stopped"};
  if (d[0] > 2) return make_error(fc_errc::bad_data_in, fmt::format("replication state {}", d[0]));
  return replication_report{states[d[0]], trimmed(d, 16, 64), get_be(d.data() + 8, 8)};
}

result<rendering> render_outcome(const built_command& cmd, std::uint8_t status, const bytes& sense, const bytes& data) {
  if (status == scsi_status::good) return render_data(cmd, data);
  std::string what = status == scsi_status::check_condition ? "CHECK CONDITION"
                     : status == scsi_status::busy          ? "BUSY"
                     : status == scsi_status::task_set_full ? "TASK SET FULL"
                                                            : fmt::format("status {:#04x}", status);
  const auto s = decode_sense(sense);
  if (s) what += ": " + describe_sense(*s);
  std::string json = fmt::format(R"({{"status":{},"status_code":{})", json_string(status == 2 ? "CHECK CONDITION" : what), status);
  if (s) json += fmt::format(R"(,"sense_key":{},"asc":{},"ascq":{},"sense":{})", s->key, s->code.asc, s->code.ascq,
                             json_string(describe_sense(*s)));
  return rendering{what, json + "}"};
}

} // namespace storemesh::services::control_path
