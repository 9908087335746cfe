#include <moat/core/broker_connection.hpp>
#include <moat/core/broker_protocol.hpp>
#include <moat/error.hpp>
#include <moat/support/process.hpp>

#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <thread>

#include <fmt/format.h>

namespace moat::core {

namespace {

using Clock = std::chrono::steady_clock;

// How long a child that lost its request pipe gets to destroy the instance.
constexpr std::chrono::milliseconds kExitGrace{2000};
// A log frame bigger than this is a broken broker, not a long line.
constexpr std::uint64_t kMaxLogFrame = 1 << 20;

std::string signal_text(int sig) {
  const char* d = ::sigdescr_np(sig);
  return fmt::format("signal {} ({})", sig, d != nullptr ? d : "unknown");
}

}  // namespace

BrokerConnection::BrokerConnection(const std::filesystem::path& broker, const std::filesystem::path& plugin_file,
                                   const std::string& config_json, CallContext context,
                                   std::chrono::milliseconds open_deadline)
    : context_(std::move(context)) {
  support::SpawnOptions options;
  options.argv = {broker.string(), plugin_file.string()};
  options.stdin_pipe = true;
  options.out = support::Output::pipe;
  options.err = support::Output::inherit;  // the plugin's own output, as if it ran in moat
  // A group of its own: a terminal's Ctrl-C reaches moat only, which passes
  // it on (SIGUSR1) and decides when to kill.
  options.own_process_group = true;
  try {
    child_ = std::make_unique<support::Process>(options);
  } catch (const support::SpawnError& e) {
    throw Error(MOAT_E_INTERNAL, fmt::format("cannot start the plugin broker for '{}': {} (reinstall moat)",
                                             context_.plugin_id, e.what()));
  }
  const PluginAnswer a = exchange("create", config_json, open_deadline);
  if (a.status == MOAT_E_UNAVAILABLE) {
    lost_ = a.text;
    throw Error(MOAT_E_UNAVAILABLE, fmt::format("runtime plugin '{}' ({}) does not load: {}", context_.plugin_id,
                                                plugin_file.string(), a.text));
  }
  if (a.status != MOAT_OK) {
    lost_ = a.text;
    throw Error(MOAT_E_FAILED, fmt::format("runtime '{}' could not start: {}", context_.plugin_id, a.text));
  }
}

BrokerConnection::~BrokerConnection() {
  if (!child_ || child_->reaped()) return;
  child_->close_stdin();
  const auto until = Clock::now() + (lost_.empty() ? kExitGrace : std::chrono::milliseconds(0));
  while (!child_->try_reap() && Clock::now() < until) {
    // Log lines the instance writes while being destroyed still count.
    pollfd p{child_->stdout_fd(), POLLIN, 0};
    if (p.fd >= 0 && ::poll(&p, 1, 20) > 0) {
      if (!read_more()) continue;
      try {
        (void)take_answer("destroy");
      } catch (const Error&) {
        break;  // a broken frame while closing: the kill below ends it
      }
    } else if (p.fd < 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  if (!child_->reaped()) {
    child_->kill_group(SIGKILL);
    child_->reap();
  }
}

int BrokerConnection::pid() const { return child_ ? child_->pid() : -1; }

PluginAnswer BrokerConnection::call(std::string_view op, const std::string& request,
                                    std::chrono::milliseconds deadline) {
  return exchange(op, request, deadline);
}

namespace {

// Output frames go to `sink` while this lives, and nowhere after.
class SinkScope {
 public:
  SinkScope(const StreamSink*& slot, bool& stopped, const StreamSink& sink) : slot_(slot) {
    slot_ = &sink;
    stopped = false;
  }
  ~SinkScope() { slot_ = nullptr; }
  SinkScope(const SinkScope&) = delete;
  SinkScope& operator=(const SinkScope&) = delete;

 private:
  const StreamSink*& slot_;
};

}  // namespace

PluginAnswer BrokerConnection::call_streaming(std::string_view op, const std::string& request, const StreamSink& sink,
                                              std::chrono::milliseconds deadline) {
  const SinkScope scope(sink_, sink_stopped_, sink);
  return exchange(op, request, deadline);
}

PluginAnswer BrokerConnection::call_interactive(std::string_view op, const std::string& request,
                                                const InputSource& input, const StreamSink& sink,
                                                std::chrono::milliseconds deadline) {
  const SinkScope scope(sink_, sink_stopped_, sink);
  bool reading = true;
  const auto send = [&](std::string_view kind, std::string_view body) {
    if (!broker::write_all(child_->stdin_fd(), broker::request_header(kind, false, body.size()) + std::string(body)))
      lose(MOAT_E_INTERNAL, death_of(op));
  };
  // The caller's input as frames: what is there now (up to 1 MiB, so that
  // output keeps flowing), waiting `wait` for the first event only.
  const auto pass_input = [&](std::chrono::milliseconds wait) {
    for (std::size_t passed = 0; reading && passed < (std::size_t{1} << 20);) {
      const InputEvent event = input(wait);
      wait = std::chrono::milliseconds(0);
      switch (event.kind) {
        case InputEvent::Kind::data:
          for (std::size_t at = 0; at < event.data.size(); at += broker::kMaxInputFrame)
            send("input_data", std::string_view(event.data).substr(at, broker::kMaxInputFrame));
          passed += event.data.size();
          break;
        case InputEvent::Kind::eof:
          send("input_eof", "");
          return;
        case InputEvent::Kind::resize:
          send("input_resize", std::to_string(event.rows) + " " + std::to_string(event.cols));
          break;
        case InputEvent::Kind::stopped:
          send("input_stop", "");
          reading = false;
          return;
        case InputEvent::Kind::none:
          return;
      }
    }
  };
  PluginAnswer answer = exchange(op, request, deadline, pass_input);
  // The broker reads requests again only after this.
  send("input_done", "");
  return answer;
}

PluginAnswer BrokerConnection::exchange(std::string_view op, const std::string& request,
                                        std::chrono::milliseconds deadline,
                                        const std::function<void(std::chrono::milliseconds)>& between) {
  if (!lost_.empty()) throw Error(MOAT_E_UNAVAILABLE, lost_);
  const bool cancelled = context_.cancel != nullptr && context_.cancel->load();
  if (!broker::write_all(child_->stdin_fd(), broker::request_header(op, cancelled, request.size()) + request)) {
    lose(MOAT_E_INTERNAL, death_of(op));
  }
  CallWatch watch(deadline, context_);
  for (;;) {
    if (auto answer = take_answer(op)) return std::move(*answer);
    pollfd p{child_->stdout_fd(), POLLIN, 0};
    auto wait = watch.next_wait();
    if (between) wait = std::min(wait, std::chrono::milliseconds(20));
    const int ready = ::poll(&p, 1, static_cast<int>(wait.count()));
    if (ready > 0 && !read_more()) lose(MOAT_E_INTERNAL, death_of(op));
    if (between) between(ready > 0 ? std::chrono::milliseconds(0) : std::chrono::milliseconds(20));
    switch (watch.check()) {
      case CallWatch::Verdict::wait:
        break;
      case CallWatch::Verdict::cancel_seen:
        ::kill(child_->pid(), SIGUSR1);  // the plugin's cancelled() turns true
        break;
      case CallWatch::Verdict::interrupted:
        lose(MOAT_E_TIMEOUT, watch.message(CallWatch::Verdict::interrupted, op, "its process was killed"));
      case CallWatch::Verdict::timed_out:
        lose(MOAT_E_TIMEOUT, watch.message(CallWatch::Verdict::timed_out, op, "its process was killed"));
    }
  }
}

bool BrokerConnection::read_more() {
  std::array<char, 65536> buf{};
  ssize_t n = -1;
  do {
    n = ::read(child_->stdout_fd(), buf.data(), buf.size());
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return false;
  inbox_.append(buf.data(), static_cast<std::size_t>(n));
  return true;
}

std::optional<PluginAnswer> BrokerConnection::take_answer(std::string_view op) {
  for (;;) {
    const auto eol = inbox_.find('\n');
    if (eol == std::string::npos) {
      if (inbox_.size() > broker::kMaxHeader)
        lose(MOAT_E_INTERNAL,
             fmt::format("the broker of plugin '{}' broke the protocol in {}", context_.plugin_id, op));
      return std::nullopt;
    }
    const auto header = broker::parse_answer_header(std::string_view(inbox_).substr(0, eol));
    if (!header)
      lose(MOAT_E_INTERNAL, fmt::format("the broker of plugin '{}' broke the protocol in {}", context_.plugin_id, op));
    // The size is known before the body is read: an answer over the cap is
    // never held in moat's memory.
    if (header->kind == 'A' && header->length > context_.max_answer_bytes)
      lose(MOAT_E_INTERNAL, answer_too_big_message(context_.plugin_id, op, context_.max_answer_bytes));
    if ((header->kind == 'L' && header->length > kMaxLogFrame) ||
        (header->kind == 'O' && (header->length > broker::kMaxOutputFrame || sink_ == nullptr)))
      lose(MOAT_E_INTERNAL, fmt::format("the broker of plugin '{}' broke the protocol in {}", context_.plugin_id, op));
    const std::size_t body_at = eol + 1;
    if (inbox_.size() - body_at < header->length) {
      inbox_.reserve(body_at + header->length);
      return std::nullopt;
    }
    std::string body = inbox_.substr(body_at, header->length);
    inbox_.erase(0, body_at + header->length);
    if (header->kind == 'A') return PluginAnswer{header->code, std::move(body)};
    if (header->kind == 'O') {
      // The reader stopped (a closed pipe, Ctrl-C): the broker's sink then
      // refuses more, and the plugin ends the command.
      if (!sink_stopped_ && !(*sink_)(header->code, body)) {
        sink_stopped_ = true;
        ::kill(child_->pid(), SIGUSR1);
      }
      continue;
    }
    if (context_.host != nullptr && context_.host->log != nullptr)
      context_.host->log(context_.host->ctx, header->code, context_.plugin_id.c_str(), body.c_str());
  }
}

void BrokerConnection::lose(moat_status status, const std::string& message) {
  lost_ = message;
  if (child_ && !child_->reaped()) {
    child_->kill_group(SIGKILL);
    child_->reap();
  }
  throw Error(status, message);
}

std::string BrokerConnection::death_of(std::string_view op) {
  // The output ended: the child is gone or going. Give it a moment to be reaped.
  const auto until = Clock::now() + std::chrono::milliseconds(500);
  while (!child_->try_reap() && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (!child_->reaped()) {
    child_->kill_group(SIGKILL);
    child_->reap();
    return fmt::format("plugin '{}' closed its pipe in {} and was killed", context_.plugin_id, op);
  }
  int sig = 0;
  const int code = support::exit_code_of(child_->wait_status(), &sig);
  if (sig != 0)
    return fmt::format("plugin '{}' crashed in {}: its process was killed by {}", context_.plugin_id, op,
                       signal_text(sig));
  return fmt::format("plugin '{}' ended its process with exit status {} in {} (a plugin must not exit)",
                     context_.plugin_id, code, op);
}

}  // namespace moat::core
