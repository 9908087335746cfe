#include <moat/support/host_files.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <utility>

namespace moat::support {

namespace {

bool under(std::string_view path, std::string_view mount_point) {
  if (mount_point == "/") return true;
  if (path.substr(0, mount_point.size()) != mount_point) return false;
  return path.size() == mount_point.size() || path[mount_point.size()] == '/';
}

}  // namespace

std::string unescape_mount_field(const std::string& field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const std::string octal = field.substr(i + 1, 3);
      if (octal.find_first_not_of("01234567") == std::string::npos) {
        out.push_back(static_cast<char>(std::stoi(octal, nullptr, 8)));
        i += 3;
        continue;
      }
    }
    out.push_back(field[i]);
  }
  return out;
}

HostFiles::HostFiles(std::string root) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  root_ = root.empty() ? std::string(1, '/') : std::move(root);
}

std::string HostFiles::path(std::string_view absolute) const {
  if (root_ == "/") return std::string(absolute);
  std::string p = root_;
  if (absolute.empty() || absolute.front() != '/') p.push_back('/');
  p.append(absolute);
  return p;
}

bool HostFiles::exists(std::string_view absolute) const {
  struct stat st {};
  return ::stat(path(absolute).c_str(), &st) == 0;
}

bool HostFiles::executable(std::string_view absolute) const {
  const std::string p = path(absolute);
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

std::optional<std::string> HostFiles::read(std::string_view absolute, std::size_t limit) const {
  std::ifstream in(path(absolute), std::ios::binary);
  if (!in) return std::nullopt;
  std::string text(limit, '\0');
  in.read(text.data(), static_cast<std::streamsize>(limit));
  if (in.bad()) return std::nullopt;
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

std::optional<std::string> HostFiles::find_program(const std::string& name, std::string_view path_value) const {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string::npos) return executable(name) ? std::optional<std::string>(name) : std::nullopt;
  std::stringstream dirs{std::string(path_value)};
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty() || dir.front() != '/') continue;  // a service PATH has no relative entries
    const std::string candidate = dir + "/" + name;
    if (executable(candidate)) return candidate;
  }
  return std::nullopt;
}

std::optional<std::string> HostFiles::filesystem_type(std::string_view absolute) const {
  auto table = read("/proc/self/mounts");
  if (!table) return std::nullopt;
  std::istringstream lines(*table);
  std::string line;
  std::string best_point;
  std::optional<std::string> best_type;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string device, point, type;
    if (!(fields >> device >> point >> type)) continue;
    point = unescape_mount_field(point);
    // Later lines mount over earlier ones at the same point.
    if (under(absolute, point) && point.size() >= best_point.size()) {
      best_point = point;
      best_type = type;
    }
  }
  return best_type;
}

}  // namespace moat::support
