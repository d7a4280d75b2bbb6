#pragma once
// Merkle trees as Certificate Transparency builds them (RFC 9162 section 2.1),
// with BLAKE2b-256: a signer signs one root over many leaves, and each leaf is
// proven to be under that root by its audit path, a few hashes.
//
//   leaf hash  = H(0x00 || leaf bytes)
//   node hash  = H(0x01 || left || right)
//   MTH(D[n])  = H(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest power of two below n
//
// The 0x00/0x01 prefixes keep a leaf from passing for an inner node (the
// second-preimage attack on plain Merkle trees).

#include "events/crypto/hashing.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace storemesh::events::crypto {

/// A whole tree's root and every leaf's audit path (sibling hashes, leaf to root).
struct merkle_tree {
  digest root{};
  std::vector<std::vector<digest>> paths;  ///< paths[i]: leaf i's audit path
};

/// Hashing the leaf data in parts (H(0x00 || part1 || part2 ...)).
class merkle_leaf_hasher {
public:
  merkle_leaf_hasher();
  void update(const void* data, std::size_t size) { h_.update(data, size); }
  void update(std::string_view bytes) { h_.update(bytes); }
  [[nodiscard]] digest final() { return h_.final(); }

private:
  blake2b_256_state h_;
};

[[nodiscard]] digest merkle_node_hash(const digest& left, const digest& right);

/// The tree over `leaf_hashes` (at least one). O(n log n) for all the paths.
[[nodiscard]] merkle_tree build_merkle_tree(const std::vector<digest>& leaf_hashes);

/// True when `path` leads from `leaf_hash`, the `index`-th of `size` leaves,
/// to `root` (RFC 9162 section 2.1.3.2). `path` is 32-byte hashes back to back;
/// a path of the wrong length for (index, size) is false.
[[nodiscard]] bool verify_merkle_inclusion(const digest& leaf_hash, std::uint64_t index, std::uint64_t size,
                                           std::string_view path, const digest& root);

} // namespace storemesh::events::crypto
