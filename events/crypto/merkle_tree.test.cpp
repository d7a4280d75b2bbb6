#include "events/crypto/merkle_tree.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace storemesh::events::crypto;

namespace {

// RFC 9162's definition, written out again independently of the builder: the
// root over leaves[lo, hi).
digest reference_root(const std::vector<digest>& leaves, std::size_t lo, std::size_t hi) {
  if (hi - lo == 1)
    return leaves[lo];
  std::size_t k = 1;
  while (k << 1 < hi - lo)
    k <<= 1;
  return merkle_node_hash(reference_root(leaves, lo, lo + k), reference_root(leaves, lo + k, hi));
}

std::vector<digest> leaves_of(std::size_t n) {
  std::vector<digest> leaves;
  for (std::size_t i = 0; i < n; ++i) {
    merkle_leaf_hasher h;
    h.update("leaf " + std::to_string(i));
    leaves.push_back(h.final());
  }
  return leaves;
}

std::string flat(const std::vector<digest>& path) {
  std::string s;
  for (const auto& d : path)
    s.append(reinterpret_cast<const char*>(d.data()), d.size());
  return s;
}

} // namespace

BOOST_AUTO_TEST_SUITE(merkle_tree_suite)

BOOST_AUTO_TEST_CASE(every_leaf_of_every_size_up_to_70_proves_its_inclusion) {
  for (std::size_t n = 1; n <= 70; ++n) {
    const auto leaves = leaves_of(n);
    const auto tree = build_merkle_tree(leaves);
    BOOST_TEST_REQUIRE((tree.root == reference_root(leaves, 0, n)), "size " << n);
    for (std::size_t i = 0; i < n; ++i)
      BOOST_TEST(verify_merkle_inclusion(leaves[i], i, n, flat(tree.paths[i]), tree.root), "leaf " << i << " of " << n);
  }
}

BOOST_AUTO_TEST_CASE(a_proof_fails_for_another_leaf_index_size_or_path) {
  const std::size_t n = 13;
  const auto leaves = leaves_of(n);
  const auto tree = build_merkle_tree(leaves);
  for (std::size_t i = 0; i < n; ++i) {
    const auto path = flat(tree.paths[i]);
    const std::size_t j = (i + 1) % n;
    BOOST_TEST(!verify_merkle_inclusion(leaves[j], i, n, path, tree.root));  // another leaf
    BOOST_TEST(!verify_merkle_inclusion(leaves[i], j, n, path, tree.root));  // another place
    // (A size whose tree has the same shape along this path passes: the size
    // is bound by the root's signature, which covers it, not by the path.)
    BOOST_TEST(!verify_merkle_inclusion(leaves[i], n, n, path, tree.root));  // past the end
    auto flipped = path;
    flipped[flipped.size() / 2] ^= 1;
    BOOST_TEST(!verify_merkle_inclusion(leaves[i], i, n, flipped, tree.root));
    BOOST_TEST(!verify_merkle_inclusion(leaves[i], i, n, path.substr(32), tree.root));  // too short
    BOOST_TEST(!verify_merkle_inclusion(leaves[i], i, n, path + path.substr(0, 32), tree.root));  // too long
    BOOST_TEST(!verify_merkle_inclusion(leaves[i], i, n, path + "x", tree.root));  // not whole hashes
  }
}

BOOST_AUTO_TEST_CASE(a_leaf_cannot_pass_for_an_inner_node) {
  // The second-preimage attack: present the two children of the root as a
  // "leaf" of a tree of one. Leaf and node hashes have different prefixes,
  // so the root of {a, b} is not the leaf hash of a || b.
  const auto leaves = leaves_of(2);
  const auto tree = build_merkle_tree(leaves);
  merkle_leaf_hasher h;
  h.update(leaves[0].data(), leaves[0].size());
  h.update(leaves[1].data(), leaves[1].size());
  BOOST_TEST(!verify_merkle_inclusion(h.final(), 0, 1, "", tree.root));
  BOOST_TEST(verify_merkle_inclusion(leaves[0], 0, 1, "", leaves[0]));  // a tree of one is its leaf
}

BOOST_AUTO_TEST_SUITE_END()
