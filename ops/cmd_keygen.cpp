// storemesh keygen --out PATH: an Ed25519 key pair for signing commands.

#include "events/crypto/keys.hpp"
#include "ops/cli_context.hpp"

#include <fmt/core.h>

namespace storemesh::ops {

void register_keygen(CLI::App& app) {
  auto* cmd = app.add_subcommand("keygen", "write an Ed25519 key pair: PATH (private, 0600) and PATH.pub");
  auto out = std::make_shared<std::string>();
  cmd->add_option("--out", *out, "where to write the private key")->required();
  cmd->callback([out] {
    must(events::crypto::write_key_pair(*out), "keygen");
    auto pub = must(events::crypto::parse_public_key(*out + ".pub"), "reading back " + *out + ".pub");
    // The secret is never printed; the public key is what daemons trust.
    fmt::print("wrote {} (private, 0600) and {}.pub\npublic key {}\n", *out, *out, pub.hex());
  });
}

} // namespace storemesh::ops
