// Discovery, validation and loading of runtime plugins.
//
// discover() lists candidate files in the search path, refuses unsafe ones,
// has each remaining file examined in a child process (so a plugin that
// crashes, aborts or hangs, even in a static constructor, costs the host
// nothing), caches those verdicts by (path, size, mtime), and loads the good
// plugins in-process with rtld_now | rtld_local, never unloading them.
#pragma once

#include <moat/plugin_abi.h>
#include <moat/core/plugin_calls.hpp>
#include <moat/core/plugin_record.hpp>
#include <moat/core/runtime_handle.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::core {

struct RegistryOptions {
  std::vector<std::filesystem::path> search_dirs;  // in priority order
  std::filesystem::path cache_file;                // empty = no cache
  std::filesystem::path examiner;                  // the moat-plugin-examiner executable
  std::chrono::milliseconds examine_timeout{5000};
  bool allow_unsafe = false;                // skip ownership/permission checks
  const moat_host_api* host_api = nullptr;  // passed to create()
  // moat's own plugin folders: their plugins run in moat's process unless
  // plugin_host.isolation says otherwise; every other plugin runs in a broker.
  std::vector<std::filesystem::path> shipped_dirs;
  std::filesystem::path broker;               // the moat-plugin-broker executable
  PluginHostConfig plugin_host;               // deadlines, answer cap, isolation by id
  const std::atomic<bool>* cancel = nullptr;  // Ctrl-C / SIGTERM; the flag host_api reads too
};

class PluginRegistry {
 public:
  explicit PluginRegistry(RegistryOptions options);
  ~PluginRegistry();
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;

  // Scans the search dirs (files named moat-*.so). Safe to call once.
  void discover();
  // Examines explicit files (moat plugins check FILE...), always in a child,
  // bypassing the cache; does not load them in-process.
  std::vector<PluginRecord> check_files(const std::vector<std::filesystem::path>& files);

  [[nodiscard]] const std::vector<PluginRecord>& records() const;
  [[nodiscard]] const PluginRecord* find(std::string_view id) const;  // ok or not

  // Where plugin `id`'s instances run (see RegistryOptions::shipped_dirs).
  [[nodiscard]] Isolation isolation_of(std::string_view id) const;

  // Creates an instance of a loaded plugin with its configuration section.
  // Throws moat::Error: not-found (no such id), unavailable (plugin failed to
  // load: the reason), failed (create() refused), timeout (create() hung),
  // internal (the broker crashed or cannot run).
  [[nodiscard]] std::unique_ptr<RuntimeHandle> open(std::string_view id, const nlohmann::json& config) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace moat::core
