#!/bin/zsh -f
# zsh-complete.zsh TOP OUT LINE - press Tab after LINE in an interactive zsh
# (a pseudo-terminal, zsh/zpty) with compinit and completions/_vfiobind
# loaded, and write every match the completion offered to OUT, one per line.
# compadd is wrapped to record its matches (-O) before adding them, so what
# is tested is what the real completion system would list.
top=$1 out=$2 line=$3
zmodload zsh/zpty || exit 2
zpty z 'zsh -f -i'
zpty -w z "fpath=($top/completions \$fpath); autoload -Uz compinit; compinit -u -d ${out}.zcompdump"
zpty -w z "compadd() { local -a m; builtin compadd -O m \"\$@\"; print -l -- \$m >>$out; builtin compadd \"\$@\"; }"
zpty -w z "print ready >$out.ready"
for i in {1..100}; do [[ -e $out.ready ]] && break; sleep 0.1; done
[[ -e $out.ready ]] || { print -u2 "zsh-complete: the interactive zsh did not start"; exit 2; }
: >$out
zpty -w -n z "$line"$'\t'
# The matches arrive in one go; give a slow machine time for the first.
for i in {1..100}; do [[ -s $out ]] && break; sleep 0.1; done
sleep 0.5
zpty -d z
rm -f $out.ready $out.zcompdump
