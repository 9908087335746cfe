// The verdicts of earlier examinations, so a plugin file is run in a child
// only when it is new or has changed (GStreamer's registry cache). Keyed by
// absolute path, size, mtime (ns) and inode; a changed file misses. The file
// is JSON, written atomically (temp file + rename); a missing, unreadable or
// foreign cache is ignored and rewritten.
#pragma once

#include <moat/core/plugin_record.hpp>

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace moat::core {

struct FileStamp {
  uintmax_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
  bool operator==(const FileStamp&) const = default;
};

// stat() of the file (symlinks followed); nullopt when it cannot be read.
std::optional<FileStamp> stamp_of(const std::filesystem::path& file);

class VerdictCache {
 public:
  // Reads `file` if it exists.
  explicit VerdictCache(std::filesystem::path file);

  [[nodiscard]] std::optional<PluginRecord> lookup(const std::filesystem::path& plugin, const FileStamp& stamp) const;
  void store(const std::filesystem::path& plugin, const FileStamp& stamp, const PluginRecord& record);
  // Drops entries for files that no longer exist.
  void forget_missing();
  // Writes the file if anything changed (or it was unreadable). Throws
  // moat::Error(MOAT_E_FAILED) naming the file when it cannot be written.
  void save();

  [[nodiscard]] const std::filesystem::path& file() const { return file_; }

 private:
  struct Entry {
    FileStamp stamp;
    PluginRecord record;
  };
  std::filesystem::path file_;
  std::map<std::string, Entry> entries_;
  bool dirty_ = false;
};

// Where the cache lives by default: /var/cache/moat/plugins.json for root,
// else $XDG_CACHE_HOME/moat/plugins.json, else ~/.cache/moat/plugins.json.
// Empty when none of these can be determined (then run without a cache).
std::filesystem::path default_cache_file();
// The same choice from explicit inputs (null = variable unset).
std::filesystem::path default_cache_file(uid_t euid, const char* xdg_cache_home, const char* home);

}  // namespace moat::core
