#!/usr/bin/env bash
# package-check.sh [BUILD_DIR]
# Builds moat's .deb with CPack in BUILD_DIR (default: build), checks its
# control fields and layout, unpacks it with dpkg-deb -x into a temporary
# folder tree, and runs the unpacked usr/bin/moat: `moat version` and
# `moat plugins list`, which must find the packaged plugins next to itself
# (no --plugin-path). Exits non-zero on the first problem.
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
