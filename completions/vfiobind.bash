# bash completion for vfiobind(8)                          -*- shell-script -*-
# shellcheck shell=bash
#
# Commands and options are listed here (tests/packages/test-doc.sh holds
# them to `vfiobind --help`); what only the system knows, the declared
# functions and the [vm NAME] sections, comes from the helper itself:
# `vfiobind [--root DIR] [--config FILE] complete devices|vms`.

# _vfiobind_live devices|vms: the helper's own candidates, with the
# --root/--config the command line has so far (words and global are the
# caller's locals). `complete` prints one word per line, never an error.
_vfiobind_live()
{
    "${words[0]}" "${global[@]}" complete "$1" 2>/dev/null
}

# shellcheck disable=SC2207 # compgen's words never hold blanks here
_vfiobind()
{
    local cur prev words cword
    # -n : keeps 0000:03:00.1 one word (':' is in COMP_WORDBREAKS).
    _init_completion -n : || return

    local commands='bind plan list status doctor check qemu-args release vm'
    local options='--root --config --quiet --debug --devices-only --record --json --help --version'
    local i cmd='' cmdi=0 sub=''
    local -a global=()

    # The options before the command; --root and --config also decide
    # which config and sysfs the candidates come from.
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
        -R | --record) ((i++)) ;;
        -r | --root | -c | --config)
            global+=("${words[i]}" "${words[i + 1]}")
            ((i++))
            ;;
        --root=* | --config=*) global+=("${words[i]}") ;;
        -*) ;;
        *)
            cmd=${words[i]}
            cmdi=$i
            break
            ;;
        esac
    done

    case $prev in
    -r | --root | -R | --record)
        _filedir -d
        return
        ;;
    -c | --config)
        _filedir
        return
        ;;
    esac

    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$options -r -c -q -d -D -R -j -h -V" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        return
    fi

    local nargs=$((cword - cmdi))
    case $cmd in
    check)
        ((nargs == 1)) && _filedir
        ;;
    qemu-args)
        ((nargs == 1)) && COMPREPLY=($(compgen -W "$(_vfiobind_live vms)" -- "$cur"))
        ;;
    bind | release)
        if ((nargs == 1)); then
            COMPREPLY=($(compgen -W "$(_vfiobind_live devices)" -- "$cur"))
            __ltrim_colon_completions "$cur"
        fi
        ;;
    vm)
        sub=${words[cmdi + 1]}
        if ((nargs == 1)); then
            COMPREPLY=($(compgen -W 'check run poweroff qmp' -- "$cur"))
        elif ((nargs == 2)); then
            COMPREPLY=($(compgen -W "$(_vfiobind_live vms)" -- "$cur"))
        elif ((nargs == 3)) && [[ $sub == qmp ]]; then
            COMPREPLY=($(compgen -W 'query-status system_powerdown system_reset query-pci' -- "$cur"))
        fi
        ;;
    esac
} &&
    complete -F _vfiobind vfiobind

# ex: filetype=sh
