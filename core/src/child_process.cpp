#include <moat/core/child_process.hpp>

#include <moat/error.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

extern char** environ;

namespace moat::core {

namespace {

// Closes on scope exit; release() hands the descriptor over.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
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
  // O_CLOEXEC: a sibling examined at the same time must not inherit this
  // pipe, or its end of file would wait for the sibling too.
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    throw Error(MOAT_E_INTERNAL, fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  }
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

class SpawnActions {
 public:
  SpawnActions() { ::posix_spawn_file_actions_init(&a_); }
  ~SpawnActions() { ::posix_spawn_file_actions_destroy(&a_); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  posix_spawn_file_actions_t* get() { return &a_; }

 private:
  posix_spawn_file_actions_t a_{};
};

class SpawnAttr {
 public:
  SpawnAttr() { ::posix_spawnattr_init(&a_); }
  ~SpawnAttr() { ::posix_spawnattr_destroy(&a_); }
  SpawnAttr(const SpawnAttr&) = delete;
  SpawnAttr& operator=(const SpawnAttr&) = delete;
  posix_spawnattr_t* get() { return &a_; }

 private:
  posix_spawnattr_t a_{};
};

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv) {
  if (argv.empty()) throw Error(MOAT_E_INTERNAL, "ChildProcess: empty argv");
  Pipe out = make_pipe();
  Pipe err = make_pipe();

  SpawnActions actions;
  ::posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(actions.get(), out.write.get(), STDOUT_FILENO);
  ::posix_spawn_file_actions_adddup2(actions.get(), err.write.get(), STDERR_FILENO);

  SpawnAttr attr;
  sigset_t none;
  sigemptyset(&none);
  // Signals the host ignores (SIGPIPE, say) would stay ignored across exec.
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) sigaddset(&defaults, sig);
  ::posix_spawnattr_setsigmask(attr.get(), &none);
  ::posix_spawnattr_setsigdefault(attr.get(), &defaults);
  ::posix_spawnattr_setpgroup(attr.get(), 0);
  ::posix_spawnattr_setflags(attr.get(), POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argv.front().c_str(), actions.get(), attr.get(), args.data(), environ);
  if (rc != 0) {
    throw Error(MOAT_E_INTERNAL, fmt::format("cannot run {}: {}", argv.front(), std::strerror(rc)));
  }
  pid_ = pid;
  out_ = out.read.release();
  err_ = err.read.release();
}

ChildProcess::~ChildProcess() {
  if (!reaped_ && pid_ > 0) {
    kill_group();
    reap();
  }
  close_fd(out_);
  close_fd(err_);
}

void ChildProcess::close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

bool ChildProcess::read_some(int fd, std::string& sink, size_t limit) {
  std::array<char, 4096> buf{};
  ssize_t n = -1;
  do {
    n = ::read(fd, buf.data(), buf.size());
  } while (n < 0 && errno == EINTR);
  if (n <= 0) {
    if (fd == out_) close_fd(out_);
    if (fd == err_) close_fd(err_);
    return false;
  }
  // Past the limit, keep the tail: the last lines say the most.
  sink.append(buf.data(), static_cast<size_t>(n));
  if (sink.size() > limit) sink.erase(0, sink.size() - limit);
  return true;
}

bool ChildProcess::try_reap() {
  if (reaped_) return true;
  int status = 0;
  pid_t r = -1;
  do {
    r = ::waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    reaped_ = true;
    status_ = status;
  }
  return reaped_;
}

bool ChildProcess::has_exited() const {
  if (reaped_) return true;
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) return false;
  return info.si_pid == pid_;
}

void ChildProcess::reap() {
  if (reaped_) return;
  int status = 0;
  pid_t r = -1;
  do {
    r = ::waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  reaped_ = true;
  status_ = status;
}

void ChildProcess::kill_group() {
  if (pid_ > 0 && !reaped_) {
    // The group id is the child's pid (setpgroup 0); fall back to the child
    // alone should the group already be gone.
    if (::kill(-pid_, SIGKILL) != 0) ::kill(pid_, SIGKILL);
  }
}

}  // namespace moat::core
