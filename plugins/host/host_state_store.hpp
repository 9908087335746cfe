// Where the host runtime keeps its sandboxes: one directory per sandbox under
// a state dir, holding state.json (so separate `moat` processes see the same
// sandboxes) and scratch/ (the default workspace and home).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::host_runtime {

struct HostSandbox {
  std::string name;
  std::string id;
  std::string image;              // recorded only: the host runtime runs no image
  std::string state = "created";  // "created", "running", "exited"
  std::string user;
  std::filesystem::path workspace;  // the spec's, or <dir>/scratch/workspace
  std::filesystem::path home;       // the spec's, or <dir>/scratch/home
  bool workspace_given = false;     // true: the user's directory, never deleted
  bool home_given = false;
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> labels;
  std::string created_at;  // RFC 3339, UTC
};

void to_json(nlohmann::json& j, const HostSandbox& s);
void from_json(const nlohmann::json& j, HostSandbox& s);

class HostStateStore {
 public:
  explicit HostStateStore(std::filesystem::path root);

  // The default root: /var/lib/moat/host for root, else
  // $XDG_STATE_HOME/moat/host (or ~/.local/state/moat/host).
  static std::filesystem::path default_root();

  [[nodiscard]] const std::filesystem::path& root() const { return root_; }
  [[nodiscard]] std::filesystem::path dir_of(const std::string& name) const { return root_ / name; }
  [[nodiscard]] std::filesystem::path scratch_of(const std::string& name) const { return dir_of(name) / "scratch"; }

  // Creates the root (0700) if needed; throws moat::Error(MOAT_E_UNAVAILABLE) if it cannot.
  void ensure_root() const;
  // Claims the sandbox directory atomically (mkdir); MOAT_E_CONFLICT when it exists.
  void claim(const std::string& name) const;
  // Writes state.json atomically (temp file + rename).
  void save(const HostSandbox& s) const;
  // MOAT_E_NOT_FOUND when there is no such sandbox.
  [[nodiscard]] HostSandbox load(const std::string& name) const;
  [[nodiscard]] std::optional<HostSandbox> find(const std::string& name) const;
  [[nodiscard]] std::vector<HostSandbox> list() const;
  // Deletes the sandbox directory (state and scratch). Symlinks inside are
  // removed, never followed, so a workspace outside it is never touched.
  void erase(const std::string& name) const;

 private:
  std::filesystem::path root_;
};

}  // namespace moat::host_runtime
