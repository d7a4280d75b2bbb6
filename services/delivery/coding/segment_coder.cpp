#include "services/delivery/coding/segment_coder.hpp"

#include "services/delivery/coding/coding_errc.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace storemesh::services::delivery {
namespace {

int popcount(pillar_set s) { return __builtin_popcountll(s); }

/// The pillars present among `slices`; too_few_slices with fewer than k.
result<pillar_set> present_pillars(const std::uint8_t* const* slices, std::uint32_t pillars, std::uint32_t k) {
  pillar_set present = 0;
  for (std::uint32_t p = 0; p < pillars; ++p)
    if (slices[p] != nullptr)
      present |= pillar_bit(p);
  if (popcount(present) < static_cast<int>(k))
    return make_error(coding_errc::too_few_slices,
                      std::to_string(popcount(present)) + " of " + std::to_string(k) + " needed");
  return present;
}

/// Rebuilds the `wanted` pillars from the present ones, pillar p into target(p).
/// Both decode forms run this; they differ only in where a rebuilt pillar goes.
template <class Target>
result<void> rebuild(rs_coder& coder, std::size_t s, const std::uint8_t* const* slices, pillar_set present,
                     pillar_set wanted, Target target) {
  if (wanted == 0)
    return success();
  SM_TRY(const decode_plan* plan, coder.plan(present, wanted));
  std::array<const std::uint8_t*, max_k> src{};
  std::array<std::uint8_t*, max_k> dst{};
  std::uint32_t a = 0, b = 0;
  for (std::uint32_t p = 0; p < coder.pillars(); ++p) {
    if (plan->sources & pillar_bit(p))
      src[a++] = slices[p];
    if (plan->targets & pillar_bit(p))
      dst[b++] = target(p);
  }
  run_plan(*plan, coder.k(), s, src.data(), dst.data());
  return success();
}

} // namespace

result<segment_coder> segment_coder::make(const delivery::geometry& g) {
  if (auto why = check_geometry(g); !why.empty())
    return make_error(coding_errc::bad_geometry, why);
  SM_TRY(auto c, rs_coder::make(g.k, g.m));
  return segment_coder(g, std::move(c), static_cast<std::size_t>(delivery::slice_bytes(g)));
}

result<void> segment_coder::check_len(std::size_t len) const {
  if (len == 0 || len > geometry_.segment_bytes)
    return make_error(coding_errc::bad_pillar, "segment data of " + std::to_string(len) + " bytes, not in 1.." +
                                                   std::to_string(geometry_.segment_bytes));
  return success();
}

std::uint32_t segment_coder::needed(std::size_t len) const {
  return static_cast<std::uint32_t>((len + slice_bytes_ - 1) / slice_bytes_);
}

void segment_coder::ensure_scratch() {
  if (!zeros_.empty())
    return;
  parity_.resize(slice_bytes_ * geometry_.m);
  tail_.resize(slice_bytes_);
  rebuilt_.resize(slice_bytes_ * geometry_.k);
  zeros_.resize(slice_bytes_);
  zeros_.zero();
}

result<void> segment_coder::encode(const std::uint8_t* data, std::size_t len, std::uint8_t* const* slices) {
  SM_TRYV(check_len(len));
  const std::size_t s = slice_bytes_;
  for (std::uint32_t i = 0; i < geometry_.k; ++i) {
    const std::size_t from = std::size_t{i} * s;
    const std::size_t n = from >= len ? 0 : std::min(s, len - from);
    if (n != 0)
      std::memcpy(slices[i], data + from, n);
    if (n != s)
      std::memset(slices[i] + n, 0, s - n);
  }
  coder_.encode(s, slices, slices + geometry_.k);
  return success();
}

result<const slice_views*> segment_coder::encode_views(const std::uint8_t* data, std::size_t len) {
  SM_TRYV(check_len(len));
  ensure_scratch();
  const std::size_t s = slice_bytes_;
  views_.count = pillars();
  for (std::uint32_t i = 0; i < geometry_.k; ++i) {
    const std::size_t from = std::size_t{i} * s;
    if (from + s <= len) {
      views_.payload[i] = data + from;
    } else if (from < len) {  // the one data pillar the data ends in
      std::memcpy(tail_.data(), data + from, len - from);
      std::memset(tail_.data() + (len - from), 0, s - (len - from));
      views_.payload[i] = tail_.data();
    } else {
      views_.payload[i] = zeros_.data();
    }
  }
  std::array<std::uint8_t*, max_m> parity{};
  for (std::uint32_t j = 0; j < geometry_.m; ++j) {
    parity[j] = parity_.data() + std::size_t{j} * s;
    views_.payload[geometry_.k + j] = parity[j];
  }
  coder_.encode(s, views_.payload.data(), parity.data());
  return &views_;
}

result<const slice_views*> segment_coder::decode_views(const std::uint8_t* const* slices, std::size_t len) {
  SM_TRYV(check_len(len));
  ensure_scratch();
  const std::size_t s = slice_bytes_;
  SM_TRY(const pillar_set present, present_pillars(slices, pillars(), geometry_.k));
  const std::uint32_t n = needed(len);
  const pillar_set wanted = first_pillars(n) & ~present;
  views_.count = geometry_.k;
  SM_TRYV(rebuild(coder_, s, slices, present, wanted,
                  [&](std::uint32_t p) { return rebuilt_.data() + std::size_t{p} * s; }));
  for (std::uint32_t i = 0; i < geometry_.k; ++i)
    views_.payload[i] = i >= n                     ? zeros_.data()
                        : (wanted & pillar_bit(i)) ? rebuilt_.data() + std::size_t{i} * s
                                                   : slices[i];
  return &views_;
}

result<void> segment_coder::decode(const std::uint8_t* const* slices, std::uint8_t* out, std::size_t len) {
  SM_TRYV(check_len(len));
  ensure_scratch();
  const std::size_t s = slice_bytes_;
  SM_TRY(const pillar_set present, present_pillars(slices, pillars(), geometry_.k));
  const std::uint32_t n = needed(len);
  const pillar_set wanted = first_pillars(n) & ~present;
  // Whole pillars are rebuilt straight into out; the partial one via tail_.
  SM_TRYV(rebuild(coder_, s, slices, present, wanted, [&](std::uint32_t p) {
    return std::size_t{p + 1} * s <= len ? out + std::size_t{p} * s : tail_.data();
  }));
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::size_t from = std::size_t{i} * s, bytes = std::min(s, len - from);
    if (present & pillar_bit(i))
      std::memcpy(out + from, slices[i], bytes);
    else if (bytes != s)
      std::memcpy(out + from, tail_.data(), bytes);
  }
  return success();
}

} // namespace storemesh::services::delivery
