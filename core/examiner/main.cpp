// moat-plugin-examiner PLUGIN.so
//
// Examines one plugin file in a process of its own, so that whatever the
// plugin does on load (crash, abort, hang, exit) costs the host nothing. Runs
// every step that executes plugin code: dlopen (static constructors), the
// entry point, the descriptor checks, create("{}"), describe(), destroy().
// Writes to stdout {"phase":NAME} before each step and {"verdict":RECORD} at
// the end (see moat/core/plugin_examiner.hpp), then exits 0. Anything the
// plugin itself prints goes to stderr.
#include <moat/core/host_api.hpp>
#include <moat/core/plugin_inspection.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <string_view>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace {

// Writes one line with plain write(2): nothing buffered is lost if the plugin
// kills the process right after.
void emit(int fd, const nlohmann::json& j) {
  const std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PLUGIN.so\n", argc > 0 ? argv[0] : "moat-plugin-examiner");
    return 64;  // EX_USAGE
  }
  // The protocol keeps stdout to itself; the plugin's own output goes to stderr.
  const int out = ::dup(STDOUT_FILENO);
  if (out < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    std::perror("moat-plugin-examiner: dup");
    return 71;  // EX_OSERR
  }
  spdlog::set_default_logger(spdlog::stderr_logger_st("moat-plugin-examiner"));

  const auto phase = [out](std::string_view name) { emit(out, {{"phase", name}}); };
  moat::core::PluginRecord record;
  record.path = argv[1];
  if (auto opened = moat::core::open_plugin(record.path, record, phase)) {
    const moat::core::HostApi host;
    moat::core::exercise_plugin(*opened->descriptor, host.get(), record, phase);
  }
  emit(out, {{"verdict", record}});
  return 0;
}
