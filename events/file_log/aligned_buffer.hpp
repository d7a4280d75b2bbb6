#pragma once
// A byte buffer whose start is 8-aligned. Batches start 8-aligned in the file
// and values 8-aligned in their batch, so reading a batch to the start of
// this buffer yields values that are 8-aligned in memory (Cap'n Proto reads
// them in place). Backed by uint64_t words for exactly that guarantee.

#include <cstddef>
#include <cstdint>
#include <memory>

namespace storemesh::events::file_log_detail {

class aligned_buffer {
public:
  explicit aligned_buffer(std::size_t bytes) { grow_to(bytes); }

  [[nodiscard]] std::byte* data() { return reinterpret_cast<std::byte*>(words_.get()); }
  [[nodiscard]] const std::byte* data() const { return reinterpret_cast<const std::byte*>(words_.get()); }
  [[nodiscard]] std::size_t size() const { return bytes_; }

  /// Makes room for at least `bytes`; the contents are lost when it grows.
  void grow_to(std::size_t bytes) {
    if (bytes <= bytes_ && words_)
      return;
    const std::size_t words = (bytes + 7) / 8;
    words_.reset(new std::uint64_t[words]); // uninitialised on purpose: pread fills it
    bytes_ = words * 8;
  }

private:
  std::unique_ptr<std::uint64_t[]> words_;
  std::size_t bytes_ = 0;
};

} // namespace storemesh::events::file_log_detail
