#include "logged_command.hpp"

#include <moat/error.hpp>
#include <moat/support/process.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <thread>

extern char** environ;

namespace moat::core::images {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// debootstrap lives in /usr/sbin and needs chroot and friends from there: a
// non-login root shell on Debian may not have the sbin directories in PATH.
std::string child_path() {
  const char* inherited = std::getenv("PATH");
  std::string path = inherited != nullptr && *inherited != '\0' ? inherited : "/usr/local/bin:/usr/bin:/bin";
  for (const char* dir : {"/usr/local/sbin", "/usr/sbin", "/sbin"}) {
    if ((":" + path + ":").find(":" + std::string(dir) + ":") == std::string::npos) path += ":" + std::string(dir);
  }
  return path;
}

std::string command_text(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& arg : argv) text += (text.empty() ? "" : " ") + arg;
  return text;
}

}  // namespace

std::string last_line(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::streamoff>(in.tellg());
  const std::streamoff tail = std::min<std::streamoff>(size, 4096);
  in.seekg(size - tail);
  std::string text(static_cast<std::size_t>(tail), '\0');
  in.read(text.data(), tail);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  const auto start = text.find_last_of("\r\n");
  std::string line = start == std::string::npos ? text : text.substr(start + 1);
  if (line.size() > 200) line = line.substr(0, 200) + "...";
  return line;
}

void run_logged(const LoggedCommand& command) {
  if (command.argv.empty()) throw moat::Error(MOAT_E_INTERNAL, "run_logged: empty argv");
  const std::string path = child_path();
  const auto program = support::find_in_path(command.argv[0], path.c_str());
  if (!program) {
    std::string message = command.argv[0] + " is not installed (not found in " + path + ")";
    if (!command.missing_hint.empty()) message += ": " + command.missing_hint;
    throw moat::Error(MOAT_E_UNAVAILABLE, message);
  }

  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (std::strncmp(*e, "PATH=", 5) != 0) env.emplace_back(*e);
  }
  env.push_back("PATH=" + path);
  env.insert(env.end(), command.extra_env.begin(), command.extra_env.end());
  std::vector<std::string> argv = command.argv;
  argv[0] = *program;

  support::SpawnOptions options;
  options.argv = std::move(argv);
  options.env = std::move(env);
  options.out = support::Output::log_file;
  options.err = support::Output::log_file;
  options.log = command.log;
  options.own_process_group = false;  // Ctrl-C in the terminal stops debootstrap with moat
  std::optional<support::Process> child;
  try {
    child.emplace(options);
  } catch (const support::SpawnError& e) {
    throw moat::Error(MOAT_E_FAILED, std::string(e.what()) + " (log: " + command.log.string() + ")");
  }

  const auto start = Clock::now();
  auto next_beat = start + command.heartbeat;
  while (!child->try_reap()) {
    const auto now = Clock::now();
    if (command.timeout.count() > 0 && now - start >= command.timeout) {
      // TERM first: debootstrap unmounts what it mounted in the target.
      child->kill_group(SIGTERM);
      for (int i = 0; i < 50 && !child->try_reap(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (!child->reaped()) {
        child->kill_group(SIGKILL);
        child->reap();
      }
      throw moat::Error(MOAT_E_TIMEOUT, command_text(command.argv) + " did not finish within " +
                                            std::to_string(command.timeout.count()) +
                                            " s and was stopped (log: " + command.log.string() + ")");
    }
    if (command.on_heartbeat && command.heartbeat.count() > 0 && now >= next_beat) {
      command.on_heartbeat(std::chrono::duration_cast<std::chrono::seconds>(now - start));
      next_beat += command.heartbeat;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const int status = child->wait_status();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  const std::string how = WIFEXITED(status) ? "exit code " + std::to_string(WEXITSTATUS(status))
                                            : "signal " + std::to_string(WTERMSIG(status));
  std::string message = command_text(command.argv) + " failed with " + how + " (log: " + command.log.string();
  if (const auto line = last_line(command.log); !line.empty()) message += "; last line: " + line;
  throw moat::Error(MOAT_E_FAILED, message + ")");
}

}  // namespace moat::core::images
