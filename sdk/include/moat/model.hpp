// The data model shared by the host and every plugin: what a sandbox is asked
// to be (SandboxSpec), what it is (SandboxInfo), what a runtime declares
// (Capabilities) and finds (ProbeResult), and exec requests and results.
//
// These cross the plugin boundary as JSON; the to_json/from_json functions
// below are the wire format, documented in docs/plugin-abi.md. Unknown keys
// are ignored and missing optional keys take their defaults, so a newer host
// and an older plugin (or the reverse) still understand each other.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat {

// The label every engine object moat creates carries.
inline constexpr const char* kManagedLabel = "moat.managed";
// Which moat runtime (plugin id) owns a sandbox.
inline constexpr const char* kRuntimeLabel = "moat.runtime";
// The logical sandbox name the user gave.
inline constexpr const char* kNameLabel = "moat.name";
// The benchmark or matrix run a resource belongs to.
inline constexpr const char* kRunIdLabel = "moat.run-id";

// What a runtime says it can do, before anything is measured. `moat matrix`
// measures the same properties live; the two are shown side by side.
struct Capabilities {
  std::string isolation;            // "none", "namespaces", "user-namespace", "user-space-kernel", "vm"
  bool docker_in_docker = false;    // can run an inner dockerd without --privileged
  bool persistent_dind = false;     // inner /var/lib/docker survives a restart
  bool bind_mounts = false;         // host directories can be bound in
  bool dynamic_networking = false;  // networks can be attached to a running sandbox
  bool unprivileged = false;        // works without privileged mode
  std::vector<std::string> notes;   // caveats worth showing a user
  // ABI 1.1: the SandboxSpec fields the plugin honours (names in
  // moat/spec_fields.hpp). The host refuses a request that sets a field the
  // chosen plugin does not declare, rather than let it be dropped silently.
  // Unset (a plugin built before 1.1): the fields of ABI 1.0.
  std::optional<std::vector<std::string>> spec_fields;
};

struct ProbeResult {
  bool available = false;
  std::string reason;                                 // why not available (empty when available)
  std::string version;                                // the runtime's own version string, when known
  std::string engine_runtime;                         // the name the engine knows it by (e.g. "runsc")
  nlohmann::json details = nlohmann::json::object();  // checks that ran and what they saw
  // ABI 1.1: the files an available verdict rests on (for a Docker-backed
  // runtime: the engine's socket, which a restarted engine makes anew, and
  // the runtime's executable). While none of them changed, a host may reuse
  // the verdict for a while instead of probing before each create. Empty:
  // probe each time.
  std::vector<std::string> depends_on;
};

struct Mount {
  std::string type = "bind";  // "bind", "volume" or "tmpfs"
  std::string source;         // host path (bind) or volume name (volume); empty for tmpfs
  std::string target;         // absolute path inside the sandbox
  bool read_only = false;
};

// Resource limits (ABI 1.1). Unset = no limit beyond the backend's own.
struct ResourceLimits {
  std::optional<double> cpus;                // CPU time per second, in CPUs (1.5 = one and a half)
  std::optional<std::int64_t> memory_bytes;  // hard limit, swap included: past it the kernel OOM-kills
  std::optional<std::int64_t> pids;          // processes and threads at once

  [[nodiscard]] bool empty() const { return !cpus && !memory_bytes && !pids; }
};

// A published port (ABI 1.1): host_ip:host_port on the host reaches
// container_port inside, as docker run --publish.
struct PortMapping {
  std::uint16_t container_port = 0;
  std::uint16_t host_port = 0;   // 0 = one the engine picks (SandboxInfo says which)
  std::string host_ip;           // empty = every address of the host
  std::string protocol = "tcp";  // "tcp", "udp" or "sctp"
};

struct SandboxSpec {
  std::string name;     // [a-zA-Z0-9][a-zA-Z0-9_.-]*, unique per engine
  std::string runtime;  // plugin id; empty = the configured default
  std::string image;
  std::string hostname;  // defaults to name
  std::string user;      // home owner; no '/' and not '.' or '..'
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> labels;          // the host adds moat.* labels
  std::string network;                                // engine network; empty = engine default
  std::string workspace;                              // host dir bound at /workspace
  std::string home;                                   // host dir bound at the user's home
  std::vector<Mount> mounts;                          // -v and --volume
  std::vector<std::string> command;                   // the main process; empty = keep-alive
  bool dind = false;                                  // prepare Docker-in-Docker
  nlohmann::json options = nlohmann::json::object();  // runtime-specific extras
  // ---- ABI 1.1 (a plugin honours them only when it declares them) ----
  // Replaces the image's entrypoint, as docker run --entrypoint; an empty
  // list clears it. `command` then gives its arguments.
  std::optional<std::vector<std::string>> entrypoint;
  ResourceLimits limits;
  std::string restart;  // "no" (empty), "always", "unless-stopped", "on-failure[:N]"
  std::vector<PortMapping> ports;
};

struct SandboxInfo {
  std::string name;
  std::string id;              // engine id
  std::string runtime;         // plugin id
  std::string engine_runtime;  // what the engine really ran it with
  std::string image;
  std::string state;  // "created", "running", "exited", ...
  bool running = false;
  std::map<std::string, std::string> labels;
  std::vector<Mount> mounts;
  std::vector<std::string> networks;
  // ABI 1.1, as the backend applied them (empty when it has none or cannot say).
  ResourceLimits limits;
  std::string restart;
  std::vector<PortMapping> ports;  // with the host port the engine picked
};

struct ExecRequest {
  std::string name;
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
  std::string workdir;
  std::string user;
  double timeout_s = 0;  // 0 = no limit
  // sandbox_exec_interactive (ABI 1.1): a terminal for the command, and its
  // size at the start (0: unknown); in the JSON only when set.
  bool tty = false;
  std::uint32_t rows = 0;
  std::uint32_t cols = 0;
};

struct ExecResult {
  int exit_code = -1;
  std::string stdout_data;
  std::string stderr_data;
  double duration_ms = 0;
  // stdout or stderr went past the runtime's output cap and was cut there
  // (Docker-backed runtimes: engine.max_output_bytes, 64 MiB per stream).
  bool truncated = false;
};

// Where a streaming exec's output goes as it comes (ABI 1.1,
// sandbox_exec_stream): stream 1 is stdout, 2 is stderr. Returns false when
// the receiver stopped listening; the command is then ended. Empty data
// only asks whether it still listens (see moat_output_sink).
using OutputSink = std::function<bool(int stream, std::string_view data)>;

// What an interactive exec reads (ABI 1.1, sandbox_exec_interactive): the
// next piece of input, its end, a new terminal size, or - `none` - nothing
// within the wait; `stopped` once the caller stopped (the command is ended).
struct InputEvent {
  enum class Kind { none, data, eof, resize, stopped };
  Kind kind = Kind::none;
  std::string data;
  std::uint32_t rows = 0;
  std::uint32_t cols = 0;
};
using InputSource = std::function<InputEvent(std::chrono::milliseconds wait)>;

// What a sandbox's main process has written (sandbox_logs). Not an
// ExecResult: there is no exit code or duration to report.
struct LogsResult {
  std::string stdout_data;
  std::string stderr_data;
  bool truncated = false;  // as in ExecResult
};

// sandbox_logs's request: {"name", "tail"?}. A plugin that knows no `tail`
// ignores it (and returns the whole log). sandbox_logs_stream (ABI 1.1) also
// reads "follow" and "since".
struct LogsRequest {
  std::string name;
  std::optional<std::uint64_t> tail;  // only the last N lines
  bool follow = false;                // go on with what comes, until the sandbox stops
  std::optional<std::int64_t> since;  // only lines from this Unix time on
};

// One object a plugin's backend holds for moat (managed_list, managed_remove):
// what `moat gc` sweeps. `store` names where it lives, so that plugins sharing
// one store (Docker-backed runtimes on one engine) list it once: objects with
// equal store, kind and id are the same object.
struct ManagedObject {
  std::string store;                          // e.g. "docker:unix:///var/run/docker.sock", "host:/var/lib/moat/host"
  std::string kind;                           // "sandbox", "volume", "network", ...
  std::string id;                             // unique in the store
  std::string name;                           // for people
  std::map<std::string, std::string> labels;  // moat.managed, moat.run-id, moat.sandbox...
};

// ABI 1.1 network_create: an engine network moat makes (a bridge, labelled
// moat.managed=true, moat.network=<name>). `internal`: no route out.
struct NetworkSpec {
  std::string name;
  bool internal = false;
  std::map<std::string, std::string> labels;
};

// A network moat made (network_create, network_list).
struct NetworkInfo {
  std::string name;
  std::string id;
  std::string driver;
  bool internal = false;
  std::map<std::string, std::string> labels;
  std::vector<std::string> sandboxes;  // the moat sandboxes attached to it
};

// What a snapshot holds besides the root filesystem: the content of one
// mount of the sandbox, kept where restore finds it.
struct SnapshotVolume {
  std::string target;  // where it was mounted ("/workspace", "/var/lib/docker", ...)
  std::string store;   // where the backend keeps the content (e.g. an engine volume)
  std::string kind;    // what it was: "volume" (moat-made), "workspace" or "home" (a host directory)
};

// ABI 1.1 sandbox_snapshot, snapshot_list: a sandbox's filesystem and the
// mounts moat made for it, kept under a name, from which sandbox_restore
// makes new sandboxes.
struct SnapshotInfo {
  std::string name;
  std::string id;               // the backend's id (an engine image id)
  std::string runtime;          // the plugin that made it (restore goes there)
  std::string sandbox;          // the sandbox it was taken of
  std::string image;            // the reference restore creates from
  std::string created;          // RFC 3339
  std::int64_t size_bytes = 0;  // the root filesystem's size as the backend reports it
  bool dind = false;            // the sandbox ran an inner dockerd (restore starts one)
  std::string user;             // the sandbox's user (its home's owner)
  std::vector<SnapshotVolume> volumes;
};

// ABI 1.1 sandbox_restore's request: a new sandbox as `spec` says, from the
// snapshot: its root filesystem replaces spec.image (which must be empty),
// and each of its mounts comes back where it was, as a volume of the new
// sandbox, or copied into spec.workspace / spec.home when those are given.
struct RestoreRequest {
  std::string snapshot;
  SandboxSpec spec;
};

// ---- JSON wire format -------------------------------------------------------

namespace detail {
template <typename T>
void get_opt(const nlohmann::json& j, const char* key, T& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) it->get_to(out);
}
}  // namespace detail

inline void to_json(nlohmann::json& j, const Capabilities& c) {
  j = {{"isolation", c.isolation},
       {"docker_in_docker", c.docker_in_docker},
       {"persistent_dind", c.persistent_dind},
       {"bind_mounts", c.bind_mounts},
       {"dynamic_networking", c.dynamic_networking},
       {"unprivileged", c.unprivileged},
       {"notes", c.notes}};
  if (c.spec_fields) j["spec_fields"] = *c.spec_fields;
}
inline void from_json(const nlohmann::json& j, Capabilities& c) {
  detail::get_opt(j, "isolation", c.isolation);
  detail::get_opt(j, "docker_in_docker", c.docker_in_docker);
  detail::get_opt(j, "persistent_dind", c.persistent_dind);
  detail::get_opt(j, "bind_mounts", c.bind_mounts);
  detail::get_opt(j, "dynamic_networking", c.dynamic_networking);
  detail::get_opt(j, "unprivileged", c.unprivileged);
  detail::get_opt(j, "notes", c.notes);
  if (auto it = j.find("spec_fields"); it != j.end() && it->is_array())
    c.spec_fields = it->get<std::vector<std::string>>();
}

inline void to_json(nlohmann::json& j, const ProbeResult& p) {
  j = {{"available", p.available},
       {"reason", p.reason},
       {"version", p.version},
       {"engine_runtime", p.engine_runtime},
       {"details", p.details}};
  if (!p.depends_on.empty()) j["depends_on"] = p.depends_on;
}
inline void from_json(const nlohmann::json& j, ProbeResult& p) {
  detail::get_opt(j, "available", p.available);
  detail::get_opt(j, "reason", p.reason);
  detail::get_opt(j, "version", p.version);
  detail::get_opt(j, "engine_runtime", p.engine_runtime);
  detail::get_opt(j, "details", p.details);
  if (auto it = j.find("depends_on"); it != j.end() && it->is_array())
    for (const auto& f : *it)
      if (f.is_string()) p.depends_on.push_back(f.get<std::string>());
}

inline void to_json(nlohmann::json& j, const Mount& m) {
  j = {{"type", m.type}, {"source", m.source}, {"target", m.target}, {"read_only", m.read_only}};
}
inline void from_json(const nlohmann::json& j, Mount& m) {
  detail::get_opt(j, "type", m.type);
  detail::get_opt(j, "source", m.source);
  detail::get_opt(j, "target", m.target);
  detail::get_opt(j, "read_only", m.read_only);
}

// Unset limits are absent from the JSON (not null), so a 1.0 reader sees nothing new.
inline void to_json(nlohmann::json& j, const ResourceLimits& l) {
  j = nlohmann::json::object();
  if (l.cpus) j["cpus"] = *l.cpus;
  if (l.memory_bytes) j["memory_bytes"] = *l.memory_bytes;
  if (l.pids) j["pids"] = *l.pids;
}
inline void from_json(const nlohmann::json& j, ResourceLimits& l) {
  if (!j.is_object()) return;
  if (auto it = j.find("cpus"); it != j.end() && it->is_number()) l.cpus = it->get<double>();
  if (auto it = j.find("memory_bytes"); it != j.end() && it->is_number_integer())
    l.memory_bytes = it->get<std::int64_t>();
  if (auto it = j.find("pids"); it != j.end() && it->is_number_integer()) l.pids = it->get<std::int64_t>();
}

inline void to_json(nlohmann::json& j, const PortMapping& p) {
  j = {{"container_port", p.container_port},
       {"host_port", p.host_port},
       {"host_ip", p.host_ip},
       {"protocol", p.protocol}};
}
inline void from_json(const nlohmann::json& j, PortMapping& p) {
  detail::get_opt(j, "container_port", p.container_port);
  detail::get_opt(j, "host_port", p.host_port);
  detail::get_opt(j, "host_ip", p.host_ip);
  detail::get_opt(j, "protocol", p.protocol);
}

inline void to_json(nlohmann::json& j, const SandboxSpec& s) {
  j = {{"name", s.name},           {"runtime", s.runtime}, {"image", s.image},   {"hostname", s.hostname},
       {"user", s.user},           {"env", s.env},         {"labels", s.labels}, {"network", s.network},
       {"workspace", s.workspace}, {"home", s.home},       {"mounts", s.mounts}, {"command", s.command},
       {"dind", s.dind},           {"options", s.options}};
  // ABI 1.1 fields only when set: a request a 1.0 plugin could honour looks
  // to it exactly as before.
  if (s.entrypoint) j["entrypoint"] = *s.entrypoint;
  if (!s.limits.empty()) j["limits"] = s.limits;
  if (!s.restart.empty()) j["restart"] = s.restart;
  if (!s.ports.empty()) j["ports"] = s.ports;
}
inline void from_json(const nlohmann::json& j, SandboxSpec& s) {
  detail::get_opt(j, "name", s.name);
  detail::get_opt(j, "runtime", s.runtime);
  detail::get_opt(j, "image", s.image);
  detail::get_opt(j, "hostname", s.hostname);
  detail::get_opt(j, "user", s.user);
  detail::get_opt(j, "env", s.env);
  detail::get_opt(j, "labels", s.labels);
  detail::get_opt(j, "network", s.network);
  detail::get_opt(j, "workspace", s.workspace);
  detail::get_opt(j, "home", s.home);
  detail::get_opt(j, "mounts", s.mounts);
  detail::get_opt(j, "command", s.command);
  detail::get_opt(j, "dind", s.dind);
  detail::get_opt(j, "options", s.options);
  if (auto it = j.find("entrypoint"); it != j.end() && it->is_array())
    s.entrypoint = it->get<std::vector<std::string>>();
  detail::get_opt(j, "limits", s.limits);
  detail::get_opt(j, "restart", s.restart);
  detail::get_opt(j, "ports", s.ports);
}

inline void to_json(nlohmann::json& j, const SandboxInfo& s) {
  j = {{"name", s.name},       {"id", s.id},
       {"runtime", s.runtime}, {"engine_runtime", s.engine_runtime},
       {"image", s.image},     {"state", s.state},
       {"running", s.running}, {"labels", s.labels},
       {"mounts", s.mounts},   {"networks", s.networks}};
  if (!s.limits.empty()) j["limits"] = s.limits;
  if (!s.restart.empty()) j["restart"] = s.restart;
  if (!s.ports.empty()) j["ports"] = s.ports;
}
inline void from_json(const nlohmann::json& j, SandboxInfo& s) {
  detail::get_opt(j, "name", s.name);
  detail::get_opt(j, "id", s.id);
  detail::get_opt(j, "runtime", s.runtime);
  detail::get_opt(j, "engine_runtime", s.engine_runtime);
  detail::get_opt(j, "image", s.image);
  detail::get_opt(j, "state", s.state);
  detail::get_opt(j, "running", s.running);
  detail::get_opt(j, "labels", s.labels);
  detail::get_opt(j, "mounts", s.mounts);
  detail::get_opt(j, "networks", s.networks);
  detail::get_opt(j, "limits", s.limits);
  detail::get_opt(j, "restart", s.restart);
  detail::get_opt(j, "ports", s.ports);
}

inline void to_json(nlohmann::json& j, const ExecRequest& r) {
  j = {{"name", r.name},       {"argv", r.argv}, {"env", r.env},
       {"workdir", r.workdir}, {"user", r.user}, {"timeout_s", r.timeout_s}};
  if (r.tty) j["tty"] = true;
  if (r.rows != 0) j["rows"] = r.rows;
  if (r.cols != 0) j["cols"] = r.cols;
}
inline void from_json(const nlohmann::json& j, ExecRequest& r) {
  detail::get_opt(j, "name", r.name);
  detail::get_opt(j, "argv", r.argv);
  detail::get_opt(j, "env", r.env);
  detail::get_opt(j, "workdir", r.workdir);
  detail::get_opt(j, "user", r.user);
  detail::get_opt(j, "timeout_s", r.timeout_s);
  detail::get_opt(j, "tty", r.tty);
  detail::get_opt(j, "rows", r.rows);
  detail::get_opt(j, "cols", r.cols);
}

inline void to_json(nlohmann::json& j, const ExecResult& r) {
  j = {{"exit_code", r.exit_code},
       {"stdout", r.stdout_data},
       {"stderr", r.stderr_data},
       {"duration_ms", r.duration_ms},
       {"truncated", r.truncated}};
}
inline void from_json(const nlohmann::json& j, ExecResult& r) {
  detail::get_opt(j, "exit_code", r.exit_code);
  detail::get_opt(j, "stdout", r.stdout_data);
  detail::get_opt(j, "stderr", r.stderr_data);
  detail::get_opt(j, "duration_ms", r.duration_ms);
  detail::get_opt(j, "truncated", r.truncated);
}

inline void to_json(nlohmann::json& j, const LogsResult& r) {
  j = {{"stdout", r.stdout_data}, {"stderr", r.stderr_data}, {"truncated", r.truncated}};
}
inline void from_json(const nlohmann::json& j, LogsResult& r) {
  detail::get_opt(j, "stdout", r.stdout_data);
  detail::get_opt(j, "stderr", r.stderr_data);
  detail::get_opt(j, "truncated", r.truncated);
}

inline void to_json(nlohmann::json& j, const ManagedObject& o) {
  j = {{"store", o.store}, {"kind", o.kind}, {"id", o.id}, {"name", o.name}, {"labels", o.labels}};
}
inline void from_json(const nlohmann::json& j, ManagedObject& o) {
  detail::get_opt(j, "store", o.store);
  detail::get_opt(j, "kind", o.kind);
  detail::get_opt(j, "id", o.id);
  detail::get_opt(j, "name", o.name);
  detail::get_opt(j, "labels", o.labels);
}

inline void to_json(nlohmann::json& j, const LogsRequest& r) {
  j = {{"name", r.name}};
  if (r.tail) j["tail"] = *r.tail;
  if (r.follow) j["follow"] = true;
  if (r.since) j["since"] = *r.since;
}
inline void from_json(const nlohmann::json& j, LogsRequest& r) {
  detail::get_opt(j, "name", r.name);
  if (auto it = j.find("tail"); it != j.end() && it->is_number_unsigned()) r.tail = it->get<std::uint64_t>();
  detail::get_opt(j, "follow", r.follow);
  if (auto it = j.find("since"); it != j.end() && it->is_number_integer()) r.since = it->get<std::int64_t>();
}

// ---- ABI 1.1 networks and snapshots ----
inline void to_json(nlohmann::json& j, const NetworkSpec& n) {
  j = {{"name", n.name}};
  if (n.internal) j["internal"] = true;
  if (!n.labels.empty()) j["labels"] = n.labels;
}
inline void from_json(const nlohmann::json& j, NetworkSpec& n) {
  detail::get_opt(j, "name", n.name);
  detail::get_opt(j, "internal", n.internal);
  detail::get_opt(j, "labels", n.labels);
}
inline void to_json(nlohmann::json& j, const NetworkInfo& n) {
  j = {{"name", n.name},         {"id", n.id},         {"driver", n.driver},
       {"internal", n.internal}, {"labels", n.labels}, {"sandboxes", n.sandboxes}};
}
inline void from_json(const nlohmann::json& j, NetworkInfo& n) {
  detail::get_opt(j, "name", n.name);
  detail::get_opt(j, "id", n.id);
  detail::get_opt(j, "driver", n.driver);
  detail::get_opt(j, "internal", n.internal);
  detail::get_opt(j, "labels", n.labels);
  detail::get_opt(j, "sandboxes", n.sandboxes);
}
inline void to_json(nlohmann::json& j, const SnapshotVolume& v) {
  j = {{"target", v.target}, {"store", v.store}, {"kind", v.kind}};
}
inline void from_json(const nlohmann::json& j, SnapshotVolume& v) {
  detail::get_opt(j, "target", v.target);
  detail::get_opt(j, "store", v.store);
  detail::get_opt(j, "kind", v.kind);
}
inline void to_json(nlohmann::json& j, const SnapshotInfo& s) {
  j = {{"name", s.name},   {"id", s.id},           {"runtime", s.runtime},       {"sandbox", s.sandbox},
       {"image", s.image}, {"created", s.created}, {"size_bytes", s.size_bytes}, {"dind", s.dind},
       {"user", s.user},   {"volumes", s.volumes}};
}
inline void from_json(const nlohmann::json& j, SnapshotInfo& s) {
  detail::get_opt(j, "name", s.name);
  detail::get_opt(j, "id", s.id);
  detail::get_opt(j, "runtime", s.runtime);
  detail::get_opt(j, "sandbox", s.sandbox);
  detail::get_opt(j, "image", s.image);
  detail::get_opt(j, "created", s.created);
  detail::get_opt(j, "size_bytes", s.size_bytes);
  detail::get_opt(j, "dind", s.dind);
  detail::get_opt(j, "user", s.user);
  detail::get_opt(j, "volumes", s.volumes);
}
inline void to_json(nlohmann::json& j, const RestoreRequest& r) { j = {{"snapshot", r.snapshot}, {"spec", r.spec}}; }
inline void from_json(const nlohmann::json& j, RestoreRequest& r) {
  detail::get_opt(j, "snapshot", r.snapshot);
  detail::get_opt(j, "spec", r.spec);
}

}  // namespace moat
