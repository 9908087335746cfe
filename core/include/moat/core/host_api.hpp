// The services the host hands each plugin instance (moat_host_api): log lines
// go to spdlog under a logger named after the plugin id, and cancelled()
// reads a flag the caller owns (a CLI signal handler may set it; it is an
// atomic, so setting it is async-signal-safe).
#pragma once

#include <moat/plugin_abi.h>

#include <atomic>
#include <memory>

namespace spdlog {
class logger;
}

namespace moat::core {

class HostApi {
 public:
  // `logger`: whose sinks and level plugin messages use; null = spdlog's
  // default logger at the time of each message. `cancel`: owned by the
  // caller and must outlive this object; null = never cancelled.
  explicit HostApi(std::shared_ptr<spdlog::logger> logger = nullptr, const std::atomic<bool>* cancel = nullptr);
  ~HostApi();
  // The C table points back at this object.
  HostApi(const HostApi&) = delete;
  HostApi& operator=(const HostApi&) = delete;

  [[nodiscard]] const moat_host_api* get() const noexcept { return &api_; }

 private:
  static void log(void* ctx, int level, const char* plugin_id, const char* message) noexcept;
  static int cancelled(void* ctx) noexcept;

  moat_host_api api_{};
  std::shared_ptr<spdlog::logger> logger_;
  const std::atomic<bool>* cancel_;
};

}  // namespace moat::core
