// A helper program run from an argv array with its stdout and stderr on pipes
// the parent reads, stdin from /dev/null, in a process group of its own (so a
// timeout can kill whatever it started too). Several can run at once: the
// parent multiplexes their pipes with poll().
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace moat::core {

class ChildProcess {
 public:
  // Throws moat::Error(MOAT_E_INTERNAL) when the program cannot be started.
  explicit ChildProcess(const std::vector<std::string>& argv);
  // Kills (the whole group) and reaps a child that is still running.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  // -1 once closed (after end of file).
  [[nodiscard]] int stdout_fd() const { return out_; }
  [[nodiscard]] int stderr_fd() const { return err_; }
  // Reads what is available on `fd` (one of the two above) into `sink`.
  // Returns false, and closes the pipe, at end of file.
  bool read_some(int fd, std::string& sink, size_t limit);

  // Non-blocking; true once the child has exited (then wait_status() is valid).
  bool try_reap();
  // Non-blocking and leaves the child unreaped, so its process group id
  // stays valid for kill_group().
  [[nodiscard]] bool has_exited() const;
  // Blocking.
  void reap();
  [[nodiscard]] bool reaped() const { return reaped_; }
  [[nodiscard]] int wait_status() const { return status_; }
  // SIGKILL to the child's process group.
  void kill_group();

 private:
  void close_fd(int& fd);

  pid_t pid_ = -1;
  int out_ = -1;
  int err_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

}  // namespace moat::core
