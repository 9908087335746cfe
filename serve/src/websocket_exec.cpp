#include "websocket_exec.hpp"

#include <moat/error.hpp>
#include <moat/serve/api.hpp>

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

namespace moat::serve::detail {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using Socket = net::local::stream_protocol::socket;

namespace {

// What the exec thread reads: the client's messages, turned into input events.
class InputQueue {
 public:
  void push(InputEvent event) {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    if (event.kind == InputEvent::Kind::stopped) closed_ = true;
    events_.push_back(std::move(event));
    ready_.notify_one();
  }
  InputEvent next(std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    if (!ready_.wait_for(lock, wait, [this] { return !events_.empty(); })) return {};
    InputEvent e = std::move(events_.front());
    if (e.kind != InputEvent::Kind::stopped) events_.pop_front();  // stopped stays: every later call sees it
    return e;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<InputEvent> events_;
  bool closed_ = false;
};

// One WebSocket connection: reads and writes run on its io_context's one
// thread (Beast's rule: one read and one write at a time, in one strand);
// the exec runs on another and reaches the socket only through post().
class Session {
 public:
  Session(net::io_context& ioc, Socket socket, ServicePool& pool, const std::atomic<bool>& stop)
      : ioc_(ioc), ws_(std::move(socket)), pool_(pool), stop_(stop), stop_timer_(ioc) {}

  void run(const boost::beast::http::request<boost::beast::http::string_body>& upgrade, ExecRequest request,
           const std::string& server_name) {
    ws_.set_option(websocket::stream_base::decorator(
        [server_name](websocket::response_type& res) { res.set(beast::http::field::server, server_name); }));
    ws_.read_message_max(1U << 20U);
    boost::system::error_code ec;
    ws_.accept(upgrade, ec);
    if (ec) return;
    read_next();
    watch();
    std::thread exec([this, request = std::move(request)] { run_exec(request); });
    ioc_.run();
    input_.push({InputEvent::Kind::stopped, {}, 0, 0});  // the loop ended: the client is gone
    exec.join();
  }

 private:
  void read_next() {
    ws_.async_read(in_, [this](boost::system::error_code ec, std::size_t) {
      if (ec) {  // the client closed or went: nothing more goes out either
        peer_gone();
        return;
      }
      std::string data = beast::buffers_to_string(in_.data());
      in_.consume(in_.size());
      if (ws_.got_binary()) {
        input_.push({InputEvent::Kind::data, std::move(data), 0, 0});
      } else {
        control(data);
      }
      read_next();
    });
  }

  void control(const std::string& text) {
    const auto j = nlohmann::json::parse(text, nullptr, false);
    auto field = [&j](const char* key) -> nlohmann::json {
      return j.is_object() && j.contains(key) ? j.at(key) : nlohmann::json();
    };
    auto size = [&](const char* key) -> std::uint32_t {
      const auto v = field(key);
      return v.is_number_unsigned() && v.get<std::uint64_t>() <= 10000 ? v.get<std::uint32_t>() : 0;
    };
    const auto type = field("type");
    if (type == "eof") {
      input_.push({InputEvent::Kind::eof, {}, 0, 0});
    } else if (type == "resize" && size("rows") > 0 && size("cols") > 0) {
      input_.push({InputEvent::Kind::resize, {}, size("rows"), size("cols")});
    } else {
      send(true, nlohmann::json{{"type", "warning"},
                                {"message",
                                 "ignored a text message: send {\"type\": \"resize\", \"rows\": R, "
                                 "\"cols\": C} or {\"type\": \"eof\"}; stdin goes in binary messages"}}
                     .dump());
    }
  }

  // Every 200 ms until closed: SIGTERM ends the command as if the client had
  // gone (the exec thread then sends what it has and closes), and a client
  // that takes no output for 60 s (5 s once stopping) is dropped, so a
  // reader that stalls cannot hold the command, the thread or a shutdown.
  void watch() {
    stop_timer_.expires_after(std::chrono::milliseconds(200));
    stop_timer_.async_wait([this](boost::system::error_code ec) {
      if (ec || closed_) return;
      if (stop_.load() && !stopping_) {
        stopping_ = true;
        input_.push({InputEvent::Kind::stopped, {}, 0, 0});
      }
      const auto limit = stopping_ ? std::chrono::seconds(5) : std::chrono::seconds(60);
      if (!outbox_.empty() && std::chrono::steady_clock::now() - last_progress_ > limit) {
        abandon();
        return;
      }
      watch();
    });
  }

  void abandon() {
    peer_gone();
    boost::system::error_code ignored;
    ws_.next_layer().close(ignored);
  }

  // The client cannot take more (it closed, went, or stalled): the command is
  // ended, its output dropped, and once it has ended the loop stops.
  void peer_gone() {
    gone_ = true;
    {
      std::lock_guard lock(mutex_);
      write_failed_ = true;
      drained_.notify_all();
    }
    input_.push({InputEvent::Kind::stopped, {}, 0, 0});
    if (closing_) shut_down();
  }

  // The end, whatever is pending: Beast can leave a write suspended for good
  // behind a close the read side answered, so the loop is stopped rather
  // than waited out.
  void shut_down() {
    closed_ = true;
    stop_timer_.cancel();
    boost::system::error_code ignored;
    ws_.next_layer().close(ignored);
    ioc_.stop();
  }

  // The exec has ended and its last message is queued.
  void finish() {
    closing_ = true;
    if (gone_) {
      shut_down();
    } else if (outbox_.empty()) {
      begin_close();
    }
  }

  // A normal close; a client that never answers it is dropped after 5 s.
  void begin_close() {
    closed_ = true;
    stop_timer_.expires_after(std::chrono::seconds(5));
    stop_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) shut_down();
    });
    ws_.async_close(websocket::close_code::normal, [this](boost::system::error_code) { shut_down(); });
  }

  // Called from any thread: queues a message; the socket thread writes.
  void send(bool text, std::string payload) {
    {
      std::lock_guard lock(mutex_);
      queued_bytes_ += payload.size();
    }
    net::post(ws_.get_executor(), [this, text, payload = std::move(payload)]() mutable {
      if (gone_) return;
      outbox_.emplace_back(text, std::move(payload));
      if (outbox_.size() == 1) {
        last_progress_ = std::chrono::steady_clock::now();
        write_next();
      }
    });
  }

  void write_next() {
    ws_.text(outbox_.front().first);
    ws_.async_write(net::buffer(outbox_.front().second), [this](boost::system::error_code ec, std::size_t) {
      {
        std::lock_guard lock(mutex_);
        queued_bytes_ -= outbox_.front().second.size();
        drained_.notify_all();
      }
      last_progress_ = std::chrono::steady_clock::now();
      outbox_.pop_front();
      if (ec) {
        outbox_.clear();
        peer_gone();
      } else if (!outbox_.empty()) {
        write_next();
      } else if (closing_ && !closed_) {
        begin_close();
      }
    });
  }

  // The output sink: one binary message per piece, its first byte the
  // stream. Waits while 1 MiB is queued, so a slow client slows the command
  // instead of growing moat.
  bool output(int stream, std::string_view data) {
    std::string payload;
    payload.reserve(data.size() + 1);
    payload.push_back(static_cast<char>(stream));
    payload.append(data);
    {
      std::unique_lock lock(mutex_);
      drained_.wait(lock, [this] { return write_failed_ || queued_bytes_ < (1U << 20U); });
      if (write_failed_) return false;
    }
    send(false, std::move(payload));
    return true;
  }

  void run_exec(const ExecRequest& request) {
    nlohmann::json last;
    try {
      auto service = pool_.acquire();
      const ExecResult result = service->exec_interactive(
          request, [this](std::chrono::milliseconds wait) { return input_.next(wait); },
          [this](int stream, std::string_view data) { return output(stream, data); });
      last = {{"type", "exit"}, {"exit_code", result.exit_code}};
    } catch (const moat::Error& e) {
      last = {{"type", "error"}, {"error", {{"code", status_name(e.status())}, {"message", e.what()}}}};
    } catch (const std::exception& e) {
      last = {{"type", "error"}, {"error", {{"code", "internal"}, {"message", e.what()}}}};
    }
    send(true, last.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    net::post(ws_.get_executor(), [this] { finish(); });
  }

  net::io_context& ioc_;
  websocket::stream<Socket> ws_;
  ServicePool& pool_;
  const std::atomic<bool>& stop_;
  net::steady_timer stop_timer_;
  beast::flat_buffer in_;
  InputQueue input_;
  // Socket-thread state.
  std::deque<std::pair<bool, std::string>> outbox_;
  bool closing_ = false;  // the exec has ended
  bool closed_ = false;   // a close is under way or done
  bool gone_ = false;     // the client can take nothing more
  bool stopping_ = false;
  std::chrono::steady_clock::time_point last_progress_ = std::chrono::steady_clock::now();
  // Shared with the exec thread.
  std::mutex mutex_;
  std::condition_variable drained_;
  std::size_t queued_bytes_ = 0;
  bool write_failed_ = false;
};

}  // namespace

void run_websocket_exec(int fd, const boost::beast::http::request<boost::beast::http::string_body>& upgrade,
                        ServicePool& pool, const std::atomic<bool>& stop, const std::string& server_name) {
  net::io_context ioc(1);
  Socket socket(ioc);
  boost::system::error_code ec;
  socket.assign(net::local::stream_protocol(), fd, ec);
  if (ec) {
    ::close(fd);
    return;
  }
  Session session(ioc, std::move(socket), pool, stop);
  session.run(upgrade, websocket_exec_request(std::string(upgrade.target())), server_name);
}

}  // namespace moat::serve::detail
