#include "actors/agents/delivery/fetch.hpp"

#include "actors/agents/http/message_client.hpp"
#include "services/delivery/coding/segment_coder.hpp"
#include "services/delivery/slice_check.hpp"
#include "services/migration/engine/file_io.hpp"

#include <fmt/core.h>
#include <openssl/evp.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

namespace storemesh::agents::delivery {
namespace {

namespace sd = services::delivery;
namespace io = services::migration::engine_detail;
using services::migration::engine_errc;

std::string hex(const unsigned char* p, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

struct sha256 {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
  sha256() { EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr); }
  void add(const std::uint8_t* p, std::size_t n) { EVP_DigestUpdate(ctx.get(), p, n); }
  std::string hex_digest() {
    unsigned char d[32];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx.get(), d, &n);
    return hex(d, n);
  }
};

} // namespace

result<fetch_report> fetch_content(const world& w, const fetch_options& o) {
  const auto c = w.contents.find(o.content);
  if (c == w.contents.end() || !c->second.exists)
    return make_error(std::errc::no_such_file_or_directory, "no content '" + o.content + "' in the log");
  const auto g = w.groups.find(o.group);
  if (g == w.groups.end() || !g->second.exists)
    return make_error(std::errc::no_such_file_or_directory, "no group '" + o.group + "' in the log");
  const auto& content = c->second;
  const auto& geo = content.geometry;
  const auto d = w.deliveries.find(sd::delivery_id(o.group, o.content));
  const sd::process::state* delivery = d == w.deliveries.end() ? nullptr : &d->second;
  std::map<std::string, std::size_t> rank;  // edge -> its place, nearest the group first
  for (const auto& edge : nearest_edges(w, g->second.at, false))
    rank.emplace(edge, rank.size());
  const auto rank_of = [&](const std::string& edge) {
    const auto it = rank.find(edge);
    return it == rank.end() ? rank.size() : it->second;
  };

  SM_TRY(auto coder, sd::segment_coder::make(geo));
  const auto n = sd::pillars(geo);
  const auto temp = o.out.string() + ".fetching";
  SM_TRY(auto fd, io::open_file(temp, O_WRONLY | O_CREAT | O_TRUNC, engine_errc::io_error));
  struct unlinker {
    std::string path;
    bool keep = false;
    ~unlinker() {
      if (!keep)
        ::unlink(path.c_str());
    }
  } cleanup{temp};

  fetch_report rep;
  rep.content = o.content;
  rep.group = o.group;
  rep.bytes = geo.bytes;
  rep.segments = sd::segments(geo);
  const auto origin = w.origin_endpoint();
  sha256 hash;
  std::vector<std::string> got(n);  // slice files held for this segment, by pillar
  std::vector<const std::uint8_t*> present(n);
  std::string segment(geo.segment_bytes, '\0');

  for (std::uint32_t s = 0; s < rep.segments; ++s) {
    const auto len = sd::segment_data_bytes(geo, s);
    std::fill(got.begin(), got.end(), std::string());
    std::fill(present.begin(), present.end(), nullptr);
    std::uint32_t good = 0;
    if (delivery) {
      // The confirmed holders of this segment, nearest edge first, data pillars first.
      std::vector<std::pair<std::string, std::uint32_t>> holders;
      for (const auto& [edge, ps] : sd::process::holders(*delivery, s))
        for (auto p : ps)
          holders.emplace_back(edge, p);
      std::sort(holders.begin(), holders.end(), [&](const auto& a, const auto& b) {
        return std::make_pair(rank_of(a.first), a.second) < std::make_pair(rank_of(b.first), b.second);
      });
      for (const auto& [edge, p] : holders) {
        if (good == geo.k)
          break;
        auto& tally = rep.edges[edge];
        if (tally.unreachable)
          continue;
        const auto e = w.edges.find(edge);
        if (e == w.edges.end())
          continue;
        const sd::slice_ref ref{o.content, s, p};
        const auto name = sd::to_string(ref);
        http::call call;
        call.endpoint = e->second.endpoint;
        call.target = "/v1/slices/" + name;
        call.timeout = o.timeout;
        auto r = http::send(call);
        if (!r) {
          tally.unreachable = true;
          continue;
        }
        if (r.value().status != 200) {
          rep.corrupt.push_back(fmt::format("{} at {}: HTTP {}", name, edge, r.value().status));
          tally.corrupt += 1;
          continue;
        }
        std::uint32_t crc = 0;
        (void)sd::content::expected_crc(content, s, p, crc);
        if (auto why = sd::check_slice(r.value().body, ref, geo, crc); !why.empty()) {
          rep.corrupt.push_back(fmt::format("{} at {}: {}", name, edge, why));
          tally.corrupt += 1;
          continue;
        }
        rep.edge_bytes += r.value().body.size();
        tally.slices += 1;
        tally.bytes += r.value().body.size();
        got[p] = std::move(r.value().body);
        present[p] = reinterpret_cast<const std::uint8_t*>(sd::slice_payload(got[p]).data());
        good += 1;
      }
    }
    if (good >= geo.k) {
      SM_TRYV(coder.decode(present.data(), reinterpret_cast<std::uint8_t*>(segment.data()), len));
      rep.segments_from_edges += 1;
    } else {
      // Not enough at the edges: this segment, and only it, from the origin.
      if (origin.empty())
        return make_error(std::errc::host_unreachable,
                          fmt::format("segment {} has {} of {} good slices at the edges and no origin is attached", s,
                                      good, geo.k));
      http::call call;
      call.endpoint = origin;
      call.target = "/v1/content/" + content.origin;
      const auto from = std::uint64_t{s} * geo.segment_bytes;
      call.headers = {{"Range", fmt::format("bytes={}-{}", from, from + len - 1)}};
      call.timeout = o.timeout;
      auto r = http::send(call);
      if (!r)
        return make_error(std::errc::host_unreachable, fmt::format("segment {} from the origin: {}", s,
                                                                   r.error().message()));
      if (r.value().status != 206 || r.value().body.size() != len)
        return make_error(std::errc::io_error, fmt::format("segment {} from the origin: HTTP {} with {} bytes", s,
                                                           r.value().status, r.value().body.size()));
      segment.replace(0, len, r.value().body);
      rep.origin_bytes += len;
      rep.segments_from_origin += 1;
    }
    hash.add(reinterpret_cast<const std::uint8_t*>(segment.data()), len);
    SM_TRYV(io::pwrite_full(fd.get(), reinterpret_cast<const std::byte*>(segment.data()), len,
                            std::uint64_t{s} * geo.segment_bytes, temp));
  }
  rep.sha256 = hash.hex_digest();
  rep.verified = rep.sha256 == content.sha256;
  if (!rep.verified)
    return make_error(std::errc::io_error, fmt::format("rebuilt {} has SHA-256 {}, the origin recorded {}: nothing "
                                                       "written", o.content, rep.sha256, content.sha256));
  SM_TRYV(io::datasync_file(fd.get(), temp));
  if (::rename(temp.c_str(), o.out.c_str()) != 0)
    return io::io_failure(errno, "rename", o.out);
  cleanup.keep = true;
  return rep;
}

} // namespace storemesh::agents::delivery
