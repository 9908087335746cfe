// DockerRuntime's lifecycle: create (with rollback), start, stop, restart,
// remove, exec, inspect, logs and list of the sandboxes of one plugin, and
// the name -> container id cache they share.
#include <moat/engine/docker_runtime.hpp>

#include "runtime_internal.hpp"

#include <moat/support/json_read.hpp>
#include <moat/support/spec_checks.hpp>

#include <algorithm>
#include <cmath>
#include <set>

namespace moat::engine {

using json = nlohmann::json;
using detail::dind_from_label;
using detail::invalid;
using detail::labels_of;
using support::bool_at;
using support::member;

namespace {

// "No limit" for an exec: the client needs a finite deadline.
constexpr std::chrono::hours kNoLimit{24 * 7};

}  // namespace

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
    // A 404 for a cached id whose container the engine no longer has: the
    // container was replaced behind our back, so look the name up again.
    if (!from_cache || e.http_status() != 404 ||
        detail::ask([&] { return !client_.find_container(r.id).has_value(); }) != true)
      throw;
    forget(name);
    Resolved fresh = resolve(name, true);
    return op(fresh.id);
  }
}

// ---- create ------------------------------------------------------------------

SandboxInfo DockerRuntime::create_sandbox(const SandboxSpec& spec) { return create_with(spec, {}); }

SandboxInfo DockerRuntime::create_with(const SandboxSpec& spec,
                                       const std::map<std::string, std::string>& blank_labels) {
  support::check_common_spec(spec);
  if (spec.image.empty()) invalid("image: is empty; give an image such as moat/base:busybox ('moat image prepare')");
  if (!spec.options.is_object()) invalid("options: expected a JSON object");
  detail::check_spec_labels(spec, plugin_id_);
  bool start = false;
  if (auto it = spec.options.find("start"); it != spec.options.end() && !it->is_null()) {
    if (!it->is_boolean()) invalid("options.start: expected true or false");
    start = it->get<bool>();
  }
  const std::string rt = engine_runtime_for(spec);
  validate_spec(spec, rt);
  if (auto it = spec.options.find("privileged");
      it != spec.options.end() && !it->is_null() && !(it->is_boolean() && !it->get<bool>()))
    invalid(privileged_refusal(rt));
  require_available(rt);
  ContainerPlan plan = plan_for(spec, rt);
  for (const auto& [key, value] : blank_labels)
    if (!plan.config["Labels"].contains(key)) plan.config["Labels"][key] = value;

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

  Step step = Step::create_volume;
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
    step = Step::create_container;
    id = client_.create_container(spec.name, plan.config);
    remember(spec.name, id);
    if (plan.volumes.empty()) {
      std::lock_guard lock(ids_mutex_);
      volume_free_.insert(spec.name);
    }
    if (start) {
      step = Step::start;
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
    throw translate(e, step, start ? "create and start" : "create", spec.name, rt, spec.image);
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
  // The engine started the main process: the start succeeded. A process
  // that has exited since is the sandbox's state, shown as such.
  if (!bool_at(member(inspect, "State"), "Running", false)) return to_info(inspect);
  if (DindMode mode = dind_from_label(labels); mode != DindMode::off) start_inner_docker(id, name, mode);
  return to_info(inspect);
}

SandboxInfo DockerRuntime::start_sandbox(const std::string& name) {
  Resolved r = resolve(name, true);
  const std::string rt = support::string_at(member(r.inspect, "HostConfig"), "Runtime");
  try {
    client_.start_container(r.id);
  } catch (const EngineError& e) {
    throw translate(e, Step::start, "start", name, rt, support::string_at(member(r.inspect, "Config"), "Image"));
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
    throw translate(e, Step::restart, "restart", name, rt, support::string_at(member(r.inspect, "Config"), "Image"));
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

namespace {

// An ExecRequest checked and turned into the client's options.
ExecOptions exec_options(const ExecRequest& request) {
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
  return options;
}

}  // namespace

ExecResult DockerRuntime::exec_stream(const ExecRequest& request, const OutputSink& sink) {
  ExecOptions options = exec_options(request);
  options.on_output = sink;
  const auto started = std::chrono::steady_clock::now();
  const ExecOutput out =
      with_id(request.name, [&](const std::string& id) { return client_.exec(id, request.argv, options); });
  ExecResult result;
  result.exit_code = out.exit_code;
  result.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return result;
}

ExecResult DockerRuntime::exec_interactive(const ExecRequest& request, const InputSource& input,
                                           const OutputSink& sink) {
  ExecOptions options = exec_options(request);
  options.on_output = sink;
  options.input = input;
  options.tty = request.tty;
  options.rows = request.rows;
  options.cols = request.cols;
  const auto started = std::chrono::steady_clock::now();
  const ExecOutput out =
      with_id(request.name, [&](const std::string& id) { return client_.exec(id, request.argv, options); });
  ExecResult result;
  result.exit_code = out.exit_code;
  result.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return result;
}

ExecResult DockerRuntime::exec_sandbox(const ExecRequest& request) {
  const ExecOptions options = exec_options(request);
  const auto started = std::chrono::steady_clock::now();
  ExecOutput out =
      with_id(request.name, [&](const std::string& id) { return client_.exec(id, request.argv, options); });
  ExecResult result;
  result.exit_code = out.exit_code;
  result.stdout_data = std::move(out.stdout_data);
  result.stderr_data = std::move(out.stderr_data);
  result.truncated = out.truncated;
  result.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return result;
}

SandboxInfo DockerRuntime::inspect_sandbox(const std::string& name) { return to_info(inspect_owned(name)); }

LogsResult DockerRuntime::sandbox_logs(const LogsRequest& request) {
  LogsOptions options;
  options.tail = request.tail;
  ExecOutput out = with_id(request.name, [&](const std::string& id) { return client_.logs(id, options); });
  LogsResult result;
  result.stdout_data = std::move(out.stdout_data);
  result.stderr_data = std::move(out.stderr_data);
  result.truncated = out.truncated;
  return result;
}

void DockerRuntime::logs_stream(const LogsRequest& request, const OutputSink& sink) {
  LogsOptions options;
  options.tail = request.tail;
  options.since = request.since;
  options.follow = request.follow;
  options.on_output = sink;
  with_id(request.name, [&](const std::string& id) { return client_.logs(id, options); });
}

std::vector<SandboxInfo> DockerRuntime::list_sandboxes() {
  std::vector<SandboxInfo> out;
  for (const auto& c : client_.list_containers({{kManagedLabel, "true"}, {kRuntimeLabel, plugin_id_}}, true))
    out.push_back(sandbox_info_from_list(c));
  std::sort(out.begin(), out.end(), [](const SandboxInfo& a, const SandboxInfo& b) { return a.name < b.name; });
  return out;
}

}  // namespace moat::engine
