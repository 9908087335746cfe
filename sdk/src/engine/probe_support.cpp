// What probes use: the engine's /info and its runtimes, images, and smoke
// runs of tiny labelled containers.
#include <moat/engine/docker_runtime.hpp>

#include <moat/support/json_read.hpp>

#include <moat/support/process.hpp>
#include "runtime_internal.hpp"

#include <cmath>
#include <cstdio>
#include <random>

namespace moat::engine {

using json = nlohmann::json;

std::string detail::random_suffix() {
  std::random_device rd;
  std::uniform_int_distribution<unsigned> dist(0, 0xffffff);
  char buf[8];
  std::snprintf(buf, sizeof buf, "%06x", dist(rd));
  return buf;
}

json SmokeRun::to_json() const {
  return {{"started", started},    {"exit_code", exit_code}, {"stdout", stdout_data},
          {"stderr", stderr_data}, {"error", error},         {"duration_ms", std::round(duration_ms)}};
}

std::optional<json> DockerRuntime::engine_info(std::string& reason) {
  try {
    return client_.info();
  } catch (const moat::Error& e) {
    reason = e.what();
    return std::nullopt;
  }
}

std::optional<json> DockerRuntime::probe_engine(json& details, std::string& reason) {
  auto info = engine_info(reason);
  if (!info)
    details["engine"] = {{"reachable", false}, {"error", reason}};
  else
    details["engine"] = {{"reachable", true}, {"server_version", info->value("ServerVersion", "")}};
  return info;
}

std::string DockerRuntime::not_registered_reason(const json& info, const std::string& runtime) {
  return "runtime '" + runtime +
         "' is not registered with the Docker engine (registered: " + registered_runtimes(info) + ")";
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

void DockerRuntime::record_dependencies(ProbeResult& p, const std::vector<std::optional<std::string>>& files) const {
  p.depends_on = {client_.options().socket_path};
  for (const auto& f : files)
    if (f && !f->empty()) p.depends_on.push_back(*f);
}

bool DockerRuntime::image_present(const std::string& image) { return client_.inspect_image(image).has_value(); }

SmokeRun DockerRuntime::smoke_run(const std::string& rt, const std::vector<std::string>& argv, const std::string& image,
                                  const std::vector<std::string>& binds) {
  const auto started = std::chrono::steady_clock::now();
  SmokeRun run = smoke_run_once(rt, argv, image, binds);
  // runsc (20221219) loses a race under load now and then: the sandbox's
  // process is gone before it writes its OOM score ("open
  // /proc/N/oom_score_adj: no such process"). That says nothing about the
  // runtime, so such a start is tried once more.
  if (!run.started && run.error.find("no such process") != std::string::npos) {
    host_.info("smoke run on " + rt + " failed to start (" + run.error + "); trying once more");
    run = smoke_run_once(rt, argv, image, binds);
  }
  run.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return run;
}

SmokeRun DockerRuntime::smoke_run_once(const std::string& rt, const std::vector<std::string>& argv,
                                       const std::string& image, const std::vector<std::string>& binds) {
  SmokeRun run;
  DockerClient c = client_with_timeout(std::chrono::duration_cast<std::chrono::milliseconds>(probe_timeout_));
  const std::string name = "moat-probe-" + plugin_id_ + "-" + detail::random_suffix();
  json config = {{"Image", image},
                 {"Cmd", argv},
                 {"Labels", {{kManagedLabel, "true"}, {kProbeLabel, plugin_id_}}},
                 {"HostConfig", {{"Runtime", rt}, {"Privileged", false}}}};
  if (!binds.empty()) config["HostConfig"]["Binds"] = binds;
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
  return run;
}

}  // namespace moat::engine
