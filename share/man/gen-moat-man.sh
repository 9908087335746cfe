#!/usr/bin/env bash
# gen-moat-man.sh MOAT OUT VERSION
# Writes moat(1) from the built binary's own help, so the man page can never
# name a command the binary lacks or miss one it has: the synopsis and global
# options come from `moat --help`, one subsection per command from
# `moat help --commands` and that command's --help.
set -euo pipefail
moat=$1 out=$2 version=$3

# roff: escape backslashes, and keep lines that start with . or ' literal.
roff() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/" -e 's/-/\\-/g'; }

top=$("$moat" --no-color --help)
commands=$("$moat" help --commands)
[ -n "$commands" ] || { echo "gen-moat-man: '$moat help --commands' printed nothing" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
tmp="$out.tmp"
{
  echo ".TH MOAT 1 \"\" \"moat $version\" \"User Commands\""
  echo ".SH NAME"
  echo "moat \\- one interface in front of container isolation backends, and a benchmark of them"
  echo ".SH SYNOPSIS"
  echo ".B moat"
  echo "[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR...]"
  echo ".SH DESCRIPTION"
  # The paragraph between the usage line and "Commands:".
  printf '%s\n' "$top" | awk 'NR>2 && /^Commands:/ {exit} NR>2' | roff
  echo ".SH OVERVIEW"
  echo ".nf"
  printf '%s\n' "$top" | awk '/^Commands:/ {on=1} on' | roff
  echo ".fi"
  echo ".SH COMMANDS"
  while IFS= read -r cmd; do
    [ -n "$cmd" ] || continue
    echo ".SS \"moat $cmd\""
    echo ".nf"
    # shellcheck disable=SC2086 # a command path is words: "sandbox create"
    "$moat" --no-color $cmd --help | roff
    echo ".fi"
  done <<< "$commands"
  cat <<'ROFF'
.SH ENVIRONMENT
.TP
.B MOAT_PLUGIN_PATH
Colon\-separated directories searched for plugins after \fB\-\-plugin\-path\fR.
.TP
.B NO_COLOR
When set, output is never coloured.
.TP
.B XDG_CONFIG_HOME, XDG_CACHE_HOME
Where the user configuration and the plugin verdict cache live.
.SH FILES
.TP
.I /etc/moat/config.json
System configuration.
.TP
.I $XDG_CONFIG_HOME/moat/config.json
User configuration.
.TP
.I <dir of moat>/../lib/moat/plugins
Built\-in plugin directory (for the Debian package, /usr/lib/<arch>/moat/plugins).
.TP
.I /usr/share/moat
Reference workloads and the seed capability table.
.SH EXIT STATUS
sysexits(3): 0 ok, 1 failed, 64 usage, 65 data error, 66 no input,
69 unavailable, 70 internal, 75 temporary failure, 77 no permission,
78 configuration error, 130 interrupted.
.SH SEE ALSO
.BR docker (1),
.BR runsc (8),
.BR fio (1)
ROFF
} > "$tmp"
mv "$tmp" "$out"
