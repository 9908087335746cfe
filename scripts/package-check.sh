#!/usr/bin/env bash
# package-check.sh [BUILD_DIR]
# Builds moat's .deb with CPack in BUILD_DIR (default: build), checks its
# control fields and layout, unpacks it with dpkg-deb -x into a temporary
# folder tree, and runs the unpacked usr/bin/moat: `moat version` and
# `moat plugins list`, which must find the packaged plugins next to itself
# (no --plugin-path). Then, as root, installs it with apt-get and runs the
# installed binary (version, runtimes, a sandbox), and purges it. Exits
# non-zero on the first problem.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
fail() { echo "package-check: $*" >&2; exit 1; }

prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
[ "$prefix" = /usr ] || fail "configure $build with -DCMAKE_INSTALL_PREFIX=/usr (it has '$prefix')"

# cpack builds what is installed (the 'all' target) first. Old packages go
# first so that the one checked is the one just built.
rm -f "$build"/moat_*.deb
(cd "$build" && cpack -G DEB) > "$build/package-check.log" 2>&1 || { tail -40 "$build/package-check.log"; fail "cpack failed"; }
debs=("$build"/moat_*.deb)
deb=${debs[0]}
[ -f "$deb" ] || fail "cpack made no moat_*.deb in $build"
echo "package-check: built $deb"

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = moat ] || fail "Package is '$(field Package)'"
depends=$(field Depends)
[ -n "$depends" ] || fail "no Depends (dpkg-shlibdeps did not run?)"
echo "$depends" | grep -q libc6 || fail "Depends lacks libc6: $depends"
field Recommends | grep -qw docker.io || fail "Recommends lacks docker.io"
field Suggests | grep -qw runsc || fail "Suggests lacks runsc"
field Suggests | grep -qw fio || fail "Suggests lacks fio"
echo "package-check: Depends: $depends"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"

arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
for f in usr/bin/moat "usr/lib/$arch/moat/moat-plugin-examiner" "usr/lib/$arch/moat/moat-plugin-broker" "usr/include/moat/plugin_abi.h" \
         "usr/lib/$arch/cmake/moat/moatConfig.cmake" usr/share/man/man1/moat.1.gz \
         usr/share/bash-completion/completions/moat usr/share/moat/workloads \
         usr/share/moat/seed-matrix.json usr/share/moat/documented-cells.json; do
  [ -e "$root/$f" ] || fail "package lacks /$f"
done
plugins=$(find "$root/usr/lib/$arch/moat/plugins" -name 'moat-*.so' | wc -l)
[ "$plugins" -gt 0 ] || fail "package has no plugins in /usr/lib/$arch/moat/plugins"

moat="$root/usr/bin/moat"
# A fresh cache dir: verdicts cached for other trees must not be reused.
export XDG_CACHE_HOME="$root/cache" XDG_CONFIG_HOME="$root/config"
unset MOAT_PLUGIN_PATH
"$moat" version || fail "unpacked moat version failed"
"$moat" version | grep -q "plugin ABI" || fail "moat version does not print the plugin ABI"
list=$("$moat" -o json plugins list) || fail "unpacked moat plugins list failed"
found=$(grep -c "\"path\": \"$root/usr/lib/$arch/moat/plugins/" <<< "$list" || true)
[ "$found" -eq "$plugins" ] || { echo "$list"; fail "moat found $found of the $plugins packaged plugins in its own tree"; }
bad=$(grep -c '"ok": false' <<< "$list" || true)
[ "$bad" -eq 0 ] || { echo "$list"; fail "$bad packaged plugins failed to load"; }
"$moat" plugins list
echo "package-check: ok ($plugins plugins load from the unpacked tree)"

# Installed the Debian way, where that may be done (root, apt, and no moat
# package already there that this would replace): apt-get install ./moat_*.deb,
# then the installed binary's version, runtimes and one sandbox, then a purge
# that leaves nothing of the package. MOAT_PACKAGE_INSTALL=0 skips it.
if [ "${MOAT_PACKAGE_INSTALL:-1}" != 1 ]; then
  echo "package-check: install step skipped (MOAT_PACKAGE_INSTALL=${MOAT_PACKAGE_INSTALL})"
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "package-check: install step skipped (needs root and apt-get)"
  exit 0
fi
if dpkg-query -W -f='${Status}' moat 2>/dev/null | grep -q 'install ok installed'; then
  echo "package-check: install step skipped (a moat package is already installed; it is left alone)"
  exit 0
fi
sandbox="moat-package-check-$$"
# shellcheck disable=SC2317  # called by the trap
finish() {
  if [ -x /usr/bin/moat ]; then
    /usr/bin/moat sandbox rm "$sandbox" -q >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq moat >/dev/null 2>&1
  fi
  rm -rf "$root"
}
trap finish EXIT
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb" >"$build/package-install.log" 2>&1 ||
  { tail -20 "$build/package-install.log"; fail "apt-get install $deb failed"; }
[ "$(command -v moat)" = /usr/bin/moat ] || [ -x /usr/bin/moat ] || fail "the package did not install /usr/bin/moat"
/usr/bin/moat version | grep -q "plugin ABI" || fail "installed moat version failed"
/usr/bin/moat runtimes || fail "installed moat runtimes failed"
/usr/bin/moat runtimes -q | grep -qx runc || fail "installed moat finds no usable runc runtime"
/usr/bin/moat sandbox create "$sandbox" --runtime runc --image moat/base:busybox --start \
  --label "moat.run-id=package-check-$$" -q || fail "installed moat could not create a sandbox"
[ "$(/usr/bin/moat sandbox exec "$sandbox" -- echo installed)" = installed ] || fail "installed moat could not exec"
/usr/bin/moat sandbox rm "$sandbox" -q || fail "installed moat could not remove its sandbox"
# moat serve as the package ships it: the moat group from postinst, the
# unit, and the installed binary serving on its default socket (0660
# root:moat) until SIGTERM, after which the socket is gone.
getent group moat >/dev/null || fail "postinst did not create the moat group"
[ -f /lib/systemd/system/moat.service ] || fail "the package has no /lib/systemd/system/moat.service"
grep -qx 'ExecStart=/usr/bin/moat serve' /lib/systemd/system/moat.service || fail "moat.service does not run /usr/bin/moat serve"
if [ -e /run/moat/moat.sock ]; then
  echo "package-check: serve step skipped (/run/moat/moat.sock exists: a moat serve runs here)"
else
  /usr/bin/moat serve >"$build/package-serve.log" 2>&1 &
  serve_pid=$!
  i=0
  until curl -sf --unix-socket /run/moat/moat.sock http://moat/_ping >/dev/null 2>&1; do
    i=$((i + 1))
    [ "$i" -lt 100 ] || { cat "$build/package-serve.log"; kill "$serve_pid"; fail "installed moat serve did not answer"; }
    sleep 0.1
  done
  [ "$(stat -c '%a %U %G' /run/moat/moat.sock)" = "660 root moat" ] ||
    fail "the socket is $(stat -c '%a %U %G' /run/moat/moat.sock), want 660 root moat"
  curl -sf --unix-socket /run/moat/moat.sock http://moat/runtimes | grep -q '"id":"runc"' ||
    fail "installed moat serve does not list runc"
  kill -TERM "$serve_pid"
  wait "$serve_pid" || fail "installed moat serve exited $? after SIGTERM"
  [ ! -e /run/moat/moat.sock ] || fail "moat serve left /run/moat/moat.sock"
fi
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq moat >>"$build/package-install.log" 2>&1 || fail "apt-get purge moat failed"
[ ! -e /usr/bin/moat ] || fail "/usr/bin/moat is still there after the purge"
if dpkg-query -W -f='${Status}' moat 2>/dev/null | grep -q 'installed'; then fail "moat is still installed after the purge"; fi
for f in /usr/lib/*/moat /usr/share/moat /usr/include/moat /lib/systemd/system/moat.service; do
  [ ! -e "$f" ] || fail "$f is still there after the purge"
done
echo "package-check: ok (apt-get install, version, runtimes, a sandbox, moat serve, purge)"
exit 0
