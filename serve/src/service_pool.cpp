#include <moat/serve/service_pool.hpp>

#include <utility>

namespace moat::serve {

ServicePool::ServicePool(Factory factory, std::shared_ptr<core::ProbeCache> probes)
    : factory_(std::move(factory)), probes_(std::move(probes)) {}

ServicePool::Lease::~Lease() {
  if (service_) pool_->give_back(std::move(service_));
}

ServicePool::Lease ServicePool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto service = std::move(idle_.back());
      idle_.pop_back();
      return {*this, std::move(service)};
    }
  }
  auto service = factory_();
  service->share_probe_cache(probes_);
  return {*this, std::move(service)};
}

std::size_t ServicePool::idle() const {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

void ServicePool::give_back(std::unique_ptr<core::SandboxService> service) {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(service));
}

}  // namespace moat::serve
