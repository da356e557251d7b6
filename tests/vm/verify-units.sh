#!/bin/bash
# verify-units.sh - systemd-analyze verify on every systemd unit the
# project ships (systemd/: the launcher's and the initramfs's), as
# installed: the helper's path is rewritten to the build's binary, since
# verify checks that each Exec*= program exists. A template is verified as an instance. Any
# message from verify fails the unit, warnings included ("Unknown key"
# is only a warning to systemd, and a typo all the same). Then each unit's
# exposure, as `systemd-analyze security --offline=true` rates it (0 safe,
# 10 unsafe), printed and held to a limit: 4.0 for the launcher's unit
# (issue 20), 3.0 for the initramfs one (2.5 when its sandbox was set).
#
# Env: VFIOBIND (the helper), WORK (scratch directory).
# Output: `ok N - ...`, then `N passed, M failed`.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
vfiobind=${VFIOBIND:-$repo/build/vfiobind}
work=${WORK:-$repo/build/units-verify}

# shellcheck source=../lib/tap.sh
. "$repo/tests/lib/tap.sh"

command -v systemd-analyze >/dev/null || bail "systemd-analyze missing (make deps)"
[ -x "$vfiobind" ] || bail "no helper at $vfiobind (make)"
rm -rf "$work"
mkdir -p "$work"

n=0
for unit in "$repo"/systemd/*.service; do
	[ -e "$unit" ] || continue
	n=$((n + 1))
	name=${unit##*/}
	dir="$work/$n"
	mkdir -p "$dir"
	sed "s|/usr/bin/vfiobind|$vfiobind|g" "$unit" >"$dir/$name"
	target=$name
	case $name in
	*@.service)
		target=${name%@.service}@ci.service
		ln -s "$name" "$dir/$target"
		;;
	esac
	out=$(cd "$dir" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no "./$target" 2>&1)
	rc=$?
	rel=${unit#"$repo"/}
	if [ "$rc" = 0 ] && [ -z "$out" ]; then
		ok "systemd-analyze verify $rel"
	else
		not_ok "systemd-analyze verify $rel (exit $rc)"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
	case $name in
	vfiobind-vm@.service) limit=4.0 ;;
	*) limit=3.0 ;;
	esac
	out=$(cd "$dir" && SYSTEMD_LOG_COLOR=0 systemd-analyze security --offline=true --no-pager "./$target" 2>&1)
	level=$(printf '%s\n' "$out" | sed -n 's/^→ Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p')
	if [ -n "$level" ] && awk -v a="$level" -v b="$limit" 'BEGIN { exit !(a <= b) }'; then
		ok "exposure of $rel: $level (limit $limit)"
	else
		not_ok "exposure of $rel: ${level:-none} (limit $limit)"
		printf '%s\n' "$out" | grep -F '✗' | sed 's/^/#   /'
	fi
done
[ "$n" -gt 0 ] || bail "no units found"
summary
