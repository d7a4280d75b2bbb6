// Writes the fuzz targets' seed corpora from a real log (the golden log):
//   make_seeds LOG_DIR CORPUS_DIR
// CORPUS_DIR/segment_recovery: the first batches (up to ~4 KiB) of each segment,
//   whole and torn mid-batch, behind the harness's flags byte (0: as they are);
// CORPUS_DIR/envelope_decode: one record value per kind of payload;
// CORPUS_DIR/payload_json: each of those payloads as JSON (what to_json writes).
// Small on purpose: the seeds are checked in; the fuzzer grows its own corpus.
#include "events/envelope/decoded_envelope.hpp"
#include "events/envelope/envelope_json.hpp"
#include "events/file_log/batch_format.hpp"
#include "tests/fuzz/payload_text.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace storemesh::events;
using namespace storemesh::events::file_log_detail;

namespace {

void write_file(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// "hostCommand.setState": the payload member and, when it is a union, its member.
std::string kind_of(const std::string& payload_json) {
  std::string kind;
  std::size_t at = 0;
  for (int level = 0; level < 2; ++level) {
    const auto open = payload_json.find('"', at);
    const auto close = payload_json.find('"', open + 1);
    if (open == std::string::npos || close == std::string::npos)
      break;
    kind += (level ? "." : "") + payload_json.substr(open + 1, close - open - 1);
    at = close + 1;
    if (at + 1 >= payload_json.size() || payload_json[at] != ':' || payload_json[at + 1] != '{')
      break;
  }
  return kind;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: make_seeds LOG_DIR CORPUS_DIR\n");
    return 2;
  }
  const fs::path log = argv[1], corpus = argv[2];
  for (const char* d : {"segment_recovery", "envelope_decode", "payload_json"})
    fs::create_directories(corpus / d);
  std::vector<fs::path> segments;
  for (const auto& e : fs::recursive_directory_iterator(log))
    if (e.path().extension() == ".seg")
      segments.push_back(e.path());
  std::sort(segments.begin(), segments.end());

  std::set<std::string> kinds;
  int n_segments = 0, n_envelopes = 0;
  for (const auto& seg : segments) {
    std::ifstream in(seg, std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const auto* base = reinterpret_cast<const std::byte*>(bytes.data());
    const std::string name = seg.parent_path().parent_path().filename().string() + "-" +
                             seg.parent_path().filename().string();
    std::size_t pos = 0, cut = 0;
    while (pos + batch_header_bytes <= bytes.size()) {
      const batch_header h = read_header(base + pos);
      if (!plausible_framing(h) || pos + h.length > bytes.size())
        break;
      // An aligned copy: values are read in place, like the FileLog does.
      std::vector<capnp::word> batch(h.length / sizeof(capnp::word) + 1);
      std::memcpy(batch.data(), base + pos, h.length);
      const auto* b = reinterpret_cast<const std::byte*>(batch.data());
      std::size_t rpos = batch_header_bytes;
      for (std::uint32_t r = 0; r < h.record_count && rpos < h.length; ++r) {
        const auto rec = decode_record(b, rpos);
        auto env = envelope::decoded_envelope::decode(rec.value);
        if (!env)
          continue;
        const std::string payload = storemesh::fuzz::payload_text(envelope::to_json(env.value().reader()));
        const std::string kind = kind_of(payload);
        if (payload.empty() || !kinds.insert(kind).second)
          continue;
        write_file(corpus / "envelope_decode" / kind, rec.value);
        write_file(corpus / "payload_json" / kind, payload);
        ++n_envelopes;
      }
      if (cut == 0 || pos + h.length <= 4096)
        cut = pos + h.length;
      pos += h.length;
    }
    if (cut == 0)
      continue;
    const std::string whole = std::string(1, '\0') + bytes.substr(0, cut);
    write_file(corpus / "segment_recovery" / name, whole);
    write_file(corpus / "segment_recovery" / (name + "-torn"), whole.substr(0, whole.size() - 13));
    ++n_segments;
  }
  std::printf("%d segments, %d kinds of envelope\n", n_segments, n_envelopes);
  return 0;
}
