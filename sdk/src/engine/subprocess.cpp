// posix_spawn rather than fork: it is vfork-fast even from a large process,
// and reports exec failures (ENOENT, EACCES) as a return value instead of a
// child that exits 127 with no explanation.
#include <moat/engine/subprocess.hpp>

#include <moat/error.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <utility>

extern char** environ;

namespace moat::engine {
namespace {

using Clock = std::chrono::steady_clock;

// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

std::string errno_text(int err) { return std::strerror(err); }

[[noreturn]] void fail_errno(const std::string& what, int err) {
  throw moat::Error(MOAT_E_FAILED, what + ": " + errno_text(err));
}

std::pair<Fd, Fd> make_pipe() {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) fail_errno("pipe2", errno);
  return {Fd(fds[0]), Fd(fds[1])};
}

// RAII for the spawn attribute/file-action objects.
struct SpawnSetup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attr{};
  SpawnSetup() {
    if (int rc = posix_spawn_file_actions_init(&actions); rc != 0) fail_errno("posix_spawn_file_actions_init", rc);
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

void check(int rc, const char* what) {
  if (rc != 0) fail_errno(what, rc);
}

// pidfd lets poll() wake when the child exits even if a grandchild keeps the
// pipes open. Not every kernel has it; -1 means "fall back to ticking".
Fd open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) return Fd(static_cast<int>(fd));
#endif
  return Fd();
}

int decode_status(int status, int& term_signal) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    term_signal = WTERMSIG(status);
    return 128 + term_signal;
  }
  return -1;
}

}  // namespace

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
    std::string candidate = dir + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return std::nullopt;
}

ProcessResult run_process(const ProcessRequest& request) {
  if (request.argv.empty() || request.argv.front().empty())
    throw moat::Error(MOAT_E_INVALID, "run_process: argv is empty");

  ProcessResult result;
  const auto started = Clock::now();

  auto [out_r, out_w] = make_pipe();
  auto [err_r, err_w] = make_pipe();

  SpawnSetup setup;
  check(posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0),
        "posix_spawn_file_actions_addopen");
  check(posix_spawn_file_actions_adddup2(&setup.actions, out_w.get(), STDOUT_FILENO),
        "posix_spawn_file_actions_adddup2");
  check(posix_spawn_file_actions_adddup2(&setup.actions, err_w.get(), STDERR_FILENO),
        "posix_spawn_file_actions_adddup2");
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  // Descriptors the caller forgot to mark close-on-exec must not leak into the program.
  check(posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3), "posix_spawn_file_actions_addclosefrom_np");
#endif
  if (!request.cwd.empty())
    check(posix_spawn_file_actions_addchdir_np(&setup.actions, request.cwd.c_str()),
          "posix_spawn_file_actions_addchdir_np");

  // Own process group, so a timeout can kill everything the program started;
  // default signal dispositions and an empty mask, whatever the host set.
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2}) sigaddset(&defaults, sig);
  sigset_t empty;
  sigemptyset(&empty);
  check(posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK),
        "posix_spawnattr_setflags");
  check(posix_spawnattr_setpgroup(&setup.attr, 0), "posix_spawnattr_setpgroup");
  check(posix_spawnattr_setsigdefault(&setup.attr, &defaults), "posix_spawnattr_setsigdefault");
  check(posix_spawnattr_setsigmask(&setup.attr, &empty), "posix_spawnattr_setsigmask");

  std::vector<char*> argv;
  argv.reserve(request.argv.size() + 1);
  for (const auto& a : request.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  if (request.env) {
    envp.reserve(request.env->size() + 1);
    for (const auto& e : *request.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
  }

  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, argv[0], &setup.actions, &setup.attr, argv.data(), request.env ? envp.data() : environ);
  if (rc != 0) {
    result.spawn_failed = true;
    result.spawn_error = errno_text(rc);
    result.exit_code = 127;
    if (!request.cwd.empty() && ::access(request.cwd.c_str(), X_OK) != 0)
      result.spawn_error = "cannot enter working directory " + request.cwd + ": " + errno_text(errno);
    result.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    return result;
  }
  out_w.reset();
  err_w.reset();

  Fd pidfd = open_pidfd(pid);
  const bool has_deadline = request.timeout.count() > 0;
  const auto deadline = started + request.timeout;
  bool exited = false;
  int status = 0;
  // After the program exits, a grandchild may still hold the pipes; read what
  // is there for a short grace period rather than hanging on it.
  std::optional<Clock::time_point> drain_until;

  auto try_reap = [&] {
    if (exited) return;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      exited = true;
      drain_until = Clock::now() + std::chrono::milliseconds(200);
    }
  };

  std::array<char, 65536> buf{};
  while (out_r.valid() || err_r.valid() || !exited) {
    if (exited && drain_until && Clock::now() >= *drain_until) break;
    int wait_ms = -1;
    auto now = Clock::now();
    if (has_deadline && !exited) {
      if (now >= deadline) {
        ::kill(-pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        exited = true;
        result.timed_out = true;
        break;
      }
      wait_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count()) + 1;
    }
    if (exited && drain_until) {
      int left =
          static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(*drain_until - now).count()) + 1;
      wait_ms = wait_ms < 0 ? left : std::min(wait_ms, left);
    }
    if (!exited && !pidfd.valid()) wait_ms = wait_ms < 0 ? 10 : std::min(wait_ms, 10);

    std::array<pollfd, 3> fds{};
    nfds_t n = 0;
    int out_idx = -1, err_idx = -1, pid_idx = -1;
    if (out_r.valid()) {
      out_idx = static_cast<int>(n);
      fds[n++] = {out_r.get(), POLLIN, 0};
    }
    if (err_r.valid()) {
      err_idx = static_cast<int>(n);
      fds[n++] = {err_r.get(), POLLIN, 0};
    }
    if (!exited && pidfd.valid()) {
      pid_idx = static_cast<int>(n);
      fds[n++] = {pidfd.get(), POLLIN, 0};
    }
    int ready = ::poll(fds.data(), n, wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      fail_errno("poll", err);
    }
    auto drain = [&](int idx, Fd& fd, std::string& sink) {
      if (idx < 0 || (fds[idx].revents & (POLLIN | POLLHUP | POLLERR)) == 0) return;
      ssize_t got = ::read(fd.get(), buf.data(), buf.size());
      if (got > 0) {
        std::size_t room = request.max_output > sink.size() ? request.max_output - sink.size() : 0;
        std::size_t take = std::min(room, static_cast<std::size_t>(got));
        sink.append(buf.data(), take);
        if (take < static_cast<std::size_t>(got)) result.truncated = true;
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        fd.reset();
      }
    };
    drain(out_idx, out_r, result.stdout_data);
    drain(err_idx, err_r, result.stderr_data);
    if (pid_idx >= 0 && (fds[pid_idx].revents & POLLIN) != 0) try_reap();
    if (!pidfd.valid() || (!out_r.valid() && !err_r.valid())) try_reap();
    if (!exited && !out_r.valid() && !err_r.valid()) {
      // Both pipes closed: only the exit is left to wait for.
      if (!has_deadline) {
        ::waitpid(pid, &status, 0);
        exited = true;
      }
    }
  }
  if (!exited) {
    ::waitpid(pid, &status, 0);
  }
  result.exit_code = decode_status(status, result.term_signal);
  result.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  return result;
}

}  // namespace moat::engine
