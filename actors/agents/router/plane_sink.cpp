#include "actors/agents/router/plane_sink.hpp"

#include "actors/agents/router_plane/datagram_plane.hpp"

namespace storemesh::actors::router {
namespace {

class plane_sink final : public forwarding_sink {
public:
  explicit plane_sink(std::unique_ptr<router_plane::datagram_plane> p) : plane_(std::move(p)) {}
  result<void> set_peers(std::map<std::string, std::string> udp) override { return plane_->set_peers(std::move(udp)); }
  result<void> install(services::consensus::topology_epoch e, const services::consensus::topology& t) override {
    return plane_->install(e, t);
  }
  result<void> stamp_with(services::consensus::topology_epoch e) override { return plane_->stamp_with(e); }
  std::uint16_t port() const override { return plane_->port(); }
  void stop() override { plane_->stop(); }

private:
  std::unique_ptr<router_plane::datagram_plane> plane_;
};

} // namespace

sink_factory datagram_plane_factory(std::filesystem::path receive_log) {
  return [receive_log](const std::string& name, const std::string& udp) -> result<std::unique_ptr<forwarding_sink>> {
    router_plane::plane_options o;
    o.router = name;
    o.listen = udp;
    o.receive_log = receive_log;
    SM_TRY(auto plane, router_plane::datagram_plane::start(std::move(o)));
    return std::unique_ptr<forwarding_sink>(std::make_unique<plane_sink>(std::move(plane)));
  };
}

} // namespace storemesh::actors::router
