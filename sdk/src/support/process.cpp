// posix_spawn rather than fork: it is vfork-fast even from a large process,
// and reports exec failures (ENOENT, EACCES) as a return value instead of a
// child that exits 127 with no explanation.
#include <moat/support/process.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

extern char** environ;

namespace moat::support {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail_errno(const std::string& what, int err) {
  throw moat::Error(MOAT_E_FAILED, what + ": " + std::strerror(err));
}

void check(int rc, const char* what) {
  if (rc != 0) fail_errno(what, rc);
}

// Closes on scope exit; release() hands the descriptor over.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd& operator=(Fd&&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

struct Pipe {
  Fd read;
  Fd write;
};

Pipe make_pipe() {
  // O_CLOEXEC: a sibling started at the same time must not inherit this
  // pipe, or its end of file would wait for the sibling too.
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) fail_errno("pipe2", errno);
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

// RAII for the spawn attribute and file-action objects.
struct SpawnSetup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attr{};
  SpawnSetup() {
    check(posix_spawn_file_actions_init(&actions), "posix_spawn_file_actions_init");
    if (int rc = posix_spawnattr_init(&attr); rc != 0) {
      posix_spawn_file_actions_destroy(&actions);
      fail_errno("posix_spawnattr_init", rc);
    }
  }
  ~SpawnSetup() {
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

// pidfd lets poll() wake when the child exits even if a grandchild keeps the
// pipes open. Not every kernel has it; -1 means "fall back to ticking".
int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) {
    ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    return static_cast<int>(fd);
  }
#endif
  return -1;
}

void connect_output(SpawnSetup& setup, Output how, int target, const std::filesystem::path& log, Pipe* pipe, int fd) {
  switch (how) {
    case Output::pipe:
      check(posix_spawn_file_actions_adddup2(&setup.actions, pipe->write.get(), target),
            "posix_spawn_file_actions_adddup2");
      break;
    case Output::null:
      check(posix_spawn_file_actions_addopen(&setup.actions, target, "/dev/null", O_WRONLY, 0),
            "posix_spawn_file_actions_addopen");
      break;
    case Output::log_file:
      check(posix_spawn_file_actions_addopen(&setup.actions, target, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644),
            "posix_spawn_file_actions_addopen");
      break;
    case Output::fd:
      if (fd < 0) throw moat::Error(MOAT_E_INVALID, "cannot start a process: Output::fd without a descriptor");
      check(posix_spawn_file_actions_adddup2(&setup.actions, fd, target), "posix_spawn_file_actions_adddup2");
      break;
    case Output::inherit:
      break;
  }
}

// A new pty: its master (non-blocking, close-on-exec) and the slave's path.
// The slave is opened by the child itself, after setsid, so that it becomes
// the child's controlling terminal.
std::pair<Fd, std::string> open_terminal(unsigned short rows, unsigned short cols) {
  Fd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (master.get() < 0) fail_errno("posix_openpt", errno);
  if (::grantpt(master.get()) != 0) fail_errno("grantpt", errno);
  if (::unlockpt(master.get()) != 0) fail_errno("unlockpt", errno);
  std::array<char, 128> name{};
  if (int rc = ::ptsname_r(master.get(), name.data(), name.size()); rc != 0) fail_errno("ptsname_r", rc);
  if (rows != 0 && cols != 0) {
    winsize size{};
    size.ws_row = rows;
    size.ws_col = cols;
    ::ioctl(master.get(), TIOCSWINSZ, &size);
  }
  ::fcntl(master.get(), F_SETFL, ::fcntl(master.get(), F_GETFL) | O_NONBLOCK);
  return {std::move(master), std::string(name.data())};
}

}  // namespace

int exit_code_of(int wait_status, int* term_signal) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) {
    if (term_signal != nullptr) *term_signal = WTERMSIG(wait_status);
    return 128 + WTERMSIG(wait_status);
  }
  return -1;
}

std::optional<std::pair<std::string, std::string>> stat_comm_starttime(const std::string& stat_line) {
  const auto open = stat_line.find('(');
  const auto close = stat_line.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return std::nullopt;
  const std::string comm = stat_line.substr(open + 1, close - open - 1);
  std::istringstream rest(stat_line.substr(close + 1));
  std::string field;
  // After "(comm)" come fields 3 (state) onwards; starttime is field 22.
  for (int i = 3; i <= 22; ++i)
    if (!(rest >> field)) return std::nullopt;
  return std::make_pair(comm, field);
}

std::optional<std::string> process_start_time(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  auto parsed = stat_comm_starttime(line);
  if (!parsed) return std::nullopt;
  return parsed->second;
}

std::optional<std::string> find_in_path(const std::string& name, const char* path_value) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), X_OK) == 0) return name;
    return std::nullopt;
  }
  const char* path = path_value != nullptr ? path_value : std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  std::stringstream ss(dirs);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) dir = ".";
    std::string candidate = dir;
    candidate.append("/").append(name);
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return std::nullopt;
}

// ---- Process ---------------------------------------------------------------

Process::Process(const SpawnOptions& options) : own_group_(options.own_process_group) {
  if (options.argv.empty() || options.argv.front().empty())
    throw moat::Error(MOAT_E_INVALID, "cannot start a process: argv is empty");

  std::optional<Pipe> out_pipe;
  std::optional<Pipe> err_pipe;
  std::optional<Pipe> in_pipe;
  std::optional<std::pair<Fd, std::string>> terminal;
  if (options.terminal) {
    terminal.emplace(open_terminal(options.rows, options.cols));
  } else {
    if (options.out == Output::pipe) out_pipe.emplace(make_pipe());
    if (options.err == Output::pipe) err_pipe.emplace(make_pipe());
    if (options.stdin_pipe) in_pipe.emplace(make_pipe());
  }

  SpawnSetup setup;
  if (terminal) {
    // After the child's setsid (posix_spawn runs it before the file
    // actions), opening the slave makes it the controlling terminal.
    check(posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, terminal->second.c_str(), O_RDWR, 0),
          "posix_spawn_file_actions_addopen");
    for (int target : {STDOUT_FILENO, STDERR_FILENO})
      check(posix_spawn_file_actions_adddup2(&setup.actions, STDIN_FILENO, target), "posix_spawn_file_actions_adddup2");
  } else if (in_pipe)
    check(posix_spawn_file_actions_adddup2(&setup.actions, in_pipe->read.get(), STDIN_FILENO),
          "posix_spawn_file_actions_adddup2");
  else
    check(posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0),
          "posix_spawn_file_actions_addopen");
  if (!terminal) {  // else stdout and stderr are the terminal already
    connect_output(setup, options.out, STDOUT_FILENO, options.log, out_pipe ? &*out_pipe : nullptr, options.out_fd);
    if (options.err == Output::log_file && options.out == Output::log_file) {
      // One open file description: the two streams interleave in order.
      check(posix_spawn_file_actions_adddup2(&setup.actions, STDOUT_FILENO, STDERR_FILENO),
            "posix_spawn_file_actions_adddup2");
    } else {
      connect_output(setup, options.err, STDERR_FILENO, options.log, err_pipe ? &*err_pipe : nullptr, options.err_fd);
    }
  }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  // Descriptors the caller forgot to mark close-on-exec must not leak into the program.
  check(posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3), "posix_spawn_file_actions_addclosefrom_np");
#endif
  if (!options.cwd.empty())
    check(posix_spawn_file_actions_addchdir_np(&setup.actions, options.cwd.c_str()),
          "posix_spawn_file_actions_addchdir_np");

  // Default dispositions and an empty mask, whatever the host set: a signal
  // the host ignores (SIGPIPE, say) would otherwise stay ignored across exec.
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2}) sigaddset(&defaults, sig);
  sigset_t empty;
  sigemptyset(&empty);
  short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  // A session of its own for a terminal (its leader leads a group too, so
  // kill_group reaches it the same way).
  if (terminal) own_group_ = true;
  if (terminal)
    flags |= POSIX_SPAWN_SETSID;
  else if (own_group_)
    flags |= POSIX_SPAWN_SETPGROUP;
  check(posix_spawnattr_setflags(&setup.attr, flags), "posix_spawnattr_setflags");
  if (own_group_ && !terminal) check(posix_spawnattr_setpgroup(&setup.attr, 0), "posix_spawnattr_setpgroup");
  check(posix_spawnattr_setsigdefault(&setup.attr, &defaults), "posix_spawnattr_setsigdefault");
  check(posix_spawnattr_setsigmask(&setup.attr, &empty), "posix_spawnattr_setsigmask");

  std::vector<char*> argv;
  argv.reserve(options.argv.size() + 1);
  for (const auto& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  if (options.env) {
    envp.reserve(options.env->size() + 1);
    for (const auto& e : *options.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
  }

  pid_t pid = -1;
  const int rc =
      ::posix_spawnp(&pid, argv[0], &setup.actions, &setup.attr, argv.data(), options.env ? envp.data() : environ);
  if (rc != 0) {
    std::string why = std::strerror(rc);
    if (!options.cwd.empty() && ::access(options.cwd.c_str(), X_OK) != 0)
      why = "cannot enter working directory " + options.cwd + ": " + std::strerror(errno);
    throw SpawnError("cannot run " + options.argv.front() + ": " + why, rc);
  }
  pid_ = pid;
  pidfd_ = open_pidfd(pid);
  if (out_pipe) out_ = out_pipe->read.release();
  if (err_pipe) err_ = err_pipe->read.release();
  if (in_pipe) in_ = in_pipe->write.release();
  if (terminal) pty_ = terminal->first.release();
}

Process::~Process() {
  if (pid_ > 0 && !reaped_) {
    kill_group(SIGKILL);
    reap();
  }
  close_fds();
}

Process::Process(Process&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      in_(std::exchange(o.in_, -1)),
      out_(std::exchange(o.out_, -1)),
      err_(std::exchange(o.err_, -1)),
      pidfd_(std::exchange(o.pidfd_, -1)),
      pty_(std::exchange(o.pty_, -1)),
      own_group_(o.own_group_),
      reaped_(o.reaped_),
      status_(o.status_),
      usage_(o.usage_) {}

Process& Process::operator=(Process&& o) noexcept {
  if (this == &o) return *this;
  if (pid_ > 0 && !reaped_) {
    kill_group(SIGKILL);
    reap();
  }
  close_fds();
  pid_ = std::exchange(o.pid_, -1);
  in_ = std::exchange(o.in_, -1);
  out_ = std::exchange(o.out_, -1);
  err_ = std::exchange(o.err_, -1);
  pidfd_ = std::exchange(o.pidfd_, -1);
  pty_ = std::exchange(o.pty_, -1);
  own_group_ = o.own_group_;
  reaped_ = o.reaped_;
  status_ = o.status_;
  usage_ = o.usage_;
  return *this;
}

void Process::close_stdin() {
  if (in_ >= 0) ::close(in_);
  in_ = -1;
}

void Process::close_fds() {
  for (int* fd : {&in_, &out_, &err_, &pidfd_, &pty_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

bool Process::read_some(int fd, std::string& sink, std::size_t limit, Keep keep, bool* truncated) {
  std::array<char, 65536> buf{};
  ssize_t n = -1;
  do {
    n = ::read(fd, buf.data(), buf.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EAGAIN) return true;
  if (n <= 0) {
    if (fd == out_) out_ = (::close(out_), -1);
    if (fd == err_) err_ = (::close(err_), -1);
    return false;
  }
  const auto got = static_cast<std::size_t>(n);
  if (keep == Keep::tail) {
    // Past the limit, keep the tail: the last lines say the most.
    sink.append(buf.data(), got);
    if (sink.size() > limit) {
      sink.erase(0, sink.size() - limit);
      if (truncated != nullptr) *truncated = true;
    }
  } else {
    const std::size_t room = limit > sink.size() ? limit - sink.size() : 0;
    const std::size_t take = std::min(room, got);
    sink.append(buf.data(), take);
    if (take < got && truncated != nullptr) *truncated = true;
  }
  return true;
}

bool Process::try_reap() {
  if (reaped_ || pid_ <= 0) return true;
  int status = 0;
  pid_t r = -1;
  do {
    r = ::wait4(pid_, &status, WNOHANG, &usage_);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    reaped_ = true;
    status_ = status;
  }
  return reaped_;
}

bool Process::has_exited() const {
  if (reaped_ || pid_ <= 0) return true;
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) return false;
  return info.si_pid == pid_;
}

void Process::reap() {
  if (reaped_ || pid_ <= 0) return;
  int status = 0;
  pid_t r = -1;
  do {
    r = ::wait4(pid_, &status, 0, &usage_);
  } while (r < 0 && errno == EINTR);
  reaped_ = true;
  status_ = status;
}

void Process::kill_group(int sig) {
  if (pid_ <= 0 || reaped_) return;
  // The group id is the child's pid (setpgroup 0); fall back to the child
  // alone should the group already be gone.
  if (!own_group_ || ::kill(-pid_, sig) != 0) ::kill(pid_, sig);
}

// ---- run_process -------------------------------------------------------------

ProcessResult run_process(const ProcessRequest& request) {
  if (request.argv.empty() || request.argv.front().empty())
    throw moat::Error(MOAT_E_INVALID, "run_process: argv is empty");

  ProcessResult result;
  const auto started = Clock::now();
  const auto elapsed_ms = [&] { return std::chrono::duration<double, std::milli>(Clock::now() - started).count(); };

  SpawnOptions options;
  options.argv = request.argv;
  options.env = request.env;
  options.cwd = request.cwd;
  std::optional<Process> child;
  try {
    child.emplace(options);
  } catch (const SpawnError& e) {
    result.spawn_failed = true;
    result.exit_code = 127;
    const std::string prefix = "cannot run " + request.argv.front() + ": ";
    const std::string what = e.what();
    result.spawn_error = what.starts_with(prefix) ? what.substr(prefix.size()) : what;
    result.duration_ms = elapsed_ms();
    return result;
  }
  Process& p = *child;

  const bool has_deadline = request.timeout.count() > 0;
  const auto deadline = started + request.timeout;
  // After the program exits, a grandchild may still hold the pipes; read what
  // is there for a short grace period rather than hanging on it.
  std::optional<Clock::time_point> drain_until;
  const auto ms_until = [](Clock::time_point t) {
    return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(t - Clock::now()).count()) + 1;
  };

  while (p.stdout_fd() >= 0 || p.stderr_fd() >= 0 || !p.reaped()) {
    if (!p.reaped() && p.try_reap()) drain_until = Clock::now() + std::chrono::milliseconds(200);
    if (p.reaped() && (p.stdout_fd() < 0 && p.stderr_fd() < 0)) break;
    if (p.reaped() && Clock::now() >= drain_until.value_or(Clock::now())) break;
    if (!p.reaped() && has_deadline && Clock::now() >= deadline) {
      p.kill_group(SIGKILL);
      p.reap();
      result.timed_out = true;
      break;
    }

    int wait_ms = -1;
    if (!p.reaped() && has_deadline) wait_ms = ms_until(deadline);
    if (p.reaped()) wait_ms = ms_until(drain_until.value_or(Clock::now()));
    // Without a pidfd, nothing wakes poll() when the child exits with a
    // grandchild holding the pipes: tick.
    if (!p.reaped() && p.exit_fd() < 0) wait_ms = wait_ms < 0 ? 10 : std::min(wait_ms, 10);
    if (!p.reaped() && p.stdout_fd() < 0 && p.stderr_fd() < 0 && !has_deadline) {
      p.reap();  // both pipes closed: only the exit is left to wait for
      continue;
    }

    std::array<pollfd, 3> fds{};
    nfds_t n = 0;
    for (int fd : {p.stdout_fd(), p.stderr_fd()})
      if (fd >= 0) fds[n++] = {fd, POLLIN, 0};
    if (!p.reaped() && p.exit_fd() >= 0) fds[n++] = {p.exit_fd(), POLLIN, 0};
    const int ready = ::poll(fds.data(), n, wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      fail_errno("poll", errno);  // ~Process kills the group
    }
    for (nfds_t i = 0; i < n; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      if (fds[i].fd == p.stdout_fd())
        p.read_some(fds[i].fd, result.stdout_data, request.max_output, Process::Keep::head, &result.truncated);
      else if (fds[i].fd == p.stderr_fd())
        p.read_some(fds[i].fd, result.stderr_data, request.max_output, Process::Keep::head, &result.truncated);
    }
  }
  if (!p.reaped()) p.reap();
  result.exit_code = exit_code_of(p.wait_status(), &result.term_signal);
  result.duration_ms = elapsed_ms();
  return result;
}

}  // namespace moat::support
