#pragma once
// Fetching blocks by CID from a trustless gateway over HTTP (our
// block_server, or any IPFS gateway that serves raw blocks): each block is
// GET /ipfs/{cid}?format=raw with Accept: application/vnd.ipld.raw, and its
// bytes are refused unless they hash to the CID asked for, so a server can
// withhold blocks but never make us store or use forged ones.
//
//   endpoint peer{"127.0.0.1", port};
//   result<std::string> bytes = fetch_block(peer, id);         // verified
//   result<fetch_stats> s = fetch_file(peer, root, store);     // the whole DAG, into store
//
// Errors: content_errc::hash_mismatch (the bytes are not the block),
// content_errc::not_found (404), exchange_errc::{connect_failed, timeout,
// http_status, bad_response}. Synchronous: the calling thread blocks, each
// network step bounded by options.timeout. A block_client keeps one
// keep-alive connection and is for one thread at a time.

#include "events/error.hpp"
#include "services/consensus/content/cid.hpp"
#include "services/consensus/content/object_store.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace storemesh::agents::block_exchange {

struct endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
};

struct fetch_options {
  /// Bound on connecting, and on each request's send and receive.
  std::chrono::milliseconds timeout{10'000};
  /// The largest block accepted (a larger answer is bad_response).
  std::size_t max_block_bytes = services::consensus::max_block_size;
};

struct fetch_stats {
  std::size_t fetched = 0;  ///< blocks fetched from the peer (and stored)
  std::size_t present = 0;  ///< blocks the store already had
  std::uint64_t bytes = 0;  ///< bytes fetched
};

class block_client {
public:
  explicit block_client(endpoint peer, fetch_options opts = {});
  ~block_client();
  block_client(block_client&&) noexcept;
  block_client& operator=(block_client&&) noexcept;

  /// The block's bytes, verified against `id`. Reuses the connection, and
  /// reconnects once if the server closed it.
  [[nodiscard]] result<std::string> fetch_block(const services::consensus::cid& id);

  /// Every block of the DAG under `root` that `store` lacks is fetched,
  /// verified and stored (put_verified); blocks already there are read from
  /// the store (verified) for their links, and one altered on disk is
  /// fetched again and replaced. Depth-first, children after their
  /// parent; at most max_dag_depth deep. After success the store holds the
  /// whole DAG: store.read_file(root) reads the file.
  [[nodiscard]] result<fetch_stats> fetch_file(const services::consensus::cid& root,
                                               const services::consensus::object_store& store);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The file under `root`, at most `max_bytes` long, in memory: its blocks
/// read from `store` when there, else fetched from `peer` (verified) and
/// stored, in file order, so that a hostile DAG costs at most about
/// max_bytes of fetching before it is refused (file_too_large). What a router
/// does with a topology file it is asked to vote on.
[[nodiscard]] result<std::string> fetch_file_bounded(const endpoint& peer, const services::consensus::cid& root,
                                                     const services::consensus::object_store& store,
                                                     std::size_t max_bytes, const fetch_options& opts = {});

/// One block from `peer` (a block_client used once).
[[nodiscard]] result<std::string> fetch_block(const endpoint& peer, const services::consensus::cid& id,
                                              const fetch_options& opts = {});
/// A whole DAG from `peer` into `store` (a block_client used once).
[[nodiscard]] result<fetch_stats> fetch_file(const endpoint& peer, const services::consensus::cid& root,
                                             const services::consensus::object_store& store,
                                             const fetch_options& opts = {});

} // namespace storemesh::agents::block_exchange
