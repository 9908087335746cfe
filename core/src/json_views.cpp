#include <moat/core/json_views.hpp>

#include <moat/core/policy.hpp>

namespace moat::core {

nlohmann::json sandbox_json(const SandboxInfo& info) {
  nlohmann::json j = info;
  const auto policy = recorded_policy(info.labels);
  j["policy"] = policy ? to_json(*policy) : nlohmann::json(nullptr);
  return j;
}

nlohmann::json listing_json(const SandboxListing& listing) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : listing.sandboxes) list.push_back(sandbox_json(s));
  nlohmann::json errors = nlohmann::json::array();
  for (const auto& [id, e] : listing.failures)
    errors.push_back({{"runtime", id}, {"code", status_name(e.status())}, {"message", e.what()}});
  return {{"sandboxes", list}, {"errors", errors}};
}

nlohmann::json network_action_json(const std::string& network, const std::string& sandbox, const std::string& action) {
  return {{"network", network}, {"sandbox", sandbox}, {"action", action}};
}

nlohmann::json runtime_json(const RuntimeView& view) {
  const ProbeResult* p = view.probe ? &*view.probe : nullptr;
  return {{"id", view.record.id},
          {"plugin_version", view.record.version},
          {"path", view.record.path.string()},
          {"default", view.is_default},
          {"available", view.available()},
          {"reason", view.reason()},
          {"version", p ? p->version : ""},
          {"engine_runtime", p ? p->engine_runtime : ""},
          {"details", p ? p->details : nlohmann::json::object()},
          {"capabilities", view.caps ? nlohmann::json(*view.caps) : nlohmann::json(nullptr)}};
}

}  // namespace moat::core
