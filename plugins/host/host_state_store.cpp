#include "host_state_store.hpp"

#include <moat/error.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <system_error>

namespace moat::host_runtime {

namespace fs = std::filesystem;
using json = nlohmann::json;

void to_json(json& j, const HostSandbox& s) {
  j = {{"name", s.name},
       {"id", s.id},
       {"image", s.image},
       {"state", s.state},
       {"user", s.user},
       {"workspace", s.workspace.string()},
       {"home", s.home.string()},
       {"workspace_given", s.workspace_given},
       {"home_given", s.home_given},
       {"env", s.env},
       {"labels", s.labels},
       {"created_at", s.created_at}};
}

void from_json(const json& j, HostSandbox& s) {
  s.name = j.at("name").get<std::string>();
  s.id = j.value("id", "");
  s.image = j.value("image", "");
  s.state = j.value("state", "created");
  s.user = j.value("user", "");
  s.workspace = j.value("workspace", "");
  s.home = j.value("home", "");
  s.workspace_given = j.value("workspace_given", false);
  s.home_given = j.value("home_given", false);
  s.env = j.value("env", std::map<std::string, std::string>{});
  s.labels = j.value("labels", std::map<std::string, std::string>{});
  s.created_at = j.value("created_at", "");
}

HostStateStore::HostStateStore(fs::path root) : root_(std::move(root)) {}

fs::path HostStateStore::default_root() {
  if (::geteuid() == 0) return "/var/lib/moat/host";
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && *xdg == '/')
    return fs::path(xdg) / "moat/host";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/')
    return fs::path(home) / ".local/state/moat/host";
  return fs::temp_directory_path() / ("moat-host-" + std::to_string(::geteuid()));
}

void HostStateStore::ensure_root() const {
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec)
    throw moat::Error(MOAT_E_UNAVAILABLE, "host: cannot create the state dir " + root_.string() + ": " + ec.message() +
                                              "; set host.state_dir to a writable directory");
  if (::access(root_.c_str(), W_OK | X_OK) != 0)
    throw moat::Error(MOAT_E_UNAVAILABLE, "host: the state dir " + root_.string() +
                                              " is not writable; set host.state_dir to a writable directory");
  ::chmod(root_.c_str(), 0700);
}

void HostStateStore::claim(const std::string& name) const {
  const fs::path dir = dir_of(name);
  if (::mkdir(dir.c_str(), 0700) != 0) {
    if (errno == EEXIST)
      throw moat::Error(MOAT_E_CONFLICT, "sandbox name '" + name +
                                             "' is already in use on the host runtime; remove it ('moat sandbox rm " +
                                             name + "') or choose another name");
    throw moat::Error(MOAT_E_FAILED, "host: cannot create " + dir.string() + ": " + std::strerror(errno));
  }
}

void HostStateStore::save(const HostSandbox& s) const {
  const fs::path file = dir_of(s.name) / "state.json";
  const fs::path tmp = dir_of(s.name) / ".state.json.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << json(s).dump(2) << '\n';
    out.flush();
    if (!out) throw moat::Error(MOAT_E_FAILED, "host: cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) throw moat::Error(MOAT_E_FAILED, "host: cannot write " + file.string() + ": " + ec.message());
}

std::optional<HostSandbox> HostStateStore::find(const std::string& name) const {
  const fs::path file = dir_of(name) / "state.json";
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::stringstream buf;
  buf << in.rdbuf();
  json j = json::parse(buf.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw moat::Error(MOAT_E_FAILED, "host: " + file.string() + " is corrupt; remove " + dir_of(name).string());
  return j.get<HostSandbox>();
}

HostSandbox HostStateStore::load(const std::string& name) const {
  auto s = find(name);
  if (!s) throw moat::Error(MOAT_E_NOT_FOUND, "no sandbox named '" + name + "' on the host runtime");
  return *s;
}

std::vector<HostSandbox> HostStateStore::list() const {
  std::vector<HostSandbox> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    if (!entry.is_directory()) continue;
    try {
      if (auto s = find(entry.path().filename().string())) out.push_back(std::move(*s));
    } catch (const moat::Error&) {
      // A corrupt entry must not hide the others; inspect/rm name it.
    }
  }
  std::sort(out.begin(), out.end(), [](const HostSandbox& a, const HostSandbox& b) { return a.name < b.name; });
  return out;
}

void HostStateStore::erase(const std::string& name) const {
  std::error_code ec;
  fs::remove_all(dir_of(name), ec);
  if (ec) throw moat::Error(MOAT_E_FAILED, "host: cannot remove " + dir_of(name).string() + ": " + ec.message());
}

}  // namespace moat::host_runtime
