// `moat serve`'s transport: HTTP/1.1 on a unix socket, one thread per
// connection, Boost.Beast kept inside server.cpp and websocket_exec.cpp.
// The socket's mode (0660) and group are its access control, as dockerd's
// are: whoever may open it may drive every sandbox.
#pragma once

#include <moat/serve/api.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <mutex>
#include <string>

namespace moat::serve {

struct ServerOptions {
  std::filesystem::path socket = "/run/moat/moat.sock";
  // The socket's group (it is made 0660, owned by root:<group>). Empty: the
  // process's group. A named group that does not exist is an error.
  std::string group = "moat";
  std::size_t max_body_bytes = 1U << 20U;  // larger bodies get 413
  std::size_t max_connections = 256;       // more get 503 and are closed
  // A request's head and body must arrive within this (408 otherwise), and
  // a response must be taken within it: a slow client costs one thread for
  // at most this long.
  std::chrono::milliseconds request_timeout{15000};
  std::chrono::milliseconds idle_timeout{60000};  // a keep-alive connection with no request is closed
  // A streamed body (logs that follow) whose client takes nothing for this
  // long is ended, as a WebSocket client that stalls is dropped.
  std::chrono::milliseconds stream_stall_timeout{60000};
  std::string server_name = "moat";  // the Server header
};

class Server {
 public:
  // Creates the socket's directory (0755) if missing and binds. Throws
  // moat::Error: conflict when another server answers on the socket,
  // invalid for a group that does not exist, failed for the rest. A stale
  // socket file (nothing answers) is replaced.
  Server(const Api& api, ServerOptions options, const std::atomic<bool>& stop);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Serves until `stop` is set, then stops accepting, closes idle
  // connections, lets requests in flight finish (an interactive exec is
  // ended as if its client had gone), removes the socket and returns.
  void run();

  [[nodiscard]] const ServerOptions& options() const { return options_; }
  [[nodiscard]] std::size_t open_connections() const;

 private:
  void serve_connection(int fd);

  const Api& api_;
  ServerOptions options_;
  const std::atomic<bool>& stop_;
  int listen_fd_ = -1;
  mutable std::mutex mutex_;
  std::condition_variable drained_;
  std::size_t connections_ = 0;
};

}  // namespace moat::serve
