#include <moat/serve/server.hpp>

#include "poll_stream.hpp"
#include "websocket_exec.hpp"

#include <moat/error.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace moat::serve {
namespace http = boost::beast::http;
namespace {

std::string errno_text() { return std::strerror(errno); }

sockaddr_un address_of(const std::filesystem::path& socket) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = socket.string();
  if (path.size() >= sizeof(addr.sun_path))
    throw moat::Error(MOAT_E_INVALID, "socket path " + path + " is too long for a unix socket");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

// True when something accepts connections on `socket`.
bool answers(const sockaddr_un& addr) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

gid_t group_id(const std::string& group) {
  if (group.empty()) return ::getegid();
  std::vector<char> buf(16384);
  struct group entry {};
  struct group* found = nullptr;
  if (::getgrnam_r(group.c_str(), &entry, buf.data(), buf.size(), &found) != 0 || found == nullptr)
    throw moat::Error(MOAT_E_INVALID, "group '" + group + "' does not exist: create it (groupadd --system " + group +
                                          ") or pass --group with another");
  return found->gr_gid;
}

// One short answer on a connection the server will not serve.
void refuse(int fd, int status, const std::string& code, const std::string& message, const std::string& server) {
  const HttpResponse r = error_response(status, code, message);
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " +
                     std::string(http::obsolete_reason(static_cast<http::status>(status))) + "\r\nServer: " + server +
                     "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(r.body.size()) +
                     "\r\nConnection: close\r\n\r\n" + r.body;
  (void)::send(fd, head.data(), head.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

http::response<http::string_body> to_beast(const HttpResponse& r, unsigned version, bool keep_alive,
                                           const std::string& server) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, server);
  res.set(http::field::content_type, r.content_type);
  for (const auto& [k, v] : r.headers) res.set(k, v);
  res.body() = r.body;
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

// The status for a request Beast could not read, or 0 to close quietly.
int status_for_read_error(const boost::system::error_code& ec, bool began) {
  if (ec == http::error::body_limit) return 413;
  if (ec == http::error::header_limit) return 431;
  if (ec == boost::asio::error::timed_out) return began ? 408 : 0;
  if (ec == http::error::end_of_stream || ec == boost::asio::error::eof ||
      ec == boost::asio::error::operation_aborted || ec == http::error::partial_message)
    return 0;
  if (ec.category() == boost::system::system_category()) return 0;  // reset, broken pipe
  return 400;                                                       // a parse error
}

// Whether the client of `fd` is still there: nothing of it hung up. A
// client that closed reads as end of file, which poll reports as RDHUP.
bool client_present(int fd) {
  pollfd p{fd, static_cast<short>(POLLIN | POLLRDHUP), 0};
  if (::poll(&p, 1, 0) <= 0) return true;
  return (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) == 0;
}

// A streamed answer: the head, then what response.stream writes, each piece
// as one chunk, then the last chunk. An HTTP/1.0 client knows no chunks: it
// gets the pieces as they are, and the closed connection ends the body.
// Returns once the body is done or the client is gone; the connection is
// closed after it.
void send_streamed(detail::PollStream& stream, const HttpResponse& response, unsigned version,
                   const ServerOptions& options, const std::atomic<bool>& stop) {
  const bool chunked = version >= 11;
  std::string head = (chunked ? "HTTP/1.1 " : "HTTP/1.0 ") + std::to_string(response.status) + " " +
                     std::string(http::obsolete_reason(static_cast<http::status>(response.status))) +
                     "\r\nServer: " + options.server_name + "\r\nContent-Type: " + response.content_type +
                     (chunked ? "\r\nTransfer-Encoding: chunked" : "") + "\r\nConnection: close\r\n";
  for (const auto& [k, v] : response.headers) head += k + ": " + v + "\r\n";
  head += "\r\n";
  bool open = true;
  const auto send = [&](std::string_view bytes) {
    boost::system::error_code ec;
    stream.set_deadline(detail::PollStream::Clock::now() + options.stream_stall_timeout);
    boost::asio::write(stream, boost::asio::buffer(bytes.data(), bytes.size()), ec);
    open = open && !ec;
    return open;
  };
  if (!send(head)) return;
  const BodyWrite write = [&](std::string_view piece) {
    if (open && !client_present(stream.native_handle())) open = false;
    // Stopping ends the body, cleanly: the last chunk still goes.
    if (!open || stop.load()) return false;
    if (piece.empty()) return true;
    if (!chunked) return send(piece);
    char size[24];
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    return send(size) && send(piece) && send("\r\n");
  };
  try {
    response.stream(write);
  } catch (const std::exception& e) {
    spdlog::warn("serve: a streamed answer ended with an error: {}", e.what());
    return;  // no last chunk: the client sees the body cut short
  }
  if (open && chunked) (void)send("0\r\n\r\n");
}

}  // namespace

Server::Server(const Api& api, ServerOptions options, const std::atomic<bool>& stop)
    : api_(api), options_(std::move(options)), stop_(stop) {
  const sockaddr_un addr = address_of(options_.socket);
  const gid_t gid = group_id(options_.group);
  const auto dir = options_.socket.parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) throw moat::Error(MOAT_E_FAILED, "cannot create " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), 0755);
  }
  if (std::filesystem::is_socket(std::filesystem::symlink_status(options_.socket, ec))) {
    if (answers(addr))
      throw moat::Error(MOAT_E_CONFLICT, "another server answers on " + options_.socket.string() +
                                             "; stop it or pass --socket with another path");
    ::unlink(options_.socket.c_str());  // stale: its server is gone
  } else if (std::filesystem::exists(std::filesystem::symlink_status(options_.socket, ec))) {
    throw moat::Error(MOAT_E_CONFLICT,
                      options_.socket.string() + " exists and is not a socket; remove it or pass --socket");
  }
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw moat::Error(MOAT_E_FAILED, "socket(): " + errno_text());
  // The socket is born 0600 so nobody outside the group can connect before
  // its mode and group are set.
  const mode_t old_mask = ::umask(0177);
  const int bound = ::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const int bind_errno = errno;
  ::umask(old_mask);
  if (bound != 0) {
    ::close(listen_fd_);
    throw moat::Error(MOAT_E_FAILED, "cannot bind " + options_.socket.string() + ": " + std::strerror(bind_errno));
  }
  if (::chown(options_.socket.c_str(), ::geteuid(), gid) != 0 || ::chmod(options_.socket.c_str(), 0660) != 0 ||
      ::listen(listen_fd_, 128) != 0) {
    const std::string why = errno_text();
    ::close(listen_fd_);
    ::unlink(options_.socket.c_str());
    throw moat::Error(MOAT_E_FAILED, "cannot set up " + options_.socket.string() + ": " + why);
  }
}

Server::~Server() {
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    ::unlink(options_.socket.c_str());
  }
}

std::size_t Server::open_connections() const {
  std::lock_guard lock(mutex_);
  return connections_;
}

void Server::run() {
  while (!stop_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;  // the client went before we took it
    {
      std::lock_guard lock(mutex_);
      if (connections_ >= options_.max_connections) {
        refuse(fd, 503, "unavailable", "too many connections; try again", options_.server_name);
        ::close(fd);
        continue;
      }
      ++connections_;
    }
    try {
      std::thread([this, fd] {
        try {
          serve_connection(fd);
        } catch (const std::exception& e) {
          spdlog::error("serve: connection: {}", e.what());
          ::close(fd);
        }
        std::lock_guard lock(mutex_);
        if (--connections_ == 0) drained_.notify_all();
      }).detach();
    } catch (const std::system_error& e) {  // no thread to be had
      refuse(fd, 503, "unavailable", std::string("cannot serve: ") + e.what(), options_.server_name);
      ::close(fd);
      std::lock_guard lock(mutex_);
      --connections_;
    }
  }
  // No new connections; the open ones close when idle or done.
  ::close(listen_fd_);
  listen_fd_ = -1;
  ::unlink(options_.socket.c_str());
  std::unique_lock lock(mutex_);
  if (connections_ > 0) spdlog::info("serve: waiting for {} connection(s) to finish", connections_);
  drained_.wait(lock, [this] { return connections_ == 0; });
}

void Server::serve_connection(int fd) {
  detail::PollStream stream(fd, stop_);
  boost::beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(options_.max_body_bytes);
    parser.header_limit(64U * 1024U);
    // The idle wait, then the request's own time from its first byte (or
    // from now, when a pipelined request's bytes are already here).
    const bool idle = buffer.size() == 0;
    stream.set_idle(idle, options_.request_timeout);
    stream.set_deadline(detail::PollStream::Clock::now() + (idle ? options_.idle_timeout : options_.request_timeout));
    boost::system::error_code ec;
    http::read_header(stream, buffer, parser, ec);
    if (!ec && !parser.is_done()) {
      // curl sends larger bodies only after a 100 Continue (or a second's wait).
      if (boost::beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> go_on{http::status::continue_, parser.get().version()};
        http::write(stream, go_on, ec);
      }
      if (!ec) http::read(stream, buffer, parser, ec);
    }
    if (ec) {
      if (const int status = status_for_read_error(ec, !stream.idle()); status != 0) {
        const std::string message =
            status == 413 ? "request body larger than " + std::to_string(options_.max_body_bytes) + " bytes"
            : status == 408
                ? "the request did not arrive within " + std::to_string(options_.request_timeout.count()) + " ms"
                : "malformed HTTP request: " + ec.message();
        refuse(fd, status, status == 408 ? "timeout" : "invalid", message, options_.server_name);
      }
      break;
    }
    auto request = parser.release();
    if (boost::beast::websocket::is_upgrade(request)) {
      try {
        (void)websocket_exec_request(std::string(request.target()));
      } catch (const HttpError& e) {
        refuse(fd, e.status(), e.code(), e.what(), options_.server_name);
        break;
      }
      detail::run_websocket_exec(fd, request, api_.pool(), stop_, options_.server_name);
      return;  // it closed fd
    }
    const HttpResponse response =
        api_.handle({std::string(request.method_string()), std::string(request.target()), std::move(request.body())});
    if (response.stream) {
      send_streamed(stream, response, request.version(), options_, stop_);
      break;
    }
    const bool keep_alive = request.keep_alive() && !stop_.load();
    auto res = to_beast(response, request.version(), keep_alive, options_.server_name);
    stream.set_deadline(detail::PollStream::Clock::now() + options_.request_timeout);
    http::write(stream, res, ec);
    if (ec || !keep_alive) break;
  }
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
}

}  // namespace moat::serve
