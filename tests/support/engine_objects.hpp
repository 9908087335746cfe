// What the sandbox-level integration tests check and clean up in the real
// Docker engine: the client they use, the engine objects that still belong
// to a sandbox name, and a guard that removes them even when a test fails.
#pragma once

#include <moat/engine/docker_client.hpp>

#include <string>
#include <vector>

namespace moat::test {

// One client per process on the machine's engine (DOCKER_HOST honoured).
moat::engine::DockerClient& client();

// Containers and volumes that still carry this sandbox's name, and a
// container named after it.
std::vector<std::string> engine_objects_of(const std::string& sandbox);

// Removes the named sandboxes' containers (by label, and one named exactly
// after the sandbox) and volumes on scope exit; reports failures on stderr.
class SandboxCleanup {
 public:
  SandboxCleanup() = default;
  explicit SandboxCleanup(std::string name) { add(std::move(name)); }
  ~SandboxCleanup();
  SandboxCleanup(const SandboxCleanup&) = delete;
  SandboxCleanup& operator=(const SandboxCleanup&) = delete;
  void add(std::string name) { names_.push_back(std::move(name)); }

 private:
  std::vector<std::string> names_;
};

}  // namespace moat::test
