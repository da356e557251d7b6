#!/bin/sh
# Stand-in for the vfiobind helper, as a plain busybox ash script doing the
# same sysfs writes in the same order. Two uses: it proved the QEMU harness
# before the C helper existed, and it is the "plain shell script" baseline
# the helper is benchmarked against (same config, same boot, same writes).
#
# Usage: fake-vfiobind.sh bind|status|list
# Reads /etc/vfiobind.conf and vfiobind= words of /proc/cmdline (the
# helper's syntax: address, slot or vendor:device, then id=VVVV:DDDD, group,
# optional). Root prefix for testing outside a guest: env VFIOBIND_ROOT.
#
# Deliberately naive where the helper must not be: no config permission
# check, no ACS/group viability check, no boot_vga warning, errors are the
# shell's own messages.

root=${VFIOBIND_ROOT:-}
pci=$root/sys/bus/pci
conf=$root/etc/vfiobind.conf
statusdir=$root/run/vfiobind

log() {
	echo "vfiobind: $*" >&2
	# /dev/kmsg so the lines reach dmesg (the journal on a real boot).
	echo "<30>vfiobind: $*" 2>/dev/null >"$root/dev/kmsg" || :
}

# Selectors, one per line, words separated by spaces: config lines without
# comments, then the command line's vfiobind=SEL+WORD,SEL... lists.
selectors() {
	if [ -f "$conf" ]; then
		sed 's/#.*//; s/[[:space:]]\{1,\}/ /g; s/^ //; s/ $//; /^$/d' "$conf"
	fi
	read -r cmdline 2>/dev/null <"$root/proc/cmdline" || cmdline=''
	for w in $cmdline; do
		case $w in
		vfiobind=off) ;;
		vfiobind=*) echo "${w#vfiobind=}" | tr ',+' '\n ' ;;
		esac
	done | sed '/^$/d'
}

disabled() {
	grep -qw 'vfiobind=off' "$root/proc/cmdline" 2>/dev/null
}

driver_of() {
	if [ -e "$pci/devices/$1/driver" ]; then
		basename "$(readlink "$pci/devices/$1/driver")"
	else
		echo none
	fi
}

id_of() {
	echo "$(sed 's/^0x//' "$pci/devices/$1/vendor"):$(sed 's/^0x//' "$pci/devices/$1/device")"
}

# Expand one selector line to addresses, one per line; returns 1 on a
# selector that is an error (no match unless optional, guard mismatch).
expand() {
	sel=$(echo "$1" | tr 'A-F' 'a-f')
	shift
	guard='' optional='' group=''
	for word in "$@"; do
		case $word in
		id=*) guard=$(echo "${word#id=}" | tr 'A-F' 'a-f') ;;
		optional) optional=1 ;;
		group) group=1 ;;
		*) log "$sel: unknown word '$word'" && return 1 ;;
		esac
	done
	# Told apart by shape: DDDD:BB:SS.F, BB:SS.F, DDDD:BB:SS, BB:SS, VVVV:DDDD.
	x='[0-9a-f]'
	# $x is meant as a glob.
	# shellcheck disable=SC2254
	case $sel in
	$x$x$x$x:$x$x:$x$x.[0-7]) set -- "$pci/devices/$sel" ;;
	$x$x:$x$x.[0-7]) set -- "$pci/devices/0000:$sel" ;;
	$x$x$x$x:$x$x:$x$x) set -- "$pci/devices/$sel".* ;;
	$x$x:$x$x) set -- "$pci/devices/0000:$sel".* ;;
	$x$x$x$x:$x$x$x$x)
		set --
		for d in "$pci"/devices/*; do
			[ "$(id_of "${d##*/}")" != "$sel" ] || set -- "$@" "$d"
		done
		;;
	*) log "$sel: not a selector" && return 1 ;;
	esac
	found=
	for d in "$@"; do
		[ -e "$d" ] || continue
		a=${d##*/}
		if [ -n "$guard" ] && [ "$(id_of "$a")" != "$guard" ]; then
			log "$a: id $(id_of "$a") is not $guard, skipped"
			return 1
		fi
		found=1
		if [ -n "$group" ] && [ -e "$d/iommu_group" ]; then
			# Bridges stay with pcieport: vfio accepts that in a group.
			for g in "$d"/iommu_group/devices/*; do
				case $(cat "$g/class") in
				0x0604*) ;;
				*) echo "${g##*/}" ;;
				esac
			done
		else
			echo "$a"
		fi
	done
	[ -n "$found" ] || [ -n "$optional" ] || {
		log "$sel: no such PCI function"
		return 1
	}
}

# All selected addresses, deduplicated, in $addrs; $bad set on any error.
collect() {
	addrs='' bad=''
	lines=$(selectors)
	# Split on newlines only: each line is one selector with its words.
	old_ifs=$IFS
	IFS='
'
	for line in $lines; do
		IFS=$old_ifs
		# Word splitting of the line into selector and words is intended.
		# shellcheck disable=SC2086
		out=$(expand $line) || bad=1
		for a in $out; do
			case " $addrs " in
			*" $a "*) ;;
			*) addrs="$addrs $a" ;;
			esac
		done
	done
	IFS=$old_ifs
}

cmd_bind() {
	mkdir -p "$statusdir"
	if disabled; then
		log "disabled by vfiobind=off"
		echo "disabled" >"$statusdir/status"
		return 0
	fi
	collect
	# Phase 1: keep every function off its host driver. driver_override
	# first, so nothing (a racing coldplug) can re-probe it to the old one.
	for a in $addrs; do
		d=$pci/devices/$a
		echo vfio-pci >"$d/driver_override" || bad=1
		drv=$(driver_of "$a")
		case $drv in
		none | vfio-pci) ;;
		*) log "$a: unbinding $drv" && { echo "$a" >"$d/driver/unbind" || bad=1; } ;;
		esac
	done
	# Phase 2: vfio-pci itself. Busybox modprobe ignores softdeps, so the
	# IOMMU backend that libkmod would pull in is named explicitly.
	[ -z "$addrs" ] || modprobe vfio-pci || bad=1
	[ -z "$addrs" ] || modprobe vfio_iommu_type1 || bad=1
	# Phase 3: probe what loading vfio-pci did not already take.
	for a in $addrs; do
		[ "$(driver_of "$a")" = vfio-pci ] ||
			echo "$a" >"$pci/drivers_probe" || bad=1
	done
	: >"$statusdir/status"
	for a in $addrs; do
		drv=$(driver_of "$a")
		if [ "$drv" = vfio-pci ]; then
			log "$a: bound to vfio-pci"
			echo "$a vfio-pci ok" >>"$statusdir/status"
		else
			log "$a: on $drv, not vfio-pci"
			echo "$a $drv fail" >>"$statusdir/status"
			bad=1
		fi
	done
	[ -z "$bad" ]
}

cmd_status() {
	disabled && return 0
	collect
	for a in $addrs; do
		drv=$(driver_of "$a")
		echo "$a $drv"
		[ "$drv" = vfio-pci ] || bad=1
	done
	[ -z "$bad" ]
}

cmd_list() {
	for g in "$root"/sys/kernel/iommu_groups/*; do
		[ -d "$g" ] || continue
		echo "group ${g##*/}"
		for d in "$g"/devices/*; do
			a=${d##*/}
			echo "  $a $(id_of "$a") $(cat "$d/class") $(driver_of "$a")"
		done
	done
}

case ${1:-} in
bind) cmd_bind ;;
status) cmd_status ;;
list) cmd_list ;;
*)
	echo "usage: vfiobind bind|status|list" >&2
	exit 2
	;;
esac
