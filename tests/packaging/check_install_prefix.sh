#!/usr/bin/env bash
# check_install_prefix.sh SOURCE_DIR
# The .deb installs under /usr whatever prefix the build was configured
# with (Debian policy keeps /usr/local for the administrator): configures
# SOURCE_DIR with the default prefix (/usr/local) in a temporary directory,
# builds nothing, and reads the CPack configuration cpack would use.
set -euo pipefail
src=${1:?usage: check_install_prefix.sh SOURCE_DIR}
fail() { echo "check_install_prefix: $*" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/moat-prefix.XXXXXX")
trap 'rm -rf "$work"' EXIT
cmake -S "$src" -B "$work" -DMOAT_PCH=OFF >"$work/configure.log" 2>&1 || { tail -20 "$work/configure.log"; fail "configure failed"; }
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$work/CMakeCache.txt")
[ "$prefix" = /usr/local ] || fail "expected the default prefix /usr/local, got '$prefix'"
packaged=$(sed -n 's/^set(CPACK_PACKAGING_INSTALL_PREFIX "\(.*\)")$/\1/p' "$work/CPackConfig.cmake")
[ "$packaged" = /usr ] || fail "a build configured for $prefix packages under '$packaged', not /usr"
echo "check_install_prefix: ok (configured for $prefix, packaged under $packaged)"
