// A scripted HTTP server on a unix socket, for the protocol edges a healthy
// local engine never produces: API versions outside moat's range, in-band
// import errors, connections dropped while idle, answers that never come,
// systemerr frames. The engine itself is tested for real in
// test_docker_client.cpp; this only plays the wire.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace moat::engine::testing {

struct FakeRequest {
  std::string method;
  std::string target;
  std::string head;  // request line and headers, as received
  std::string body;
  int connection = 0;  // 0-based index of the connection it came on
};

struct FakeReply {
  // Written in order with a short pause between them, so the client sees
  // them in separate reads.
  std::vector<std::string> pieces;
  bool close_after = false;  // close the connection once written
  bool hang = false;         // write nothing and keep the connection open
};

class FakeEngine {
 public:
  using Handler = std::function<FakeReply(const FakeRequest&)>;
  explicit FakeEngine(Handler handler);
  ~FakeEngine();
  FakeEngine(const FakeEngine&) = delete;
  FakeEngine& operator=(const FakeEngine&) = delete;

  [[nodiscard]] std::string socket_path() const { return socket_path_.string(); }
  [[nodiscard]] std::vector<FakeRequest> requests();
  [[nodiscard]] int connections() const { return connections_; }

  // Helpers for replies.
  static std::string response(int status, const std::string& body, const std::vector<std::string>& extra_headers = {});
  static std::string chunk(const std::string& data);  // one chunk of a chunked body

 private:
  void accept_loop();
  void serve(int fd, int index);

  Handler handler_;
  std::filesystem::path dir_;
  std::filesystem::path socket_path_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::mutex mutex_;
  std::vector<FakeRequest> requests_;
  std::vector<int> client_fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace moat::engine::testing
