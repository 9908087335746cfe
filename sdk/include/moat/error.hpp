// moat::Error: the one typed exception used on both sides of the plugin
// boundary. A plugin throws it; the SDK trampoline turns it into a
// moat_status plus message; the host turns that back into the same Error.
#pragma once

#include <moat/plugin_abi.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace moat {

class Error : public std::runtime_error {
 public:
  Error(moat_status status, const std::string& message) : std::runtime_error(message), status_(status) {}

  [[nodiscard]] moat_status status() const noexcept { return status_; }

 private:
  moat_status status_;
};

// Short stable names, used in JSON output ("error": {"code": "unavailable"}).
constexpr std::string_view status_name(moat_status s) noexcept {
  switch (s) {
    case MOAT_OK:
      return "ok";
    case MOAT_E_UNSUPPORTED:
      return "unsupported";
    case MOAT_E_INVALID:
      return "invalid";
    case MOAT_E_UNAVAILABLE:
      return "unavailable";
    case MOAT_E_NOT_FOUND:
      return "not-found";
    case MOAT_E_CONFLICT:
      return "conflict";
    case MOAT_E_FAILED:
      return "failed";
    case MOAT_E_TIMEOUT:
      return "timeout";
    case MOAT_E_INTERNAL:
      return "internal";
  }
  return "unknown";
}

}  // namespace moat
