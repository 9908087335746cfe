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
readonly WAIT_SECONDS=30
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

# The pid from our pidfile when that process is still a dockerd.
our_dockerd_pid() {
  [[ -f $PIDFILE ]] || return 1
  local pid
  pid=$(<"$PIDFILE")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ "$(cat "/proc/${pid}/comm" 2>/dev/null)" == dockerd ]] || return 1
  printf '%s\n' "$pid"
}

start_dockerd() {
  local pid
  if pid=$(our_dockerd_pid); then
    say "dockerd (pid ${pid}, from ${PIDFILE}) is running but not answering yet; waiting for it"
  else
    command -v dockerd >/dev/null 2>&1 || die "dockerd is not on PATH after installing docker.io"
    rm -f "$PIDFILE"  # stale: its process is gone
    say "starting dockerd --config-file ${CONFIG} (log: ${LOG}, pidfile: ${PIDFILE})"
    # setsid: the engine must outlive this script and its terminal.
    setsid dockerd --config-file "$CONFIG" -H "unix://${SOCKET}" --pidfile "$PIDFILE" \
      </dev/null >>"$LOG" 2>&1 &
    pid=$!
  fi
  local waited=0
  until engine_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      warn "dockerd exited; last lines of ${LOG}:"
      tail -n 20 "$LOG" >&2 || true
      die "dockerd did not start"
    fi
    if ((waited >= WAIT_SECONDS * 10)); then
      warn "last lines of ${LOG}:"
      tail -n 20 "$LOG" >&2 || true
      die "dockerd (pid ${pid}) did not answer on unix://${SOCKET} within ${WAIT_SECONDS} s"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  say "dockerd (pid ${pid}) answers on unix://${SOCKET} after $((waited / 10)).$((waited % 10)) s"
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
