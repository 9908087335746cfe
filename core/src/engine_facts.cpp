#include <moat/core/engine_facts.hpp>

#include <moat/support/json_read.hpp>

namespace moat::core {

using json = nlohmann::json;

EngineFacts collect_engine_facts(engine::DockerClient& client) {
  EngineFacts f;
  try {
    f.version = support::string_at(client.version(), "Version");
    f.api_version = client.api_version();
    f.info = client.info();
    f.reachable = true;
  } catch (const std::exception& e) {
    f.error = e.what();
  }
  return f;
}

std::vector<std::string> EngineFacts::runtimes() const {
  std::vector<std::string> out;
  const json& all = support::member(info, "Runtimes");
  if (all.is_object())
    for (const auto& [name, entry] : all.items()) out.push_back(name);
  return out;
}

std::vector<std::string> EngineFacts::runtime_args(const std::string& engine_runtime) const {
  std::vector<std::string> out;
  if (engine_runtime.empty()) return out;
  const json& args =
      support::member(support::member(support::member(info, "Runtimes"), engine_runtime.c_str()), "runtimeArgs");
  if (!args.is_array()) return out;
  for (const auto& a : args)
    if (a.is_string()) out.push_back(a.get<std::string>());
  return out;
}

}  // namespace moat::core
