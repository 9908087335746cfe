// A Docker Engine API client over the local unix socket, shared by every
// Docker-backed plugin and by the host (gc, image prepare).
//
// No Boost type appears here: Beast/Asio live in the .cpp files only.
// Every call has a timeout; every failure is a moat::engine::EngineError that
// carries the engine's own message and HTTP status, mapped to a moat_status
// (404 -> not-found, 409 -> conflict, 400 -> invalid, 5xx -> failed, engine
// unreachable -> unavailable, deadline passed -> timeout).
#pragma once

#include <moat/error.hpp>
#include <moat/model.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::engine {

class EngineError : public moat::Error {
 public:
  EngineError(moat_status status, int http_status, const std::string& message)
      : moat::Error(status, message), http_status_(http_status) {}
  // 0 when no HTTP exchange happened (connect failure, timeout).
  [[nodiscard]] int http_status() const noexcept { return http_status_; }

 private:
  int http_status_;
};

struct ClientOptions {
  std::string socket_path = "/var/run/docker.sock";
  std::chrono::milliseconds timeout{60000};  // per request
  std::string api_version;                   // empty = negotiate via /_ping (floor 1.41)
  // Asked every 100 ms while a long call waits (exec, wait_container, logs,
  // import_image); when it says yes the call ends with EngineInterrupted.
  // Short calls (create, remove, inspect, ...) finish regardless, so cleanup
  // after an interruption still reaches the engine. Empty = never.
  std::function<bool()> cancelled;
  // The most bytes of each output stream (stdout, stderr) exec and logs keep
  // in memory; what comes past it is read and dropped, and the result says
  // truncated. 0 = no cap.
  std::size_t max_output_bytes = std::size_t{64} << 20;

  // DOCKER_HOST=unix:///path honoured; any other scheme is refused with a
  // clear error (moat speaks only to a local socket).
  static ClientOptions from_environment();
};

// A long call ended early because ClientOptions::cancelled said so.
class EngineInterrupted : public EngineError {
 public:
  explicit EngineInterrupted(const std::string& message) : EngineError(MOAT_E_FAILED, 0, message) {}
};

struct ExecOutput {
  int exit_code = -1;
  std::string stdout_data;
  std::string stderr_data;
  // A stream went past ClientOptions::max_output_bytes and was cut there.
  bool truncated = false;
};

struct LogsOptions {
  std::optional<std::uint64_t> tail;  // only the last N lines; nullopt = all
  std::optional<std::int64_t> since;  // only lines from this Unix time on
  // Go on with what the container writes until it stops (or on_output says
  // stop); needs on_output, and has no deadline.
  bool follow = false;
  // Set: each piece goes here as it comes (stream 1 stdout, 2 stderr) and
  // the result carries none; false stops reading.
  std::function<bool(int stream, std::string_view data)> on_output;
};

struct ExecOptions {
  std::vector<std::string> env;  // "K=V"
  std::string workdir;
  std::string user;
  std::chrono::milliseconds timeout{0};  // 0 = the client's default
  // Set: each piece of output goes here as it comes (stream 1 stdout, 2
  // stderr) and ExecOutput carries none; false stops the command (its
  // processes are killed, and exec throws MOAT_E_FAILED).
  std::function<bool(int stream, std::string_view data)> on_output;
  // Set: stdin is attached and fed from here, on a thread of the client's,
  // while the output streams (an interactive exec; needs on_output). Its
  // `stopped` ends the command as on_output's false does.
  InputSource input;
  // A terminal for the command (its output is then all stream 1), of
  // rows x cols at the start when both are known.
  bool tty = false;
  std::uint32_t rows = 0;
  std::uint32_t cols = 0;
};

// Label filter for list calls: {"moat.managed": "true"} -> label=moat.managed=true.
using LabelFilter = std::map<std::string, std::string>;

// Thread-safe: concurrent calls each run on a connection of their own (idle
// keep-alive connections are pooled and reused; exec streams get a fresh one).
class DockerClient {
 public:
  explicit DockerClient(ClientOptions options = ClientOptions::from_environment());
  ~DockerClient();
  DockerClient(const DockerClient&) = delete;
  DockerClient& operator=(const DockerClient&) = delete;
  DockerClient(DockerClient&&) noexcept;
  DockerClient& operator=(DockerClient&&) noexcept;

  [[nodiscard]] const ClientOptions& options() const;
  // How many connections to the engine this client has opened so far (pooled
  // keep-alive ones are reused, so sequential requests open one).
  [[nodiscard]] std::size_t connections_opened() const;
  // The API version in use ("1.41", ...), negotiated on first use: min(the
  // engine's Api-Version from /_ping, 1.44); an engine below 1.41 is refused
  // as unavailable. ClientOptions::api_version, when set, is used as is.
  const std::string& api_version();

  // ---- system ----
  nlohmann::json version();
  nlohmann::json info();  // includes "Runtimes" and "DefaultRuntime"

  // ---- containers ----
  // POST /containers/create; `config` is the Engine's ContainerConfig with
  // HostConfig and NetworkingConfig inside. Returns the id.
  std::string create_container(const std::string& name, const nlohmann::json& config);
  void start_container(const std::string& id);                // already running is not an error
  void stop_container(const std::string& id, int timeout_s);  // already stopped is not an error
  void restart_container(const std::string& id, int timeout_s);
  void kill_container(const std::string& id, const std::string& signal = "SIGKILL");
  // Freezes every process of the container (snapshots copy a still state).
  void pause_container(const std::string& id);
  void unpause_container(const std::string& id);
  // Blocks until the condition ("not-running", "next-exit", "removed"); returns the exit code.
  // `timeout` 0 = the client's per-request timeout.
  int64_t wait_container(const std::string& id, const std::string& condition = "not-running",
                         std::chrono::milliseconds timeout = std::chrono::milliseconds{0});
  nlohmann::json inspect_container(const std::string& id);
  std::optional<nlohmann::json> find_container(const std::string& id);  // nullopt on 404
  void remove_container(const std::string& id, bool force = true, bool remove_volumes = false);
  std::vector<nlohmann::json> list_containers(const LabelFilter& labels, bool all = true);
  // stdout and stderr kept apart (each capped); exit_code stays -1. Streamed:
  // memory is bounded by the cap, not by the log's size.
  ExecOutput logs(const std::string& id, const LogsOptions& options = {});

  // ---- exec ----
  // Runs argv without a TTY; stdout and stderr come back apart, with the exit
  // code. On timeout the call fails with MOAT_E_TIMEOUT, when cancelled with
  // EngineInterrupted; in both cases what the exec started is killed first.
  // The engine has no exec-kill endpoint, so every exec carries
  // MOAT_EXEC_ID=<token> in its environment, and a second exec (as uid 0,
  // /bin/sh with cat and kill) SIGKILLs every process of the container whose
  // environment holds that token: the command and all its descendants (those
  // that did not scrub their environment). It works on every runtime, gVisor
  // included, because it runs inside the sandbox.
  ExecOutput exec(const std::string& id, const std::vector<std::string>& argv, const ExecOptions& options = {});
  // The terminal of a running exec (`exec_id`, not the container's) is now rows x cols.
  void resize_exec(const std::string& exec_id, std::uint32_t rows, std::uint32_t cols);

  // ---- volumes ----
  void create_volume(const std::string& name, const std::map<std::string, std::string>& labels);
  void remove_volume(const std::string& name, bool force = false);
  std::vector<nlohmann::json> list_volumes(const LabelFilter& labels);

  // ---- networks ----
  std::string create_network(const std::string& name, const std::map<std::string, std::string>& labels,
                             bool internal = false);
  void remove_network(const std::string& id);
  void connect_network(const std::string& network, const std::string& container);
  void disconnect_network(const std::string& network, const std::string& container, bool force = false);
  std::vector<nlohmann::json> list_networks(const LabelFilter& labels);
  std::optional<nlohmann::json> inspect_network(const std::string& name);  // nullopt on 404

  // ---- images ----
  std::optional<nlohmann::json> inspect_image(const std::string& name);  // nullopt on 404
  std::vector<nlohmann::json> list_images(const LabelFilter& labels);
  // Imports a rootfs tarball as `repo_tag`; `changes` are Dockerfile lines (e.g. "CMD [\"/bin/sh\"]").
  // The file is streamed, not read into memory. Errors the engine reports
  // inside its 200 progress stream are raised too. `timeout` 0 = the client's.
  void import_image(const std::string& tar_path, const std::string& repo_tag,
                    const std::vector<std::string>& changes = {},
                    std::chrono::milliseconds timeout = std::chrono::milliseconds{0});
  // Commits a container's filesystem as `repo_tag` (snapshots); returns the image id.
  std::string commit_container(const std::string& id, const std::string& repo_tag,
                               const std::vector<std::string>& changes = {}, bool pause = true);
  void remove_image(const std::string& name, bool force = false);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace moat::engine
