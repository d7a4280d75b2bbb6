#include "actors/partition_takeover.hpp"

#include "actors/entity_kinds.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace storemesh::actors {

result<restore_tally> restore_all_kinds(const runtime_context& ctx, partition_id p, restored_images::image_map& into,
                                        const std::function<bool()>& go_on) {
  restore_tally total;
  for (const auto& kind : entity_kinds()) {
    if (go_on && !go_on())
      break;
    SM_TRY(auto t, kind.restore(ctx, p, into));
    total += t;
  }
  return total;
}

void start_takeover(const runtime_context& ctx, partition_id p, ownership_epoch tenure, takeover_hooks hooks) {
  if (!ctx.restored->begin(p, tenure))
    return;
  ctx.pool->post([&ctx, p, tenure, hooks = std::move(hooks)] {
    if (hooks.gate)
      hooks.gate(p, *ctx.restored);
    auto go_on = [&] { return ctx.restored->wanted(p, tenure); };
    if (!go_on())
      return;
    if (ctx.writer != nullptr)
      ctx.writer->barrier();
    const auto t0 = std::chrono::steady_clock::now();
    restored_images::image_map images;
    auto tally = restore_all_kinds(ctx, p, images, go_on);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    if (!tally) {
      // Nobody gets a restored image: every entity recovers on its own, and
      // meets the same fault there (refusing its commands as unavailable).
      spdlog::error("takeover of partition {}: restore failed after {} ms, entities recover one by one: {}", p.value,
                    ms, tally.error().message());
      images.clear();
    } else {
      spdlog::info("takeover of partition {} (tenure {}): {} entities restored from {} records ({} snapshots) in {} "
                   "ms; {} left to recover on their own",
                   p.value, tenure.value, tally.value().images, tally.value().records_read,
                   tally.value().snapshots_read, ms, tally.value().set_aside);
    }
    ctx.restored->finish(p, tenure, std::move(images));
    if (hooks.done)
      hooks.done();
  });
}

} // namespace storemesh::actors
