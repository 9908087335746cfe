// The host's files as a probe reads them: under "/" normally, under a staged
// tree in tests (a plugin's "host_root" setting). Runtimes that cannot be
// installed on a test machine (Sysbox, Kata) are detected from the files
// their installers leave, so each install layout can be laid out in a
// temporary directory and checked without the runtime.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace moat::support {

// A field of /proc/self/mounts or mountinfo as it is: the kernel escapes
// space, tab, newline and backslash in it as \ooo.
std::string unescape_mount_field(const std::string& field);

class HostFiles {
 public:
  // dockerd and containerd find runtimes and shims on the service PATH
  // (systemd's default), not on the PATH of whoever runs moat.
  static constexpr const char* kServicePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  explicit HostFiles(std::string root = "/");

  [[nodiscard]] const std::string& root() const { return root_; }
  [[nodiscard]] bool staged() const { return root_ != "/"; }

  // `absolute` ("/opt/kata/bin/x") as a path on this machine.
  [[nodiscard]] std::string path(std::string_view absolute) const;
  [[nodiscard]] bool exists(std::string_view absolute) const;
  // A regular file with an execute bit this process may use.
  [[nodiscard]] bool executable(std::string_view absolute) const;
  // The file's text (at most `limit` bytes), or nullopt when it cannot be read.
  [[nodiscard]] std::optional<std::string> read(std::string_view absolute, std::size_t limit = 1 << 20) const;
  // The absolute host path (without the root) of `name` on `path_value`,
  // the way execvp resolves it; a name with a '/' is checked as it is.
  [[nodiscard]] std::optional<std::string> find_program(const std::string& name,
                                                        std::string_view path_value = kServicePath) const;
  // The filesystem type ("ext4", "overlay", ...) of the mount holding
  // `absolute`, from the host's /proc/self/mounts: the longest mount point
  // that is a prefix of it. nullopt when the mount table cannot be read.
  [[nodiscard]] std::optional<std::string> filesystem_type(std::string_view absolute) const;

 private:
  std::string root_;
};

}  // namespace moat::support
