#!/usr/bin/env bash
# The test-only runtime "moat-test-not-sysbox" (runc under another name), with
# which the suite checks that the sysbox plugin refuses a registered runtime
# that is not Sysbox (Sysbox.RegisteredImpostorRuntimeIsReportedAsNotSysbox).
# Users never see it: scripts/test.sh registers it for the test run alone.
#
#   stand-in-runtime.sh add <state-file>
#     When the engine on /var/run/docker.sock already lists the runtime,
#     changes nothing. Otherwise adds it to the daemon configuration the
#     running dockerd was started with (its --config-file, by default
#     /etc/docker/daemon.json; /etc/moat/dockerd.json for the engine
#     scripts/setup-engine.sh starts), reloads dockerd with SIGHUP (which
#     reloads runtimes; running containers are untouched) and waits until
#     /info lists it. Records in <state-file> what to undo.
#   stand-in-runtime.sh remove <state-file>
#     Undoes what `add` recorded (nothing when `add` changed nothing).
#
# Needs root (to edit the configuration and signal dockerd), python3, and curl
# or the docker CLI. When
# it cannot register the runtime it says why and exits 0: the test then
# reports itself as skipped, with the reason.
set -euo pipefail

readonly NAME=moat-test-not-sysbox
readonly SOCKET=${MOAT_ENGINE_SOCKET:-/var/run/docker.sock}
readonly WAIT_SECONDS=15

say() { printf 'stand-in-runtime: %s\n' "$*"; }
warn() { printf 'stand-in-runtime: warning: %s\n' "$*" >&2; }

# The engine's runtimes as a JSON object (curl, or the docker CLI).
runtimes_json() {
  if command -v curl >/dev/null 2>&1; then
    curl -sf --max-time 5 --unix-socket "$SOCKET" http://localhost/info |
      python3 -c "import json, sys; print(json.dumps(json.load(sys.stdin).get('Runtimes', {})))"
  else
    DOCKER_HOST="unix://$SOCKET" timeout 5 docker info --format '{{json .Runtimes}}'
  fi
}

listed() {
  runtimes_json 2>/dev/null | python3 -c "import json, sys; sys.exit(0 if '$NAME' in json.load(sys.stdin) else 1)" 2>/dev/null
}

# The pid of the dockerd serving $SOCKET: moat's own (setup-engine.sh's
# pidfile), the system one's pidfile, or the only dockerd running.
dockerd_pid() {
  local file pid
  for file in /run/moat-dockerd.pid /var/run/docker.pid; do
    [[ -f $file ]] || continue
    pid=$(<"$file")
    if [[ $pid =~ ^[0-9]+$ ]] && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == dockerd ]]; then
      echo "$pid"
      return 0
    fi
  done
  pid=$(pgrep -x dockerd || true)
  [[ -n $pid && $pid =~ ^[0-9]+$ ]] || return 1
  echo "$pid"
}

# The --config-file the dockerd with pid $1 was started with.
config_of() {
  local arg next=0
  while IFS= read -r -d '' arg; do
    if ((next)); then
      echo "$arg"
      return 0
    fi
    case $arg in
      --config-file=*) echo "${arg#--config-file=}" && return 0 ;;
      --config-file) next=1 ;;
    esac
  done <"/proc/$1/cmdline"
  echo /etc/docker/daemon.json
}

# edit <config> add|remove: adds or removes the runtime, keeping everything else.
edit() {
  python3 - "$1" "$2" "$NAME" "$(command -v runc)" <<'EOF'
import json, os, sys, tempfile
path, action, name, runc = sys.argv[1:5]
try:
    with open(path) as f:
        text = f.read()
    config = json.loads(text) if text.strip() else {}
except FileNotFoundError:
    config = {}
runtimes = config.setdefault("runtimes", {})
if action == "add":
    runtimes[name] = {"path": runc}
else:
    runtimes.pop(name, None)
    if not runtimes:
        del config["runtimes"]
directory = os.path.dirname(path) or "."
os.makedirs(directory, exist_ok=True)
fd, tmp = tempfile.mkstemp(dir=directory, prefix=".stand-in-")
with os.fdopen(fd, "w") as f:
    json.dump(config, f, indent=2)
    f.write("\n")
os.chmod(tmp, 0o644)
os.replace(tmp, path)
EOF
}

# reload <pid> <want: yes|no>: SIGHUP, then wait until /info agrees.
reload() {
  kill -HUP "$1"
  local waited=0
  while :; do
    if [[ $2 == yes ]] && listed; then return 0; fi
    if [[ $2 == no ]] && ! listed; then return 0; fi
    if ((waited >= WAIT_SECONDS * 10)); then return 1; fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

add() {
  local state=$1 pid config created=no
  rm -f "$state"
  if listed; then
    say "runtime $NAME: already registered with the engine; leaving it"
    return 0
  fi
  if ((EUID != 0)); then
    warn "not root: cannot register runtime $NAME (the test that needs it will be skipped)"
    return 0
  fi
  if ! command -v runc >/dev/null || ! pid=$(dockerd_pid); then
    warn "no local dockerd (or no runc) found: cannot register runtime $NAME (its test will be skipped)"
    return 0
  fi
  config=$(config_of "$pid")
  [[ -e $config ]] || created=yes
  edit "$config" add
  printf 'pid=%s\nconfig=%s\ncreated=%s\n' "$pid" "$config" "$created" >"$state"
  if reload "$pid" yes; then
    say "runtime $NAME: registered for this test run (in $config, dockerd $pid reloaded)"
  else
    warn "dockerd $pid did not list runtime $NAME after a reload (its test will be skipped)"
  fi
}

remove() {
  local state=$1 pid config created
  [[ -f $state ]] || return 0
  pid=$(sed -n 's/^pid=//p' "$state")
  config=$(sed -n 's/^config=//p' "$state")
  created=$(sed -n 's/^created=//p' "$state")
  edit "$config" remove
  if [[ $created == yes ]] && [[ "$(tr -d ' \n' <"$config")" == "{}" ]]; then rm -f "$config"; fi
  rm -f "$state"
  if [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" != dockerd ]]; then
    say "runtime $NAME: removed from $config (dockerd $pid is gone)"
  elif reload "$pid" no; then
    say "runtime $NAME: unregistered (removed from $config, dockerd $pid reloaded)"
  else
    warn "dockerd $pid still lists runtime $NAME after a reload"
  fi
}

case ${1:-} in
  add) add "${2:?usage: $0 add <state-file>}" ;;
  remove) remove "${2:?usage: $0 remove <state-file>}" ;;
  *)
    echo "usage: $0 add|remove <state-file>" >&2
    exit 2
    ;;
esac
