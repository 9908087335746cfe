// kata: containers in lightweight VMs through the containerd shim
// io.containerd.kata.v2. The probe looks at everything Kata needs on the host
// (/dev/kvm, kata-runtime and its own `check`, the shim, the engine's view)
// and names every check that fails.
#include <moat/engine/docker_runtime.hpp>
#include <moat/plugin.hpp>
#include <moat/support/probe_evidence.hpp>
#include <moat/support/process.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <utility>

namespace {

using moat::engine::DindMode;
using json = nlohmann::json;

constexpr const char* kInstallHint =
    "install Kata Containers 3.x (the static release tarball under /opt/kata, with containerd-shim-kata-v2 linked "
    "into PATH)";

// "io.containerd.kata.v2": a containerd shim name, which Docker >= 23 accepts
// at create when the shim binary is on PATH, even though /info omits it.
bool is_shim_name(const std::string& rt) {
  return rt.rfind("io.containerd.", 0) == 0 && rt.find('/') == std::string::npos;
}

// io.containerd.kata.v2 -> containerd-shim-kata-v2
std::string shim_binary(const std::string& rt) {
  std::string rest = rt.substr(std::string("io.containerd.").size());
  auto dot = rest.rfind('.');
  if (dot == std::string::npos) return "containerd-shim-" + rest;
  return "containerd-shim-" + rest.substr(0, dot) + "-" + rest.substr(dot + 1);
}

int docker_major(const std::string& server_version) {
  int major = 0;
  return std::sscanf(server_version.c_str(), "%d", &major) == 1 ? major : 0;
}

class KataRuntime : public moat::engine::DockerRuntime {
 public:
  KataRuntime(moat::sdk::Host host, const json& config)
      : DockerRuntime(host, config, "kata", "io.containerd.kata.v2") {}

  moat::Capabilities describe() {
    moat::Capabilities c;
    c.isolation = "vm";
    c.docker_in_docker = false;
    c.persistent_dind = false;
    c.bind_mounts = true;
    c.dynamic_networking = false;
    c.unprivileged = true;
    c.notes = {
        // NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one note, split over lines on purpose
        "each sandbox is a lightweight VM with its own guest kernel (QEMU, Cloud Hypervisor, Firecracker, ... as "
        "Kata's configuration.toml selects); needs /dev/kvm (nested virtualisation inside a cloud VM)",
        "bind mounts reach the guest over virtio-fs (a shared-filesystem trust surface)",
        "Docker-in-Docker is documented by Kata only with a memory-backed or loop-mounted /var/lib/docker; moat's "
        "dind mode here uses a tmpfs /var/lib/docker (not persistent) and is not declared as supported",
        "--net=host is refused (\"Do not use --net=host with Kata Containers\"); attaching networks to a running "
        "VM is not declared as supported",
        "Docker accepts a shim name on PATH (io.containerd.kata.v2) only from Docker 23; Docker 20.10 needs the "
        "runtime registered in daemon.json"};
    return c;
  }

  moat::ProbeResult probe() {
    moat::ProbeResult p;
    p.engine_runtime = engine_runtime();
    std::vector<std::string> failures;
    json& d = p.details;

    // /dev/kvm: Kata's hypervisors need hardware virtualisation.
    struct stat st {};
    const bool kvm_exists = ::stat("/dev/kvm", &st) == 0 && S_ISCHR(st.st_mode);
    bool kvm_usable = false;
    if (kvm_exists) {
      int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
      kvm_usable = fd >= 0;
      if (fd >= 0) ::close(fd);
    }
    d["dev_kvm"] = {{"present", kvm_exists}, {"openable_rw", kvm_usable}};
    if (!kvm_exists)
      failures.push_back("/dev/kvm is missing: enable hardware virtualisation (nested virtualisation in a cloud VM)");
    else if (!kvm_usable)
      failures.push_back("/dev/kvm exists but cannot be opened read-write by this user");

    // kata-runtime, and what its own check says.
    auto kata_runtime = moat::support::find_in_path("kata-runtime");
    if (!kata_runtime && ::access("/opt/kata/bin/kata-runtime", X_OK) == 0) kata_runtime = "/opt/kata/bin/kata-runtime";
    d["kata_runtime"] = {{"path", kata_runtime ? *kata_runtime : std::string()}};
    if (!kata_runtime) {
      failures.push_back("kata-runtime is not installed (not on PATH, not in /opt/kata/bin); " +
                         std::string(kInstallHint));
    } else {
      moat::support::ProcessResult version;
      d["kata_runtime"]["version"] =
          moat::support::run_evidence({*kata_runtime, "--version"}, std::chrono::seconds(10), &version);
      p.version = moat::support::first_line(version.stdout_data);
      moat::support::ProcessResult check;
      d["kata_runtime"]["check"] = moat::support::run_evidence({*kata_runtime, "check", "--no-network-checks"},
                                                               std::chrono::seconds(60), &check);
      d["kata_runtime"]["env"] = moat::support::run_evidence({*kata_runtime, "env"}, std::chrono::seconds(20));
      if (check.exit_code != 0)
        failures.push_back(
            "'kata-runtime check --no-network-checks' failed (exit " + std::to_string(check.exit_code) +
            "): " + moat::support::first_line(check.stderr_data.empty() ? check.stdout_data : check.stderr_data));
    }

    // The shim Docker would start.
    const bool shim_name = is_shim_name(engine_runtime());
    std::optional<std::string> shim;
    if (shim_name) {
      const std::string bin = shim_binary(engine_runtime());
      shim = moat::support::find_in_path(bin);
      d["shim"] = {{"binary", bin}, {"path", shim ? *shim : std::string()}};
      if (!shim)
        failures.push_back(bin + " is not on PATH (Docker starts the shim " + engine_runtime() + " from PATH)");
    }

    // The engine's view.
    std::string reason;
    auto info = probe_engine(d, reason);
    if (!info) {
      failures.push_back(reason);
    } else {
      const std::string server = info->value("ServerVersion", "");
      const bool registered = runtime_registered(*info, engine_runtime());
      d["engine"].update({{"registered", registered}, {"engine_runtimes", registered_runtimes(*info)}});
      if (!registered) {
        if (!shim_name) {
          failures.push_back(not_registered_reason(*info, engine_runtime()));
        } else if (docker_major(server) < 23) {
          failures.push_back("Docker " + server +
                             " accepts only runtimes registered in daemon.json (shim names on "
                             "PATH need Docker >= 23); register {\"runtimes\": {\"kata\": {\"runtimeType\": "
                             "\"io.containerd.kata.v2\"}}} on Docker >= 24, or upgrade Docker");
        } else {
          d["engine"]["note"] = "not listed in /info, which is normal for a shim on PATH";
        }
      }
    }

    if (!failures.empty()) {
      std::string text;
      for (const auto& f : failures) text += (text.empty() ? "" : "; ") + f;
      p.reason = "kata is not usable here: " + text;
      d["failed_checks"] = failures;
      return p;
    }
    p.available = true;
    return p;
  }

 protected:
  void validate_spec(const moat::SandboxSpec& spec, const std::string& rt) override {
    if (rt == engine_runtime() && spec.network == "host")
      throw moat::Error(MOAT_E_INVALID,
                        "network: Kata Containers does not support the host network (\"Do not use --net=host with "
                        "Kata Containers\"); use the default bridge or a user-defined network");
  }

  void shape_container(const moat::SandboxSpec& spec, moat::engine::ContainerPlan& plan) override {
    if (plan.dind == DindMode::off) return;
    // virtio-fs cannot be an overlayfs upper layer: give the inner Docker a
    // memory-backed store inside the guest. The capabilities apply to the guest.
    plan.add_dind_capabilities();
    if (!plan.has_target("/var/lib/docker")) plan.add_tmpfs("/var/lib/docker");
  }
};

}  // namespace

MOAT_PLUGIN_DEFINE(KataRuntime, "kata", "0.1.0",
                   "Docker Engine with Kata Containers (io.containerd.kata.v2): each sandbox a lightweight VM")
