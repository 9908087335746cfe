#include "context.hpp"

#include "paths.hpp"

#include <moat/core/host_api.hpp>
#include <moat/error.hpp>

#include <cstdlib>
#include <system_error>

#include <spdlog/spdlog.h>
#include <unistd.h>

namespace moat::cli {
namespace fs = std::filesystem;

Context::Context(const CommandTable& commands, const Command& command, GlobalOptions globals,
                 boost::program_options::variables_map vars, std::ostream& out, std::ostream& err,
                 const std::atomic<bool>& cancel)
    : commands_(commands),
      command_(command),
      globals_(std::move(globals)),
      vars_(std::move(vars)),
      out_(out),
      err_(err),
      cancel_(cancel),
      output_(out, globals_.output, use_color(STDOUT_FILENO, globals_.no_color), globals_.quiet),
      exe_dir_(executable_dir()) {}

Context::~Context() = default;

std::string Context::arg(const std::string& name) const {
  if (auto it = vars_.find(name); it != vars_.end() && !it->second.empty()) return it->second.as<std::string>();
  return {};
}

std::vector<std::string> Context::args(const std::string& name) const {
  if (auto it = vars_.find(name); it != vars_.end() && !it->second.empty())
    return it->second.as<std::vector<std::string>>();
  return {};
}

const core::Config& Context::config() {
  if (!config_) {
    config_ = core::load_config(globals_.config_file,
                                core::default_config_files(std::getenv("XDG_CONFIG_HOME"), std::getenv("HOME")));
    for (const auto& w : config_->warnings) spdlog::warn("{}", w);
    for (const auto& f : config_->sources) spdlog::debug("configuration read from {}", f.string());
  }
  return *config_;
}

core::RegistryOptions Context::registry_options() {
  // A directory the user named explicitly must exist; the others are
  // optional places to look.
  for (const auto& dir : globals_.plugin_path) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
      throw moat::Error(MOAT_E_NOT_FOUND, "--plugin-path " + dir.string() + ": no such directory");
  }
  core::RegistryOptions o;
  o.search_dirs = plugin_search_dirs(globals_.plugin_path, std::getenv("MOAT_PLUGIN_PATH"), config().plugin_dirs,
                                     builtin_plugin_dir(exe_dir_));
  o.cache_file = plugin_cache_file(std::getenv("XDG_CACHE_HOME"), std::getenv("HOME")).value_or(fs::path());
  o.examiner = examiner_path(exe_dir_);
  o.broker = broker_path(exe_dir_);
  o.shipped_dirs = {builtin_plugin_dir(exe_dir_)};
  o.plugin_host = config().plugin_host;
  o.cancel = &cancel_;
  if (!host_api_) host_api_ = std::make_unique<core::HostApi>(nullptr, &cancel_);
  o.host_api = host_api_->get();
  for (const auto& d : o.search_dirs) spdlog::debug("plugin search dir: {}", d.string());
  return o;
}

core::PluginRegistry& Context::registry() {
  if (!registry_) {
    registry_ = std::make_unique<core::PluginRegistry>(registry_options());
    registry_->discover();
  }
  return *registry_;
}

}  // namespace moat::cli
