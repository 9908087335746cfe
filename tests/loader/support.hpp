// Shared by the loader tests: temporary folders, fixture paths, registry
// options pointing at the probe helper this build made.
#pragma once

#include <moat/core/plugin_registry.hpp>

#include <stdlib.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace moat::test {

// A fresh folder (mode 0700, ours) removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "moat-loader-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Copies a plugin into `dir` (under `name`, default its own), mode 0755.
inline std::filesystem::path copy_plugin(const std::filesystem::path& from, const std::filesystem::path& dir,
                                         const std::string& name = {}) {
  const auto to = dir / (name.empty() ? from.filename().string() : name);
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::permissions(to, std::filesystem::perms(0755));
  return to;
}

// Long enough for a healthy child on a loaded 2-core machine; the hang
// fixture costs this much per examination.
inline constexpr std::chrono::milliseconds kExamineTimeout{3000};

inline core::RegistryOptions options_for(std::vector<std::filesystem::path> dirs,
                                         std::filesystem::path cache_file = {}) {
  core::RegistryOptions o;
  o.search_dirs = std::move(dirs);
  o.cache_file = std::move(cache_file);
  o.examiner = MOAT_EXAMINER;
  o.broker = MOAT_BROKER;  // fixtures are not moat's own: they run in a broker unless a test says otherwise
  o.examine_timeout = kExamineTimeout;
  return o;
}

// The moat::Error `fn` throws; a test failure (and an OK error) when it throws none.
template <typename Fn>
moat::Error error_of(Fn&& fn) {
  try {
    fn();
  } catch (const moat::Error& e) {
    return e;
  }
  ADD_FAILURE() << "no moat::Error thrown";
  return moat::Error(MOAT_OK, "");
}

}  // namespace moat::test
