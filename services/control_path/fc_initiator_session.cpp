#include "services/control_path/fc_initiator_session.hpp"

#include "services/control_path/fc_els.hpp"
#include "services/control_path/fc_errc.hpp"

#include <fmt/format.h>

namespace storemesh::services::control_path {

fc_initiator_session::fc_initiator_session(std::uint32_t own_id, std::uint32_t target_id)
    : own_(own_id), target_(target_id) {}

result<fc_frame> fc_initiator_session::start(const fcp_command& c) {
  if (open_) return make_error(fc_errc::bad_state, fmt::format("exchange {:04x} is still open", open_->command.ox_id));
  if (c.ox_id == 0xFFFF) return make_error(fc_errc::bad_argument, "OX_ID FFFF is reserved");
  if (c.data_in_length > 0 && !c.data_out.empty())
    return make_error(fc_errc::bad_argument, "a command with both data-in and data-out");
  fcp_cmnd cmnd;
  SM_TRY(cmnd.lun, encode_lun(c.lun));
  cmnd.cdb = c.cdb;
  cmnd.read_data = c.data_in_length > 0;
  cmnd.write_data = !c.data_out.empty();
  cmnd.data_length = cmnd.write_data ? static_cast<std::uint32_t>(c.data_out.size()) : c.data_in_length;
  fc_frame f;
  f.sof = sof_delimiter::i3;
  f.eof = eof_delimiter::t;
  f.header.r_ctl = r_ctl::unsolicited_command;
  f.header.d_id = target_;
  f.header.s_id = own_;
  f.header.type = fc_type_fcp;
  // The exchange's first sequence, one frame; the initiative passes to the target.
  f.header.f_ctl = f_ctl::first_sequence | f_ctl::end_sequence | f_ctl::sequence_initiative;
  f.header.seq_id = seq_id_++;
  f.header.ox_id = c.ox_id;
  f.header.rx_id = 0xFFFF;
  SM_TRY(f.payload, encode_fcp_cmnd(cmnd));
  open_ = open_exchange{c, 0xFFFF, {}};
  return f;
}

fc_frame fc_initiator_session::els_request(std::uint16_t ox_id, bytes payload) {
  fc_frame f;
  f.header.r_ctl = r_ctl::els_request;
  f.header.d_id = target_;
  f.header.s_id = own_;
  f.header.type = fc_type_els;
  f.header.f_ctl = f_ctl::first_sequence | f_ctl::end_sequence | f_ctl::sequence_initiative;
  f.header.seq_id = seq_id_++;
  f.header.ox_id = ox_id;
  f.header.rx_id = 0xFFFF;
  f.payload = std::move(payload);
  return f;
}

result<bytes> fc_initiator_session::els_reply(const fc_frame& f, std::uint16_t ox_id) const {
  const auto& h = f.header;
  if (h.type != fc_type_els || h.r_ctl != r_ctl::els_reply || h.ox_id != ox_id || h.s_id != target_ || h.d_id != own_)
    return make_error(fc_errc::unexpected_frame, fmt::format("not the ELS reply to OX_ID {:04x} (R_CTL {:#04x} TYPE "
                                                             "{:#04x} OX_ID {:04x} from {:06x})", ox_id, h.r_ctl, h.type, h.ox_id, h.s_id));
  if (f.payload.empty() || f.payload[0] != els::ls_acc)
    return make_error(fc_errc::unexpected_frame, fmt::format("ELS OX_ID {:04x} rejected (LS_RJT reason {:#04x})", ox_id,
                                                             f.payload.size() > 5 ? f.payload[5] : 0));
  return f.payload;
}

void fc_initiator_session::abandon() { open_.reset(); }

result<initiator_step> fc_initiator_session::on_frame(const fc_frame& f) {
  const auto& h = f.header;
  if (!open_ || h.ox_id != open_->command.ox_id) return initiator_step{};  // a late frame of an old exchange
  auto fail = [&](std::string why) {
    open_.reset();
    return make_error(fc_errc::unexpected_frame, fmt::format("OX_ID {:04x}: {}", h.ox_id, why));
  };
  if (h.s_id != target_ || h.d_id != own_)
    return fail(fmt::format("from {:06x} to {:06x}, expected {:06x} to {:06x}", h.s_id, h.d_id, target_, own_));
  if (h.type != fc_type_fcp || !(h.f_ctl & f_ctl::exchange_responder))
    return fail(fmt::format("TYPE {:#04x} F_CTL {:06x} is not an FCP responder's frame", h.type, h.f_ctl));
  if (h.rx_id == 0xFFFF) return fail("RX_ID not assigned");
  if (open_->rx_id == 0xFFFF) open_->rx_id = h.rx_id;
  if (h.rx_id != open_->rx_id) return fail(fmt::format("RX_ID {:04x}, the exchange has {:04x}", h.rx_id, open_->rx_id));
  auto& ex = *open_;
  switch (h.r_ctl) {
    case r_ctl::data_descriptor: {
      auto x = decode_fcp_xfer_rdy(f.payload);
      if (!x) return fail(x.error().detail);
      const auto& out = ex.command.data_out;
      if (x.value().relative_offset >= out.size() || x.value().burst_length > out.size() - x.value().relative_offset)
        return fail(fmt::format("FCP_XFER_RDY asks for {} bytes at {}, {} to send", x.value().burst_length,
                                x.value().relative_offset, out.size()));
      fc_frame d;
      d.header.r_ctl = r_ctl::solicited_data;
      d.header.d_id = target_;
      d.header.s_id = own_;
      d.header.type = fc_type_fcp;
      d.header.f_ctl = f_ctl::end_sequence | f_ctl::sequence_initiative | f_ctl::relative_offset;
      d.header.seq_id = seq_id_++;
      d.header.ox_id = ex.command.ox_id;
      d.header.rx_id = ex.rx_id;
      d.header.parameter = x.value().relative_offset;
      const auto from = out.begin() + x.value().relative_offset;
      d.payload.assign(from, from + x.value().burst_length);  // <= max_data_out_bytes, one frame
      if (d.payload.size() > max_data_field_bytes) return fail("data-out larger than one frame");
      initiator_step step;
      step.send.push_back(std::move(d));
      return step;
    }
    case r_ctl::solicited_data: {
      const std::uint64_t at = (h.f_ctl & f_ctl::relative_offset) ? h.parameter : ex.data.size();
      if (at + f.payload.size() > ex.command.data_in_length)
        return fail(fmt::format("{} data bytes at offset {}, {} expected", f.payload.size(), at, ex.command.data_in_length));
      if (ex.data.size() < at + f.payload.size()) ex.data.resize(at + f.payload.size());
      std::copy(f.payload.begin(), f.payload.end(), ex.data.begin() + static_cast<std::ptrdiff_t>(at));
      return initiator_step{};
    }
    case r_ctl::command_status: return complete(f);
    default: return fail(fmt::format("R_CTL {:#04x}", h.r_ctl));
  }
}

result<initiator_step> fc_initiator_session::complete(const fc_frame& f) {
  auto rsp = decode_fcp_rsp(f.payload);
  const std::uint16_t rx_id = open_->rx_id;
  bytes data = std::move(open_->data);
  open_.reset();
  if (!rsp) return make_error(fc_errc::unexpected_frame, fmt::format("FCP_RSP: {}", rsp.error().detail));
  initiator_step step;
  step.outcome = scsi_outcome{rsp.value().status, std::move(rsp.value().sense), std::move(data), rx_id,
                              rsp.value().response_code};
  return step;
}

} // namespace storemesh::services::control_path
