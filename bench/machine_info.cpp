#include "bench/machine_info.hpp"

#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace storemesh::bench {

namespace fs = std::filesystem;

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

std::string first_line(const char* file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string fs_type(const fs::path& dir) {
  struct statfs s{};
  if (::statfs(dir.c_str(), &s) != 0) return "unknown";
  switch (static_cast<unsigned long>(s.f_type)) {
    case 0xEF53: return "ext4";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x01021994: return "tmpfs (fsync is free: disk and latency figures mean nothing)";
    case 0x794C7630: return "overlayfs";
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(s.f_type));
      return buf;
    }
  }
}

std::string command_line(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (i > 0) s += ' ';
    s += a.find_first_of(" \t'\"$") == std::string::npos && !a.empty() ? a : "'" + a + "'";
  }
  return s;
}

const char* build_kind() {
#ifdef NDEBUG
  return "optimised (NDEBUG)";
#else
  return "NOT optimised (no NDEBUG): figures are meaningless, build Release";
#endif
}

void print_header(const char* name, int argc, char** argv, const std::filesystem::path& dir) {
  utsname u{};
  ::uname(&u);
  std::printf("storemesh %s\n", name);
  std::printf("command: %s\n", command_line(argc, argv).c_str());
  std::printf("machine: nproc %ld, %s, Linux %s; load average at start %s\n", ::sysconf(_SC_NPROCESSORS_ONLN),
              cpu_model().c_str(), u.release, first_line("/proc/loadavg").c_str());
  std::printf("dir: %s (%s)\n", dir.c_str(), fs_type(dir).c_str());
}

std::filesystem::path default_scratch_base() {
  const char* t = std::getenv("TMPDIR");
  return t != nullptr && *t != '\0' ? std::filesystem::path(t) : std::filesystem::path("/tmp");
}

std::filesystem::path make_scratch_dir(const std::filesystem::path& base, const std::string& prefix) {
  std::error_code ec;
  std::filesystem::create_directories(base, ec);
  std::string tmpl = (base / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr)
    return {};
  return tmpl;
}

} // namespace storemesh::bench
