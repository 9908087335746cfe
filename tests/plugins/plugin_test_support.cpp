#include "plugin_test_support.hpp"

#include <moat/core/image_builder.hpp>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <system_error>

namespace moat::plugins_test {

namespace fs = std::filesystem;
using json = nlohmann::json;

moat::core::PluginRegistry& registry() {
  // Deliberately never destroyed: handles may outlive static destruction order.
  static moat::core::PluginRegistry* r = [] {
    moat::core::RegistryOptions options;
    options.search_dirs = {MOAT_TEST_PLUGIN_DIR};
    options.probe_helper = MOAT_PROBE_HELPER;
    options.probe_timeout = std::chrono::seconds(20);
    auto* reg = new moat::core::PluginRegistry(options);
    reg->discover();
    for (const auto& rec : reg->records())
      if (!rec.ok()) std::cerr << "plugin " << rec.path << " refused: " << rec.reason << "\n";
    return reg;
  }();
  return *r;
}

std::unique_ptr<moat::core::RuntimeHandle> open(const std::string& id, const json& config) {
  return registry().open(id, config);
}

moat::engine::DockerClient& client() {
  static moat::engine::DockerClient c = [] {
    auto o = moat::engine::ClientOptions::from_environment();
    o.timeout = std::chrono::seconds(120);
    return moat::engine::DockerClient(o);
  }();
  return c;
}

std::string unique_name(const std::string& stem) {
  static std::atomic<int> n{0};
  return "mt-" + stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

SandboxSpec base_spec(const std::string& name, const std::string& image) {
  SandboxSpec s;
  s.name = name;
  s.image = image;
  s.labels[kRunIdLabel] = kRunId;
  return s;
}

void ensure_base_image() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (client().inspect_image(kBaseImage)) return;
    moat::core::ImageBuilderOptions o;
    o.progress = [](const std::string& line) { std::cerr << line << "\n"; };
    moat::core::ImageBuilder(client(), o).prepare("base");
  });
}

bool ensure_dind_image(std::string& why) {
  if (client().inspect_image(kDindImage)) return true;
  // Building it runs debootstrap (minutes); opt in, or let `moat image prepare dind` do it.
  const char* build = std::getenv("MOAT_TEST_BUILD_DIND");
  if (build == nullptr || std::string(build) != "1") {
    why = std::string(kDindImage) +
          " is not in the engine: run 'moat image prepare dind' (or set MOAT_TEST_BUILD_DIND=1 to build it here)";
    return false;
  }
  try {
    moat::core::ImageBuilderOptions o;
    o.progress = [](const std::string& line) { std::cerr << line << "\n"; };
    moat::core::ImageBuilder(client(), o).prepare("dind");
    return true;
  } catch (const std::exception& e) {
    why = std::string("building ") + kDindImage + " failed: " + e.what();
    return false;
  }
}

std::vector<std::string> engine_objects_of(const std::string& sandbox) {
  std::vector<std::string> out;
  for (const auto& c : client().list_containers({{kNameLabel, sandbox}}, true))
    out.push_back("container " + c.value("Id", std::string()).substr(0, 12));
  for (const auto& v : client().list_volumes({{"moat.sandbox", sandbox}}))
    out.push_back("volume " + v.value("Name", std::string()));
  const bool addressable = !sandbox.empty() && sandbox.find('/') == std::string::npos;
  if (addressable && client().find_container(sandbox)) out.push_back("container named " + sandbox);
  return out;
}

SandboxCleanup::~SandboxCleanup() {
  for (const auto& name : names_) {
    try {
      for (const auto& c : client().list_containers({{kNameLabel, name}}, true))
        client().remove_container(c.at("Id").get<std::string>(), true, true);
      for (const auto& v : client().list_volumes({{"moat.sandbox", name}}))
        client().remove_volume(v.at("Name").get<std::string>(), true);
    } catch (const std::exception& e) {
      std::cerr << "cleanup of " << name << ": " << e.what() << "\n";
    }
  }
}

TempDir::TempDir(const std::string& stem) {
  std::string pattern = (fs::temp_directory_path() / (stem + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::system_error(errno, std::generic_category(), "mkdtemp");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

}  // namespace moat::plugins_test
