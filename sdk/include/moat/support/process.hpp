// Running host programs: the one place moat starts a process. Always from an
// argv array (never a shell string), with stdin from /dev/null, default signal
// dispositions whatever the host set, and (by default) a process group of its
// own, so a deadline or Ctrl-C can kill whatever the program started too.
//
// Two levels:
//   Process      one running child, RAII: its pipes or log file, reaping and
//                group kill. For callers that multiplex several children
//                (the plugin examiner) or wait in their own loop (image builds).
//   run_process  runs a program to completion with a deadline and its output
//                captured up to a cap (probes, the host plugin's exec, tests).
#pragma once

#include <moat/error.hpp>

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace moat::support {

// Where a child's stdout or stderr goes.
enum class Output {
  pipe,      // a pipe this process reads (Process::stdout_fd / stderr_fd)
  null,      // /dev/null
  log_file,  // appended to SpawnOptions::log (stdout and stderr may share it)
  inherit,   // this process's own stream
  fd,        // a descriptor of the caller's (SpawnOptions::out_fd / err_fd: a file, a terminal)
};

struct SpawnOptions {
  std::vector<std::string> argv;                // argv[0] is looked up in PATH when it has no '/'
  std::optional<std::vector<std::string>> env;  // "K=V"; nullopt = inherit this process's environment
  std::string cwd;                              // empty = inherit
  Output out = Output::pipe;
  Output err = Output::pipe;
  std::filesystem::path log;  // for Output::log_file
  int out_fd = -1;            // for Output::fd; the caller keeps it open until the start and closes it
  int err_fd = -1;
  bool own_process_group = true;  // false: stays in moat's group (Ctrl-C in a terminal reaches it)
  bool stdin_pipe = false;        // true: stdin is a pipe the caller writes (Process::stdin_fd); else /dev/null
  // A terminal: the child runs in a session of its own whose controlling
  // terminal is a new pty, on its stdin, stdout and stderr (out, err and
  // stdin_pipe are then ignored). The caller reads and writes the master
  // (Process::terminal_fd); ^C typed there signals the child's foreground
  // process group, as in any terminal. rows/cols: its size (0: unset).
  bool terminal = false;
  unsigned short rows = 0;
  unsigned short cols = 0;
};

// The program could not be started (not found, not executable, bad working
// directory). Status MOAT_E_FAILED; code() is the errno.
class SpawnError : public moat::Error {
 public:
  SpawnError(const std::string& message, int code) : moat::Error(MOAT_E_FAILED, message), code_(code) {}
  [[nodiscard]] int code() const { return code_; }

 private:
  int code_;
};

class Process {
 public:
  // Throws moat::Error(MOAT_E_INVALID) for an empty argv, SpawnError when the
  // program cannot be started, moat::Error(MOAT_E_FAILED) when pipes or files
  // cannot be set up.
  explicit Process(const SpawnOptions& options);
  // A child still running is killed (its group when it has one) and reaped.
  ~Process();
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  // The write end of the child's stdin (SpawnOptions::stdin_pipe), -1 when
  // there is none or once close_stdin() was called.
  [[nodiscard]] int stdin_fd() const { return in_; }
  void close_stdin();
  // -1 when not a pipe, or once closed (after end of file).
  [[nodiscard]] int stdout_fd() const { return out_; }
  [[nodiscard]] int stderr_fd() const { return err_; }
  // The pty master (SpawnOptions::terminal), non-blocking; -1 otherwise.
  [[nodiscard]] int terminal_fd() const { return pty_; }
  // A descriptor that polls readable once the child exits (pidfd), or -1
  // where the kernel has none (then poll try_reap()).
  [[nodiscard]] int exit_fd() const { return pidfd_; }

  enum class Keep { head, tail };
  // Reads what is available on `fd` (one of the pipes) into `sink`, keeping
  // at most `limit` bytes: the first ones (head) or the last ones (tail).
  // Returns false, and closes the pipe, at end of file or error. Sets
  // `truncated` (when given) once bytes were dropped.
  bool read_some(int fd, std::string& sink, std::size_t limit, Keep keep = Keep::head, bool* truncated = nullptr);

  // Non-blocking; true once reaped (then wait_status() is valid).
  bool try_reap();
  // Non-blocking and leaves the child unreaped, so its group id stays valid.
  [[nodiscard]] bool has_exited() const;
  // Blocking.
  void reap();
  [[nodiscard]] bool reaped() const { return reaped_; }
  // The raw waitpid status.
  [[nodiscard]] int wait_status() const { return status_; }
  // The child's resource usage (ru_maxrss, CPU times), valid once reaped.
  [[nodiscard]] const struct rusage& resource_usage() const { return usage_; }
  // `sig` to the child's group (or to the child alone when it shares moat's group).
  void kill_group(int sig = 9 /* SIGKILL */);

 private:
  void close_fds();
  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  int err_ = -1;
  int pidfd_ = -1;
  int pty_ = -1;
  bool own_group_ = true;
  bool reaped_ = false;
  int status_ = 0;
  struct rusage usage_ {};
};

// A waitpid status as a shell reports it: the exit code, or 128+N for signal
// N (then `term_signal` is N); -1 for anything else.
int exit_code_of(int wait_status, int* term_signal = nullptr);

struct ProcessRequest {
  std::vector<std::string> argv;                   // argv[0] is looked up in PATH when it has no '/'
  std::optional<std::vector<std::string>> env;     // "K=V"; nullopt = inherit this process's environment
  std::string cwd;                                 // empty = inherit
  std::chrono::milliseconds timeout{0};            // 0 = no limit
  std::size_t max_output = std::size_t{64} << 20;  // per stream; the rest is discarded (and flagged)
};

struct ProcessResult {
  int exit_code = -1;         // the program's code; 128+N when killed by signal N; 127 when it could not start
  int term_signal = 0;        // the signal that ended it, 0 if it exited
  bool timed_out = false;     // killed (with its process group) because the deadline passed
  bool spawn_failed = false;  // the program could not be started (see spawn_error)
  bool truncated = false;     // output exceeded max_output
  std::string spawn_error;    // e.g. "No such file or directory"
  std::string stdout_data;
  std::string stderr_data;
  double duration_ms = 0;
};

// Runs the program to completion (or to the deadline) in its own process
// group. On timeout the whole group gets SIGKILL. Once the program exits, a
// grandchild that keeps the pipes open is waited for only briefly: the result
// does not wait on a backgrounded process. A program that cannot start is a
// result (spawn_failed, exit 127), not an exception. Throws
// moat::Error(MOAT_E_INVALID) for an empty argv and moat::Error(MOAT_E_FAILED)
// when pipes cannot be set up.
ProcessResult run_process(const ProcessRequest& request);

// Field 2 (comm) and field 22 (starttime) of a /proc/<pid>/stat line; nullopt
// when malformed. The start time tells a process from a later one that got
// the same pid.
std::optional<std::pair<std::string, std::string>> stat_comm_starttime(const std::string& stat_line);

// The start time (as above) of process `pid`, or nullopt when none runs.
std::optional<std::string> process_start_time(pid_t pid);

// Finds `name` the way execvp would, in $PATH (or the given PATH value).
// Returns the absolute path, or nullopt.
std::optional<std::string> find_in_path(const std::string& name, const char* path_value = nullptr);

}  // namespace moat::support
