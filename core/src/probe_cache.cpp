#include <moat/core/probe_cache.hpp>

#include <utility>

namespace moat::core {

ProbeCache::ProbeCache(std::chrono::milliseconds ttl, std::function<Clock::time_point()> now)
    : ttl_(ttl), now_(std::move(now)) {}

ProbeResult ProbeCache::get(const std::string& runtime_id, const std::function<ProbeResult()>& probe) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(runtime_id); it != entries_.end() && now_() - it->second.taken < ttl_)
      return it->second.result;
  }
  ProbeResult result = probe();
  std::lock_guard lock(mutex_);
  entries_[runtime_id] = Entry{result, now_()};
  return result;
}

void ProbeCache::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

}  // namespace moat::core
