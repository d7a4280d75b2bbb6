#include "bench/bench_util.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace storemesh::bench {

namespace {
std::filesystem::path scratch;  // set once by main(), before any thread starts
} // namespace

void set_scratch_dir(const std::filesystem::path& dir) { scratch = dir; }

void fail(const std::string& what) {
  std::fprintf(stderr, "bench_log: %s\n", what.c_str());
  std::error_code ec;
  if (!scratch.empty()) std::filesystem::remove_all(scratch, ec);
  std::exit(1);
}

void sync_tree(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::syncfs(fd) != 0) fail("syncfs " + dir.string());
  ::close(fd);
}

std::uint64_t tree_bytes(const std::filesystem::path& dir) {
  std::uint64_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) total += e.file_size();
  return total;
}

std::string human(double v) {
  char buf[32];
  const double a = std::fabs(v);
  if (a >= 1e9)
    std::snprintf(buf, sizeof buf, "%.3gG", v / 1e9);
  else if (a >= 1e6)
    std::snprintf(buf, sizeof buf, "%.3gM", v / 1e6);
  else if (a >= 1e3)
    std::snprintf(buf, sizeof buf, "%.3gk", v / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

std::string format_rate(const rate& r) {
  std::string s = human(r.per_second) + " " + r.unit;
  if (r.mb_per_second >= 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " %.1f MB/s", r.mb_per_second);
    s += buf;
  }
  return s;
}

void print_group(const std::string& title, const std::vector<row>& rows) {
  std::size_t w_what = 4, w_fig = 6, w_ref = 9, w_rfig = 6;
  for (const auto& r : rows) {
    w_what = std::max(w_what, r.what.size());
    w_fig = std::max(w_fig, format_rate(r.figure).size());
    w_ref = std::max(w_ref, r.reference.size());
    w_rfig = std::max(w_rfig, format_rate(r.ref).size());
  }
  const auto pad = [](std::string s, std::size_t w) {
    s.resize(std::max(s.size(), w), ' ');
    return s;
  };
  std::printf("\n%s\n", title.c_str());
  std::printf("  %s  %s | %s  %s | ratio\n", pad("what", w_what).c_str(), pad("figure", w_fig).c_str(),
              pad("reference", w_ref).c_str(), pad("figure", w_rfig).c_str());
  std::printf("  %s\n", std::string(w_what + w_fig + w_ref + w_rfig + 16, '-').c_str());
  for (const auto& r : rows) {
    std::printf("  %s  %s | %s  %s | %.2f\n", pad(r.what, w_what).c_str(), pad(format_rate(r.figure), w_fig).c_str(),
                pad(r.reference, w_ref).c_str(), pad(format_rate(r.ref), w_rfig).c_str(),
                r.figure.per_second / r.ref.per_second);
    if (!r.note.empty()) std::printf("  %s  %s\n", pad("", w_what).c_str(), r.note.c_str());
  }
  std::fflush(stdout);
}

} // namespace storemesh::bench
