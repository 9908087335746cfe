#include <moat/core/verdict_cache.hpp>

#include <moat/core/atomic_file.hpp>

#include <moat/error.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace moat::core {

namespace {

// Bumped when the cache's meaning changes; a cache of another format or from
// a host of another ABI is ignored (its verdicts were about other rules).
constexpr int kFormat = 1;

nlohmann::json host_abi() { return {MOAT_ABI_MAJOR, MOAT_ABI_MINOR}; }

}  // namespace

std::optional<FileStamp> stamp_of(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return std::nullopt;
  return FileStamp{static_cast<uintmax_t>(st.st_size),
                   static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
                   static_cast<uint64_t>(st.st_ino)};
}

VerdictCache::VerdictCache(std::filesystem::path file) : file_(std::move(file)) {
  std::ifstream in(file_);
  if (!in) return;  // none yet
  try {
    const auto j = nlohmann::json::parse(in);
    if (j.at("format").get<int>() != kFormat || j.at("host_abi") != host_abi()) {
      spdlog::debug("plugin cache {} is from another moat; starting afresh", file_.string());
      dirty_ = true;
      return;
    }
    for (const auto& [path, e] : j.at("plugins").items()) {
      Entry entry;
      entry.stamp =
          FileStamp{e.at("size").get<uintmax_t>(), e.at("mtime_ns").get<int64_t>(), e.at("inode").get<uint64_t>()};
      entry.record = e.at("record").get<PluginRecord>();
      entry.record.path = path;
      entries_.emplace(path, std::move(entry));
    }
  } catch (const nlohmann::json::exception& e) {
    spdlog::debug("ignoring unreadable plugin cache {}: {}", file_.string(), e.what());
    entries_.clear();
    dirty_ = true;
  }
}

std::optional<PluginRecord> VerdictCache::lookup(const std::filesystem::path& plugin, const FileStamp& stamp) const {
  const auto it = entries_.find(plugin.string());
  if (it == entries_.end() || it->second.stamp != stamp) return std::nullopt;
  PluginRecord r = it->second.record;
  r.cached = true;
  return r;
}

void VerdictCache::store(const std::filesystem::path& plugin, const FileStamp& stamp, const PluginRecord& record) {
  Entry e{stamp, record};
  e.record.cached = false;
  entries_[plugin.string()] = std::move(e);
  dirty_ = true;
}

void VerdictCache::forget_missing() {
  std::error_code ec;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (!std::filesystem::exists(it->first, ec)) {
      it = entries_.erase(it);
      dirty_ = true;
    } else {
      ++it;
    }
  }
}

void VerdictCache::save() {
  if (!dirty_) return;
  nlohmann::json plugins = nlohmann::json::object();
  for (const auto& [path, e] : entries_) {
    plugins[path] = {
        {"size", e.stamp.size}, {"mtime_ns", e.stamp.mtime_ns}, {"inode", e.stamp.inode}, {"record", e.record}};
  }
  const nlohmann::json doc = {{"format", kFormat}, {"host_abi", host_abi()}, {"plugins", plugins}};

  if (auto why = replace_file(file_, doc.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"))
    throw Error(MOAT_E_FAILED, fmt::format("cannot write the plugin cache {}: {}", file_.string(), *why));
  dirty_ = false;
}

std::filesystem::path default_cache_file() {
  return default_cache_file(::geteuid(), std::getenv("XDG_CACHE_HOME"), std::getenv("HOME"));
}

std::filesystem::path default_cache_file(uid_t euid, const char* xdg_cache_home, const char* home) {
  if (euid == 0) return "/var/cache/moat/plugins.json";
  // The XDG spec: a relative value is invalid and must be ignored.
  if (xdg_cache_home != nullptr && xdg_cache_home[0] == '/') {
    return std::filesystem::path(xdg_cache_home) / "moat" / "plugins.json";
  }
  if (home != nullptr && home[0] == '/') return std::filesystem::path(home) / ".cache" / "moat" / "plugins.json";
  return {};
}

}  // namespace moat::core
