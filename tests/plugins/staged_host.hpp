// A host's files laid out in a temporary directory the way an installer
// leaves them, for a plugin's "host_root": programs (shell scripts printing
// what the real binary prints), configuration files, daemon sockets and the
// mount table.
#pragma once

#include "temp_dir.hpp"

#include <memory>
#include <string>
#include <vector>

namespace moat::plugins_test {

class StagedHost {
 public:
  StagedHost();
  ~StagedHost();
  StagedHost(const StagedHost&) = delete;
  StagedHost& operator=(const StagedHost&) = delete;

  [[nodiscard]] std::string root() const { return dir_.str(); }
  // Writes `absolute` under the root (directories made as needed).
  void file(const std::string& absolute, const std::string& text, unsigned mode = 0644);
  // An executable that prints `output` to stdout and exits 0.
  void program(const std::string& absolute, const std::string& output);
  // A listening unix socket at `absolute`, kept open while this lives.
  void socket(const std::string& absolute);
  void chmod(const std::string& absolute, unsigned mode);
  // /proc/self/mounts with one line per "<mount point> <type>".
  void mounts(const std::vector<std::pair<std::string, std::string>>& points);

 private:
  moat::test::TempDir dir_{"moat-staged-host"};
  std::vector<int> sockets_;
};

// While it lives, this thread cannot bypass file permissions (root loses
// CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from its effective set), so a
// directory of mode 0000 gives EACCES as it does to a non-root user. Plugin
// calls run on threads started from this one, which inherit it.
class NoPermissionBypass {
 public:
  NoPermissionBypass();
  ~NoPermissionBypass();
  NoPermissionBypass(const NoPermissionBypass&) = delete;
  NoPermissionBypass& operator=(const NoPermissionBypass&) = delete;

 private:
  bool dropped_ = false;
  unsigned effective_[2] = {0, 0};
};

}  // namespace moat::plugins_test
