#include "actors/agents/storage_system/fc_initiator.hpp"

#include "services/control_path/fc_els.hpp"
#include "services/control_path/fc_errc.hpp"

#include <fmt/format.h>

namespace storemesh::actors::storage_system {

using cp::fc_errc;

fc_initiator::fc_initiator(initiator_options options)
    : options_(std::move(options)), session_(options_.own_id, options_.target_id) {}

void fc_initiator::disconnect() {
  std::lock_guard lock(mutex_);
  link_.reset();
}

result<void> fc_initiator::send_frame(const cp::fc_frame& f) {
  SM_TRY(auto wire, cp::encode_frame(f));
  auto sent = send_message(link_.get(), wire);
  if (!sent) link_.reset();
  return sent;
}

result<bytes> fc_initiator::els(bytes request, std::chrono::steady_clock::time_point deadline) {
  const std::uint16_t ox_id = els_ox_id_;
  els_ox_id_ = static_cast<std::uint16_t>(els_ox_id_ == 0xFFFE ? 0xFF00 : els_ox_id_ + 1);
  SM_TRYV(send_frame(session_.els_request(ox_id, std::move(request))));
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return make_error(fc_errc::timeout, fmt::format("ELS OX_ID {:04x}: no reply", ox_id));
    SM_TRY(auto got, receive_message(link_.get(), cp::max_frame_bytes, left));
    if (got.closed) return make_error(fc_errc::link_down, "the FC port closed the link during login");
    if (!got.message) continue;
    SM_TRY(auto frame, cp::decode_frame(*got.message));
    if (frame.header.type != cp::fc_type_els || frame.header.ox_id != ox_id) continue;  // a late frame of an old exchange
    return session_.els_reply(frame, ox_id);
  }
}

result<void> fc_initiator::connect(std::chrono::steady_clock::time_point deadline) {
  SM_TRY(link_, connect_seqpacket(options_.socket_path));
  if (!options_.login) return success();
  // PLOGI, then PRLI: the port's answers must accept both, or nothing is sent.
  auto logged = els(cp::encode_plogi(false, options_.port_name, options_.node_name), deadline);
  if (logged) logged = els(cp::encode_prli(false), deadline);
  if (!logged) {
    link_.reset();
    return logged.error();
  }
  return success();
}

result<cp::scsi_outcome> fc_initiator::execute(std::uint16_t ox_id, std::uint64_t lun, const std::array<std::uint8_t, 16>& cdb,
                                               std::uint32_t data_in_len, std::chrono::milliseconds timeout,
                                               const bytes& data_out) {
  std::lock_guard lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  SM_TRY(auto command, session_.start({ox_id, lun, cdb, data_in_len, data_out}));
  auto give_up = [&](error e) {
    session_.abandon();
    return e;
  };
  // A link found dead at send time never carried the frame (a SEQPACKET send
  // is whole or nothing), so one reconnect and resend is safe.
  for (int attempt = 0;; ++attempt) {
    if (!link_) {
      auto up = connect(deadline);
      if (!up) return give_up(make_error(fc_errc::not_sent, up.error().message()));
    }
    auto sent = send_frame(command);
    if (sent) break;
    // A send refused whole never left: the command was not sent.
    if (attempt == 1 || sent.error().code != make_error_code(fc_errc::link_down))
      return give_up(make_error(fc_errc::not_sent, sent.error().message()));
  }
  for (;;) {
    // rounded up: a wait cut short by truncation would report the timeout early
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return give_up(make_error(fc_errc::timeout, fmt::format("OX_ID {:04x}: no FCP_RSP within {} ms", ox_id, timeout.count())));
    auto got = receive_message(link_.get(), cp::max_frame_bytes, left);
    if (!got) {
      link_.reset();
      return give_up(got.error());
    }
    if (got.value().closed) {
      link_.reset();
      return give_up(make_error(fc_errc::link_down, fmt::format("OX_ID {:04x}: the FC port closed the link mid-exchange", ox_id)));
    }
    if (got.value().oversize)
      return give_up(make_error(fc_errc::frame_too_large, fmt::format("OX_ID {:04x}: a message above the largest FC frame", ox_id)));
    if (!got.value().message) continue;  // the wait ran out: the loop reports the timeout
    auto frame = cp::decode_frame(*got.value().message);
    if (!frame) return give_up(frame.error());
    SM_TRY(auto step, session_.on_frame(frame.value()));
    for (const auto& f : step.send) {
      auto sent = send_frame(f);
      if (!sent) return give_up(sent.error());
    }
    if (step.outcome) return std::move(*step.outcome);
  }
}

} // namespace storemesh::actors::storage_system
