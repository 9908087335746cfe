// The sandbox service: the C++ API under `moat sandbox`, `moat bench` and
// `moat matrix`. It resolves which runtime a request goes to (the spec's, or
// the configured default; for an existing sandbox, the runtime that owns it),
// applies the host's policy before any plugin sees a spec, and hands the
// request to the plugin.
//
// Host policy runs before any plugin sees a spec (see validate_spec below).
#pragma once

#include <moat/core/config.hpp>
#include <moat/core/plugin_registry.hpp>
#include <moat/core/runtime_handle.hpp>
#include <moat/model.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace moat::core {

class SandboxService {
 public:
  SandboxService(const PluginRegistry& registry, Config config);

  // Validates, creates, and with `start` starts. On any failure nothing of
  // this call is left behind.
  SandboxInfo create(SandboxSpec spec, bool start);
  SandboxInfo start(const std::string& name);
  void stop(const std::string& name, double timeout_s = 10);
  void restart(const std::string& name, double timeout_s = 10);
  void remove(const std::string& name);
  ExecResult exec(const ExecRequest& request);
  SandboxInfo inspect(const std::string& name);
  ExecResult logs(const std::string& name);
  // Every sandbox of every loaded runtime that can list.
  std::vector<SandboxInfo> list();

  // The runtime that owns sandbox `name` (throws not-found).
  RuntimeHandle& owner(const std::string& name);
  // A runtime by id, opened once with its configuration section.
  RuntimeHandle& runtime(const std::string& id);

  [[nodiscard]] const Config& config() const { return config_; }

 private:
  const PluginRegistry& registry_;
  Config config_;
  std::map<std::string, std::unique_ptr<RuntimeHandle>, std::less<>> open_;
};

// The host's checks on a spec, exposed for tests and fuzzing: the shared
// checks of moat::engine::check_common_spec (names, users, paths) plus the
// host's allowed_bind_roots, applied after resolving symlinks so a link
// cannot escape a root. Throws moat::Error(MOAT_E_INVALID), one line.
void validate_spec(const SandboxSpec& spec, const std::vector<std::filesystem::path>& allowed_bind_roots);

}  // namespace moat::core
