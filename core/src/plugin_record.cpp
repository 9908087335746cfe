#include <moat/core/plugin_record.hpp>

#include <array>
#include <utility>

namespace moat::core {

namespace {

constexpr std::array<std::pair<PluginStatus, std::string_view>, 11> kStatusNames{{
    {PluginStatus::ok, "ok"},
    {PluginStatus::unsafe_permissions, "unsafe_permissions"},
    {PluginStatus::dlopen_failed, "dlopen_failed"},
    {PluginStatus::missing_entry, "missing_entry"},
    {PluginStatus::abi_mismatch, "abi_mismatch"},
    {PluginStatus::invalid_descriptor, "invalid_descriptor"},
    {PluginStatus::duplicate_id, "duplicate_id"},
    {PluginStatus::crashed, "crashed"},
    {PluginStatus::timeout, "timeout"},
    {PluginStatus::create_failed, "create_failed"},
    {PluginStatus::describe_failed, "describe_failed"},
}};

}  // namespace

std::string_view to_string(PluginStatus s) {
  for (const auto& [status, name] : kStatusNames) {
    if (status == s) return name;
  }
  return "unknown";
}

std::optional<PluginStatus> status_from_string(std::string_view s) {
  for (const auto& [status, name] : kStatusNames) {
    if (name == s) return status;
  }
  return std::nullopt;
}

void to_json(nlohmann::json& j, const PluginRecord& r) {
  j = {{"path", r.path.string()},
       {"status", to_string(r.status)},
       {"ok", r.ok()},
       {"reason", r.reason},
       {"id", r.id},
       {"version", r.version},
       {"description", r.description},
       {"build_info", r.build_info},
       {"abi_major", r.abi_major},
       {"abi_minor", r.abi_minor},
       {"operations", r.operations},
       {"cached", r.cached}};
}

void from_json(const nlohmann::json& j, PluginRecord& r) {
  const auto status_name = j.at("status").get<std::string>();
  const auto status = status_from_string(status_name);
  if (!status) {
    throw nlohmann::json::other_error::create(501, "unknown plugin status '" + status_name + "'", &j);
  }
  r.status = *status;
  r.path = j.value("path", std::string());
  r.reason = j.value("reason", std::string());
  r.id = j.value("id", std::string());
  r.version = j.value("version", std::string());
  r.description = j.value("description", std::string());
  r.build_info = j.value("build_info", std::string());
  r.abi_major = j.value("abi_major", 0u);
  r.abi_minor = j.value("abi_minor", 0u);
  r.operations = j.value("operations", std::vector<std::string>());
  r.cached = j.value("cached", false);
}

}  // namespace moat::core
