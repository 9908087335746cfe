#include <moat/core/file_safety.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace moat::core {

namespace {

std::optional<std::string> check_one(const std::filesystem::path& p, const char* what, uid_t uid) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) {
    return fmt::format("cannot check {} {}: {}", what, p.string(), std::strerror(errno));
  }
  const auto mode = st.st_mode & 07777;
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return fmt::format("{} {} is writable by {} (mode {:04o}): run chmod go-w {}", what, p.string(),
                       (st.st_mode & S_IWOTH) != 0 ? "everyone" : "its group", mode, p.string());
  }
  if (st.st_uid != 0 && st.st_uid != uid) {
    return fmt::format("{} {} is owned by uid {}, not root or you (uid {}): run chown root {} (or chown to yourself)",
                       what, p.string(), st.st_uid, uid, p.string());
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> unsafe_reason(const std::filesystem::path& file) { return unsafe_reason(file, ::getuid()); }

std::optional<std::string> unsafe_reason(const std::filesystem::path& file, uid_t uid) {
  const auto listed = std::filesystem::absolute(file);
  if (auto why = check_one(listed, "plugin file", uid)) return why;

  std::vector<std::filesystem::path> folders{listed.parent_path()};
  std::error_code ec;
  const auto real = std::filesystem::canonical(listed, ec);
  if (ec) return fmt::format("cannot resolve plugin file {}: {}", listed.string(), ec.message());
  if (real.parent_path() != folders.front()) folders.push_back(real.parent_path());
  for (const auto& folder : folders) {
    if (auto why = check_one(folder, "plugin folder", uid)) return why;
  }
  return std::nullopt;
}

}  // namespace moat::core
