// moat-plugin-broker PLUGIN.so
//
// Serves one plugin instance to moat over a pipe, so that whatever the plugin
// does at run time (crash, exit, abort, hang, a huge answer) costs this
// process, not moat. Reads framed requests on stdin and writes framed answers
// and log lines on stdout (moat/core/broker_protocol.hpp); the plugin's own
// output goes to stderr. Started by moat, not by users.
#include <moat/core/broker_protocol.hpp>
#include <moat/core/plugin_calls.hpp>
#include <moat/core/plugin_inspection.hpp>
#include <moat/core/runtime_handle.hpp>
#include <moat/error.hpp>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace {

namespace broker = moat::core::broker;

// Set by SIGUSR1 (moat was interrupted) or by a request header.
std::atomic<bool> g_cancelled{false};

extern "C" void on_cancel(int) { g_cancelled.store(true); }

// Where answers and log lines go; plugin threads may log while a call runs.
struct Channel {
  int fd = -1;
  std::mutex mutex;
  void send(char kind, int code, std::string_view body) {
    const std::lock_guard lock(mutex);
    if (!broker::write_all(fd, broker::answer_header(kind, code, body.size()) + std::string(body))) {
      // moat is gone: nobody is left to answer.
      std::_Exit(0);
    }
  }
};

Channel g_channel;

extern "C" void host_log(void*, int level, const char*, const char* message) {
  try {
    std::string_view text = message != nullptr ? message : "";
    if (text.size() > broker::kMaxLogLine) text = text.substr(0, broker::kMaxLogLine);
    g_channel.send('L', level, text);
  } catch (...) {
    // A log line is not worth an exception through the plugin's C frames.
  }
}

extern "C" int host_cancelled(void*) { return g_cancelled.load() ? 1 : 0; }

// Reads framed requests from stdin.
class Requests {
 public:
  // False at end of file; exits on a malformed frame.
  bool next(broker::RequestHeader& header, std::string& body) {
    std::string line;
    for (;;) {
      const auto eol = buffer_.find('\n');
      if (eol != std::string::npos) {
        line = buffer_.substr(0, eol);
        buffer_.erase(0, eol + 1);
        break;
      }
      if (buffer_.size() > broker::kMaxHeader) malformed();
      if (!fill()) return false;
    }
    auto parsed = broker::parse_request_header(line);
    if (!parsed) malformed();
    header = std::move(*parsed);
    while (buffer_.size() < header.length) {
      if (!fill()) return false;
    }
    body = buffer_.substr(0, header.length);
    buffer_.erase(0, header.length);
    return true;
  }

 private:
  bool fill() {
    std::array<char, 65536> chunk{};
    ssize_t n = -1;
    do {
      n = ::read(STDIN_FILENO, chunk.data(), chunk.size());
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return false;
    buffer_.append(chunk.data(), static_cast<std::size_t>(n));
    return true;
  }
  [[noreturn]] static void malformed() {
    std::fputs("moat-plugin-broker: malformed request; exiting\n", stderr);
    std::_Exit(65);
  }
  std::string buffer_;
};

// The caller's input during an interactive exec: filled by a reader thread
// from the "input_*" frames on stdin, drained by the plugin's input source.
struct InputQueue {
  struct Event {
    int kind = 0;  // a moat_input_kind
    std::string data;
    std::uint32_t rows = 0;
    std::uint32_t cols = 0;
  };
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<Event> events;
  bool stopped = false;  // the caller stopped, or moat went away

  void push(Event e) {
    {
      const std::lock_guard lock(mutex);
      events.push_back(std::move(e));
    }
    changed.notify_all();
  }
  void stop() {
    {
      const std::lock_guard lock(mutex);
      stopped = true;
    }
    changed.notify_all();
  }
};

extern "C" int broker_input_next(void* ctx, moat_input_event* event, char* buf, size_t cap, int timeout_ms) {
  auto* q = static_cast<InputQueue*>(ctx);
  std::unique_lock lock(q->mutex);
  q->changed.wait_for(lock, std::chrono::milliseconds(std::max(timeout_ms, 0)),
                      [&] { return !q->events.empty() || q->stopped || g_cancelled.load(); });
  if (g_cancelled.load() || q->stopped) return -1;
  if (q->events.empty()) return 0;
  auto& e = q->events.front();
  *event = moat_input_event{};
  event->kind = static_cast<std::uint32_t>(e.kind);
  event->rows = e.rows;
  event->cols = e.cols;
  if (e.kind == MOAT_INPUT_DATA) {
    // What does not fit stays first in line.
    event->size = std::min(cap, e.data.size());
    std::memcpy(buf, e.data.data(), event->size);
    e.data.erase(0, event->size);
    if (!e.data.empty()) return 1;
  }
  q->events.pop_front();
  return 1;
}

// Reads the "input_*" frames of one interactive call until "input_done"
// (or the end of stdin: moat is gone).
void read_input(Requests& requests, InputQueue& queue) {
  broker::RequestHeader header;
  std::string body;
  while (requests.next(header, body)) {
    if (header.op == "input_done") return;
    if (header.op == "input_data") {
      queue.push({MOAT_INPUT_DATA, std::move(body), 0, 0});
    } else if (header.op == "input_eof") {
      queue.push({MOAT_INPUT_EOF, {}, 0, 0});
    } else if (header.op == "input_resize") {
      unsigned rows = 0;
      unsigned cols = 0;
      if (std::sscanf(body.c_str(), "%u %u", &rows, &cols) == 2) queue.push({MOAT_INPUT_RESIZE, {}, rows, cols});
    } else if (header.op == "input_stop") {
      queue.stop();
    } else {
      std::fputs("moat-plugin-broker: a request came during an interactive call; exiting\n", stderr);
      std::_Exit(65);
    }
  }
  queue.stop();
  std::_Exit(0);  // moat is gone: nobody is left to answer
}

std::string message_json(const std::string& text) {
  return nlohmann::json{{"message", text}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A streaming operation's output, as 'O' frames; refused once moat said stop.
extern "C" int send_output(void*, int stream, const char* data, size_t size) {
  if (g_cancelled.load()) return 1;
  try {
    // An empty write asks whether moat still listens: it goes as an empty
    // frame, and a "no" comes back as SIGUSR1, which a later write sees.
    if (size == 0) g_channel.send('O', stream, std::string_view());
    for (std::size_t done = 0; done < size;) {
      const std::size_t n = std::min(size - done, broker::kMaxOutputFrame);
      g_channel.send('O', stream, std::string_view(data + done, n));
      done += n;
    }
  } catch (...) {
    return 1;
  }
  return 0;
}

// sandbox_exec_interactive: the plugin runs on this thread while another
// reads the caller's input from stdin; that one ends with "input_done",
// which moat sends once it has the answer.
void serve_interactive(const moat_plugin_descriptor& d, moat_plugin* instance, const std::string& op,
                       const std::string& body, Requests& requests) {
  InputQueue queue;
  std::thread reader([&] { read_input(requests, queue); });
  const moat_interactive_op_fn fn = moat::core::interactive_slot(d, op);
  char* raw = nullptr;
  int status = MOAT_E_UNSUPPORTED;
  std::string failure;
  if (fn != nullptr) {
    try {
      const moat_output_sink sink{sizeof(moat_output_sink), nullptr, &send_output};
      const moat_input_source input{sizeof(moat_input_source), &queue, &broker_input_next};
      status = moat::core::call_interactive_operation(fn, instance, body.c_str(), &input, &sink, &raw);
    } catch (...) {
      failure = fmt::format("plugin '{}' let an exception escape from {} (a plugin bug)", d.id, op);
    }
  }
  if (!failure.empty()) {
    g_channel.send('A', MOAT_E_INTERNAL, message_json(failure));
  } else {
    const std::unique_ptr<char, void (*)(char*)> owned(raw, d.free_string);
    g_channel.send('A', status, owned ? std::string_view(owned.get()) : std::string_view());
  }
  reader.join();
}

// Runs one operation of the instance and sends its answer.
void serve(const moat_plugin_descriptor& d, moat_plugin* instance, const std::string& op, const std::string& body) {
  const bool streaming = op == "sandbox_exec_stream" || op == "sandbox_logs_stream";
  moat_op_fn fn = op == "describe" ? d.describe : op == "probe" ? d.probe : moat::core::operation_slot(d, op);
  const moat_stream_op_fn stream_fn = streaming ? moat::core::stream_slot(d, op) : nullptr;
  if (streaming ? stream_fn == nullptr : fn == nullptr) {
    g_channel.send('A', MOAT_E_UNSUPPORTED, "");
    return;
  }
  char* raw = nullptr;
  int status = MOAT_OK;
  try {
    if (streaming) {
      const moat_output_sink sink{sizeof(moat_output_sink), nullptr, &send_output};
      status = moat::core::call_stream_operation(stream_fn, instance, body.c_str(), &sink, &raw);
    } else {
      status = moat::core::call_operation(fn, instance, body.c_str(), &raw);
    }
  } catch (const std::exception& e) {
    g_channel.send('A', MOAT_E_INTERNAL,
                   message_json(fmt::format("plugin '{}' let an exception escape from {} (a plugin bug): {}", d.id, op,
                                            e.what())));
    return;
  } catch (...) {
    g_channel.send('A', MOAT_E_INTERNAL,
                   message_json(fmt::format("plugin '{}' let an exception escape from {} (a plugin bug)", d.id, op)));
    return;
  }
  const std::unique_ptr<char, void (*)(char*)> owned(raw, d.free_string);
  g_channel.send('A', status, owned ? std::string_view(owned.get()) : std::string_view());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PLUGIN.so (started by moat)\n", argc > 0 ? argv[0] : "moat-plugin-broker");
    return 64;  // EX_USAGE
  }
  // Dies with moat, even when moat is killed outright while a plugin call
  // hangs. A watcher thread rather than PR_SET_PDEATHSIG: that signal comes
  // when the *thread* that started the broker ends, and moat may start a
  // broker on a worker thread and keep using it after.
  const pid_t parent = ::getppid();
  std::thread([parent] {
    while (::getppid() == parent) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::_Exit(0);
  }).detach();
  // The protocol keeps stdout to itself; the plugin's own output goes to stderr.
  g_channel.fd = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  if (g_channel.fd < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    std::perror("moat-plugin-broker: dup");
    return 71;  // EX_OSERR
  }
  struct sigaction sa {};
  sa.sa_handler = on_cancel;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGUSR1, &sa, nullptr);
  ::signal(SIGINT, SIG_IGN);  // moat decides what an interrupt means
  ::signal(SIGPIPE, SIG_IGN);
  spdlog::set_default_logger(spdlog::stderr_logger_st("moat-plugin-broker"));

  Requests requests;
  broker::RequestHeader header;
  std::string body;
  if (!requests.next(header, body) || header.op != "create") return 65;  // EX_DATAERR

  moat::core::PluginRecord record;
  record.path = argv[1];
  auto opened = moat::core::open_plugin(record.path, record);
  if (!opened) {
    g_channel.send('A', MOAT_E_UNAVAILABLE, record.reason);
    return 0;
  }
  const moat_plugin_descriptor& d = *opened->descriptor;
  moat_host_api host{};
  host.struct_size = sizeof host;
  host.abi_major = MOAT_ABI_MAJOR;
  host.abi_minor = MOAT_ABI_MINOR;
  host.log = host_log;
  host.cancelled = host_cancelled;

  if (header.cancelled) g_cancelled.store(true);
  char* error = nullptr;
  moat_plugin* instance = nullptr;
  try {
    instance = d.create(&host, body.c_str(), &error);
  } catch (...) {
    g_channel.send('A', MOAT_E_FAILED, "create() let an exception escape (a plugin bug)");
    return 0;
  }
  {
    const std::unique_ptr<char, void (*)(char*)> owned(error, d.free_string);
    if (instance == nullptr) {
      g_channel.send('A', MOAT_E_FAILED, owned ? owned.get() : "create() returned no instance");
      return 0;
    }
  }
  g_channel.send('A', MOAT_OK, "");

  while (requests.next(header, body)) {
    // Per request: a stop for one streaming exec (SIGUSR1) is not one for the next call.
    g_cancelled.store(header.cancelled);
    if (header.op == "sandbox_exec_interactive")
      serve_interactive(d, instance, header.op, body, requests);
    else
      serve(d, instance, header.op, body);
  }
  try {
    d.destroy(instance);
  } catch (...) {
    std::fputs("moat-plugin-broker: the plugin let an exception escape from destroy()\n", stderr);
  }
  return 0;
}
