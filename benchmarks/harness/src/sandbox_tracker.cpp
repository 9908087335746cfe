#include <moat/harness/sandbox_tracker.hpp>

#include <moat/core/sandbox_service.hpp>

namespace moat::harness {

void SandboxTracker::add(const std::string& name) {
  std::lock_guard lock(mutex_);
  names_.insert(name);
}

void SandboxTracker::forget(const std::string& name) {
  std::lock_guard lock(mutex_);
  names_.erase(name);
}

std::vector<std::string> SandboxTracker::names() const {
  std::lock_guard lock(mutex_);
  return {names_.begin(), names_.end()};
}

std::size_t SandboxTracker::size() const {
  std::lock_guard lock(mutex_);
  return names_.size();
}

void SandboxTracker::remove(core::SandboxService& service, const std::string& name) {
  try {
    service.remove(name);
  } catch (const moat::Error& e) {
    if (e.status() != MOAT_E_NOT_FOUND) throw;
  }
  forget(name);
}

std::vector<std::string> SandboxTracker::remove_all(core::SandboxService& service) {
  std::vector<std::string> errors;
  for (const auto& name : names()) {
    try {
      remove(service, name);
    } catch (const std::exception& e) {
      errors.push_back("sandbox " + name + ": " + e.what());
    }
  }
  return errors;
}

}  // namespace moat::harness
