// What a running command sees: its parsed arguments, the global options,
// where to print, and the parts of the host it may need. The configuration
// and the plugin registry are built on first use, so `moat version` and
// `--help` work with a broken config or no plugins at all.
#pragma once

#include "command.hpp"
#include "global_options.hpp"
#include "output.hpp"

#include <moat/core/config.hpp>
#include <moat/core/plugin_registry.hpp>

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <boost/program_options/variables_map.hpp>

namespace moat::core {
class HostApi;
}

namespace moat::cli {

class Context {
 public:
  Context(const CommandTable& commands, const Command& command, GlobalOptions globals,
          boost::program_options::variables_map vars, std::ostream& out, std::ostream& err,
          const std::atomic<bool>& cancel);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  [[nodiscard]] const CommandTable& commands() const { return commands_; }
  [[nodiscard]] const Command& command() const { return command_; }
  [[nodiscard]] const GlobalOptions& globals() const { return globals_; }
  [[nodiscard]] const boost::program_options::variables_map& vars() const { return vars_; }

  // A positional argument's value(s); empty when not given.
  [[nodiscard]] std::string arg(const std::string& name) const;
  [[nodiscard]] std::vector<std::string> args(const std::string& name) const;

  Output& out() { return output_; }
  // stdout as a stream, for help text (results go through out()).
  std::ostream& out_stream() { return out_; }
  std::ostream& err() { return err_; }

  // True once SIGINT/SIGTERM arrived. Long commands check it between steps
  // and return ExitCode::interrupted after cleaning up.
  [[nodiscard]] bool cancelled() const { return cancel_.load(); }
  [[nodiscard]] const std::atomic<bool>& cancel_flag() const { return cancel_; }

  // The merged configuration (throws core::ConfigError); warnings are logged.
  const core::Config& config();

  // The options the registry is built with: search dirs, cache, probe helper, host api.
  core::RegistryOptions registry_options();
  // The registry, discovered on first use.
  core::PluginRegistry& registry();

  [[nodiscard]] const std::filesystem::path& exe_dir() const { return exe_dir_; }

 private:
  const CommandTable& commands_;
  const Command& command_;
  GlobalOptions globals_;
  boost::program_options::variables_map vars_;
  std::ostream& out_;
  std::ostream& err_;
  const std::atomic<bool>& cancel_;
  Output output_;
  std::filesystem::path exe_dir_;
  std::optional<core::Config> config_;
  std::unique_ptr<core::HostApi> host_api_;  // must outlive every plugin instance: declared before the registry
  std::unique_ptr<core::PluginRegistry> registry_;
};

}  // namespace moat::cli
