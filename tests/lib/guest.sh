# shellcheck shell=bash
# guest.sh - reading what a test guest reported on its serial console:
# `VFIOBIND-TEST: ...` lines, printed by the /init of tests/boot
# (init-bind.sh) and by the /sbin/init of the root the hooks' images
# switch to (tests/hooks/root-init.sh). Sourced, never run; the checks
# print why they fail, for tap.sh's check to show.

# guest_report LOG: the result lines of serial log LOG, the tag stripped
# (and the carriage returns of the serial console).
guest_report() {
	tr -d '\r' <"$1" | sed -n 's/^VFIOBIND-TEST: //p'
}

# guest_driver_is REPORT ADDR WANT: root-init.sh's `dev ADDR driver=NAME`
# line names WANT.
guest_driver_is() {
	local got
	got=$(sed -n "s/^dev $2 driver=//p" "$1")
	[ "$got" = "$3" ] && return 0
	echo "$2 is on '${got:-missing}', want '$3'"
	return 1
}

# guest_status_bound REPORT ADDR...: /run/vfiobind/status, as root-init.sh
# reported it, says `bound vfio-pci` for every ADDR.
guest_status_bound() {
	local report=$1 a rc=0
	shift
	for a in "$@"; do
		grep -qE "^status-file $a [0-9a-f:]+ [0-9]+ bound vfio-pci$" "$report" || {
			echo "/run/vfiobind/status has no 'bound' line for $a:"
			grep '^status-file' "$report" | sed 's/^/  /'
			rc=1
		}
	done
	return "$rc"
}
