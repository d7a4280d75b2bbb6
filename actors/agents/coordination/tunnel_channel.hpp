#pragma once
// channel over a Noise tunnel (actors/agents/tunnel): what the coordination
// processes talk through in production.

#include "actors/agents/coordination/channel.hpp"
#include "actors/agents/tunnel/tunnel.hpp"

#include <memory>

namespace storemesh::actors::coordination {

class tunnel_channel final : public channel {
public:
  explicit tunnel_channel(std::shared_ptr<agents::tunnel::tunnel> t) : t_(std::move(t)) {}

  result<void> send(std::string_view message) override { return t_->send(message); }
  result<std::optional<std::string>> receive(std::chrono::milliseconds timeout) override {
    SM_TRY(auto got, t_->receive(timeout));
    if (!got)
      return std::optional<std::string>{};
    return std::optional<std::string>(std::string(got->begin(), got->end()));
  }
  void close(std::string_view reason) override { t_->close(std::string(reason)); }
  std::string peer_key() const override { return t_->info().peer_key_hex; }
  std::string handshake_hash() const override { return t_->info().handshake_hash_hex; }

private:
  std::shared_ptr<agents::tunnel::tunnel> t_;
};

} // namespace storemesh::actors::coordination
