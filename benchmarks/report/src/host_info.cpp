#include <moat/bench/report/host_info.hpp>

#include <moat/error.hpp>

#include <fstream>
#include <sstream>

#include <sys/utsname.h>
#include <unistd.h>

namespace moat::bench {

namespace {

std::string first_line(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::string line;
  if (in) std::getline(in, line);
  return line;
}

// Value after "key<spaces>:" in a /proc file such as cpuinfo or meminfo.
std::string proc_field(const std::filesystem::path& p, const std::string& key) {
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key, 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const auto start = line.find_first_not_of(" \t", colon + 1);
    return start == std::string::npos ? std::string() : line.substr(start);
  }
  return {};
}

std::string os_pretty_name() {
  std::ifstream in("/etc/os-release");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("PRETTY_NAME=", 0) != 0) continue;
    std::string v = line.substr(12);
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) v = v.substr(1, v.size() - 2);
    return v;
  }
  return {};
}

// mountinfo escapes space, tab, newline and backslash in paths as \ooo.
std::string unescape_mount_path(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      const std::string oct = s.substr(i + 1, 3);
      if (oct.size() == 3 && oct.find_first_not_of("01234567") == std::string::npos) {
        out += static_cast<char>(std::stoi(oct, nullptr, 8));
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// The filesystem type of the mount that holds `path`: the longest mount
// point that is a prefix of it (the last such line wins, as later mounts shadow).
std::string filesystem_of(const std::filesystem::path& path) {
  std::ifstream in("/proc/self/mountinfo");
  const std::string target = path.string();
  std::size_t best_len = 0;
  std::string best;
  for (std::string line; std::getline(in, line);) {
    // id parent major:minor root mount-point options [optional...] - fstype source super-options
    std::istringstream ls(line);
    std::string id, parent, dev, root, mount_point;
    ls >> id >> parent >> dev >> root >> mount_point;
    const auto sep = line.find(" - ");
    if (sep == std::string::npos) continue;
    std::istringstream tail(line.substr(sep + 3));
    std::string fstype;
    tail >> fstype;
    const std::string mp = unescape_mount_path(mount_point);
    const bool prefix =
        target == mp || mp == "/" ||
        (target.size() > mp.size() && target.compare(0, mp.size(), mp) == 0 && target[mp.size()] == '/');
    if (prefix && mp.size() >= best_len) {
      best_len = mp.size();
      best = fstype;
    }
  }
  return best;
}

}  // namespace

HostInfo collect_host_info(const std::filesystem::path& workdir) {
  std::error_code ec;
  const std::filesystem::path canonical = std::filesystem::canonical(workdir, ec);
  if (ec) throw moat::Error(MOAT_E_NOT_FOUND, "workdir " + workdir.string() + ": " + ec.message());

  HostInfo h;
  struct utsname u {};
  if (::uname(&u) == 0) {
    h.hostname = u.nodename;
    h.kernel = u.release;
  }
  h.os = os_pretty_name();
  h.cpu_model = proc_field("/proc/cpuinfo", "model name");
  const long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  h.cores = cores > 0 ? static_cast<int>(cores) : 0;
  if (const std::string mem = proc_field("/proc/meminfo", "MemTotal"); !mem.empty()) {
    h.memory_bytes = std::stoull(mem) * 1024ULL;  // "24584312 kB"
  }
  h.workdir = canonical.string();
  h.workdir_filesystem = filesystem_of(canonical);

  nlohmann::json extra = nlohmann::json::object();
  if (const std::string g = first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"); !g.empty()) {
    extra["cpu_governor"] = g;
  }
  if (const std::string smt = first_line("/sys/devices/system/cpu/smt/active"); !smt.empty()) {
    extra["smt_active"] = smt == "1";
  }
  if (const std::string fs = filesystem_of("/sys/fs/cgroup"); !fs.empty()) {
    extra["cgroup"] = fs == "cgroup2" ? "v2" : (fs == "tmpfs" ? "v1 or hybrid" : fs);
  }
  extra["dev_kvm"] = std::filesystem::exists("/dev/kvm", ec);
  for (const char* module : {"kvm_intel", "kvm_amd"}) {
    const std::string nested = first_line(std::string("/sys/module/") + module + "/parameters/nested");
    if (!nested.empty()) extra["kvm_nested"] = nested == "Y" || nested == "1";
  }
  h.extra = std::move(extra);
  return h;
}

}  // namespace moat::bench
