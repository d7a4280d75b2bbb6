#include "services/control_path/fc_errc.hpp"

#include <string>

namespace storemesh::services::control_path {
namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "fc"; }
  std::string message(int value) const override {
    switch (static_cast<fc_errc>(value)) {
      case fc_errc::frame_short: return "FC frame too short";
      case fc_errc::frame_too_large: return "FC frame too large";
      case fc_errc::bad_sof: return "bad SOF delimiter";
      case fc_errc::bad_eof: return "bad EOF delimiter";
      case fc_errc::bad_crc: return "bad frame CRC";
      case fc_errc::bad_padding: return "bad frame padding";
      case fc_errc::bad_header: return "bad frame header";
      case fc_errc::iu_short: return "FCP information unit too short";
      case fc_errc::iu_bad_field: return "bad FCP information unit field";
      case fc_errc::bad_lun: return "bad LUN";
      case fc_errc::unknown_operation: return "unknown operation";
      case fc_errc::bad_argument: return "bad argument";
      case fc_errc::bad_data_in: return "malformed data-in";
      case fc_errc::unexpected_frame: return "unexpected frame";
      case fc_errc::bad_state: return "wrong session state";
      case fc_errc::link_down: return "FC link down";
      case fc_errc::timeout: return "timed out";
      case fc_errc::io_failure: return "I/O failure";
      case fc_errc::not_sent: return "FC port unreachable, command not sent";
    }
    return "unknown fc error " + std::to_string(value);
  }
};

} // namespace

const std::error_category& fc_category() noexcept {
  static const category instance;
  return instance;
}

} // namespace storemesh::services::control_path
