#include "actors/core/command_admission.hpp"

#include "actors/entity_kinds.hpp"
#include "actors/records.hpp"
#include "events/crypto/command_signing.hpp"
#include "events/crypto/crypto_errc.hpp"

namespace storemesh::actors {

admission admit_command(const rejected_index& rejected, const events::crypto::trusted_keys& trusted,
                        events::crypto::verified_roots* roots, partition_id p, const events::record_view& r) {
  admission v;
  if (rejected.rejected_at(p, r.off.value)) {
    v.redelivered = true;
    return v;
  }
  auto rec = std::make_shared<command_record>();
  rec->bytes.assign(r.value.data(), r.value.size());
  auto env = events::envelope::decoded_envelope::decode(rec->bytes);
  auto refuse = [&](std::string code, std::string reason) {
    v.code = std::move(code);
    v.reason = std::move(reason);
    return v;
  };
  if (!env)
    return refuse("malformed", env.error().message());
  v.kind = env.value().entity_kind();
  v.id = env.value().entity_id();
  v.command_id = env.value().id();
  if (auto known = env.value().check_payload_known(); !known)
    return refuse("unknown_type", known.error().message());
  auto signer = events::crypto::verify_command(env.value().reader(), trusted, roots);
  if (!signer)
    return refuse(events::crypto::code_name(static_cast<events::crypto::crypto_errc>(signer.error().code.value())),
                  signer.error().message());
  if (find_entity_kind(v.kind) == nullptr)
    return refuse("unknown_kind", "no entity kind '" + v.kind + "'");
  if (v.id != r.key)
    return refuse("bad_key", "record key differs from the command's entity id");
  if (auto seen = rejected.find(message_id_key(v.command_id)))
    return refuse("duplicate", "command id already rejected (command offset " + std::to_string(*seen) + ")");
  rec->env.emplace(std::move(env).value());
  v.command = std::move(rec);
  return v;
}

} // namespace storemesh::actors
