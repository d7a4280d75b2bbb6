#pragma once
// fc_frame: one FC-2 frame as FC-FS transmits it, and its byte encoding on
// the simulated link (FC_FORMAT.md, "Frames"). Each ordered set is written
// as Wireshark's LINKTYPE_FC_2_WITH_FRAME_DELIMS writes it: K28.5 as 0xBC,
// then the three data characters' byte values.
//
//   offset  size  field
//        0     4  SOF  (SOFi3 BC B5 56 56, SOFn3 BC B5 36 36, ...)
//        4    24  frame header (fc_header, big-endian, FC-FS table 21)
//       28     n  data field: the payload plus F_CTL bits 1-0 fill bytes
//                 (zeros) so that n is a multiple of 4; n - fill <= 2112
//     28+n     4  CRC-32 over header and data field: the polynomial, seed and
//                 final inversion of Ethernet's FCS; the word is stored least
//                 significant byte first, as Ethernet sends its FCS (this is
//                 what Wireshark's FC dissector verifies)
//     32+n     4  EOF  (EOFn BC 95 D5 D5, EOFt BC 95 75 75: running disparity -)

#include "events/error.hpp"
#include "services/control_path/bytes.hpp"

#include <cstddef>
#include <cstdint>

namespace storemesh::services::control_path {

/// Start-of-frame delimiters: i = first frame of a sequence, n = the others;
/// the digit is the class of service (class 3: no acknowledgements).
enum class sof_delimiter : std::uint32_t {
  i2 = 0xBCB55555, n2 = 0xBCB53535, i3 = 0xBCB55656, n3 = 0xBCB53636, f = 0xBCB55858,
};
/// End-of-frame delimiters: t ends a sequence's last frame, n the others.
enum class eof_delimiter : std::uint32_t { n = 0xBC95D5D5, t = 0xBC957575, a = 0xBC95F5F5 };

inline constexpr std::size_t fc_header_bytes = 24;
inline constexpr std::size_t max_data_field_bytes = 2112;
/// SOF + header + CRC + EOF: the frame without its data field.
inline constexpr std::size_t frame_overhead_bytes = 4 + fc_header_bytes + 4 + 4;
inline constexpr std::size_t max_frame_bytes = frame_overhead_bytes + max_data_field_bytes + 3;

/// The 24-byte frame header (FC-FS). 24-bit fields are held in the low bits.
struct fc_header {
  std::uint8_t r_ctl = 0;       // routing + information category
  std::uint32_t d_id = 0;       // destination port address (24 bits)
  std::uint8_t cs_ctl = 0;      // class-specific control / priority
  std::uint32_t s_id = 0;       // source port address (24 bits)
  std::uint8_t type = 0;        // data structure type: 0x08 FCP
  std::uint32_t f_ctl = 0;      // frame control (24 bits); bits 1-0 (fill bytes) are 0 in memory:
                                // encode_frame sets them from the payload size, decode_frame clears them
  std::uint8_t seq_id = 0;
  std::uint8_t df_ctl = 0;      // optional headers present: none here
  std::uint16_t seq_cnt = 0;    // frame number within the sequence
  std::uint16_t ox_id = 0;      // originator exchange id
  std::uint16_t rx_id = 0xFFFF; // responder exchange id, 0xFFFF until assigned
  std::uint32_t parameter = 0;  // relative offset when F_CTL bit 3 is set
  friend bool operator==(const fc_header& a, const fc_header& b) {
    return a.r_ctl == b.r_ctl && a.d_id == b.d_id && a.cs_ctl == b.cs_ctl && a.s_id == b.s_id && a.type == b.type &&
           a.f_ctl == b.f_ctl && a.seq_id == b.seq_id && a.df_ctl == b.df_ctl && a.seq_cnt == b.seq_cnt &&
           a.ox_id == b.ox_id && a.rx_id == b.rx_id && a.parameter == b.parameter;
  }
};

struct fc_frame {
  sof_delimiter sof = sof_delimiter::i3;
  fc_header header;
  bytes payload;  // without fill bytes; at most max_data_field_bytes
  eof_delimiter eof = eof_delimiter::t;
  friend bool operator==(const fc_frame& a, const fc_frame& b) {
    return a.sof == b.sof && a.header == b.header && a.payload == b.payload && a.eof == b.eof;
  }
};

/// CRC-32 as FC-FS computes it (ISA-L's crc32_gzip_refl: reflected 0x04C11DB7,
/// seed and final XOR 0xFFFFFFFF). CRC of "123456789" is 0xCBF43926.
[[nodiscard]] std::uint32_t fc_crc32(const std::uint8_t* data, std::size_t size);

/// The header and the padded data field (what LINKTYPE_FC_2 records hold),
/// with F_CTL's fill-bytes count set. Fails on an oversize payload or an
/// address/F_CTL above 24 bits.
[[nodiscard]] result<bytes> encode_frame_content(const fc_frame& frame);
/// The whole frame: SOF, content, CRC, EOF.
[[nodiscard]] result<bytes> encode_frame(const fc_frame& frame);
/// Parses and checks a whole frame; the payload comes back without fill bytes.
[[nodiscard]] result<fc_frame> decode_frame(const std::uint8_t* data, std::size_t size);
[[nodiscard]] inline result<fc_frame> decode_frame(const bytes& b) { return decode_frame(b.data(), b.size()); }

} // namespace storemesh::services::control_path
