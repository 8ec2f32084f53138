# Bash completion for kumo (docs/cli.md). Load it with
#   source tools/cli/kumo.bash
# or install it as /usr/share/bash-completion/completions/kumo
# (`cmake --install` does).

_kumo() {
  local cur prev cmd i
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD-1]}
  local commands="login logout add queue pause resume cancel retry series scan health help"
  local global="--json --verbose --url --help --version"

  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      --url) ((i++)) ;;
      -*) ;;
      *) cmd=${COMP_WORDS[i]}; break ;;
    esac
  done

  case $prev in
    --url) COMPREPLY=($(compgen -W "http:// https://" -- "$cur")); return ;;
    --priority) COMPREPLY=($(compgen -W "high normal low" -- "$cur")); return ;;
    --provider) COMPREPLY=($(compgen -W "direct hls" -- "$cur")); return ;;
    --series|--season|--episode|--limit|--name|--folder) return ;;
  esac

  if [ -z "$cmd" ]; then
    COMPREPLY=($(compgen -W "$commands $global" -- "$cur"))
    return
  fi

  local opts=""
  case $cmd in
    login) opts="--password-stdin" ;;
    add) opts="--series --season --episode --priority --name --folder --provider" ;;
    queue) opts="--watch --limit" ;;
    pause|resume|retry) opts="--all" ;;
    scan) opts="--wait" ;;
    help) COMPREPLY=($(compgen -W "$commands" -- "$cur")); return ;;
  esac
  COMPREPLY=($(compgen -W "$opts $global" -- "$cur"))
}

complete -F _kumo kumo
