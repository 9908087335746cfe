#include <moat/harness/cleanup.hpp>

#include <moat/model.hpp>

namespace moat::harness {
using json = nlohmann::json;
namespace {

std::string label(const SandboxInfo& info, const char* key) {
  auto it = info.labels.find(key);
  return it == info.labels.end() ? std::string() : it->second;
}

std::string str_at(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::vector<std::string> remove_run(core::SandboxService& service, engine::DockerClient* engine,
                                    const std::string& run_id) {
  std::vector<std::string> errors;
  const core::SandboxListing listing = service.list();
  for (const auto& info : listing.sandboxes) {
    if (label(info, kRunIdLabel) != run_id) continue;
    try {
      service.runtime(info.runtime).remove(info.name);
    } catch (const moat::Error& e) {
      if (e.status() != MOAT_E_NOT_FOUND) errors.push_back("sandbox " + info.name + ": " + e.what());
    }
  }
  if (engine == nullptr) return errors;
  const engine::LabelFilter filter = {{kManagedLabel, "true"}, {kRunIdLabel, run_id}};
  try {
    for (const auto& c : engine->list_containers(filter, true)) {
      try {
        engine->remove_container(str_at(c, "Id"), true, true);
      } catch (const moat::Error& e) {
        if (e.status() != MOAT_E_NOT_FOUND)
          errors.push_back("container " + str_at(c, "Id").substr(0, 12) + ": " + e.what());
      }
    }
    for (const auto& v : engine->list_volumes(filter)) {
      try {
        engine->remove_volume(str_at(v, "Name"), true);
      } catch (const moat::Error& e) {
        if (e.status() != MOAT_E_NOT_FOUND) errors.push_back("volume " + str_at(v, "Name") + ": " + e.what());
      }
    }
  } catch (const moat::Error& e) {
    errors.push_back(std::string("the engine could not list the run's objects: ") + e.what());
  }
  return errors;
}

std::vector<std::string> leftovers_of_run(core::SandboxService& service, engine::DockerClient* engine,
                                          const std::string& run_id) {
  std::vector<std::string> left;
  for (const auto& info : service.list().sandboxes)
    if (label(info, kRunIdLabel) == run_id) left.push_back("sandbox " + info.name + " (" + info.runtime + ")");
  if (engine == nullptr) return left;
  const engine::LabelFilter filter = {{kRunIdLabel, run_id}};
  for (const auto& c : engine->list_containers(filter, true))
    left.push_back("container " + str_at(c, "Id").substr(0, 12));
  for (const auto& v : engine->list_volumes(filter)) left.push_back("volume " + str_at(v, "Name"));
  return left;
}

}  // namespace moat::harness
