// The Docker Engine API endpoints: URLs, JSON bodies, status mapping, API
// version negotiation and the connection pool. The HTTP transport lives in
// unix_http_connection.cpp (the only Beast TU); this file sees no Boost.
#include <moat/engine/docker_client.hpp>
#include <moat/engine/json_message_stream.hpp>
#include <moat/engine/stream_demux.hpp>

#include <moat/support/json_read.hpp>
#include <moat/support/text.hpp>

#include "unix_http_connection.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <string_view>
#include <thread>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace moat::engine {

using detail::Clock;
using detail::HttpRequest;
using detail::HttpResponse;
using detail::TransportError;
using detail::UnixHttpConnection;
using support::bool_at;
using support::member;
using json = nlohmann::json;

namespace {

// Following logs lasts as long as the container runs and the reader reads.
constexpr auto kNoFollowDeadline = std::chrono::hours(24 * 30);

// The floor: every endpoint and field moat uses exists in 1.41 (Docker 20.10).
constexpr int kMinMinor = 41;
// The ceiling we ask for. 1.42-1.44 only added fields and deprecated others;
// nothing moat sends or reads changed meaning. It must be at least 1.44 because
// Docker 29.0-29.2 refuse anything older ("client version ... is too old").
constexpr int kMaxMinor = 44;
// Idle keep-alive connections kept for reuse.
constexpr std::size_t kMaxIdleConnections = 4;

// "1.43" -> 43; nullopt for anything that is not "1.<minor>".
std::optional<int> api_minor(std::string_view version) {
  if (!version.starts_with("1.") || version.size() < 3) return std::nullopt;
  int minor = 0;
  for (char c : version.substr(2)) {
    if (c < '0' || c > '9' || minor > 1000) return std::nullopt;
    minor = minor * 10 + (c - '0');
  }
  return minor;
}

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// Percent-encodes a query value, or a path segment (`in_path`: ':' and '@'
// stay, and '/' too when the segment is an image reference like "a/b:tag",
// which the engine's router accepts as is).
std::string encode(std::string_view text, bool in_path = false, bool keep_slash = false) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (unreserved(c) || (in_path && (c == ':' || c == '@')) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xF]);
    }
  }
  return out;
}

std::string segment(std::string_view id) { return encode(id, true); }

class Query {
 public:
  Query& add(std::string_view key, std::string_view value) {
    text_ += text_.empty() ? '?' : '&';
    text_ += encode(key);
    text_ += '=';
    text_ += encode(value);
    return *this;
  }
  [[nodiscard]] const std::string& str() const { return text_; }

 private:
  std::string text_;
};

// {"label": ["k=v", ...]} as the engine's list filters expect.
std::string label_filters(const LabelFilter& labels) {
  json values = json::array();
  for (const auto& [key, value] : labels) values.push_back(key + "=" + value);
  return json{{"label", values}}.dump();
}

moat_status status_for_http(int http_status) {
  if (http_status == 404) return MOAT_E_NOT_FOUND;
  if (http_status == 409) return MOAT_E_CONFLICT;
  if (http_status >= 400 && http_status < 500) return MOAT_E_INVALID;  // 400 bad parameter, 403 forbidden
  return MOAT_E_FAILED;
}

// The engine's {"message": "..."}, or the body's text when it is not JSON.
std::string engine_message(const std::string& body) {
  const json parsed = json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("message") && parsed["message"].is_string()) {
    return parsed["message"].get<std::string>();
  }
  return support::trim(std::string_view(body).substr(0, 2000));
}

json parse_json(const HttpResponse& response, const HttpRequest& request) {
  json parsed = json::parse(response.body, nullptr, false);
  if (parsed.is_discarded()) {
    throw EngineError(MOAT_E_FAILED, response.status,
                      "the Docker engine answered " + request.method + " " + request.target + " with invalid JSON");
  }
  return parsed;
}

// A field the engine must send (an id, an exit code): a clear EngineError,
// not a json exception, when the answer lacks it or it has another type.
[[noreturn]] void missing_field(const char* key, const HttpResponse& response, const HttpRequest& request) {
  throw EngineError(
      MOAT_E_FAILED, response.status,
      "the Docker engine answered " + request.method + " " + request.target + " without a valid \"" + key + "\" field");
}

std::string required_string(const json& body, const char* key, const HttpResponse& response,
                            const HttpRequest& request) {
  const json& v = member(body, key);
  if (!v.is_string()) missing_field(key, response, request);
  return v.get<std::string>();
}

std::string argv_text(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& arg : argv) {
    if (!text.empty()) text += ' ';
    text += arg;
  }
  return text;
}

// "a/b:tag" -> {"a/b", "tag"}; no tag -> "latest". A ':' before the last '/'
// belongs to a registry host:port.
std::pair<std::string, std::string> split_reference(const std::string& reference) {
  const auto slash = reference.rfind('/');
  const auto colon = reference.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    return {reference.substr(0, colon), reference.substr(colon + 1)};
  }
  return {reference, "latest"};
}

// Appends demuxed output to an ExecOutput, keeping at most `cap` bytes of
// each stream (0 = no cap) and noting when something was dropped.
class CappedOutput {
 public:
  CappedOutput(ExecOutput& output, std::size_t cap) : output_(output), cap_(cap) {}
  void add(StreamKind kind, std::string_view piece) {
    std::string& to = kind == StreamKind::stderr_stream ? output_.stderr_data : output_.stdout_data;
    if (cap_ > 0 && piece.size() > cap_ - std::min(cap_, to.size())) {
      piece = piece.substr(0, cap_ - std::min(cap_, to.size()));
      output_.truncated = true;
    }
    to.append(piece);
  }

 private:
  ExecOutput& output_;
  std::size_t cap_;
};

struct ExecRun {
  std::string exec_id;
  ExecOutput output;
  // Set: output goes here instead of `output` (ExecOptions::on_output).
  std::function<bool(int, std::string_view)> on_output;
  bool reader_stopped = false;  // on_output said no more
  // An interactive exec (ExecOptions::input, tty, rows, cols).
  InputSource input;
  bool tty = false;
  std::uint32_t rows = 0;
  std::uint32_t cols = 0;
  std::atomic<bool> input_stopped{false};  // the input source said stopped
};

// send(2) all of `data`; false once the engine's side is gone or `done`.
// The socket is non-blocking (asio made it so, and a dup shares that): a
// full socket buffer is waited out, not taken for an error.
bool send_all(int fd, std::string_view data, const std::atomic<bool>& done) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (done.load()) return false;
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 100);
      continue;
    }
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// The writer side of an interactive exec: input events to the hijacked
// socket `fd` (a dup the caller closes) until `done`. A resize goes to the
// engine on a connection of its own; it failing is not the command failing.
void pump_input(DockerClient& client, ExecRun& run, int fd, const std::atomic<bool>& done) {
  auto resize = [&](std::uint32_t rows, std::uint32_t cols) {
    if (!run.tty || rows == 0 || cols == 0) return;
    try {
      client.resize_exec(run.exec_id, rows, cols);
    } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): the next resize may work
    }
  };
  resize(run.rows, run.cols);
  bool open = true;
  while (!done.load()) {
    InputEvent event;
    try {
      event = run.input(std::chrono::milliseconds(100));
    } catch (const std::exception&) {
      event.kind = InputEvent::Kind::stopped;
    }
    switch (event.kind) {
      case InputEvent::Kind::data:
        if (open && !send_all(fd, event.data, done)) open = false;
        break;
      case InputEvent::Kind::eof:
        if (open) ::shutdown(fd, SHUT_WR);
        open = false;
        break;
      case InputEvent::Kind::resize:
        resize(event.rows, event.cols);
        break;
      case InputEvent::Kind::stopped:
        run.input_stopped = true;
        return;
      case InputEvent::Kind::none:
        break;
    }
  }
}

// A token no other exec of this process or another shares: 64 random bits
// and a counter, fixed width (no token is a prefix of another).
std::string exec_token() {
  static std::atomic<unsigned> counter{0};
  static const std::uint64_t seed = [] {
    std::random_device device;
    return (std::uint64_t{device()} << 32) ^ device();
  }();
  char text[40];
  std::snprintf(text, sizeof text, "%016llx-%08x", static_cast<unsigned long long>(seed), counter.fetch_add(1));
  return text;
}

// Kills every process whose environment holds MOAT_EXEC_ID=$1, a few rounds
// so that children forked meanwhile go too. Needs only sh, cat and kill:
// $(cat environ) drops the NULs, and the token's fixed width makes a
// substring match exact. Zombies have an empty environ and are not matched.
constexpr const char* kKillExec = R"sh(t="MOAT_EXEC_ID=$1"; n=0
while [ $n -lt 10 ]; do
  found=
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    [ "$p" = "$$" ] && continue
    case "$(cat "$d/environ" 2>/dev/null)" in *"$t"*) kill -KILL "$p" 2>/dev/null && found=1 ;; esac
  done
  [ -z "$found" ] && exit 0
  n=$((n+1))
  sleep 0.1 2>/dev/null || sleep 1
done
exit 1
)sh";

}  // namespace

ClientOptions ClientOptions::from_environment() {
  ClientOptions options;
  const char* host = std::getenv("DOCKER_HOST");
  if (host == nullptr || *host == '\0') return options;
  const std::string_view value(host);
  constexpr std::string_view scheme = "unix://";
  if (!value.starts_with(scheme)) {
    throw EngineError(MOAT_E_INVALID, 0,
                      "DOCKER_HOST=" + std::string(value) +
                          " is not supported: moat talks to the Docker engine only over a local unix socket; "
                          "set DOCKER_HOST=unix:///path/to/docker.sock or unset it");
  }
  const std::string_view path = value.substr(scheme.size());
  if (path.empty() || path.front() != '/') {
    throw EngineError(
        MOAT_E_INVALID, 0,
        "DOCKER_HOST=" + std::string(value) + " must name an absolute socket path, e.g. unix:///var/run/docker.sock");
  }
  options.socket_path = std::string(path);
  return options;
}

struct DockerClient::Impl {
  explicit Impl(ClientOptions o) : options(std::move(o)) {}

  ClientOptions options;
  std::mutex pool_mutex;
  std::vector<std::unique_ptr<UnixHttpConnection>> idle;
  std::mutex version_mutex;
  std::string version;  // negotiated or configured; empty until first use
  std::atomic<std::size_t> connections_opened{0};

  [[nodiscard]] std::string socket_url() const { return "unix://" + options.socket_path; }

  // The transport failure as an EngineError; a cancellation is thrown as
  // EngineInterrupted right away.
  [[nodiscard]] EngineError translate(const TransportError& e, const HttpRequest& request,
                                      std::chrono::milliseconds timeout) const {
    switch (e.kind()) {
      case TransportError::Kind::cancelled:
        throw EngineInterrupted("Docker engine request " + request.method + " " + request.target + " was interrupted");
      case TransportError::Kind::connect:
        return {MOAT_E_UNAVAILABLE, 0,
                "cannot reach the Docker engine at " + socket_url() + " (" + e.what() +
                    "): start dockerd, or set DOCKER_HOST"};
      case TransportError::Kind::timeout:
        return {MOAT_E_TIMEOUT, 0,
                "Docker engine request " + request.method + " " + request.target + " did not finish within " +
                    std::to_string(timeout.count()) + " ms"};
      case TransportError::Kind::file:
        return {MOAT_E_FAILED, 0, e.what()};
      case TransportError::Kind::io:
        break;
    }
    return {MOAT_E_UNAVAILABLE, 0,
            "lost the connection to the Docker engine at " + socket_url() + " during " + request.method + " " +
                request.target + " (" + e.what() + ")"};
  }

  std::unique_ptr<UnixHttpConnection> take_idle() {
    std::lock_guard lock(pool_mutex);
    if (idle.empty()) return nullptr;
    auto connection = std::move(idle.back());
    idle.pop_back();
    return connection;
  }

  void give_back(std::unique_ptr<UnixHttpConnection> connection) {
    if (!connection->reusable()) return;
    std::lock_guard lock(pool_mutex);
    if (idle.size() < kMaxIdleConnections) idle.push_back(std::move(connection));
  }

  std::unique_ptr<UnixHttpConnection> open_connection(Clock::time_point deadline) {
    auto connection = std::make_unique<UnixHttpConnection>(options.socket_path);
    ++connections_opened;
    connection->connect(deadline);
    return connection;
  }

  // One request on a pooled keep-alive connection (each in-flight request has
  // a connection of its own, so a long wait never blocks other calls). A
  // `cancellable` request asks options.cancelled while it waits. With
  // `on_body`, a 2xx body is streamed to it instead of kept.
  HttpResponse send(const HttpRequest& request, Clock::time_point deadline, std::chrono::milliseconds timeout,
                    bool cancellable = false, const std::function<void(std::string_view)>* on_body = nullptr) {
    for (int attempt = 0;; ++attempt) {
      auto connection = attempt == 0 ? take_idle() : nullptr;
      const bool reused = connection != nullptr;
      try {
        if (!connection) connection = open_connection(deadline);
        connection->set_cancelled(cancellable ? options.cancelled : nullptr);
        HttpResponse response = on_body != nullptr ? connection->exchange_streamed(request, deadline, *on_body)
                                                   : connection->exchange(request, deadline);
        give_back(std::move(connection));
        return response;
      } catch (const TransportError& e) {
        // The engine may drop an idle keep-alive connection; the request never
        // reached it, so one retry on a fresh connection is safe.
        if (reused && e.nothing_received() && e.kind() == TransportError::Kind::io) continue;
        throw translate(e, request, timeout);
      }
    }
  }

  HttpResponse send(const HttpRequest& request, std::chrono::milliseconds timeout = {}, bool cancellable = false,
                    const std::function<void(std::string_view)>* on_body = nullptr) {
    const auto effective = timeout.count() > 0 ? timeout : options.timeout;
    return send(request, Clock::now() + effective, effective, cancellable, on_body);
  }

  // One exec to its end: create, start (the output stream), then the exit
  // code; transport failures come out translated.
  void run_exec(DockerClient& client, const std::string& id, const json& create, Clock::time_point deadline,
                std::chrono::milliseconds timeout, bool cancellable, const std::string& what, ExecRun& run);
  // Kills what the exec carrying MOAT_EXEC_ID=`token` started; says how it went.
  std::string kill_exec(DockerClient& client, const std::string& id, const std::string& token);

  [[noreturn]] static void raise(const HttpResponse& response, const HttpRequest& request) {
    std::string message = engine_message(response.body);
    if (message.empty()) {
      message = "the Docker engine answered HTTP " + std::to_string(response.status) + " to " + request.method + " " +
                request.target;
    }
    throw EngineError(status_for_http(response.status), response.status, message);
  }

  static bool ok(int status) { return status >= 200 && status < 300; }

  // send() that raises the engine's error for any status but 2xx and `also_ok`.
  HttpResponse call(const HttpRequest& request, std::chrono::milliseconds timeout = {}, int also_ok = 0,
                    bool cancellable = false) {
    HttpResponse response = send(request, timeout, cancellable);
    if (!ok(response.status) && response.status != also_ok) raise(response, request);
    return response;
  }
};

DockerClient::DockerClient(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
DockerClient::~DockerClient() = default;
DockerClient::DockerClient(DockerClient&&) noexcept = default;
DockerClient& DockerClient::operator=(DockerClient&&) noexcept = default;

const ClientOptions& DockerClient::options() const { return impl_->options; }

std::size_t DockerClient::connections_opened() const { return impl_->connections_opened.load(); }

const std::string& DockerClient::api_version() {
  auto& d = *impl_;
  std::lock_guard lock(d.version_mutex);
  if (!d.version.empty()) return d.version;
  if (!d.options.api_version.empty()) {
    const auto minor = api_minor(d.options.api_version);
    if (!minor) {
      throw EngineError(MOAT_E_INVALID, 0,
                        "Docker Engine API version \"" + d.options.api_version + "\" is not of the form 1.<minor>");
    }
    if (*minor < kMinMinor) {
      throw EngineError(MOAT_E_INVALID, 0,
                        "Docker Engine API " + d.options.api_version + " was asked for, but moat needs 1.41 or newer");
    }
    d.version = d.options.api_version;
    return d.version;
  }
  const HttpRequest ping{"GET", "/_ping", "", "", ""};
  const HttpResponse response = d.send(ping);
  if (!Impl::ok(response.status)) Impl::raise(response, ping);
  const std::string server = response.header("Api-Version");
  const auto minor = api_minor(server);
  if (!minor) {
    throw EngineError(MOAT_E_UNAVAILABLE, response.status,
                      "the Docker engine at " + d.socket_url() +
                          " did not report a usable API version on /_ping (Api-Version: \"" + server +
                          "\"); moat needs 1.41 or newer");
  }
  if (*minor < kMinMinor) {
    throw EngineError(MOAT_E_UNAVAILABLE, 0, "Docker Engine API " + server + " is older than 1.41, which moat needs");
  }
  d.version = "1." + std::to_string(std::min(*minor, kMaxMinor));
  return d.version;
}

namespace {

// Small request builders shared by the endpoint methods below.
HttpRequest get(std::string target) { return {"GET", std::move(target), "", "", ""}; }
HttpRequest del(std::string target) { return {"DELETE", std::move(target), "", "", ""}; }
HttpRequest post(std::string target, const json* body = nullptr) {
  if (body == nullptr) return {"POST", std::move(target), "", "", ""};
  return {"POST", std::move(target), "application/json", body->dump(), ""};
}

}  // namespace

std::string versioned(DockerClient& client, std::string_view path) {
  return "/v" + client.api_version() + std::string(path);
}

json DockerClient::version() {
  const auto request = get(versioned(*this, "/version"));
  const auto response = impl_->call(request);
  return parse_json(response, request);
}

json DockerClient::info() {
  const auto request = get(versioned(*this, "/info"));
  const auto response = impl_->call(request);
  return parse_json(response, request);
}

std::string DockerClient::create_container(const std::string& name, const json& config) {
  Query query;
  if (!name.empty()) query.add("name", name);
  const auto request = post(versioned(*this, "/containers/create" + query.str()), &config);
  const auto response = impl_->call(request);
  return required_string(parse_json(response, request), "Id", response, request);
}

void DockerClient::start_container(const std::string& id) {
  const auto request = post(versioned(*this, "/containers/" + segment(id) + "/start"));
  impl_->call(request, {}, 304);  // 304: already running
}

void DockerClient::stop_container(const std::string& id, int timeout_s) {
  // The engine waits up to timeout_s for a graceful exit before it kills.
  const auto budget = impl_->options.timeout + std::chrono::seconds(std::max(timeout_s, 0));
  const auto request = post(
      versioned(*this, "/containers/" + segment(id) + "/stop" + Query().add("t", std::to_string(timeout_s)).str()));
  impl_->call(request, budget, 304);  // 304: already stopped
}

void DockerClient::restart_container(const std::string& id, int timeout_s) {
  const auto budget = impl_->options.timeout + std::chrono::seconds(std::max(timeout_s, 0));
  const auto request = post(
      versioned(*this, "/containers/" + segment(id) + "/restart" + Query().add("t", std::to_string(timeout_s)).str()));
  impl_->call(request, budget);
}

void DockerClient::kill_container(const std::string& id, const std::string& signal) {
  const auto request =
      post(versioned(*this, "/containers/" + segment(id) + "/kill" + Query().add("signal", signal).str()));
  impl_->call(request);
}

void DockerClient::pause_container(const std::string& id) {
  impl_->call(post(versioned(*this, "/containers/" + segment(id) + "/pause")));
}

void DockerClient::unpause_container(const std::string& id) {
  impl_->call(post(versioned(*this, "/containers/" + segment(id) + "/unpause")));
}

int64_t DockerClient::wait_container(const std::string& id, const std::string& condition,
                                     std::chrono::milliseconds timeout) {
  const auto request =
      post(versioned(*this, "/containers/" + segment(id) + "/wait" + Query().add("condition", condition).str()));
  const auto response = impl_->call(request, timeout, 0, true);
  const json body = parse_json(response, request);
  const json& message = member(member(body, "Error"), "Message");
  if (message.is_string() && !message.get_ref<const std::string&>().empty())
    throw EngineError(MOAT_E_FAILED, response.status, message.get<std::string>());
  const json& code = member(body, "StatusCode");
  if (!code.is_number_integer()) missing_field("StatusCode", response, request);
  return code.get<int64_t>();
}

json DockerClient::inspect_container(const std::string& id) {
  const auto request = get(versioned(*this, "/containers/" + segment(id) + "/json"));
  const auto response = impl_->call(request);
  return parse_json(response, request);
}

std::optional<json> DockerClient::find_container(const std::string& id) {
  const auto request = get(versioned(*this, "/containers/" + segment(id) + "/json"));
  const auto response = impl_->send(request);
  if (response.status == 404) return std::nullopt;
  if (!Impl::ok(response.status)) Impl::raise(response, request);
  return parse_json(response, request);
}

void DockerClient::remove_container(const std::string& id, bool force, bool remove_volumes) {
  const auto request =
      del(versioned(*this, "/containers/" + segment(id) +
                               Query().add("force", force ? "1" : "0").add("v", remove_volumes ? "1" : "0").str()));
  impl_->call(request);
}

std::vector<json> DockerClient::list_containers(const LabelFilter& labels, bool all) {
  Query query;
  query.add("all", all ? "1" : "0");
  if (!labels.empty()) query.add("filters", label_filters(labels));
  const auto request = get(versioned(*this, "/containers/json" + query.str()));
  const auto response = impl_->call(request);
  const json body = parse_json(response, request);
  return body.is_array() ? body.get<std::vector<json>>() : std::vector<json>{};
}

ExecOutput DockerClient::logs(const std::string& id, const LogsOptions& options) {
  if (options.follow && !options.on_output)
    throw EngineError(MOAT_E_INVALID, 0, "following the logs of " + id + " needs somewhere to put them");
  Query query;
  query.add("stdout", "1").add("stderr", "1");
  if (options.tail) query.add("tail", std::to_string(*options.tail));
  if (options.since) query.add("since", std::to_string(*options.since));
  if (options.follow) query.add("follow", "1");
  // The framing follows the container's Tty setting (API 1.42+ also names it
  // in Content-Type, 1.41 does not); the body is streamed, so it is decided
  // before the first byte.
  const json container = inspect_container(id);
  const bool multiplexed = !bool_at(member(container, "Config"), "Tty", false);
  const auto request = get(versioned(*this, "/containers/" + segment(id) + "/logs" + query.str()));
  ExecOutput output;
  CappedOutput sink(output, impl_->options.max_output_bytes);
  bool reader_stopped = false;
  const auto deliver = [&](StreamKind kind, std::string_view piece) {
    if (!options.on_output) {
      sink.add(kind, piece);
    } else if (!reader_stopped && !options.on_output(kind == StreamKind::stderr_stream ? 2 : 1, piece)) {
      reader_stopped = true;
    }
  };
  StreamDemux demux(deliver);
  const std::function<void(std::string_view)> on_body = [&](std::string_view bytes) {
    if (multiplexed) {
      demux.feed(bytes);
    } else {
      deliver(StreamKind::stdout_stream, bytes);
    }
  };
  try {
    if (!options.follow && !options.on_output) {
      const auto response = impl_->send(request, {}, true, &on_body);
      if (!Impl::ok(response.status)) Impl::raise(response, request);
    } else {
      // A connection of its own, watched for the reader stopping as well as
      // for Ctrl-C; following has no deadline but those.
      auto& d = *impl_;
      const auto deadline = options.follow ? Clock::now() + kNoFollowDeadline : Clock::now() + d.options.timeout;
      auto connection = d.open_connection(deadline);
      connection->set_cancelled([&] {
        // A quiet follow has no output by which to learn that its reader
        // went: ask (an empty write, ABI 1.1) every tick.
        if (options.follow && options.on_output && !reader_stopped && !options.on_output(1, {})) reader_stopped = true;
        return reader_stopped || (d.options.cancelled && d.options.cancelled());
      });
      try {
        const auto response = connection->exchange_streamed(request, deadline, on_body);
        if (!Impl::ok(response.status)) Impl::raise(response, request);
      } catch (const TransportError& e) {
        if (!reader_stopped) throw d.translate(e, request, d.options.timeout);
        return output;  // the reader is done: so are we
      }
    }
    if (multiplexed) demux.finish();
  } catch (const StreamError& e) {
    throw EngineError(MOAT_E_FAILED, 200, "logs of " + id + ": " + e.what());
  }
  return output;
}

ExecOutput DockerClient::exec(const std::string& id, const std::vector<std::string>& argv, const ExecOptions& options) {
  if (argv.empty()) throw EngineError(MOAT_E_INVALID, 0, "exec in " + id + " needs a command");
  auto& d = *impl_;
  const auto timeout = options.timeout.count() > 0 ? options.timeout : d.options.timeout;
  const auto deadline = Clock::now() + timeout;
  const std::string what = "exec of `" + argv_text(argv) + "` in container " + id;
  const std::string token = exec_token();

  const bool interactive = static_cast<bool>(options.input);
  if (interactive && !options.on_output)
    throw EngineError(MOAT_E_INVALID, 0, "an interactive exec in " + id + " needs an output sink");
  json create = {{"AttachStdin", interactive},
                 {"AttachStdout", true},
                 {"AttachStderr", true},
                 {"Tty", interactive && options.tty},
                 {"Cmd", argv}};
  std::vector<std::string> env = options.env;
  env.push_back("MOAT_EXEC_ID=" + token);
  create["Env"] = env;
  if (!options.workdir.empty()) create["WorkingDir"] = options.workdir;
  if (!options.user.empty()) create["User"] = options.user;

  ExecRun run;
  run.on_output = options.on_output;
  if (interactive) {
    run.input = options.input;
    run.tty = options.tty;
    run.rows = options.rows;
    run.cols = options.cols;
  }
  try {
    d.run_exec(*this, id, create, deadline, timeout, true, what, run);
    return std::move(run.output);
  } catch (const EngineInterrupted&) {
    const std::string killed = d.kill_exec(*this, id, token);
    if (run.reader_stopped)
      throw EngineError(MOAT_E_FAILED, 0, what + " stopped: its output had no reader any more; " + killed);
    if (run.input_stopped) throw EngineInterrupted(what + " was stopped by its caller; " + killed);
    throw EngineInterrupted(what + " was interrupted; " + killed);
  } catch (const EngineError& e) {
    if (e.status() != MOAT_E_TIMEOUT) throw;
    const std::string killed = d.kill_exec(*this, id, token);
    throw EngineError(MOAT_E_TIMEOUT, 0,
                      what + " did not finish within " + std::to_string(timeout.count()) + " ms; " + killed);
  }
}

std::string DockerClient::Impl::kill_exec(DockerClient& client, const std::string& id, const std::string& token) {
  // Not cancellable, and a deadline of its own: this is the cleanup.
  const auto timeout = std::min(options.timeout, std::chrono::milliseconds(15000));
  const json create = {{"AttachStdin", false}, {"AttachStdout", true},
                       {"AttachStderr", true}, {"Tty", false},
                       {"User", "0"},          {"Cmd", {"/bin/sh", "-c", kKillExec, "moat-exec-kill", token}}};
  ExecRun run;
  try {
    run_exec(client, id, create, Clock::now() + timeout, timeout, false, "killing an exec", run);
  } catch (const moat::Error& e) {
    return std::string("its processes could not be killed: ") + e.what();
  }
  if (run.output.exit_code != 0) {
    return "its processes could not be killed (the kill script exited with " + std::to_string(run.output.exit_code) +
           ": " + support::trim(run.output.stderr_data) + ")";
  }
  return "its processes were killed";
}

namespace {

constexpr auto kContainerWatchInterval = std::chrono::seconds(1);

// What why_container_ended says of a container SIGKILLed without the OOM
// flag (yet).
constexpr const char* kKilledEnd = "stopped (exit code 137)";

// Empty while the container runs; else what ended it, for a person.
std::string why_container_ended(const json& inspect) {
  const json& state = member(inspect, "State");
  if (bool_at(state, "Running", true)) return {};
  if (bool_at(state, "OOMKilled", false)) return "the kernel killed for going past its memory limit (OOMKilled)";
  const json& code = member(state, "ExitCode");
  return "stopped (exit code " + (code.is_number_integer() ? std::to_string(code.get<int>()) : std::string("?")) + ")";
}

}  // namespace

void DockerClient::Impl::run_exec(DockerClient& client, const std::string& id, const json& create,
                                  Clock::time_point deadline, std::chrono::milliseconds timeout, bool cancellable,
                                  const std::string& what, ExecRun& run) {
  auto& d = *this;
  const auto timed_out = [&] {
    return EngineError(MOAT_E_TIMEOUT, 0, what + " did not finish within " + std::to_string(timeout.count()) + " ms");
  };
  const auto create_request = post(versioned(client, "/containers/" + segment(id) + "/exec"), &create);
  const auto created = d.send(create_request, deadline, timeout, cancellable);
  if (!Impl::ok(created.status)) Impl::raise(created, create_request);
  run.exec_id = required_string(parse_json(created, create_request), "Id", created, create_request);

  ExecOutput& output = run.output;
  CappedOutput sink(output, d.options.max_output_bytes);
  const auto deliver = [&sink, &run](StreamKind kind, std::string_view piece) {
    if (!run.on_output) {
      sink.add(kind, piece);
    } else if (!run.reader_stopped && !run.on_output(kind == StreamKind::stderr_stream ? 2 : 1, piece)) {
      run.reader_stopped = true;
    }
  };
  StreamDemux demux(deliver);
  // With a TTY the engine sends the terminal's bytes as they are, unframed.
  const bool tty = bool_at(create, "Tty", false);
  const json start = {{"Detach", false}, {"Tty", tty}};
  const auto start_request = post(versioned(client, "/exec/" + segment(run.exec_id) + "/start"), &start);
  // Some runtimes never end an exec's stream when the whole sandbox dies
  // under it (gVisor's Sentry OOM-killed at a memory or pids limit: docker
  // exec hangs too). So a user's exec also watches its container, once a
  // second, and ends when the container has stopped.
  std::string container_ended;
  auto next_look = Clock::now() + kContainerWatchInterval;
  const auto stop_waiting = [&]() -> bool {
    if (run.reader_stopped || run.input_stopped || (d.options.cancelled && d.options.cancelled())) return true;
    if (Clock::now() < next_look) return false;
    next_look = Clock::now() + kContainerWatchInterval;
    try {
      container_ended = why_container_ended(client.inspect_container(id));
      // The engine records an OOM kill from an event that can come after
      // the exit it caused: a SIGKILLed end is looked at again for a second.
      for (int i = 0; i < 5 && container_ended == kKilledEnd; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        container_ended = why_container_ended(client.inspect_container(id));
      }
    } catch (const moat::Error&) {
      return false;  // the engine did not answer this once: the deadline still bounds the wait
    }
    return !container_ended.empty();
  };
  try {
    // A dedicated connection: after the hijack it belongs to this stream.
    auto connection = d.open_connection(deadline);
    if (cancellable) connection->set_cancelled(stop_waiting);
    // Interactive: a writer thread feeds stdin while this one reads.
    std::atomic<bool> reading_done{false};
    std::thread writer;
    int writer_fd = -1;
    UnixHttpConnection::Duplex duplex;
    if (run.input) {
      duplex.started = [&](int fd) {
        writer_fd = ::dup(fd);
        if (writer_fd >= 0)
          writer = std::thread(
              [&client, &run, writer_fd, &reading_done] { pump_input(client, run, writer_fd, reading_done); });
      };
      duplex.finishing = [&] {
        reading_done = true;
        if (writer.joinable()) writer.join();
        if (writer_fd >= 0) ::close(writer_fd);
        writer_fd = -1;
      };
    }
    const auto started = connection->exchange_hijacked(
        start_request, deadline,
        [&](std::string_view bytes) {
          if (tty)
            deliver(StreamKind::stdout_stream, bytes);
          else
            demux.feed(bytes);
        },
        duplex);
    if (started.status != 101 && started.status != 200) Impl::raise(started, start_request);
    demux.finish();
  } catch (const TransportError& e) {
    if (!container_ended.empty())
      throw EngineError(MOAT_E_FAILED, 0, what + " ended with its sandbox, which " + container_ended);
    throw d.translate(e, start_request, timeout);
  } catch (const StreamError& e) {
    throw EngineError(MOAT_E_FAILED, 0, what + ": " + e.what());
  }

  // The stream ends when the process closes its output; the engine records
  // the exit code a moment later, so poll briefly while it says Running.
  const auto inspect_request = get(versioned(client, "/exec/" + segment(run.exec_id) + "/json"));
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    const auto inspected = d.send(inspect_request, deadline, timeout, cancellable);
    if (!Impl::ok(inspected.status)) Impl::raise(inspected, inspect_request);
    const json state = parse_json(inspected, inspect_request);
    if (!bool_at(state, "Running", false)) {
      const json& code = member(state, "ExitCode");
      output.exit_code = code.is_number_integer() ? code.get<int>() : -1;
      return;
    }
    if (Clock::now() + pause >= deadline) throw timed_out();
    if (cancellable && d.options.cancelled && d.options.cancelled()) throw EngineInterrupted(what + " was interrupted");
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

void DockerClient::resize_exec(const std::string& exec_id, std::uint32_t rows, std::uint32_t cols) {
  const auto request =
      post(versioned(*this, "/exec/" + segment(exec_id) + "/resize" +
                                Query().add("h", std::to_string(rows)).add("w", std::to_string(cols)).str()));
  impl_->call(request);
}

void DockerClient::create_volume(const std::string& name, const std::map<std::string, std::string>& labels) {
  const json body = {{"Name", name}, {"Driver", "local"}, {"Labels", labels}};
  const auto request = post(versioned(*this, "/volumes/create"), &body);
  impl_->call(request);
}

void DockerClient::remove_volume(const std::string& name, bool force) {
  const auto request =
      del(versioned(*this, "/volumes/" + segment(name) + Query().add("force", force ? "1" : "0").str()));
  impl_->call(request);
}

std::vector<json> DockerClient::list_volumes(const LabelFilter& labels) {
  Query query;
  if (!labels.empty()) query.add("filters", label_filters(labels));
  const auto request = get(versioned(*this, "/volumes" + query.str()));
  const auto response = impl_->call(request);
  const json body = parse_json(response, request);
  const auto volumes = body.find("Volumes");  // null when there are none
  if (volumes == body.end() || !volumes->is_array()) return {};
  return volumes->get<std::vector<json>>();
}

std::string DockerClient::create_network(const std::string& name, const std::map<std::string, std::string>& labels,
                                         bool internal) {
  // CheckDuplicate makes older engines refuse a second network of the same
  // name (409) instead of creating an ambiguous twin; newer ones always do.
  const json body = {
      {"Name", name}, {"Driver", "bridge"}, {"Internal", internal}, {"CheckDuplicate", true}, {"Labels", labels}};
  const auto request = post(versioned(*this, "/networks/create"), &body);
  const auto response = impl_->call(request);
  return required_string(parse_json(response, request), "Id", response, request);
}

void DockerClient::remove_network(const std::string& id) {
  const auto request = del(versioned(*this, "/networks/" + segment(id)));
  impl_->call(request);
}

void DockerClient::connect_network(const std::string& network, const std::string& container) {
  const json body = {{"Container", container}};
  const auto request = post(versioned(*this, "/networks/" + segment(network) + "/connect"), &body);
  impl_->call(request);
}

void DockerClient::disconnect_network(const std::string& network, const std::string& container, bool force) {
  const json body = {{"Container", container}, {"Force", force}};
  const auto request = post(versioned(*this, "/networks/" + segment(network) + "/disconnect"), &body);
  impl_->call(request);
}

std::vector<json> DockerClient::list_networks(const LabelFilter& labels) {
  Query query;
  if (!labels.empty()) query.add("filters", label_filters(labels));
  const auto request = get(versioned(*this, "/networks" + query.str()));
  const auto response = impl_->call(request);
  const json body = parse_json(response, request);
  return body.is_array() ? body.get<std::vector<json>>() : std::vector<json>{};
}

std::optional<json> DockerClient::inspect_network(const std::string& name) {
  const auto request = get(versioned(*this, "/networks/" + segment(name)));
  const auto response = impl_->send(request);
  if (response.status == 404) return std::nullopt;
  if (!Impl::ok(response.status)) Impl::raise(response, request);
  return parse_json(response, request);
}

std::vector<json> DockerClient::list_images(const LabelFilter& labels) {
  Query query;
  if (!labels.empty()) query.add("filters", label_filters(labels));
  const auto request = get(versioned(*this, "/images/json" + query.str()));
  const auto response = impl_->call(request);
  const json body = parse_json(response, request);
  return body.is_array() ? body.get<std::vector<json>>() : std::vector<json>{};
}

std::optional<json> DockerClient::inspect_image(const std::string& name) {
  const auto request = get(versioned(*this, "/images/" + encode(name, true, true) + "/json"));
  const auto response = impl_->send(request);
  if (response.status == 404) return std::nullopt;
  if (!Impl::ok(response.status)) Impl::raise(response, request);
  return parse_json(response, request);
}

void DockerClient::import_image(const std::string& tar_path, const std::string& repo_tag,
                                const std::vector<std::string>& changes, std::chrono::milliseconds timeout) {
  const auto [repo, tag] = split_reference(repo_tag);
  Query query;
  query.add("fromSrc", "-").add("repo", repo).add("tag", tag);
  for (const auto& change : changes) query.add("changes", change);
  HttpRequest request{"POST", versioned(*this, "/images/create" + query.str()), "application/x-tar", "", tar_path};
  const auto response = impl_->call(request, timeout, 0, true);
  // 200 is sent before the import runs: failures can arrive in-band.
  if (const auto error = find_stream_error(response.body)) {
    throw EngineError(MOAT_E_FAILED, response.status, "importing " + tar_path + " as " + repo_tag + ": " + *error);
  }
}

std::string DockerClient::commit_container(const std::string& id, const std::string& repo_tag,
                                           const std::vector<std::string>& changes, bool pause) {
  const auto [repo, tag] = split_reference(repo_tag);
  Query query;
  query.add("container", id).add("repo", repo).add("tag", tag).add("pause", pause ? "1" : "0");
  for (const auto& change : changes) query.add("changes", change);
  // No body: an empty config would replace the container's own Cmd/Env
  // instead of inheriting them.
  const auto request = post(versioned(*this, "/commit" + query.str()));
  const auto response = impl_->call(request);
  return required_string(parse_json(response, request), "Id", response, request);
}

void DockerClient::remove_image(const std::string& name, bool force) {
  const auto request =
      del(versioned(*this, "/images/" + encode(name, true, true) + Query().add("force", force ? "1" : "0").str()));
  impl_->call(request);
}

}  // namespace moat::engine
