// Attaching a sandbox to engine networks and detaching it.
#include <moat/engine/docker_runtime.hpp>

#include "runtime_internal.hpp"

#include <thread>

namespace moat::engine {

using detail::invalid;

void DockerRuntime::connect_network(const std::string& name, const std::string& network) {
  if (network.empty()) invalid("network: give the name of an engine network");
  Resolved r = resolve(name, true);
  for (int attempt = 1;; ++attempt) {
    try {
      client_.connect_network(network, r.id);
      return;
    } catch (const EngineError& e) {
      // A Sysbox container's network namespace may not be attachable right
      // after start (Sandcastle retries the same way): the engine fails
      // inside (500), so a 500 is tried again, twice.
      if (e.http_status() >= 500 && attempt < 3) {
        std::this_thread::sleep_for(std::chrono::milliseconds(300 * attempt));
        continue;
      }
      // 404 names the network or the container; the container was just found.
      if (e.http_status() == 404 && detail::ask([&] { return client_.find_container(r.id).has_value(); }) == true)
        throw moat::Error(MOAT_E_NOT_FOUND, "network '" + network + "' does not exist (" + e.what() + ")");
      throw moat::Error(e.status(), "connect sandbox '" + name + "' to network '" + network + "': " + e.what());
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

}  // namespace moat::engine
