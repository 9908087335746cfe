// sysbox: moat's default runtime. Containers run with HostConfig.Runtime =
// sysbox-runc: a user namespace for every sandbox, Docker inside without
// --privileged, the inner /var/lib/docker on a volume. Sysbox is only used
// when it is really there: four checks (runtime registered, the binary is
// Sysbox, its daemons up, a non-identity uid_map in a smoke sandbox); a
// runtime registered under its name that is something else is never used.
// The probe also reports the host requirements Sysbox documents (ext4 or
// btrfs under its state, Docker not from a snap, how bound files keep their
// owner) and checks the last one in the smoke sandbox.
#include <moat/engine/docker_runtime.hpp>
#include <moat/plugin.hpp>
#include <moat/support/host_files.hpp>
#include <moat/support/json_read.hpp>
#include <moat/support/probe_evidence.hpp>
#include <moat/support/process.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <sstream>
#include <utility>

namespace {

using moat::engine::DindMode;
using json = nlohmann::json;

constexpr const char* kInstallHint =
    "install Sysbox CE from its .deb (https://github.com/nestybox/sysbox/releases: apt-get install "
    "./sysbox-ce_<version>.linux_amd64.deb), which registers sysbox-runc in /etc/docker/daemon.json";

// One rule, stated the same way in the notes, the probe and the docs
// (Sysbox docs: storage.md, design.md; matrix: host requirements).
constexpr const char* kBindOwnershipRule =
    "bind-mounted host files keep their owner only with ID-mapped mounts (kernel >= 5.12; for files on tmpfs "
    ">= 6.3) or shiftfs (needed below 5.12); otherwise they show as nobody:nogroup inside";

// sysbox-mgr makes its run dir 0700 (root), so a docker-group user gets
// EACCES on the sockets: that says nothing about whether the daemons run.
enum class SocketState { present, missing, not_socket, no_access };

SocketState socket_state(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return S_ISSOCK(st.st_mode) ? SocketState::present : SocketState::not_socket;
  return errno == EACCES || errno == EPERM ? SocketState::no_access : SocketState::missing;
}

const char* socket_state_name(SocketState s) {
  switch (s) {
    case SocketState::present:
      return "present";
    case SocketState::missing:
      return "missing";
    case SocketState::not_socket:
      return "not a socket";
    case SocketState::no_access:
      return "permission denied";
  }
  return "unknown";
}

bool at_least(const std::pair<int, int>& version, int major, int minor) {
  return version.first > major || (version.first == major && version.second >= minor);
}

// What `sysbox-runc --version` says: "sysbox-runc\n\tedition: ...\n\tversion: 0.6.4\n...".
bool looks_like_sysbox(const std::string& out) {
  if (moat::support::first_line(out).find("sysbox-runc") != std::string::npos) return true;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    if (line.find("edition:") != std::string::npos) return true;
  return false;
}

std::string field_value(const std::string& out, const std::string& key) {
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    auto pos = line.find(key + ":");
    if (pos == std::string::npos) continue;
    std::string v = line.substr(pos + key.size() + 1);
    v.erase(0, v.find_first_not_of(" \t"));
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r')) v.pop_back();
    return v;
  }
  return {};
}

// "0 0 4294967295" on every line: no user namespace.
bool identity_map(const std::string& uid_map) {
  std::istringstream in(uid_map);
  unsigned long long inside = 0, outside = 0, count = 0;
  bool any = false;
  while (in >> inside >> outside >> count) {
    any = true;
    if (inside != outside) return false;
  }
  return any;
}

class SysboxRuntime : public moat::engine::DockerRuntime {
 public:
  SysboxRuntime(moat::sdk::Host host, const json& config)
      : DockerRuntime(host, config, "sysbox", "sysbox-runc"),
        verify_(config_bool("verify", true)),
        files_(config_string("host_root", "/")) {}

  moat::Capabilities describe() {
    moat::Capabilities c;
    c.spec_fields = spec_fields_honoured();
    c.isolation = "user-namespace";
    c.docker_in_docker = true;
    c.persistent_dind = true;
    c.bind_mounts = true;
    c.dynamic_networking = true;
    c.unprivileged = true;
    c.notes = {
        // NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one note, split over lines on purpose
        "never privileged, never host network/pid/userns: Sysbox does not support --privileged, --net=host, "
        "--pid=host or --userns=host, and moat refuses such a spec",
        "Docker-in-Docker by default: volume <name>-docker on /var/lib/docker (inner images survive restarts); the "
        "inner dockerd is started when the image has one (always when spec.dind is set); options.dind=false turns "
        "this off",
        "no mknod inside, so no /dev/net/tun: run e.g. Tailscale as a sidecar on runc (options.engine_runtime "
        "\"runc\")",
        kBindOwnershipRule,
        "root inside a sandbox writes to a bind mount as host root: files it creates there are owned by root on the "
        "host",
        "available only when all four checks pass; config \"verify\": false skips them (diagnostics only: lets a "
        "test create a container with a stand-in runtime and inspect what the engine stored)"};
    return c;
  }

  moat::ProbeResult probe() {
    moat::ProbeResult p;
    p.engine_runtime = engine_runtime();
    Checks checks = static_checks(p.details);
    p.version = checks.version;
    if (!checks.failure.empty()) {
      p.reason = checks.failure;
      p.details["smoke"] = {{"ran", false}, {"why", "an earlier check failed"}};
      return p;
    }
    // (4) a smoke sandbox must live in a user namespace.
    if (!image_present(probe_image())) {
      p.reason = "check 4 (smoke sandbox) needs the image " + probe_image() + ": run 'moat image prepare base'";
      p.details["smoke"] = {{"ran", false}, {"why", p.reason}};
      return p;
    }
    BoundFile bound;
    auto run = smoke_run(engine_runtime(), {"sh", "-c", "cat /proc/self/uid_map; echo --; stat -c %u /moat-bound"},
                         probe_image(), {bound.path() + ":/moat-bound:ro"});
    p.details["smoke"] = run.to_json();
    if (!run.started || run.exit_code != 0 || !run.error.empty()) {
      p.reason =
          "check 4 failed: a smoke sandbox on '" + engine_runtime() + "' did not run: " +
          (run.error.empty() ? "exit code " + std::to_string(run.exit_code) + ": " + run.stderr_data : run.error);
      append_warnings(p);
      return p;
    }
    const auto split = run.stdout_data.find("--\n");
    const std::string uid_map = run.stdout_data.substr(0, split);
    if (identity_map(uid_map)) {
      p.reason = "check 4 failed: the smoke sandbox's /proc/self/uid_map is the identity map (" +
                 moat::support::first_line(uid_map) + "): no user namespace, so this is not Sysbox isolation";
      return p;
    }
    p.details["smoke"]["uid_map"] = moat::support::first_line(uid_map);
    record_bound_owner(
        p.details, split == std::string::npos ? std::string() : moat::support::trim(run.stdout_data.substr(split + 3)),
        bound.owner());
    record_dependencies(p, checks.files);
    p.available = true;
    return p;
  }

 protected:
  void validate_spec(const moat::SandboxSpec& spec, const std::string& rt) override {
    if (rt != engine_runtime()) return;  // a sidecar on another runtime: not Sysbox's rules
    if (spec.network == "host")
      throw moat::Error(MOAT_E_INVALID,
                        "network: Sysbox cannot use the host network (--net=host is a documented Sysbox limitation); "
                        "use the default bridge or a user-defined network");
    for (const char* key : {"pid", "userns", "ipc"}) {
      auto it = spec.options.find(key);
      if (it != spec.options.end() && it->is_string() && it->get<std::string>() == "host")
        throw moat::Error(MOAT_E_INVALID, std::string("options.") + key + ": Sysbox does not support --" + key +
                                              "=host (a documented limitation); remove it");
    }
  }

  std::string privileged_refusal(const std::string& rt) override {
    if (rt != engine_runtime()) return DockerRuntime::privileged_refusal(rt);
    return "options.privileged: Sysbox does not support privileged containers (a documented limitation) and does "
           "not need them: Docker runs inside a Sysbox sandbox unprivileged";
  }

  void require_available(const std::string& rt) override {
    if (rt != engine_runtime() || !verify_) return;
    std::lock_guard lock(mutex_);
    if (!cached_failure_) {
      json details = json::object();
      cached_failure_ = static_checks(details).failure;
    }
    if (!cached_failure_->empty())
      throw moat::Error(MOAT_E_UNAVAILABLE, "sysbox is not available: " + *cached_failure_);
  }

  DindMode dind_mode(const moat::SandboxSpec& spec) override {
    if (spec.dind) return DindMode::required;
    auto it = spec.options.find("dind");
    if (it != spec.options.end() && it->is_boolean() && !it->get<bool>()) return DindMode::off;
    // A sidecar on another engine runtime gets no inner Docker unless asked.
    if (engine_runtime_for(spec) != engine_runtime()) return DindMode::off;
    return DindMode::if_available;
  }

  void shape_container(const moat::SandboxSpec& spec, moat::engine::ContainerPlan& plan) override {
    // Sysbox itself makes Docker-in-Docker work: no capabilities, no
    // seccomp/AppArmor changes, only the persistent store.
    if (plan.dind != DindMode::off) plan.add_dind_volume();
  }

 private:
  struct Checks {
    std::string failure;  // the first failing check, with its fix; empty = checks 1-3 pass
    std::string version;
    std::vector<std::optional<std::string>> files;  // what they rest on: the executable, the daemons' sockets
  };

  // Checks 1-3 (cheap; create runs them too). Records what each saw in `details`.
  Checks static_checks(json& details) {
    Checks c;
    auto fail = [&c](const std::string& why) {
      if (c.failure.empty()) c.failure = why;
    };
    const std::string rt = engine_runtime();
    std::string reason;
    auto info = probe_engine(details, reason);
    if (!info)
      fail(reason);
    else {
      details["engine"].update(
          {{"kernel", info->value("KernelVersion", "")}, {"cgroup_version", info->value("CgroupVersion", "")}});
      host_requirements(*info, details);
    }

    // (1) registered with the engine.
    const bool registered = info && runtime_registered(*info, rt);
    details["check1_registered"] = {{"runtime", rt},
                                    {"registered", registered},
                                    {"engine_runtimes", info ? registered_runtimes(*info) : std::string()}};
    if (info && !registered) fail("check 1 failed: " + not_registered_reason(*info, rt) + "; " + kInstallHint);

    // (2) the binary behind it runs and is Sysbox.
    std::optional<std::string> exe;
    std::string exe_source;
    if (registered) {
      const std::string registered_path = moat::support::string_at((*info)["Runtimes"][rt], "path");
      exe = files_.find_program(registered_path);
      exe_source = "engine /info Runtimes[" + rt + "].path";
    }
    if (!exe) {
      exe = files_.find_program("sysbox-runc");
      exe_source = "service PATH lookup of sysbox-runc";
    }
    json check2 = {{"executable", exe ? *exe : std::string()}, {"found_via", exe_source}};
    if (!exe) {
      check2["ok"] = false;
      fail("check 2 failed: no sysbox-runc executable (not at the registered path, not on PATH); " +
           std::string(kInstallHint));
    } else {
      moat::support::ProcessResult r;
      check2["version_output"] =
          moat::support::run_evidence({files_.path(*exe), "--version"}, std::chrono::seconds(10), &r);
      const std::string out = r.stdout_data + r.stderr_data;
      if (r.spawn_failed || r.exit_code != 0) {
        check2["ok"] = false;
        fail("check 2 failed: '" + *exe + " --version' did not run (" +
             (r.spawn_failed ? r.spawn_error : "exit code " + std::to_string(r.exit_code)) + "); reinstall Sysbox CE");
      } else if (!looks_like_sysbox(out)) {
        check2["ok"] = false;
        check2["is_sysbox"] = false;
        fail("runtime '" + rt + "' is registered but is not Sysbox: " + moat::support::first_line(out));
      } else {
        check2["ok"] = true;
        check2["is_sysbox"] = true;
        c.version = field_value(out, "version");
        check2["edition"] = field_value(out, "edition");
      }
    }
    details["check2_binary"] = check2;
    if (exe) c.files.emplace_back(files_.path(*exe));

    // (3) the daemons: sysbox-mgr and sysbox-fs sockets (paths fixed upstream).
    const std::string mgr = "/run/sysbox/sysmgr.sock";
    const std::string fs = "/run/sysbox/sysfs.sock";
    const SocketState mgr_state = socket_state(files_.path(mgr));
    const SocketState fs_state = socket_state(files_.path(fs));
    json check3 = {{mgr, socket_state_name(mgr_state)}, {fs, socket_state_name(fs_state)}};
    std::optional<moat::support::ProcessResult> service;
    if (files_.staged()) {
      check3["systemctl"] = "not consulted: a staged host root";
    } else if (moat::support::find_in_path("systemctl") && ::access("/run/systemd/system", F_OK) == 0) {
      service.emplace();
      check3["systemctl"] = moat::support::run_evidence({"systemctl", "is-active", "sysbox", "sysbox-mgr", "sysbox-fs"},
                                                        std::chrono::seconds(10), &*service);
    } else {
      check3["systemctl"] = "not consulted: systemd is not running on this host";
    }
    const bool no_access = mgr_state == SocketState::no_access || fs_state == SocketState::no_access;
    if (mgr_state == SocketState::missing || fs_state == SocketState::missing || mgr_state == SocketState::not_socket ||
        fs_state == SocketState::not_socket) {
      fail("check 3 failed: the Sysbox daemons are not running (" +
           (mgr_state == SocketState::present || mgr_state == SocketState::no_access ? fs : mgr) + " is " +
           socket_state_name(mgr_state == SocketState::present || mgr_state == SocketState::no_access ? fs_state
                                                                                                      : mgr_state) +
           "); start them with 'systemctl start sysbox' (sysbox-mgr and sysbox-fs), or " + kInstallHint);
    } else if (no_access) {
      check3["note"] = "/run/sysbox is readable by root only (sysbox-mgr makes it 0700) and moat runs as uid " +
                       std::to_string(::getuid()) + ": the service state and the smoke sandbox decide";
      if (service && !service->spawn_failed && service->exit_code != 0)
        fail("check 3 failed: the Sysbox service is not active (systemctl is-active: " +
             moat::support::trim(service->stdout_data) + "); start it with 'systemctl start sysbox'");
    }
    details["check3_daemons"] = check3;
    c.files.emplace_back(files_.path(mgr));
    c.files.emplace_back(files_.path(fs));
    return c;
  }

  // A file of this user's, bound into the smoke sandbox to see whose it looks
  // like inside; removed when the probe ends.
  class BoundFile {
   public:
    BoundFile() {
      std::string pattern = (std::filesystem::temp_directory_path() / "moat-sysbox-probe-XXXXXX").string();
      const int fd = ::mkstemp(pattern.data());
      if (fd >= 0) {
        ::close(fd);
        path_ = pattern;
      }
    }
    ~BoundFile() {
      if (!path_.empty()) ::unlink(path_.c_str());
    }
    BoundFile(const BoundFile&) = delete;
    BoundFile& operator=(const BoundFile&) = delete;
    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] static long owner() { return static_cast<long>(::getuid()); }

   private:
    std::string path_;
  };

  // What the smoke sandbox saw of the bound file: the host owner kept, or
  // nobody (no ID-mapped mount, no shiftfs).
  static void record_bound_owner(nlohmann::json& details, const std::string& seen, long host_uid) {
    json entry = {{"host_uid", host_uid}, {"uid_inside", seen}, {"rule", kBindOwnershipRule}};
    entry["owner_kept"] = seen == std::to_string(host_uid);
    details["smoke"]["bound_file"] = entry;
    if (!entry["owner_kept"].get<bool>())
      details["warnings"].push_back("a bound file of uid " + std::to_string(host_uid) + " shows as uid " +
                                    (seen.empty() ? std::string("?") : seen) +
                                    " inside: workspaces will not be writable by their owner; " + kBindOwnershipRule);
  }

  // The host requirements Sysbox documents (troubleshoot.md, install-package.md)
  // and the kernel features behind bind-mount ownership; a problem becomes a
  // warning that the reason carries when the sandbox then fails.
  void host_requirements(const nlohmann::json& info, nlohmann::json& details) {
    json req = json::object();
    for (const auto& dir : std::vector<std::string>{"/var/lib/sysbox", info.value("DockerRootDir", std::string())}) {
      if (dir.empty()) continue;
      auto type = files_.filesystem_type(dir);
      const bool ok = type && (*type == "ext4" || *type == "btrfs");
      req["filesystems"][dir] = {{"type", type ? json(*type) : json(nullptr)}, {"ok", ok}};
      if (type && !ok)
        details["warnings"].push_back(dir + " is on " + *type +
                                      ": Sysbox needs ext4 or btrfs there (Sysbox troubleshooting guide)");
    }
    const std::string root_dir = info.value("DockerRootDir", std::string());
    const bool snap = root_dir.rfind("/var/snap/docker", 0) == 0 || files_.exists("/snap/docker");
    req["docker_from_snap"] = snap;
    if (snap)
      details["warnings"].push_back(
          "Docker is installed as a snap, which Sysbox does not support: install Docker from its .deb packages");
    const auto kernel = moat::support::kernel_major_minor(info.value("KernelVersion", std::string()));
    const bool shiftfs = files_.exists("/sys/module/shiftfs");
    req["bind_mount_ownership"] = {{"kernel", info.value("KernelVersion", std::string())},
                                   {"idmapped_mounts", at_least(kernel, 5, 12)},
                                   {"idmapped_mounts_on_tmpfs", at_least(kernel, 6, 3)},
                                   {"shiftfs_module", shiftfs},
                                   {"rule", kBindOwnershipRule}};
    if (!at_least(kernel, 5, 12) && !shiftfs)
      details["warnings"].push_back("kernel " + info.value("KernelVersion", std::string()) +
                                    " has no ID-mapped mounts and shiftfs is not loaded: " + kBindOwnershipRule);
    details["host_requirements"] = req;
  }

  static void append_warnings(moat::ProbeResult& p) {
    if (!p.details.contains("warnings")) return;
    for (const auto& w : p.details["warnings"]) p.reason += "; " + w.get<std::string>();
  }

  bool verify_;
  moat::support::HostFiles files_;
  std::mutex mutex_;
  std::optional<std::string> cached_failure_;  // checks 1-3, once per instance
};

}  // namespace

MOAT_PLUGIN_DEFINE(SysboxRuntime, "sysbox", "0.1.0",
                   "Docker Engine with Sysbox (sysbox-runc): user-namespace sandboxes with Docker inside, unprivileged")
