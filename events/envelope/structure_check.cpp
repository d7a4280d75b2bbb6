#include "events/envelope/structure_check.hpp"

#include <capnp/any.h>
#include <capnp/dynamic.h>
#include <capnp/schema.h>

#include <deque>
#include <map>
#include <vector>

namespace storemesh::events::envelope {
namespace {

using type_kind = capnp::schema::Type::Which;

struct struct_plan;

/// What a pointer holds, and how a generated reader would read it.
struct pointer_plan {
  enum class kind : std::uint8_t { unchecked, text, data, structure, struct_list, pointer_list, value_list };
  kind what = kind::unchecked;
  const struct_plan* target = nullptr;   // structure, struct_list
  const pointer_plan* element = nullptr;  // pointer_list: lists of text, data or lists
  capnp::ListSchema list;                 // every list kind: how a generated reader reads it
};

/// One field: nothing to check (data-section values), a pointer, or a group
/// (which lives in the same struct as its parent).
struct member_plan {
  enum class kind : std::uint8_t { none, pointer, group };
  kind what = kind::none;
  std::uint16_t pointer_index = 0;
  pointer_plan pointer;
  const struct_plan* group = nullptr;
};

struct struct_plan {
  std::vector<member_plan> fields;         // members outside the union
  std::vector<member_plan> union_members;  // indexed by discriminant value
  std::uint32_t discriminant_offset = 0;   // in 16-bit units, within the data section
};

/// Every struct plan reachable from Envelope, built once; immutable afterwards.
class plan_set {
public:
  plan_set() { root_ = &plan_for(capnp::Schema::from<schema::Envelope>()); }
  [[nodiscard]] const struct_plan& root() const { return *root_; }

private:
  const struct_plan& plan_for(capnp::StructSchema s) {
    const auto id = s.getProto().getId();
    if (const auto it = by_id_.find(id); it != by_id_.end()) return *it->second;
    struct_plan& plan = structs_.emplace_back();
    by_id_.emplace(id, &plan);  // registered before its fields: recursive types terminate
    const auto node = s.getProto().getStruct();
    plan.discriminant_offset = node.getDiscriminantOffset();
    for (const auto field : s.getNonUnionFields()) plan.fields.push_back(member_for(field));
    const auto members = s.getUnionFields();
    plan.union_members.resize(members.size());
    for (const auto field : members) plan.union_members.at(field.getProto().getDiscriminantValue()) = member_for(field);
    return plan;
  }

  member_plan member_for(capnp::StructSchema::Field field) {
    member_plan m;
    const auto proto = field.getProto();
    if (proto.isGroup()) {
      m.what = member_plan::kind::group;
      m.group = &plan_for(field.getType().asStruct());
      return m;
    }
    m.pointer = pointer_for(field.getType());
    if (m.pointer.what != pointer_plan::kind::unchecked) {
      m.what = member_plan::kind::pointer;
      m.pointer_index = static_cast<std::uint16_t>(proto.getSlot().getOffset());
    }
    return m;
  }

  pointer_plan pointer_for(capnp::Type t) {
    pointer_plan p;
    switch (t.which()) {
      case type_kind::TEXT: p.what = pointer_plan::kind::text; break;
      case type_kind::DATA: p.what = pointer_plan::kind::data; break;
      case type_kind::STRUCT:
        p.what = pointer_plan::kind::structure;
        p.target = &plan_for(t.asStruct());
        break;
      case type_kind::LIST: {
        p.list = t.asList();
        const capnp::Type element = p.list.getElementType();
        switch (element.which()) {
          case type_kind::STRUCT:
            p.what = pointer_plan::kind::struct_list;
            p.target = &plan_for(element.asStruct());
            break;
          case type_kind::TEXT:
          case type_kind::DATA:
          case type_kind::LIST:
            p.what = pointer_plan::kind::pointer_list;
            p.element = &pointers_.emplace_back(pointer_for(element));
            break;
          case type_kind::ANY_POINTER:
          case type_kind::INTERFACE:
            break;  // not in the schemas; nothing a reader would check
          default:
            p.what = pointer_plan::kind::value_list;  // numbers, bools, enums, voids
        }
        break;
      }
      default:
        break;  // data-section values; AnyPointer and interfaces do not occur
    }
    return p;
  }

  std::deque<struct_plan> structs_;    // deques: plans point at each other
  std::deque<pointer_plan> pointers_;
  std::map<std::uint64_t, const struct_plan*> by_id_;
  const struct_plan* root_ = nullptr;
};

const plan_set& plans() {
  static const plan_set instance;
  return instance;
}

class walker {
public:
  explicit walker(std::uint64_t budget) : budget_(budget) {}

  bool structure(capnp::AnyStruct::Reader s, const struct_plan& plan) {
    const auto data = s.getDataSection();
    const auto pointers = s.getPointerSection();
    for (const member_plan& m : plan.fields) {
      if (!member(s, pointers, m)) return false;
    }
    if (plan.union_members.empty()) return true;
    // A data section shorter than the schema's reads as zeros (an older writer).
    std::uint16_t which = 0;
    const std::size_t at = std::size_t{plan.discriminant_offset} * 2;
    if (at + 2 <= data.size()) which = static_cast<std::uint16_t>(data[at] | data[at + 1] << 8);
    if (which >= plan.union_members.size()) return true;  // a member of a newer schema
    return member(s, pointers, plan.union_members[which]);
  }

private:
  bool spend() {
    if (budget_ == 0) return false;
    --budget_;
    return true;
  }

  bool member(capnp::AnyStruct::Reader s, capnp::List<capnp::AnyPointer>::Reader pointers, const member_plan& m) {
    switch (m.what) {
      case member_plan::kind::none: return true;
      case member_plan::kind::group: return structure(s, *m.group);
      case member_plan::kind::pointer:
        // A pointer section shorter than the schema's reads as null pointers.
        return m.pointer_index >= pointers.size() || pointer(pointers[m.pointer_index], m.pointer);
    }
    return true;
  }

  // Each case reads the pointer the way the generated reader of that field
  // type does, so it throws where that reader would.
  bool pointer(capnp::AnyPointer::Reader p, const pointer_plan& plan) {
    if (p.isNull()) return true;
    switch (plan.what) {
      case pointer_plan::kind::unchecked: return true;
      case pointer_plan::kind::text: (void)p.getAs<capnp::Text>(); return true;
      case pointer_plan::kind::data: (void)p.getAs<capnp::Data>(); return true;
      case pointer_plan::kind::structure: return spend() && structure(p.getAs<capnp::AnyStruct>(), *plan.target);
      case pointer_plan::kind::struct_list:
        for (const auto element : list(p, plan).as<capnp::List<capnp::AnyStruct>>()) {
          if (!spend() || !structure(element, *plan.target)) return false;
        }
        return true;
      case pointer_plan::kind::pointer_list:
        for (const auto element : list(p, plan).as<capnp::List<capnp::AnyPointer>>()) {
          if (!spend() || !pointer(element, *plan.element)) return false;
        }
        return true;
      case pointer_plan::kind::value_list:
        (void)list(p, plan);  // bounds and element size are all there is to check
        return true;
    }
    return true;
  }

  // Reads a list pointer with the element size the schema implies (the check a
  // generated List<T> reader makes), then hands back an untyped view to iterate.
  static capnp::AnyList::Reader list(capnp::AnyPointer::Reader p, const pointer_plan& plan) {
    return p.getAs<capnp::DynamicList>(plan.list);
  }

  std::uint64_t budget_;
};

} // namespace

bool check_structure(schema::Envelope::Reader root, std::uint64_t budget) {
  return walker(budget).structure(capnp::AnyStruct::Reader(root), plans().root());
}

} // namespace storemesh::events::envelope
