#pragma once
// Conditions the Fibre Channel side of the control path reports: the FC-2
// frame codec, the FCP information units, the SCSI command builder and data
// decoders, the sans-IO sessions, and the I/O shells above them (link down,
// timeout). Every error carries a detail string naming the field and sizes.

#include <system_error>

namespace storemesh::services::control_path {

enum class fc_errc {
  // -- FC-2 frames (decode_frame / encode_frame) --
  /// Fewer bytes than SOF + header + CRC + EOF (36).
  frame_short = 1,
  /// A data field larger than 2112 bytes (FC-FS's maximum).
  frame_too_large,
  /// The first word is not an SOF ordered set this port knows.
  bad_sof,
  /// The last word is not an EOF ordered set this port knows.
  bad_eof,
  /// The CRC word does not match the header and data field.
  bad_crc,
  /// The data field is not a whole number of words, or F_CTL's fill-bytes
  /// count is larger than the data field.
  bad_padding,
  /// A header field out of its range (a 24-bit address above 0xFFFFFF ...).
  bad_header,
  // -- FCP information units --
  /// An IU shorter than its fixed part or than its length fields say.
  iu_short,
  /// An IU field with a value FCP-4 does not allow or this port refuses.
  iu_bad_field,
  /// A LUN this port cannot express in SAM-5's peripheral or flat format.
  bad_lun,
  // -- SCSI commands (initiator side) --
  /// An operation name the command builder does not know.
  unknown_operation,
  /// An operation's argument is missing, extra or invalid (a snapshot name).
  bad_argument,
  /// Data-in that is too short or inconsistent for the command's format.
  bad_data_in,
  // -- sessions --
  /// A frame for this exchange from the wrong port or of an unexpected kind.
  unexpected_frame,
  /// The session is busy with another exchange, or none is open.
  bad_state,
  // -- I/O shells --
  /// The FC link (the socket) is not connected or dropped mid-exchange.
  link_down,
  /// No answer within the deadline.
  timeout,
  /// A system call failed (the detail names it and errno's text).
  io_failure,
  /// The FC port could not be reached or logged in to: the command was not
  /// sent (unlike link_down and timeout, after which it may have run).
  not_sent,
};

const std::error_category& fc_category() noexcept;

inline std::error_code make_error_code(fc_errc e) noexcept { return {static_cast<int>(e), fc_category()}; }

} // namespace storemesh::services::control_path

template <>
struct std::is_error_code_enum<storemesh::services::control_path::fc_errc> : std::true_type {};
