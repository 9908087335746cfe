// A Docker engine played from a script, for the runtimes that cannot run on
// this machine: /info says what the engine of a real install says (its
// version, its runtimes, its kernel, its root dir), and a smoke container
// "prints" what the test decides. Every container create is kept, so a test
// reads back the exact configuration a plugin sent.
#pragma once

#include "fake_engine.hpp"

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::plugins_test {

struct EngineScript {
  std::string server_version = "27.3.1";
  std::string kernel = "6.8.0-host";
  std::string docker_root_dir = "/var/lib/docker";
  // /info's Runtimes (name -> {"path": ...}); runc is always there.
  nlohmann::json runtimes = nlohmann::json::object();
  // What a smoke container prints, given the create body; and its exit code.
  std::function<std::string(const nlohmann::json& create)> smoke_stdout = [](const nlohmann::json&) {
    return std::string();
  };
  int smoke_exit = 0;
};

class ScriptedDocker {
 public:
  explicit ScriptedDocker(EngineScript script);
  // {"engine": {"socket": ...}} for a plugin's configuration.
  [[nodiscard]] nlohmann::json engine_config() const;
  // The bodies of every POST /containers/create, in order.
  [[nodiscard]] std::vector<nlohmann::json> creates();
  // Containers created and not yet deleted.
  [[nodiscard]] int live_containers();

 private:
  moat::engine::testing::FakeReply handle(const moat::engine::testing::FakeRequest& request);

  EngineScript script_;
  std::mutex mutex_;
  std::vector<nlohmann::json> creates_;
  int live_ = 0;
  moat::engine::testing::FakeEngine engine_;
};

}  // namespace moat::plugins_test
