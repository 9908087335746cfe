// One HTTP/1.1 connection to the Docker engine over a unix socket.
//
// Private to the engine client. The interface is Boost-free on purpose: only
// unix_http_connection.cpp includes Beast/Asio (each Beast TU costs ~16 s to
// compile), docker_client.cpp speaks to it through these plain types.
//
// Every operation takes an absolute deadline; when it passes, the socket is
// closed and TransportError(timeout) is thrown, so a timed-out connection is
// never reused. A connection given a cancellation check asks it every 100 ms
// while it waits, and once it says yes closes the socket the same way and
// throws TransportError(cancelled). Not thread-safe: one caller at a time (the client's pool hands
// each connection to one request).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::engine::detail {

using Clock = std::chrono::steady_clock;

struct HttpRequest {
  std::string method;  // "GET", "POST", "DELETE", "HEAD"
  std::string target;  // "/v1.41/containers/json?all=1"
  std::string content_type;
  std::string body;
  // When set, the request body is streamed from this file (not read into
  // memory) and `body` is ignored.
  std::string body_file;
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // Case-insensitive; empty when absent.
  [[nodiscard]] std::string header(std::string_view name) const;
};

class TransportError : public std::runtime_error {
 public:
  enum class Kind {
    connect,    // the socket could not be opened (missing, refused, permission)
    timeout,    // the deadline passed
    io,         // the connection broke mid-exchange
    file,       // the request body file could not be read
    cancelled,  // the caller's cancellation check said stop
  };
  TransportError(Kind kind, int error_value, const std::string& message, bool nothing_received)
      : std::runtime_error(message), kind_(kind), error_value_(error_value), nothing_received_(nothing_received) {}
  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  // errno-style value (0 when not applicable).
  [[nodiscard]] int error_value() const noexcept { return error_value_; }
  // True when the peer closed before sending any byte of a response: on a
  // reused keep-alive connection this means the engine dropped it while idle,
  // and the request can be sent again on a fresh one.
  [[nodiscard]] bool nothing_received() const noexcept { return nothing_received_; }

 private:
  Kind kind_;
  int error_value_;
  bool nothing_received_;
};

class UnixHttpConnection {
 public:
  explicit UnixHttpConnection(std::string socket_path);
  ~UnixHttpConnection();
  UnixHttpConnection(const UnixHttpConnection&) = delete;
  UnixHttpConnection& operator=(const UnixHttpConnection&) = delete;

  void connect(Clock::time_point deadline);

  // Asked while any later operation waits (empty: never cancelled).
  void set_cancelled(std::function<bool()> cancelled);

  // Sends the request and reads the whole response (chunked or not).
  HttpResponse exchange(const HttpRequest& request, Clock::time_point deadline);

  // For endpoints that hijack the connection (exec start): on 101 or 200 the
  // bytes after the header are passed to `on_data` as they arrive until the
  // engine closes the stream; the returned response then has an empty body.
  // Any other status is read as an ordinary response. The connection is not
  // reusable afterwards.
  HttpResponse exchange_hijacked(const HttpRequest& request, Clock::time_point deadline,
                                 const std::function<void(std::string_view)>& on_data);

  // What an interactive exec sends the other way on a hijacked stream:
  // `started` gets the socket's descriptor once the stream begins; it stays
  // the connection's, so a writer thread works on a dup(2) of it (send(2)
  // for stdin, shutdown(SHUT_WR) for its end), which outlives a socket this
  // connection closes on a deadline. `finishing` runs once the reading ended,
  // however it ended (the writer thread is stopped and joined there).
  struct Duplex {
    std::function<void(int fd)> started;
    std::function<void()> finishing;
  };
  HttpResponse exchange_hijacked(const HttpRequest& request, Clock::time_point deadline,
                                 const std::function<void(std::string_view)>& on_data, const Duplex& duplex);

  // Like exchange(), but a 2xx body is passed to `on_data` piece by piece as
  // it arrives (never held whole); the returned response's body is then
  // empty. Any other status is read as an ordinary response.
  HttpResponse exchange_streamed(const HttpRequest& request, Clock::time_point deadline,
                                 const std::function<void(std::string_view)>& on_data);

  // Open, the last response allowed keep-alive and nothing is left unread.
  [[nodiscard]] bool reusable() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace moat::engine::detail
