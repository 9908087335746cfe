#include <moat/serve/api.hpp>

#include <moat/core/json_views.hpp>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace moat::serve {
namespace {

using nlohmann::json;

// The request body as a JSON object with only `known` keys: a field the API
// does not know is refused, never dropped. An empty body is {}.
json body_object(const RouteContext& ctx, const std::vector<std::string_view>& known) {
  json body;
  const std::string& text = ctx.request.body;
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  try {
    body = json::parse(text);
  } catch (const json::exception& e) {
    throw HttpError(400, "invalid", std::string("request body is not JSON: ") + e.what());
  }
  if (!body.is_object()) throw HttpError(400, "invalid", "request body must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || k == key;
    if (!ok) {
      std::string list;
      for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      throw HttpError(400, "invalid", "unknown field '" + key + "' in the request body; known: " + list);
    }
  }
  return body;
}

// `body` as a T, a wrong type being one 400 line.
template <typename T>
T body_as(const json& body, std::string_view what) {
  try {
    return body.get<T>();
  } catch (const json::exception& e) {
    throw HttpError(400, "invalid", "bad " + std::string(what) + " in the request body: " + e.what());
  }
}

const std::vector<std::string_view> kSpecFields = {
    "name", "runtime", "image",   "hostname", "user",    "env",    "labels",  "network", "workspace",
    "home", "mounts",  "command", "dind",     "options", "limits", "restart", "ports",   "entrypoint"};

json removed(const std::string& name) { return {{"removed", name}}; }

// One piece of output in Docker's multiplexed-stream framing (what
// GET /containers/{id}/logs answers, and what Docker's client libraries
// demultiplex): the stream (1 stdout, 2 stderr, 3 an error), three zero
// bytes, the length as 32-bit big-endian, the bytes.
std::string frame(int stream, std::string_view data) {
  std::string out(8, '\0');
  out[0] = static_cast<char>(stream);
  const auto size = static_cast<std::uint32_t>(data.size());
  for (int i = 0; i < 4; ++i) out[4 + i] = static_cast<char>((size >> (8 * (3 - i))) & 0xffU);
  out.append(data);
  return out;
}

// Logs as they come, framed; an error after the head is the last frame, on
// stream 3, as {"error": {...}}.
HttpResponse logs_stream_response(std::shared_ptr<ServicePool::Lease> service, const LogsRequest& request) {
  HttpResponse response;
  response.content_type = "application/vnd.docker.multiplexed-stream";
  response.stream = [service = std::move(service), request](const BodyWrite& write) {
    const OutputSink sink = [&write](int stream, std::string_view data) {
      return data.empty() ? write({}) : write(frame(stream, data));
    };
    try {
      (*service)->logs_stream(request, sink);
    } catch (const moat::Error& e) {
      (void)write(frame(3, error_response(e).body));
    }
  };
  return response;
}

const std::vector<std::string> kWebSocketExecQuery = {"cmd", "tty", "rows", "cols", "env", "workdir", "user"};

bool empty_value(const json& v) {
  return v.is_null() || (v.is_structured() && v.empty()) ||
         (v.is_string() && v.get_ref<const std::string&>().empty()) || v == false;
}

// True when what was read back holds everything `given` said: objects key
// by key (the reader may add defaults), arrays item by item, values equal;
// an empty value stands for an absent one.
bool read_back(const json& given, const json& read) {
  if (empty_value(given) && empty_value(read)) return true;
  if (given.is_object()) {
    if (!read.is_object()) return false;
    for (const auto& [key, value] : given.items())
      if (!read_back(value, read.contains(key) ? read.at(key) : json())) return false;
    return true;
  }
  if (given.is_array()) {
    if (!read.is_array() || read.size() != given.size()) return false;
    for (std::size_t i = 0; i < given.size(); ++i)
      if (!read_back(given[i], read[i])) return false;
    return true;
  }
  return given == read;
}

// Refuses a body field that SandboxSpec's reader skipped or changed (a
// wrong type: "limits": {"cpus": "2"}, "entrypoint": "sh"): no field is
// dropped in silence.
void refuse_dropped_fields(const json& body, const SandboxSpec& spec) {
  const json back = spec;
  for (const auto& [key, value] : body.items())
    if (!read_back(value, back.contains(key) ? back.at(key) : json()))
      throw HttpError(400, "invalid",
                      "field '" + key + "' has a value or type moat cannot take: " +
                          value.dump(-1, ' ', false, json::error_handler_t::replace) +
                          " (see the SandboxSpec schema in /openapi.json)");
}

SandboxSpec spec_from(const RouteContext& ctx) {
  const json body = body_object(ctx, kSpecFields);
  auto spec = body_as<SandboxSpec>(body, "sandbox spec");
  refuse_dropped_fields(body, spec);
  return spec;
}

}  // namespace

Api::Api(ServicePool& pool, const core::PluginRegistry& registry, std::string version, std::string default_runtime)
    : pool_(pool), registry_(registry), version_(std::move(version)), default_runtime_(std::move(default_runtime)) {
  add_meta_routes();
  add_sandbox_routes();
  add_network_routes();
  add_snapshot_routes();
}

void Api::add_meta_routes() {
  router_.add("GET", "/_ping", [](const RouteContext&) { return json_response(200, {{"ok", true}}); });
  router_.add("GET", "/version", [this](const RouteContext&) {
    return json_response(200, {{"version", version_}, {"api_version", "1"}});
  });
  router_.add("GET", "/openapi.json", [](const RouteContext&) {
    HttpResponse r;
    r.body = std::string(openapi_document());
    return r;
  });
  router_.add("GET", "/plugins", [this](const RouteContext&) {
    json list = json::array();
    for (const auto& r : registry_.records()) list.push_back(r);
    return json_response(200, {{"plugins", list}});
  });
  // Probe verdicts come from the shared cache; ?fresh=true takes new ones.
  router_.add("GET", "/runtimes",
              [this](const RouteContext& ctx) {
                if (ctx.target.flag("fresh", false)) pool_.probes().clear();
                auto service = pool_.acquire();
                json list = json::array();
                for (const auto& r : registry_.records()) {
                  if (r.id.empty() || r.status == core::PluginStatus::duplicate_id) continue;
                  core::RuntimeView view{r, r.id == default_runtime_, std::nullopt, std::nullopt, {}};
                  if (!r.ok()) {
                    view.error = "plugin not loaded (" + std::string(core::to_string(r.status)) + "): " + r.reason;
                  } else {
                    try {
                      view.caps = service->capabilities(r.id);
                    } catch (const std::exception&) {
                      // describe() failing leaves capabilities null, as in `moat runtimes`.
                    }
                    try {
                      view.probe = service->availability(r.id);
                    } catch (const std::exception& e) {
                      view.error = e.what();
                    }
                  }
                  list.push_back(core::runtime_json(view));
                }
                return json_response(200, {{"default_runtime", default_runtime_}, {"runtimes", list}});
              },
              {"fresh"});
}

void Api::add_sandbox_routes() {
  router_.add("GET", "/sandboxes",
              [this](const RouteContext&) { return json_response(200, core::listing_json(pool_.acquire()->list())); });
  router_.add("POST", "/sandboxes",
              [this](const RouteContext& ctx) {
                const auto spec = spec_from(ctx);
                if (spec.name.empty()) throw HttpError(400, "invalid", "the request body needs a \"name\"");
                const SandboxInfo info = pool_.acquire()->create(spec, ctx.target.flag("start", true));
                return json_response(201, {{"sandbox", core::sandbox_json(info)}});
              },
              {"start"});
  router_.add("GET", "/sandboxes/{name}", [this](const RouteContext& ctx) {
    return json_response(200, {{"sandbox", core::sandbox_json(pool_.acquire()->inspect(ctx.param("name")))}});
  });
  router_.add("DELETE", "/sandboxes/{name}", [this](const RouteContext& ctx) {
    pool_.acquire()->remove(ctx.param("name"));
    return json_response(200, removed(ctx.param("name")));
  });
  router_.add("POST", "/sandboxes/{name}/start", [this](const RouteContext& ctx) {
    return json_response(200, {{"sandbox", core::sandbox_json(pool_.acquire()->start(ctx.param("name")))}});
  });
  using StopAction = void (core::SandboxService::*)(const std::string&, double);
  for (const auto& [verb, stop_action] :
       {std::pair<const char*, StopAction>{"stop", &core::SandboxService::stop},
        std::pair<const char*, StopAction>{"restart", &core::SandboxService::restart}}) {
    const StopAction action = stop_action;  // a structured binding cannot be captured (C++17)
    router_.add("POST", std::string("/sandboxes/{name}/") + verb,
                [this, action](const RouteContext& ctx) {
                  auto service = pool_.acquire();
                  ((*service).*action)(ctx.param("name"), ctx.target.number("timeout", 10));
                  return json_response(200, {{"sandbox", core::sandbox_json(service->inspect(ctx.param("name")))}});
                },
                {"timeout"});
  }
  router_.add("POST", "/sandboxes/{name}/exec", [this](const RouteContext& ctx) {
    auto request = body_as<ExecRequest>(body_object(ctx, {"argv", "env", "workdir", "user", "timeout_s"}), "exec");
    if (request.argv.empty()) throw HttpError(400, "invalid", "the request body needs \"argv\": the command to run");
    request.name = ctx.param("name");
    return json_response(200, json(pool_.acquire()->exec(request)));
  });
  router_.add(
      "GET", "/sandboxes/{name}/exec/ws",
      [](const RouteContext&) -> HttpResponse {
        throw HttpError(400, "invalid",
                        "this endpoint is a WebSocket: send an Upgrade: websocket request (see /openapi.json)");
      },
      kWebSocketExecQuery);
  router_.add("GET", "/sandboxes/{name}/logs",
              [this](const RouteContext& ctx) {
                LogsRequest request;
                request.name = ctx.param("name");
                if (ctx.target.param("tail")) request.tail = ctx.target.count("tail", 0, std::uint64_t{1} << 40U);
                if (ctx.target.param("since"))
                  request.since = static_cast<std::int64_t>(ctx.target.count("since", 0, std::uint64_t{1} << 40U));
                request.follow = ctx.target.flag("follow", false);
                auto service = std::make_shared<ServicePool::Lease>(pool_.acquire());
                if (!request.follow && !request.since) {
                  const LogsResult logs = (*service)->logs(request.name, request.tail);
                  return json_response(
                      200, {{"stdout", logs.stdout_data}, {"stderr", logs.stderr_data}, {"truncated", logs.truncated}});
                }
                // What cannot be streamed is refused before the head, as JSON.
                const core::RuntimeHandle& owner = (*service)->owner(request.name);
                if (!owner.supports("sandbox_logs_stream"))
                  throw moat::Error(MOAT_E_UNSUPPORTED,
                                    "runtime '" + owner.id() + "' cannot stream logs, so it has no follow or since");
                return logs_stream_response(std::move(service), request);
              },
              {"tail", "follow", "since"});
}

void Api::add_network_routes() {
  router_.add("GET", "/networks", [this](const RouteContext&) {
    return json_response(200, {{"networks", pool_.acquire()->list_networks()}});
  });
  router_.add("POST", "/networks", [this](const RouteContext& ctx) {
    const json body = body_object(ctx, {"name", "internal", "labels", "runtime"});
    const auto spec = body_as<NetworkSpec>(body, "network spec");
    if (spec.name.empty()) throw HttpError(400, "invalid", "the request body needs a \"name\"");
    const std::string runtime = body_as<std::string>(body.value("runtime", json("")), "runtime");
    return json_response(201, {{"network", pool_.acquire()->create_network(spec, runtime)}});
  });
  router_.add("DELETE", "/networks/{name}", [this](const RouteContext& ctx) {
    pool_.acquire()->remove_network(ctx.param("name"));
    return json_response(200, removed(ctx.param("name")));
  });
  router_.add("POST", "/sandboxes/{name}/networks/{network}", [this](const RouteContext& ctx) {
    pool_.acquire()->connect_network(ctx.param("name"), ctx.param("network"));
    return json_response(200, core::network_action_json(ctx.param("network"), ctx.param("name"), "connected"));
  });
  router_.add("DELETE", "/sandboxes/{name}/networks/{network}", [this](const RouteContext& ctx) {
    pool_.acquire()->disconnect_network(ctx.param("name"), ctx.param("network"));
    return json_response(200, core::network_action_json(ctx.param("network"), ctx.param("name"), "disconnected"));
  });
}

void Api::add_snapshot_routes() {
  router_.add("POST", "/sandboxes/{name}/snapshot", [this](const RouteContext& ctx) {
    const json body = body_object(ctx, {"snapshot"});
    const auto snapshot = body_as<std::string>(body.value("snapshot", json("")), "snapshot");
    if (snapshot.empty()) throw HttpError(400, "invalid", "the request body needs \"snapshot\": the snapshot's name");
    return json_response(201, {{"snapshot", pool_.acquire()->snapshot(ctx.param("name"), snapshot)}});
  });
  router_.add("GET", "/snapshots", [this](const RouteContext&) {
    return json_response(200, {{"snapshots", pool_.acquire()->list_snapshots()}});
  });
  router_.add("GET", "/snapshots/{name}", [this](const RouteContext& ctx) {
    return json_response(200, {{"snapshot", pool_.acquire()->find_snapshot(ctx.param("name"))}});
  });
  router_.add("DELETE", "/snapshots/{name}", [this](const RouteContext& ctx) {
    pool_.acquire()->remove_snapshot(ctx.param("name"));
    return json_response(200, removed(ctx.param("name")));
  });
  router_.add("POST", "/snapshots/{name}/restore",
              [this](const RouteContext& ctx) {
                const auto spec = spec_from(ctx);
                if (spec.name.empty())
                  throw HttpError(400, "invalid", "the request body needs a \"name\" for the new sandbox");
                const SandboxInfo info =
                    pool_.acquire()->restore(ctx.param("name"), spec, ctx.target.flag("start", true));
                return json_response(201, {{"sandbox", core::sandbox_json(info)}});
              },
              {"start"});
}

ExecRequest websocket_exec_request(std::string_view target) {
  const Target t = parse_target(target);
  if (t.segments.size() != 4 || t.segments[0] != "sandboxes" || t.segments[2] != "exec" || t.segments[3] != "ws")
    throw HttpError(404, "not-found", "WebSocket upgrades are served at /sandboxes/{name}/exec/ws only");
  ExecRequest r;
  r.name = t.segments[1];
  r.argv = t.params("cmd");
  if (r.argv.empty()) throw HttpError(400, "invalid", "give the command as ?cmd=ARG, once per argument");
  r.tty = t.flag("tty", false);
  for (const auto& [key, value] : t.query)
    if (std::find(kWebSocketExecQuery.begin(), kWebSocketExecQuery.end(), key) == kWebSocketExecQuery.end())
      throw HttpError(400, "invalid", "unknown query parameter '" + key + "' for the WebSocket exec");
  r.rows = static_cast<std::uint32_t>(t.count("rows", 0, 10000));
  r.cols = static_cast<std::uint32_t>(t.count("cols", 0, 10000));
  r.workdir = t.param("workdir").value_or("");
  r.user = t.param("user").value_or("");
  for (const auto& kv : t.params("env")) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw HttpError(400, "invalid", "env must be K=V, not '" + kv + "'");
    r.env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return r;
}

}  // namespace moat::serve
