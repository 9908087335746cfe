// Probe verdicts shared by the services of one long-lived process (`moat
// serve`), each kept for a fixed time. A probe can start a whole smoke
// container; a server that re-ran it for every create would pay two boots per
// sandbox, and one that never re-ran it would not see a runtime go away.
// Keyed by runtime id: one process has one registry and one configuration.
// Thread-safe.
#pragma once

#include <moat/model.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace moat::core {

class ProbeCache {
 public:
  using Clock = std::chrono::steady_clock;

  // A verdict is reused for `ttl` after it was taken; zero reuses none.
  explicit ProbeCache(std::chrono::milliseconds ttl, std::function<Clock::time_point()> now = Clock::now);

  // The verdict taken less than ttl ago, else what `probe` gives now (then
  // kept). Two threads that miss together may both probe; the later verdict
  // is kept - a probe is idempotent and a lock held across it would make
  // every other runtime's callers wait.
  ProbeResult get(const std::string& runtime_id, const std::function<ProbeResult()>& probe);
  // Forgets every verdict (a runtime was added or changed).
  void clear();

  [[nodiscard]] std::chrono::milliseconds ttl() const { return ttl_; }

 private:
  struct Entry {
    ProbeResult result;
    Clock::time_point taken;
  };
  std::chrono::milliseconds ttl_;
  std::function<Clock::time_point()> now_;
  std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace moat::core
