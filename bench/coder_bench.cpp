// bench_coder: delivery's coder (services/delivery/coding) against ISA-L's
// raw ec_encode_data on the same buffers, in the same run.
//
//   bench_coder [--runs 15] [--ms 20] [--set-mib 64] [--segment-kib 1024]
//
// For each code (RS(4,2), (10,4), (32,16)) and segment of SEGMENT-KIB, twice:
// "cache" cycles over one segment's buffers (they stay in the CPU's caches),
// "memory" over SET-MIB of segments (data, slices and outputs per segment: the
// buffers come from DRAM as a content's do).
// Encode rows:
//   raw ec_encode_data  ISA-L on the k padded data slices, rs_coder's tables
//   rs_coder::encode    the same buffers through the coder
//   segment encode      segment_coder::encode: copies the segment's bytes into
//                       the k data slices (zero padding the tail), then encodes
//   segment views       segment_coder::encode_views: data slices point into the
//                       segment, only the padded tail is copied
//   views + CRC32C      encode_views and the CRC32C of all k+m payloads (what
//                       code_file does per segment, minus the read and SHA-256)
// Decode rows, with e = 1..m data pillars lost (every e for m <= 4; 1, 4, 8,
// 16 for m = 16):
//   raw ec_encode_data  ISA-L with the decode plan's tables (the k sources ->
//                       the e lost pillars)
//   rs_coder::decode    the same through the coder (plan looked up in its cache)
//   segment decode      segment_coder::decode into a contiguous segment (copies
//                       the k - e present data pillars)
//   segment views       segment_coder::decode_views (rebuilds, copies nothing)
//   CRC32C + views      the CRC32C of the k slices read, then decode_views
//                       (what a fetch does per segment)
//   raw again           the first row measured once more: how far two
//                       measurements of the same thing differ on this machine
// GB/s are of segment data bytes (SEGMENT-KIB per operation) for every row,
// so ratio = raw time / row time; the target is >= 0.9 for the coder.
// Times are the thread's CPU time (the machine is shared), best of RUNS
// rounds; within a round the rows of a table are interleaved.
// Build in Release: ops/build Release bench_coder.

#include "bench/machine_info.hpp"
#include "events/crc32c.hpp"
#include "services/delivery/coding/rs_coder.hpp"
#include "services/delivery/coding/segment_coder.hpp"

#include <isa-l/erasure_code.h>

#include <algorithm>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace {

namespace delivery = storemesh::services::delivery;
using delivery::aligned_buffer;

[[noreturn]] void usage(int code) {
  std::fprintf(code == 0 ? stdout : stderr,
               "usage: bench_coder [--runs N] [--ms N] [--set-mib N] [--segment-kib N]\n"
               "  --runs N         best of N rounds (default 15)\n"
               "  --ms N           CPU time per row per round, roughly (default 20)\n"
               "  --set-mib N      the out-of-cache working set (default 64)\n"
               "  --segment-kib N  segment size (default 1024; a multiple of 4)\n");
  std::exit(code);
}

/// This thread's CPU time: on a shared machine (other builds, a test run) the
/// time this thread was not scheduled would otherwise count against whichever
/// row was running. Cache and memory-bandwidth interference still counts; best
/// of rounds and interleaved rows take care of the rest.
double now_s() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

std::uint32_t sink;  // keeps results alive

/// One segment's buffers: its data, its k+m slices, and outputs for decodes.
struct segment_buffers {
  aligned_buffer data, slices, out, rebuilt;
};

struct row {
  std::string name;
  std::function<void(std::size_t)> op;  // one operation on segment i
  double best = 1e99;                   // seconds per operation
};

struct table {
  std::string title;
  std::vector<row> rows;  // rows[0] is the reference (raw)
};

/// Runs every row of t for `runs` rounds; each round times `ops` operations
/// cycling over `count` segments.
void measure(table& t, int runs, std::size_t ops, std::size_t count) {
  for (int r = 0; r < runs; ++r)
    for (auto& x : t.rows) {
      const double start = now_s();
      for (std::size_t i = 0; i < ops; ++i)
        x.op(i % count);
      x.best = std::min(x.best, (now_s() - start) / static_cast<double>(ops));
    }
}

void print(const table& t, std::size_t data_bytes) {
  std::printf("%-48s %9s %8s\n", t.title.c_str(), "GB/s", "ratio");
  const double raw = t.rows[0].best;
  for (const auto& x : t.rows)
    std::printf("  %-46s %9.2f %8.3f\n", x.name.c_str(), static_cast<double>(data_bytes) / x.best / 1e9, raw / x.best);
}

void fail(const char* what) {
  std::fprintf(stderr, "bench_coder: %s\n", what);
  std::exit(1);
}

} // namespace

int main(int argc, char** argv) {
  int runs = 15;
  double ms = 20;
  std::size_t set_mib = 64, segment_kib = 1024;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") usage(0);
    if (i + 1 >= argc) usage(2);
    if (a == "--runs") runs = std::max(1, std::atoi(argv[++i]));
    else if (a == "--ms") ms = std::max(1, std::atoi(argv[++i]));
    else if (a == "--set-mib") set_mib = static_cast<std::size_t>(std::max(1, std::atoi(argv[++i])));
    else if (a == "--segment-kib") segment_kib = static_cast<std::size_t>(std::max(4, std::atoi(argv[++i])));
    else usage(2);
  }
  storemesh::bench::print_header("bench_coder", argc, argv, storemesh::bench::default_scratch_base());
  std::printf("build: %s\n", storemesh::bench::build_kind());
  const std::size_t segment_bytes = segment_kib << 10;
  std::printf("segment %zu KiB; memory working set %zu MiB; best of %d rounds of ~%.0f ms CPU time per row\n", segment_kib,
              set_mib, runs, ms);

  struct code {
    std::uint32_t k, m;
    std::vector<std::uint32_t> erasures;
  };
  const code codes[] = {{4, 2, {1, 2}}, {10, 4, {1, 2, 3, 4}}, {32, 16, {1, 4, 8, 16}}};
  for (const auto& c : codes) {
    const delivery::geometry g{segment_bytes * 64, segment_bytes, c.k, c.m};
    auto made = delivery::segment_coder::make(g);
    if (!made) fail(made.error().message().c_str());
    auto sc = std::move(made).value();
    auto rs = delivery::rs_coder::make(c.k, c.m).value();
    const std::size_t s = sc.slice_bytes(), n = c.k + c.m;
    const std::size_t per_segment = segment_bytes + n * s + segment_bytes + c.k * s;
    const std::size_t memory_count = std::max<std::size_t>(2, (set_mib << 20) / per_segment);

    // The buffers of every segment: random data, its slices encoded.
    std::vector<segment_buffers> seg(memory_count);
    std::mt19937_64 rng(c.k * 100 + c.m);
    for (auto& b : seg) {
      b.data.resize(segment_bytes);
      for (std::size_t i = 0; i < segment_bytes; i += 8) {
        const auto v = rng();
        std::memcpy(b.data.data() + i, &v, 8);
      }
      b.slices.resize(n * s);
      b.out.resize(segment_bytes);
      b.rebuilt.resize(c.k * s);
      std::vector<std::uint8_t*> sl(n);
      for (std::size_t p = 0; p < n; ++p) sl[p] = b.slices.data() + p * s;
      if (!sc.encode(b.data.data(), segment_bytes, sl.data())) fail("encode");
    }
    const auto slice = [&](std::size_t i, std::size_t p) { return seg[i].slices.data() + p * s; };

    for (const bool in_cache : {true, false}) {
      const std::size_t count = in_cache ? 1 : memory_count;
      const char* where = in_cache ? "cache" : "memory";
      char title[160];

      // -- encode ------------------------------------------------------------
      std::snprintf(title, sizeof title, "RS(%u,%u) encode, %s (%zu segment%s)", c.k, c.m, where, count,
                    count == 1 ? "" : "s");
      table enc{title, {}};
      enc.rows.push_back({"raw ec_encode_data", [&](std::size_t i) {
                            std::array<unsigned char*, 48> src{}, dst{};
                            for (std::size_t p = 0; p < c.k; ++p) src[p] = slice(i, p);
                            for (std::size_t j = 0; j < c.m; ++j) dst[j] = slice(i, c.k + j);
                            ec_encode_data(static_cast<int>(s), static_cast<int>(c.k), static_cast<int>(c.m),
                                           const_cast<unsigned char*>(rs.encode_tables()), src.data(), dst.data());
                          }});
      enc.rows.push_back({"rs_coder::encode", [&](std::size_t i) {
                            std::array<const std::uint8_t*, 48> src{};
                            std::array<std::uint8_t*, 48> dst{};
                            for (std::size_t p = 0; p < c.k; ++p) src[p] = slice(i, p);
                            for (std::size_t j = 0; j < c.m; ++j) dst[j] = slice(i, c.k + j);
                            rs.encode(s, src.data(), dst.data());
                          }});
      enc.rows.push_back({"segment_coder::encode (copy + pad)", [&](std::size_t i) {
                            std::array<std::uint8_t*, 48> sl{};
                            for (std::size_t p = 0; p < n; ++p) sl[p] = slice(i, p);
                            if (!sc.encode(seg[i].data.data(), segment_bytes, sl.data())) fail("encode");
                          }});
      enc.rows.push_back({"segment_coder::encode_views", [&](std::size_t i) {
                            auto v = sc.encode_views(seg[i].data.data(), segment_bytes);
                            if (!v) fail("encode_views");
                            sink ^= v.value()->payload[n - 1][0];
                          }});
      enc.rows.push_back({"encode_views + CRC32C of k+m slices", [&](std::size_t i) {
                            auto v = sc.encode_views(seg[i].data.data(), segment_bytes);
                            if (!v) fail("encode_views");
                            for (std::size_t p = 0; p < n; ++p)
                              sink ^= storemesh::events::crc32c(v.value()->payload[p], s);
                          }});
      enc.rows.push_back({"raw again (the noise floor)", enc.rows[0].op});
      // ~ms per row: calibrate on the raw row.
      const double t0 = now_s();
      std::size_t calib = 0;
      while (now_s() - t0 < 0.02) enc.rows[0].op(calib++ % count);
      const std::size_t enc_ops = std::max<std::size_t>(count, static_cast<std::size_t>(calib * ms / 20));
      measure(enc, runs, enc_ops, count);
      print(enc, segment_bytes);

      // -- decode ------------------------------------------------------------
      std::snprintf(title, sizeof title, "RS(%u,%u) decode, %s: e data pillars lost", c.k, c.m, where);
      std::printf("%s\n", title);
      for (const std::uint32_t e : c.erasures) {
        const delivery::pillar_set lost = delivery::first_pillars(e);  // the first e data pillars
        const delivery::pillar_set present = delivery::first_pillars(static_cast<std::uint32_t>(n)) & ~lost;
        const delivery::decode_plan plan = *rs.plan(present, lost).value();  // a copy: rs keeps its own cache
        std::snprintf(title, sizeof title, "  e = %u", e);
        table dec{title, {}};
        const auto inputs = [&](std::size_t i, std::array<const std::uint8_t*, 48>& in) {
          for (std::size_t p = 0; p < n; ++p) in[p] = (lost >> p) & 1 ? nullptr : slice(i, p);
        };
        dec.rows.push_back({"raw ec_encode_data (decode tables)", [&, plan](std::size_t i) {
                              std::array<unsigned char*, 48> src{}, dst{};
                              std::size_t a = 0, b = 0;
                              for (std::size_t p = 0; p < n; ++p) {
                                if ((plan.sources >> p) & 1) src[a++] = slice(i, p);
                                if ((plan.targets >> p) & 1) dst[b++] = seg[i].rebuilt.data() + p * s;
                              }
                              ec_encode_data(static_cast<int>(s), static_cast<int>(c.k),
                                             static_cast<int>(plan.target_count),
                                             const_cast<unsigned char*>(plan.tables.data()), src.data(), dst.data());
                            }});
        dec.rows.push_back({"rs_coder::decode", [&](std::size_t i) {
                              std::array<const std::uint8_t*, 48> in{};
                              std::array<std::uint8_t*, 48> out{};
                              inputs(i, in);
                              for (std::size_t p = 0; p < n; ++p)
                                out[p] = (lost >> p) & 1 ? seg[i].rebuilt.data() + p * s : nullptr;
                              if (!rs.decode(s, in.data(), out.data())) fail("decode");
                            }});
        dec.rows.push_back({"segment_coder::decode (contiguous)", [&](std::size_t i) {
                              std::array<const std::uint8_t*, 48> in{};
                              inputs(i, in);
                              if (!sc.decode(in.data(), seg[i].out.data(), segment_bytes)) fail("decode");
                            }});
        dec.rows.push_back({"segment_coder::decode_views", [&](std::size_t i) {
                              std::array<const std::uint8_t*, 48> in{};
                              inputs(i, in);
                              auto v = sc.decode_views(in.data(), segment_bytes);
                              if (!v) fail("decode_views");
                              sink ^= v.value()->payload[0][0];
                            }});
        dec.rows.push_back({"CRC32C of k slices + decode_views", [&](std::size_t i) {
                              std::array<const std::uint8_t*, 48> in{};
                              inputs(i, in);
                              std::uint32_t checked = 0;
                              for (std::size_t p = 0; p < n && checked < c.k; ++p)
                                if (in[p] != nullptr) {
                                  sink ^= storemesh::events::crc32c(in[p], s);
                                  ++checked;
                                }
                              auto v = sc.decode_views(in.data(), segment_bytes);
                              if (!v) fail("decode_views");
                              sink ^= v.value()->payload[0][0];
                            }});
        dec.rows.push_back({"raw again (the noise floor)", dec.rows[0].op});
        // Correctness, once: the contiguous decode gives the segment back.
        dec.rows[2].op(0);
        if (std::memcmp(seg[0].out.data(), seg[0].data.data(), segment_bytes) != 0) fail("decode gave other bytes");
        const double d0 = now_s();
        std::size_t dc = 0;
        while (now_s() - d0 < 0.02) dec.rows[0].op(dc++ % count);
        const std::size_t dec_ops = std::max<std::size_t>(count, static_cast<std::size_t>(dc * ms / 20));
        measure(dec, runs, dec_ops, count);
        print(dec, segment_bytes);
      }
      std::printf("\n");
    }
  }
  std::printf("GB/s = segment data bytes / time (same bytes for every row); ratio = raw time / row time.\n"
              "Target (issue 15): rs_coder encode and decode >= 0.9 of raw ec_encode_data.\n");
  return sink == 0x5a5a5a5a ? 0 : 0;
}
