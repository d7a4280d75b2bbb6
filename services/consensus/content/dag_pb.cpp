#include "services/consensus/content/dag_pb.hpp"

#include "services/consensus/content/content_errc.hpp"
#include "services/consensus/content/varint.hpp"

namespace storemesh::services::consensus {
namespace {

constexpr std::uint64_t wire_varint = 0;
constexpr std::uint64_t wire_bytes = 2;

void append_key(std::string& out, std::uint64_t field, std::uint64_t wire) { append_varint(out, field << 3 | wire); }

void append_bytes_field(std::string& out, std::uint64_t field, std::string_view bytes) {
  append_key(out, field, wire_bytes);
  append_varint(out, bytes.size());
  out.append(bytes);
}

// A protobuf field as read: its number, wire type and value (a varint or a
// length-delimited slice of the input).
struct field {
  std::uint64_t number;
  std::uint64_t wire;
  std::uint64_t number_value = 0;
  std::string_view bytes;
};

// Reads fields one by one; any malformation is reported with `errc`.
class reader {
public:
  reader(std::string_view in, content_errc errc) : in_(in), errc_(errc) {}
  [[nodiscard]] bool done() const { return in_.empty(); }

  [[nodiscard]] result<field> next() {
    SM_TRY(const auto key, varint());
    field f{key >> 3, key & 7};
    if (f.number == 0) return fail("field number 0");
    if (f.wire == wire_varint) {
      SM_TRY(f.number_value, varint());
    } else if (f.wire == wire_bytes) {
      SM_TRY(const auto length, varint());
      if (length > in_.size()) return fail("field " + std::to_string(f.number) + " runs past the end");
      f.bytes = in_.substr(0, length);
      in_.remove_prefix(length);
    } else {
      return fail("field " + std::to_string(f.number) + " has wire type " + std::to_string(f.wire));
    }
    return f;
  }

  [[nodiscard]] error fail(std::string detail) const { return make_error(errc_, std::move(detail)); }

private:
  result<std::uint64_t> varint() {
    auto v = read_varint(in_);
    if (!v) return fail(v.error().detail);
    in_.remove_prefix(v.value().size);
    return v.value().value;
  }

  std::string_view in_;
  content_errc errc_;
};

result<pb_link> decode_link(std::string_view bytes) {
  reader r(bytes, content_errc::bad_dag_pb);
  pb_link link;
  bool hash = false, name = false, tsize = false;
  while (!r.done()) {
    SM_TRY(const auto f, r.next());
    const bool want_bytes = f.number == 1 || f.number == 2;
    if (f.number > 3 || (f.wire == wire_bytes) != want_bytes)
      return r.fail("PBLink field " + std::to_string(f.number) + " with wire type " + std::to_string(f.wire));
    bool& seen = f.number == 1 ? hash : f.number == 2 ? name : tsize;
    if (seen) return r.fail("PBLink field " + std::to_string(f.number) + " twice");
    seen = true;
    if (f.number == 1) {
      auto c = cid_from_bytes(f.bytes);
      if (!c) return r.fail("PBLink Hash: " + c.error().message());
      link.hash = c.value();
    } else if (f.number == 2) {
      link.name = std::string(f.bytes);
    } else {
      link.tsize = f.number_value;
    }
  }
  if (!hash) return r.fail("PBLink without Hash");
  return link;
}

} // namespace

std::string encode_pb_node(const pb_node& node) {
  std::string out;
  std::string link;
  for (const auto& l : node.links) {
    link.clear();
    append_bytes_field(link, 1, l.hash.to_bytes());
    append_bytes_field(link, 2, l.name);
    append_key(link, 3, wire_varint);
    append_varint(link, l.tsize);
    append_bytes_field(out, 2, link);
  }
  if (node.data) append_bytes_field(out, 1, *node.data);
  return out;
}

result<pb_node> decode_pb_node(std::string_view bytes) {
  reader r(bytes, content_errc::bad_dag_pb);
  pb_node node;
  while (!r.done()) {
    SM_TRY(const auto f, r.next());
    if (f.wire != wire_bytes || (f.number != 1 && f.number != 2))
      return r.fail("PBNode field " + std::to_string(f.number) + " with wire type " + std::to_string(f.wire));
    if (f.number == 1) {
      if (node.data) return r.fail("PBNode Data twice");
      node.data = std::string(f.bytes);
    } else {
      SM_TRY(auto link, decode_link(f.bytes));
      node.links.push_back(std::move(link));
    }
  }
  return node;
}

std::string encode_unixfs_file(std::uint64_t filesize, const std::vector<std::uint64_t>& blocksizes) {
  std::string out;
  append_key(out, 1, wire_varint);
  append_varint(out, static_cast<std::uint64_t>(unixfs_type::file));
  append_key(out, 3, wire_varint);
  append_varint(out, filesize);
  for (const auto b : blocksizes) {
    append_key(out, 4, wire_varint);
    append_varint(out, b);
  }
  return out;
}

result<unixfs_data> decode_unixfs(std::string_view bytes) {
  reader r(bytes, content_errc::bad_unixfs);
  unixfs_data d;
  bool type = false;
  while (!r.done()) {
    SM_TRY(const auto f, r.next());
    switch (f.number) {
      case 1:
        if (f.wire != wire_varint || type) return r.fail("Type malformed or twice");
        if (f.number_value > static_cast<std::uint64_t>(unixfs_type::hamt_shard))
          return r.fail("unknown Type " + std::to_string(f.number_value));
        d.type = static_cast<unixfs_type>(f.number_value);
        type = true;
        break;
      case 2:
        if (f.wire != wire_bytes || d.data) return r.fail("Data malformed or twice");
        d.data = std::string(f.bytes);
        break;
      case 3:
        if (f.wire != wire_varint || d.filesize) return r.fail("filesize malformed or twice");
        d.filesize = f.number_value;
        break;
      case 4:
        if (f.wire == wire_varint) {
          d.blocksizes.push_back(f.number_value);
        } else {  // packed: a run of varints
          std::string_view packed = f.bytes;
          while (!packed.empty()) {
            auto v = read_varint(packed);
            if (!v) return r.fail("packed blocksizes: " + v.error().detail);
            d.blocksizes.push_back(v.value().value);
            packed.remove_prefix(v.value().size);
          }
        }
        break;
      case 5: case 6: case 7:  // hashType, fanout, mode: not needed to read a file
        if (f.wire != wire_varint) return r.fail("field " + std::to_string(f.number) + " not a varint");
        break;
      case 8:  // mtime
        if (f.wire != wire_bytes) return r.fail("mtime not a message");
        break;
      default:
        return r.fail("unknown field " + std::to_string(f.number));
    }
  }
  if (!type) return r.fail("no Type");
  return d;
}

} // namespace storemesh::services::consensus
