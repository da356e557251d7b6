#!/bin/bash
# test-doc.sh - the man pages and the shell completions against the helper:
#   - mandoc -Tlint on both pages: no message (the only ones let through are
#     "referenced manual not found", which says what this machine has
#     installed - mkinitcpio(8) is not packaged for Debian - not what the
#     page says);
#   - the commands and options of `vfiobind --help`, of vfiobind(8)
#     (COMMANDS, OPTIONS) and of each completion are the same lists;
#   - bash: the completion function run in an interactive bash (`bash -i`)
#     with COMP_WORDS/COMP_CWORD as readline sets them, against a fake root
#     (tests/fixtures/mksysfs.sh), the live candidates included;
#   - zsh: the completion parses and autoloads (compinit), and Tab in an
#     interactive zsh (zsh-complete.zsh) offers the same commands and live
#     candidates; fish: it loads, and `complete -C` does the same.
#
# Env: VFIOBIND (the helper), MANDIR (the built pages, default: its dir),
# WORK (scratch dir).
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
vfiobind=${VFIOBIND:?VFIOBIND=path of the helper}
mandir=${MANDIR:-$(dirname "$vfiobind")}
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
# shellcheck source=../lib/tap.sh
. "$top/tests/lib/tap.sh"

# same WHAT GOT WANT: two word lists, order ignored.
same() {
	local got want
	got=$(tr ' ' '\n' <<<"$2" | sed '/^$/d' | sort -u | paste -sd' ' -)
	want=$(tr ' ' '\n' <<<"$3" | sed '/^$/d' | sort -u | paste -sd' ' -)
	[ "$got" = "$want" ] && return 0
	echo "$1: got:  $got"
	echo "$1: want: $want"
	return 1
}

lint() {
	local out
	out=$(mandoc -Tlint "$mandir/vfiobind.8" "$mandir/vfiobind.conf.5" 2>&1 |
		grep -v -e 'referenced manual not found' -e 'outdated mandoc.db')
	[ -z "$out" ] || { echo "$out"; return 1; }
}
check "mandoc -Tlint: vfiobind.8 and vfiobind.conf.5 clean" lint

# --- the lists -----------------------------------------------------------
# --help: "  bind   ..." under Commands:, "  -r, --root DIR ..." under
# Options:. A command is its leading lower-case words (vm check NAME ->
# "vm check"); an option is its "-r, --root" part.
help=$("$vfiobind" --help)
# The first column ends at a run of two blanks.
help_cmds=$(awk '/^Commands:/ {s = 1; next} /^$/ {s = 0} s && /^  [a-z]/ {
	split(substr($0, 3), col, /  +/); n = split(col[1], w, " ")
	c = ""; for (i = 1; i <= n && w[i] ~ /^[a-z][a-z-]*$/; i++) c = c (c ? "_" : "") w[i]; print c }' <<<"$help")
help_opts=$(awk '/^Options:/ {s = 1; next} /^$/ {s = 0} s && /^  -/ {
	split(substr($0, 3), col, /  +/); n = split(col[1], w, " ")
	for (i = 1; i <= n && w[i] ~ /^-/; i++) print w[i] }' <<<"$help" | tr -d ,)
top_cmds=$(cut -d_ -f1 <<<"$help_cmds" | sort -u)
vm_subs=$(sed -n 's/^vm_//p' <<<"$help_cmds")

# vfiobind.8: ".It Cm vm check Ar NAME" in COMMANDS, ".It Fl r , Fl \-root
# Ar DIR" in OPTIONS (mdoc source: the macros say which word is what).
man_src=$top/man/vfiobind.8
man_cmds=$(awk '/^\.Sh / {s = ($2 == "COMMANDS")} s && /^\.It Cm / {
	c = ""; for (i = 3; i <= NF && $i !~ /^[A-Z][a-z]$/; i++) c = c (c ? "_" : "") $i; print c }' "$man_src")
man_opts=$(awk '/^\.Sh / {s = ($2 == "OPTIONS")} s && /^\.It Fl / {
	for (i = 2; i < NF; i++) if ($i == "Fl") { o = $(i + 1); if (sub(/^\\-/, "--", o)) print o; else print "-" o } }' "$man_src")
check "vfiobind(8) COMMANDS lists the commands of --help" same commands "$man_cmds" "$help_cmds"
check "vfiobind(8) OPTIONS lists the options of --help" same options "$man_opts" "$help_opts"
check "--help lists commands at all (the parse found them)" test "$(wc -w <<<"$help_cmds")" -ge 8

# --- bash ----------------------------------------------------------------
root=$work/root
"$top/tests/fixtures/mksysfs.sh" "$top/tests/fixtures/topologies/b550-gtx1060.topo" "$root" >/dev/null 2>&1 ||
	echo "# mksysfs.sh failed"
cat >"$root/etc/vfiobind.conf" <<'CONF'
0000:0a:00.0                  # a function
0000:09:00                    # a slot
10de:10f1                     # an ID: resolved to its functions
[vm win11]
user = gamer
qemu = qemu-system-x86_64
[vm test-2]
user = gamer
qemu = qemu-system-x86_64
CONF
live_devices=$("$vfiobind" --root "$root" complete devices | paste -sd' ' -)

# A completion never prints into the command line: no config, no sysfs,
# a config full of errors give fewer words, exit 0, nothing on stderr.
quiet_complete() {
	local r=$work/empty out err
	mkdir -p "$r/etc"
	printf '0000:zz:00.0\n[vm bad name]\n' >"$r/etc/vfiobind.conf"
	out=$("$vfiobind" --root "$r" complete devices 2>"$work/c.err")$("$vfiobind" --root "$work/none" complete vms 2>>"$work/c.err") || return 1
	err=$(cat "$work/c.err")
	[ -z "$out$err" ] && return 0
	echo "stdout: '$out' stderr: '$err'"
	return 1
}
check "complete: no sysfs, no config or a broken one: no words, no error, exit 0" quiet_complete

# bash_complete LINE: COMPREPLY of _vfiobind for LINE (the cursor at its
# end), from an interactive bash with bash-completion loaded. Words are
# split as readline splits them: at blanks, and ':' (COMP_WORDBREAKS) is
# a word of its own.
bash_complete() {
	local script
	script=$(
		cat <<'SH'
. /usr/share/bash-completion/bash_completion
. "$COMPLETION"
COMP_LINE=$LINE
COMP_POINT=${#LINE}
read -ra COMP_WORDS <<<"${LINE//:/ : }"
[[ $LINE == *' ' ]] && COMP_WORDS+=('')
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_vfiobind
printf '%s\n' "${COMPREPLY[@]}"
SH
	)
	COMPLETION=$top/completions/vfiobind.bash LINE=$1 \
		bash --norc --noprofile -i -c "$script" 2>"$work/bash.err"
}

bash_is() { # LINE WANT
	local got
	got=$(bash_complete "$1" | paste -sd' ' -)
	same "bash: '$1'" "$got" "$2" || { sed 's/^/stderr: /' "$work/bash.err"; return 1; }
}
v=$vfiobind
check "bash: commands are those of --help" bash_is "$v " "$top_cmds"
check "bash: long options are those of --help" bash_is "$v --" "$(grep '^--' <<<"$help_opts")"
check "bash: vm subcommands are those of --help" bash_is "$v vm " "$vm_subs"
check "bash: release offers the helper's live devices" bash_is "$v --root $root release " "$live_devices"
check "bash: bind (the late bind) offers the helper's live devices" bash_is "$v --root $root bind " "$live_devices"
check "bash: ... declared, ID-resolved and on vfio-pci: 09:00 0a:00.0 08:00.0 08:00.1" \
	same devices "$live_devices" "0000:08:00.0 0000:08:00.1 0000:09:00 0000:0a:00.0"
check "bash: release 0000:0 completes past the colon (words split at ':')" \
	bash_is "$v -r $root release 0000:0" "08:00.0 08:00.1 09:00 0a:00.0"
check "bash: vm run offers the [vm] names" bash_is "$v --root $root vm run " "win11 test-2"
check "bash: qemu-args w offers win11" bash_is "$v --config $root/etc/vfiobind.conf qemu-args w" "win11"
check "bash: --root completes directories" bash_is "$v --root $top/tests/pack" "$top/tests/packages"

# --- zsh, fish ------------------------------------------------------------
zsh_loads() {
	zsh -n "$top/completions/_vfiobind" &&
		zsh -f -c "fpath=($top/completions \$fpath); autoload -Uz compinit && compinit -u -d $work/zcompdump &&
			autoload -Uz +X _vfiobind && [[ \${_comps[vfiobind]} == _vfiobind ]]"
}
check "zsh: _vfiobind parses, and compinit binds it to vfiobind" zsh_loads

# zsh_is LINE WANT: the matches zsh offers on Tab after LINE
# (zsh-complete.zsh: an interactive zsh on a pseudo-terminal).
zsh_is() {
	local got
	rm -f "$work/zsh.out"
	zsh -f "$here/zsh-complete.zsh" "$top" "$work/zsh.out" "$1" || return 1
	got=$(sort -u "$work/zsh.out" | paste -sd' ' -)
	same "zsh: '$1'" "$got" "$2"
}
check "zsh: Tab offers the commands of --help" zsh_is "$v " "$top_cmds"
check "zsh: release offers the helper's live devices" zsh_is "$v --root $root release " "$live_devices"
check "zsh: bind (the late bind) offers the helper's live devices" zsh_is "$v --root $root bind " "$live_devices"
check "zsh: vm run offers the [vm] names" zsh_is "$v -r $root vm run " "win11 test-2"

fish_is() { # LINE WANT
	local got
	got=$(fish --no-config -c "source $top/completions/vfiobind.fish; complete -C '$1'" 2>&1 | cut -f1 | paste -sd' ' -)
	same "fish: '$1'" "$got" "$2"
}
check "fish: loads; commands are those of --help" fish_is "$v " "$top_cmds"
check "fish: release offers the helper's live devices" fish_is "$v --root $root release " "$live_devices"
check "fish: bind (the late bind) offers the helper's live devices" fish_is "$v --root $root bind " "$live_devices"
check "fish: vm qmp offers the [vm] names" fish_is "$v -r $root vm qmp " "win11 test-2"

[ -n "${WORK:-}" ] || rm -rf "$work"
summary
