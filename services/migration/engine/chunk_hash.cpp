#include "services/migration/engine/chunk_hash.hpp"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

namespace storemesh::services::migration {
namespace {

// SHA-256 cannot fail on valid input; a failure here means OpenSSL could not
// allocate or has no SHA-256 provider, which no caller can recover from.
[[noreturn]] void openssl_failed(const char* call) {
  std::fprintf(stderr, "storemesh: OpenSSL %s failed for SHA-256\n", call);
  std::abort();
}

} // namespace

sha256_stream::sha256_stream() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) openssl_failed("EVP_MD_CTX_new");
  if (EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) openssl_failed("EVP_DigestInit_ex");
}

sha256_stream::~sha256_stream() { EVP_MD_CTX_free(ctx_); }

void sha256_stream::update(const void* data, std::size_t size) {
  if (EVP_DigestUpdate(ctx_, data, size) != 1) openssl_failed("EVP_DigestUpdate");
}

chunk_hash sha256_stream::finish() {
  chunk_hash h{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_, h.data(), &len) != 1 || len != h.size()) openssl_failed("EVP_DigestFinal_ex");
  if (EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) openssl_failed("EVP_DigestInit_ex");
  return h;
}

chunk_hash sha256(const void* data, std::size_t size) {
  chunk_hash h{};
  unsigned int len = 0;
  if (EVP_Digest(data, size, h.data(), &len, EVP_sha256(), nullptr) != 1 || len != h.size())
    openssl_failed("EVP_Digest");
  return h;
}

chunk_hash job_digest(const std::vector<chunk_hash>& chunk_hashes) {
  // The array elements are contiguous bytes: the vector's storage is exactly
  // the concatenation.
  static_assert(sizeof(chunk_hash) == 32);
  return sha256(chunk_hashes.data(), chunk_hashes.size() * sizeof(chunk_hash));
}

std::string to_hex(const chunk_hash& h) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(2 * h.size());
  for (const std::uint8_t b : h) {
    s += digits[b >> 4];
    s += digits[b & 0xf];
  }
  return s;
}

} // namespace storemesh::services::migration
