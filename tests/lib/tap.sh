# shellcheck shell=bash
# tap.sh - the one way every shell suite reports: TAP test points
# (https://testanything.org), their diagnostics, and the closing count
# that `make check` and CI read. Sourced, never run.
#
#   check DESCRIPTION COMMAND...  one test point: COMMAND run in this shell,
#                                 `ok N - DESCRIPTION` when it succeeds,
#                                 `not ok N - DESCRIPTION` when it fails;
#                                 then what it printed, as diagnostics
#   ok DESCRIPTION, not_ok DESCRIPTION
#                                 a test point the suite decided itself
#   expect WHAT GOT WANT          inside a check: compare, saying both on a
#                                 mismatch
#   bail REASON                   `Bail out! REASON`, exit 2: the suite
#                                 cannot run at all (a tool missing, no
#                                 helper built)
#   die MESSAGE                   for the tools the suites call (not
#                                 suites): `PROG: MESSAGE` on stderr,
#                                 exit 2; PROG is $tap_prog, by default
#                                 the script's name without .sh
#   summary                       a diagnostic with the suite's wall time
#                                 (`# PROG: S s`, bash's SECONDS: CI's
#                                 budget is read off these), the plan
#                                 `1..N`, then the closing line
#                                 `P passed, F failed`, alone on a line;
#                                 returns 1 when a point failed
#   tap_run COMMAND...,           check's two halves, for a suite that
#   tap_diag [PREFIX]             prints its verdicts in a form of its own
#                                 (tests/vm/e2e-guest.sh, whose lines the
#                                 host reads off a serial console)
#
# A diagnostic line starts with "# " (a line that starts with "#" already
# is kept as it is), so a TAP reader never takes it for a verdict. check
# always returns 0: the suites run under `set -e`, and a failed point is
# counted, not fatal.

tap_n=0
tap_passed=0
tap_failed=0
tap_held=
tap_prog=${tap_prog:-$(basename "$0" .sh)}

ok() {
	tap_n=$((tap_n + 1))
	tap_passed=$((tap_passed + 1))
	echo "ok $tap_n - $*"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}

# tap_run COMMAND...: run it in this shell (so that it may set the suite's
# variables), stdout and stderr held for tap_diag; its exit status.
tap_run() {
	[ -n "$tap_held" ] || tap_held=$(mktemp "${TMPDIR:-/tmp}/tap.XXXXXX")
	"$@" >"$tap_held" 2>&1
}

# tap_diag [PREFIX]: what the last tap_run printed, as diagnostic lines,
# each after PREFIX.
tap_diag() {
	[ -n "$tap_held" ] || return 0
	awk -v p="${1:-}" '{ print p (/^#/ ? $0 : /^$/ ? "#" : "# " $0) }' "$tap_held"
}

check() {
	local desc=$1
	shift
	if tap_run "$@"; then
		ok "$desc"
	else
		not_ok "$desc"
	fi
	tap_diag ""
}

expect() {
	[ "$2" = "$3" ] && return 0
	echo "$1: got '$2', want '$3'"
	return 1
}

bail() {
	echo "Bail out! $*"
	[ -z "$tap_held" ] || rm -f "$tap_held"
	exit 2
}

die() {
	echo "$tap_prog: $*" >&2
	exit 2
}

summary() {
	[ -z "$tap_held" ] || rm -f "$tap_held"
	tap_held=
	echo "# $tap_prog: ${SECONDS} s"
	echo "1..$tap_n"
	echo "$tap_passed passed, $tap_failed failed"
	[ "$tap_failed" -eq 0 ]
}
