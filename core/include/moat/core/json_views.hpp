// The JSON shapes that both `-o json` and `moat serve` print, so a script
// written against one reads the other.
#pragma once

#include <moat/core/plugin_record.hpp>
#include <moat/core/sandbox_service.hpp>
#include <moat/model.hpp>

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace moat::core {

// {"name", "id", "runtime", ...}: the model's wire format, and "policy": what
// the host's policy allowed it (recorded_policy; null when its labels record
// none).
nlohmann::json sandbox_json(const SandboxInfo& info);

// {"sandboxes": [...], "errors": [{"runtime", "code", "message"}]}: every
// sandbox listed, and each runtime that could not list, with why.
nlohmann::json listing_json(const SandboxListing& listing);

// A sandbox joining or leaving a network: {"network", "sandbox", "action"},
// action "connected" or "disconnected".
nlohmann::json network_action_json(const std::string& network, const std::string& sandbox, const std::string& action);

// One runtime as `moat runtimes -o json` lists it: the plugin, its probe
// verdict and its declared capabilities. `error` says why the probe could
// not run at all (it is then the reason).
struct RuntimeView {
  const PluginRecord& record;
  bool is_default = false;
  std::optional<ProbeResult> probe;
  std::optional<Capabilities> caps;
  std::string error;

  [[nodiscard]] bool available() const { return probe && probe->available; }
  [[nodiscard]] std::string reason() const { return error.empty() && probe ? probe->reason : error; }
};
nlohmann::json runtime_json(const RuntimeView& view);

}  // namespace moat::core
