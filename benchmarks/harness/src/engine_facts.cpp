#include <moat/harness/engine_facts.hpp>

namespace moat::harness {
using json = nlohmann::json;

EngineFacts engine_facts(engine::DockerClient& client) {
  EngineFacts f;
  f.engine.name = "docker";
  try {
    const json v = client.version();
    f.engine.version = v.value("Version", std::string());
    f.engine.api = client.api_version();
    f.info = client.info();
  } catch (const std::exception& e) {
    f.error = e.what();
  }
  return f;
}

std::vector<std::string> runtime_args(const json& info, const std::string& engine_runtime) {
  std::vector<std::string> out;
  if (engine_runtime.empty() || !info.is_object()) return out;
  auto runtimes = info.find("Runtimes");
  if (runtimes == info.end() || !runtimes->is_object()) return out;
  auto entry = runtimes->find(engine_runtime);
  if (entry == runtimes->end() || !entry->is_object()) return out;
  auto args = entry->find("runtimeArgs");
  if (args == entry->end() || !args->is_array()) return out;
  for (const auto& a : *args)
    if (a.is_string()) out.push_back(a.get<std::string>());
  return out;
}

std::map<std::string, std::string> image_digests(engine::DockerClient* client, const std::vector<std::string>& refs) {
  std::map<std::string, std::string> out;
  for (const auto& ref : refs) {
    if (out.contains(ref)) continue;
    if (client == nullptr) {
      out[ref] = "unknown";
      continue;
    }
    try {
      auto image = client->inspect_image(ref);
      out[ref] = image ? image->value("Id", std::string("unknown")) : "missing";
    } catch (const std::exception&) {
      out[ref] = "unknown";
    }
  }
  return out;
}

}  // namespace moat::harness
