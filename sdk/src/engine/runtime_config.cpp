// DockerRuntime's configuration: the plugin's section (with the host's
// "engine" section merged in), read and checked once at construction.
#include <moat/engine/docker_runtime.hpp>

#include "runtime_internal.hpp"

namespace moat::engine {

using json = nlohmann::json;
using detail::invalid;

void detail::invalid(const std::string& message) { throw moat::Error(MOAT_E_INVALID, message); }

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
  if (auto it = engine.find("max_output_bytes"); it != engine.end() && !it->is_null()) {
    if (!it->is_number_unsigned())
      invalid(plugin_id_ + ".engine.max_output_bytes: expected a number of bytes >= 0 (0: no cap)");
    client_options_.max_output_bytes = it->get<std::size_t>();
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
  // Long engine calls (exec, container waits, logs, imports) end early when
  // the host says the operation was cancelled.
  client_options_.cancelled = [host = host_] { return host.cancelled(); };
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

}  // namespace moat::engine
