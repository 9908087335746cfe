// gvisor: containers on runsc, gVisor's user-space kernel. The probe reports
// the runsc version and platform and names the one failure that matters on
// new kernels: runsc releases before 2024-08 refuse every networked sandbox
// on Linux >= 6.11 ("cannot run with network enabled in root network
// namespace"). Then, if a --network=none variant (runsc-nonet) is registered
// and works, sandboxes run on it, loopback only, and the probe says so.
#include <moat/engine/docker_runtime.hpp>
#include <moat/plugin.hpp>
#include <moat/support/probe_evidence.hpp>
#include <moat/support/process.hpp>

#include <mutex>
#include <optional>
#include <utility>

namespace {

using moat::engine::DindMode;
using json = nlohmann::json;

constexpr const char* kNetnsError = "cannot run with network enabled in root network namespace";
// The first release with the fix (google/gvisor#10704).
constexpr const char* kFixedRelease = "20240801";

struct RunscFacts {
  bool registered = false;
  std::string executable;
  json runtime_args = json::array();
  std::string version;   // as runsc prints it: "release-20221219.0" or "0.0~20221219.0"
  std::string release;   // YYYYMMDD, empty when unknown
  std::string platform;  // from runtimeArgs, else runsc's own default
  bool platform_default = false;
  std::string network;  // --network from runtimeArgs; empty = sandbox (netstack)
  json evidence = json::object();
};

// The first run of 8 digits starting with "20".
std::string release_date(const std::string& version) {
  for (std::size_t i = 0; i + 8 <= version.size(); ++i) {
    bool digits = true;
    for (std::size_t k = 0; k < 8 && digits; ++k) digits = std::isdigit(static_cast<unsigned char>(version[i + k]));
    if (digits && version.compare(i, 2, "20") == 0) return version.substr(i, 8);
  }
  return {};
}

std::string arg_value(const json& args, const std::string& flag) {
  for (const auto& a : args) {
    if (!a.is_string()) continue;
    const std::string s = a.get<std::string>();
    for (const std::string& prefix : {"--" + flag + "=", "-" + flag + "="})
      if (s.rfind(prefix, 0) == 0) return s.substr(prefix.size());
  }
  return {};
}

// `runsc flags` prints "-platform string\n\t... (default "ptrace")".
std::string default_platform(const std::string& flags_output) {
  auto pos = flags_output.find("-platform string");
  if (pos == std::string::npos) return {};
  auto def = flags_output.find("(default \"", pos);
  if (def == std::string::npos) return {};
  def += 10;
  auto end = flags_output.find('"', def);
  return end == std::string::npos ? std::string() : flags_output.substr(def, end - def);
}

bool kernel_has_rmem_change() {
  auto [major, minor] = moat::support::kernel_major_minor(moat::support::kernel_release());
  return major > 6 || (major == 6 && minor >= 11);
}

class GvisorRuntime : public moat::engine::DockerRuntime {
 public:
  GvisorRuntime(moat::sdk::Host host, const json& config)
      : DockerRuntime(host, config, "gvisor", "runsc"), fallback_(config_string("fallback_runtime", "runsc-nonet")) {}

  moat::Capabilities describe() {
    moat::Capabilities c;
    c.spec_fields = spec_fields_honoured();
    c.isolation = "user-space-kernel";
    c.docker_in_docker = true;
    c.persistent_dind = false;
    c.bind_mounts = true;
    c.dynamic_networking = false;
    c.unprivileged = true;
    c.notes = {
        "syscalls are served by gVisor's Sentry, not the host kernel (uname -r inside shows gVisor's own version)",
        // NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one note, split over lines on purpose
        "Docker-in-Docker needs a current gVisor (runsc with --net-raw) and a tmpfs /var/lib/docker, so inner images "
        "do not survive a restart; the Debian 12 runsc (2022-12) cannot start an inner dockerd at all (\"Devices "
        "cgroup isn't mounted\")",
        "runsc releases before 2024-08-01 cannot network on kernels >= 6.11; the probe then falls back to the "
        "--network=none variant (config fallback_runtime, default \"runsc-nonet\"): loopback only",
        "networks attached to a running sandbox are not seen by gVisor's netstack (no dynamic networking)",
        "the KVM platform hangs on nested/virtualised hosts: moat never selects it; set it in runtimeArgs "
        "yourself",
        "resource limits cover the whole sandbox, Sentry and Gofer included: a process that reaches the memory or "
        "pids limit ends the sandbox (not only itself), and a pids limit below about 50 keeps it from starting",
        "published ports are refused while sandboxes run on the --network=none fallback: nothing could reach them"};
    if (auto chosen = chosen_runtime(); chosen && *chosen != engine_runtime())
      c.notes.push_back("on this host sandboxes run on '" + *chosen + "' (loopback only, as probed)");
    return c;
  }

  moat::ProbeResult probe() {
    moat::ProbeResult p;
    p.engine_runtime = engine_runtime();
    const std::string kernel = moat::support::kernel_release();
    p.details["kernel"] = kernel;
    auto info = probe_engine(p.details, p.reason);
    if (!info) return p;
    RunscFacts primary = facts(*info, engine_runtime());
    p.details["runtime"] = describe_facts(engine_runtime(), primary);
    p.version = primary.version;
    if (!primary.registered) {
      p.reason = not_registered_reason(*info, engine_runtime()) +
                 "; install gVisor and run 'runsc install' (or add {\"runtimes\": {\"runsc\": {\"path\": "
                 "\"/usr/bin/runsc\"}}} to daemon.json) and reload dockerd";
      return p;
    }
    if (primary.platform == "kvm")
      p.details["platform_warning"] =
          "the KVM platform hangs on this kind of host; the smoke run is bounded by "
          "probe_timeout_s";
    if (!image_present(probe_image())) {
      p.reason = "the smoke test needs the image " + probe_image() + ": run 'moat image prepare base'";
      return p;
    }
    auto run = smoke_run(engine_runtime(), {"uname", "-r"}, probe_image());
    p.details["smoke"] = run.to_json();
    if (run.started && run.exit_code == 0) {
      p.details["smoke"]["kernel_inside"] = moat::support::first_line(run.stdout_data);
      remember_choice(engine_runtime());
      record_dependencies(p, {runtime_executable(*info, engine_runtime())});
      p.available = true;
      return p;
    }
    const std::string error = run.error.empty() ? run.stderr_data : run.error;
    if (error.find(kNetnsError) == std::string::npos) {
      p.reason = "a smoke sandbox on '" + engine_runtime() + "' failed: " + moat::support::first_line(error);
      return p;
    }
    const std::string cause = diagnosis(primary, kernel);
    p.details["diagnosis"] = cause;
    if (fallback_.empty() || fallback_ == engine_runtime() || !runtime_registered(*info, fallback_)) {
      p.reason = cause;
      return p;
    }
    RunscFacts fb = facts(*info, fallback_);
    p.details["fallback_runtime"] = describe_facts(fallback_, fb);
    auto run2 = smoke_run(fallback_, {"uname", "-r"}, probe_image());
    p.details["fallback_smoke"] = run2.to_json();
    if (!run2.started || run2.exit_code != 0) {
      p.reason = cause + "; the fallback '" + fallback_ +
                 "' failed too: " + moat::support::first_line(run2.error.empty() ? run2.stderr_data : run2.error);
      return p;
    }
    p.details["fallback_smoke"]["kernel_inside"] = moat::support::first_line(run2.stdout_data);
    remember_choice(fallback_);
    record_dependencies(p, {runtime_executable(*info, fallback_)});
    p.available = true;
    p.engine_runtime = fallback_;
    p.version = fb.version.empty() ? primary.version : fb.version;
    const std::string caveat = "available through '" + fallback_ + "' only (" + cause +
                               "): sandboxes have loopback only; dynamic networking is unavailable";
    p.details["caveat"] = caveat;
    p.details["notes"] = json::array({caveat});
    return p;
  }

 protected:
  std::string engine_runtime_for(const moat::SandboxSpec& spec) override {
    if (spec.options.contains("engine_runtime") || engine_runtime_configured())
      return DockerRuntime::engine_runtime_for(spec);
    if (auto chosen = chosen_runtime()) return *chosen;
    // Not probed in this process: decide from the release and the kernel, the
    // same facts the probe's smoke run confirms, without a 1 s smoke run per create.
    std::string reason;
    auto info = engine_info(reason);
    if (!info) return engine_runtime();
    RunscFacts primary = facts(*info, engine_runtime(), false);
    const bool needs_fallback = primary.registered && primary.network.empty() && !primary.release.empty() &&
                                primary.release < kFixedRelease && kernel_has_rmem_change();
    if (needs_fallback && !fallback_.empty() && runtime_registered(*info, fallback_)) {
      host().warn("runsc " + primary.version + " cannot network on kernel " + moat::support::kernel_release() +
                  "; sandboxes run on '" + fallback_ + "' (loopback only)");
      remember_choice(fallback_);
      return fallback_;
    }
    remember_choice(engine_runtime());
    return engine_runtime();
  }

  void shape_container(const moat::SandboxSpec& spec, moat::engine::ContainerPlan& plan) override {
    if (!spec.ports.empty() && !fallback_.empty() && plan.engine_runtime == fallback_)
      throw moat::Error(MOAT_E_UNAVAILABLE,
                        "ports: on this host gVisor sandboxes run on '" + fallback_ +
                            "' (--network=none, loopback only), so a published port would reach nothing; publish "
                            "ports on another runtime, or install a runsc from 2024-08 or later");
    if (plan.dind == DindMode::off) return;
    // gVisor's documented recipe: all capabilities (SYS_RESOURCE is outside
    // the bounding set on some hosts) and a tmpfs /var/lib/docker, since
    // gVisor supports overlayfs only with a tmpfs upper layer.
    plan.add_dind_capabilities();
    if (!plan.has_target("/var/lib/docker")) plan.add_tmpfs("/var/lib/docker");
  }

  std::string explain_failure(const std::string& message, const std::string& rt) override {
    if (message.find(kNetnsError) == std::string::npos) return {};
    std::string reason;
    auto info = engine_info(reason);
    RunscFacts f = info ? facts(*info, rt, false) : RunscFacts{};
    return diagnosis(f, moat::support::kernel_release()) +
           (fallback_.empty() ? std::string() : " (or set gvisor.runtime_name to \"" + fallback_ + "\")");
  }

 private:
  RunscFacts facts(const json& info, const std::string& rt, bool with_platform = true) {
    RunscFacts f;
    f.registered = runtime_registered(info, rt);
    if (!f.registered) return f;
    const json& entry = info["Runtimes"][rt];
    if (entry.is_object() && entry.contains("runtimeArgs") && entry["runtimeArgs"].is_array())
      f.runtime_args = entry["runtimeArgs"];
    f.network = arg_value(f.runtime_args, "network");
    if (auto exe = runtime_executable(info, rt)) {
      f.executable = *exe;
      moat::support::ProcessResult r;
      f.evidence["version"] = moat::support::run_evidence({*exe, "--version"}, std::chrono::seconds(10), &r);
      // "runsc version release-20221219.0" or "runsc version 0.0~20221219.0"
      std::string line = moat::support::first_line(r.stdout_data);
      if (line.rfind("runsc version ", 0) == 0) line = line.substr(14);
      f.version = line;
      f.release = release_date(line);
      f.platform = arg_value(f.runtime_args, "platform");
      if (f.platform.empty() && with_platform) {
        moat::support::ProcessResult flags;
        moat::support::run_evidence({*exe, "flags"}, std::chrono::seconds(10), &flags);
        f.platform = default_platform(flags.stdout_data + flags.stderr_data);
        f.platform_default = true;
      }
    }
    return f;
  }

  static json describe_facts(const std::string& rt, const RunscFacts& f) {
    json j = {{"name", rt}, {"registered", f.registered}};
    if (!f.registered) return j;
    j["executable"] = f.executable;
    j["runtime_args"] = f.runtime_args;
    j["version"] = f.version;
    j["release"] = f.release;
    j["platform"] = f.platform + (f.platform_default ? " (runsc's default)" : "");
    j["network"] = f.network.empty() ? "sandbox (netstack)" : f.network;
    j["evidence"] = f.evidence;
    return j;
  }

  static std::string diagnosis(const RunscFacts& f, const std::string& kernel) {
    const bool old = !f.release.empty() && f.release < kFixedRelease;
    std::string text = "runsc cannot run with network enabled in root network namespace: ";
    if (old || f.release.empty())
      text += "runsc release " + (f.version.empty() ? std::string("?") : f.version) +
              " predates the fix for kernels >= 6.11 (google/gvisor#10704); kernel " + kernel + "; ";
    else
      text += "the container is in the host network namespace (--net=host) with runsc in netstack mode; kernel " +
              kernel + "; ";
    text +=
        "fix: install gVisor release-20240801 or later, or register a variant with runtimeArgs "
        "[\"--network=none\"]";
    return text;
  }

  std::optional<std::string> chosen_runtime() {
    std::lock_guard lock(mutex_);
    return chosen_;
  }
  void remember_choice(const std::string& rt) {
    std::lock_guard lock(mutex_);
    chosen_ = rt;
  }

  std::string fallback_;
  std::mutex mutex_;
  std::optional<std::string> chosen_;  // the engine runtime sandboxes use, once known
};

}  // namespace

MOAT_PLUGIN_DEFINE(GvisorRuntime, "gvisor", "0.1.0",
                   "Docker Engine with gVisor (runsc): a user-space kernel between the sandbox and the host")
