#include "terminal_input.hpp"

#include <cerrno>
#include <string>

#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace moat::cli::commands {

RawTerminal::RawTerminal(int fd) : fd_(fd) {
  if (::tcgetattr(fd_, &saved_) != 0) return;
  termios raw = saved_;
  ::cfmakeraw(&raw);
  active_ = ::tcsetattr(fd_, TCSANOW, &raw) == 0;
}

RawTerminal::~RawTerminal() {
  if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
}

std::optional<std::pair<std::uint32_t, std::uint32_t>> terminal_size(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0) return std::nullopt;
  return std::make_pair(std::uint32_t{ws.ws_row}, std::uint32_t{ws.ws_col});
}

TerminalInput::TerminalInput(int stdin_fd, bool read_stdin, int tty_fd)
    : stdin_fd_(stdin_fd), reading_(read_stdin), tty_fd_(tty_fd) {
  if (tty_fd_ >= 0) size_ = terminal_size(tty_fd_);
}

InputSource TerminalInput::source() {
  return [this](std::chrono::milliseconds wait) { return next(wait); };
}

InputEvent TerminalInput::next(std::chrono::milliseconds wait) {
  InputEvent event;
  if (tty_fd_ >= 0) {
    const auto now = terminal_size(tty_fd_);
    if (now && now != size_) {
      size_ = now;
      event.kind = InputEvent::Kind::resize;
      event.rows = now->first;
      event.cols = now->second;
      return event;
    }
  }
  if (!reading_) {
    // Nothing more to read: wait as asked, so the caller does not spin.
    ::poll(nullptr, 0, static_cast<int>(wait.count()));
    return event;
  }
  pollfd p{stdin_fd_, POLLIN, 0};
  const int ready = ::poll(&p, 1, static_cast<int>(wait.count()));
  if (ready <= 0) return event;  // nothing yet (or EINTR: look again next time)
  std::string buffer(std::size_t{64} * 1024, '\0');
  const ssize_t n = ::read(stdin_fd_, buffer.data(), buffer.size());
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return event;
  if (n <= 0) {
    reading_ = false;
    event.kind = InputEvent::Kind::eof;
    return event;
  }
  buffer.resize(static_cast<std::size_t>(n));
  event.kind = InputEvent::Kind::data;
  event.data = std::move(buffer);
  return event;
}

}  // namespace moat::cli::commands
