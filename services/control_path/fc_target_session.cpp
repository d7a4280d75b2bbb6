#include "services/control_path/fc_target_session.hpp"

#include "services/control_path/scsi_sense.hpp"

#include <fmt/format.h>

namespace storemesh::services::control_path {
namespace {

using key_t = std::uint64_t;
key_t key_of(const fc_header& h) { return (key_t{h.s_id} << 16) | h.ox_id; }

// Frames [from, end) are one sequence: the next SEQ_ID, SEQ_CNT from 0,
// SOFi3 first / SOFn3 after, EOFt last / EOFn before, END_SEQ on the last.
void as_sequence(std::vector<fc_frame>& frames, std::size_t from, std::uint8_t seq_id) {
  for (std::size_t i = from; i < frames.size(); ++i) {
    auto& f = frames[i];
    const bool first = i == from, last = i + 1 == frames.size();
    f.header.seq_id = seq_id;
    f.header.seq_cnt = static_cast<std::uint16_t>(i - from);
    f.sof = first ? sof_delimiter::i3 : sof_delimiter::n3;
    f.eof = last ? eof_delimiter::t : eof_delimiter::n;
    if (last) f.header.f_ctl |= f_ctl::end_sequence;
  }
}

} // namespace

fc_target_session::fc_target_session(target_port_config config, scsi_target& target)
    : config_(config), target_(target) {}

std::uint16_t fc_target_session::next_rx_id() {
  // FC-FS: the responder picks an RX_ID unique among its open exchanges;
  // 0xFFFF means "unassigned", so it is never used.
  for (;;) {
    last_rx_id_ = static_cast<std::uint16_t>(last_rx_id_ == 0xFFFE ? 1 : last_rx_id_ + 1);
    bool used = false;
    for (const auto& [k, ex] : open_) used = used || ex.rx_id == last_rx_id_;
    if (!used) return last_rx_id_;
  }
}

fc_frame fc_target_session::frame_to(const fc_header& cmnd, std::uint16_t rx_id, std::uint8_t r_ctl,
                                     std::uint32_t fctl, bytes payload) {
  fc_frame f;
  f.header.r_ctl = r_ctl;
  f.header.d_id = cmnd.s_id;
  f.header.s_id = config_.port_id;
  f.header.type = fc_type_fcp;
  f.header.f_ctl = f_ctl::exchange_responder | fctl;
  f.header.ox_id = cmnd.ox_id;
  f.header.rx_id = rx_id;
  f.payload = std::move(payload);
  return f;
}

target_output fc_target_session::on_frame(const fc_frame& f, std::uint64_t now_ms) {
  const auto& h = f.header;
  if (h.d_id != config_.port_id)
    return {{}, {}, false, fmt::format("D_ID {:06x} is not this port ({:06x})", h.d_id, config_.port_id)};
  if (h.f_ctl & f_ctl::exchange_responder) return {{}, {}, false, "a responder's frame sent to the responder"};
  if (h.type == fc_type_els) return on_els(f);
  if (h.type != fc_type_fcp) return {{}, {}, false, fmt::format("TYPE {:#04x} is neither FCP nor ELS", h.type)};
  if (config_.require_login && h.r_ctl == r_ctl::unsolicited_command) {
    auto it = logins_.find(h.s_id);
    if (it == logins_.end() || !it->second)
      return {{}, {}, false, fmt::format("S_ID {:06x} has not logged in (PLOGI, PRLI)", h.s_id)};
  }
  if (h.r_ctl == r_ctl::unsolicited_command) return on_command(f, now_ms);
  if (h.r_ctl == r_ctl::solicited_data) return on_data(f);
  return {{}, {}, false, fmt::format("R_CTL {:#04x} is not an FCP IU a target receives", h.r_ctl)};
}

target_output fc_target_session::on_els(const fc_frame& f) {
  const auto& h = f.header;
  if (h.r_ctl != r_ctl::els_request || f.payload.empty())
    return {{}, {}, false, fmt::format("ELS R_CTL {:#04x} is not a request", h.r_ctl)};
  bytes reply;
  const std::uint8_t command = f.payload[0];
  if (command == els::plogi && decode_plogi(f.payload)) {
    if (!logins_.count(h.s_id)) login_order_.push_back(h.s_id);
    logins_[h.s_id] = false;  // a new PLOGI ends the process login (FC-LS)
    while (login_order_.size() > config_.max_logins) {
      logins_.erase(login_order_.front());
      login_order_.pop_front();
    }
    reply = encode_plogi(true, config_.port_name | config_.port_id, config_.node_name | config_.port_id);
  } else if (command == els::prli && decode_prli(f.payload) && logins_.count(h.s_id)) {
    logins_[h.s_id] = true;
    reply = encode_prli(true);
  } else {
    reply = encode_ls_rjt(command == els::plogi || command == els::prli ? 0x03 /* logical error */
                                                                       : els::reason_not_supported);
  }
  target_output out;
  auto frame = frame_to(h, next_rx_id(), r_ctl::els_reply, f_ctl::last_sequence | f_ctl::sequence_initiative, std::move(reply));
  frame.header.type = fc_type_els;
  out.frames.push_back(std::move(frame));
  as_sequence(out.frames, 0, seq_id_++);
  return out;
}

target_output fc_target_session::answer_only(const fc_header& cmnd, std::uint16_t rx_id, const fcp_rsp& rsp) {
  target_output out;
  out.frames.push_back(frame_to(cmnd, rx_id, r_ctl::command_status,
                                f_ctl::last_sequence | f_ctl::sequence_initiative, encode_fcp_rsp(rsp)));
  as_sequence(out.frames, 0, seq_id_++);
  return out;
}

target_output fc_target_session::on_command(const fc_frame& f, std::uint64_t now_ms) {
  const auto& h = f.header;
  const key_t k = key_of(h);
  if (auto open = open_.find(k); open != open_.end()) {
    if (open->second.cmnd_iu != f.payload)
      return {{}, {}, false, fmt::format("OX_ID {:04x} is an open exchange", h.ox_id)};
    // The same command again before its data-out came (the initiator lost its
    // link): nothing ran yet, so ask for the data again on the same exchange.
    open->second.data_out.clear();
    open->second.opened_ms = now_ms;
    target_output out;
    out.frames.push_back(frame_to(h, open->second.rx_id, r_ctl::data_descriptor, f_ctl::sequence_initiative,
                                  encode_fcp_xfer_rdy({0, open->second.command.data_length})));
    as_sequence(out.frames, 0, seq_id_++);
    return out;
  }
  if (auto it = kept_.find(k); it != kept_.end() && it->second.cmnd_iu == f.payload) {
    target_output out;
    out.frames = it->second.frames;
    out.replayed = true;
    return out;
  }
  if (open_.size() >= config_.max_open_exchanges) {
    fcp_rsp rsp;
    rsp.status = scsi_status::task_set_full;
    return answer_only(h, next_rx_id(), rsp);
  }
  const std::uint16_t rx_id = next_rx_id();
  fcp_rsp refuse;
  auto cmnd = decode_fcp_cmnd(f.payload);
  if (!cmnd || !cmnd.value().additional_cdb.empty() || (cmnd.value().read_data && cmnd.value().write_data)) {
    refuse.response_code = rsp_code::cmnd_fields_invalid;
    return answer_only(h, rx_id, refuse);
  }
  if (cmnd.value().task_management != 0) {
    refuse.response_code = rsp_code::tmf_not_supported;
    return answer_only(h, rx_id, refuse);
  }
  auto lun = decode_lun(cmnd.value().lun);
  if (!lun) {
    refuse.status = scsi_status::check_condition;
    refuse.sense = encode_sense({sense_key::illegal_request, asc::logical_unit_not_supported, {}});
    return answer_only(h, rx_id, refuse);
  }
  exchange ex{rx_id, std::move(cmnd).value(), lun.value(), f.payload, {}, now_ms};
  if (ex.command.write_data && ex.command.data_length > 0) {
    if (ex.command.data_length > config_.max_data_out_bytes) {
      refuse.status = scsi_status::check_condition;
      refuse.sense = encode_sense({sense_key::illegal_request, asc::parameter_list_length_error, {}});
      return answer_only(h, rx_id, refuse);
    }
    target_output out;
    out.frames.push_back(frame_to(h, rx_id, r_ctl::data_descriptor, f_ctl::sequence_initiative,
                                  encode_fcp_xfer_rdy({0, ex.command.data_length})));
    as_sequence(out.frames, 0, seq_id_++);
    open_.emplace(k, std::move(ex));
    return out;
  }
  return run(h, std::move(ex));
}

target_output fc_target_session::on_data(const fc_frame& f) {
  const auto& h = f.header;
  auto it = open_.find(key_of(h));
  if (it == open_.end() || it->second.rx_id != h.rx_id)
    return {{}, {}, false, fmt::format("FCP_DATA for no open exchange (OX_ID {:04x} RX_ID {:04x})", h.ox_id, h.rx_id)};
  exchange& ex = it->second;
  const std::uint32_t offset = (h.f_ctl & f_ctl::relative_offset) ? h.parameter : static_cast<std::uint32_t>(ex.data_out.size());
  if (offset != ex.data_out.size() || ex.data_out.size() + f.payload.size() > ex.command.data_length) {
    // FCP-4: data outside what FCP_XFER_RDY asked for ends the exchange with 01h.
    fcp_rsp rsp;
    rsp.response_code = rsp_code::data_length_mismatch;
    const std::uint16_t rx_id = ex.rx_id;
    open_.erase(it);
    return answer_only(h, rx_id, rsp);
  }
  ex.data_out.insert(ex.data_out.end(), f.payload.begin(), f.payload.end());
  if (ex.data_out.size() < ex.command.data_length) return {};
  exchange done = std::move(ex);
  open_.erase(it);
  return run(h, std::move(done));
}

target_output fc_target_session::run(const fc_header& h, exchange ex) {
  scsi_request req{ex.lun, ex.command.cdb, std::move(ex.data_out), ex.command.read_data ? ex.command.data_length : 0};
  auto res = target_.execute(req);
  target_output out;
  // frames: data-in (one sequence), then FCP_RSP (the last sequence)
  for (std::size_t at = 0; at < res.data_in.size(); at += config_.data_frame_bytes) {
    const std::size_t n = std::min(config_.data_frame_bytes, res.data_in.size() - at);
    bytes chunk(res.data_in.begin() + static_cast<std::ptrdiff_t>(at), res.data_in.begin() + static_cast<std::ptrdiff_t>(at + n));
    auto f = frame_to(h, ex.rx_id, r_ctl::solicited_data, f_ctl::relative_offset, std::move(chunk));
    f.header.parameter = static_cast<std::uint32_t>(at);
    out.frames.push_back(std::move(f));
  }
  if (!out.frames.empty()) as_sequence(out.frames, 0, seq_id_++);
  fcp_rsp rsp;
  rsp.status = res.status;
  rsp.sense = std::move(res.sense);
  const std::uint32_t expected = ex.command.read_data ? ex.command.data_length : 0;
  if (res.data_in.size() < expected) {
    rsp.residual_is = residual_kind::under;
    rsp.residual = static_cast<std::uint32_t>(expected - res.data_in.size());
  }
  const std::size_t first_rsp = out.frames.size();
  out.frames.push_back(frame_to(h, ex.rx_id, r_ctl::command_status, f_ctl::last_sequence | f_ctl::sequence_initiative,
                                encode_fcp_rsp(rsp)));
  as_sequence(out.frames, first_rsp, seq_id_++);
  out.executed = executed_exchange{h.ox_id, ex.rx_id, h.s_id, ex.command.cdb[0], ex.lun, res.status};
  keep(key_of(h), std::move(ex.cmnd_iu), out.frames);
  return out;
}

void fc_target_session::keep(key_t k, bytes iu, const std::vector<fc_frame>& frames) {
  if (config_.replay_window == 0) return;
  if (!kept_.count(k)) kept_order_.push_back(k);
  kept_[k] = kept{std::move(iu), frames};
  while (kept_order_.size() > config_.replay_window) {
    kept_.erase(kept_order_.front());
    kept_order_.pop_front();
  }
}

std::size_t fc_target_session::expire(std::uint64_t now_ms, std::uint64_t idle_ms) {
  std::size_t n = 0;
  for (auto it = open_.begin(); it != open_.end();) {
    // opened after now_ms (the caller's clock read before the frame came) is not idle
    if (now_ms > it->second.opened_ms && now_ms - it->second.opened_ms > idle_ms) it = open_.erase(it), ++n;
    else ++it;
  }
  return n;
}

} // namespace storemesh::services::control_path
