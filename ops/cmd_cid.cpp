// storemesh cid FILE...: the CIDv1 of each file, one per line, exactly as
//   ipfs add --cid-version 1 --raw-leaves --only-hash -Q FILE
// prints it (services/consensus/content/unixfs_file.hpp has the profile:
// 256 KiB chunks, raw leaves, balanced dag-pb nodes of at most 174 links).
// The file is read chunk by chunk, never held whole; nothing is stored.

#include "ops/cli_context.hpp"
#include "services/consensus/content/unixfs_file.hpp"

#include <fmt/core.h>

namespace storemesh::ops {

void register_cid(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "cid", "print the IPFS CIDv1 of each FILE (as `ipfs add --cid-version 1 --raw-leaves --only-hash -Q` does)");
  auto files = std::make_shared<std::vector<std::string>>();
  cmd->add_option("FILE", *files, "files to hash")->required();
  cmd->callback([files] {
    for (const auto& file : *files)
      fmt::print("{}\n", must(services::consensus::file_cid(file), file).to_string());
  });
}

} // namespace storemesh::ops
