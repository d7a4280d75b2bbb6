#include "services/control_path/fc_els.hpp"

#include "services/control_path/fc_errc.hpp"
#include "services/control_path/fcp.hpp"

#include <fmt/format.h>

namespace storemesh::services::control_path {

bytes encode_plogi(bool accept, std::uint64_t port_name, std::uint64_t node_name) {
  bytes p(116, 0);
  p[0] = accept ? els::ls_acc : els::plogi;
  std::uint8_t* c = p.data() + 4;  // common service parameters
  c[0] = 0x20, c[1] = 0x20;        // FC-PH version: highest, lowest
  put_be(c + 2, 10, 2);            // buffer-to-buffer credit
  put_be(c + 4, 0x8800, 2);        // continuously increasing offset, N_Port
  put_be(c + 6, 2048, 2);          // receive data field size
  put_be(c + 8, 0x00FF, 2);        // total concurrent sequences
  put_be(c + 10, 0x0002, 2);       // relative offset by category: solicited data
  put_be(c + 12, 2000, 4);         // E_D_TOV, ms
  put_be(p.data() + 20, port_name, 8);
  put_be(p.data() + 28, node_name, 8);
  std::uint8_t* class3 = p.data() + 36 + 2 * 16;
  put_be(class3, 0x8000, 2);        // class valid
  put_be(class3 + 6, 2048, 2);      // receive data field size
  put_be(class3 + 8, 0x00FF, 2);    // concurrent sequences
  put_be(class3 + 12, 0x0001, 2);   // open sequences per exchange
  return p;
}

bytes encode_prli(bool accept) {
  bytes p(20, 0);
  p[0] = accept ? els::ls_acc : els::prli;
  p[1] = 0x10;
  put_be(p.data() + 2, 20, 2);
  p[4] = fc_type_fcp;
  p[6] = accept ? 0x21 : 0x20;  // establish image pair (| response code 1: executed)
  put_be(p.data() + 16, accept ? (els::target_function | 0x02) : (els::initiator_function | 0x02), 4);
  return p;
}

bytes encode_ls_rjt(std::uint8_t reason) {
  bytes p(8, 0);
  p[0] = els::ls_rjt;
  p[5] = reason;
  return p;
}

result<plogi_params> decode_plogi(const bytes& p) {
  if (p.size() < 116) return make_error(fc_errc::iu_short, fmt::format("PLOGI of {} bytes, at least 116", p.size()));
  if (p[0] != els::plogi && p[0] != els::ls_acc)
    return make_error(fc_errc::iu_bad_field, fmt::format("ELS command {:#04x} is not PLOGI or LS_ACC", p[0]));
  return plogi_params{get_be(p.data() + 20, 8), get_be(p.data() + 28, 8), (p[36 + 32] & 0x80) != 0};
}

result<std::uint32_t> decode_prli(const bytes& p) {
  if (p.size() < 20) return make_error(fc_errc::iu_short, fmt::format("PRLI of {} bytes, at least 20", p.size()));
  if (p[0] != els::prli && p[0] != els::ls_acc)
    return make_error(fc_errc::iu_bad_field, fmt::format("ELS command {:#04x} is not PRLI or LS_ACC", p[0]));
  if (p[1] != 0x10 || get_be(p.data() + 2, 2) != p.size())
    return make_error(fc_errc::iu_bad_field, "PRLI page or payload length");
  if (p[4] != fc_type_fcp) return make_error(fc_errc::iu_bad_field, fmt::format("PRLI for FC-4 type {:#04x}", p[4]));
  if (p[0] == els::ls_acc && (p[6] & 0x0F) != 0x01)
    return make_error(fc_errc::iu_bad_field, fmt::format("PRLI accept response code {}", p[6] & 0x0F));
  return static_cast<std::uint32_t>(get_be(p.data() + 16, 4));
}

} // namespace storemesh::services::control_path
