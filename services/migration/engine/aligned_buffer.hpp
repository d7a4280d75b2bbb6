#pragma once
// A page-aligned I/O buffer: the kernel copies to and from whole pages
// fastest, and O_DIRECT would require it. Internal to the engine.

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>

namespace storemesh::services::migration::engine_detail {

class aligned_buffer {
public:
  static constexpr std::size_t page = 4096;

  explicit aligned_buffer(std::size_t size)
      : data_(static_cast<std::byte*>(std::aligned_alloc(page, (size + page - 1) / page * page))), size_(size) {
    if (!data_) throw std::bad_alloc();
  }

  [[nodiscard]] std::byte* data() const { return data_.get(); }
  [[nodiscard]] std::size_t size() const { return size_; }

private:
  struct free_deleter {
    void operator()(std::byte* p) const { std::free(p); }
  };
  std::unique_ptr<std::byte, free_deleter> data_;
  std::size_t size_;
};

} // namespace storemesh::services::migration::engine_detail
