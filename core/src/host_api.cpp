#include <moat/core/host_api.hpp>

#include <algorithm>
#include <cstring>
#include <string_view>

#include <spdlog/spdlog.h>

namespace moat::core {

namespace {

spdlog::level::level_enum to_spdlog(int level) {
  // moat_log_level has spdlog's order, trace..error.
  switch (std::clamp(level, static_cast<int>(MOAT_LOG_TRACE), static_cast<int>(MOAT_LOG_ERROR))) {
    case MOAT_LOG_TRACE:
      return spdlog::level::trace;
    case MOAT_LOG_DEBUG:
      return spdlog::level::debug;
    case MOAT_LOG_INFO:
      return spdlog::level::info;
    case MOAT_LOG_WARN:
      return spdlog::level::warn;
    default:
      return spdlog::level::err;
  }
}

}  // namespace

HostApi::HostApi(std::shared_ptr<spdlog::logger> logger, const std::atomic<bool>* cancel)
    : logger_(std::move(logger)), cancel_(cancel) {
  api_.struct_size = sizeof(moat_host_api);
  api_.abi_major = MOAT_ABI_MAJOR;
  api_.abi_minor = MOAT_ABI_MINOR;
  api_.ctx = this;
  api_.log = &HostApi::log;
  api_.cancelled = &HostApi::cancelled;
}

HostApi::~HostApi() = default;

void HostApi::log(void* ctx, int level, const char* plugin_id, const char* message) noexcept {
  try {
    const auto* self = static_cast<const HostApi*>(ctx);
    const auto base = self->logger_ ? self->logger_ : spdlog::default_logger();
    const auto lvl = to_spdlog(level);
    if (!base || !base->should_log(lvl)) return;
    // A logger of the plugin's name over the same sinks keeps the host's
    // format and destination; it is not registered anywhere.
    const char* name = plugin_id != nullptr && *plugin_id != '\0' ? plugin_id : "plugin";
    spdlog::logger plugin_logger(std::string(name, strnlen(name, 64)), base->sinks().begin(), base->sinks().end());
    plugin_logger.set_level(base->level());
    plugin_logger.log(lvl, std::string_view(message != nullptr ? message : ""));
  } catch (...) {
    // A log line is not worth an exception through the plugin's C frames.
  }
}

int HostApi::cancelled(void* ctx) noexcept {
  const auto* self = static_cast<const HostApi*>(ctx);
  return self->cancel_ != nullptr && self->cancel_->load(std::memory_order_relaxed) ? 1 : 0;
}

}  // namespace moat::core
