// The sandbox services behind `moat serve`. A SandboxService is used by one
// thread at a time (it keeps its open plugin instances), so a request leases
// one for its duration: concurrent requests get distinct services, made on
// demand and kept for the next request, so plugin instances are opened once
// per concurrent caller, not once per request. All of them share one probe
// cache whose verdicts expire.
#pragma once

#include <moat/core/probe_cache.hpp>
#include <moat/core/sandbox_service.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace moat::serve {

class ServicePool {
 public:
  using Factory = std::function<std::unique_ptr<core::SandboxService>()>;

  ServicePool(Factory factory, std::shared_ptr<core::ProbeCache> probes);

  class Lease {
   public:
    Lease(ServicePool& pool, std::unique_ptr<core::SandboxService> service)
        : pool_(&pool), service_(std::move(service)) {}
    ~Lease();
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    core::SandboxService& operator*() const { return *service_; }
    core::SandboxService* operator->() const { return service_.get(); }

   private:
    ServicePool* pool_;
    std::unique_ptr<core::SandboxService> service_;
  };

  // An idle service, or a new one from the factory.
  Lease acquire();

  [[nodiscard]] std::size_t idle() const;
  [[nodiscard]] core::ProbeCache& probes() const { return *probes_; }

 private:
  void give_back(std::unique_ptr<core::SandboxService> service);

  Factory factory_;
  std::shared_ptr<core::ProbeCache> probes_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<core::SandboxService>> idle_;
};

}  // namespace moat::serve
