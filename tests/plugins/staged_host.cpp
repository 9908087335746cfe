#include "staged_host.hpp"

#include <linux/capability.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace moat::plugins_test {

namespace fs = std::filesystem;

StagedHost::StagedHost() { fs::permissions(dir_.path(), fs::perms(0755)); }

StagedHost::~StagedHost() {
  for (int fd : sockets_) ::close(fd);
  // A 0000 directory left behind would stop TempDir removing the tree.
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir_.path(), ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_directory(ec)) fs::permissions(it->path(), fs::perms(0755), ec);
}

void StagedHost::file(const std::string& absolute, const std::string& text, unsigned mode) {
  const fs::path p = root() + absolute;
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
  fs::permissions(p, fs::perms(mode));
}

void StagedHost::program(const std::string& absolute, const std::string& output) {
  std::string quoted;
  for (char c : output) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  file(absolute, "#!/bin/sh\nprintf '%s' '" + quoted + "'\n", 0755);
}

void StagedHost::socket(const std::string& absolute) {
  const fs::path p = root() + absolute;
  fs::create_directories(p.parent_path());
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (p.string().size() >= sizeof addr.sun_path) throw std::runtime_error("socket path too long: " + p.string());
  std::strncpy(addr.sun_path, p.c_str(), sizeof addr.sun_path - 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 1) != 0)
    throw std::system_error(errno, std::generic_category(), "socket " + p.string());
  sockets_.push_back(fd);
}

void StagedHost::chmod(const std::string& absolute, unsigned mode) {
  fs::permissions(root() + absolute, fs::perms(mode));
}

void StagedHost::mounts(const std::vector<std::pair<std::string, std::string>>& points) {
  std::string table;
  for (const auto& [point, type] : points) table += "/dev/staged " + point + " " + type + " rw 0 0\n";
  file("/proc/self/mounts", table);
}

namespace {

bool capabilities(__user_cap_data_struct (&data)[2], bool set) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  return ::syscall(set ? SYS_capset : SYS_capget, &header, data) == 0;
}

constexpr unsigned bit(int cap) { return 1U << (cap % 32); }

}  // namespace

NoPermissionBypass::NoPermissionBypass() {
  if (::geteuid() != 0) return;
  __user_cap_data_struct data[2]{};
  if (!capabilities(data, false)) throw std::system_error(errno, std::generic_category(), "capget");
  effective_[0] = data[0].effective;
  effective_[1] = data[1].effective;
  data[0].effective &= ~(bit(CAP_DAC_OVERRIDE) | bit(CAP_DAC_READ_SEARCH));
  if (!capabilities(data, true)) throw std::system_error(errno, std::generic_category(), "capset");
  dropped_ = true;
}

NoPermissionBypass::~NoPermissionBypass() {
  if (!dropped_) return;
  __user_cap_data_struct data[2]{};
  if (!capabilities(data, false)) return;
  data[0].effective = effective_[0];
  data[1].effective = effective_[1];
  capabilities(data, true);
}

}  // namespace moat::plugins_test
