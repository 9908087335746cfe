#include <moat/core/plugin_examiner.hpp>
#include <moat/support/process.hpp>
#include <moat/support/text.hpp>

#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <sstream>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace moat::core {

namespace {

// A plugin's verdict is cached and must not depend on the engine the user
// points at: the examiner runs without DOCKER_HOST, so a Docker-backed
// plugin's create() ({} config) reads no value moat would refuse.
std::vector<std::string> examiner_environment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e)
    if (!std::string_view(*e).starts_with("DOCKER_HOST=")) env.emplace_back(*e);
  return env;
}

using Clock = std::chrono::steady_clock;

// More children than this at once only adds contention on small machines.
constexpr size_t kMaxParallel = 8;
constexpr size_t kStdoutLimit = 1 << 20;
constexpr size_t kStderrLimit = 16 << 10;
// How often to look again at a child that closed its pipes but still runs.
constexpr std::chrono::milliseconds kReapPoll{2};

std::string phase_text(const std::string& phase) {
  if (phase == "loading") return "while loading";
  if (phase == "entry") return "in moat_plugin_entry_v1()";
  if (phase == "create") return "in create()";
  if (phase == "describe") return "in describe()";
  if (phase == "destroy") return "in destroy()";
  if (phase == "exit") return "at exit (static destructors)";
  return "before loading the plugin";
}

// The last non-empty line the child wrote to stderr, shortened.
std::string last_line(const std::string& text) {
  std::string last = support::last_line(text);
  constexpr size_t kMax = 200;
  if (last.size() > kMax) last = last.substr(0, kMax) + "...";
  return last;
}

std::string with_stderr(std::string reason, const std::string& stderr_text) {
  if (auto line = last_line(stderr_text); !line.empty()) reason += " (last output: " + line + ")";
  return reason;
}

std::string signal_name(int sig) {
  const char* d = ::sigdescr_np(sig);
  return d != nullptr ? d : "unknown signal";
}

struct Running {
  size_t index = 0;
  std::unique_ptr<support::Process> child;
  Clock::time_point deadline;
  bool timed_out = false;
  std::string out;
  std::string err;

  [[nodiscard]] bool pipes_closed() const { return child->stdout_fd() < 0 && child->stderr_fd() < 0; }
};

ChildOutcome outcome_of(Running& r) {
  ChildOutcome o;
  o.timed_out = r.timed_out;
  const int status = r.child->wait_status();
  if (!r.timed_out) {
    if (WIFEXITED(status)) o.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) o.signal = WTERMSIG(status);
  }
  o.stdout_text = std::move(r.out);
  o.stderr_text = std::move(r.err);
  return o;
}

}  // namespace

PluginRecord interpret_outcome(const std::filesystem::path& file, const ChildOutcome& o,
                               std::chrono::milliseconds timeout) {
  std::string phase;
  std::optional<nlohmann::json> verdict;
  std::istringstream lines(o.stdout_text);
  for (std::string line; std::getline(lines, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) continue;
    if (auto it = j.find("phase"); it != j.end() && it->is_string()) phase = it->get<std::string>();
    if (auto it = j.find("verdict"); it != j.end() && it->is_object()) {
      verdict = *it;
      phase = "exit";
    }
  }

  PluginRecord r;
  if (o.timed_out) {
    r.status = PluginStatus::timeout;
    r.reason = with_stderr(fmt::format("did not finish being examined within {} ms (hung {}); the examining "
                                       "process was killed",
                                       timeout.count(), phase_text(phase)),
                           o.stderr_text);
  } else if (o.signal != 0) {
    r.status = PluginStatus::crashed;
    r.reason = with_stderr(
        fmt::format("killed by signal {} ({}) {}", o.signal, signal_name(o.signal), phase_text(phase)), o.stderr_text);
  } else if (o.exit_code == 0 && verdict) {
    try {
      r = verdict->get<PluginRecord>();
    } catch (const nlohmann::json::exception& e) {
      r = PluginRecord{};
      r.status = PluginStatus::crashed;
      r.reason = fmt::format("the examining process wrote an unreadable verdict: {}", e.what());
    }
  } else {
    // It ended on its own without a verdict: exit() in a static constructor,
    // or the helper itself could not run.
    r.status = phase == "create"                       ? PluginStatus::create_failed
               : (phase.empty() || phase == "loading") ? PluginStatus::dlopen_failed
                                                       : PluginStatus::crashed;
    r.reason = with_stderr(
        fmt::format("the examining process exited with status {} {} without a verdict", o.exit_code, phase_text(phase)),
        o.stderr_text);
  }
  r.path = file;
  r.cached = false;
  return r;
}

std::vector<PluginRecord> examine_in_children(const std::vector<std::filesystem::path>& files,
                                              const std::filesystem::path& helper, std::chrono::milliseconds timeout) {
  std::vector<PluginRecord> results(files.size());
  std::vector<Running> running;
  size_t next = 0;

  auto finish = [&](Running& r) { results[r.index] = interpret_outcome(files[r.index], outcome_of(r), timeout); };

  while (next < files.size() || !running.empty()) {
    while (running.size() < kMaxParallel && next < files.size()) {
      Running r;
      r.index = next;
      try {
        support::SpawnOptions options;
        options.argv = {helper.string(), files[next].string()};
        options.env = examiner_environment();
        r.child = std::make_unique<support::Process>(options);
      } catch (const support::SpawnError& e) {
        // The examiner is moat's own program: its absence is moat's fault, not the plugin's.
        throw Error(MOAT_E_INTERNAL, e.what());
      }
      r.deadline = Clock::now() + timeout;
      running.push_back(std::move(r));
      ++next;
    }

    std::vector<pollfd> fds;
    auto wait_until = Clock::time_point::max();
    for (const auto& r : running) {
      for (int fd : {r.child->stdout_fd(), r.child->stderr_fd()}) {
        if (fd >= 0) fds.push_back(pollfd{fd, POLLIN, 0});
      }
      wait_until = std::min(wait_until, r.deadline);
      if (r.pipes_closed()) wait_until = std::min(wait_until, Clock::now() + kReapPoll);
    }
    const auto wait_ms =
        std::max<long long>(0, std::chrono::ceil<std::chrono::milliseconds>(wait_until - Clock::now()).count());
    if (::poll(fds.data(), fds.size(), static_cast<int>(std::min<long long>(wait_ms, 60'000))) > 0) {
      for (const auto& p : fds) {
        if ((p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        for (auto& r : running) {
          if (p.fd == r.child->stdout_fd())
            r.child->read_some(p.fd, r.out, kStdoutLimit, support::Process::Keep::tail);
          else if (p.fd == r.child->stderr_fd())
            r.child->read_some(p.fd, r.err, kStderrLimit, support::Process::Keep::tail);
        }
      }
    }

    const auto now = Clock::now();
    for (auto it = running.begin(); it != running.end();) {
      Running& r = *it;
      bool done = false;
      if (r.pipes_closed() && r.child->try_reap()) {
        done = true;
      } else if (now >= r.deadline) {
        // A child that exited while something it started keeps the pipes
        // open is judged on its exit; only one still running timed out.
        r.timed_out = !r.child->has_exited();
        r.child->kill_group();
        r.child->reap();
        done = true;
      }
      if (done) {
        finish(r);
        it = running.erase(it);
      } else {
        ++it;
      }
    }
  }
  return results;
}

}  // namespace moat::core
