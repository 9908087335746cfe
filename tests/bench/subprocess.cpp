#include "subprocess.hpp"

#include <moat/support/process.hpp>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace moat::bench::testing {

namespace {

// An output file for the child, truncated; closed on scope exit.
class OutputFile {
 public:
  explicit OutputFile(const std::filesystem::path& path)
      : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) {
    if (fd_ < 0) throw std::runtime_error("cannot open " + path.string() + ": " + std::strerror(errno));
  }
  ~OutputFile() { ::close(fd_); }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const std::filesystem::path& stdout_file,
                          const std::filesystem::path& stderr_file, std::chrono::seconds timeout) {
  if (argv.empty()) throw std::runtime_error("run_process: empty argv");
  OutputFile out(stdout_file);
  OutputFile err(stderr_file);
  moat::support::SpawnOptions spawn;
  spawn.argv = argv;
  spawn.out = spawn.err = moat::support::Output::fd;
  spawn.out_fd = out.get();
  spawn.err_fd = err.get();
  std::optional<moat::support::Process> child;
  try {
    child.emplace(spawn);
  } catch (const moat::support::SpawnError& e) {
    throw std::runtime_error(e.what());
  }

  ProcessResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!child->has_exited()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      child->kill_group(SIGKILL);
      child->reap();
      result.timed_out = true;
      return result;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  child->kill_group(SIGKILL);  // helpers the program left in its own group (ESRCH when none)
  child->reap();
  const int code = moat::support::exit_code_of(child->wait_status(), &result.signal);
  if (result.signal == 0) result.exit_code = code;
  return result;
}

std::optional<std::filesystem::path> find_in_path(const std::string& name) {
  if (auto found = moat::support::find_in_path(name)) return std::filesystem::path(*found);
  return std::nullopt;
}

}  // namespace moat::bench::testing
