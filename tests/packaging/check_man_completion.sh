#!/usr/bin/env bash
# check_man_completion.sh MOAT MAN_PAGE COMPLETION_SCRIPT
# Fails unless moat(1) has a section for, and the bash completion offers,
# every command path `moat help --commands` lists; also checks that the
# completion offers runtime ids and files where the brief says it must.
set -uo pipefail
moat=$1 man=$2 completion=$3
status=0
fail() { echo "FAIL: $*" >&2; status=1; }

commands=$("$moat" help --commands) || { echo "FAIL: $moat help --commands" >&2; exit 1; }
[ -n "$commands" ] || { echo "FAIL: no commands listed" >&2; exit 1; }
[ -s "$man" ] || { echo "FAIL: $man missing or empty" >&2; exit 1; }

# shellcheck source=/dev/null
source "$completion" || { echo "FAIL: cannot source $completion" >&2; exit 1; }

# complete WORD... : the candidates the completion offers for the last word.
complete_words() {
  COMP_WORDS=("$moat" "$@")
  COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
  COMPREPLY=()
  _moat 2>/dev/null  # compopt complains outside a real completion; harmless
  printf '%s\n' "${COMPREPLY[@]}"
}
# offers CANDIDATE WORD... : true when the completion of WORD... offers CANDIDATE.
# (Captured first: with pipefail, grep -q closing the pipe early would fail it.)
offers() {
  local want=$1 got
  shift
  got=$(complete_words "$@")
  grep -qxF -- "$want" <<< "$got"
}

n=0
while IFS= read -r path; do
  [ -n "$path" ] || continue
  n=$((n + 1))
  grep -qF ".SS \"moat $path\"" "$man" || fail "man page has no section for 'moat $path'"
  grep -qF "Usage: moat $path" "$man" || fail "man page lacks the usage of 'moat $path'"
  # Type the path word by word; each word must be offered at its position.
  read -ra words <<< "$path"
  typed=()
  for w in "${words[@]}"; do
    offers "$w" "${typed[@]}" "" || fail "completion after 'moat ${typed[*]}' does not offer '$w'"
    typed+=("$w")
  done
done <<< "$commands"
[ "$n" -gt 0 ] || fail "no command paths"

# Options of a command come from its --help.
offers "--image" sandbox create x --ima || fail "no --image for 'sandbox create'"
offers "--no-color" --no- || fail "no global --no-color"

# Runtime ids from `moat plugins list -o json`.
ids=$(_moat_runtime_ids "$moat")
if [ -n "$ids" ]; then
  first=$(head -n 1 <<< "$ids")
  offers "$first" sandbox create x --runtime "" || fail "--runtime does not offer '$first'"
  offers "$first" plugins info "" || fail "'plugins info' does not offer '$first'"
else
  echo "note: no plugins found, runtime-id completion not checked"
fi

# Files for report and compare.
dir=$(mktemp -d) && trap 'rm -rf "$dir"' EXIT
touch "$dir/results.json"
for cmd in report compare; do
  if grep -qxF "$cmd" <<< "$commands"; then
    offers "$dir/results.json" "$cmd" "$dir/res" || fail "'$cmd' does not complete files"
  fi
done

[ "$status" -eq 0 ] && echo "man page and completion cover all $n command paths"
exit "$status"
