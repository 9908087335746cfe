#include <moat/matrix/cleanup.hpp>

#include <moat/model.hpp>

#include <set>

namespace moat::matrix {

using json = nlohmann::json;

namespace {

std::string str_at(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

json sweep_run(engine::DockerClient* engine, core::SandboxService* service, const std::string& run_id) {
  json out = {{"containers", json::array()},
              {"volumes", json::array()},
              {"networks", json::array()},
              {"sandboxes", json::array()},
              {"errors", json::array()}};
  const engine::LabelFilter filter = {{kManagedLabel, "true"}, {kRunIdLabel, run_id}};
  std::set<std::string> engine_ids;
  if (engine != nullptr) {
    try {
      for (const auto& c : engine->list_containers(filter, true)) {
        const std::string id = str_at(c, "Id");
        engine_ids.insert(id);
        out["containers"].push_back(id.substr(0, 12));
        try {
          engine->remove_container(id, true, true);
        } catch (const std::exception& e) {
          out["errors"].push_back("container " + id.substr(0, 12) + ": " + e.what());
        }
      }
      for (const auto& v : engine->list_volumes(filter)) {
        const std::string name = str_at(v, "Name");
        out["volumes"].push_back(name);
        try {
          engine->remove_volume(name, true);
        } catch (const std::exception& e) {
          out["errors"].push_back("volume " + name + ": " + e.what());
        }
      }
      for (const auto& n : engine->list_networks(filter)) {
        const std::string name = str_at(n, "Name");
        out["networks"].push_back(name);
        try {
          engine->remove_network(str_at(n, "Id"));
        } catch (const std::exception& e) {
          out["errors"].push_back("network " + name + ": " + e.what());
        }
      }
    } catch (const std::exception& e) {
      out["errors"].push_back(std::string("listing the engine's objects failed: ") + e.what());
    }
  }
  if (service != nullptr) {
    const core::SandboxListing listing = service->list();
    for (const auto& info : listing.sandboxes) {
      if (engine_ids.contains(info.id)) continue;
      auto label = info.labels.find(kRunIdLabel);
      if (label == info.labels.end() || label->second != run_id) continue;
      out["sandboxes"].push_back(info.runtime + "/" + info.name);
      try {
        service->runtime(info.runtime).remove(info.name);
      } catch (const std::exception& e) {
        out["errors"].push_back("sandbox " + info.name + ": " + e.what());
      }
    }
  }
  return out;
}

}  // namespace moat::matrix
