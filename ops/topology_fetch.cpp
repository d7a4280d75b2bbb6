#include "ops/topology_fetch.hpp"

#include "actors/agents/block_exchange/block_client.hpp"
#include "actors/agents/block_exchange/gateway_post.hpp"
#include "services/consensus/content/object_store.hpp"
#include "services/consensus/topology/topology.hpp"

#include <cstdlib>
#include <filesystem>

namespace storemesh::ops {

namespace cs = services::consensus;
namespace bx = agents::block_exchange;

namespace {

/// A scratch directory for fetched blocks, removed when it goes.
struct scratch_dir {
  std::filesystem::path path;
  scratch_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "storemesh-fetch-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr)
      throw cli_error("cannot create a scratch directory under " + std::filesystem::temp_directory_path().string());
    path = tmpl;
  }
  ~scratch_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

} // namespace

std::string fetch_topology_text(const std::map<std::string, services::router::state>& routers, const std::string& cid,
                                const std::string& first_router, const std::string& store_dir) {
  const auto root = must(cs::parse_cid(cid), "CID '" + cid + "'");
  if (!store_dir.empty()) {
    auto store = must(cs::object_store::open(store_dir), "opening the store " + store_dir);
    return must(store.read_file(root), "reading " + cid + " from " + store_dir);
  }
  std::vector<std::pair<std::string, std::string>> gateways;  // router, host:port
  if (auto it = routers.find(first_router); it != routers.end() && it->second.registered)
    gateways.emplace_back(first_router, it->second.spec.gateway);
  for (const auto& [name, r] : routers)
    if (r.registered && name != first_router)
      gateways.emplace_back(name, r.spec.gateway);
  if (gateways.empty())
    throw cli_error("no router is registered to fetch " + cid + " from (or pass --store DIR)");
  scratch_dir scratch;
  auto store = must(cs::object_store::open(scratch.path, cs::object_store::options{false}), "scratch store");
  bx::fetch_options fo;
  fo.timeout = std::chrono::milliseconds(5000);
  std::string errors;
  for (const auto& [name, gw] : gateways) {
    auto ep = bx::parse_endpoint(gw);
    auto got = ep ? bx::fetch_file_bounded(ep.value(), root, store, cs::max_topology_bytes, fo)
                  : result<std::string>(ep.error());
    if (got)
      return std::move(got).value();
    errors += (errors.empty() ? "" : "; ") + name + " (" + gw + "): " + got.error().message();
  }
  throw cli_error("cannot fetch " + cid + ": " + errors);
}

} // namespace storemesh::ops
