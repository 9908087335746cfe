// runc: the engine's plain runtime, the baseline every other runtime is
// compared with. Optional Docker-in-Docker mode with the explicit capability
// set that works on hosts where --privileged does not (see README.md).
#include <moat/engine/docker_runtime.hpp>
#include <moat/plugin.hpp>
#include <moat/support/probe_evidence.hpp>

#include <utility>

namespace {

using moat::engine::DindMode;
using json = nlohmann::json;

class RuncRuntime : public moat::engine::DockerRuntime {
 public:
  RuncRuntime(moat::sdk::Host host, const json& config) : DockerRuntime(host, config, "runc", "runc") {}

  moat::Capabilities describe() {
    moat::Capabilities c;
    c.spec_fields = spec_fields_honoured();
    c.isolation = "namespaces";
    c.docker_in_docker = true;
    c.persistent_dind = true;
    c.bind_mounts = true;
    c.dynamic_networking = true;
    c.unprivileged = true;
    c.notes = {
        "shares the host kernel: isolation is Linux namespaces, cgroups, seccomp and AppArmor only",
        "DinD mode (spec.dind) is NOT isolating: it grants every capability except SYS_RESOURCE, disables seccomp "
        "and AppArmor, allows all devices and mounts the host's /sys/fs/cgroup read-write; treat such a sandbox as "
        "root on the host",
        "DinD keeps the inner /var/lib/docker on the volume <name>-docker, so inner images survive restarts",
        "engine runtime: config runtime_name (default \"runc\"); per sandbox: options.engine_runtime"};
    return c;
  }

  moat::ProbeResult probe() {
    moat::ProbeResult p;
    p.engine_runtime = engine_runtime();
    auto info = probe_engine(p.details, p.reason);
    if (!info) return p;
    p.details["engine"].update({{"api_version", client().api_version()},
                                {"default_runtime", info->value("DefaultRuntime", "")},
                                {"cgroup_version", info->value("CgroupVersion", "")},
                                {"kernel", info->value("KernelVersion", "")}});
    p.details["runtimes"] = registered_runtimes(*info);
    if (!runtime_registered(*info, engine_runtime())) {
      p.reason = not_registered_reason(*info, engine_runtime()) + "; set runc.runtime_name to one of those";
      p.details["registered"] = false;
      return p;
    }
    p.details["registered"] = true;
    if (auto exe = runtime_executable(*info, engine_runtime())) {
      p.details["executable"] = *exe;
      moat::support::ProcessResult r;
      p.details["version_check"] = moat::support::run_evidence({*exe, "--version"}, std::chrono::seconds(10), &r);
      // "runc version 1.1.5+ds1"
      const std::string line = moat::support::first_line(r.stdout_data);
      if (r.exit_code == 0 && line.rfind("runc version ", 0) == 0) p.version = line.substr(13);
    }
    if (p.version.empty()) {
      const json commit = info->value("RuncCommit", json::object());
      p.version = commit.is_object() ? commit.value("ID", "") : "";
    }
    record_dependencies(p, {runtime_executable(*info, engine_runtime())});
    p.available = true;
    return p;
  }

 protected:
  void shape_container(const moat::SandboxSpec& spec, moat::engine::ContainerPlan& plan) override {
    if (plan.dind == DindMode::off) return;
    // The set that runs an inner dockerd where --privileged fails
    // (CAP_SYS_RESOURCE outside the bounding set): everything else, no
    // seccomp/AppArmor, every device, and a writable cgroupfs.
    plan.add_dind_capabilities();
    json& hc = plan.host_config();
    hc["SecurityOpt"] = json::array({"seccomp=unconfined", "apparmor=unconfined"});
    hc["DeviceCgroupRules"] = json::array({"a *:* rwm"});
    if (!plan.has_target("/sys/fs/cgroup")) plan.add_bind("/sys/fs/cgroup", "/sys/fs/cgroup");
    plan.add_dind_volume();
  }
};

}  // namespace

MOAT_PLUGIN_DEFINE(RuncRuntime, "runc", "0.1.0", "Docker Engine with runc: the namespace-isolation baseline")
