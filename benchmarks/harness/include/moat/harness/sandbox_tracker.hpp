// Every sandbox a run creates, by name, from just before create() until its
// remove() succeeded, so the run can remove what is left on failure and on
// Ctrl-C. Thread-safe.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace moat::core {
class SandboxService;
}

namespace moat::harness {

class SandboxTracker {
 public:
  void add(const std::string& name);
  void forget(const std::string& name);
  [[nodiscard]] std::vector<std::string> names() const;
  [[nodiscard]] std::size_t size() const;

  // Removes `name` through `service` and forgets it; "not found" counts as
  // removed. Throws the removal's error otherwise (the name stays tracked).
  void remove(core::SandboxService& service, const std::string& name);
  // Removes every tracked sandbox; returns one line per one that could not be removed.
  std::vector<std::string> remove_all(core::SandboxService& service);

 private:
  mutable std::mutex mutex_;
  std::set<std::string> names_;
};

}  // namespace moat::harness
