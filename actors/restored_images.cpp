#include "actors/restored_images.hpp"

namespace storemesh::actors {

namespace {
using waiter_list = std::vector<std::pair<std::string, restored_images::give_fn>>;
void answer_none(waiter_list& waiters) {
  for (auto& w : waiters)
    w.second(nullptr);
}
} // namespace

bool restored_images::begin(partition_id p, ownership_epoch tenure) {
  waiter_list orphans;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = sets_.find(p.value);
    if (it != sets_.end() && it->second.tenure == tenure)
      return false;
    if (it != sets_.end())
      orphans = drop(it);
    sets_[p.value].tenure = tenure;
  }
  answer_none(orphans);
  return true;
}

bool restored_images::wanted(partition_id p, ownership_epoch tenure) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sets_.find(p.value);
  return it != sets_.end() && it->second.tenure == tenure && !it->second.ready;
}

void restored_images::finish(partition_id p, ownership_epoch tenure, image_map images) {
  waiter_list waiters;
  std::vector<image_ptr> given;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = sets_.find(p.value);
    if (it == sets_.end() || it->second.tenure != tenure || it->second.ready)
      return;
    auto& s = it->second;
    s.ready = true;
    s.ready_at = std::chrono::steady_clock::now();
    s.images = std::move(images);
    waiters = std::move(s.waiters);
    s.waiters.clear();
    for (const auto& w : waiters) {
      auto img = s.images.find(w.first);
      given.push_back(img == s.images.end() ? nullptr : std::move(img->second));
      if (img != s.images.end()) {
        s.images.erase(img);
        ++handed_out_;
      }
    }
  }
  for (std::size_t i = 0; i < waiters.size(); ++i)
    waiters[i].second(std::move(given[i]));
}

void restored_images::claim(const std::string& key, partition_id p, ownership_epoch tenure, give_fn give) {
  image_ptr image;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = sets_.find(p.value);
    if (it != sets_.end() && it->second.tenure == tenure) {
      auto& s = it->second;
      if (!s.ready) {
        s.waiters.emplace_back(key, std::move(give));
        return;
      }
      if (auto img = s.images.find(key); img != s.images.end()) {
        image = std::move(img->second);
        s.images.erase(img);
        ++handed_out_;
      }
    }
  }
  give(std::move(image));
}

void restored_images::expire(const events::partition_group* group) {
  waiter_list orphans;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    for (auto it = sets_.begin(); it != sets_.end();) {
      const auto& s = it->second;
      const bool ended = group != nullptr && group->epoch(partition_id{it->first}) != std::optional(s.tenure);
      const bool stale = s.ready && now - s.ready_at >= hold_;
      if (!ended && !stale) {
        ++it;
        continue;
      }
      auto waiters = drop(it++);
      orphans.insert(orphans.end(), std::make_move_iterator(waiters.begin()), std::make_move_iterator(waiters.end()));
    }
  }
  answer_none(orphans);
}

void restored_images::clear() {
  waiter_list orphans;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    while (!sets_.empty()) {
      auto waiters = drop(sets_.begin());
      orphans.insert(orphans.end(), std::make_move_iterator(waiters.begin()), std::make_move_iterator(waiters.end()));
    }
  }
  answer_none(orphans);
}

restored_images::counts restored_images::count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  counts c;
  c.handed_out = handed_out_;
  for (const auto& [p, s] : sets_) {
    c.restoring += s.ready ? 0 : 1;
    c.held += s.images.size();
    c.waiting += s.waiters.size();
  }
  return c;
}

std::vector<std::pair<std::string, restored_images::give_fn>> restored_images::drop(
    std::map<std::int32_t, set>::iterator it) {
  auto waiters = std::move(it->second.waiters);
  sets_.erase(it);
  return waiters;
}

} // namespace storemesh::actors
