// host: no isolation at all. A sandbox is a scratch directory and a state
// file; exec runs the argv directly as a host process. This is the native
// baseline that every runtime's overhead is measured against.
#include "host_state_store.hpp"

#include <moat/plugin.hpp>
#include <moat/support/attached_process.hpp>
#include <moat/support/probe_evidence.hpp>
#include <moat/support/process.hpp>
#include <moat/support/spec_checks.hpp>

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <random>
#include <utility>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using moat::host_runtime::HostSandbox;
using moat::host_runtime::HostStateStore;

[[noreturn]] void unsupported(const std::string& message) { throw moat::Error(MOAT_E_UNSUPPORTED, message); }

std::string random_id() {
  std::random_device rd;
  std::uniform_int_distribution<unsigned long long> dist;
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", dist(rd), dist(rd));
  return buf;
}

std::string now_rfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string current_user() {
  if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr) return pw->pw_name;
  return std::to_string(::geteuid());
}

// "/workspace/x" -> <workspace>/x, "<home target>/y" -> <home>/y: the paths a
// workload written for a container uses, mapped onto this sandbox.
std::optional<fs::path> map_prefix(const std::string& path, const std::string& prefix, const fs::path& dir) {
  if (path == prefix) return dir;
  if (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 && path[prefix.size()] == '/')
    return dir / path.substr(prefix.size() + 1);
  return std::nullopt;
}

class HostRuntime {
 public:
  HostRuntime(moat::sdk::Host host, const json& config)
      : host_(host), store_(state_dir_from(config.is_object() ? config : json::object())) {}

  moat::Capabilities describe() {
    moat::Capabilities c;
    c.isolation = "none";
    c.docker_in_docker = false;
    c.persistent_dind = false;
    c.bind_mounts = false;
    c.dynamic_networking = false;
    c.unprivileged = true;
    // One note per line of `moat plugins info host`.
    const std::string binds =
        "the workspace and home are host directories used in place (default: a scratch dir under state_dir); "
        "other binds, volumes, read-only mounts, networks and Docker-in-Docker are unsupported";
    const std::string exec =
        "exec maps a workdir of /workspace[/...] and the home path onto the sandbox's directories; argv is "
        "passed as is; exec -it runs it on a pty of its own, in a session of its own, as docker exec -it does";
    c.notes = {"runs as plain host processes: the native baseline for overhead ratios",
               "no isolation of any kind: same user, kernel, filesystem and network as the caller",
               binds,
               exec,
               "no networks (network create/connect): its processes share the host's network",
               "no logs: a host sandbox has no main process whose output could be kept; an exec's output is its own",
               "no snapshots: it has no filesystem of its own to keep, only the host directories it was given"};
    // What it does not list (hostname, mounts, command, dind, and every
    // limit, restart policy and port) the host refuses before this plugin sees it.
    c.spec_fields = {"user", "env", "labels", "network", "workspace", "home", "options"};
    return c;
  }

  moat::ProbeResult probe() {
    moat::ProbeResult p;
    p.engine_runtime = "";
    p.version = "Linux " + moat::support::kernel_release();
    p.details = {
        {"state_dir", store_.root().string()}, {"user", current_user()}, {"kernel", moat::support::kernel_release()}};
    try {
      store_.ensure_root();
    } catch (const moat::Error& e) {
      p.reason = e.what();
      return p;
    }
    p.available = true;
    return p;
  }

  moat::SandboxInfo create_sandbox(const moat::SandboxSpec& spec) {
    moat::support::check_common_spec(spec);
    for (std::size_t i = 0; i < spec.mounts.size(); ++i)
      unsupported("mounts[" + std::to_string(i) + "]: the host runtime runs plain host processes and cannot mount " +
                  (spec.mounts[i].source.empty() ? spec.mounts[i].type : spec.mounts[i].source) + " at " +
                  spec.mounts[i].target + "; use the host path directly, or only --workspace/--home");
    if (spec.dind) unsupported("dind: the host runtime has no Docker-in-Docker; processes can use the host's Docker");
    if (!spec.network.empty() && spec.network != "host")
      unsupported("network: the host runtime uses the host's network; it cannot join '" + spec.network + "'");
    if (!spec.command.empty()) unsupported("command: the host runtime has no main process; run commands with exec");
    if (auto it = spec.options.find("privileged"); it != spec.options.end() && it->is_boolean() && it->get<bool>())
      throw moat::Error(MOAT_E_INVALID, "options.privileged: moat never runs privileged sandboxes");

    store_.ensure_root();
    store_.claim(spec.name);
    try {
      HostSandbox s;
      s.name = spec.name;
      s.id = random_id();
      s.image = spec.image;
      s.user = spec.user;
      s.env = spec.env;
      s.labels = spec.labels;
      s.labels[moat::kManagedLabel] = "true";
      s.labels[moat::kRuntimeLabel] = "host";
      s.labels[moat::kNameLabel] = spec.name;
      s.created_at = now_rfc3339();
      const fs::path scratch = store_.scratch_of(spec.name);
      s.workspace_given = !spec.workspace.empty();
      s.workspace = s.workspace_given ? fs::path(spec.workspace) : scratch / "workspace";
      s.home_given = !spec.home.empty();
      s.home = s.home_given ? fs::path(spec.home) : scratch / "home";
      fs::create_directories(scratch);
      if (!s.workspace_given) fs::create_directories(s.workspace);
      if (!s.home_given) fs::create_directories(s.home);
      bool start = spec.options.is_object() && spec.options.value("start", false);
      s.state = start ? "running" : "created";
      store_.save(s);
      return info_of(s);
    } catch (...) {
      // Nothing half-created: the claimed directory goes again.
      try {
        store_.erase(spec.name);
      } catch (const std::exception&) {
      }
      throw;
    }
  }

  moat::SandboxInfo start_sandbox(const std::string& name) { return set_state(name, "running"); }
  void stop_sandbox(const std::string& name, double) { set_state(name, "exited"); }
  void restart_sandbox(const std::string& name, double) { set_state(name, "running"); }

  void remove_sandbox(const std::string& name) {
    moat::support::check_sandbox_name(name);
    (void)store_.load(name);  // NOT_FOUND when absent
    store_.erase(name);
  }

  moat::ExecResult exec_sandbox(const moat::ExecRequest& request) {
    const Command command = prepare(request);
    moat::support::ProcessRequest pr;
    pr.argv = request.argv;
    pr.cwd = command.cwd;
    pr.env = command.env;
    pr.timeout = command.timeout;
    moat::support::ProcessResult r = moat::support::run_process(pr);
    if (r.timed_out) throw timed_out(request, command);
    moat::ExecResult out;
    out.exit_code = r.exit_code;
    out.stdout_data = std::move(r.stdout_data);
    out.stderr_data = std::move(r.stderr_data);
    if (r.spawn_failed) out.stderr_data += cannot_run(request, r.spawn_error);
    out.duration_ms = r.duration_ms;
    return out;
  }

  // The output as it comes, stdin from /dev/null.
  moat::ExecResult exec_stream(const moat::ExecRequest& request, const moat::OutputSink& sink) {
    return run_attached(request, nullptr, sink);
  }

  // stdin from the caller, on a terminal of its own with `tty`: what
  // `exec -it` and a web terminal need.
  moat::ExecResult exec_interactive(const moat::ExecRequest& request, const moat::InputSource& input,
                                    const moat::OutputSink& sink) {
    return run_attached(request, &input, sink);
  }

  moat::SandboxInfo inspect_sandbox(const std::string& name) {
    moat::support::check_sandbox_name(name);
    return info_of(store_.load(name));
  }

  std::vector<moat::SandboxInfo> list_sandboxes() {
    std::vector<moat::SandboxInfo> out;
    for (const auto& s : store_.list()) out.push_back(info_of(s));
    return out;
  }

  // What `moat gc` sweeps: the sandboxes moat made here (its scratch
  // directories go with them).
  std::vector<moat::ManagedObject> list_managed() {
    std::vector<moat::ManagedObject> out;
    for (const auto& s : store_.list()) {
      if (auto it = s.labels.find(moat::kManagedLabel); it == s.labels.end() || it->second != "true") continue;
      out.push_back({"host:" + store_.root().string(), "sandbox", s.name, s.name, s.labels});
    }
    return out;
  }

  void remove_managed(const moat::ManagedObject& object) {
    if (object.kind != "sandbox")
      throw moat::Error(MOAT_E_INVALID,
                        "managed_remove: the host runtime keeps sandboxes only, not '" + object.kind + "'");
    remove_sandbox(object.id);
  }

 private:
  static fs::path state_dir_from(const json& config) {
    auto it = config.find("state_dir");
    if (it == config.end() || it->is_null()) return HostStateStore::default_root();
    if (!it->is_string() || it->get<std::string>().empty() || it->get<std::string>().front() != '/')
      throw moat::Error(MOAT_E_INVALID, "host.state_dir: expected an absolute directory path");
    return it->get<std::string>();
  }

  std::string working_dir(const HostSandbox& s, const std::string& workdir) const {
    if (workdir.empty()) return s.workspace.string();
    if (workdir.front() != '/')
      throw moat::Error(MOAT_E_INVALID, "workdir: '" + workdir + "' must be an absolute path");
    fs::path dir = workdir;
    if (auto m = map_prefix(workdir, "/workspace", s.workspace))
      dir = *m;
    else if (auto h = map_prefix(workdir, moat::support::home_target(s.user), s.home))
      dir = *h;
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
      throw moat::Error(MOAT_E_INVALID,
                        "workdir: " + dir.string() + " is not a directory in host sandbox '" + s.name + "'");
    return dir.string();
  }

  // What an exec of `request` runs with, checked: the sandbox must be running.
  struct Command {
    std::string sandbox;
    std::string cwd;
    std::vector<std::string> env;  // "K=V"
    std::chrono::milliseconds timeout{0};
  };

  Command prepare(const moat::ExecRequest& request) const {
    if (request.argv.empty() || request.argv.front().empty())
      throw moat::Error(MOAT_E_INVALID, "argv: the command to run is empty; give a program and its arguments");
    if (request.timeout_s < 0) throw moat::Error(MOAT_E_INVALID, "timeout_s: must not be negative (0 means no limit)");
    moat::support::check_sandbox_name(request.name);
    HostSandbox s = store_.load(request.name);
    if (s.state != "running")
      throw moat::Error(MOAT_E_CONFLICT, "sandbox '" + s.name + "' is not running; start it first");
    if (!request.user.empty() && request.user != current_user())
      unsupported("user: the host runtime runs commands as the invoking user (" + current_user() + "), not '" +
                  request.user + "'");
    Command c;
    c.sandbox = s.name;
    c.cwd = working_dir(s, request.workdir);
    c.timeout = request.timeout_s > 0
                    ? std::chrono::milliseconds(static_cast<long long>(std::ceil(request.timeout_s * 1000)))
                    : std::chrono::milliseconds(0);
    // The caller's environment, then the sandbox's, then the request's.
    std::map<std::string, std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      std::string kv = *e;
      auto eq = kv.find('=');
      if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    env["HOME"] = s.home.string();
    env["PWD"] = c.cwd;
    env["MOAT_SANDBOX"] = s.name;
    env["MOAT_WORKSPACE"] = s.workspace.string();
    if (request.tty && !env.contains("TERM")) env["TERM"] = "xterm";
    for (const auto& [k, v] : s.env) env[k] = v;
    for (const auto& [k, v] : request.env) {
      moat::support::check_env_name(k, "env");
      env[k] = v;
    }
    for (const auto& [k, v] : env) c.env.push_back(k + "=" + v);
    return c;
  }

  moat::ExecResult run_attached(const moat::ExecRequest& request, const moat::InputSource* input,
                                const moat::OutputSink& sink) {
    const Command command = prepare(request);
    moat::support::AttachedRun run;
    run.spawn.argv = request.argv;
    run.spawn.cwd = command.cwd;
    run.spawn.env = command.env;
    run.terminal = input != nullptr && request.tty;
    run.rows = static_cast<unsigned short>(std::min<std::uint32_t>(request.rows, 0xffff));
    run.cols = static_cast<unsigned short>(std::min<std::uint32_t>(request.cols, 0xffff));
    run.timeout = command.timeout;
    run.cancelled = [this] { return host_.cancelled(); };
    const auto started = std::chrono::steady_clock::now();
    moat::ExecResult out;
    try {
      const moat::support::AttachedResult r = moat::support::run_attached(run, input, sink);
      if (r.timed_out) throw timed_out(request, command);
      if (r.stopped)
        throw moat::Error(MOAT_E_FAILED, "exec of '" + request.argv.front() + "' in host sandbox '" + command.sandbox +
                                             "' was ended: its caller stopped");
      out.exit_code = r.exit_code;
    } catch (const moat::support::SpawnError& e) {
      // As the buffered exec reports it: exit 127 and the reason on stderr.
      const std::string what = e.what();
      const std::string prefix = "cannot run " + request.argv.front() + ": ";
      (void)sink(2, cannot_run(request, what.starts_with(prefix) ? what.substr(prefix.size()) : what));
      out.exit_code = 127;
    }
    out.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    return out;
  }

  static std::string cannot_run(const moat::ExecRequest& request, const std::string& why) {
    return "moat host: cannot run '" + request.argv.front() + "': " + why + "\n";
  }

  static moat::Error timed_out(const moat::ExecRequest& request, const Command& command) {
    return moat::Error(MOAT_E_TIMEOUT, "exec of '" + request.argv.front() + "' in host sandbox '" + command.sandbox +
                                           "' did not finish within " + std::to_string(request.timeout_s) +
                                           " s; it was killed with its process group");
  }

  moat::SandboxInfo set_state(const std::string& name, const std::string& state) {
    moat::support::check_sandbox_name(name);
    HostSandbox s = store_.load(name);
    s.state = state;
    store_.save(s);
    return info_of(s);
  }

  static moat::SandboxInfo info_of(const HostSandbox& s) {
    moat::SandboxInfo info;
    info.name = s.name;
    info.id = s.id;
    info.runtime = "host";
    info.image = s.image;
    info.state = s.state;
    info.running = s.state == "running";
    info.labels = s.labels;
    info.mounts.push_back({"bind", s.workspace.string(), "/workspace", false});
    info.mounts.push_back({"bind", s.home.string(), moat::support::home_target(s.user), false});
    return info;
  }

  moat::sdk::Host host_;
  HostStateStore store_;
};

}  // namespace

MOAT_PLUGIN_DEFINE(HostRuntime, "host", "0.1.0",
                   "No isolation: plain host processes in a scratch directory, the native baseline")
