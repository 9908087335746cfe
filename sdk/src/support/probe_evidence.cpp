#include <moat/support/probe_evidence.hpp>

#include <sys/utsname.h>

#include <cstdio>

namespace moat::support {

nlohmann::json run_evidence(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                            ProcessResult* result, std::size_t keep) {
  ProcessRequest request;
  request.argv = argv;
  request.timeout = timeout;
  ProcessResult r = run_process(request);
  auto cap = [keep](const std::string& s) { return s.size() > keep ? s.substr(0, keep) + "..." : s; };
  nlohmann::json j = {
      {"argv", argv}, {"exit_code", r.exit_code}, {"stdout", cap(r.stdout_data)}, {"stderr", cap(r.stderr_data)}};
  if (r.spawn_failed) j["error"] = "could not start " + argv.front() + ": " + r.spawn_error;
  if (r.timed_out) j["timed_out"] = true;
  if (result != nullptr) *result = std::move(r);
  return j;
}

std::string kernel_release() {
  struct utsname u {};
  if (::uname(&u) != 0) return {};
  return u.release;
}

std::pair<int, int> kernel_major_minor(const std::string& release) {
  int major = 0, minor = 0;
  if (std::sscanf(release.c_str(), "%d.%d", &major, &minor) != 2) return {0, 0};
  return {major, minor};
}

}  // namespace moat::support
