#include "run_process.hpp"

#include <moat/support/process.hpp>

#include <array>
#include <cerrno>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <unistd.h>

extern char** environ;

namespace moat::test {
namespace {

std::vector<std::string> build_env(const RunOptions& o) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    const std::string key = kv.substr(0, kv.find('='));
    if (o.env.count(key) == 0) env.push_back(std::move(kv));
  }
  for (const auto& [k, v] : o.env)
    if (v) env.push_back(k + "=" + *v);
  return env;
}

// A pseudo-terminal for the child's stdout: the test reads the master.
struct Pty {
  int master = -1;
  int slave = -1;
  Pty() {
    if (::openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) throw std::runtime_error("openpty failed");
    ::fcntl(master, F_SETFD, FD_CLOEXEC);
  }
  ~Pty() {
    close_slave();
    if (master >= 0) ::close(master);
  }
  Pty(const Pty&) = delete;
  Pty& operator=(const Pty&) = delete;
  void close_slave() {
    if (slave >= 0) ::close(slave);
    slave = -1;
  }
};

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const RunOptions& options) {
  moat::support::SpawnOptions spawn;
  spawn.argv = argv;
  spawn.env = build_env(options);
  std::optional<Pty> pty;
  if (options.stdout_is_tty) {
    pty.emplace();
    spawn.out = moat::support::Output::fd;
    spawn.out_fd = pty->slave;
  } else if (options.stdout_fd >= 0) {
    spawn.out = moat::support::Output::fd;
    spawn.out_fd = options.stdout_fd;
  }
  spawn.stdin_pipe = options.stdin_data.has_value();
  moat::support::Process child(spawn);
  if (pty) pty->close_slave();
  if (options.stdin_data) {
    // Small inputs only: written whole before the output is read.
    std::string_view rest = *options.stdin_data;
    while (!rest.empty()) {
      const ssize_t n = ::write(child.stdin_fd(), rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    child.close_stdin();
  }
  if (options.on_started) options.on_started(child.pid());

  ProcessResult r;
  const std::size_t kNoLimit = std::string().max_size();  // not constexpr: clang 14 with libstdc++ 12 refuses it
  int tty = pty ? pty->master : -1;
  const auto deadline = std::chrono::steady_clock::now() + options.kill_after;
  while (child.stdout_fd() >= 0 || child.stderr_fd() >= 0 || tty >= 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      child.kill_group(SIGKILL);
      break;
    }
    std::array<pollfd, 3> fds{{{child.stdout_fd(), POLLIN, 0}, {child.stderr_fd(), POLLIN, 0}, {tty, POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), 1000) < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) child.read_some(fds[0].fd, r.out, kNoLimit);
    if (fds[1].revents != 0) child.read_some(fds[1].fd, r.err, kNoLimit);
    if (fds[2].revents != 0) {
      std::array<char, 65536> buf{};
      const ssize_t got = ::read(tty, buf.data(), buf.size());
      if (got > 0)
        r.out.append(buf.data(), static_cast<std::size_t>(got));
      else if (got == 0 || errno != EINTR)
        tty = -1;  // EOF, or EIO once the child closed its side
    }
  }
  child.reap();
  int sig = 0;
  const int code = moat::support::exit_code_of(child.wait_status(), &sig);
  r.signal = sig;
  r.exit_code = sig != 0 ? -1 : code;
  return r;
}

}  // namespace moat::test
