#include <moat/matrix/host_facts.hpp>

#include <moat/core/engine_facts.hpp>
#include <moat/support/json_read.hpp>
#include <moat/support/probe_evidence.hpp>
#include <moat/support/process.hpp>
#include <moat/support/text.hpp>

#include "check_helpers.hpp"

#include <fcntl.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

namespace moat::matrix {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

bool path_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

std::string os_pretty_name() {
  std::istringstream in(detail::read_host_file("/etc/os-release"));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("PRETTY_NAME=", 0) != 0) continue;
    std::string v = line.substr(12);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    return v;
  }
  return {};
}

json cgroup_facts() {
  json j;
  const std::string type = filesystem_type("/sys/fs/cgroup");
  j["fs_type"] = type;
  if (type == "cgroup2") {
    j["version"] = "v2";
    j["controllers"] = support::trim(detail::read_host_file("/sys/fs/cgroup/cgroup.controllers"));
  } else {
    j["version"] = path_exists("/sys/fs/cgroup/unified") ? "v1 (hybrid: v2 mounted at /sys/fs/cgroup/unified)" : "v1";
    j["devices_controller"] = path_exists("/sys/fs/cgroup/devices");
  }
  return j;
}

json kvm_facts() {
  json j;
  j["dev_kvm"] = path_exists("/dev/kvm");
  if (j["dev_kvm"].get<bool>()) {
    const int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
    j["dev_kvm_openable"] = fd >= 0;
    if (fd >= 0) ::close(fd);
  }
  json modules = json::array();
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/sys/module", ec)) {
    const std::string n = e.path().filename().string();
    if (n.rfind("kvm", 0) == 0) modules.push_back(n);
  }
  j["modules"] = modules;
  json nested = json::object();
  for (const char* m : {"kvm_intel", "kvm_amd"}) {
    const fs::path p = fs::path("/sys/module") / m / "parameters" / "nested";
    if (path_exists(p)) nested[m] = support::trim(detail::read_host_file(p));
  }
  j["nested"] = nested;
  const std::string cpuinfo = detail::read_host_file("/proc/cpuinfo");
  auto flag = [&](const std::string& f) {
    std::istringstream in(cpuinfo);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("flags", 0) != 0) continue;
      std::istringstream words(line.substr(line.find(':') + 1));
      for (std::string w; words >> w;)
        if (w == f) return true;
      return false;  // the first CPU's flags are enough
    }
    return false;
  };
  j["cpu_vmx_or_svm"] = flag("vmx") || flag("svm");
  j["running_in_vm"] = flag("hypervisor");
  return j;
}

// The engine's own dockerd: comm "dockerd" in this process's PID namespace
// (inner dockerds of DinD sandboxes live in other namespaces).
std::optional<long> host_dockerd_pid() {
  std::error_code ec;
  const auto self_ns = fs::read_symlink("/proc/self/ns/pid", ec);
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string n = e.path().filename().string();
    if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos) continue;
    if (support::trim(detail::read_host_file(e.path() / "comm")) != "dockerd") continue;
    std::error_code ec2;
    if (fs::read_symlink(e.path() / "ns" / "pid", ec2) != self_ns || ec2) continue;
    return std::stol(n);
  }
  return std::nullopt;
}

std::size_t count_entries(const fs::path& dir) {
  std::error_code ec;
  std::size_t n = 0;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) ++n;
  return n;
}

}  // namespace

std::string filesystem_type(const fs::path& path) {
  struct statfs s {};
  if (::statfs(path.c_str(), &s) != 0) return "unknown";
  static const std::map<unsigned long, std::string> names = {
      {0xEF53, "ext4"},        {0x58465342, "xfs"},     {0x9123683E, "btrfs"}, {0x01021994, "tmpfs"},
      {0x794C7630, "overlay"}, {0x63677270, "cgroup2"}, {0x27e0eb, "cgroup"},  {0x6969, "nfs"},
      {0x4d44, "vfat"},        {0xF2F52010, "f2fs"},    {0x2fc12fc1, "zfs"},   {0x65735546, "fuse"},
      {0x858458f6, "ramfs"},   {0x73717368, "squashfs"}};
  auto it = names.find(static_cast<unsigned long>(s.f_type));
  if (it != names.end()) return it->second;
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(s.f_type));
  return buf;
}

std::optional<std::pair<int, int>> idmap_min_kernel(const std::string& filesystem) {
  // Linux's FS_ALLOW_IDMAP, by the release that added it per filesystem.
  static const std::map<std::string, std::pair<int, int>> since = {
      {"ext4", {5, 12}}, {"xfs", {5, 12}},     {"vfat", {5, 12}}, {"btrfs", {5, 15}},
      {"f2fs", {5, 18}}, {"overlay", {5, 19}}, {"tmpfs", {6, 3}}, {"fuse", {6, 12}}};
  auto it = since.find(filesystem);
  if (it == since.end()) return std::nullopt;
  return it->second;
}

json gather_host_facts(engine::DockerClient* engine, const fs::path& workdir) {
  json j;
  const std::string kernel = support::kernel_release();
  j["kernel"] = kernel;
  const auto [major, minor] = support::kernel_major_minor(kernel);
  j["os"] = os_pretty_name();
  j["cores"] = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
  j["cgroup"] = cgroup_facts();

  const std::string wfs = filesystem_type(workdir);
  const auto min = idmap_min_kernel(wfs);
  const bool kernel_ok = major > 5 || (major == 5 && minor >= 12);
  j["idmapped_mounts"] = {
      {"kernel_supports", kernel_ok},
      {"workdir", workdir.string()},
      {"workdir_filesystem", wfs},
      {"filesystem_supports_since",
       min ? json(std::to_string(min->first) + "." + std::to_string(min->second)) : json(nullptr)},
      {"supported", kernel_ok && min && (major > min->first || (major == min->first && minor >= min->second))}};
  j["shiftfs_module"] = path_exists("/sys/module/shiftfs");
  j["kvm"] = kvm_facts();
  j["user_namespaces"] = {
      {"max_user_namespaces", support::trim(detail::read_host_file("/proc/sys/user/max_user_namespaces"))}};

  // Reference points for the isolation probe.
  const long self = ::getpid();
  j["self_pid"] = self;
  if (auto st = support::stat_comm_starttime(detail::read_host_file("/proc/self/stat"))) {
    j["self_comm"] = st->first;
    j["self_starttime"] = st->second;
  }
  if (auto d = host_dockerd_pid()) j["dockerd_pid"] = *d;
  j["dev_entries"] = count_entries("/dev");
  j["proc_entries"] = [] {
    std::size_t n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/proc", ec)) {
      const std::string s = e.path().filename().string();
      if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos) ++n;
    }
    return n;
  }();

  if (engine != nullptr) {
    const core::EngineFacts facts = core::collect_engine_facts(*engine);
    if (facts.reachable) {
      j["engine"] = {{"reachable", true},
                     {"server_version", support::string_at(facts.info, "ServerVersion")},
                     {"api_version", facts.api_version},
                     {"default_runtime", support::string_at(facts.info, "DefaultRuntime")},
                     {"runtimes", facts.runtimes()},
                     {"cgroup_driver", support::string_at(facts.info, "CgroupDriver")},
                     {"cgroup_version", support::string_at(facts.info, "CgroupVersion")},
                     {"storage_driver", support::string_at(facts.info, "Driver")}};
    } else {
      j["engine"] = {{"reachable", false}, {"error", facts.error}};
    }
  }
  return j;
}

}  // namespace moat::matrix
