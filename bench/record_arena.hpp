#pragma once
// Record values kept in memory in the order they were appended, like a log
// partition, for bench_sim_scale: one copy each in large mmap'd chunks, 8-byte
// aligned so that decoded_envelope reads them in place (as it does from a
// FileLog). Its chunks come from mmap, not malloc, so the heap figures of the
// entities beside it do not count them; pages() says what they add to RSS.

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>
#include <vector>

namespace storemesh::bench {

class record_arena {
public:
  static constexpr std::size_t chunk_bytes = std::size_t{64} << 20;

  record_arena() = default;
  record_arena(const record_arena&) = delete;
  record_arena& operator=(const record_arena&) = delete;
  record_arena(record_arena&& o) noexcept { swap(o); }
  record_arena& operator=(record_arena&& o) noexcept {
    release();
    swap(o);
    return *this;
  }
  ~record_arena() { release(); }

  /// Appends a copy of `value`; returns its index.
  std::uint32_t append(std::string_view value) {
    const std::size_t need = (value.size() + 7) & ~std::size_t{7};
    if (chunks_.empty() || used_ + need > chunk_bytes) {
      if (!chunks_.empty())
        resident_ += page_round(used_);
      void* p = ::mmap(nullptr, chunk_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED)
        throw std::bad_alloc();
      chunks_.push_back(static_cast<char*>(p));
      used_ = 0;
    }
    char* at = chunks_.back() + used_;
    std::memcpy(at, value.data(), value.size());
    used_ += need;
    bytes_ += value.size();
    values_.push_back(std::string_view(at, value.size()));
    return static_cast<std::uint32_t>(values_.size() - 1);
  }

  [[nodiscard]] std::string_view operator[](std::size_t i) const { return values_[i]; }
  [[nodiscard]] std::size_t size() const { return values_.size(); }
  /// The values' bytes, without alignment padding.
  [[nodiscard]] std::uint64_t bytes() const { return bytes_; }
  /// The pages its values touched (mmap'd: outside the heap).
  [[nodiscard]] std::uint64_t pages() const { return resident_ + page_round(used_); }
  /// Its index on the heap: allocated, and touched (a vector's untouched tail
  /// is not resident).
  [[nodiscard]] std::uint64_t index_allocated() const { return values_.capacity() * sizeof(std::string_view); }
  [[nodiscard]] std::uint64_t index_touched() const { return values_.size() * sizeof(std::string_view); }

  void release() {
    for (char* c : chunks_)
      ::munmap(c, chunk_bytes);
    chunks_.clear();
    values_ = {};
    used_ = bytes_ = resident_ = 0;
  }

private:
  static std::uint64_t page_round(std::size_t n) { return (n + 4095) & ~std::uint64_t{4095}; }
  void swap(record_arena& o) noexcept {
    std::swap(chunks_, o.chunks_);
    std::swap(values_, o.values_);
    std::swap(used_, o.used_);
    std::swap(bytes_, o.bytes_);
    std::swap(resident_, o.resident_);
  }

  std::vector<char*> chunks_;
  std::vector<std::string_view> values_;
  std::size_t used_ = 0;        ///< in the last chunk
  std::uint64_t bytes_ = 0;
  std::uint64_t resident_ = 0;  ///< touched pages of the full chunks
};

} // namespace storemesh::bench
