// Where moat finds its parts: all relative to the moat executable, so the
// build tree (build/bin/moat, build/lib/moat/...) and an installed tree
// (/usr/bin/moat, /usr/lib/.../moat/...) work the same, and a relocated
// install keeps working.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace moat::cli {

// The directory holding the running executable (from /proc/self/exe).
std::filesystem::path executable_dir();

// moat's private library dir: <exe>/../lib/moat, or the installed
// libdir's moat folder when that differs (multiarch lib/<triplet>).
std::filesystem::path moat_lib_dir(const std::filesystem::path& exe_dir);

// The built-in plugin dir, the plugin examination helper and the broker
// that runs plugins out of moat's process.
std::filesystem::path builtin_plugin_dir(const std::filesystem::path& exe_dir);
std::filesystem::path examiner_path(const std::filesystem::path& exe_dir);
std::filesystem::path broker_path(const std::filesystem::path& exe_dir);

// $XDG_CACHE_HOME/moat/plugin-cache.json, or ~/.cache/moat/plugin-cache.json;
// none when neither variable is usable.
std::optional<std::filesystem::path> plugin_cache_file(const char* xdg_cache_home, const char* home);

// The plugin search order: --plugin-path dirs, $MOAT_PLUGIN_PATH entries
// (colon-separated), the config's plugin_dirs, then the built-in dir.
// Relative entries are made absolute against the working directory;
// duplicates keep their first (highest priority) place.
std::vector<std::filesystem::path> plugin_search_dirs(const std::vector<std::filesystem::path>& cli_dirs,
                                                      const char* env_plugin_path,
                                                      const std::vector<std::filesystem::path>& config_dirs,
                                                      const std::filesystem::path& builtin_dir);

}  // namespace moat::cli
