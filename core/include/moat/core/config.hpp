// moat's configuration: a JSON file (or two, merged), validated on load.
//
// Lookup: /etc/moat/config.json, then $XDG_CONFIG_HOME/moat/config.json (or
// ~/.config/moat/config.json); a missing default file is skipped, the later
// file wins key by key (objects merge recursively, everything else replaces).
// An explicit --config FILE is the only file read when given.
//
// Every error names the file and where in it: a syntax error gives line and
// column, a wrong type gives the JSON pointer and what was expected, so the
// CLI can print one line ("FILE: /engine/timeout_s: expected a number, got
// string") and exit with EX_CONFIG. The full key reference is
// docs/configuration.md.
#pragma once

#include <moat/core/plugin_calls.hpp>
#include <moat/core/policy.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::core {

class ConfigError : public std::runtime_error {
 public:
  enum class Kind {
    not_found,      // an explicitly named file does not exist
    no_permission,  // exists but reading it is not allowed (EACCES/EPERM)
    unreadable,     // exists but cannot be read (a directory, an I/O error)
    syntax,         // not valid JSON
    invalid,        // valid JSON, wrong shape or type
  };
  // `message` is the full one-line text, starting with the file name.
  ConfigError(Kind kind, std::filesystem::path file, const std::string& message)
      : std::runtime_error(message), kind_(kind), file_(std::move(file)) {}

  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  [[nodiscard]] const std::filesystem::path& file() const noexcept { return file_; }

 private:
  Kind kind_;
  std::filesystem::path file_;
};

struct EngineConfig {
  std::optional<std::string> socket;  // unset = the client's default (DOCKER_HOST, /var/run/docker.sock)
  std::optional<double> timeout_s;    // per request; unset = the client's default
  // Cap of each exec/logs output stream held in memory; unset = 64 MiB.
  std::optional<std::uint64_t> max_output_bytes;
};

struct Config {
  std::string default_runtime = "sysbox";
  std::vector<std::filesystem::path> plugin_dirs;  // absolute, in order
  EngineConfig engine;
  nlohmann::json plugins = nlohmann::json::object();      // id -> object given to that plugin's create()
  nlohmann::json bench = nlohmann::json::object();        // reserved for `moat bench`
  std::vector<std::filesystem::path> allowed_bind_roots;  // absolute; empty = any
  PolicyConfig policy;                                    // what a sandbox may reach of the host
  PluginHostConfig plugin_host;                           // where plugins run, call deadlines, answer cap

  std::vector<std::filesystem::path> sources;  // the files that were read, in merge order
  std::vector<std::string> warnings;           // one line each, starting with the file name

  // The object passed to plugin `id`'s create(): its section of "plugins"
  // ({} when absent). When the top-level "engine" section sets anything and
  // the plugin section has no "engine" key of its own, the engine settings
  // are added as "engine": {"socket", "timeout_s", "max_output_bytes"} so every Docker-backed
  // plugin talks to the engine the user configured.
  [[nodiscard]] nlohmann::json plugin_config(std::string_view id) const;
};

// Parses and validates one document. `origin` names the file in messages.
// Returns the validated document (not yet merged or defaulted); throws
// ConfigError (syntax or invalid). Unknown keys add to `warnings`.
nlohmann::json parse_config_document(std::string_view text, const std::filesystem::path& origin,
                                     std::vector<std::string>& warnings);

// Reads one file: not_found / unreadable / syntax / invalid as ConfigError.
nlohmann::json read_config_file(const std::filesystem::path& file, std::vector<std::string>& warnings);

// Builds a Config from validated documents, earlier first (later wins).
Config merge_config(const std::vector<std::pair<std::filesystem::path, nlohmann::json>>& documents);

// The default lookup list, in merge order. Pass the values of
// XDG_CONFIG_HOME and HOME (nullptr when unset).
std::vector<std::filesystem::path> default_config_files(
    const char* xdg_config_home, const char* home, const std::filesystem::path& system_file = "/etc/moat/config.json");

// Loads the configuration: only `explicit_file` when given (it must exist),
// otherwise each existing file of `defaults`. No file at all gives the
// built-in defaults.
Config load_config(const std::optional<std::filesystem::path>& explicit_file,
                   const std::vector<std::filesystem::path>& defaults);

}  // namespace moat::core
