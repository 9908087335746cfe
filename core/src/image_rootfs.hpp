// Making and packing the root filesystems of moat's offline images.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace moat::core::images {

// A private directory under `base` (mkdtemp), removed with everything in it
// when it goes out of scope. Mounts below it (debootstrap mounts /proc and
// /sys into its target and a failed run can leave them) are detached first,
// so the removal never walks into the host's /proc or /sys.
class ScratchDir {
 public:
  ScratchDir(const std::filesystem::path& base, const std::string& stem);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Detaches every mount at or below `dir`, deepest first.
void unmount_below(const std::filesystem::path& dir);

// Builds a busybox rootfs in `rootfs` (created): /bin/busybox, a link for
// every applet it lists, /usr/bin/env, /etc/passwd and /etc/group, /tmp.
void make_busybox_rootfs(const std::filesystem::path& busybox, const std::filesystem::path& rootfs,
                         const std::filesystem::path& log);

struct DebootstrapRun {
  std::string suite;
  std::string variant;
  std::vector<std::string> packages;
  std::string mirror;  // empty = debootstrap's default
  std::filesystem::path target;
  std::filesystem::path log;
  std::chrono::seconds timeout{0};
  std::function<void(std::chrono::seconds elapsed)> on_heartbeat;
};
void run_debootstrap(const DebootstrapRun& run);

// What pack_rootfs leaves out: device nodes (the engine gives every
// container its own /dev), kernel filesystems, and apt's download caches.
const std::vector<std::string>& pack_excludes();

// tar -C rootfs -cf tarball . (numeric owners, pack_excludes()); written to a
// temporary name beside `tarball` and renamed, so a crash never leaves a
// partial tarball under the final name.
void pack_rootfs(const std::filesystem::path& rootfs, const std::filesystem::path& tarball,
                 const std::filesystem::path& log, std::chrono::seconds timeout);

}  // namespace moat::core::images
