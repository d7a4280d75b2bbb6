#include "services/delivery/coding/rs_coder.hpp"

#include "services/delivery/coding/coding_errc.hpp"

#include <isa-l/erasure_code.h>

#include <algorithm>
#include <array>
#include <climits>
#include <string>

namespace storemesh::services::delivery {
namespace {

/// Plans kept per coder: a fetch meets a handful of erasure patterns; a
/// hostile or unlucky one cannot grow the cache without bound.
constexpr std::size_t max_cached_plans = 64;
/// ec_encode_data takes an int length: longer buffers go in pieces of this.
constexpr std::size_t max_piece = std::size_t{1} << 30;

int popcount(pillar_set s) { return __builtin_popcountll(s); }

/// ISA-L's signature takes non-const pointers; it only reads the sources.
unsigned char** mutable_ptrs(const std::uint8_t* const* p) {
  return const_cast<unsigned char**>(reinterpret_cast<const unsigned char* const*>(p));
}

void encode_pieces(std::size_t len, std::uint32_t k, std::uint32_t rows, const std::uint8_t* tables,
                   const std::uint8_t* const* in, std::uint8_t* const* out) {
  auto* t = const_cast<unsigned char*>(tables);
  if (len <= max_piece) {
    ec_encode_data(static_cast<int>(len), static_cast<int>(k), static_cast<int>(rows), t, mutable_ptrs(in),
                   const_cast<unsigned char**>(out));
    return;
  }
  std::array<const std::uint8_t*, max_k + max_m> src{};
  std::array<std::uint8_t*, max_k + max_m> dst{};
  for (std::size_t at = 0; at < len; at += max_piece) {
    const std::size_t n = std::min(max_piece, len - at);
    for (std::uint32_t i = 0; i < k; ++i)
      src[i] = in[i] + at;
    for (std::uint32_t i = 0; i < rows; ++i)
      dst[i] = out[i] + at;
    ec_encode_data(static_cast<int>(n), static_cast<int>(k), static_cast<int>(rows), t, mutable_ptrs(src.data()),
                   dst.data());
  }
}

} // namespace

result<rs_coder> rs_coder::make(std::uint32_t k, std::uint32_t m) {
  if (k < 1 || k > max_k || m < 1 || m > max_m)
    return make_error(coding_errc::bad_geometry, "k " + std::to_string(k) + ", m " + std::to_string(m) +
                                                     ": need 1 <= k <= " + std::to_string(max_k) +
                                                     " and 1 <= m <= " + std::to_string(max_m));
  rs_coder c(k, m);
  c.matrix_.resize(std::size_t{k + m} * k);
  // Cauchy rows under the identity: every square submatrix is invertible, so
  // any k pillars decode (a Vandermonde matrix, gf_gen_rs_matrix, is not
  // guaranteed to have that property for every k+m).
  gf_gen_cauchy1_matrix(c.matrix_.data(), static_cast<int>(k + m), static_cast<int>(k));
  c.encode_tables_.resize(std::size_t{32} * k * m);
  ec_init_tables(static_cast<int>(k), static_cast<int>(m), c.matrix_.data() + std::size_t{k} * k,
                 c.encode_tables_.data());
  return c;
}

void rs_coder::encode(std::size_t len, const std::uint8_t* const* data, std::uint8_t* const* parity) const {
  encode_pieces(len, k_, m_, encode_tables_.data(), data, parity);
}

result<std::unique_ptr<decode_plan>> rs_coder::make_plan(pillar_set sources, pillar_set targets) const {
  auto p = std::make_unique<decode_plan>();
  p->sources = sources;
  p->targets = targets;
  p->source_count = static_cast<std::uint32_t>(popcount(sources));
  p->target_count = static_cast<std::uint32_t>(popcount(targets));
  // B: the rows of the sources; sources = B * data, so data = B^-1 * sources
  // and pillar t = A[t] * B^-1 * sources.
  const std::size_t kk = std::size_t{k_} * k_;
  std::vector<std::uint8_t> b(kk), inv(kk);
  std::uint32_t r = 0;
  for (std::uint32_t p_i = 0; p_i < pillars(); ++p_i)
    if (sources & pillar_bit(p_i))
      std::copy_n(matrix_.begin() + std::size_t{p_i} * k_, k_, b.begin() + std::size_t{r++} * k_);
  if (gf_invert_matrix(b.data(), inv.data(), static_cast<int>(k_)) != 0)
    return make_error(coding_errc::singular, "source pillar set " + std::to_string(sources));
  p->rows.assign(std::size_t{p->target_count} * k_, 0);
  std::uint32_t row = 0;
  for (std::uint32_t t = 0; t < pillars(); ++t) {
    if (!(targets & pillar_bit(t)))
      continue;
    std::uint8_t* out = p->rows.data() + std::size_t{row++} * k_;
    const std::uint8_t* a = matrix_.data() + std::size_t{t} * k_;
    for (std::uint32_t j = 0; j < k_; ++j) {
      std::uint8_t acc = 0;
      for (std::uint32_t l = 0; l < k_; ++l)
        acc ^= gf_mul(a[l], inv[std::size_t{l} * k_ + j]);
      out[j] = acc;
    }
  }
  p->tables.resize(std::size_t{32} * k_ * p->target_count);
  ec_init_tables(static_cast<int>(k_), static_cast<int>(p->target_count), p->rows.data(), p->tables.data());
  return p;
}

result<const decode_plan*> rs_coder::plan(pillar_set present, pillar_set wanted) {
  const pillar_set all = first_pillars(pillars());
  if ((present & ~all) != 0 || (wanted & ~all) != 0 || wanted == 0)
    return make_error(coding_errc::bad_pillar, wanted == 0 ? "nothing wanted" : "pillar >= k + m");
  if (popcount(present) < static_cast<int>(k_))
    return make_error(coding_errc::too_few_slices, std::to_string(popcount(present)) + " of " +
                                                       std::to_string(k_) + " needed");
  // The lowest k present pillars.
  pillar_set sources = 0;
  for (std::uint32_t n = 0, p = 0; n < k_; ++p)
    if (present & pillar_bit(p)) {
      sources |= pillar_bit(p);
      ++n;
    }
  for (auto it = plans_.rbegin(); it != plans_.rend(); ++it)
    if ((*it)->sources == sources && (*it)->targets == wanted)
      return it->get();
  SM_TRY(auto fresh, make_plan(sources, wanted));
  if (plans_.size() >= max_cached_plans)
    plans_.erase(plans_.begin());
  plans_.push_back(std::move(fresh));
  return plans_.back().get();
}

result<void> rs_coder::decode(std::size_t len, const std::uint8_t* const* slices, std::uint8_t* const* out) {
  pillar_set present = 0, wanted = 0;
  for (std::uint32_t p = 0; p < pillars(); ++p) {
    if (slices[p] != nullptr)
      present |= pillar_bit(p);
    if (out[p] != nullptr)
      wanted |= pillar_bit(p);
  }
  SM_TRY(const decode_plan* plan_ptr, plan(present, wanted));
  std::array<const std::uint8_t*, max_k + max_m> src{};
  std::array<std::uint8_t*, max_k + max_m> dst{};
  std::uint32_t s = 0, d = 0;
  for (std::uint32_t p = 0; p < pillars(); ++p) {
    if (plan_ptr->sources & pillar_bit(p))
      src[s++] = slices[p];
    if (plan_ptr->targets & pillar_bit(p))
      dst[d++] = out[p];
  }
  run_plan(*plan_ptr, k_, len, src.data(), dst.data());
  return success();
}

void run_plan(const decode_plan& p, std::uint32_t k, std::size_t len, const std::uint8_t* const* sources,
              std::uint8_t* const* out) {
  encode_pieces(len, k, p.target_count, p.tables.data(), sources, out);
}

} // namespace storemesh::services::delivery
