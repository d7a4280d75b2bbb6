// bench_cid: CIDs computed (services/consensus/content) against the raw
// OpenSSL SHA-256 rate over the same bytes, in the same run.
//
//   bench_cid [--runs 5] [--file-mib 64]
//
// Rows: raw-block CIDs (cid::of + to_string) of 1 KiB, 64 KiB and 256 KiB
// blocks, then the UnixFS DAG of a FILE-MIB file in memory (bytes_cid: 256 KiB
// leaves, dag-pb nodes, the root) and read from a file in the page cache
// (file_cid, what `storemesh cid` does). The reference for each row is
// EVP_Digest(SHA-256) over exactly the blocks the row hashes (for a DAG: its
// leaves, one digest per chunk), timed right after it; the ratio is
// CID rate / SHA-256 rate (1.00 = the CID costs nothing beyond hashing).
// Best of --runs rounds, rows interleaved within each round.

#include "bench/machine_info.hpp"
#include "services/consensus/content/cid.hpp"
#include "services/consensus/content/unixfs_file.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace content = storemesh::services::consensus;
using clock_type = std::chrono::steady_clock;

[[noreturn]] void usage(int code) {
  std::fprintf(code == 0 ? stdout : stderr,
               "usage: bench_cid [--runs N] [--file-mib N]\n"
               "  --runs N       best of N rounds (default 5)\n"
               "  --file-mib N   size of the file DAG (default 64)\n");
  std::exit(code);
}

double seconds(const std::function<void()>& f) {
  const auto start = clock_type::now();
  f();
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

unsigned char sink_byte;  // keeps the results alive: the compiler cannot drop the work

void raw_sha256(const char* data, std::size_t size) {
  unsigned char d[32];
  unsigned int len = 0;
  if (EVP_Digest(data, size, d, &len, EVP_sha256(), nullptr) != 1) std::abort();
  sink_byte ^= d[0];
}

struct row {
  std::string name;
  std::size_t items;        // CIDs computed per run
  std::size_t bytes;        // bytes hashed per run
  std::function<void()> cid_run;
  std::function<void()> sha_run;
  double best_cid = 1e99, best_sha = 1e99;
};

} // namespace

int main(int argc, char** argv) {
  int runs = 5;
  std::size_t file_mib = 64;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") usage(0);
    if (i + 1 >= argc) usage(2);
    if (a == "--runs") runs = std::max(1, std::atoi(argv[++i]));
    else if (a == "--file-mib") file_mib = std::max(1, std::atoi(argv[++i]));
    else usage(2);
  }
  const auto scratch = storemesh::bench::make_scratch_dir(storemesh::bench::default_scratch_base(), "storemesh-cid");
  if (scratch.empty()) {
    std::fprintf(stderr, "bench_cid: cannot make a scratch directory\n");
    return 1;
  }
  storemesh::bench::print_header("bench_cid", argc, argv, scratch);

  // One pool of random bytes: the blocks of every row are slices of it.
  const std::size_t pool_size = file_mib << 20;
  std::string pool(pool_size, '\0');
  std::mt19937_64 rng(12);
  for (std::size_t i = 0; i + 8 <= pool.size(); i += 8) {
    const auto v = rng();
    std::memcpy(pool.data() + i, &v, 8);
  }
  const auto file = scratch / "file";
  std::ofstream(file, std::ios::binary).write(pool.data(), static_cast<std::streamsize>(pool.size()));
  (void)content::file_cid(file);  // into the page cache

  std::vector<row> rows;
  for (const std::size_t block : {std::size_t{1} << 10, std::size_t{64} << 10, std::size_t{256} << 10}) {
    // 1 KiB blocks: 64 Ki of them from the first 64 MiB; larger: the whole pool.
    const std::size_t count = std::min<std::size_t>(pool.size() / block, 65536);
    rows.push_back({std::to_string(block >> 10) + " KiB raw blocks", count, count * block,
                    [&pool, block, count] {
                      for (std::size_t i = 0; i < count; ++i)
                        sink_byte ^= static_cast<unsigned char>(
                            content::cid::of(content::codec_raw, std::string_view(pool.data() + i * block, block)).to_string()[5]);
                    },
                    [&pool, block, count] {
                      for (std::size_t i = 0; i < count; ++i) raw_sha256(pool.data() + i * block, block);
                    }});
  }
  const auto per_chunk_sha = [&pool] {
    for (std::size_t at = 0; at < pool.size(); at += content::unixfs_chunk_size)
      raw_sha256(pool.data() + at, std::min(content::unixfs_chunk_size, pool.size() - at));
  };
  rows.push_back({std::to_string(file_mib) + " MiB file DAG, memory", 1, pool.size(),
                  [&pool] { sink_byte ^= content::bytes_cid(pool).value().digest()[0]; }, per_chunk_sha});
  rows.push_back({std::to_string(file_mib) + " MiB file DAG, file", 1, pool.size(),
                  [&file] { sink_byte ^= content::file_cid(file).value().digest()[0]; }, per_chunk_sha});

  for (int r = 0; r < runs; ++r)
    for (auto& x : rows) {
      x.best_cid = std::min(x.best_cid, seconds(x.cid_run));
      x.best_sha = std::min(x.best_sha, seconds(x.sha_run));
    }

  std::printf("\n%-28s %14s %10s %14s %10s %8s\n", "what (best of runs)", "CIDs/s", "MB/s", "SHA-256/s", "MB/s", "ratio");
  for (const auto& x : rows) {
    const double cid_mbs = x.bytes / x.best_cid / 1e6, sha_mbs = x.bytes / x.best_sha / 1e6;
    std::printf("%-28s %14.0f %10.0f %14.0f %10.0f %8.3f\n", x.name.c_str(), x.items / x.best_cid, cid_mbs,
                (x.name.find("DAG") != std::string::npos ? (pool.size() + content::unixfs_chunk_size - 1) / content::unixfs_chunk_size : x.items) / x.best_sha,
                sha_mbs, cid_mbs / sha_mbs);
  }
  std::printf("\nratio = CID MB/s / SHA-256 MB/s over the same bytes (for a DAG the reference hashes its leaves;\n"
              "the DAG also hashes its dag-pb nodes and, from a file, reads it). SHA-256/s counts digests.\n");
  fs::remove_all(scratch);
  return sink_byte == 0x5a ? 0 : 0;
}
