#!/usr/bin/env bash
# Keeps the reference part of docs/cli.md equal to what `moat --help` says.
#
#   tests/cli/update-cli-reference.sh MOAT_BINARY [DOC]          rewrite it
#   tests/cli/update-cli-reference.sh --check MOAT_BINARY [DOC]  exit 1 (and show a diff) if stale
#
# The part between the two marker lines is generated: `moat --help`, then
# `moat <command> --help` for every command that `moat help --commands`
# lists. test_cli runs the --check form.
set -euo pipefail

check=0
if [[ ${1:-} == --check ]]; then
  check=1
  shift
fi
moat=${1:?usage: update-cli-reference.sh [--check] MOAT_BINARY [DOC]}
doc=${2:-$(cd "$(dirname "$0")/../.." && pwd)/docs/cli.md}
begin='<!-- BEGIN GENERATED: tests/cli/update-cli-reference.sh -->'
end='<!-- END GENERATED -->'

generate() {
  echo "$begin"
  echo
  echo '### moat --help'
  echo
  echo '```text'
  NO_COLOR=1 "$moat" --help
  echo '```'
  local cmd
  while IFS= read -r cmd; do
    local -a words
    read -r -a words <<<"$cmd"
    echo
    echo "### moat $cmd"
    echo
    echo '```text'
    NO_COLOR=1 "$moat" "${words[@]}" --help
    echo '```'
  done < <("$moat" help --commands)
  echo
  echo "$end"
}

if ! grep -qxF "$begin" "$doc" || ! grep -qxF "$end" "$doc"; then
  echo "update-cli-reference.sh: $doc lacks the marker lines" >&2
  exit 65
fi

tmp=$(mktemp)
trap 'rm -f -- "$tmp"' EXIT
{
  sed -n "1,/^$(printf '%s' "$begin" | sed 's/[][\/.*^$]/\\&/g')\$/p" "$doc" | sed '$d'
  generate
  sed -n "/^$(printf '%s' "$end" | sed 's/[][\/.*^$]/\\&/g')\$/,\$p" "$doc" | sed '1d'
} >"$tmp"

if ((check)); then
  if ! diff -u "$doc" "$tmp"; then
    echo "docs/cli.md is stale: run tests/cli/update-cli-reference.sh $moat" >&2
    exit 1
  fi
else
  cat "$tmp" >"$doc"
fi
