#!/usr/bin/env bash
# install_build_load.sh BUILD_DIR EXAMPLE_SRC WORK_DIR
set -euo pipefail
build=$1 example=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
stage="$work/stage" consumer="$work/consumer"

fail() { echo "sdk_consumer: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$stage" > "$work/install.log"
[ -f "$stage/include/moat/plugin_abi.h" ] || fail "installed SDK lacks include/moat/plugin_abi.h"

# Nothing from moat's source or build tree may leak into the consumer: it sees
# only the staged prefix.
cmake -S "$example" -B "$consumer" -DCMAKE_PREFIX_PATH="$stage" -DCMAKE_INSTALL_PREFIX="$work/plugins-prefix" \
  > "$work/configure.log" || { cat "$work/configure.log"; fail "configure against the installed package failed"; }
cmake --build "$consumer" -j2 > "$work/build.log" || { cat "$work/build.log"; fail "build failed"; }
cmake --install "$consumer" > /dev/null

plugin=$(find "$work/plugins-prefix" -name moat-scratch.so | head -n 1)
[ -n "$plugin" ] || fail "moat_add_plugin did not install moat-scratch.so"

# The plugin exports exactly its entry point and no STB_GNU_UNIQUE symbol.
exports=$(nm -D --defined-only "$plugin" | awk '{print $3}' | grep -v '^_' | sort | tr '\n' ' ')
[ "$exports" = "moat_plugin_entry_v1 " ] || fail "plugin exports '$exports', expected only moat_plugin_entry_v1"
if nm -D "$plugin" | grep -q ' u '; then fail "plugin has STB_GNU_UNIQUE symbols"; fi

# The installed moat loads it.
out=$("$stage/bin/moat" --plugin-path "$(dirname "$plugin")" -o json plugins info scratch) \
  || fail "installed moat could not load the plugin: $out"
echo "$out" | grep -q '"status": *"ok"' || fail "plugin not ok: $out"
echo "sdk_consumer: ok ($plugin)"
