#!/usr/bin/env bash
# Makes sure a Docker engine answers on /var/run/docker.sock for moat's tests,
# benchmarks and quick start.
#
# - If an engine already answers there, it is left alone; the script only
#   reports whether the gVisor runtimes moat uses (runsc, runsc-nonet) are
#   registered, and how to register them if not.
# - Otherwise (as root): installs docker.io, runc and runsc if missing, writes
#   a moat-owned daemon config (/etc/moat/dockerd.json, never the system's
#   /etc/docker/daemon.json), starts dockerd with it in the background and
#   waits up to 30 s for /_ping.
#
# Idempotent: running it again with the engine up changes nothing.
# Why "runsc-nonet": runsc 2022-12 (Debian 12) cannot set up networking on
# kernels >= 6.11 ("cannot run with network enabled in root network
# namespace"); --network=none is the mode that works there.
# The config holds only what users need: the test-only runtime
# "moat-test-not-sysbox" is registered by scripts/test-suite.sh for the test run
# alone (scripts/stand-in-runtime.sh).
set -euo pipefail

# The MOAT_ENGINE_* overrides exist to exercise the script away from the real
# engine; normal use never sets them.
readonly SOCKET=${MOAT_ENGINE_SOCKET:-/var/run/docker.sock}
readonly CONFIG=${MOAT_ENGINE_CONFIG:-/etc/moat/dockerd.json}
readonly LOG=${MOAT_ENGINE_LOG:-/var/log/moat-dockerd.log}
readonly PIDFILE=${MOAT_ENGINE_PIDFILE:-/run/moat-dockerd.pid}
readonly WAIT_SECONDS=60
# dockerd start-ups that may end in containerd's 15 s start-up timeout
readonly START_ATTEMPTS=6
readonly PACKAGES=(docker.io runc runsc)
readonly RUNTIMES=(runsc runsc-nonet)

say() { printf 'setup-engine: %s\n' "$*"; }
warn() { printf 'setup-engine: warning: %s\n' "$*" >&2; }
die() {
  printf 'setup-engine: error: %s\n' "$*" >&2
  exit 1
}

# GET on the engine socket; prints the body. Uses curl, or the docker CLI for
# the two requests this script needs when curl is absent.
engine_get() {
  local path=$1
  if command -v curl >/dev/null 2>&1; then
    curl -sf --max-time 5 --unix-socket "$SOCKET" "http://localhost${path}"
  elif command -v docker >/dev/null 2>&1; then
    case $path in
      /_ping) DOCKER_HOST="unix://$SOCKET" timeout 5 docker version --format OK ;;
      /info) DOCKER_HOST="unix://$SOCKET" timeout 5 docker info --format '{{json .}}' ;;
      *) return 1 ;;
    esac
  else
    return 1
  fi
}

engine_answers() {
  [[ -S $SOCKET ]] || return 1
  engine_get /_ping >/dev/null 2>&1
}

# Says for each runtime moat uses whether the running engine has it.
report_runtimes() {
  local info missing=0 name
  if ! info=$(engine_get /info 2>/dev/null); then
    warn "could not read /info from unix://$SOCKET to check the runtimes"
    return 0
  fi
  for name in "${RUNTIMES[@]}"; do
    # /info has "Runtimes":{"runc":{...},"runsc":{"path":...},...}
    if grep -q "\"${name}\":{" <<<"$info"; then
      say "runtime ${name}: registered"
    else
      warn "runtime ${name}: NOT registered with this engine"
      missing=1
    fi
  done
  if ((missing)); then
    warn "the gvisor plugin needs them. Add to the engine's daemon.json (usually /etc/docker/daemon.json):"
    warn '  "runtimes": {"runsc": {"path": "/usr/bin/runsc"},'
    warn '               "runsc-nonet": {"path": "/usr/bin/runsc", "runtimeArgs": ["--network=none"]}}'
    warn "then reload the engine: systemctl reload docker (or kill -HUP <dockerd pid>)"
  fi
}

package_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

install_missing_packages() {
  local missing=() pkg
  for pkg in "${PACKAGES[@]}"; do
    package_installed "$pkg" || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    say "packages ${PACKAGES[*]}: already installed"
    return 0
  fi
  say "installing ${missing[*]}"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; then
    say "apt-get install failed; refreshing the package lists and retrying"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  fi
}

# Writes the moat-owned daemon config; leaves the file untouched when it
# already has this content.
write_config() {
  local runsc
  runsc=$(command -v runsc) || die "runsc is not on PATH after installing it"
  command -v runc >/dev/null || die "runc is not on PATH after installing it"
  local content
  content=$(
    cat <<EOF
{
  "runtimes": {
    "runsc": {"path": "${runsc}"},
    "runsc-nonet": {"path": "${runsc}", "runtimeArgs": ["--network=none"]}
  }
}
EOF
  )
  mkdir -p "$(dirname "$CONFIG")"
  if [[ -f $CONFIG ]] && [[ "$(cat "$CONFIG")" == "$content" ]]; then
    say "config ${CONFIG}: up to date"
    return 0
  fi
  local tmp
  tmp=$(mktemp "${CONFIG}.XXXXXX")
  printf '%s\n' "$content" >"$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$CONFIG"
  say "config ${CONFIG}: written (runtimes runsc, runsc-nonet -> ${runsc})"
}

# The pid from our pidfile when that process is still a live dockerd (a
# killed one stays a zombie until it is reaped, and never answers).
our_dockerd_pid() {
  [[ -f $PIDFILE ]] || return 1
  local pid state
  pid=$(<"$PIDFILE")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ "$(cat "/proc/${pid}/comm" 2>/dev/null)" == dockerd ]] || return 1
  read -r _ _ state _ <"/proc/${pid}/stat" 2>/dev/null || return 1
  [[ $state != Z ]] || return 1
  printf '%s\n' "$pid"
}

# Starts dockerd in its own session and sets DOCKERD_PID.
launch_dockerd() {
  command -v dockerd >/dev/null 2>&1 || die "dockerd is not on PATH after installing docker.io"
  rm -f "$PIDFILE"  # stale: its process is gone
  say "starting dockerd --config-file ${CONFIG} (log: ${LOG}, pidfile: ${PIDFILE})"
  # setsid: the engine must outlive this script and its terminal. With job
  # control on (a caller's exported SHELLOPTS) the background job would lead
  # its own process group and setsid would fork, leaving $! a parent that
  # has already exited; without it $! is dockerd itself.
  set +m
  setsid dockerd --config-file "$CONFIG" -H "unix://${SOCKET}" --pidfile "$PIDFILE" \
    </dev/null >>"$LOG" 2>&1 &
  DOCKERD_PID=$!
}

# Waits for the engine to answer: 0 when it does, 1 when dockerd exited
# first, 2 after WAIT_SECONDS.
wait_for_dockerd() {
  local pid=$1 begun=${EPOCHREALTIME/./} tenths
  # By the clock, not by counting sleeps: a ping to a dockerd that has bound
  # its socket but is still busy (restoring containers) waits out curl's 5 s.
  until engine_answers; do
    tenths=$(((${EPOCHREALTIME/./} - begun) / 100000))
    # The pidfile covers a dockerd that is not $! all the same.
    if ! kill -0 "$pid" 2>/dev/null && ! our_dockerd_pid >/dev/null; then
      return 1
    fi
    ((tenths < WAIT_SECONDS * 10)) || return 2
    sleep 0.1
  done
  tenths=$(((${EPOCHREALTIME/./} - begun) / 100000))
  say "dockerd (pid ${pid}) answers on unix://${SOCKET} after $((tenths / 10)).$((tenths % 10)) s"
}

start_dockerd() {
  local pid attempt rc log_size status
  if pid=$(our_dockerd_pid); then
    say "dockerd (pid ${pid}, from ${PIDFILE}) is running but not answering yet; waiting for it"
    rc=0
    wait_for_dockerd "$pid" || rc=$?
  else
    for ((attempt = 1; attempt <= START_ATTEMPTS; attempt++)); do
      log_size=$(stat -c %s "$LOG" 2>/dev/null || echo 0)
      launch_dockerd
      pid=$DOCKERD_PID
      rc=0
      wait_for_dockerd "$pid" || rc=$?
      ((rc == 1 && attempt < START_ATTEMPTS)) || break
      # An engine killed with containers running leaves their shims for
      # containerd to clean up at its next start, about 0.1 s each, and dockerd
      # gives containerd 15 s. Each attempt removes more of them.
      if tail -c "+$((log_size + 1))" "$LOG" | grep -q 'timeout waiting for containerd to start'; then
        warn "containerd was still cleaning up after an engine that was killed; starting dockerd again (attempt $((attempt + 1)) of ${START_ATTEMPTS})"
        continue
      fi
      # A dockerd that failed exits with a status and says why, and is not
      # tried again; one killed by a signal from outside (a machine still
      # tearing down the previous engine's processes) is.
      status=0
      wait "$pid" 2>/dev/null || status=$?
      if ((status > 128)); then
        warn "dockerd was killed by signal $((status - 128)) while starting; starting it again (attempt $((attempt + 1)) of ${START_ATTEMPTS})"
        sleep 1
        continue
      fi
      break
    done
  fi
  case $rc in
    0) return 0 ;;
    1)
      warn "dockerd exited; last lines of ${LOG}:"
      tail -n 20 "$LOG" >&2 || true
      die "dockerd did not start"
      ;;
    *)
      warn "last lines of ${LOG}:"
      tail -n 20 "$LOG" >&2 || true
      die "dockerd (pid ${pid}) did not answer on unix://${SOCKET} within ${WAIT_SECONDS} s"
      ;;
  esac
}

main() {
  if engine_answers; then
    say "a Docker engine already answers on unix://${SOCKET}; leaving it alone"
    report_runtimes
    return 0
  fi
  [[ $EUID -eq 0 ]] || die "no Docker engine answers on unix://${SOCKET}; run this script as root to start one"
  install_missing_packages
  # Installing docker.io on a host with systemd starts the system's engine.
  if engine_answers; then
    say "the docker.io package started an engine on unix://${SOCKET}; leaving it alone"
    report_runtimes
    return 0
  fi
  command -v curl >/dev/null 2>&1 || command -v docker >/dev/null 2>&1 ||
    die "neither curl nor the docker CLI is available to check the engine"
  write_config
  start_dockerd
  report_runtimes
}

main "$@"
