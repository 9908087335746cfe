// Docker-in-Docker: the inner dockerd a sandbox with DinD gets, started after
// every start/restart and asked to shut down cleanly before a stop.
#include <moat/engine/docker_runtime.hpp>

#include "runtime_internal.hpp"

#include <sstream>

namespace moat::engine {

namespace {

// Starts the inner dockerd unless one already runs, and waits until `docker
// info` answers. $1 = seconds to wait, $2 = "required" or "auto" (auto: exit 3
// quietly when the image has no dockerd). After a container restart the pid
// file is stale and its number may belong to another process, hence the comm
// check; a dead dockerd is our child until this shell exits, hence the zombie
// check. The containerd that dockerd supervises died with it; its pid file
// goes too (a snapshot taken while both ran carries it into a restored
// sandbox, where its number can be a live process: dockerd would then wait
// for a containerd that is not there).
constexpr const char* kStartDockerd = R"sh(
if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  [ "$2" = auto ] && exit 3
  echo "dockerd or docker is not installed in this image; use an image with docker.io (moat image prepare dind)" >&2
  exit 127
fi
pid=$(cat /var/run/docker.pid 2>/dev/null)
if [ -z "$pid" ] || [ "$(cat /proc/$pid/comm 2>/dev/null)" != dockerd ]; then
  rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid
  # The inner engine's default would be the first 172.x/16 its own routes do
  # not show: the one the outer engine hands the next network, which then
  # cannot be connected to this sandbox. An image's own daemon.json wins.
  nets=
  [ -e /etc/docker/daemon.json ] || nets="--bip 10.213.0.1/24 --default-address-pool base=10.214.0.0/16,size=24"
  # shellcheck disable=SC2086 # two constant options, split on purpose
  dockerd $nets >/var/log/dockerd.log 2>&1 </dev/null &
  pid=$!
fi
n=0
while ! docker info >/dev/null 2>&1; do
  if [ ! -d "/proc/$pid" ] || grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null; then
    echo "the inner dockerd exited; /var/log/dockerd.log ends with:" >&2
    tail -n 6 /var/log/dockerd.log >&2
    exit 1
  fi
  n=$((n+1))
  if [ "$n" -gt $(($1*5)) ]; then
    echo "the inner dockerd did not answer within $1 s; /var/log/dockerd.log ends with:" >&2
    tail -n 6 /var/log/dockerd.log >&2
    exit 1
  fi
  sleep 0.2
done
)sh";

// Asks the inner dockerd to shut down cleanly (so its state on the volume is
// consistent) and waits up to $1 seconds; stopping the container would
// otherwise SIGKILL it with the rest of the PID namespace.
constexpr const char* kStopDockerd = R"sh(
pid=$(cat /var/run/docker.pid 2>/dev/null)
[ -n "$pid" ] && [ "$(cat /proc/$pid/comm 2>/dev/null)" = dockerd ] || exit 0
kill -TERM "$pid" 2>/dev/null || exit 0
n=0
while [ -d "/proc/$pid" ] && [ "$n" -lt $(($1*5)) ]; do
  grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null && break
  sleep 0.2
  n=$((n+1))
done
exit 0
)sh";

// The last few non-empty lines of a tool's output, on one line.
std::string tail_line(const std::string& text, std::size_t lines = 6) {
  std::vector<std::string> all;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) all.push_back(line);
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
    if (!out.empty()) out += " | ";
    out += all[i];
  }
  return out;
}

}  // namespace

DindMode detail::dind_from_label(const std::map<std::string, std::string>& labels) {
  auto it = labels.find(kDindLabel);
  if (it == labels.end()) return DindMode::off;
  if (it->second == "required") return DindMode::required;
  if (it->second == "auto") return DindMode::if_available;
  return DindMode::off;
}

void DockerRuntime::start_inner_docker(const std::string& id, const std::string& name, DindMode mode) {
  ExecOptions options;
  options.timeout = dind_timeout_ + std::chrono::seconds(15);
  const std::vector<std::string> argv = {"/bin/sh",
                                         "-c",
                                         kStartDockerd,
                                         "moat-dind",
                                         std::to_string(dind_timeout_.count()),
                                         mode == DindMode::required ? "required" : "auto"};
  ExecOutput out = client_.exec(id, argv, options);
  if (out.exit_code == 0) {
    host_.debug("sandbox " + name + ": inner dockerd is up");
    return;
  }
  if (out.exit_code == 3 && mode == DindMode::if_available) {
    host_.info("sandbox " + name + ": the image has no dockerd, so no inner Docker engine was started");
    return;
  }
  // The script's first stderr line says what happened; the log's last lines say why.
  const std::string text = out.stderr_data + out.stdout_data;
  const auto nl = text.find('\n');
  const std::string summary = text.substr(0, nl);
  const std::string rest = nl == std::string::npos ? std::string() : tail_line(text.substr(nl + 1), 2);
  throw moat::Error(MOAT_E_FAILED, "sandbox '" + name + "': Docker-in-Docker did not start (exit " +
                                       std::to_string(out.exit_code) + "): " + summary +
                                       (rest.empty() ? std::string() : " " + rest));
}

void DockerRuntime::stop_inner_docker(const std::string& id, const std::string& name) {
  try {
    ExecOptions options;
    options.timeout = std::chrono::seconds(20);
    client_.exec(id, {"/bin/sh", "-c", kStopDockerd, "moat-dind-stop", "10"}, options);
  } catch (const std::exception& e) {
    // Not running, or no shell: the container stop that follows ends it anyway.
    host_.debug("sandbox " + name + ": graceful inner dockerd stop skipped: " + e.what());
  }
}

}  // namespace moat::engine
