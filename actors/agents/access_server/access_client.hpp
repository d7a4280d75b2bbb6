#pragma once
// The client side of the access server's HTTP endpoint (http_endpoint.hpp),
// for `storemesh put|get|scan status`: files stream from and to disk, never
// whole in memory. A put sends its head with `Expect: 100-continue` and its
// body only once the server accepted it, so a refusal (unknown session,
// too large, bad path) arrives before a byte of data is sent.

#include "events/error.hpp"

#include <filesystem>
#include <string>

namespace storemesh::agents::access_server {

struct client_reply {
  unsigned status = 0;
  std::string body;    ///< JSON (a put's record, an error, the status)
  std::string access;  ///< a get's X-Storemesh-Access header
};

/// `share_path` is "SHARE/PATH". A SHA-256 of the file is declared when
/// `declare_sha256` (one more read of the file, so a cached verdict stands).
[[nodiscard]] result<client_reply> put_file(const std::string& endpoint, const std::string& session,
                                            const std::string& share_path, const std::filesystem::path& local,
                                            bool declare_sha256);
/// On 200 the file is written to `local` (through a temporary, renamed when
/// complete); otherwise `local` is left alone.
[[nodiscard]] result<client_reply> get_file(const std::string& endpoint, const std::string& session,
                                            const std::string& share_path, const std::filesystem::path& local);
[[nodiscard]] result<client_reply> get_status(const std::string& endpoint, bool text = false);

} // namespace storemesh::agents::access_server
