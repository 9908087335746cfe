#include "fake_engine.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace moat::engine::testing {

namespace {

void write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // the client went away; the test will say what it saw
    }
    done += static_cast<std::size_t>(n);
  }
}

std::size_t content_length(const std::string& head) {
  std::string lower = head;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto at = lower.find("\r\ncontent-length:");
  if (at == std::string::npos) return 0;
  return std::strtoull(lower.c_str() + at + 17, nullptr, 10);
}

}  // namespace

FakeEngine::FakeEngine(Handler handler) : handler_(std::move(handler)) {
  std::string pattern = (std::filesystem::temp_directory_path() / "moat-fake-engine-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::system_error(errno, std::generic_category(), "mkdtemp");
  dir_ = pattern;
  socket_path_ = dir_ / "docker.sock";
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path_.c_str(), sizeof(address.sun_path) - 1);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listen_fd_, 16) != 0 ||
      ::pipe(stop_pipe_) != 0) {
    throw std::system_error(errno, std::generic_category(), "fake engine socket");
  }
  acceptor_ = std::thread([this] { accept_loop(); });
}

FakeEngine::~FakeEngine() {
  stopping_ = true;
  (void)::write(stop_pipe_[1], "x", 1);
  acceptor_.join();
  {
    std::lock_guard lock(mutex_);
    for (int fd : client_fds_) ::shutdown(fd, SHUT_RDWR);  // unblocks hanging servers
  }
  for (auto& thread : threads_) thread.join();
  for (int fd : client_fds_) ::close(fd);
  ::close(listen_fd_);
  ::close(stop_pipe_[0]);
  ::close(stop_pipe_[1]);
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::vector<FakeRequest> FakeEngine::requests() {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::string FakeEngine::response(int status, const std::string& body, const std::vector<std::string>& extra_headers) {
  std::string text = "HTTP/1.1 " + std::to_string(status) + " Fake\r\nApi-Version: 1.41\r\n";
  bool chunked = false;
  for (const auto& header : extra_headers) {
    text += header + "\r\n";
    if (header == "Transfer-Encoding: chunked") chunked = true;
  }
  if (!chunked) text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return text + "\r\n" + body;
}

std::string FakeEngine::chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

void FakeEngine::accept_loop() {
  for (int index = 0;; ++index) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno == EINTR) continue;
    if (stopping_ || (fds[1].revents & POLLIN) != 0) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    std::lock_guard lock(mutex_);
    client_fds_.push_back(fd);
    threads_.emplace_back([this, fd, index] { serve(fd, index); });
  }
}

void FakeEngine::serve(int fd, int index) {
  std::string buffer;
  char chunk_buffer[65536];
  for (;;) {
    std::size_t head_end;
    while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = ::recv(fd, chunk_buffer, sizeof chunk_buffer, 0);
      if (n <= 0) return;
      buffer.append(chunk_buffer, static_cast<std::size_t>(n));
    }
    FakeRequest request;
    request.head = buffer.substr(0, head_end + 2);
    request.connection = index;
    const auto space = request.head.find(' ');
    request.method = request.head.substr(0, space);
    request.target = request.head.substr(space + 1, request.head.find(' ', space + 1) - space - 1);
    const std::size_t length = content_length(request.head);
    buffer.erase(0, head_end + 4);
    while (buffer.size() < length) {
      const ssize_t n = ::recv(fd, chunk_buffer, sizeof chunk_buffer, 0);
      if (n <= 0) return;
      buffer.append(chunk_buffer, static_cast<std::size_t>(n));
    }
    request.body = buffer.substr(0, length);
    buffer.erase(0, length);
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
    }
    const FakeReply reply = handler_(request);
    if (reply.hang) {
      while (::recv(fd, chunk_buffer, sizeof chunk_buffer, 0) > 0) {
      }
      return;
    }
    for (std::size_t i = 0; i < reply.pieces.size(); ++i) {
      if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      write_all(fd, reply.pieces[i]);
    }
    if (reply.close_after) {
      ::shutdown(fd, SHUT_RDWR);
      return;
    }
  }
}

}  // namespace moat::engine::testing
