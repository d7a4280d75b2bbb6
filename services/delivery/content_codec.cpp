#include "services/delivery/content_codec.hpp"

#include "services/capnp_read.hpp"
#include "services/codec_errc.hpp"
#include "services/delivery/codec_parts.hpp"
#include "services/state_bytes.hpp"

// add and added are the same schema struct (ContentAdd): one template writes (or reads) both.

namespace storemesh::services::delivery::content {
namespace {

namespace S = schema::delivery;
using namespace codec_parts;

template <class X>
void put_add(const X& x, S::ContentAdd::Builder b) {
  put(x.geometry, b.initGeometry());
  b.setSha256(x.sha256);
  b.setOrigin(x.origin);
  put(x.slice_crc32c, b.initSliceCrc32c(count(x.slice_crc32c)));
  b.setAtNs(x.at_ns);
}
template <class X>
X get_add(S::ContentAdd::Reader r) {
  return X{get(r.getGeometry()), text(r.getSha256()), text(r.getOrigin()), u32s(r.getSliceCrc32c()), r.getAtNs()};
}

} // namespace

void entity::write_command(const command& c, schema::Envelope::Builder e) {
  auto out = e.getPayload().initContentCommand();
  std::visit(overloaded{
                 [&](const add& x) { put_add(x, out.initAdd()); },
             },
             c);
}

result<command> entity::read_command(schema::Envelope::Reader e) {
  if (!e.getPayload().isContentCommand())
    return make_error(codec_errc::wrong_payload, "expected a content command");
  return guarded("content command", [&]() -> result<command> {
    auto in = e.getPayload().getContentCommand();
    using C = S::ContentCommand;
    switch (in.which()) {
      case C::ADD: {
        auto x = get_add<add>(in.getAdd());
        return command{std::move(x)};
      }
      case C::UNKNOWN: break;
    }
    return make_error(codec_errc::unknown_variant, "content command " + std::to_string(static_cast<int>(in.which())));
  });
}

void entity::write_event(const event& ev, schema::Envelope::Builder e) {
  auto out = e.getPayload().initContentEvent();
  std::visit(overloaded{
                 [&](const added& x) { put_add(x, out.initAdded()); },
             },
             ev);
}

result<event> entity::read_event(schema::Envelope::Reader e) {
  if (!e.getPayload().isContentEvent())
    return make_error(codec_errc::wrong_payload, "expected a content event");
  return guarded("content event", [&]() -> result<event> {
    auto in = e.getPayload().getContentEvent();
    using E = S::ContentEvent;
    switch (in.which()) {
      case E::ADDED: {
        auto x = get_add<added>(in.getAdded());
        return event{std::move(x)};
      }
      case E::UNKNOWN: break;
    }
    return make_error(codec_errc::unknown_variant, "content event " + std::to_string(static_cast<int>(in.which())));
  });
}

std::string entity::write_state(const state& s) {
  return state_to_bytes<S::ContentState>([&](S::ContentState::Builder root) {
    root.setExists(s.exists);
    put(s.geometry, root.initGeometry());
    root.setSha256(s.sha256);
    root.setOrigin(s.origin);
    put(s.slice_crc32c, root.initSliceCrc32c(count(s.slice_crc32c)));
    root.setAddedNs(s.added_ns);
  });
}

result<state> entity::read_state(std::string_view bytes_in) {
  return state_from_bytes<S::ContentState>(bytes_in, "content", [](S::ContentState::Reader root) -> result<state> {
    state s;
    s.exists = root.getExists();
    s.geometry = get(root.getGeometry());
    s.sha256 = text(root.getSha256());
    s.origin = text(root.getOrigin());
    s.slice_crc32c = u32s(root.getSliceCrc32c());
    s.added_ns = root.getAddedNs();
    return s;
  });
}

} // namespace storemesh::services::delivery::content
