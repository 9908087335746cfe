// What the host knows about one plugin file: identity from its descriptor,
// and the verdict of examining it (ok, or why it was refused/quarantined).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::core {

// Why a plugin is not usable. Stable strings (shown in `plugins list -o json`).
enum class PluginStatus {
  ok,
  unsafe_permissions,  // file/folder writable by others, or wrong owner
  dlopen_failed,       // not a shared object, undefined symbol, ...
  missing_entry,       // no moat_plugin_entry_v1
  abi_mismatch,        // major differs, or minor newer than the host's
  invalid_descriptor,  // struct too short, bad id, required function missing
  duplicate_id,        // another plugin already has this id
  crashed,             // the examining child died of a signal (segfault, abort)
  timeout,             // the examining child hung
  create_failed,       // create() returned NULL or threw
  describe_failed,     // describe() failed, threw, or returned a document moat cannot read
};

std::string_view to_string(PluginStatus s);
std::optional<PluginStatus> status_from_string(std::string_view s);

struct PluginRecord {
  std::filesystem::path path;
  PluginStatus status = PluginStatus::ok;
  std::string reason;  // one line; empty when ok
  std::string id;
  std::string version;
  std::string description;
  std::string build_info;
  uint32_t abi_major = 0;
  uint32_t abi_minor = 0;
  std::vector<std::string> operations;  // optional ops the plugin implements
  bool cached = false;                  // verdict came from the examination cache

  [[nodiscard]] bool ok() const { return status == PluginStatus::ok; }
};

// The stable JSON shape of a record (`plugins list -o json`, the verdict
// cache, and the examining child's verdict line).
void to_json(nlohmann::json& j, const PluginRecord& r);
// Throws nlohmann::json::exception on a malformed document.
void from_json(const nlohmann::json& j, PluginRecord& r);

}  // namespace moat::core
