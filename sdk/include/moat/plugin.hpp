// The C++ layer over plugin_abi.h: a plugin is a class plus one macro.
//
//   class MyRuntime {
//    public:
//     MyRuntime(moat::sdk::Host host, const nlohmann::json& config);
//     moat::Capabilities describe();                 // required
//     moat::ProbeResult probe();                     // required
//     moat::SandboxInfo create_sandbox(const moat::SandboxSpec&);   // optional
//     ...                                            // see the list below
//   };
//   MOAT_PLUGIN_DEFINE(MyRuntime, "my-runtime", "1.0.0", "One line about it")
//
// The macro emits the exported C entry point and a static descriptor. Each
// optional operation the class declares fills its slot; one it does not
// declare stays NULL, which the host reports as "unsupported". Every
// trampoline is noexcept: an exception becomes a status and a message, never
// an unwind through C frames.
//
// Optional members, with the request/response types they take and give:
//   SandboxInfo create_sandbox(const SandboxSpec&)
//   SandboxInfo start_sandbox(const std::string& name)
//   void        stop_sandbox(const std::string& name, double timeout_s)
//   void        restart_sandbox(const std::string& name, double timeout_s)
//   void        remove_sandbox(const std::string& name)
//   ExecResult  exec_sandbox(const ExecRequest&)
//   SandboxInfo inspect_sandbox(const std::string& name)
//   LogsResult  sandbox_logs(const LogsRequest&)   (or (const std::string& name): no tail)
//   std::vector<SandboxInfo> list_sandboxes()
//   void        connect_network(const std::string& name, const std::string& network)
//   void        disconnect_network(const std::string& name, const std::string& network)
//   std::vector<ManagedObject> list_managed()       (ABI 1.1: what `moat gc` sweeps)
//   void        remove_managed(const ManagedObject&)
//   ExecResult  exec_stream(const ExecRequest&, const OutputSink&)
//                 (ABI 1.1: the output goes to the sink as it comes; the
//                 result carries none. A false from the sink: end the command)
//   void        logs_stream(const LogsRequest&, const OutputSink&)
//                 (ABI 1.1: tail, follow and since; returns when done, when
//                 the sandbox stops while following, or on a false)
#pragma once

#include <moat/plugin_abi.h>
#include <moat/error.hpp>
#include <moat/model.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#define MOAT_STRINGIFY_IMPL(x) #x
#define MOAT_STRINGIFY(x) MOAT_STRINGIFY_IMPL(x)
#define MOAT_STRINGIFY_ABI "abi " MOAT_STRINGIFY(MOAT_ABI_MAJOR) "." MOAT_STRINGIFY(MOAT_ABI_MINOR)

// The oldest host ABI minor this plugin needs (the descriptor's abi_minor).
// Every slot added since 1.0 is optional and struct_size tells a host which
// are there, so a plugin built against a newer SDK still loads on an older
// 1.x host, which simply does not call what it does not know. Define it to N
// before including this header only when the plugin cannot work without
// something a host gives from 1.N on.
#ifndef MOAT_PLUGIN_MIN_HOST_MINOR
#define MOAT_PLUGIN_MIN_HOST_MINOR 0
#endif
static_assert(MOAT_PLUGIN_MIN_HOST_MINOR <= MOAT_ABI_MINOR, "MOAT_PLUGIN_MIN_HOST_MINOR is newer than this SDK");

namespace moat::sdk {

// What the host offers a plugin instance: logging routed into the host's
// logger (with the plugin id), and a cancellation flag for long operations.
class Host {
 public:
  Host(const moat_host_api* api, const char* plugin_id) : api_(api), plugin_id_(plugin_id) {}

  void log(moat_log_level level, const std::string& message) const {
    if (api_ != nullptr && api_->log != nullptr) api_->log(api_->ctx, level, plugin_id_, message.c_str());
  }
  void debug(const std::string& m) const { log(MOAT_LOG_DEBUG, m); }
  void info(const std::string& m) const { log(MOAT_LOG_INFO, m); }
  void warn(const std::string& m) const { log(MOAT_LOG_WARN, m); }

  [[nodiscard]] bool cancelled() const {
    return api_ != nullptr && api_->struct_size >= offsetof(moat_host_api, cancelled) + sizeof(api_->cancelled) &&
           api_->cancelled != nullptr && api_->cancelled(api_->ctx) != 0;
  }

 private:
  const moat_host_api* api_;
  const char* plugin_id_;
};

namespace detail {

// Strings handed to the host are malloc'd so that free_string is plain free().
inline char* dup_string(const std::string& s) {
  auto* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p != nullptr) std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

// Command output may be any bytes; replace invalid UTF-8 instead of throwing.
inline std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

inline moat_status fail(char** response, moat_status status, const std::string& message) {
  if (response != nullptr) *response = dup_string(dump(nlohmann::json{{"message", message}}));
  return status;
}

// Runs `body` (which returns the response JSON) and maps every exception to
// a status. This is the only place exceptions stop on their way to C.
template <typename Body>
moat_status guarded(char** response, Body&& body) noexcept {
  try {
    if (response != nullptr) *response = nullptr;
    nlohmann::json result = std::forward<Body>(body)();
    if (response != nullptr && !result.is_null()) *response = dup_string(dump(result));
    return MOAT_OK;
  } catch (const moat::Error& e) {
    return fail(response, e.status(), e.what());
  } catch (const nlohmann::json::exception& e) {
    return fail(response, MOAT_E_INVALID, std::string("malformed request: ") + e.what());
  } catch (const std::exception& e) {
    return fail(response, MOAT_E_FAILED, e.what());
  } catch (...) {
    return fail(response, MOAT_E_INTERNAL, "unknown exception in plugin");
  }
}

inline nlohmann::json parse_request(const char* request) {
  if (request == nullptr || *request == '\0') return nlohmann::json::object();
  return nlohmann::json::parse(request);
}

template <typename Impl>
struct Adapter {
  // The opaque moat_plugin* is really this.
  struct Instance {
    Impl impl;
  };
  static Impl& self(moat_plugin* p) { return reinterpret_cast<Instance*>(p)->impl; }

  static moat_plugin* create(const moat_host_api* host, const char* config, char** error, const char* id) noexcept {
    try {
      nlohmann::json cfg = parse_request(config);
      auto* inst = new Instance{Impl(Host(host, id), cfg)};
      return reinterpret_cast<moat_plugin*>(inst);
    } catch (const std::exception& e) {
      if (error != nullptr) *error = dup_string(e.what());
    } catch (...) {
      if (error != nullptr) *error = dup_string("unknown exception in plugin constructor");
    }
    return nullptr;
  }
  static void destroy(moat_plugin* p) noexcept { delete reinterpret_cast<Instance*>(p); }
  static void free_string(char* s) noexcept { std::free(s); }

  static moat_status describe(moat_plugin* p, const char*, char** out) noexcept {
    return guarded(out, [&] { return nlohmann::json(self(p).describe()); });
  }
  static moat_status probe(moat_plugin* p, const char*, char** out) noexcept {
    return guarded(out, [&] { return nlohmann::json(self(p).probe()); });
  }

  static std::string name_of(const nlohmann::json& req) { return req.at("name").get<std::string>(); }
  static double timeout_of(const nlohmann::json& req) { return req.value("timeout_s", 10.0); }

  static moat_op_fn create_sandbox() {
    if constexpr (requires(Impl & i, const SandboxSpec& s) { i.create_sandbox(s); }) {
      return [](moat_plugin* p, const char* in, char** out) noexcept {
        return guarded(out,
                       [&] { return nlohmann::json(self(p).create_sandbox(parse_request(in).get<SandboxSpec>())); });
      };
    }
    return nullptr;
  }
  static moat_op_fn start_sandbox() {
    if constexpr (requires(Impl & i, const std::string& n) { i.start_sandbox(n); }) {
      return [](moat_plugin* p, const char* in, char** out) noexcept {
        return guarded(out, [&] { return nlohmann::json(self(p).start_sandbox(name_of(parse_request(in)))); });
      };
    }
    return nullptr;
  }
  static moat_op_fn stop_sandbox() {
    if constexpr (requires(Impl & i, const std::string& n) { i.stop_sandbox(n, 1.0); }) {
      return [](moat_plugin* p, const char* in, char** out) noexcept {
        return guarded(out, [&] {
          auto req = parse_request(in);
          self(p).stop_sandbox(name_of(req), timeout_of(req));
          return nlohmann::json();
        });
      };
    }
    return nullptr;
  }
  static moat_op_fn restart_sandbox() {
    if constexpr (requires(Impl & i, const std::string& n) { i.restart_sandbox(n, 1.0); }) {
      return [](moat_plugin* p, const char* in, char** out) noexcept {
        return guarded(out, [&] {
          auto req = parse_request(in);
          self(p).restart_sandbox(name_of(req), timeout_of(req));
          return nlohmann::json();
        });
      };
    }
    return nullptr;
  }
  static moat_op_fn remove_sandbox() {
    if constexpr (requires(Impl & i, const std::string& n) { i.remove_sandbox(n); }) {
      return [](moat_plugin* p, const char* in, char** out) noexcept {
        return guarded(out, [&] {
          self(p).remove_sandbox(name_of(parse_request(in)));
          return nlohmann::json();
        });
      };
    }
    return nullptr;
  }
  static moat_op_fn exec_sandbox() {
    if constexpr (requires(Impl & i, const ExecRequest& r) { i.exec_sandbox(r); }) {
      return [](moat_plugin* p, const char* in, char** out) noexcept {
        return guarded(out, [&] { return nlohmann::json(self(p).exec_sandbox(parse_request(in).get<ExecRequest>())); });
      };
    }
    return nullptr;
  }
  // The host's C sink as an OutputSink.
  static OutputSink sink_of(const moat_output_sink* sink) {
    if (sink == nullptr || sink->write == nullptr) throw moat::Error(MOAT_E_INVALID, "the host passed no output sink");
    return [sink](int stream, std::string_view data) {
      return sink->write(sink->ctx, stream, data.data(), data.size()) == 0;
    };
  }
  // A plugin's exec_stream(request, sink) gets the C sink as an OutputSink.
  static moat_stream_op_fn exec_stream() {
    if constexpr (requires(Impl & i, const ExecRequest& r, const OutputSink& s) { i.exec_stream(r, s); }) {
      return [](moat_plugin* p, const char* in, const moat_output_sink* sink, char** out) noexcept {
        return guarded(out, [&] {
          const OutputSink to_host = sink_of(sink);
          return nlohmann::json(self(p).exec_stream(parse_request(in).get<ExecRequest>(), to_host));
        });
      };
    }
    return nullptr;
  }
  // The host's C input source as an InputSource.
  static InputSource input_of(const moat_input_source* input) {
    if (input == nullptr || input->next == nullptr)
      throw moat::Error(MOAT_E_INVALID, "the host passed no input source");
    return [input](std::chrono::milliseconds wait) {
      moat_input_event event{};
      std::string buffer(std::size_t{64} * 1024, '\0');
      const int got = input->next(input->ctx, &event, buffer.data(), buffer.size(), static_cast<int>(wait.count()));
      InputEvent out;
      if (got < 0) {
        out.kind = InputEvent::Kind::stopped;
      } else if (got > 0 && event.kind == MOAT_INPUT_DATA) {
        out.kind = InputEvent::Kind::data;
        buffer.resize(std::min(event.size, buffer.size()));
        out.data = std::move(buffer);
      } else if (got > 0 && event.kind == MOAT_INPUT_EOF) {
        out.kind = InputEvent::Kind::eof;
      } else if (got > 0 && event.kind == MOAT_INPUT_RESIZE) {
        out.kind = InputEvent::Kind::resize;
        out.rows = event.rows;
        out.cols = event.cols;
      }
      return out;
    };
  }
  // A plugin's exec_interactive(request, input, sink).
  static moat_interactive_op_fn exec_interactive() {
    if constexpr (requires(Impl & i, const ExecRequest& r, const InputSource& in, const OutputSink& s) {
                    i.exec_interactive(r, in, s);
                  }) {
      return [](moat_plugin* p, const char* in, const moat_input_source* input, const moat_output_sink* sink,
                char** out) noexcept {
        return guarded(out, [&] {
          const OutputSink to_host = sink_of(sink);
          const InputSource from_host = input_of(input);
          return nlohmann::json(self(p).exec_interactive(parse_request(in).get<ExecRequest>(), from_host, to_host));
        });
      };
    }
    return nullptr;
  }
  static moat_stream_op_fn logs_stream() {
    if constexpr (requires(Impl & i, const LogsRequest& r, const OutputSink& s) { i.logs_stream(r, s); }) {
      return [](moat_plugin* p, const char* in, const moat_output_sink* sink, char** out) noexcept {
        return guarded(out, [&] {
          const OutputSink to_host = sink_of(sink);
          const nlohmann::json request = parse_request(in);
          LogsRequest r = request.get<LogsRequest>();
          r.name = name_of(request);
          self(p).logs_stream(r, to_host);
          return nlohmann::json();
        });
      };
    }
    return nullptr;
  }
  static moat_op_fn inspect_sandbox() {
    if constexpr (requires(Impl & i, const std::string& n) { i.inspect_sandbox(n); }) {
      return [](moat_plugin* p, const char* in, char** out) noexcept {
        return guarded(out, [&] { return nlohmann::json(self(p).inspect_sandbox(name_of(parse_request(in)))); });
      };
    }
    return nullptr;
  }
  static moat_op_fn sandbox_logs() {
    if constexpr (requires(Impl & i, const LogsRequest& r) { i.sandbox_logs(r); }) {
      return [](moat_plugin* p, const char* in, char** out) noexcept {
        return guarded(out, [&] {
          const nlohmann::json request = parse_request(in);
          LogsRequest r = request.get<LogsRequest>();
          r.name = name_of(request);
          return nlohmann::json(self(p).sandbox_logs(r));
        });
      };
    } else if constexpr (requires(Impl & i, const std::string& n) { i.sandbox_logs(n); }) {
      return [](moat_plugin* p, const char* in, char** out) noexcept {
        return guarded(out, [&] { return nlohmann::json(self(p).sandbox_logs(name_of(parse_request(in)))); });
      };
    }
    return nullptr;
  }
  static moat_op_fn list_sandboxes() {
    if constexpr (requires(Impl & i) { i.list_sandboxes(); }) {
      return [](moat_plugin* p, const char*, char** out) noexcept {
        return guarded(out, [&] { return nlohmann::json(self(p).list_sandboxes()); });
      };
    }
    return nullptr;
  }
  static moat_op_fn connect_network() {
    if constexpr (requires(Impl & i, const std::string& n) { i.connect_network(n, n); }) {
      return [](moat_plugin* p, const char* in, char** out) noexcept {
        return guarded(out, [&] {
          auto req = parse_request(in);
          self(p).connect_network(name_of(req), req.at("network").get<std::string>());
          return nlohmann::json();
        });
      };
    }
    return nullptr;
  }
  static moat_op_fn disconnect_network() {
    if constexpr (requires(Impl & i, const std::string& n) { i.disconnect_network(n, n); }) {
      return [](moat_plugin* p, const char* in, char** out) noexcept {
        return guarded(out, [&] {
          auto req = parse_request(in);
          self(p).disconnect_network(name_of(req), req.at("network").get<std::string>());
          return nlohmann::json();
        });
      };
    }
    return nullptr;
  }

  static moat_op_fn list_managed() {
    if constexpr (requires(Impl & i) { i.list_managed(); }) {
      return [](moat_plugin* p, const char*, char** out) noexcept {
        return guarded(out, [&] { return nlohmann::json(self(p).list_managed()); });
      };
    }
    return nullptr;
  }
  static moat_op_fn remove_managed() {
    if constexpr (requires(Impl & i, const ManagedObject& o) { i.remove_managed(o); }) {
      return [](moat_plugin* p, const char* in, char** out) noexcept {
        return guarded(out, [&] {
          self(p).remove_managed(parse_request(in).get<ManagedObject>());
          return nlohmann::json();
        });
      };
    }
    return nullptr;
  }

  // ---- ABI 1.1 networks and snapshots ----
  static moat_op_fn create_network() {
    if constexpr (requires(Impl & i, const NetworkSpec& n) { i.create_network(n); }) {
      return [](moat_plugin* p, const char* in, char** out) noexcept {
        return guarded(out,
                       [&] { return nlohmann::json(self(p).create_network(parse_request(in).get<NetworkSpec>())); });
      };
    }
    return nullptr;
  }
  static moat_op_fn remove_network() {
    if constexpr (requires(Impl & i, const std::string& n) { i.remove_network(n); }) {
      return [](moat_plugin* p, const char* in, char** out) noexcept {
        return guarded(out, [&] {
          self(p).remove_network(name_of(parse_request(in)));
          return nlohmann::json();
        });
      };
    }
    return nullptr;
  }
  static moat_op_fn list_networks() {
    if constexpr (requires(Impl & i) { i.list_networks(); }) {
      return [](moat_plugin* p, const char*, char** out) noexcept {
        return guarded(out, [&] { return nlohmann::json(self(p).list_networks()); });
      };
    }
    return nullptr;
  }
  static moat_op_fn snapshot_sandbox() {
    if constexpr (requires(Impl & i, const std::string& n) { i.snapshot_sandbox(n, n); }) {
      return [](moat_plugin* p, const char* in, char** out) noexcept {
        return guarded(out, [&] {
          auto req = parse_request(in);
          return nlohmann::json(self(p).snapshot_sandbox(name_of(req), req.at("snapshot").get<std::string>()));
        });
      };
    }
    return nullptr;
  }
  static moat_op_fn restore_sandbox() {
    if constexpr (requires(Impl & i, const RestoreRequest& r) { i.restore_sandbox(r); }) {
      return [](moat_plugin* p, const char* in, char** out) noexcept {
        return guarded(
            out, [&] { return nlohmann::json(self(p).restore_sandbox(parse_request(in).get<RestoreRequest>())); });
      };
    }
    return nullptr;
  }
  static moat_op_fn list_snapshots() {
    if constexpr (requires(Impl & i) { i.list_snapshots(); }) {
      return [](moat_plugin* p, const char*, char** out) noexcept {
        return guarded(out, [&] { return nlohmann::json(self(p).list_snapshots()); });
      };
    }
    return nullptr;
  }
  static moat_op_fn remove_snapshot() {
    if constexpr (requires(Impl & i, const std::string& n) { i.remove_snapshot(n); }) {
      return [](moat_plugin* p, const char* in, char** out) noexcept {
        return guarded(out, [&] {
          self(p).remove_snapshot(name_of(parse_request(in)));
          return nlohmann::json();
        });
      };
    }
    return nullptr;
  }

  static moat_plugin_descriptor make_descriptor(const char* id, const char* version, const char* description,
                                                moat_plugin* (*create_fn)(const moat_host_api*, const char*, char**)) {
    moat_plugin_descriptor d{};
    d.struct_size = sizeof(moat_plugin_descriptor);
    d.abi_major = MOAT_ABI_MAJOR;
    d.abi_minor = MOAT_PLUGIN_MIN_HOST_MINOR;
    d.id = id;
    d.version = version;
    d.description = description;
    d.build_info = "moat-sdk " MOAT_STRINGIFY_ABI " g++ " __VERSION__;
    d.create = create_fn;
    d.destroy = &Adapter::destroy;
    d.free_string = &Adapter::free_string;
    d.describe = &Adapter::describe;
    d.probe = &Adapter::probe;
    d.sandbox_create = create_sandbox();
    d.sandbox_start = start_sandbox();
    d.sandbox_stop = stop_sandbox();
    d.sandbox_restart = restart_sandbox();
    d.sandbox_remove = remove_sandbox();
    d.sandbox_exec = exec_sandbox();
    d.sandbox_inspect = inspect_sandbox();
    d.sandbox_logs = sandbox_logs();
    d.sandbox_list = list_sandboxes();
    d.network_connect = connect_network();
    d.network_disconnect = disconnect_network();
    d.managed_list = list_managed();
    d.managed_remove = remove_managed();
    d.sandbox_exec_stream = exec_stream();
    d.sandbox_logs_stream = logs_stream();
    d.network_create = create_network();
    d.network_remove = remove_network();
    d.network_list = list_networks();
    d.sandbox_snapshot = snapshot_sandbox();
    d.sandbox_restore = restore_sandbox();
    d.snapshot_list = list_snapshots();
    d.snapshot_remove = remove_snapshot();
    d.sandbox_exec_interactive = exec_interactive();
    return d;
  }
};

}  // namespace detail
}  // namespace moat::sdk

// Defines the plugin's exported entry point. Use once, in one .cpp file.
#define MOAT_PLUGIN_DEFINE(ImplClass, ID, VERSION, DESCRIPTION)                                                \
  extern "C" MOAT_PLUGIN_EXPORT const moat_plugin_descriptor* moat_plugin_entry_v1(uint32_t, uint32_t) {       \
    static const moat_plugin_descriptor descriptor = ::moat::sdk::detail::Adapter<ImplClass>::make_descriptor( \
        ID, VERSION, DESCRIPTION, [](const moat_host_api* host, const char* config, char** error) noexcept {   \
          return ::moat::sdk::detail::Adapter<ImplClass>::create(host, config, error, ID);                     \
        });                                                                                                    \
    return &descriptor;                                                                                        \
  }
