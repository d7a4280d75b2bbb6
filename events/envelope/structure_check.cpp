#include "events/envelope/structure_check.hpp"

#include <capnp/any.h>
#include <capnp/dynamic.h>
#include <capnp/schema.h>

#include <cstdint>
#include <deque>
#include <string_view>
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
  walker(std::uint64_t message_words, root_blobs* blobs, message_segment segment)
      : budget_(message_words), words_left_(message_words), blobs_(blobs), segment_(segment) {}

  /// The root: its own words, then its fields.
  bool root(capnp::AnyStruct::Reader s, const struct_plan& plan) {
    return add(struct_words(s)) && structure(s, plan);
  }

  [[nodiscard]] structure_verdict verdict() const { return verdict_; }

private:
  static std::uint64_t struct_words(capnp::AnyStruct::Reader s) {
    return (s.getDataSection().size() + 7) / 8 + s.getPointerSection().size();
  }

  // The fields of `s` (whose own words the caller counted), then every
  // pointer no field plan read, sized as totalSize() would.
  bool structure(capnp::AnyStruct::Reader s, const struct_plan& plan) {
    const pointer_section pointers(s);
    const depth_guard nested(depth_);
    std::uint64_t read = 0;  // pointer slots the plan read (slot i < 64: bit i)
    if (!fields(s, pointers, plan, read)) return false;
    const std::uint32_t n = pointers.list.size();
    for (std::uint32_t i = 0; i < n; ++i) {
      if (i < 64 && (read >> i & 1) != 0) continue;
      if (!pointers.is_null(i) && !add(pointers.list[i].targetSize())) return false;
    }
    return true;
  }

  /// A struct's pointers, and their raw words when the section's address is
  /// known: testing a pointer for null is then a load, not a library call.
  struct pointer_section {
    capnp::List<capnp::AnyPointer>::Reader list;
    const std::uint64_t* raw = nullptr;

    explicit pointer_section(capnp::AnyStruct::Reader s) : list(s.getPointerSection()) {
      // Cap'n Proto lays a struct out as its data words, then its pointers
      // (a struct whose data is not whole words, a list element of 1-32
      // bits, has no pointers and keeps the library call).
      const auto data = s.getDataSection();
      if (data.size() % 8 == 0) raw = reinterpret_cast<const std::uint64_t*>(data.begin() + data.size());
    }
    [[nodiscard]] bool is_null(std::uint32_t i) const { return raw != nullptr ? raw[i] == 0 : list[i].isNull(); }
  };

  bool fields(capnp::AnyStruct::Reader s, const pointer_section& pointers,
              const struct_plan& plan, std::uint64_t& read) {
    for (const member_plan& m : plan.fields) {
      if (!member(s, pointers, m, read)) return false;
    }
    if (plan.union_members.empty()) return true;
    // A data section shorter than the schema's reads as zeros (an older writer).
    const auto data = s.getDataSection();
    std::uint16_t which = 0;
    const std::size_t at = std::size_t{plan.discriminant_offset} * 2;
    if (at + 2 <= data.size()) which = static_cast<std::uint16_t>(data[at] | data[at + 1] << 8);
    if (which >= plan.union_members.size()) return true;  // a member of a newer schema
    return member(s, pointers, plan.union_members[which], read);
  }

  bool spend() {
    if (budget_ == 0) {
      verdict_ = structure_verdict::too_many_elements;
      return false;
    }
    --budget_;
    return true;
  }

  bool add(std::uint64_t words) {
    if (counting_off_ != 0) return true;
    if (words > words_left_) {
      verdict_ = structure_verdict::overlap;
      return false;
    }
    words_left_ -= words;
    return true;
  }

  bool add(capnp::MessageSize size) {
    if (size.capCount != 0) {
      verdict_ = structure_verdict::capabilities;
      return false;
    }
    return add(size.wordCount);
  }


  bool member(capnp::AnyStruct::Reader s, const pointer_section& pointers, const member_plan& m,
              std::uint64_t& read) {
    switch (m.what) {
      case member_plan::kind::none: return true;
      case member_plan::kind::group: return fields(s, pointers, *m.group, read);
      case member_plan::kind::pointer:
        // A pointer section shorter than the schema's reads as null pointers.
        if (m.pointer_index >= pointers.list.size()) return true;
        if (m.pointer_index < 64) read |= std::uint64_t{1} << m.pointer_index;
        if (pointers.is_null(m.pointer_index)) return true;
        if (std::string_view blob; pointers.raw != nullptr && read_blob(pointers.raw + m.pointer_index, m.pointer, blob)) {
          if (depth_ == 1 && blobs_ != nullptr && m.pointer_index < root_blobs::slots) blobs_->by_slot[m.pointer_index] = blob;
          const bool text = m.pointer.what == pointer_plan::kind::text;
          return add((blob.size() + (text ? 1 : 0) + 7) / 8);
        }
        if (depth_ == 1 && blobs_ != nullptr && m.pointer_index < root_blobs::slots) {
          return root_blob(pointers.list[m.pointer_index], m.pointer, blobs_->by_slot[m.pointer_index]);
        }
        return pointer(pointers.list[m.pointer_index], m.pointer);
    }
    return true;
  }

  /// Text and Data read in place, without a call into Cap'n Proto per field
  /// (~8 ns each, ten or so per event): the common case only, a near list
  /// pointer of bytes inside the one segment, NUL-terminated for text, which
  /// is exactly when the generated reader returns it. Anything else (far
  /// pointers, wrong kinds, out of bounds, no NUL) returns false, and the
  /// caller reads it through Cap'n Proto, which throws or follows it as
  /// before. Unlike Cap'n Proto's read, this one is not counted against the
  /// message's traversal limit: the walk is bounded by the message's words
  /// (add()) already.
  bool read_blob(const std::uint64_t* ref, const pointer_plan& plan, std::string_view& out) const {
    const bool text = plan.what == pointer_plan::kind::text;
    if (segment_.begin == nullptr || (!text && plan.what != pointer_plan::kind::data)) return false;
    const std::uint64_t word = *ref;  // little-endian, as Cap'n Proto's wire format and x86
    constexpr std::uint64_t list_kind = 1;
    constexpr std::uint32_t byte_elements = 2;
    if ((word & 3) != list_kind || (word >> 32 & 7) != byte_elements) return false;
    const std::int64_t offset = static_cast<std::int32_t>(static_cast<std::uint32_t>(word)) >> 2;
    const std::uint64_t count = word >> 35;
    // The pointer's own word (integer arithmetic: `ref` need not be in the segment).
    const std::int64_t at = static_cast<std::int64_t>(reinterpret_cast<std::uintptr_t>(ref) -
                                                      reinterpret_cast<std::uintptr_t>(segment_.begin)) / 8;
    if (at < 0 || at >= static_cast<std::int64_t>(segment_.words)) return false;
    const std::int64_t start = at + 1 + offset;  // in words, from the segment's start
    const auto words = static_cast<std::int64_t>((count + 7) / 8);
    if (start < 0 || start + words > static_cast<std::int64_t>(segment_.words)) return false;
    const char* bytes = reinterpret_cast<const char*>(segment_.begin + start);
    if (text) {
      if (count == 0 || bytes[count - 1] != '\0') return false;
      out = std::string_view(bytes, count - 1);
    } else {
      out = std::string_view(bytes, count);
    }
    return true;
  }

  // The words of a list's own body (not what its pointers point at).
  static std::uint64_t list_words(capnp::AnyList::Reader l) {
    const std::uint64_t n = l.size();
    switch (l.getElementSize()) {
      case capnp::ElementSize::VOID: return 0;
      case capnp::ElementSize::BIT: return (n + 63) / 64;
      case capnp::ElementSize::BYTE: return (n * 8 + 63) / 64;
      case capnp::ElementSize::TWO_BYTES: return (n * 16 + 63) / 64;
      case capnp::ElementSize::FOUR_BYTES: return (n * 32 + 63) / 64;
      case capnp::ElementSize::EIGHT_BYTES:
      case capnp::ElementSize::POINTER: return n;
      case capnp::ElementSize::INLINE_COMPOSITE: break;
    }
    const auto elements = l.as<capnp::List<capnp::AnyStruct>>();
    if (elements.size() == 0) return 1;  // the tag word
    return 1 + n * struct_words(elements[0]);
  }

  struct depth_guard {
    int& depth;
    explicit depth_guard(int& d) : depth(++d) {}
    ~depth_guard() { --depth; }
  };

  // A field of the root: text and data are kept for decode().
  bool root_blob(capnp::AnyPointer::Reader p, const pointer_plan& plan, std::string_view& out) {
    if (plan.what == pointer_plan::kind::text) {
      const auto t = p.getAs<capnp::Text>();
      out = {t.begin(), t.size()};
      return add((t.size() + 1 + 7) / 8);
    }
    if (plan.what == pointer_plan::kind::data) {
      const auto d = p.getAs<capnp::Data>();
      out = {reinterpret_cast<const char*>(d.begin()), d.size()};
      return add((d.size() + 7) / 8);
    }
    return pointer(p, plan);
  }

  // Each case reads the (non-null) pointer the way the generated reader of
  // that field type does, so it throws where that reader would.
  bool pointer(capnp::AnyPointer::Reader p, const pointer_plan& plan) {
    switch (plan.what) {
      case pointer_plan::kind::unchecked: return add(p.targetSize());  // only its size matters
      case pointer_plan::kind::text: return add((p.getAs<capnp::Text>().size() + 1 + 7) / 8);
      case pointer_plan::kind::data: return add((p.getAs<capnp::Data>().size() + 7) / 8);
      case pointer_plan::kind::structure: {
        if (!spend()) return false;
        const auto s = p.getAs<capnp::AnyStruct>();
        return add(struct_words(s)) && structure(s, *plan.target);
      }
      case pointer_plan::kind::struct_list: {
        const auto l = list(p, plan);
        if (!add(list_words(l))) return false;
        // Elements' own words are the list's; their pointers are counted below.
        for (const auto element : l.as<capnp::List<capnp::AnyStruct>>()) {
          if (!spend() || !structure(element, *plan.target)) return false;
        }
        return true;
      }
      case pointer_plan::kind::pointer_list: {
        const auto l = list(p, plan);
        // A list of pointers in struct-list form (allowed for upgrades) may
        // carry more than the pointers read: size it as totalSize() does.
        const bool composite = l.getElementSize() == capnp::ElementSize::INLINE_COMPOSITE;
        if (!(composite ? add(l.totalSize()) : add(list_words(l)))) return false;
        if (composite) ++counting_off_;
        bool ok = true;
        for (const auto element : l.as<capnp::List<capnp::AnyPointer>>()) {
          if (!spend() || (!element.isNull() && !pointer(element, *plan.element))) {
            ok = false;
            break;
          }
        }
        if (composite) --counting_off_;
        return ok;
      }
      case pointer_plan::kind::value_list:
        // Bounds and element size are all there is to check; a struct-list
        // form may carry pointers, which totalSize() sizes.
        return add(list(p, plan).totalSize());
    }
    return true;
  }

  // Reads a list pointer with the element size the schema implies (the check a
  // generated List<T> reader makes), then hands back an untyped view to iterate.
  static capnp::AnyList::Reader list(capnp::AnyPointer::Reader p, const pointer_plan& plan) {
    return p.getAs<capnp::DynamicList>(plan.list);
  }

  std::uint64_t budget_;
  std::uint64_t words_left_;
  int counting_off_ = 0;
  int depth_ = 0;  // structs entered: 1 = the root
  root_blobs* blobs_;  // > 0: inside a pointer list totalSize() already sized
  message_segment segment_;
  structure_verdict verdict_ = structure_verdict::ok;
};

} // namespace

structure_verdict check_structure(schema::Envelope::Reader root, std::uint64_t message_words, root_blobs* blobs,
                                  message_segment segment) {
  walker w(message_words, blobs, segment);
  (void)w.root(capnp::AnyStruct::Reader(root), plans().root());
  return w.verdict();
}

} // namespace storemesh::events::envelope
