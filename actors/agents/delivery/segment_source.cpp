#include "actors/agents/delivery/segment_source.hpp"

#include "services/delivery/slice_check.hpp"
#include "services/migration/engine/file_io.hpp"

#include <fcntl.h>

namespace storemesh::agents::delivery {
namespace {
namespace sd = services::delivery;
namespace io = services::migration::engine_detail;
using services::migration::engine_errc;
} // namespace

result<std::string> segment_source::slice_file(const std::string& content, const sd::content::state& c,
                                               std::uint32_t segment, std::uint32_t pillar) {
  const auto& g = c.geometry;
  auto& e = coded_[content];
  if (!e.coder) {
    SM_TRY(e.origin, io::open_file(store_ / c.origin, O_RDONLY, engine_errc::io_error));
    SM_TRY(auto coder, sd::segment_coder::make(g));
    e.coder = std::make_unique<sd::segment_coder>(std::move(coder));
    e.slices.resize(sd::pillars(g));
    for (auto& b : e.slices)
      b.resize(e.coder->slice_bytes());
    e.data.resize(g.segment_bytes);
  }
  if (e.segment != segment) {
    e.segment = -1;
    const auto len = sd::segment_data_bytes(g, segment);
    const auto path = store_ / c.origin;
    SM_TRY(auto n, io::pread_full(e.origin.get(), reinterpret_cast<std::byte*>(e.data.data()), len,
                                  std::uint64_t{segment} * g.segment_bytes, path, engine_errc::io_error));
    if (n != len)
      return make_error(engine_errc::io_error, "origin copy " + path.string() + " is shorter than the content");
    std::vector<std::uint8_t*> out(e.slices.size());
    for (std::size_t i = 0; i < out.size(); ++i)
      out[i] = e.slices[i].data();
    SM_TRYV(e.coder->encode(e.data.data(), len, out.data()));
    e.segment = segment;
  }
  return sd::make_slice_file(sd::slice_ref{content, segment, pillar}, g, e.slices.at(pillar).data());
}

} // namespace storemesh::agents::delivery
