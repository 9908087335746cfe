// kata, kata-qemu, kata-clh: each sandbox a lightweight VM with its own guest
// kernel, started by Docker through Kata's containerd shim. One source, three
// plugins (MOAT_KATA_VARIANT): Kata's default configuration, and QEMU and
// Cloud Hypervisor each as a runtime registered with its own ConfigPath.
//
// Available means a smoke container ran on a kernel that is not the host's.
// Everything before it (Docker's version, the registration, the shim, the
// configuration and its hypervisor, the Kata version) names the fix when it
// fails; /dev/kvm and `kata-runtime check` are evaluated as moat's user,
// while Docker uses them as root, so they are diagnostics only.
#include "kata_install.hpp"

#include <moat/engine/docker_runtime.hpp>
#include <moat/plugin.hpp>
#include <moat/support/host_files.hpp>
#include <moat/support/json_read.hpp>
#include <moat/support/probe_evidence.hpp>
#include <moat/support/process.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <optional>
#include <utility>

#ifndef MOAT_KATA_VARIANT
#define MOAT_KATA_VARIANT "kata"
#endif

namespace {

using moat::engine::DindMode;
using json = nlohmann::json;

int docker_major(const std::string& server_version) {
  int major = 0;
  return std::sscanf(server_version.c_str(), "%d", &major) == 1 ? major : 0;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string text;
  for (const auto& p : parts) text += (text.empty() ? "" : "; ") + p;
  return text;
}

class KataRuntime : public moat::engine::DockerRuntime {
 public:
  KataRuntime(moat::sdk::Host host, const json& config)
      : DockerRuntime(host, config, MOAT_KATA_VARIANT, moat::kata::variant(MOAT_KATA_VARIANT).registered_name),
        variant_(moat::kata::variant(MOAT_KATA_VARIANT)),
        verify_(config_bool("verify", true)),
        files_(config_string("host_root", "/")),
        daemon_config_(config_string("daemon_config", "")) {}

  moat::Capabilities describe() {
    moat::Capabilities c;
    c.spec_fields = spec_fields_honoured();
    c.isolation = "vm";
    c.docker_in_docker = false;
    c.persistent_dind = false;
    c.bind_mounts = true;
    c.dynamic_networking = false;
    c.unprivileged = true;
    c.notes = {
        // NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one note, split over lines on purpose
        "each sandbox is a lightweight VM with its own guest kernel; available only when a smoke container runs on a "
        "kernel that is not the host's",
        hypervisor_note(),
        "Docker >= 23 runs Kata 2+ (shim names on dockerd's PATH), >= 24 registers it with runtimeType and "
        "options.ConfigPath in daemon.json; Docker before 23 cannot run Kata 2+ at all. Docker >= 26 needs Kata >= "
        "3.29 (Go runtime) or 3.30 (Rust runtime), else containers get only a loopback interface "
        "(kata-containers#9340)",
        "bind mounts reach the guest over virtio-fs (a shared-filesystem trust surface)",
        "connecting or disconnecting a network of a running sandbox is not supported by Kata yet "
        "(kata-containers PR #11749)",
        "Docker-in-Docker is documented by Kata only with a memory-backed or loop-mounted /var/lib/docker and "
        "privileged containers; moat's dind mode here uses a tmpfs /var/lib/docker and is not declared as supported",
        "--net=host is refused (\"Do not use --net=host with Kata Containers\")",
        "config \"verify\": false skips the checks at create (diagnostics only: lets a test create a container with a "
        "stand-in runtime and inspect what the engine stored)"};
    return c;
  }

  // A network reaches a Kata VM only at start: connecting or disconnecting
  // one while it runs is not supported yet (kata-containers PR #11749).
  void connect_network(const std::string& name, const std::string& network) {
    refuse_while_running(name, "connect it to network '" + network + "'");
    DockerRuntime::connect_network(name, network);
  }

  void disconnect_network(const std::string& name, const std::string& network) {
    refuse_while_running(name, "disconnect it from network '" + network + "'");
    DockerRuntime::disconnect_network(name, network);
  }

  moat::ProbeResult probe() {
    moat::ProbeResult p;
    json& d = p.details;
    diagnostics(d);
    std::string reason;
    auto info = probe_engine(d, reason);
    if (!info) {
      p.engine_runtime = engine_runtime();
      p.reason = variant_.id + " is not usable here: " + reason;
      return p;
    }
    const Assessment a = assess(*info, d);
    p.engine_runtime = a.target.runtime.empty() ? engine_runtime() : a.target.runtime;
    p.version = a.version;
    if (!a.failures.empty()) {
      d["failed_checks"] = a.failures;
      d["smoke"] = {{"ran", false}, {"why", "an earlier check failed"}};
      p.reason = variant_.id + " is not usable here: " + joined(a.failures);
      return p;
    }
    if (!image_present(probe_image())) {
      p.reason = "the smoke container needs the image " + probe_image() + ": run 'moat image prepare base'";
      d["smoke"] = {{"ran", false}, {"why", p.reason}};
      return p;
    }
    // A VM has its own kernel: the one decisive check.
    auto run = smoke_run(a.target.runtime, {"uname", "-r"}, probe_image());
    d["smoke"] = run.to_json();
    const std::string host_kernel = moat::support::string_at(*info, "KernelVersion");
    const std::string guest_kernel = moat::support::first_line(run.stdout_data);
    if (!run.started || run.exit_code != 0 || !run.error.empty()) {
      p.reason =
          variant_.id + " is not usable here: a smoke container on '" + a.target.runtime + "' did not run: " +
          (run.error.empty() ? "exit code " + std::to_string(run.exit_code) + ": " + run.stderr_data : run.error);
      return p;
    }
    d["smoke"]["guest_kernel"] = guest_kernel;
    d["smoke"]["host_kernel"] = host_kernel;
    if (guest_kernel.empty()) {
      p.reason = variant_.id + " is not usable here: the smoke container on '" + a.target.runtime +
                 "' printed no kernel release (uname -r)";
      return p;
    }
    if (guest_kernel == host_kernel) {
      p.reason = variant_.id + " is not usable here: the smoke container on '" + a.target.runtime +
                 "' ran on the host's kernel (" + host_kernel + "), so it was not a Kata VM";
      return p;
    }
    record_dependencies(p, {runtime_executable(*info, a.target.runtime)});
    p.available = true;
    return p;
  }

 protected:
  std::string engine_runtime_for(const moat::SandboxSpec& spec) override {
    if (is_sidecar(spec)) return DockerRuntime::engine_runtime_for(spec);
    const Assessment a = assessment();
    return a.target.runtime.empty() ? engine_runtime() : a.target.runtime;
  }

  void require_available(const std::string& rt) override {
    if (!verify_) return;
    const Assessment a = assessment();
    if (rt != a.target.runtime && rt != engine_runtime()) return;  // a sidecar on another runtime
    if (!a.failures.empty())
      throw moat::Error(MOAT_E_UNAVAILABLE, variant_.id + " is not available: " + joined(a.failures));
  }

  void validate_spec(const moat::SandboxSpec& spec, const std::string& rt) override {
    if (!is_sidecar(spec) && spec.network == "host")
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

 private:
  struct Assessment {
    moat::kata::Target target;
    std::string version;
    std::vector<std::string> failures;  // decisive, in the order a user fixes them
  };

  std::string hypervisor_note() const {
    if (variant_.hypervisor == "qemu")
      return "QEMU, registered as 'kata-qemu' with options.ConfigPath = Kata's configuration-qemu.toml; the "
             "hypervisor upstream tests Docker with";
    if (variant_.hypervisor == "clh")
      return "Cloud Hypervisor, registered as 'kata-clh' with options.ConfigPath = Kata's configuration-clh.toml; "
             "it has network hotplug and virtio-fs, which Docker needs";
    return "the hypervisor Kata's default configuration selects (QEMU unless changed); Firecracker is refused under "
           "Docker (no network hotplug, no virtio-fs: kata-containers#10661)";
  }

  // Everything up to the smoke run, from the engine's /info and the host's
  // files. Cheap enough for create, which asks once per instance.
  Assessment assess(const json& info, json& d) {
    Assessment a;
    const std::string server = moat::support::string_at(info, "ServerVersion");
    const int major = docker_major(server);
    d["engine"]["kernel"] = moat::support::string_at(info, "KernelVersion");
    if (major < 23)
      a.failures.push_back(
          "Docker " + server +
          " cannot run Kata 2+, a containerd shim (Docker runs shim names from 23.0 and registers runtimeType and "
          "options.ConfigPath from 24.0): upgrade to Docker >= 24 (docker-ce from download.docker.com; Debian 12's "
          "docker.io is 20.10)");

    const std::string config_path = daemon_config_.empty() ? moat::kata::daemon_config_path(files_) : daemon_config_;
    json daemon = json::object();
    if (auto text = files_.read(config_path)) daemon = json::parse(*text, nullptr, false);
    d["daemon_config"] = {{"path", config_path}, {"readable", !daemon.is_discarded() && !daemon.empty()}};
    if (daemon.is_discarded()) daemon = json::object();

    std::vector<std::string> candidates;
    if (engine_runtime_configured())
      candidates = {engine_runtime()};
    else
      candidates = {variant_.registered_name, variant_.shim_name};
    a.target = moat::kata::resolve(variant_, candidates, info, daemon, major, files_);
    d["runtime"] = a.target.details;
    d["runtime"].update({{"name", a.target.runtime},
                         {"how", a.target.how},
                         {"shim", a.target.shim},
                         {"config", a.target.config},
                         {"config_explicit", a.target.config_explicit},
                         {"rust_runtime", a.target.rust}});
    for (const auto& f : a.target.failures) a.failures.push_back(f);

    // The Kata version, from the shim Docker starts (kata-runtime is optional:
    // Kata 4.x's default tarball no longer ships it).
    if (!a.target.shim.empty()) {
      moat::support::ProcessResult r;
      d["runtime"]["version_output"] =
          moat::support::run_evidence({files_.path(a.target.shim), "--version"}, std::chrono::seconds(10), &r);
      if (auto v = moat::kata::parse_version(r.stdout_data + r.stderr_data)) {
        a.version = std::to_string((*v)[0]) + "." + std::to_string((*v)[1]) + "." + std::to_string((*v)[2]);
        const int needed_minor = a.target.rust ? 30 : 29;
        const bool old = (*v)[0] < 3 || ((*v)[0] == 3 && (*v)[1] < needed_minor);
        if (major >= 26 && old)
          a.failures.push_back("Docker " + server + " with Kata " + a.version +
                               " gives containers only a loopback "
                               "interface (kata-containers#9340): upgrade Kata to >= 3." +
                               std::to_string(needed_minor) + (a.target.rust ? " (Rust runtime)" : " (Go runtime)"));
      } else if (major >= 26) {
        d["runtime"]["version_note"] =
            "the shim's --version named no version; Docker >= 26 needs Kata >= 3.29 (Go) or 3.30 (Rust)";
      }
    }
    return a;
  }

  void refuse_while_running(const std::string& name, const std::string& what) {
    const moat::SandboxInfo info = inspect_sandbox(name);
    if (info.running && info.engine_runtime == engine_runtime_for(moat::SandboxSpec{}))
      throw moat::Error(MOAT_E_UNSUPPORTED, "sandbox '" + name + "' runs in a Kata VM, which cannot " + what +
                                                " while it runs (not supported by Kata yet: kata-containers PR "
                                                "#11749); stop it first, or give the network at create");
  }

  static bool is_sidecar(const moat::SandboxSpec& spec) {
    auto it = spec.options.find("engine_runtime");
    return it != spec.options.end() && it->is_string();
  }

  // Cached per instance once the engine answered: create asks before every
  // sandbox.
  Assessment assessment() {
    std::lock_guard lock(mutex_);
    if (cached_) return assessment_;
    std::string reason;
    auto info = engine_info(reason);
    if (!info) {
      assessment_ = Assessment{};
      assessment_.failures.push_back(reason);
      return assessment_;
    }
    json details = json::object();
    assessment_ = assess(*info, details);
    cached_ = true;
    return assessment_;
  }

  // What moat's user can see; Docker uses these as root, so they decide nothing.
  void diagnostics(json& d) {
    struct stat st {};
    const std::string kvm = files_.path("/dev/kvm");
    const bool present = ::stat(kvm.c_str(), &st) == 0 && S_ISCHR(st.st_mode);
    bool openable = false;
    if (present) {
      const int fd = ::open(kvm.c_str(), O_RDWR | O_CLOEXEC);
      openable = fd >= 0;
      if (fd >= 0) ::close(fd);
    }
    d["diagnostics"]["dev_kvm"] = {{"present", present}, {"openable_rw_by_this_user", openable}};
    auto kata_runtime = files_.find_program("kata-runtime", "/opt/kata/bin:/usr/local/bin:/usr/bin");
    if (!kata_runtime) {
      d["diagnostics"]["kata_runtime"] =
          "not installed (optional: Kata 4.x's default tarball ships only the Rust shim)";
      return;
    }
    d["diagnostics"]["kata_runtime"] = {
        {"path", *kata_runtime},
        {"check", moat::support::run_evidence({files_.path(*kata_runtime), "check", "--no-network-checks"},
                                              std::chrono::seconds(60))}};
  }

  const moat::kata::Variant& variant_;
  bool verify_;  // false: create without the checks (diagnostics only, as Sysbox's)
  moat::support::HostFiles files_;
  std::string daemon_config_;  // config "daemon_config"; empty = find dockerd's
  std::mutex mutex_;
  bool cached_ = false;
  Assessment assessment_;
};

}  // namespace

MOAT_PLUGIN_DEFINE(KataRuntime, MOAT_KATA_VARIANT, "0.1.0",
                   "Docker Engine with Kata Containers (" MOAT_KATA_VARIANT
                   "): each sandbox a lightweight VM with its own kernel")
