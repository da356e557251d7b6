#!/bin/sh
# fake-systemctl.sh - stands in for systemctl in test-launcher.sh's
# isolate case (installed as `systemctl` first in PATH): logs its
# arguments to $FAKE_SYSTEMCTL_DIR/log and keeps each unit's AllowedCPUs
# in $FAKE_SYSTEMCTL_DIR/UNIT, so that this host's cgroups are never
# touched. Knows the two calls the launcher makes:
#   show -p AllowedCPUs --value UNIT
#   set-property --runtime -- UNIT AllowedCPUs=LIST
set -eu
d=${FAKE_SYSTEMCTL_DIR:?}
echo "$*" >>"$d/log"
case "$1 ${2:-} ${3:-}" in
"show -p AllowedCPUs")
	cat "$d/$5" 2>/dev/null || :
	;;
"set-property --runtime --")
	printf '%s\n' "${5#AllowedCPUs=}" >"$d/$4"
	;;
*)
	echo "fake systemctl: unexpected call: $*" >&2
	exit 1
	;;
esac
