// A unix-socket server that answers the i-th request it receives with the
// i-th scripted reply, byte for byte, and then closes that connection; once
// the script is used up it closes without answering. Lets a fuzz target feed
// arbitrary engine answers to the real DockerClient (transport included).
// One connection at a time: the client under test makes one call at a time.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace moat::fuzz {

class ScriptedEngine {
 public:
  ScriptedEngine() {
    std::string pattern = (std::filesystem::temp_directory_path() / "moat-fuzz-engine-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::system_error(errno, std::generic_category(), "mkdtemp");
    dir_ = pattern;
    socket_path_ = (dir_ / "docker.sock").string();
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socket_path_.c_str(), sizeof(address.sun_path) - 1);
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listen_fd_, 16) != 0 || ::pipe2(stop_pipe_, O_CLOEXEC) != 0)
      throw std::system_error(errno, std::generic_category(), "scripted engine socket");
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedEngine() {
    (void)::write(stop_pipe_[1], "x", 1);
    thread_.join();
    ::close(listen_fd_);
    ::close(stop_pipe_[0]);
    ::close(stop_pipe_[1]);
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  ScriptedEngine(const ScriptedEngine&) = delete;
  ScriptedEngine& operator=(const ScriptedEngine&) = delete;

  [[nodiscard]] const std::string& socket_path() const { return socket_path_; }

  void script(std::vector<std::string> replies) {
    std::lock_guard lock(mutex_);
    replies_.assign(replies.begin(), replies.end());
  }

 private:
  void serve() {
    for (;;) {
      pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (fds[1].revents != 0) return;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      // A client that connects and never sends must not wedge the server.
      timeval limit{2, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
      if (read_request(fd)) {
        std::string reply;
        bool have = false;
        {
          std::lock_guard lock(mutex_);
          if (!replies_.empty()) {
            reply = std::move(replies_.front());
            replies_.pop_front();
            have = true;
          }
        }
        if (have) write_all(fd, reply);
      }
      ::close(fd);
    }
  }

  // Reads one request (head and Content-Length body) so that closing the
  // socket afterwards does not reset it under the client's feet.
  static bool read_request(int fd) {
    std::string data;
    char buffer[4096];
    std::size_t head_end = std::string::npos;
    while (head_end == std::string::npos) {
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) return false;
      data.append(buffer, static_cast<std::size_t>(n));
      head_end = data.find("\r\n\r\n");
    }
    std::string lower = data.substr(0, head_end);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::size_t length = 0;
    if (const auto at = lower.find("\r\ncontent-length:"); at != std::string::npos)
      length = std::strtoull(lower.c_str() + at + 17, nullptr, 10);
    while (data.size() < head_end + 4 + length) {
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) return false;
      data.append(buffer, static_cast<std::size_t>(n));
    }
    return true;
  }

  static void write_all(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // the client gave up; what it saw is what is being tested
      done += static_cast<std::size_t>(n);
    }
  }

  std::filesystem::path dir_;
  std::string socket_path_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::mutex mutex_;
  std::deque<std::string> replies_;
  std::thread thread_;
};

}  // namespace moat::fuzz
