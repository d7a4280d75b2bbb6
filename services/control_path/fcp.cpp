#include "services/control_path/fcp.hpp"

#include "services/control_path/fc_errc.hpp"

#include <fmt/format.h>

namespace storemesh::services::control_path {

result<fcp_lun> encode_lun(std::uint64_t lun) {
  fcp_lun out{};
  if (lun < 256) {
    out[1] = static_cast<std::uint8_t>(lun);  // peripheral device method, bus 0
  } else if (lun < 16384) {
    out[0] = static_cast<std::uint8_t>(0x40 | (lun >> 8));  // flat space method
    out[1] = static_cast<std::uint8_t>(lun & 0xFF);
  } else {
    return make_error(fc_errc::bad_lun, fmt::format("LUN {} is above 16383", lun));
  }
  return out;
}

result<std::uint64_t> decode_lun(const fcp_lun& l) {
  for (std::size_t i = 2; i < 8; ++i)
    if (l[i] != 0) return make_error(fc_errc::bad_lun, "multi-level LUN (bytes 2-7 not zero)");
  switch (l[0] >> 6) {
    case 0:
      if ((l[0] & 0x3F) != 0) return make_error(fc_errc::bad_lun, fmt::format("peripheral bus {}", l[0] & 0x3F));
      return std::uint64_t{l[1]};
    case 1: return (std::uint64_t{l[0] & 0x3Fu} << 8) | l[1];
    default: return make_error(fc_errc::bad_lun, fmt::format("addressing method {}", l[0] >> 6));
  }
}

result<bytes> encode_fcp_cmnd(const fcp_cmnd& c) {
  if (c.additional_cdb.size() % 4 != 0 || c.additional_cdb.size() > 252)
    return make_error(fc_errc::iu_bad_field,
                      fmt::format("additional CDB of {} bytes (whole words, at most 252)", c.additional_cdb.size()));
  if (c.task_attribute > 7) return make_error(fc_errc::iu_bad_field, "task attribute above 7");
  bytes out(c.lun.begin(), c.lun.end());
  out.push_back(c.crn);
  out.push_back(c.task_attribute);
  out.push_back(c.task_management);
  out.push_back(static_cast<std::uint8_t>((c.additional_cdb.size() / 4) << 2 | (c.read_data ? 0x02 : 0) |
                                          (c.write_data ? 0x01 : 0)));
  out.insert(out.end(), c.cdb.begin(), c.cdb.end());
  out.insert(out.end(), c.additional_cdb.begin(), c.additional_cdb.end());
  append_be(out, c.data_length, 4);
  return out;
}

result<fcp_cmnd> decode_fcp_cmnd(const bytes& iu) {
  if (iu.size() < 32) return make_error(fc_errc::iu_short, fmt::format("FCP_CMND of {} bytes, at least 32", iu.size()));
  fcp_cmnd c;
  std::copy(iu.begin(), iu.begin() + 8, c.lun.begin());
  c.crn = iu[8];
  if (iu[9] & 0xF8) return make_error(fc_errc::iu_bad_field, fmt::format("task attribute byte {:#04x}", iu[9]));
  c.task_attribute = iu[9] & 0x07;
  c.task_management = iu[10];
  const std::size_t add = (iu[11] >> 2) * 4u;
  c.read_data = iu[11] & 0x02;
  c.write_data = iu[11] & 0x01;
  if (iu.size() != 32 + add)
    return make_error(fc_errc::iu_short,
                      fmt::format("FCP_CMND of {} bytes, {} with {} additional CDB bytes", iu.size(), 32 + add, add));
  std::copy(iu.begin() + 12, iu.begin() + 28, c.cdb.begin());
  c.additional_cdb.assign(iu.begin() + 28, iu.begin() + 28 + static_cast<std::ptrdiff_t>(add));
  c.data_length = static_cast<std::uint32_t>(get_be(iu.data() + 28 + add, 4));
  return c;
}

bytes encode_fcp_rsp(const fcp_rsp& r) {
  bytes out(24, 0);
  put_be(out.data() + 8, r.retry_delay, 2);
  std::uint8_t flags = 0;
  if (r.residual_is == residual_kind::under) flags |= 0x08;
  if (r.residual_is == residual_kind::over) flags |= 0x04;
  if (!r.sense.empty()) flags |= 0x02;
  if (r.response_code) flags |= 0x01;
  out[10] = flags;
  out[11] = r.status;
  put_be(out.data() + 12, r.residual_is == residual_kind::none ? 0 : r.residual, 4);
  put_be(out.data() + 16, r.sense.size(), 4);
  put_be(out.data() + 20, r.response_code ? 4 : 0, 4);
  if (r.response_code) out.insert(out.end(), {0, 0, 0, *r.response_code});
  out.insert(out.end(), r.sense.begin(), r.sense.end());
  return out;
}

result<fcp_rsp> decode_fcp_rsp(const bytes& iu) {
  if (iu.size() < 24) return make_error(fc_errc::iu_short, fmt::format("FCP_RSP of {} bytes, at least 24", iu.size()));
  fcp_rsp r;
  r.retry_delay = static_cast<std::uint16_t>(get_be(iu.data() + 8, 2));
  const std::uint8_t flags = iu[10];
  r.status = iu[11];
  if ((flags & 0x0C) == 0x0C) return make_error(fc_errc::iu_bad_field, "both RESID_UNDER and RESID_OVER set");
  r.residual_is = flags & 0x08 ? residual_kind::under : flags & 0x04 ? residual_kind::over : residual_kind::none;
  r.residual = static_cast<std::uint32_t>(get_be(iu.data() + 12, 4));
  const std::uint64_t sns = flags & 0x02 ? get_be(iu.data() + 16, 4) : 0;
  const std::uint64_t rsp = flags & 0x01 ? get_be(iu.data() + 20, 4) : 0;
  if (rsp != 0 && rsp != 4 && rsp != 8)
    return make_error(fc_errc::iu_bad_field, fmt::format("FCP_RSP_LEN {} (0, 4 or 8)", rsp));
  if (iu.size() < 24 + rsp + sns)
    return make_error(fc_errc::iu_short, fmt::format("FCP_RSP of {} bytes announces {} response and {} sense bytes",
                                                     iu.size(), rsp, sns));
  if (rsp) r.response_code = iu[24 + 3];
  r.sense.assign(iu.begin() + static_cast<std::ptrdiff_t>(24 + rsp), iu.begin() + static_cast<std::ptrdiff_t>(24 + rsp + sns));
  return r;
}

bytes encode_fcp_xfer_rdy(const fcp_xfer_rdy& x) {
  bytes out(12, 0);
  put_be(out.data(), x.relative_offset, 4);
  put_be(out.data() + 4, x.burst_length, 4);
  return out;
}

result<fcp_xfer_rdy> decode_fcp_xfer_rdy(const bytes& iu) {
  if (iu.size() != 12) return make_error(fc_errc::iu_short, fmt::format("FCP_XFER_RDY of {} bytes, not 12", iu.size()));
  return fcp_xfer_rdy{static_cast<std::uint32_t>(get_be(iu.data(), 4)), static_cast<std::uint32_t>(get_be(iu.data() + 4, 4))};
}

} // namespace storemesh::services::control_path
