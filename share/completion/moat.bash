# bash completion for moat(1).
#
# Nothing here lists moat's commands or options by hand: command paths come
# from `moat help --commands`, a command's options from its own --help, and
# runtime ids from `moat plugins list -o json`, so the completion follows the
# binary it completes.
#
# COMPREPLY=($(compgen ...)) and splitting command paths into words is the
# usual completion idiom: candidates never contain spaces here.
# shellcheck disable=SC2086,SC2206,SC2207

# Global options that take a value (their value is not a command word).
_moat_global_with_arg='--config|--plugin-path|--log-level|-o|--output'

# Prints "OPTION ARG-NAME" for each option in an options block of --help
# (Boost.Program_options layout: "  -v [ --bind ] SRC:DST", "  --runtime ID").
_moat_options_of() {
  "$1" --no-color "${@:2}" --help 2>/dev/null |
    sed -n -E 's/^  (-[a-zA-Z] \[ )?(--[a-z][a-z0-9-]*)( \])?( ([^ ]+))?.*/\2 \5/p'
}

_moat_runtime_ids() {
  "$1" -q plugins list -o json 2>/dev/null |
    sed -n -E 's/^ +"id": *"([^"]*)".*/\1/p'
}

_moat() {
  local cur prev moat=${COMP_WORDS[0]}
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD-1]}
  [[ $moat == */* || -n $(type -P "$moat") ]] || moat=moat

  # Collect the words typed so far that are not options or option values.
  local -a words=()
  local i w skip=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    if ((skip)); then skip=0; continue; fi
    if [[ $w == -* ]]; then
      [[ $w == @($_moat_global_with_arg) ]] && skip=1
      continue
    fi
    words+=("$w")
  done

  # The longest command path that the typed words begin with.
  local cmdpaths path="" p
  cmdpaths=$("$moat" help --commands 2>/dev/null) || return 0
  while IFS= read -r p; do
    [[ -n $p ]] || continue
    local -a pw=($p)
    [[ ${#pw[@]} -le ${#words[@]} && "${words[*]:0:${#pw[@]}}" == "$p" && ${#p} -gt ${#path} ]] && path=$p
  done <<< "$cmdpaths"

  # Values of options.
  case $prev in
    --config|--socket) COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames; return 0 ;;
    --plugin-path) COMPREPLY=($(compgen -d -- "$cur")); compopt -o filenames; return 0 ;;
    --log-level) COMPREPLY=($(compgen -W "trace debug info warn error off" -- "$cur")); return 0 ;;
    -o|--output) COMPREPLY=($(compgen -W "table json" -- "$cur")); return 0 ;;
    --runtime) COMPREPLY=($(compgen -W "$(_moat_runtime_ids "$moat")" -- "$cur")); return 0 ;;
    --runtimes)
      # A comma-separated list: complete the last element.
      local head=${cur%,*} last=${cur##*,} id
      [[ $cur == *,* ]] && head="$head," || head=""
      COMPREPLY=()
      for id in $(compgen -W "$(_moat_runtime_ids "$moat")" -- "$last"); do COMPREPLY+=("$head$id"); done
      compopt -o nospace
      return 0 ;;
  esac
  if [[ $prev == -* && -n $path ]]; then
    # Another option of this command that takes a value: files are the best guess.
    local opt arg
    while read -r opt arg; do
      if [[ $opt == "$prev" && -n $arg ]]; then
        COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames; return 0
      fi
    done < <(_moat_options_of "$moat" $path)
  fi

  if [[ $cur == -* ]]; then
    local opts
    opts=$( { _moat_options_of "$moat"; [[ -n $path ]] && _moat_options_of "$moat" $path; } | cut -d' ' -f1 | sort -u)
    COMPREPLY=($(compgen -W "$opts -h -q -o" -- "$cur"))
    return 0
  fi

  # The next word of a command path (after `help`, of the command it names).
  local -a pw
  [[ $path == help ]] && words=("${words[@]:1}")
  local n=${#words[@]} nexts=""
  while IFS= read -r p; do
    pw=($p)
    [[ ${#pw[@]} -gt $n && "${pw[*]:0:$n}" == "${words[*]}" ]] && nexts+=" ${pw[n]}"
  done <<< "$cmdpaths"
  if [[ -n $nexts ]]; then
    COMPREPLY=($(compgen -W "$(printf '%s\n' $nexts | sort -u)" -- "$cur"))
    return 0
  fi

  # Positional arguments of a complete command.
  case $path in
    report|compare) COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames ;;
    "plugins check") COMPREPLY=($(compgen -f -X '!*.so' -- "$cur") $(compgen -d -- "$cur")); compopt -o filenames ;;
    "plugins info") COMPREPLY=($(compgen -W "$(_moat_runtime_ids "$moat")" -- "$cur")) ;;
  esac
  return 0
}
complete -F _moat moat
