// Probe verdicts kept across moat processes, so that `moat sandbox create`
// does not pay for a runtime's probe (a whole smoke container on gvisor,
// sysbox and kata) before every sandbox. Only an available verdict that
// names what it rests on (ProbeResult::depends_on) is kept, and it is reused
// only while
//   - it is younger than the reuse time (plugin_host.probe_reuse_s),
//   - the plugin file (path, size, mtime, inode) and version are the same,
//   - the plugin's configuration section is the same, and
//   - every file it rests on has the same stamp: a restarted engine makes a
//     new socket, a reinstalled runtime a new executable.
// `moat runtimes` and `moat plugins check` always probe for real. The file
// is JSON, written atomically; a missing, unreadable or foreign file is
// ignored and rewritten.
#pragma once

#include <moat/model.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace moat::core {

// What a verdict is about.
struct ProbeKey {
  std::string runtime_id;
  std::filesystem::path plugin;  // the plugin file
  std::string plugin_version;
  std::string config;  // the plugin's configuration section, as JSON text
};

class ProbeVerdictFile {
 public:
  using Clock = std::chrono::system_clock;

  // Reads `file` if it exists. `reuse`: how long a verdict stays good.
  ProbeVerdictFile(std::filesystem::path file, std::chrono::seconds reuse,
                   std::function<Clock::time_point()> now = Clock::now);

  // The kept verdict for `key`, when it is still good (see above).
  [[nodiscard]] std::optional<ProbeResult> lookup(const ProbeKey& key) const;
  // Keeps `result` for `key` when it is available and names what it rests
  // on, else forgets what was kept for it; then writes the file. A file that
  // cannot be written is not an error (the next create probes again).
  void store(const ProbeKey& key, const ProbeResult& result);

  [[nodiscard]] const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
  std::chrono::seconds reuse_;
  std::function<Clock::time_point()> now_;
  nlohmann::json entries_ = nlohmann::json::object();  // runtime id -> entry
};

}  // namespace moat::core
