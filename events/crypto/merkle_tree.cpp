#include "events/crypto/merkle_tree.hpp"

#include <cstring>

namespace storemesh::events::crypto {
namespace {

constexpr std::uint8_t leaf_prefix = 0x00;
constexpr std::uint8_t node_prefix = 0x01;

std::size_t largest_power_of_two_below(std::size_t n) {
  std::size_t k = 1;
  while (k * 2 < n)
    k *= 2;
  return k;
}

/// MTH(leaves[lo, hi)), appending to each leaf's path the sibling subtree's
/// hash at this level. Children are walked first, so paths grow leaf to root.
digest build(const std::vector<digest>& leaves, std::size_t lo, std::size_t hi, merkle_tree& tree) {
  if (hi - lo == 1)
    return leaves[lo];
  const std::size_t mid = lo + largest_power_of_two_below(hi - lo);
  const digest left = build(leaves, lo, mid, tree);
  const digest right = build(leaves, mid, hi, tree);
  for (std::size_t i = lo; i < mid; ++i)
    tree.paths[i].push_back(right);
  for (std::size_t i = mid; i < hi; ++i)
    tree.paths[i].push_back(left);
  return merkle_node_hash(left, right);
}

} // namespace

merkle_leaf_hasher::merkle_leaf_hasher() { h_.update(&leaf_prefix, 1); }

digest merkle_node_hash(const digest& left, const digest& right) {
  blake2b_256_state h;
  h.update(&node_prefix, 1);
  h.update(left);
  h.update(right);
  return h.final();
}

merkle_tree build_merkle_tree(const std::vector<digest>& leaf_hashes) {
  merkle_tree tree;
  if (leaf_hashes.empty())
    return tree;
  tree.paths.resize(leaf_hashes.size());
  tree.root = build(leaf_hashes, 0, leaf_hashes.size(), tree);
  return tree;
}

bool verify_merkle_inclusion(const digest& leaf_hash, std::uint64_t index, std::uint64_t size,
                             std::string_view path, const digest& root) {
  if (index >= size || path.size() % sizeof(digest) != 0)
    return false;
  std::uint64_t fn = index;
  std::uint64_t sn = size - 1;
  digest r = leaf_hash;
  for (std::size_t at = 0; at < path.size(); at += sizeof(digest)) {
    if (sn == 0)
      return false;  // a path longer than the tree is deep
    digest p;
    std::memcpy(p.data(), path.data() + at, p.size());
    if ((fn & 1) != 0 || fn == sn) {
      r = merkle_node_hash(p, r);
      if ((fn & 1) == 0)
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      r = merkle_node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

} // namespace storemesh::events::crypto
