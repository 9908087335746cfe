#include "logged_command.hpp"

#include <moat/error.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
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

std::string resolve(const std::string& program, const std::string& path) {
  if (program.find('/') != std::string::npos) return program;
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    const fs::path candidate = fs::path(dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

std::string command_text(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& arg : argv) text += (text.empty() ? "" : " ") + arg;
  return text;
}

// RAII for the spawn attribute objects.
struct SpawnActions {
  posix_spawn_file_actions_t actions{};
  SpawnActions() { posix_spawn_file_actions_init(&actions); }
  ~SpawnActions() { posix_spawn_file_actions_destroy(&actions); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
};

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
  const std::string program = resolve(command.argv[0], path);
  if (program.empty()) {
    std::string message = command.argv[0] + " is not installed (not found in " + path + ")";
    if (!command.missing_hint.empty()) message += ": " + command.missing_hint;
    throw moat::Error(MOAT_E_UNAVAILABLE, message);
  }

  std::vector<std::string> env_storage;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (std::strncmp(*e, "PATH=", 5) != 0) env_storage.emplace_back(*e);
  }
  env_storage.push_back("PATH=" + path);
  for (const auto& extra : command.extra_env) env_storage.push_back(extra);
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_storage = command.argv;
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);

  SpawnActions spawn;
  posix_spawn_file_actions_addopen(&spawn.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&spawn.actions, STDOUT_FILENO, command.log.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_adddup2(&spawn.actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, program.c_str(), &spawn.actions, nullptr, argv.data(), envp.data());
  if (rc != 0) {
    throw moat::Error(MOAT_E_FAILED,
                      "cannot run " + program + ": " + std::strerror(rc) + " (log: " + command.log.string() + ")");
  }

  const auto start = Clock::now();
  auto next_beat = start + command.heartbeat;
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      throw moat::Error(MOAT_E_INTERNAL, std::string("waitpid: ") + std::strerror(errno));
    }
    const auto now = Clock::now();
    if (command.timeout.count() > 0 && now - start >= command.timeout) {
      ::kill(pid, SIGTERM);
      bool reaped = false;
      for (int i = 0; i < 50 && !reaped; ++i) {
        reaped = ::waitpid(pid, &status, WNOHANG) == pid;
        if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if (!reaped) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
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
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  const std::string how = WIFEXITED(status) ? "exit code " + std::to_string(WEXITSTATUS(status))
                                            : "signal " + std::to_string(WTERMSIG(status));
  std::string message = command_text(command.argv) + " failed with " + how + " (log: " + command.log.string();
  if (const auto line = last_line(command.log); !line.empty()) message += "; last line: " + line;
  throw moat::Error(MOAT_E_FAILED, message + ")");
}

}  // namespace moat::core::images
