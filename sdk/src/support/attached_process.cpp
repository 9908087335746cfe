// Two threads, as with the engine's hijacked exec stream: this one reads
// the program's output (and watches its exit, the deadline and the caller),
// a pump thread pulls input events, which may block for their whole wait.
#include <moat/support/attached_process.hpp>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace moat::support {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kTick = std::chrono::milliseconds(100);
// After the program exits, how long a grandchild holding its output open is waited for.
constexpr auto kDrainGrace = std::chrono::milliseconds(200);
constexpr char kEndOfFile = 0x04;  // ^D, a terminal's VEOF by default

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// All of `data` to the non-blocking `fd`, waiting out a full buffer; false
// once the reading side is gone or the run is `done`.
bool write_all(int fd, std::string_view data, const std::atomic<bool>& done) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (done.load()) return false;
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, static_cast<int>(kTick.count()));
      continue;
    }
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void set_size(int terminal, std::uint32_t rows, std::uint32_t cols) {
  if (terminal < 0 || rows == 0 || cols == 0) return;
  winsize size{};
  size.ws_row = static_cast<unsigned short>(std::min<std::uint32_t>(rows, 0xffff));
  size.ws_col = static_cast<unsigned short>(std::min<std::uint32_t>(cols, 0xffff));
  ::ioctl(terminal, TIOCSWINSZ, &size);  // the kernel sends SIGWINCH to the foreground group
}

// Input events to the program until `done`: to the terminal, or to the
// stdin pipe, which an EOF closes.
void pump_input(const InputSource& input, Process& process, bool terminal, const std::atomic<bool>& done,
                std::atomic<bool>& stopped) {
  // A write to a pipe whose reader exited raises SIGPIPE in the writing
  // thread: blocked here, it becomes EPIPE instead of ending the host.
  sigset_t pipe_signal;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
  const int fd = terminal ? process.terminal_fd() : process.stdin_fd();
  bool open = fd >= 0;
  while (!done.load()) {
    InputEvent event;
    try {
      event = input(kTick);
    } catch (const std::exception&) {
      event.kind = InputEvent::Kind::stopped;
    }
    switch (event.kind) {
      case InputEvent::Kind::data:
        if (open && !write_all(fd, event.data, done)) open = false;
        break;
      case InputEvent::Kind::eof:
        if (open && terminal) {
          (void)write_all(fd, std::string_view(&kEndOfFile, 1), done);
        } else if (open) {
          process.close_stdin();
          open = false;
        }
        break;
      case InputEvent::Kind::resize:
        if (terminal) set_size(fd, event.rows, event.cols);
        break;
      case InputEvent::Kind::stopped:
        stopped = true;
        return;
      case InputEvent::Kind::none:
        break;
    }
  }
}

// Sets `done` and joins the pump however the run ends.
class PumpThread {
 public:
  PumpThread(const InputSource* input, Process& process, bool terminal, std::atomic<bool>& stopped) {
    if (input != nullptr)
      thread_ = std::thread(
          [this, input, &process, terminal, &stopped] { pump_input(*input, process, terminal, done_, stopped); });
  }
  ~PumpThread() { finish(); }
  PumpThread(const PumpThread&) = delete;
  PumpThread& operator=(const PumpThread&) = delete;
  void finish() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// The session of `leader`: every process whose stat names it (field 6).
std::vector<pid_t> session_members(pid_t leader) {
  std::vector<pid_t> members;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string line;
    if (!std::getline(in, line)) continue;
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 1));
    std::string state;
    long parent = 0;
    long group = 0;
    long session = 0;
    if ((rest >> state >> parent >> group >> session) && session == leader && state != "Z")
      members.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return members;
}

// The program's whole job. On a terminal that is its session: a shell's
// job control puts each job in a group of its own, and a background job
// would outlive the leader's group.
void kill_all(Process& process) {
  process.kill_group(SIGKILL);
  if (process.terminal_fd() < 0) return;
  for (int round = 0; round < 10; ++round) {
    const auto members = session_members(process.pid());
    bool others = false;
    for (const pid_t pid : members) {
      if (pid == process.pid()) continue;
      ::kill(pid, SIGKILL);
      others = true;
    }
    if (!others) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // what forked meanwhile, next round
  }
}

}  // namespace

AttachedResult run_attached(const AttachedRun& run, const InputSource* input, const OutputSink& sink) {
  SpawnOptions options = run.spawn;
  options.terminal = run.terminal;
  options.rows = run.rows;
  options.cols = run.cols;
  options.out = Output::pipe;
  options.err = Output::pipe;
  options.stdin_pipe = input != nullptr && !run.terminal;
  options.own_process_group = true;
  Process process(options);
  if (process.stdin_fd() >= 0) set_nonblocking(process.stdin_fd());

  AttachedResult result;
  std::atomic<bool> input_stopped{false};
  PumpThread pump(input, process, run.terminal, input_stopped);
  const auto deadline = run.timeout.count() > 0 ? Clock::now() + run.timeout : Clock::time_point::max();
  std::optional<Clock::time_point> drain_until;
  std::string chunk;
  // Not closed on its end of file: the pump may still be writing to it. The
  // Process closes it once the pump has finished.
  bool terminal_open = process.terminal_fd() >= 0;
  const auto end = [&](bool timed_out) {
    kill_all(process);
    process.reap();
    (timed_out ? result.timed_out : result.stopped) = true;
  };

  for (;;) {
    // Which descriptor carries which stream (1 stdout, 2 stderr).
    std::vector<std::pair<int, int>> outputs;
    if (terminal_open) outputs.emplace_back(process.terminal_fd(), 1);
    if (process.stdout_fd() >= 0) outputs.emplace_back(process.stdout_fd(), 1);
    if (process.stderr_fd() >= 0) outputs.emplace_back(process.stderr_fd(), 2);
    if (!process.reaped() && process.try_reap()) drain_until = Clock::now() + kDrainGrace;
    if (process.reaped() && (outputs.empty() || Clock::now() >= *drain_until)) break;
    if (!process.reaped()) {
      if (Clock::now() >= deadline) {
        end(true);
        break;
      }
      if (input_stopped.load() || (run.cancelled && run.cancelled())) {
        end(false);
        break;
      }
    }
    const auto wake = std::min(process.reaped() ? *drain_until : deadline, Clock::now() + kTick);
    const int wait_ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wake - Clock::now()).count()) + 1;
    std::vector<pollfd> fds;
    fds.reserve(outputs.size() + 1);
    for (const auto& [fd, stream] : outputs) fds.push_back({fd, POLLIN, 0});
    if (!process.reaped() && process.exit_fd() >= 0) fds.push_back({process.exit_fd(), POLLIN, 0});
    if (!process.reaped() && outputs.empty() && process.exit_fd() < 0) {
      ::usleep(10000);  // nothing to wake on: tick
      continue;
    }
    if (::poll(fds.data(), fds.size(), std::max(wait_ms, 0)) < 0 && errno != EINTR)
      throw moat::Error(MOAT_E_FAILED, std::string("poll: ") + std::strerror(errno));
    bool refused = false;
    for (std::size_t i = 0; i < outputs.size() && !refused; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const auto [fd, stream] = outputs[i];
      chunk.clear();
      if (fd == process.terminal_fd()) {
        std::array<char, 65536> buf{};
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n > 0) chunk.assign(buf.data(), static_cast<std::size_t>(n));
        // EIO: every holder of the terminal's other side is gone.
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) terminal_open = false;
      } else {
        (void)process.read_some(fd, chunk, 65536);
      }
      if (!chunk.empty() && !sink(stream, chunk)) refused = true;
    }
    if (refused) {
      if (!process.reaped()) end(false);
      result.stopped = true;
      break;
    }
  }
  pump.finish();
  if (!process.reaped()) process.reap();
  result.exit_code = exit_code_of(process.wait_status());
  return result;
}

}  // namespace moat::support
