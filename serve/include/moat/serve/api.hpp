// moat's HTTP API: every route and what it does, over the sandbox services.
// The transport (server.hpp) parses HTTP and hands requests here; the
// WebSocket exec route is answered there, after websocket_exec_request()
// below has checked it. docs/openapi.json describes every route; a test
// compares it with routes().
#pragma once

#include <moat/core/plugin_registry.hpp>
#include <moat/model.hpp>
#include <moat/serve/http_message.hpp>
#include <moat/serve/router.hpp>
#include <moat/serve/service_pool.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace moat::serve {

class Api {
 public:
  // `version` is moat's (GET /version); `default_runtime` the configured one.
  Api(ServicePool& pool, const core::PluginRegistry& registry, std::string version, std::string default_runtime);

  // Never throws: errors are JSON error responses.
  [[nodiscard]] HttpResponse handle(const HttpRequest& request) const { return router_.dispatch(request); }
  // "METHOD /pattern" for each route.
  [[nodiscard]] std::vector<std::string> routes() const { return router_.routes(); }

  [[nodiscard]] ServicePool& pool() const { return pool_; }

 private:
  void add_meta_routes();
  void add_sandbox_routes();
  void add_network_routes();
  void add_snapshot_routes();

  ServicePool& pool_;
  const core::PluginRegistry& registry_;
  std::string version_;
  std::string default_runtime_;
  Router router_;
};

// The exec a WebSocket upgrade of GET /sandboxes/{name}/exec/ws asks for:
// ?cmd=sh&cmd=-c&cmd=... (argv, at least one), tty, rows, cols, env=K=V,
// workdir, user. Throws HttpError(400/404) for anything else.
ExecRequest websocket_exec_request(std::string_view target);

// docs/openapi.json, as built into moat.
std::string_view openapi_document();

}  // namespace moat::serve
