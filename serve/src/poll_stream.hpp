// A blocking unix-socket stream for Beast's synchronous HTTP calls whose
// every wait has a deadline and, between requests, gives way to shutdown.
// Asio's own synchronous sockets wait forever (they poll again after a
// SO_RCVTIMEO expiry), which would let one slow client hold a thread for
// good.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace moat::serve::detail {

class PollStream {
 public:
  using Clock = std::chrono::steady_clock;

  PollStream(int fd, const std::atomic<bool>& stop) : fd_(fd), stop_(stop) {}

  // Reads and writes fail with timed_out after `deadline`.
  void set_deadline(Clock::time_point deadline) { deadline_ = deadline; }
  // While idle (waiting for a request to begin), a shutdown ends the wait
  // with operation_aborted; the first byte read ends idleness and moves the
  // deadline to `busy_timeout` from then: the whole request must come
  // within it.
  void set_idle(bool idle, std::chrono::milliseconds busy_timeout) {
    idle_ = idle;
    busy_timeout_ = busy_timeout;
  }
  [[nodiscard]] bool idle() const { return idle_; }
  [[nodiscard]] int native_handle() const { return fd_; }

  template <typename Buffers>
  std::size_t read_some(const Buffers& buffers, boost::system::error_code& ec) {
    auto b = first_buffer<boost::asio::mutable_buffer>(buffers);
    if (b.size() == 0) return ec = {}, 0;
    if (!wait(POLLIN, ec)) return 0;
    const ssize_t n = ::recv(fd_, b.data(), b.size(), 0);
    if (n < 0) return ec.assign(errno, boost::system::system_category()), 0;
    if (n == 0) return ec = boost::asio::error::eof, 0;
    if (idle_) deadline_ = Clock::now() + busy_timeout_;
    idle_ = false;
    ec = {};
    return static_cast<std::size_t>(n);
  }
  template <typename Buffers>
  std::size_t read_some(const Buffers& buffers) {
    return or_throw([&](boost::system::error_code& ec) { return read_some(buffers, ec); });
  }

  template <typename Buffers>
  std::size_t write_some(const Buffers& buffers, boost::system::error_code& ec) {
    auto b = first_buffer<boost::asio::const_buffer>(buffers);
    if (b.size() == 0) return ec = {}, 0;
    const bool was_idle = idle_;
    idle_ = false;  // a response is always finished
    const bool ready = wait(POLLOUT, ec);
    idle_ = was_idle;
    if (!ready) return 0;
    const ssize_t n = ::send(fd_, b.data(), b.size(), MSG_NOSIGNAL);
    if (n < 0) return ec.assign(errno, boost::system::system_category()), 0;
    ec = {};
    return static_cast<std::size_t>(n);
  }
  template <typename Buffers>
  std::size_t write_some(const Buffers& buffers) {
    return or_throw([&](boost::system::error_code& ec) { return write_some(buffers, ec); });
  }

 private:
  // The throwing form of an error_code call, as Beast's SyncStream concept
  // wants both.
  template <typename Call>
  static std::size_t or_throw(Call call) {
    boost::system::error_code ec;
    const std::size_t n = call(ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

  template <typename Buffer, typename Buffers>
  static Buffer first_buffer(const Buffers& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it)
      if (Buffer b(*it); b.size() != 0) return b;
    return Buffer();
  }

  // True when the socket is ready for `events`; false with ec set on
  // timeout, shutdown (while idle) or a poll error.
  bool wait(short events, boost::system::error_code& ec) {
    constexpr auto kSlice = std::chrono::milliseconds(200);
    for (;;) {
      if (idle_ && stop_.load()) return ec = boost::asio::error::operation_aborted, false;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
      if (left.count() <= 0) return ec = boost::asio::error::timed_out, false;
      pollfd p{fd_, events, 0};
      const int r = ::poll(&p, 1, static_cast<int>(std::min(left, kSlice).count()));
      if (r < 0 && errno != EINTR) return ec.assign(errno, boost::system::system_category()), false;
      if (r > 0) return ec = {}, true;  // readable, writable, or hung up: recv/send says which
    }
  }

  int fd_;
  const std::atomic<bool>& stop_;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool idle_ = true;
  std::chrono::milliseconds busy_timeout_{15000};
};

}  // namespace moat::serve::detail
