# shellcheck shell=bash
# test-launcher-hostile.sh - the launcher against its VM's user: sourced
# by test-launcher.sh after its own cases, with its tree, config and
# helpers (start, launcher, qemu_pid, owner_mode, logged, refused, vb).
# Each case here failed before the fix it covers (issue 10, part 3).
# shellcheck disable=SC2154 # root, work, vfiobind, lpid...: test-launcher.sh's

t0=$(date +%s%N)
mark=$t0
# lap NAME: the time since the last lap, into the timings finish() prints.
lap() {
	local t
	t=$(date +%s%N)
	timings+=("$1 $(((t - mark) / 1000000)) ms")
	mark=$t
}
disk_before=$(owner_mode "$root/var/lib/t/h.img")

# ends_within S: the launcher ($lpid, under timeout(1)) has exited within
# S seconds; if not, it is killed and the test point fails.
ends_within() {
	local i
	for i in $(seq $(($1 * 10))); do
		if ! kill -0 "$lpid" 2>/dev/null; then
			wait "$lpid" || :
			return 0
		fi
		[ "$i" -gt 0 ] && sleep 0.1
	done
	echo "# the launcher still runs $1 s after SIGTERM; killing it"
	pkill -KILL -P "$lpid" 2>/dev/null || :
	wait "$lpid" || :
	return 1
}

# session_gone SID: no process is left in QEMU's session (its process
# group: spawn_as() makes QEMU a session leader).
session_gone() {
	local left _
	# Killed ones are zombies until PID 1 reaps them: not counted.
	for _ in $(seq 20); do
		left=$(ps -eo pid=,sid=,stat= | awk -v s="$1" '$2 == s && $3 !~ /^Z/ { print $1 }')
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	echo "# left in QEMU's session $1: $(ps -o pid=,comm= -p "$(echo "$left" | paste -sd,)" | tr '\n' ' ')"
	pkill -KILL -s "$1" 2>/dev/null || :
	return 1
}

files_back() {
	expect "/dev/vfio/2" "$(owner_mode "$root/dev/vfio/2")" "$vfio_before" &&
		expect "the disk" "$(owner_mode "$root/var/lib/t/h.img")" "$disk_before"
}

# short_log VM N: the launcher's log has at most N lines.
short_log() {
	local lines
	lines=$(wc -l <"$work/$1.log")
	[ "$lines" -le "$2" ] && return 0
	echo "# $lines lines in the launcher's log of $1, more than $2; the last ones:"
	tail -n 5 "$work/$1.log" | cut -c1-200 | sed 's/^/#   /'
	return 1
}

# ---- hostile ----------------------------------------------------------------
# stop-timeout 2 s, then SIGTERM to QEMU's group: 8 s is the bound with
# room for a loaded machine (the unit's own is 30 s plus stop-timeout).
for m in flood line storm; do
	check "hostile $m: VM $m starts" start "$m"
	qpid=$(qemu_pid "$m")
	check "hostile $m: the disk is handed to nobody" \
		expect "owner" "$(stat -c %u "$root/var/lib/t/h.img")" "$nobody_uid"
	sleep 1 # the flood, line or storm under way
	if [ "$m" = storm ]; then
		ts=$(date +%s)
		qrc=0
		timeout -k 2 20 "$vfiobind" --root "$root" vm qmp storm query-status >"$work/qmp-storm.out" 2>&1 ||
			qrc=$?
		check "hostile storm: vm qmp ends while events keep coming (exit $qrc, $(($(date +%s) - ts)) s)" \
			test "$qrc" != 124 -a "$qrc" != 137 -a "$qrc" != 0
	fi
	kill -TERM "$(launcher "$m")" 2>/dev/null || :
	check "hostile $m: SIGTERM ends the launcher within 8 s" ends_within 8
	check "hostile $m: nothing of QEMU's process group is left" session_gone "${qpid:-0}"
	check "hostile $m: /dev/vfio/2 and the disk given back" files_back
	check "hostile $m: the launcher's log stays short (rate limit)" short_log "$m" 60
	lap "hostile $m"
done
check "hostile line: the 4 MiB line closed QMP, named" logged line "QMP: Message too long"

# ---- killed -----------------------------------------------------------------
check "killed: VM h starts" start h
kill -KILL "$(launcher h)" 2>/dev/null || :
wait "$lpid" 2>/dev/null || :
check "killed: SIGKILL left the disk with nobody" \
	expect "owner" "$(stat -c %u "$root/var/lib/t/h.img")" "$nobody_uid"
check "killed: ... and the host's /dev/vfio/2 root's: it never changed hands" \
	expect "owner and mode" "$(owner_mode "$root/dev/vfio/2")" "$vfio_before"
# The tree is on a disk, not a tmpfs: the record is the one that outlives
# a reboot (handover.h).
check "killed: the record of what was handed over is there" test -s "$root/var/lib/vfiobind/h.handed"
vb vm poweroff h >"$work/h-poweroff.log" 2>&1 || :
check "killed: ExecStopPost (vm poweroff) gives the files back" files_back
check "killed: ... and removes the record" test ! -e "$root/var/lib/vfiobind/h.handed"
check "killed: VM h starts again" start h
kill -KILL "$(launcher h)" 2>/dev/null || :
wait "$lpid" 2>/dev/null || :
check "killed: the next start after another SIGKILL" start h
check "killed: ... gave the files back first" logged h "the last launcher ended without giving its files back"
kill -TERM "$(launcher h)" 2>/dev/null || :
check "killed: ... and stops" ends_within 8
check "killed: the original owners, not nobody, are back after that run" files_back
lap "killed"

# ---- user -------------------------------------------------------------------
check "user: a VM user with gid 0 is refused" refused "has group root (gid 0)" vb vm run g0
check "user: ... and nothing was handed over" files_back
: >"$work/h.log"
exec 1500>"$work/inherited"
check "user: VM h starts with fd 1500 inherited" start h
exec 1500>&-
check "user: QEMU did not get fd 1500 (close_range)" \
	expect "fd 1500 in QEMU" "$(grep -cx 1500 "$work/serial/h.fds")" 0
kill -TERM "$(launcher h)" 2>/dev/null || :
check "user: VM h stops" ends_within 8
lap "user (gid 0, fd 1500)"

# ---- holders ----------------------------------------------------------------
# The tree's /proc shows the real processes the test links into it.
mkdir -p "$root/proc"
unshare -m --propagation private sh -c \
	'mount -t tmpfs vfiobind-test /dev && mkdir /dev/vfio && : >/dev/vfio/2 && exec sleep 60 </dev/vfio/2' &
fake=$!
sleep 60 3<"$root/dev/vfio/2" &
real=$!
sleep 0.3
ln -s "/proc/$fake" "$root/proc/$fake"
ln -s "/proc/$real" "$root/proc/$real"
check "holders: the tree's node held open blocks a start" \
	refused "IOMMU group 2 is in use by pid $real (sleep)" vb vm run h
kill "$real" 2>/dev/null || :
wait "$real" 2>/dev/null || :
rm -f "$root/proc/$real"
check "holders: a fake /dev/vfio/2 in another mount namespace does not" start h
kill -TERM "$(launcher h)" 2>/dev/null || :
check "holders: VM h stops" ends_within 8
kill "$fake" 2>/dev/null || :
wait "$fake" 2>/dev/null || :
rm -f "$root/proc/$fake"
lap "holders"

# ---- vm=off -----------------------------------------------------------------
# A notify socket of our own: what vm run tells systemd.
notify_ready() { # SPELLING
	local sock=$work/notify.sock out
	rm -f "$sock"
	# shellcheck disable=SC2016 # perl's variables
	timeout 10 perl -MSocket -e '
		socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!";
		bind($s, pack_sockaddr_un($ARGV[0])) or die "bind: $!";
		open(my $ok, ">", "$ARGV[0].up"); close $ok;
		recv($s, my $buf, 4096, 0);
		print $buf' "$sock" >"$work/notify.out" &
	local p=$!
	for _ in $(seq 50); do [ -e "$sock.up" ] && break; sleep 0.1; done
	rm -f "$sock.up"
	echo "BOOT_IMAGE=/vmlinuz root=/dev/vda rw vfiobind.vm=$1" >"$root/proc/cmdline"
	out=$(NOTIFY_SOCKET=$sock timeout 10 "$vfiobind" --root "$root" vm run h 2>&1) || {
		echo "# vm run with vfiobind.vm=$1 failed: $out"
		kill "$p" 2>/dev/null
		return 1
	}
	wait "$p" || :
	out=$(cat "$work/notify.out")
	case $out in READY=1*) return 0 ;; esac
	echo "# vfiobind.vm=$1: systemd was told '$out', not READY=1 (the unit would fail: protocol)"
	return 1
}
cmdline_before=$(cat "$root/proc/cmdline" 2>/dev/null || :)
for s in off 0 no n; do
	check "vm=off: vfiobind.vm=$s: vm run says READY=1 and exits 0" notify_ready "$s"
	check "vm=off: vfiobind.vm=$s: the unit's condition skips it" \
		grep -qx "ConditionKernelCommandLine=!vfiobind.vm=$s" "$repo/systemd/vfiobind-vm@.service"
done
printf '%s\n' "$cmdline_before" >"$root/proc/cmdline"
lap "vm=off spellings"

# ---- big --------------------------------------------------------------------
# 100 functions, each in its IOMMU group of its own, on vfio-pci.
{
	echo "driver vfio-pci vfio_pci module"
	for i in $(seq 0 99); do
		printf '0000:%02x:%02x.0  1b36:0010 010802 %d vfio-pci\n' $((0x10 + i / 25)) $((i % 25)) $((100 + i))
	done
} >"$work/big.topo"
vroot=$work/big
"$repo/tests/fixtures/mksysfs.sh" "$work/big.topo" "$vroot" >/dev/null || bail "mksysfs.sh big failed"
cp "$root/etc/passwd" "$root/etc/group" "$vroot/etc/"
cat >"$vroot/etc/vfiobind.conf" <<EOF
1b36:0010

[vm big]
user = nobody
qemu = $work/hostile-qemu.sh quiet $work/serial/big.fds
stop-timeout = 2
EOF
chmod 0644 "$vroot/etc/vfiobind.conf"
owned() { # UID: how many of the 100 nodes it owns
	find "$vroot/dev/vfio" -type f -user "$1" | wc -l
}
check "big: VM big with 100 functions in 100 groups starts" start big
check "big: all 100 groups are nobody's in QEMU's /dev" \
	expect "nodes" "$(find "/proc/$(qemu_pid big)/root/dev/vfio" -type f -user "$nobody_uid" | wc -l)" 100
check "big: ... and all 100 of the host's stay root's" expect "root's nodes" "$(owned 0)" 100
kill -TERM "$(launcher big)" 2>/dev/null || :
check "big: it stops" ends_within 8
vroot=
lap "big (100 functions)"

# ---- sanitizers -------------------------------------------------------------
sanitizer_clean() {
	local hits
	hits=$(grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$work"/*.log 2>/dev/null || :)
	[ -z "$hits" ] && return 0
	echo "# sanitizer reports in: $hits"
	# shellcheck disable=SC2086 # one file name a word
	grep -hE -A8 'ERROR: (Address|Leak)Sanitizer|runtime error:' $hits | head -40 | sed 's/^/#   /'
	return 1
}
check "no AddressSanitizer, LeakSanitizer or UBSan report in any launcher log" sanitizer_clean

t1=$(date +%s%N)
timings+=("hostile launcher cases $(((t1 - t0) / 1000000000)) s")
