// What `moat sandbox exec -i` / `-it` reads: stdin as input events for an
// interactive exec (ABI 1.1), and with a terminal, the terminal in raw mode
// (every key, Ctrl-C included, goes to the command inside, as with docker
// exec -it) and its size, looked at on each wait, so a resize reaches the
// sandbox within a tenth of a second without a SIGWINCH handler.
#pragma once

#include <moat/model.hpp>

#include <cstdint>
#include <optional>

#include <termios.h>

namespace moat::cli::commands {

// The terminal on `fd` in raw mode while this lives; restored on every way
// out (a throw, the command's end).
class RawTerminal {
 public:
  explicit RawTerminal(int fd);
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

// rows x cols of the terminal on `fd`; nullopt when it is none.
std::optional<std::pair<std::uint32_t, std::uint32_t>> terminal_size(int fd);

class TerminalInput {
 public:
  // `read_stdin`: pass stdin on (-i); `tty_fd` >= 0: report that
  // terminal's size changes (-t).
  TerminalInput(int stdin_fd, bool read_stdin, int tty_fd);

  // The source the interactive exec pulls from. Not thread-safe: the plugin
  // calls it from one thread at a time.
  [[nodiscard]] InputSource source();

 private:
  InputEvent next(std::chrono::milliseconds wait);

  int stdin_fd_;
  bool reading_;  // false once stdin ended (or was never read)
  int tty_fd_;
  std::optional<std::pair<std::uint32_t, std::uint32_t>> size_;
};

}  // namespace moat::cli::commands
