# shellcheck shell=bash
# lib.sh - what the QEMU boot tests share: reading the guest's
# `VFIOBIND-TEST:` result lines (init-bind.sh), and one boot; the test
# points are tests/lib/tap.sh's. The caller sets $here (this directory)
# and $work (a scratch dir), and $image (the initramfs) before each boot.
# shellcheck disable=SC2154 # here, work, image: set by the caller

# shellcheck source=../lib/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
# shellcheck source=../lib/guest.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/guest.sh"

timings=()

# make_work NAME: $work, from BOOT_TEST_DIR or a new temporary directory
# (kept when a test fails, or with KEEP=1).
make_work() {
	if [ -n "${BOOT_TEST_DIR:-}" ]; then
		work=$BOOT_TEST_DIR
		mkdir -p "$work"
	else
		work=$(mktemp -d "${TMPDIR:-/tmp}/vfiobind-$1.XXXXXX")
	fi
}

# Result lines of the current boot, without the tag ($res is the file).
res=

# field PHASE ADDR KEY: KEY=value of `dev PHASE ADDR ...`, "missing" if the
# line is absent (boot died before printing it).
field() {
	local v
	v=$(awk -v p="$1" -v a="$2" -v k="$3=" \
		'$1 == "dev" && $2 == p && $3 == a {
			for (i = 4; i <= NF; i++) if (index($i, k) == 1) print substr($i, length(k) + 1)
		}' "$res")
	echo "${v:-missing}"
}

# expect_not WHAT GOT UNWANTED: GOT is there and is not UNWANTED (expect,
# its twin, is tap.sh's).
expect_not() {
	[ "$2" != "$3" ] && [ "$2" != missing ] && return 0
	echo "$1: got '$2', want anything but '$3'"
	return 1
}

driver_is() {
	expect "$2 $1 driver" "$(field "$2" "$1" driver)" "$3"
}

bind_rc() {
	local rc
	rc=$(sed -n 's/^bind rc=\([0-9]*\).*/\1/p' "$res")
	expect "vfiobind bind exit" "${rc:-missing}" "$1"
}

logs_to_kmsg() {
	grep -q '^kmsg .*\] vfiobind: ' "$res"
}

# kmsg_has TEXT: a "vfiobind: TEXT..." record is in the guest's kernel log.
kmsg_has() {
	grep -qF "] vfiobind: $1" "$res" && return 0
	echo "# no kernel log record 'vfiobind: $1'; the helper's records were:"
	sed -n 's/^kmsg /#   /p' "$res"
	return 1
}

# boot NAME KERNEL_ARGS...: boot the image, leave the result lines in $res.
# One test point: the guest ran /init to its end and powered off.
boot() {
	local name=$1 rc=0 t0 t1 ms bind_time
	shift
	res=$work/$name.res
	t0=$(date +%s%N)
	APPEND_EXTRA="$*" "$here/qemu-run.sh" -i "$image" \
		-l "$work/$name.log" 2>>"$work/qemu-run.err" || rc=$?
	t1=$(date +%s%N)
	guest_report "$work/$name.log" >"$res"
	ms=$(((t1 - t0) / 1000000))
	bind_time=$(sed -n 's/^bind rc=[0-9]* time=//p' "$res")
	timings+=("$name $((ms / 1000)).$(printf %02d $((ms % 1000 / 10))) s (bind ${bind_time:-?} s)")
	check "$name: guest ran /init to the end and powered off ($((ms / 1000)).$(printf %02d $((ms % 1000 / 10))) s)" \
		boot_ok "$rc"
}

boot_ok() {
	case $1 in
	0) ;;
	124) echo "# QEMU timed out" ;;
	*) echo "# qemu-run.sh exit $1" ;;
	esac
	grep -qx "done" "$res" && [ "$1" = 0 ] && return 0
	echo "# serial log tail:"
	tr -d '\r' <"${res%.res}.log" | tail -n 15 | sed 's/^/#   /'
	return 1
}

# changed_between PHASE1 PHASE2: the functions whose driver differs
# between two `dev` phases, space-separated, sorted.
changed_between() {
	awk -v p1="$1" -v p2="$2" '
		$1 == "dev" && ($2 == p1 || $2 == p2) {
			for (i = 4; i <= NF; i++) if (index($i, "driver=") == 1) d[$2, $3] = substr($i, 8)
			seen[$3] = 1
		}
		END { for (a in seen) if (d[p1, a] != d[p2, a]) print a }' "$res" | sort | tr '\n' ' ' | sed 's/ $//'
}

# only_changed PHASE1 PHASE2 "ADDR...": exactly these functions changed.
only_changed() {
	expect "functions whose driver changed between $1 and $2" "$(changed_between "$1" "$2")" "$3"
}

# finish: timings, the work dir removed unless kept, the plan line and the
# closing count; exit status.
finish() {
	local t
	for t in "${timings[@]}"; do
		echo "# boot wall time: $t"
	done
	if [ "$tap_failed" -eq 0 ] && [ -z "${KEEP:-}" ] && [ -z "${BOOT_TEST_DIR:-}" ]; then
		rm -rf "$work"
	else
		echo "# logs kept in $work"
	fi
	summary
}
