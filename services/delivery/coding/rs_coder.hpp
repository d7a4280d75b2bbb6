#pragma once
// Reed-Solomon k+m over GF(2^8) with ISA-L: k data pillars in, m parity
// pillars out; any k of the k+m pillars rebuild any other.
//
// The code is systematic: the (k+m) x k coding matrix A has the identity in
// rows 0..k-1 (pillar p < k IS data block p) and Cauchy rows below it
// (gf_gen_cauchy1_matrix), so every k x k submatrix is invertible: any k
// pillars decode. Arithmetic is GF(2^8) with the polynomial 0x11d (ISA-L's,
// also Jerasure's w = 8: tests/delivery/jerasure_check.test.cpp decodes our
// slices with Jerasure given matrix()).
//
// Cost: encode is one ec_encode_data over the m parity rows, tables built
// once. A decode inverts the k x k submatrix of its source pillars
// (gf_invert_matrix) and builds tables for the pillars it rebuilds; both are
// cached per (sources, targets), because a fetch meets the same erasure
// pattern in every segment of a content.
//
// Threads: encode() is const and may run on many threads at once; plan() and
// decode() fill the cache: one coder per thread (making one is cheap).

#include "events/error.hpp"
#include "services/delivery/layout.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace storemesh::services::delivery {

/// A set of pillars of one segment: bit p is pillar p (k + m <= 48 fits).
using pillar_set = std::uint64_t;
[[nodiscard]] constexpr pillar_set pillar_bit(std::uint32_t p) { return pillar_set{1} << p; }
/// Pillars 0..n-1.
[[nodiscard]] constexpr pillar_set first_pillars(std::uint32_t n) { return n >= 64 ? ~pillar_set{0} : pillar_bit(n) - 1; }

/// How to rebuild `targets` from `sources`: ec_encode_data(len, k, targets,
/// tables, <the k source pillars in ascending order>, <the targets' outputs in
/// ascending order>). What rs_coder::decode runs; public so the benchmark can
/// time raw ISA-L with the very same tables.
struct decode_plan {
  pillar_set sources = 0;  ///< exactly k pillars
  pillar_set targets = 0;  ///< the pillars rebuilt (1..k+m of them)
  std::uint32_t source_count = 0, target_count = 0;
  std::vector<std::uint8_t> rows;    ///< target_count x k decode matrix, row-major
  std::vector<std::uint8_t> tables;  ///< ec_init_tables(k, target_count, rows)
};

class rs_coder {
public:
  /// bad_geometry unless 1 <= k <= max_k and 1 <= m <= max_m.
  [[nodiscard]] static result<rs_coder> make(std::uint32_t k, std::uint32_t m);

  [[nodiscard]] std::uint32_t k() const noexcept { return k_; }
  [[nodiscard]] std::uint32_t m() const noexcept { return m_; }
  [[nodiscard]] std::uint32_t pillars() const noexcept { return k_ + m_; }

  /// The (k+m) x k coding matrix, row-major: pillar p = sum_j matrix()[p*k + j] * data_j.
  [[nodiscard]] const std::vector<std::uint8_t>& matrix() const noexcept { return matrix_; }
  /// ec_init_tables(k, m, rows k..k+m-1): what encode() hands ec_encode_data.
  [[nodiscard]] const std::uint8_t* encode_tables() const noexcept { return encode_tables_.data(); }

  /// parity[i] = pillar k+i of data[0..k-1]; every buffer len bytes (any len;
  /// 64-byte multiples on aligned buffers are ISA-L's fast path).
  void encode(std::size_t len, const std::uint8_t* const* data, std::uint8_t* const* parity) const;

  /// The (cached) plan that rebuilds `wanted` from `present`. The sources are
  /// the lowest k pillars of `present` (data pillars first: their rows are
  /// unit vectors). too_few_slices if `present` has fewer than k pillars;
  /// bad_pillar if a set names a pillar >= k+m or `wanted` is empty. The
  /// pointer stays valid until the next plan() or decode() call.
  [[nodiscard]] result<const decode_plan*> plan(pillar_set present, pillar_set wanted);

  /// slices: k+m pointers, nullptr where a pillar is absent. out: k+m
  /// pointers, non-null where a pillar is wanted (a present pillar may be
  /// wanted too: it is rebuilt all the same). Every buffer len bytes; out
  /// must not alias slices. Errors as plan().
  [[nodiscard]] result<void> decode(std::size_t len, const std::uint8_t* const* slices, std::uint8_t* const* out);

private:
  rs_coder(std::uint32_t k, std::uint32_t m) : k_(k), m_(m) {}
  [[nodiscard]] result<std::unique_ptr<decode_plan>> make_plan(pillar_set sources, pillar_set targets) const;

  std::uint32_t k_ = 0, m_ = 0;
  std::vector<std::uint8_t> matrix_;
  std::vector<std::uint8_t> encode_tables_;
  /// Recently used plans, newest last; bounded (a fetch sees few patterns).
  std::vector<std::unique_ptr<decode_plan>> plans_;
};

/// ec_encode_data over a plan: rebuilds the plan's targets. sources: the k
/// source pillars' buffers in ascending pillar order; out: the targets'
/// buffers in ascending pillar order. What decode() runs after plan().
void run_plan(const decode_plan& p, std::uint32_t k, std::size_t len, const std::uint8_t* const* sources,
              std::uint8_t* const* out);

} // namespace storemesh::services::delivery
