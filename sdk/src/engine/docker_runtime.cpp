#include <moat/engine/docker_runtime.hpp>

#include <moat/support/json_read.hpp>
#include <moat/support/process.hpp>
#include <moat/support/spec_checks.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <sstream>
#include <thread>

namespace moat::engine {

using json = nlohmann::json;
using support::bool_at;
using support::member;

namespace {

// The main process when the spec gives none: prints a marker the caller can
// wait for, and exits at once on SIGTERM (a shell as PID 1 ignores signals it
// has no trap for, and `sleep & wait` lets the trap run without waiting out
// the sleep), so `stop` never waits out its timeout.
const std::vector<std::string> kKeepAlive = {
    "/bin/sh", "-c", "trap 'exit 0' TERM INT; echo moat-ready; while :; do sleep 1 & wait $!; done"};

// Starts the inner dockerd unless one already runs, and waits until `docker
// info` answers. $1 = seconds to wait, $2 = "required" or "auto" (auto: exit 3
// quietly when the image has no dockerd). After a container restart the pid
// file is stale and its number may belong to another process, hence the comm
// check; a dead dockerd is our child until this shell exits, hence the zombie
// check.
constexpr const char* kStartDockerd = R"sh(
if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  [ "$2" = auto ] && exit 3
  echo "dockerd or docker is not installed in this image; use an image with docker.io (moat image prepare dind)" >&2
  exit 127
fi
pid=$(cat /var/run/docker.pid 2>/dev/null)
if [ -z "$pid" ] || [ "$(cat /proc/$pid/comm 2>/dev/null)" != dockerd ]; then
  rm -f /var/run/docker.pid
  dockerd >/var/log/dockerd.log 2>&1 </dev/null &
  pid=$!
fi
n=0
while ! docker info >/dev/null 2>&1; do
  if [ ! -d "/proc/$pid" ] || grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null; then
    echo "the inner dockerd exited; /var/log/dockerd.log ends with:" >&2
    tail -n 6 /var/log/dockerd.log >&2
    exit 1
  fi
  n=$((n+1))
  if [ "$n" -gt $(($1*5)) ]; then
    echo "the inner dockerd did not answer within $1 s; /var/log/dockerd.log ends with:" >&2
    tail -n 6 /var/log/dockerd.log >&2
    exit 1
  fi
  sleep 0.2
done
)sh";

// Asks the inner dockerd to shut down cleanly (so its state on the volume is
// consistent) and waits up to $1 seconds; stopping the container would
// otherwise SIGKILL it with the rest of the PID namespace.
constexpr const char* kStopDockerd = R"sh(
pid=$(cat /var/run/docker.pid 2>/dev/null)
[ -n "$pid" ] && [ "$(cat /proc/$pid/comm 2>/dev/null)" = dockerd ] || exit 0
kill -TERM "$pid" 2>/dev/null || exit 0
n=0
while [ -d "/proc/$pid" ] && [ "$n" -lt $(($1*5)) ]; do
  grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null && break
  sleep 0.2
  n=$((n+1))
done
exit 0
)sh";

// Labels moat sets itself; a spec may repeat them only with the same value.
const std::set<std::string> kReservedLabels = {kManagedLabel,       kRuntimeLabel, kNameLabel, kSandboxLabel,
                                               kEngineRuntimeLabel, kDindLabel,    kProbeLabel};

// "No limit" for an exec: the client needs a finite deadline.
constexpr std::chrono::hours kNoLimit{24 * 7};

[[noreturn]] void invalid(const std::string& message) { throw moat::Error(MOAT_E_INVALID, message); }

std::map<std::string, std::string> labels_of(const json& labels) {
  std::map<std::string, std::string> out;
  if (!labels.is_object()) return out;
  for (const auto& [k, v] : labels.items())
    if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

std::vector<std::string> network_names(const json& settings) {
  std::vector<std::string> out;
  if (!settings.is_object()) return out;
  auto nets = settings.find("Networks");
  if (nets == settings.end() || !nets->is_object()) return out;
  for (const auto& [k, v] : nets->items()) out.push_back(k);
  return out;
}

std::vector<Mount> mounts_of(const json& mounts) {
  std::vector<Mount> out;
  if (!mounts.is_array()) return out;
  for (const auto& m : mounts) {
    Mount mount;
    mount.type = support::string_at(m, "Type");
    mount.source = mount.type == "volume" ? support::string_at(m, "Name") : support::string_at(m, "Source");
    mount.target = support::string_at(m, "Destination");
    mount.read_only = !bool_at(m, "RW", true);
    out.push_back(std::move(mount));
  }
  return out;
}

DindMode dind_from_label(const std::map<std::string, std::string>& labels) {
  auto it = labels.find(kDindLabel);
  if (it == labels.end()) return DindMode::off;
  if (it->second == "required") return DindMode::required;
  if (it->second == "auto") return DindMode::if_available;
  return DindMode::off;
}

// The last few non-empty lines of a tool's output, on one line.
std::string tail_line(const std::string& text, std::size_t lines = 6) {
  std::vector<std::string> all;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) all.push_back(line);
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
    if (!out.empty()) out += " | ";
    out += all[i];
  }
  return out;
}

bool contains(const std::string& haystack, const char* needle) { return haystack.find(needle) != std::string::npos; }

std::string random_suffix() {
  std::random_device rd;
  std::uniform_int_distribution<unsigned> dist(0, 0xffffff);
  char buf[8];
  std::snprintf(buf, sizeof buf, "%06x", dist(rd));
  return buf;
}

}  // namespace

// ---- ContainerPlan ----------------------------------------------------------

void ContainerPlan::add_bind(const std::string& source, const std::string& target, bool read_only) {
  host_config()["Mounts"].push_back(
      {{"Type", "bind"}, {"Source", source}, {"Target", target}, {"ReadOnly", read_only}});
}

void ContainerPlan::add_volume(const std::string& volume, const std::string& target, bool read_only) {
  host_config()["Mounts"].push_back(
      {{"Type", "volume"}, {"Source", volume}, {"Target", target}, {"ReadOnly", read_only}});
  if (std::find(volumes.begin(), volumes.end(), volume) == volumes.end()) volumes.push_back(volume);
}

void ContainerPlan::add_tmpfs(const std::string& target, std::optional<std::int64_t> size_bytes) {
  json m = {{"Type", "tmpfs"}, {"Target", target}};
  if (size_bytes) m["TmpfsOptions"] = {{"SizeBytes", *size_bytes}};
  host_config()["Mounts"].push_back(std::move(m));
}

void ContainerPlan::add_dind_volume() {
  if (!has_target("/var/lib/docker")) add_volume(name + "-docker", "/var/lib/docker");
}

bool ContainerPlan::has_target(const std::string& target) {
  const json& mounts = host_config()["Mounts"];
  if (!mounts.is_array()) return false;
  return std::any_of(mounts.begin(), mounts.end(),
                     [&](const json& m) { return support::string_at(m, "Target") == target; });
}

json SmokeRun::to_json() const {
  return {{"started", started},    {"exit_code", exit_code}, {"stdout", stdout_data},
          {"stderr", stderr_data}, {"error", error},         {"duration_ms", std::round(duration_ms)}};
}

// ---- construction and configuration -----------------------------------------

DockerRuntime::DockerRuntime(moat::sdk::Host host, const json& config, std::string plugin_id,
                             std::string default_engine_runtime)
    : host_(host),
      config_(config.is_null() ? json::object() : config),
      plugin_id_(std::move(plugin_id)),
      engine_runtime_(std::move(default_engine_runtime)) {
  if (!config_.is_object()) invalid("configuration of plugin '" + plugin_id_ + "' must be a JSON object");
  const json engine = config_.value("engine", json::object());
  if (!engine.is_object()) invalid(plugin_id_ + ".engine: expected an object {\"socket\": ..., \"timeout_s\": ...}");
  if (auto it = engine.find("socket"); it != engine.end() && !it->is_null()) {
    if (!it->is_string() || it->get<std::string>().empty() || it->get<std::string>().front() != '/')
      invalid(plugin_id_ + ".engine.socket: expected an absolute socket path such as /var/run/docker.sock");
    client_options_.socket_path = it->get<std::string>();
  } else {
    client_options_ = ClientOptions::from_environment();
  }
  if (auto it = engine.find("timeout_s"); it != engine.end() && !it->is_null()) {
    if (!it->is_number() || it->get<double>() <= 0)
      invalid(plugin_id_ + ".engine.timeout_s: expected a positive number of seconds");
    client_options_.timeout = std::chrono::milliseconds(static_cast<long long>(it->get<double>() * 1000));
  }
  if (auto it = engine.find("api_version"); it != engine.end() && !it->is_null()) {
    if (!it->is_string()) invalid(plugin_id_ + ".engine.api_version: expected a string such as \"1.41\"");
    client_options_.api_version = it->get<std::string>();
  }
  if (config_.contains("runtime_name")) {
    engine_runtime_ = config_string("runtime_name", engine_runtime_);
    engine_runtime_configured_ = true;
    if (engine_runtime_.empty()) invalid(plugin_id_ + ".runtime_name: must not be empty");
  }
  dind_timeout_ = std::chrono::seconds(static_cast<long long>(config_number("dind_timeout_s", 60)));
  probe_image_ = config_string("probe_image", "moat/base:busybox");
  probe_timeout_ = std::chrono::seconds(static_cast<long long>(config_number("probe_timeout_s", 30)));
  if (dind_timeout_.count() <= 0 || probe_timeout_.count() <= 0)
    invalid(plugin_id_ + ": dind_timeout_s and probe_timeout_s must be at least 1");
  client_ = DockerClient(client_options_);
}

DockerRuntime::~DockerRuntime() = default;

std::string DockerRuntime::config_string(const char* key, const std::string& fallback) const {
  auto it = config_.find(key);
  if (it == config_.end() || it->is_null()) return fallback;
  if (!it->is_string()) invalid(plugin_id_ + "." + key + ": expected a string");
  return it->get<std::string>();
}

double DockerRuntime::config_number(const char* key, double fallback) const {
  auto it = config_.find(key);
  if (it == config_.end() || it->is_null()) return fallback;
  if (!it->is_number()) invalid(plugin_id_ + "." + key + ": expected a number");
  return it->get<double>();
}

bool DockerRuntime::config_bool(const char* key, bool fallback) const {
  auto it = config_.find(key);
  if (it == config_.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) invalid(plugin_id_ + "." + key + ": expected true or false");
  return it->get<bool>();
}

DockerClient DockerRuntime::client_with_timeout(std::chrono::milliseconds timeout) const {
  ClientOptions o = client_options_;
  o.timeout = timeout;
  return DockerClient(o);
}

// ---- hooks' defaults ---------------------------------------------------------

std::string DockerRuntime::engine_runtime_for(const SandboxSpec& spec) {
  auto it = spec.options.find("engine_runtime");
  if (it == spec.options.end() || it->is_null()) return engine_runtime_;
  if (!it->is_string()) invalid("options.engine_runtime: expected the name of an engine runtime, e.g. \"runc\"");
  const std::string rt = it->get<std::string>();
  bool ok = !rt.empty() && std::isalnum(static_cast<unsigned char>(rt.front()));
  for (char c : rt) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
  if (!ok) invalid("options.engine_runtime: '" + rt + "' is not a runtime name ([A-Za-z0-9][A-Za-z0-9._-]*)");
  return rt;
}

DindMode DockerRuntime::dind_mode(const SandboxSpec& spec) { return spec.dind ? DindMode::required : DindMode::off; }

// ---- names, ownership, cache -------------------------------------------------

void DockerRuntime::remember(const std::string& name, const std::string& id) {
  std::lock_guard lock(ids_mutex_);
  ids_[name] = id;
}

void DockerRuntime::forget(const std::string& name) {
  std::lock_guard lock(ids_mutex_);
  ids_.erase(name);
  volume_free_.erase(name);
}

std::optional<std::string> DockerRuntime::cached_id(const std::string& name) {
  std::lock_guard lock(ids_mutex_);
  auto it = ids_.find(name);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

json DockerRuntime::inspect_owned(const std::string& name) {
  support::check_sandbox_name(name);
  auto found = client_.find_container(name);
  // The engine also matches id prefixes; a sandbox is addressed by name only.
  if (!found || support::string_at(*found, "Name") != "/" + name)
    throw moat::Error(MOAT_E_NOT_FOUND, "no sandbox named '" + name + "' ('moat sandbox ls' lists them)");
  const auto labels = labels_of(member(member(*found, "Config"), "Labels"));
  auto managed = labels.find(kManagedLabel);
  if (managed == labels.end() || managed->second != "true")
    throw moat::Error(MOAT_E_NOT_FOUND, "container '" + name + "' was not created by moat; moat leaves it alone");
  auto owner = labels.find(kRuntimeLabel);
  if (owner == labels.end() || owner->second != plugin_id_)
    throw moat::Error(MOAT_E_NOT_FOUND, "sandbox '" + name + "' belongs to runtime '" +
                                            (owner == labels.end() ? std::string("?") : owner->second) + "', not '" +
                                            plugin_id_ + "'");
  remember(name, support::string_at(*found, "Id"));
  return *found;
}

DockerRuntime::Resolved DockerRuntime::resolve(const std::string& name, bool need_inspect) {
  if (!need_inspect)
    if (auto id = cached_id(name)) return {*id, json()};
  json inspect = inspect_owned(name);
  return {support::string_at(inspect, "Id"), std::move(inspect)};
}

template <typename Op>
auto DockerRuntime::with_id(const std::string& name, Op&& op) {
  const bool from_cache = cached_id(name).has_value();
  Resolved r = resolve(name, false);
  try {
    return op(r.id);
  } catch (const EngineError& e) {
    if (!from_cache || e.status() != MOAT_E_NOT_FOUND || !contains(e.what(), "ontainer")) throw;
    // The container was replaced behind our back: look the name up again.
    forget(name);
    Resolved fresh = resolve(name, true);
    return op(fresh.id);
  }
}

SandboxInfo DockerRuntime::to_info(const json& inspect) const { return sandbox_info_from_inspect(inspect); }

// ---- create ------------------------------------------------------------------

ContainerPlan DockerRuntime::plan_for(const SandboxSpec& spec, const std::string& rt) {
  ContainerPlan plan;
  plan.name = spec.name;
  plan.engine_runtime = rt;

  json labels = json::object();
  for (const auto& [k, v] : spec.labels) labels[k] = v;
  labels[kManagedLabel] = "true";
  labels[kRuntimeLabel] = plugin_id_;
  labels[kNameLabel] = spec.name;
  labels[kEngineRuntimeLabel] = rt;

  json env = json::array();
  for (const auto& [k, v] : spec.env) env.push_back(k + "=" + v);

  plan.config = {{"Image", spec.image},  {"Hostname", spec.hostname.empty() ? spec.name : spec.hostname},
                 {"Env", env},           {"Labels", labels},
                 {"Tty", false},         {"OpenStdin", false},
                 {"AttachStdin", false}, {"AttachStdout", false},
                 {"AttachStderr", false}};
  if (spec.command.empty()) {
    plan.config["Entrypoint"] = kKeepAlive;
  } else {
    plan.config["Cmd"] = spec.command;
  }
  if (!spec.workspace.empty()) plan.config["WorkingDir"] = "/workspace";

  plan.config["HostConfig"] = {{"Runtime", rt},
                               {"Privileged", false},
                               {"Init", false},
                               {"RestartPolicy", {{"Name", "no"}}},
                               {"Mounts", json::array()}};
  if (!spec.network.empty()) plan.host_config()["NetworkMode"] = spec.network;

  if (!spec.workspace.empty()) plan.add_bind(spec.workspace, "/workspace");
  if (!spec.home.empty()) plan.add_bind(spec.home, support::home_target(spec.user));
  for (const Mount& m : spec.mounts) {
    if (m.type == "bind")
      plan.add_bind(m.source, m.target, m.read_only);
    else if (m.type == "volume")
      plan.add_volume(m.source, m.target, m.read_only);
    else
      plan.add_tmpfs(m.target);
  }

  plan.dind = dind_mode(spec);
  shape_container(spec, plan);
  if (plan.dind != DindMode::off)
    plan.config["Labels"][kDindLabel] = plan.dind == DindMode::required ? "required" : "auto";
  // Whatever a subclass did: never privileged.
  plan.host_config()["Privileged"] = false;
  plan.host_config()["Runtime"] = plan.engine_runtime;
  plan.config["Labels"][kEngineRuntimeLabel] = plan.engine_runtime;
  return plan;
}

std::string DockerRuntime::explain_failure(const std::string&, const std::string&) { return {}; }

moat::Error DockerRuntime::translate(const EngineError& e, const std::string& what, const std::string& name,
                                     const std::string& rt, const std::string& image) {
  const std::string msg = e.what();
  if (contains(msg.c_str(), "No such image"))
    return moat::Error(MOAT_E_NOT_FOUND, "image '" + image +
                                             "' is not in the Docker engine: prepare it first ('moat image prepare "
                                             "base|bench|dind') or import/pull it");
  if (contains(msg.c_str(), "nknown runtime") || contains(msg.c_str(), "invalid runtime name"))
    return moat::Error(MOAT_E_UNAVAILABLE,
                       "engine runtime '" + rt + "' is not registered with the Docker engine (" + msg +
                           "); install it and add it to the daemon's \"runtimes\", or pick another runtime");
  if (e.status() == MOAT_E_CONFLICT && contains(msg.c_str(), "already in use"))
    return moat::Error(MOAT_E_CONFLICT, "sandbox name '" + name + "' is already in use; remove it ('moat sandbox rm " +
                                            name + "') or choose another name");
  std::string text = what + " sandbox '" + name + "' (engine runtime " + rt + "): " + msg;
  if (std::string hint = explain_failure(msg, rt); !hint.empty()) text += "; " + hint;
  return moat::Error(e.status(), text);
}

SandboxInfo DockerRuntime::create_sandbox(const SandboxSpec& spec) {
  support::check_common_spec(spec);
  if (spec.image.empty()) invalid("image: is empty; give an image such as moat/base:busybox ('moat image prepare')");
  if (!spec.options.is_object()) invalid("options: expected a JSON object");
  for (const auto& [k, v] : spec.labels) {
    if (k.empty()) invalid("labels: a label key is empty");
    if (kReservedLabels.contains(k)) {
      const bool same = (k == kManagedLabel && v == "true") || (k == kRuntimeLabel && v == plugin_id_) ||
                        (k == kNameLabel && v == spec.name);
      if (!same) invalid("labels: '" + k + "' is set by moat itself; remove it from the spec");
    }
  }
  bool start = false;
  if (auto it = spec.options.find("start"); it != spec.options.end() && !it->is_null()) {
    if (!it->is_boolean()) invalid("options.start: expected true or false");
    start = it->get<bool>();
  }
  const std::string rt = engine_runtime_for(spec);
  validate_spec(spec, rt);
  if (auto it = spec.options.find("privileged");
      it != spec.options.end() && !it->is_null() && !(it->is_boolean() && !it->get<bool>()))
    invalid("options.privileged: moat never runs privileged sandboxes; use dind for Docker inside the sandbox");
  require_available(rt);
  ContainerPlan plan = plan_for(spec, rt);

  std::vector<std::string> created_volumes;
  std::string id;
  auto rollback = [&] {
    if (!id.empty()) {
      try {
        client_.remove_container(id, true, true);
      } catch (const std::exception& e) {
        host_.warn("rollback: could not remove container " + spec.name + ": " + e.what());
      }
      forget(spec.name);
    }
    for (const auto& v : created_volumes) {
      try {
        client_.remove_volume(v, true);
      } catch (const std::exception& e) {
        host_.warn("rollback: could not remove volume " + v + ": " + e.what());
      }
    }
  };

  try {
    if (!plan.volumes.empty()) {
      std::set<std::string> existing;
      for (const auto& v : client_.list_volumes({})) existing.insert(support::string_at(v, "Name"));
      std::map<std::string, std::string> vlabels = {
          {kManagedLabel, "true"}, {kSandboxLabel, spec.name}, {kRuntimeLabel, plugin_id_}};
      if (auto run = spec.labels.find(kRunIdLabel); run != spec.labels.end()) vlabels[kRunIdLabel] = run->second;
      for (const auto& v : plan.volumes) {
        if (existing.contains(v)) continue;
        client_.create_volume(v, vlabels);
        created_volumes.push_back(v);
      }
    }
    id = client_.create_container(spec.name, plan.config);
    remember(spec.name, id);
    if (plan.volumes.empty()) {
      std::lock_guard lock(ids_mutex_);
      volume_free_.insert(spec.name);
    }
    if (start) {
      client_.start_container(id);
      return after_start(spec.name, id);
    }
    json inspect = client_.inspect_container(id);
    const std::string actual = support::string_at(member(inspect, "HostConfig"), "Runtime");
    if (actual != rt)
      throw moat::Error(MOAT_E_FAILED, "sandbox '" + spec.name + "' was created for engine runtime '" + rt +
                                           "' but the engine stored '" + actual + "'; removed it");
    return to_info(inspect);
  } catch (const EngineError& e) {
    rollback();
    throw translate(e, start ? "create and start" : "create", spec.name, rt, spec.image);
  } catch (...) {
    rollback();
    throw;
  }
}

// ---- start / stop / restart --------------------------------------------------

SandboxInfo DockerRuntime::after_start(const std::string& name, const std::string& id) {
  json inspect = client_.inspect_container(id);
  const auto labels = labels_of(member(member(inspect, "Config"), "Labels"));
  const std::string wanted = labels.contains(kEngineRuntimeLabel) ? labels.at(kEngineRuntimeLabel) : std::string();
  const std::string actual = support::string_at(member(inspect, "HostConfig"), "Runtime");
  if (!wanted.empty() && actual != wanted) {
    try {
      client_.kill_container(id);
    } catch (const std::exception&) {
    }
    throw moat::Error(MOAT_E_FAILED, "sandbox '" + name + "' runs on engine runtime '" + actual +
                                         "' but was created for '" + wanted + "'; stopped it");
  }
  const json& state = member(inspect, "State");
  if (!bool_at(state, "Running", false)) {
    const json& exit_code = member(state, "ExitCode");
    const int code = exit_code.is_number_integer() ? exit_code.get<int>() : 0;
    if (code != 0) {
      std::string tail;
      try {
        auto out = client_.logs(id);
        tail = tail_line(out.stderr_data.empty() ? out.stdout_data : out.stderr_data, 3);
      } catch (const std::exception&) {
      }
      throw moat::Error(MOAT_E_FAILED, "sandbox '" + name + "': the main process exited with code " +
                                           std::to_string(code) + " right after start" +
                                           (tail.empty() ? std::string() : ": " + tail));
    }
    return to_info(inspect);
  }
  if (DindMode mode = dind_from_label(labels); mode != DindMode::off) start_inner_docker(id, name, mode);
  return to_info(inspect);
}

void DockerRuntime::start_inner_docker(const std::string& id, const std::string& name, DindMode mode) {
  ExecOptions options;
  options.timeout = dind_timeout_ + std::chrono::seconds(15);
  const std::vector<std::string> argv = {"/bin/sh",
                                         "-c",
                                         kStartDockerd,
                                         "moat-dind",
                                         std::to_string(dind_timeout_.count()),
                                         mode == DindMode::required ? "required" : "auto"};
  ExecOutput out = client_.exec(id, argv, options);
  if (out.exit_code == 0) {
    host_.debug("sandbox " + name + ": inner dockerd is up");
    return;
  }
  if (out.exit_code == 3 && mode == DindMode::if_available) {
    host_.info("sandbox " + name + ": the image has no dockerd, so no inner Docker engine was started");
    return;
  }
  // The script's first stderr line says what happened; the log's last lines say why.
  const std::string text = out.stderr_data + out.stdout_data;
  const auto nl = text.find('\n');
  const std::string summary = text.substr(0, nl);
  const std::string rest = nl == std::string::npos ? std::string() : tail_line(text.substr(nl + 1), 2);
  throw moat::Error(MOAT_E_FAILED, "sandbox '" + name + "': Docker-in-Docker did not start (exit " +
                                       std::to_string(out.exit_code) + "): " + summary +
                                       (rest.empty() ? std::string() : " " + rest));
}

void DockerRuntime::stop_inner_docker(const std::string& id, const std::string& name) {
  try {
    ExecOptions options;
    options.timeout = std::chrono::seconds(20);
    client_.exec(id, {"/bin/sh", "-c", kStopDockerd, "moat-dind-stop", "10"}, options);
  } catch (const std::exception& e) {
    // Not running, or no shell: the container stop that follows ends it anyway.
    host_.debug("sandbox " + name + ": graceful inner dockerd stop skipped: " + e.what());
  }
}

SandboxInfo DockerRuntime::start_sandbox(const std::string& name) {
  Resolved r = resolve(name, true);
  const std::string rt = support::string_at(member(r.inspect, "HostConfig"), "Runtime");
  try {
    client_.start_container(r.id);
  } catch (const EngineError& e) {
    throw translate(e, "start", name, rt, support::string_at(member(r.inspect, "Config"), "Image"));
  }
  return after_start(name, r.id);
}

void DockerRuntime::stop_sandbox(const std::string& name, double timeout_s) {
  if (timeout_s < 0) invalid("timeout_s: must not be negative");
  Resolved r = resolve(name, true);
  const auto labels = labels_of(member(member(r.inspect, "Config"), "Labels"));
  const bool running = bool_at(member(r.inspect, "State"), "Running", false);
  if (running && dind_from_label(labels) != DindMode::off) stop_inner_docker(r.id, name);
  client_.stop_container(r.id, static_cast<int>(std::ceil(timeout_s)));
}

void DockerRuntime::restart_sandbox(const std::string& name, double timeout_s) {
  if (timeout_s < 0) invalid("timeout_s: must not be negative");
  Resolved r = resolve(name, true);
  const auto labels = labels_of(member(member(r.inspect, "Config"), "Labels"));
  const bool running = bool_at(member(r.inspect, "State"), "Running", false);
  if (running && dind_from_label(labels) != DindMode::off) stop_inner_docker(r.id, name);
  const std::string rt = support::string_at(member(r.inspect, "HostConfig"), "Runtime");
  try {
    client_.restart_container(r.id, static_cast<int>(std::ceil(timeout_s)));
  } catch (const EngineError& e) {
    throw translate(e, "restart", name, rt, support::string_at(member(r.inspect, "Config"), "Image"));
  }
  after_start(name, r.id);
}

// ---- remove ------------------------------------------------------------------

void DockerRuntime::remove_sandbox(const std::string& name) {
  Resolved r = resolve(name, false);
  // Volumes this sandbox may own: the ones it mounts (inspect), or, for a
  // sandbox created here without any, none.
  bool may_own_volumes = true;
  if (r.inspect.is_object()) {
    may_own_volumes = false;
    for (const auto& m : member(r.inspect, "Mounts"))
      if (support::string_at(m, "Type") == "volume") may_own_volumes = true;
  } else {
    std::lock_guard lock(ids_mutex_);
    may_own_volumes = !volume_free_.contains(name);
  }
  try {
    client_.remove_container(r.id, true, true);
  } catch (const EngineError& e) {
    if (e.status() != MOAT_E_NOT_FOUND || r.inspect.is_object()) throw;
    // A stale cached id: the name may now be someone else's container.
    forget(name);
    r = resolve(name, true);
    client_.remove_container(r.id, true, true);
  }
  forget(name);
  if (!may_own_volumes) return;
  for (const auto& v : client_.list_volumes({{kManagedLabel, "true"}, {kSandboxLabel, name}})) {
    const std::string vname = support::string_at(v, "Name");
    try {
      client_.remove_volume(vname, false);
    } catch (const EngineError& e) {
      // In use by another sandbox that was given it by name: leave it to that one.
      host_.warn("volume " + vname + " of sandbox " + name + " was not removed: " + e.what());
    }
  }
}

// ---- exec, inspect, logs, list -------------------------------------------------

ExecResult DockerRuntime::exec_sandbox(const ExecRequest& request) {
  if (request.argv.empty() || request.argv.front().empty())
    invalid("argv: the command to run is empty; give a program and its arguments");
  if (request.timeout_s < 0) invalid("timeout_s: must not be negative (0 means no limit)");
  if (!request.workdir.empty() && request.workdir.front() != '/')
    invalid("workdir: '" + request.workdir + "' must be an absolute path inside the sandbox");
  ExecOptions options;
  for (const auto& [k, v] : request.env) {
    support::check_env_name(k, "env");
    options.env.push_back(k + "=" + v);
  }
  options.workdir = request.workdir;
  options.user = request.user;
  options.timeout = request.timeout_s > 0
                        ? std::chrono::milliseconds(static_cast<long long>(std::ceil(request.timeout_s * 1000)))
                        : std::chrono::duration_cast<std::chrono::milliseconds>(kNoLimit);
  const auto started = std::chrono::steady_clock::now();
  ExecOutput out =
      with_id(request.name, [&](const std::string& id) { return client_.exec(id, request.argv, options); });
  ExecResult result;
  result.exit_code = out.exit_code;
  result.stdout_data = std::move(out.stdout_data);
  result.stderr_data = std::move(out.stderr_data);
  result.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return result;
}

SandboxInfo DockerRuntime::inspect_sandbox(const std::string& name) { return to_info(inspect_owned(name)); }

LogsResult DockerRuntime::sandbox_logs(const std::string& name) {
  ExecOutput out = with_id(name, [&](const std::string& id) { return client_.logs(id); });
  LogsResult result;
  result.stdout_data = std::move(out.stdout_data);
  result.stderr_data = std::move(out.stderr_data);
  return result;
}

std::vector<SandboxInfo> DockerRuntime::list_sandboxes() {
  std::vector<SandboxInfo> out;
  for (const auto& c : client_.list_containers({{kManagedLabel, "true"}, {kRuntimeLabel, plugin_id_}}, true))
    out.push_back(sandbox_info_from_list(c));
  std::sort(out.begin(), out.end(), [](const SandboxInfo& a, const SandboxInfo& b) { return a.name < b.name; });
  return out;
}

// ---- networks ------------------------------------------------------------------

void DockerRuntime::connect_network(const std::string& name, const std::string& network) {
  if (network.empty()) invalid("network: give the name of an engine network");
  Resolved r = resolve(name, true);
  // A Sysbox container's network namespace may not be attachable right after
  // start (Sandcastle retries the same way).
  for (int attempt = 1;; ++attempt) {
    try {
      client_.connect_network(network, r.id);
      return;
    } catch (const EngineError& e) {
      if (attempt >= 3 || !contains(e.what(), "network sandbox")) {
        if (e.status() == MOAT_E_NOT_FOUND && contains(e.what(), "network"))
          throw moat::Error(MOAT_E_NOT_FOUND, "network '" + network + "' does not exist (" + e.what() + ")");
        throw moat::Error(e.status(), "connect sandbox '" + name + "' to network '" + network + "': " + e.what());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(300 * attempt));
    }
  }
}

void DockerRuntime::disconnect_network(const std::string& name, const std::string& network) {
  if (network.empty()) invalid("network: give the name of an engine network");
  Resolved r = resolve(name, true);
  try {
    client_.disconnect_network(network, r.id, false);
  } catch (const EngineError& e) {
    throw moat::Error(e.status(), "disconnect sandbox '" + name + "' from network '" + network + "': " + e.what());
  }
}

// ---- probe helpers -------------------------------------------------------------

std::optional<json> DockerRuntime::engine_info(std::string& reason) {
  try {
    return client_.info();
  } catch (const moat::Error& e) {
    reason = e.what();
    return std::nullopt;
  }
}

bool DockerRuntime::runtime_registered(const json& info, const std::string& runtime) {
  auto it = info.find("Runtimes");
  return it != info.end() && it->is_object() && it->contains(runtime);
}

std::string DockerRuntime::registered_runtimes(const json& info) {
  std::string out;
  auto it = info.find("Runtimes");
  if (it == info.end() || !it->is_object()) return out;
  for (const auto& [k, v] : it->items()) out += (out.empty() ? "" : ", ") + k;
  return out;
}

std::optional<std::string> DockerRuntime::runtime_executable(const json& info, const std::string& runtime) {
  if (!runtime_registered(info, runtime)) return std::nullopt;
  const json& entry = info["Runtimes"][runtime];
  std::string path = entry.is_object() ? support::string_at(entry, "path") : std::string();
  if (path.empty()) return std::nullopt;
  if (path.find('/') == std::string::npos) return support::find_in_path(path);
  return path;
}

bool DockerRuntime::image_present(const std::string& image) { return client_.inspect_image(image).has_value(); }

SmokeRun DockerRuntime::smoke_run(const std::string& rt, const std::vector<std::string>& argv,
                                  const std::string& image) {
  SmokeRun run;
  const auto started = std::chrono::steady_clock::now();
  DockerClient c = client_with_timeout(std::chrono::duration_cast<std::chrono::milliseconds>(probe_timeout_));
  const std::string name = "moat-probe-" + plugin_id_ + "-" + random_suffix();
  const json config = {{"Image", image},
                       {"Cmd", argv},
                       {"Labels", {{kManagedLabel, "true"}, {kProbeLabel, plugin_id_}}},
                       {"HostConfig", {{"Runtime", rt}, {"Privileged", false}}}};
  std::string id;
  try {
    id = c.create_container(name, config);
    c.start_container(id);
    run.started = true;
    run.exit_code = c.wait_container(id, "not-running", probe_timeout_);
    auto out = c.logs(id);
    run.stdout_data = std::move(out.stdout_data);
    run.stderr_data = std::move(out.stderr_data);
  } catch (const moat::Error& e) {
    run.error = e.what();
  }
  if (!id.empty()) {
    try {
      c.remove_container(id, true, true);
    } catch (const std::exception& e) {
      host_.warn("probe container " + name + " was not removed: " + e.what());
    }
  }
  run.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return run;
}

// ---- engine JSON -> SandboxInfo ------------------------------------------------

SandboxInfo sandbox_info_from_inspect(const json& inspect) {
  SandboxInfo info;
  info.name = support::string_at(inspect, "Name");
  if (!info.name.empty() && info.name.front() == '/') info.name.erase(0, 1);
  info.id = support::string_at(inspect, "Id");
  const json& config = member(inspect, "Config");
  info.labels = labels_of(member(config, "Labels"));
  if (auto it = info.labels.find(kRuntimeLabel); it != info.labels.end()) info.runtime = it->second;
  info.engine_runtime = support::string_at(member(inspect, "HostConfig"), "Runtime");
  info.image = support::string_at(config, "Image");
  const json& state = member(inspect, "State");
  info.state = support::string_at(state, "Status");
  info.running = bool_at(state, "Running", false);
  info.mounts = mounts_of(member(inspect, "Mounts"));
  info.networks = network_names(member(inspect, "NetworkSettings"));
  return info;
}

SandboxInfo sandbox_info_from_list(const json& entry) {
  SandboxInfo info;
  auto names = entry.find("Names");
  if (names != entry.end() && names->is_array() && !names->empty() && names->front().is_string()) {
    info.name = names->front().get<std::string>();
    if (!info.name.empty() && info.name.front() == '/') info.name.erase(0, 1);
  }
  info.id = support::string_at(entry, "Id");
  info.labels = labels_of(member(entry, "Labels"));
  if (auto it = info.labels.find(kRuntimeLabel); it != info.labels.end()) info.runtime = it->second;
  if (auto it = info.labels.find(kEngineRuntimeLabel); it != info.labels.end()) info.engine_runtime = it->second;
  info.image = support::string_at(entry, "Image");
  info.state = support::string_at(entry, "State");
  info.running = info.state == "running";
  info.mounts = mounts_of(member(entry, "Mounts"));
  info.networks = network_names(member(entry, "NetworkSettings"));
  return info;
}

}  // namespace moat::engine
