#pragma once
// A byte buffer whose start is 64-byte aligned (a cache line; ISA-L's AVX2 /
// AVX-512 loops load whole vectors), allocated once and reused: callers that
// code segment after segment keep one per slice set and never allocate in
// the loop. resize() only reallocates when growing past the capacity; the
// contents are then NOT preserved (it is scratch space, not a vector).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace storemesh::services::delivery {

class aligned_buffer {
public:
  static constexpr std::size_t alignment = 64;

  aligned_buffer() = default;
  explicit aligned_buffer(std::size_t size) { resize(size); }
  ~aligned_buffer() { std::free(data_); }
  aligned_buffer(const aligned_buffer&) = delete;
  aligned_buffer& operator=(const aligned_buffer&) = delete;
  aligned_buffer(aligned_buffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)),
        capacity_(std::exchange(o.capacity_, 0)) {}
  aligned_buffer& operator=(aligned_buffer&& o) noexcept {
    if (this != &o) {
      std::free(data_);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      capacity_ = std::exchange(o.capacity_, 0);
    }
    return *this;
  }

  /// Makes size() == n; allocates (contents lost) only when n > capacity().
  /// Throws std::bad_alloc like any container when memory runs out.
  void resize(std::size_t n) {
    if (n > capacity_) {
      const std::size_t rounded = (n + alignment - 1) / alignment * alignment;
      void* p = std::aligned_alloc(alignment, rounded);
      if (p == nullptr)
        throw std::bad_alloc();
      std::free(data_);
      data_ = static_cast<std::uint8_t*>(p);
      capacity_ = rounded;
    }
    size_ = n;
  }
  void zero() {
    if (size_ != 0)
      std::memset(data_, 0, size_);
  }

  [[nodiscard]] std::uint8_t* data() noexcept { return data_; }
  [[nodiscard]] const std::uint8_t* data() const noexcept { return data_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0, capacity_ = 0;
};

} // namespace storemesh::services::delivery
