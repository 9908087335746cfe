#include "image_rootfs.hpp"

#include "logged_command.hpp"

#include <moat/error.hpp>
#include <moat/support/host_files.hpp>

#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

namespace moat::core::images {

namespace fs = std::filesystem;

ScratchDir::ScratchDir(const fs::path& base, const std::string& stem) {
  std::error_code ec;
  fs::create_directories(base, ec);
  std::string pattern = (base / (stem + "XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw moat::Error(MOAT_E_FAILED,
                      "cannot create a scratch directory in " + base.string() + ": " + std::strerror(errno));
  }
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  try {
    unmount_below(path_);
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  } catch (...) {
    // Leaving a scratch directory behind is better than throwing from a destructor.
  }
}

void unmount_below(const fs::path& dir) {
  const std::string root = dir.lexically_normal().string();
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::vector<std::string> mounts;
  std::string line;
  while (std::getline(mountinfo, line)) {
    std::istringstream fields(line);
    std::string id, parent, device, source_root, mount_point;
    if (!(fields >> id >> parent >> device >> source_root >> mount_point)) continue;
    const std::string point = support::unescape_mount_field(mount_point);
    if (point == root || point.starts_with(root + "/")) mounts.push_back(point);
  }
  // Deepest first, so nested mounts go before their parents.
  std::sort(mounts.begin(), mounts.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  for (const auto& point : mounts) ::umount2(point.c_str(), MNT_DETACH);
}

void make_busybox_rootfs(const fs::path& busybox, const fs::path& rootfs, const fs::path& log) {
  if (!fs::is_regular_file(busybox)) {
    throw moat::Error(MOAT_E_UNAVAILABLE,
                      busybox.string() + " is missing: apt-get install busybox-static (a statically linked busybox)");
  }
  for (const char* dir : {"bin", "dev", "etc", "proc", "root", "sys", "tmp", "usr/bin", "var/tmp"}) {
    fs::create_directories(rootfs / dir);
  }
  fs::permissions(rootfs / "tmp", fs::perms::all | fs::perms::sticky_bit);
  fs::permissions(rootfs / "var/tmp", fs::perms::all | fs::perms::sticky_bit);
  fs::permissions(rootfs / "root", fs::perms::owner_all);
  fs::copy_file(busybox, rootfs / "bin/busybox", fs::copy_options::overwrite_existing);
  fs::permissions(rootfs / "bin/busybox", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                              fs::perms::others_read | fs::perms::others_exec);

  // Every applet this busybox has, not a fixed list: `busybox --list`.
  const fs::path applets = log.parent_path() / (log.filename().string() + ".applets");
  LoggedCommand list_applets;
  list_applets.argv = {busybox.string(), "--list"};
  list_applets.log = applets;
  list_applets.timeout = std::chrono::seconds(30);
  run_logged(list_applets);
  std::ifstream list(applets);
  std::string applet;
  int linked = 0;
  while (std::getline(list, applet)) {
    if (applet.empty() || applet == "busybox" || applet.find('/') != std::string::npos) continue;
    std::error_code exists;
    fs::create_symlink("busybox", rootfs / "bin" / applet, exists);
    if (!exists) ++linked;
  }
  std::error_code ignored;
  fs::remove(applets, ignored);
  if (linked == 0) throw moat::Error(MOAT_E_FAILED, busybox.string() + " --list named no applets");
  fs::create_symlink("../../bin/busybox", rootfs / "usr/bin/env");

  std::ofstream(rootfs / "etc/passwd") << "root:x:0:0:root:/root:/bin/sh\n"
                                          "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
  std::ofstream(rootfs / "etc/group") << "root:x:0:\nnogroup:x:65534:\n";
}

void run_debootstrap(const DebootstrapRun& run) {
  std::vector<std::string> argv = {"debootstrap", "--variant=" + run.variant};
  if (!run.packages.empty()) {
    std::string include;
    for (const auto& package : run.packages) include += (include.empty() ? "" : ",") + package;
    argv.push_back("--include=" + include);
  }
  argv.push_back(run.suite);
  argv.push_back(run.target.string());
  if (!run.mirror.empty()) argv.push_back(run.mirror);
  LoggedCommand command;
  command.argv = std::move(argv);
  command.log = run.log;
  command.extra_env = {"DEBIAN_FRONTEND=noninteractive", "LC_ALL=C"};
  command.timeout = run.timeout;
  command.on_heartbeat = run.on_heartbeat;
  command.missing_hint = "apt-get install debootstrap";
  run_logged(command);
}

const std::vector<std::string>& pack_excludes() {
  static const std::vector<std::string> excludes = {
      "./dev/*", "./proc/*", "./sys/*", "./var/cache/apt/archives/*.deb", "./var/cache/apt/*.bin",
  };
  return excludes;
}

void pack_rootfs(const fs::path& rootfs, const fs::path& tarball, const fs::path& log, std::chrono::seconds timeout) {
  const fs::path partial = tarball.string() + ".partial-" + std::to_string(::getpid());
  std::vector<std::string> argv = {"tar", "--numeric-owner"};
  for (const auto& pattern : pack_excludes()) argv.push_back("--exclude=" + pattern);
  for (const std::string& arg :
       {std::string("-C"), rootfs.string(), std::string("-cf"), partial.string(), std::string(".")}) {
    argv.push_back(arg);
  }
  try {
    LoggedCommand command;
    command.argv = argv;
    command.log = log;
    command.timeout = timeout;
    command.missing_hint = "apt-get install tar";
    run_logged(command);
  } catch (...) {
    std::error_code ignored;
    fs::remove(partial, ignored);
    throw;
  }
  fs::rename(partial, tarball);
}

}  // namespace moat::core::images
