#include "paths.hpp"

#include <algorithm>
#include <system_error>

#ifndef MOAT_INSTALLED_LIB_DIR_FROM_BIN
#define MOAT_INSTALLED_LIB_DIR_FROM_BIN "../lib/moat"
#endif

namespace moat::cli {
namespace fs = std::filesystem;

fs::path executable_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return fs::current_path();  // no /proc: fall back to where we are
  return exe.parent_path();
}

fs::path moat_lib_dir(const fs::path& exe_dir) {
  fs::path build_layout = (exe_dir / "../lib/moat").lexically_normal();
  fs::path installed = (exe_dir / MOAT_INSTALLED_LIB_DIR_FROM_BIN).lexically_normal();
  std::error_code ec;
  if (installed != build_layout && !fs::is_directory(build_layout, ec) && fs::is_directory(installed, ec))
    return installed;
  return build_layout;
}

fs::path builtin_plugin_dir(const fs::path& exe_dir) { return moat_lib_dir(exe_dir) / "plugins"; }

fs::path examiner_path(const fs::path& exe_dir) { return moat_lib_dir(exe_dir) / "moat-plugin-examiner"; }

fs::path broker_path(const fs::path& exe_dir) { return moat_lib_dir(exe_dir) / "moat-plugin-broker"; }

std::optional<fs::path> plugin_cache_file(const char* xdg_cache_home, const char* home) {
  if (xdg_cache_home != nullptr && *xdg_cache_home != '\0' && fs::path(xdg_cache_home).is_absolute())
    return fs::path(xdg_cache_home) / "moat" / "plugin-cache.json";
  if (home != nullptr && *home != '\0') return fs::path(home) / ".cache" / "moat" / "plugin-cache.json";
  return std::nullopt;
}

std::vector<fs::path> plugin_search_dirs(const std::vector<fs::path>& cli_dirs, const char* env_plugin_path,
                                         const std::vector<fs::path>& config_dirs, const fs::path& builtin_dir) {
  std::vector<fs::path> out;
  auto add = [&](const fs::path& p) {
    if (p.empty()) return;
    std::error_code ec;
    fs::path abs = fs::absolute(p, ec).lexically_normal();
    if (ec) abs = p.lexically_normal();
    // "dir/" and "dir" are the same place.
    if (!abs.has_filename() && abs.has_parent_path() && abs != abs.root_path()) abs = abs.parent_path();
    if (std::find(out.begin(), out.end(), abs) == out.end()) out.push_back(std::move(abs));
  };
  for (const auto& d : cli_dirs) add(d);
  if (env_plugin_path != nullptr) {
    std::string_view rest(env_plugin_path);
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      add(fs::path(std::string(rest.substr(0, colon))));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  for (const auto& d : config_dirs) add(d);
  add(builtin_dir);
  return out;
}

}  // namespace moat::cli
