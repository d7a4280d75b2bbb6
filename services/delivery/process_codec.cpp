#include "services/delivery/process_codec.hpp"

#include "services/capnp_read.hpp"
#include "services/codec_errc.hpp"
#include "services/delivery/codec_parts.hpp"
#include "services/state_bytes.hpp"

// plan / planned are one schema struct (DeliveryPlan), confirm /
// slice_confirmed another (SliceConfirmation): one template per pair writes
// (or reads) both. reschedule and rescheduled differ (candidates in, moves
// out), so each has its own group.

namespace storemesh::services::delivery::process {
namespace {

namespace S = schema::delivery;
using namespace codec_parts;

template <class X>
void put_plan(const X& x, S::DeliveryPlan::Builder b) {
  b.setGroup(x.group);
  b.setContent(x.content);
  put(x.geometry, b.initGeometry());
  put(x.edges, b.initEdges(count(x.edges)));
  put(x.placements, b.initPlacements(count(x.placements)));
  b.setReason(x.reason);
  b.setAtNs(x.at_ns);
}
template <class X>
X get_plan(S::DeliveryPlan::Reader r) {
  return X{text(r.getGroup()),          text(r.getContent()), get(r.getGeometry()), texts(r.getEdges()),
           placements(r.getPlacements()), text(r.getReason()),  r.getAtNs()};
}

template <class X>
void put_confirmation(const X& x, S::SliceConfirmation::Builder b) {
  b.setSegment(x.segment);
  b.setPillar(x.pillar);
  b.setEdge(x.edge);
  b.setCrc32c(x.crc32c);
  b.setAtNs(x.at_ns);
}
template <class X>
X get_confirmation(S::SliceConfirmation::Reader r) {
  return X{r.getSegment(), r.getPillar(), text(r.getEdge()), r.getCrc32c(), r.getAtNs()};
}

} // namespace

void entity::write_command(const command& c, schema::Envelope::Builder e) {
  auto out = e.getPayload().initDeliveryCommand();
  std::visit(overloaded{
                 [&](const plan& x) { put_plan(x, out.initPlan()); },
                 [&](const confirm& x) { put_confirmation(x, out.initConfirm()); },
                 [&](const reschedule& x) {
                   auto g = out.initReschedule();
                   g.setEdge(x.edge);
                   g.setReason(x.reason);
                   put(x.candidates, g.initCandidates(count(x.candidates)));
                   g.setWindow(x.window);
                   g.setAtNs(x.at_ns);
                 },
             },
             c);
}

result<command> entity::read_command(schema::Envelope::Reader e) {
  if (!e.getPayload().isDeliveryCommand())
    return make_error(codec_errc::wrong_payload, "expected a delivery command");
  return guarded("delivery command", [&]() -> result<command> {
    auto in = e.getPayload().getDeliveryCommand();
    using C = S::DeliveryCommand;
    switch (in.which()) {
      case C::PLAN: return command{get_plan<plan>(in.getPlan())};
      case C::CONFIRM: return command{get_confirmation<confirm>(in.getConfirm())};
      case C::RESCHEDULE: {
        auto g = in.getReschedule();
        return command{
            reschedule{text(g.getEdge()), text(g.getReason()), texts(g.getCandidates()), g.getWindow(), g.getAtNs()}};
      }
    }
    return make_error(codec_errc::unknown_variant, "delivery command " + std::to_string(static_cast<int>(in.which())));
  });
}

void entity::write_event(const event& ev, schema::Envelope::Builder e) {
  auto out = e.getPayload().initDeliveryEvent();
  std::visit(overloaded{
                 [&](const planned& x) { put_plan(x, out.initPlanned()); },
                 [&](const slice_confirmed& x) { put_confirmation(x, out.initSliceConfirmed()); },
                 [&](const rescheduled& x) {
                   auto g = out.initRescheduled();
                   g.setEdge(x.edge);
                   g.setReason(x.reason);
                   put(x.moves, g.initMoves(count(x.moves)));
                   put(x.stranded, g.initStranded(count(x.stranded)));
                   g.setAtNs(x.at_ns);
                 },
                 [&](const completed& x) { out.initCompleted().setAtNs(x.at_ns); },
             },
             ev);
}

result<event> entity::read_event(schema::Envelope::Reader e) {
  if (!e.getPayload().isDeliveryEvent())
    return make_error(codec_errc::wrong_payload, "expected a delivery event");
  return guarded("delivery event", [&]() -> result<event> {
    auto in = e.getPayload().getDeliveryEvent();
    using E = S::DeliveryEvent;
    switch (in.which()) {
      case E::PLANNED: return event{get_plan<planned>(in.getPlanned())};
      case E::SLICE_CONFIRMED: return event{get_confirmation<slice_confirmed>(in.getSliceConfirmed())};
      case E::RESCHEDULED: {
        auto g = in.getRescheduled();
        return event{rescheduled{text(g.getEdge()), text(g.getReason()), moves(g.getMoves()),
                                 slice_keys(g.getStranded()), g.getAtNs()}};
      }
      case E::COMPLETED: return event{completed{in.getCompleted().getAtNs()}};
    }
    return make_error(codec_errc::unknown_variant, "delivery event " + std::to_string(static_cast<int>(in.which())));
  });
}

std::string entity::write_state(const state& s) {
  return state_to_bytes<S::DeliveryState>([&](S::DeliveryState::Builder root) {
    root.setPlanned(s.planned);
    root.setGroup(s.group);
    root.setContent(s.content);
    put(s.geometry, root.initGeometry());
    put(s.edges, root.initEdges(count(s.edges)));
    auto slots = root.initSlots(count(s.slots));
    unsigned i = 0;
    for (const auto& [k, x] : s.slots) {
      auto b = slots[i++];
      b.setSegment(k.first);
      b.setPillar(k.second);
      b.setEdge(x.edge);
      b.setWindow(x.window);
      b.setCrc32c(x.crc32c);
      b.setConfirmed(x.confirmed);
    }
    root.setConfirmed(s.confirmed);
    root.setRescheduled(s.rescheduled);
    root.setComplete(s.complete);
    root.setPlannedNs(s.planned_ns);
    root.setCompletedNs(s.completed_ns);
  });
}

result<state> entity::read_state(std::string_view bytes_in) {
  return state_from_bytes<S::DeliveryState>(bytes_in, "delivery", [](S::DeliveryState::Reader root) -> result<state> {
    state s;
    s.planned = root.getPlanned();
    s.group = text(root.getGroup());
    s.content = text(root.getContent());
    s.geometry = get(root.getGeometry());
    s.edges = texts(root.getEdges());
    for (auto x : root.getSlots())
      s.slots[{x.getSegment(), x.getPillar()}] = slot{text(x.getEdge()), x.getWindow(), x.getCrc32c(), x.getConfirmed()};
    s.confirmed = root.getConfirmed();
    s.rescheduled = root.getRescheduled();
    s.complete = root.getComplete();
    s.planned_ns = root.getPlannedNs();
    s.completed_ns = root.getCompletedNs();
    return s;
  });
}

} // namespace storemesh::services::delivery::process
