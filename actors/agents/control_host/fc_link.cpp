#include "actors/agents/control_host/fc_link.hpp"

#include "actors/agents/storage_system/fc_initiator.hpp"
#include "services/control_path/fc_errc.hpp"

#include <map>
#include <memory>
#include <mutex>

namespace storemesh::actors::control_host {
namespace {

namespace ss = actors::storage_system;
namespace cp = services::control_path;

class initiators {
public:
  std::variant<fc_answer, fc_failure> run(const std::string& port, std::uint16_t ox, std::uint64_t lun,
                                          const cp::built_command& c, std::chrono::milliseconds timeout) {
    auto& link = of(port);
    auto out = link.execute(ox, lun, c.cdb, c.data_in_length, timeout, c.data_out);
    if (!out && out.error().code == make_error_code(cp::fc_errc::link_down))
      out = link.execute(ox, lun, c.cdb, c.data_in_length, timeout, c.data_out);
    if (!out) {
      const bool sent = out.error().code != make_error_code(cp::fc_errc::not_sent);
      return fc_failure{out.error().message(), sent};
    }
    auto& o = out.value();
    if (o.response_code && *o.response_code != 0)
      return fc_failure{"the FC port refused the command (FCP_RSP_INFO response code " +
                            std::to_string(*o.response_code) + ")",
                        true};
    return fc_answer{o.status, std::move(o.sense), std::move(o.data), o.rx_id};
  }

private:
  ss::fc_initiator& of(const std::string& port) {
    std::lock_guard lock(mutex_);
    auto& slot = by_port_[port];
    if (!slot) {
      ss::initiator_options o;
      o.socket_path = port;
      slot = std::make_unique<ss::fc_initiator>(o);
    }
    return *slot;
  }

  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<ss::fc_initiator>> by_port_;
};

} // namespace

fc_link fc_initiator_link() {
  auto links = std::make_shared<initiators>();
  return [links](const std::string& port, std::uint16_t ox, std::uint64_t lun, const cp::built_command& c,
                 std::chrono::milliseconds timeout) { return links->run(port, ox, lun, c, timeout); };
}

} // namespace storemesh::actors::control_host
