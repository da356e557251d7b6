#!/bin/bash
# test-launcher.sh - the launcher (`vfiobind vm run`) on this host, in
# seconds: the GPU-shaped card in a fake sysfs tree (tests/fixtures, bound
# by the kernel model), QEMU for real under TCG but without the
# passthrough (qemu-novfio.sh drops the -device vfio-pci arguments: the
# devices exist only in the tree), swtpm for real, all as the user nobody.
# The inner guest is boot.S. The VM in a real kernel is check-vm's
# (test-vm.sh); this is the quick loop for the QMP and process logic:
#
#   start   QMP answers on the launcher's and root's monitors, QEMU and
#           swtpm run as nobody with no_new_privs and no capability in
#           their bounding set, QEMU under its -sandbox seccomp filter;
#           each in a /dev of its own: QEMU's holds the pseudo devices and
#           vfio/<group> (nobody's, 0600) and nothing else of the host's,
#           swtpm's only the pseudo devices; the host's /dev/vfio/<group>
#           stays root's; the disk image is nobody's (0600); the launcher
#           state names the group; a /dev path in args that is no device
#           node is refused
#   tap     a tap the user owns works through QEMU's own /dev/net/tun
#   pin     cpus = 1, emulator-cpus = 0: the vCPU thread on CPU 1 before
#           the guest runs, QEMU's other threads and swtpm on CPU 0
#   isolate isolate = yes with cpus = 1 (fake-systemctl.sh first in PATH,
#           fake /proc/irq, /proc/interrupts, workqueue cpumask and
#           /proc/self/cgroup in the tree): the old values recorded, the
#           host's units, workqueues and IRQs on CPU 0 while it runs, the
#           VM's own IRQs untouched; restored at stop, by `vm poweroff`
#           after a SIGKILLed launcher, and by the next start; a launcher
#           under user.slice does not isolate, says why, and the VM runs
#   sandbox QMP migrate to exec: runs nothing: QEMU's filter kills it
#   twice   a second launcher of the same VM is refused
#   stop    SIGTERM: system_powerdown, the guest powers off; result
#           "stopped" and no power-off, files given back
#   guest   the guest shuts down on its own (QMP send-key): result
#           "guest-shutdown", the power-off decision says power off
#   kill    QEMU killed: result "exited", no power-off
#   reboot  reboot = restart: the guest reboots (key r: 0xCF9, QEMU runs
#           with -no-reboot): a new QEMU and swtpm under the same
#           launcher, the function with a reset method reset through the
#           tree's sysfs, the vCPU pinned again, the count logged; the sixth reboot within a
#           minute ends it (result "reboot-limit", no power-off); a
#           SIGTERM sent with the reboot still stops it ("stopped");
#           reboot = reset: the same key, the same QEMU, booted again
#   deaf    a guest ignoring the power button: terminated after
#           stop-timeout, result "stopped"
#   hostile a QEMU of the user's making (hostile-qemu.sh): a flood (3 MB
#           without a newline, then `yes '{}'`), a 4 MiB line, a forged
#           event storm; SIGTERM ends the launcher within its stop time,
#           nothing of QEMU's process group is left, the files are back,
#           the log stays short, and `vm qmp` ends while events come
#   killed  a SIGKILLed launcher: ExecStopPost (`vm poweroff`) gives the
#           files back, and so does the next start, first
#   user    a VM user whose primary group is root's is refused; an fd the
#           launcher inherited above 1024 does not reach QEMU
#   holders a fake /dev/vfio/2 open in another mount namespace does not
#           block a start; the tree's real node open does
#   vm=off  every spelling of vfiobind.vm=off: READY=1, exit 0, and a
#           matching condition in the unit
#   big     100 functions in 100 IOMMU groups: all handed over, all given
#           back (ASan: no overflow of a fixed table)
#   crash   an image-file disk handed over, then the launcher and QEMU
#           SIGKILLed and /run wiped (a host crash and reboot): the record
#           under /var/lib/vfiobind brings the original owner and mode
#           back at the next start, not nobody; a link put in the image's
#           place is not followed (ExecStopPost after such a "reboot")
#   renumbered the same with the image on a loop-mounted ext4 that comes
#           back on another device number: given back all the same
#   huge    hugepages = 2M in the tree's pool: enough free, nothing
#           reserved and QEMU's RAM on a hugetlb memfd; a SIGKILLed
#           launcher's pages given back by `vm poweroff`; a shortfall
#           refused with both numbers, the pool rolled back
#
# Run it with the ASan+UBSan build too (make check-vm-asan): any
# sanitizer report in a launcher's log fails the last test point.
# Needs root (the launcher drops to nobody) and the user nobody.
# Env: VFIOBIND, KMODEL (tests/kmodel), BOOT_TEST_DIR/KEEP as in tests/boot.
# Output: `ok N - ...`, then `N passed, M failed`.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
vfiobind=${VFIOBIND:-$repo/build/vfiobind}
kmodel=${KMODEL:-$repo/build/kmodel.so}
# shellcheck source=../boot/lib.sh
. "$repo/tests/boot/lib.sh"

[ "$(id -u)" = 0 ] || bail "needs root: the launcher hands devices to nobody and drops to it"
id nobody >/dev/null 2>&1 || bail "needs the user nobody"
for f in "$vfiobind" "$kmodel"; do [ -e "$f" ] || bail "$f missing (make)"; done
command -v swtpm >/dev/null || bail "swtpm missing (make deps)"

make_work launcher
chmod 0755 "$work" # nobody reads the disk image below it
# nobody runs the QEMU wrapper: a copy here, since the checkout may sit
# in a directory nobody cannot enter (mktemp -d makes them 0700).
install -m 0755 "$here/qemu-novfio.sh" "$work/qemu-novfio.sh"
install -m 0755 "$here/hostile-qemu.sh" "$work/hostile-qemu.sh"
root=$work/root
# The card, and this host's two first CPUs as the tree's (the pin case
# pins real threads to CPUs the tree must call online).
{
	cat "$repo/tests/fixtures/topologies/qemu-card.topo"
	echo "cpus 2 1 1"
} >"$work/qemu-card-cpus.topo"
[ "$(nproc)" -ge 2 ] || bail "needs two CPUs (the pin case)"
"$repo/tests/fixtures/mksysfs.sh" "$work/qemu-card-cpus.topo" "$root" >/dev/null ||
	bail "mksysfs.sh failed"
mkdir -p "$root/var/lib/t"
"$here/mkboot.sh" "$root/var/lib/t/boot.img"
"$here/mkboot.sh" "$root/var/lib/t/deaf.img" 1
"$here/mkboot.sh" "$root/var/lib/t/rb.img"
# QEMU (nobody) writes the inner guest's serial output here.
install -d -o nobody -m 0755 "$work/serial"
grep '^nobody:' /etc/passwd >"$root/etc/passwd"
grep '^nogroup:' /etc/group >"$root/etc/group" || :
echo "vbgid0:x:4242:0::/nonexistent:/usr/sbin/nologin" >>"$root/etc/passwd"
nobody_uid=$(id -u nobody)

common="qemu = $work/qemu-novfio.sh -machine q35 -accel tcg,tb-size=64 -m 64 -nodefaults"
cat >"$root/etc/vfiobind.conf" <<EOF
# The GPU-shaped card, and two VMs taking it.
0000:01:00

[vm t]
user = nobody
$common
args = -drive file=$root/var/lib/t/boot.img,format=raw,if=ide -serial file:$work/serial/t.log
disk = /var/lib/t/boot.img
tpm = /var/lib/t/tpm
poweroff = yes
stop-timeout = 20

[vm deaf]
user = nobody
$common
args = -drive file=$root/var/lib/t/deaf.img,format=raw,if=ide,snapshot=on -serial file:$work/serial/deaf.log
stop-timeout = 2
EOF
for m in flood line storm; do
	printf '\n[vm %s]\nuser = nobody\nqemu = %s %s %s\ndisk = /var/lib/t/h.img\nstop-timeout = 2\n' \
		"$m" "$work/hostile-qemu.sh" "$m" "$work/serial/$m.fds" >>"$root/etc/vfiobind.conf"
done
cat >>"$root/etc/vfiobind.conf" <<EOF

[vm h]
user = nobody
qemu = $work/hostile-qemu.sh quiet $work/serial/h.fds
disk = /var/lib/t/h.img
stop-timeout = 2

[vm crash]
user = nobody
qemu = $work/hostile-qemu.sh quiet $work/serial/crash.fds
disk = /var/lib/t/c.img
stop-timeout = 2

[vm moved]
user = nobody
qemu = $work/hostile-qemu.sh quiet $work/serial/moved.fds
disk = /var/lib/t/lm/m.img
stop-timeout = 2

[vm g0]
user = vbgid0
qemu = $work/hostile-qemu.sh quiet $work/serial/g0.fds

[vm tap]
user = nobody
$common
args = -netdev tap,id=n0,ifname=vbtap0,script=no,downscript=no -device e1000,netdev=n0
args = -drive file=$root/var/lib/t/deaf.img,format=raw,if=ide,snapshot=on
stop-timeout = 2

[vm pin]
user = nobody
$common
args = -drive file=$root/var/lib/t/deaf.img,format=raw,if=ide,snapshot=on
tpm = /var/lib/t/tpm-pin
cpus = 1
emulator-cpus = 0
stop-timeout = 2

[vm iso]
user = nobody
$common
args = -drive file=$root/var/lib/t/deaf.img,format=raw,if=ide,snapshot=on
cpus = 1
emulator-cpus = 0
isolate = yes
# Its guest ignores the power button: each stop would wait the default
# 120 s for it (three stops: 6 of this suite's 7 minutes).
stop-timeout = 2
[vm rb]
user = nobody
$common
args = -drive file=$root/var/lib/t/rb.img,format=raw,if=ide,snapshot=on -serial file:$work/serial/rb.log
tpm = /var/lib/t/tpm-rb
poweroff = yes
reboot = restart
cpus = 1
emulator-cpus = 0
stop-timeout = 3

[vm rs]
user = nobody
$common
args = -drive file=$root/var/lib/t/rb.img,format=raw,if=ide,snapshot=on -serial file:$work/serial/rs.log
reboot = reset
stop-timeout = 2

[vm badnode]
user = nobody
qemu = $work/hostile-qemu.sh quiet $work/serial/badnode.fds
args = -drive file=/dev/vfio,format=raw
disk = /var/lib/t/h.img
EOF
chmod 0644 "$root/etc/vfiobind.conf"
: >"$root/var/lib/t/h.img"
chmod 0640 "$root/var/lib/t/h.img"
KMODEL_ROOT=$root LD_PRELOAD=$kmodel "$vfiobind" --root "$root" -q bind >"$work/bind.log" 2>&1 ||
	bail "bind in the fake tree failed: $(cat "$work/bind.log")"

vb() {
	"$vfiobind" --root "$root" "$@"
}

lpid=
# start VM: the launcher in the background, until it says "running".
start() {
	: >"$work/$1.log"
	timeout -k 10 120 "$vfiobind" --root "${vroot:-$root}" vm run "$1" >"$work/$1.log" 2>&1 &
	lpid=$!
	for _ in $(seq 300); do
		grep -q "VM $1: running" "$work/$1.log" && return 0
		kill -0 "$lpid" 2>/dev/null || break
		sleep 0.1
	done
	echo "# launcher of $1 did not report running; its log:"
	sed 's/^/#   /' "$work/$1.log"
	return 1
}

# finished: the launcher's exit status in $rc, waiting at most 60 s (the
# launcher runs under timeout, so this returns).
finished() {
	rc=0
	wait "$lpid" || rc=$?
}

# up VM: the inner guest has booted (its first words on the serial port);
# a key sent before that would be lost in the firmware.
up() {
	local _
	for _ in $(seq 300); do
		grep -q "e2e-guest: up" "$work/serial/$1.log" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "# the inner guest of $1 never said it was up"
	return 1
}

# launcher VM: the launcher's pid, from its file (not $lpid: that is the
# timeout(1) around it).
launcher() {
	sed -n 's/^pid //p' "${vroot:-$root}/run/vfiobind/vm/$1/launcher"
}

qemu_pid() {
	sed -n 's/.*running: QEMU pid \([0-9]*\) .*/\1/p' "$work/$1.log" | tail -n 1
}

# uids PID: the four uids of a process.
uids() {
	awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$1/status" 2>/dev/null
}

logged() { # VM TEXT
	grep -qF -- "$2" "$work/$1.log" && return 0
	echo "# '$2' not in the launcher's log:"
	sed 's/^/#   /' "$work/$1.log"
	return 1
}

owner_mode() {
	stat -c '%u %a' "$1"
}

decision() { # VM TEXT: vm poweroff's verdict
	local out
	out=$(vb vm poweroff "$1" 2>&1)
	case $out in
	*"$2"*) return 0 ;;
	esac
	echo "# vm poweroff said: $out"
	return 1
}

# ---- start ------------------------------------------------------------------
t0=$(date +%s%N)
vfio_before=$(owner_mode "$root/dev/vfio/2")
# Another VM's group and a disk of the host's: not in VM t's /dev.
: >"$root/dev/vfio/7"
: >"$root/dev/sdz"
check "start: the launcher starts VM t and QMP answers" start t
qpid=$(qemu_pid t)
check "start: QEMU runs as nobody ($nobody_uid), never root" \
	expect "QEMU uids" "$(uids "${qpid:-0}")" "$nobody_uid $nobody_uid $nobody_uid $nobody_uid"
swtpm_pid=$(pgrep -P "$(launcher t)" -x swtpm || :)
check "start: swtpm runs as nobody" \
	expect "swtpm uids" "$(uids "${swtpm_pid:-0}")" "$nobody_uid $nobody_uid $nobody_uid $nobody_uid"
# status PID FIELD: a line of /proc/PID/status, its value alone.
status() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null; }
check "start: QEMU runs under its seccomp filter (-sandbox: Seccomp 2)" \
	expect "QEMU Seccomp" "$(status "${qpid:-0}" Seccomp)" 2
check "start: ... with no_new_privs" expect "QEMU NoNewPrivs" "$(status "${qpid:-0}" NoNewPrivs)" 1
check "start: ... and an empty capability bounding set" \
	expect "QEMU CapBnd" "$(status "${qpid:-0}" CapBnd)" 0000000000000000
check "start: swtpm too: no_new_privs, empty bounding set" \
	expect "swtpm NoNewPrivs CapBnd" "$(status "${swtpm_pid:-0}" NoNewPrivs) $(status "${swtpm_pid:-0}" CapBnd)" \
	"1 0000000000000000"
# memlock PID: its RLIMIT_MEMLOCK, soft and hard, in bytes.
memlock() { awk '/^Max locked memory/ { print $4, $5 }' "/proc/$1/limits" 2>/dev/null; }
# 1088 MiB, or the launcher's hard limit when that is lower and it cannot
# raise it (no CAP_SYS_RESOURCE here: test-vm.sh checks the unit's case).
want=1140850688
hard=$(ulimit -Hl)
if [ "$hard" != unlimited ] && [ $((hard * 1024)) -lt "$want" ]; then
	want=$((hard * 1024))
	check "start: the launcher warned that QEMU may lock only its own hard limit" \
		logged t "QEMU may lock only $((want >> 20)) MiB, the launcher's hard RLIMIT_MEMLOCK"
fi
check "start: QEMU may lock its RAM (-m 64) + 1 GiB, no more: 1088 MiB (or the hard limit, $want)" \
	expect "QEMU memlock" "$(memlock "${qpid:-0}")" "$want $want"
check "start: swtpm Linux's default, 8 MiB, not the launcher's" \
	expect "swtpm memlock" "$(memlock "${swtpm_pid:-0}")" "8388608 8388608"
check "start: the launcher logged QEMU's command with the sandbox" \
	logged t "-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"
check "start: the host's /dev/vfio/2 stays root's, as it was" \
	expect "owner and mode" "$(owner_mode "$root/dev/vfio/2")" "$vfio_before"
check "start: QEMU's own /dev has vfio/2 for nobody, mode 600" \
	expect "owner and mode" "$(owner_mode "/proc/${qpid:-0}/root/dev/vfio/2")" "$nobody_uid 600"
# devls PID: what that process sees in /dev, one line.
devls() { (cd "/proc/$1/root/dev" 2>/dev/null && find . -mindepth 1 -maxdepth 2 | sort | tr '\n' ' '); }
qemu_dev="./fd ./full ./null ./ptmx ./pts ./pts/ptmx ./random ./shm ./stderr ./stdin ./stdout ./tty ./urandom ./vfio ./vfio/2 ./zero "
check "start: QEMU's /dev holds only what the VM needs (no vfio/7 of another group, no sdz)" \
	expect "QEMU's /dev" "$(devls "${qpid:-0}")" "$qemu_dev"
check "start: swtpm's /dev holds only the pseudo devices" \
	expect "swtpm's /dev" "$(devls "${swtpm_pid:-0}")" "${qemu_dev/.\/vfio .\/vfio\/2 /}"
check "start: QEMU's /dev/null is the host's device (1:3), /dev/ptmx its own devpts" \
	expect "null, ptmx" "$(stat -c '%t:%T' "/proc/${qpid:-0}/root/dev/null") $(readlink "/proc/${qpid:-0}/root/dev/ptmx")" \
	"1:3 pts/ptmx"
check "start: the declared disk handed to nobody" \
	expect "owner" "$(stat -c %u "$root/var/lib/t/boot.img")" "$nobody_uid"
check "start: the launcher file names group 2" \
	grep -qx "groups 2" "$root/run/vfiobind/vm/t/launcher"
answers() { # TEXT COMMAND...: the command succeeds, saying TEXT
	local out text=$1
	shift
	out=$("$@" 2>&1) && case $out in *"$text"*) return 0 ;; esac
	echo "# '$*' said: $out"
	return 1
}
check "start: root's QMP monitor answers query-tpm with the tpm-tis" \
	answers '"model": "tpm-tis"' vb vm qmp t query-tpm
refused() { # TEXT COMMAND...: the command fails, saying TEXT
	local out text=$1
	shift
	if out=$("$@" 2>&1); then
		echo "# '$*' succeeded: $out"
		return 1
	fi
	case $out in
	*"$text"*) return 0 ;;
	esac
	echo "# '$*' said: $out"
	return 1
}
check "start: release refuses the group while VM t holds it" \
	refused "in use by VM t (launcher pid" vb release 0000:01:00.1
check "twice: a second launcher of VM t is refused" refused "already running (launcher pid" vb vm run t
check "twice: ... and root's QMP monitor of VM t still answers after it" answers '"return"' vb vm qmp t query-status

# ---- stop -------------------------------------------------------------------
# The power button means nothing to a guest still in its firmware.
check "stop: the guest boots" up t
kill -TERM "$(launcher t)" 2>/dev/null || :
finished
check "stop: the launcher exits 0 after SIGTERM" expect "exit" "$rc" 0
check "stop: system_powerdown, and the guest powered itself off" \
	logged t "the guest powered itself off (as asked: the launcher is stopping)"
check "stop: result 'stopped'" expect result "$(cat "$root/run/vfiobind/vm/t/result")" stopped
check "stop: no host power-off" decision t "no host power-off: the VM was stopped"
check "stop: /dev/vfio/2 still as it was" \
	expect "owner and mode" "$(owner_mode "$root/dev/vfio/2")" "$vfio_before"
check "stop: swtpm ended with QEMU" test ! -e "/proc/${swtpm_pid:-0}"
check "stop: the launcher file is unlocked and empty" test ! -s "$root/run/vfiobind/vm/t/launcher"
check "badnode: a /dev path in args that is no device node is refused, named" \
	refused "args: argument 'file=/dev/vfio,format=raw': /dev/vfio is a directory, not a device node or a hugetlbfs mount" \
	vb vm run badnode
check "badnode: vm check says the same before any start" \
	refused "VM badnode: args: argument 'file=/dev/vfio,format=raw': /dev/vfio is a directory" vb vm check badnode
check "badnode: ... before anything was handed over" \
	expect "owner" "$(stat -c %u "$root/var/lib/t/h.img")" 0

# ---- guest ------------------------------------------------------------------
rm -f "$work/serial/t.log"
check "guest: VM t starts again" start t
check "guest: the guest boots" up t
check "guest: the TPM state persisted" test -s "$root/var/lib/t/tpm/tpm2-00.permall"
vb vm qmp t '{"execute": "send-key", "arguments": {"keys": [{"type": "qcode", "data": "ret"}]}}' >/dev/null || :
finished
check "guest: the launcher exits 0 after the guest shut down on its own" expect "exit" "$rc" 0
check "guest: result 'guest-shutdown'" expect result "$(cat "$root/run/vfiobind/vm/t/result")" guest-shutdown
check "guest: the decision is to power the host off (not run under --root)" \
	decision t "the guest shut itself down: powering the host off"
check "guest: the decision consumed the result" test ! -e "$root/run/vfiobind/vm/t/result"

# ---- kill -------------------------------------------------------------------
check "kill: VM t starts again" start t
kill -KILL "$(qemu_pid t)" 2>/dev/null || :
finished
check "kill: the launcher exits 1 when QEMU is killed" expect "exit" "$rc" 1
check "kill: result 'exited'" expect result "$(cat "$root/run/vfiobind/vm/t/result")" exited
check "kill: no host power-off" decision t "no host power-off: QEMU ended without a clean guest shutdown"

# ---- deaf -------------------------------------------------------------------
check "deaf: VM deaf starts" start deaf
check "deaf: the guest boots" up deaf
kill -TERM "$(launcher deaf)" 2>/dev/null || :
finished
check "deaf: terminated after stop-timeout, launcher exits 0" expect "exit" "$rc" 0
check "deaf: the log says the guest did not power off in time" \
	logged deaf "the guest did not power off within 2 s (stop-timeout); terminating QEMU"
check "deaf: result 'stopped'" expect result "$(cat "$root/run/vfiobind/vm/deaf/result")" stopped

# ---- tap --------------------------------------------------------------------
# A tap the user owns (ip tuntap add ... user nobody), as the README says:
# QEMU opens /dev/net/tun in its own /dev and attaches to it. Skipped
# where no tap can be made.
# The tree's /dev/net/tun is the real node (10:200): QEMU's /dev copies it.
if mkdir -p "$root/dev/net" && mknod -m 0666 "$root/dev/net/tun" c 10 200 2>/dev/null &&
	ip tuntap add vbtap0 mode tap user nobody 2>/dev/null; then
	check "tap: VM tap starts with a tap netdev" start tap
	tq=$(qemu_pid tap)
	check "tap: QEMU's /dev has net/tun, as the host has it (0666)" \
		expect "net/tun" "$(stat -c '%t:%T %a' "/proc/${tq:-0}/root/dev/net/tun" 2>/dev/null)" "a:c8 666"
	check "tap: QEMU holds vbtap0 (its tun descriptor's iff)" \
		grep -qs "^iff:.vbtap0" /proc/"${tq:-0}"/fdinfo/*
	kill -TERM "$(launcher tap)" 2>/dev/null || :
	finished
	ip tuntap del vbtap0 mode tap 2>/dev/null || :
else
	echo "# tap: skipped, no tap device can be made here (ip tuntap)"
fi

# ---- pin --------------------------------------------------------------------
# cpus = 1, emulator-cpus = 0: QEMU starts paused (-S), the launcher pins
# the vCPU thread QMP names to CPU 1, then cont; QEMU's other threads and
# swtpm run on CPU 0 from their start.
allowed() { awk '/^Cpus_allowed_list:/ { print $2 }' "$1" 2>/dev/null; }
check "pin: VM pin starts" start pin
pq=$(qemu_pid pin)
check "pin: QEMU was started paused, with -smp from cpus =" logged pin "-smp 1,sockets=1,cores=1,threads=1"
check "pin: ... and -S" logged pin " -S "
# The first "thread-id" of the entry is the vCPU's; its "props" has a
# topology "thread-id" too.
vtid=$(vb vm qmp pin query-cpus-fast 2>/dev/null | grep -o '"thread-id": [0-9]*' | head -n 1 | grep -o '[0-9]*$')
check "pin: the launcher pinned vCPU 0 (thread ${vtid:-?}) to CPU 1, and said so" \
	logged pin "vCPU 0 (thread ${vtid:-?}) pinned to CPU 1"
check "pin: the vCPU thread may run on CPU 1 alone" expect "Cpus_allowed_list" "$(allowed "/proc/${pq:-0}/task/${vtid:-0}/status")" 1
others() { # every thread of QEMU but the vCPU's: their allowed lists, sorted, unique
	local t
	for t in /proc/"${pq:-0}"/task/*; do
		[ "${t##*/}" = "${vtid:-0}" ] || allowed "$t/status"
	done | sort -u | tr '\n' ' '
}
check "pin: QEMU's other threads run on CPU 0 (emulator-cpus)" expect "their lists" "$(others)" "0 "
ptpm=$(pgrep -P "$(launcher pin)" -x swtpm || :)
check "pin: swtpm on CPU 0 too" expect "swtpm" "$(allowed "/proc/${ptpm:-0}/status")" 0
check "pin: the guest runs after the pinning (cont)" answers '"running": true' vb vm qmp pin query-status
kill -TERM "$(launcher pin)" 2>/dev/null || :
finished

# ---- isolate ----------------------------------------------------------------
# isolate = yes, cpus = 1 in a tree of CPUs 0-1: the host keeps CPU 0.
# fake-systemctl.sh (first in PATH) logs its arguments and keeps each
# unit's AllowedCPUs in a file; the tree's /proc/irq, /proc/interrupts and
# workqueue cpumask are plain files, written without truncation, so the
# values are one character wide ("1" becomes "0" and back). Nothing of
# this host's cgroups, IRQs or workqueues is touched: every path is under
# $root, refused when that is empty or /.
case ${root:-/} in
/ | //*) bail "isolate: no tree root" ;;
esac
iso_bin=$work/iso-bin
export FAKE_SYSTEMCTL_DIR=$work/iso-systemctl
mkdir -p "$iso_bin" "$FAKE_SYSTEMCTL_DIR"
install -m 0755 "$here/fake-systemctl.sh" "$iso_bin/systemctl"
iso_units() {
	local d=$FAKE_SYSTEMCTL_DIR
	echo "$(cat "$d/system.slice")|$(cat "$d/user.slice")|$(cat "$d/init.scope")"
}
iso_reset() {
	local i d=$FAKE_SYSTEMCTL_DIR
	: >"$d/system.slice"
	echo 0-1 >"$d/user.slice"
	: >"$d/init.scope"
	: >"$d/log"
	mkdir -p "$root/sys/devices/virtual/workqueue" "$root/proc/self"
	echo 3 >"$root/sys/devices/virtual/workqueue/cpumask"
	for i in 0 9 24 25 30; do
		mkdir -p "$root/proc/irq/$i"
		echo 1 >"$root/proc/irq/$i/smp_affinity_list"
	done
	printf '%s\n' "           CPU0       CPU1" \
		"  0:         10          0   IO-APIC    2-edge      timer" \
		"  9:          0          0   IO-APIC    9-fasteoi   acpi" \
		" 24:          0          0   PCI-MSI 524288-edge      vfio-msi[0](0000:01:00.0)" \
		" 25:          0          0   PCI-MSI 524289-edge      snd_hda_intel:card1 0000:01:00.1" \
		" 30:          5          0   PCI-MSI 1048576-edge      nvme0q0" >"$root/proc/interrupts"
	echo "0::/machine.slice/vfiobind-vm@iso.service" >"$root/proc/self/cgroup"
	# 01:00.1's INTx line: vfio requests it only once the guest enables
	# it, so /proc/interrupts does not name it yet.
	echo 9 >"$root/sys/bus/pci/devices/0000:01:00.1/irq"
}
iso_irqs() { cat "$root"/proc/irq/{0,9,24,25,30}/smp_affinity_list | tr '\n' ' '; }
iso_wq() { cat "$root/sys/devices/virtual/workqueue/cpumask"; }
iso_kill() { # a SIGKILLed launcher; its QEMU, an orphan here, killed too
	local q
	q=$(qemu_pid iso)
	kill -KILL "$(launcher iso)" 2>/dev/null || :
	wait "$lpid" 2>/dev/null || :
	if [ -n "$q" ]; then kill -KILL "$q" 2>/dev/null || :; fi
}
iso_rec=$root/run/vfiobind/vm/iso/isolated
iso_path=$PATH
PATH=$iso_bin:$PATH
[ "$(command -v systemctl)" = "$iso_bin/systemctl" ] || bail "isolate: the fake systemctl is not first in PATH"
iso_reset
check "isolate: VM iso starts" start iso
check "isolate: the old values were recorded" expect "record" "$(tr '\n' ';' <"$iso_rec" 2>/dev/null)" \
	"vfiobind-isolated 1;unit system.slice=;unit user.slice=0-1;unit init.scope=;wq 3;irq 0 1;irq 30 1;"
check "isolate: system.slice, user.slice, init.scope AllowedCPUs=0 while it runs" \
	expect "units" "$(iso_units)" "0|0|0"
check "isolate: ... through systemctl set-property --runtime" \
	grep -qx -- "set-property --runtime -- user.slice AllowedCPUs=0" "$FAKE_SYSTEMCTL_DIR/log"
check "isolate: the workqueue cpumask is 1 (CPU 0)" expect "cpumask" "$(iso_wq)" 1
check "isolate: the host's IRQs on CPU 0, the VM's (24 vfio, 25 its BDF, 9 its INTx) untouched" \
	expect "IRQs 0 9 24 25 30" "$(iso_irqs)" "0 1 1 1 0 "
check "isolate: the launcher said so" logged iso "the host's own work confined to CPU 0"
kill -TERM "$(launcher iso)" 2>/dev/null || :
finished
check "isolate: stop restored the units" expect "units" "$(iso_units)" "|0-1|"
check "isolate: ... the workqueue cpumask and the IRQs" expect "mask, IRQs" "$(iso_wq) $(iso_irqs)" "3 1 1 1 1 1 "
check "isolate: ... and removed the record" test ! -e "$iso_rec"
check "isolate: VM iso starts again" start iso
check "isolate: ... confined again" expect "units" "$(iso_units)" "0|0|0"
iso_kill
check "isolate: a SIGKILLed launcher leaves its record" test -s "$iso_rec"
vb vm poweroff iso >"$work/iso-poweroff.log" 2>&1 || :
check "isolate: ExecStopPost (vm poweroff) restored the units" expect "units" "$(iso_units)" "|0-1|"
check "isolate: ... the workqueue cpumask and the IRQs" expect "mask, IRQs" "$(iso_wq) $(iso_irqs)" "3 1 1 1 1 1 "
check "isolate: ... and removed the record" test ! -e "$iso_rec"
check "isolate: VM iso starts a third time" start iso
iso_kill
: >"$FAKE_SYSTEMCTL_DIR/log"
check "isolate: the next start after another SIGKILL" start iso
check "isolate: ... restored first (its first systemctl call)" expect "first call" \
	"$(head -n 1 "$FAKE_SYSTEMCTL_DIR/log")" "set-property --runtime -- system.slice AllowedCPUs="
check "isolate: ... then recorded the host's own values, not the confined ones" \
	grep -qx "unit user.slice=0-1" "$iso_rec"
kill -TERM "$(launcher iso)" 2>/dev/null || :
finished
check "isolate: ... and that stop restored everything" expect "units, mask, IRQs" \
	"$(iso_units) $(iso_wq) $(iso_irqs)" "|0-1| 3 1 1 1 1 1 "
echo "0::/user.slice/user-0.slice/session-1.scope" >"$root/proc/self/cgroup"
check "isolate: a launcher under user.slice (vm run from a shell) starts the VM" start iso
check "isolate: ... does not isolate, and says why" logged iso \
	"isolate = yes not applied: the launcher runs in /user.slice/user-0.slice/session-1.scope, under user.slice"
check "isolate: ... and changed nothing" expect "units" "$(iso_units)" "|0-1|"
check "isolate: ... and wrote no record" test ! -e "$iso_rec"
kill -TERM "$(launcher iso)" 2>/dev/null || :
finished
PATH=$iso_path
rm -f "$root/proc/self/cgroup"

# ---- sandbox ----------------------------------------------------------------
# QEMU's -sandbox spawn=deny: a migration to an exec: URI would run a
# program as the user. QEMU's filter kills the process that tries
# (SECCOMP_RET_KILL_PROCESS, qemu-seccomp.c), as under libvirt's
# seccomp_sandbox = 1: nothing runs, the VM ends.
spawned=$work/serial/spawned
check "sandbox: VM t starts" start t
vb vm qmp t "{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"exec:touch $spawned\"}}" >"$work/migrate.out" 2>&1 || :
finished
check "sandbox: migrate to exec: ran nothing" test ! -e "$spawned"
check "sandbox: ... QEMU was killed by its seccomp filter (SIGSYS)" logged t "QEMU was killed by signal 31"
check "sandbox: ... result 'exited', no power-off" expect result "$(cat "$root/run/vfiobind/vm/t/result")" exited
# ---- reboot -----------------------------------------------------------------
# reboot = restart: boot.S reboots on the key r (ICH9 0xCF9); QEMU, run
# with -no-reboot, exits with SHUTDOWN "guest-reset", and the launcher
# resets 01:00.0 (reset_method "bus" in the tree; its writes to reset
# stay in the file) and starts swtpm and QEMU again. The serial log is
# removed before each key: the new QEMU writes a new one.
rb_key() { # VM: the key r through root's monitor
	vb vm qmp "$1" '{"execute": "send-key", "arguments": {"keys": [{"type": "qcode", "data": "r"}]}}' >/dev/null || :
}
rb_logged() { # VM TEXT COUNT: TEXT in the launcher's log COUNT times, within 30 s
	local _
	for _ in $(seq 300); do
		[ "$(grep -cF -- "$2" "$work/$1.log")" -ge "$3" ] && return 0
		sleep 0.1
	done
	echo "# '$2' not $3 times in the launcher's log:"
	sed 's/^/#   /' "$work/$1.log"
	return 1
}
rb_reset=$root/sys/bus/pci/devices/0000:01:00.0/reset
: >"$rb_reset"
check "reboot: VM rb (reboot = restart) starts" start rb
check "reboot: QEMU runs with -no-reboot" logged rb " -no-reboot "
check "reboot: the guest boots" up rb
rb_launcher=$(launcher rb)
rb_qemu=$(qemu_pid rb)
rb_tpm=$(pgrep -P "${rb_launcher:-0}" -x swtpm || :)
rm -f "$work/serial/rb.log"
rb_key rb
check "reboot: guest reboot 1 logged with the count: QEMU started again" \
	rb_logged rb "VM rb: guest reboot 1: QEMU started again" 1
check "reboot: ... and QMP answers again (running)" rb_logged rb "VM rb: running: QEMU pid" 2
check "reboot: QEMU said guest-reset, the launcher saw the reboot" \
	logged rb "the guest reboots: QEMU exits (-no-reboot, reboot = restart)"
check "reboot: a new QEMU process (was ${rb_qemu:-?})" expect_not "QEMU pid" "$(qemu_pid rb)" "${rb_qemu:-0}"
check "reboot: the old one is gone" test ! -e "/proc/${rb_qemu:-0}"
check "reboot: the same launcher still runs" \
	expect "launcher" "$(kill -0 "${rb_launcher:-0}" 2>/dev/null && launcher rb)" "${rb_launcher:-none}"
check "reboot: 01:00.0 reset through sysfs ('1' written to reset), logged with its methods" \
	expect "reset" "$(cat "$rb_reset")" 1
check "reboot: ... logged with its method" logged rb "VM rb: 0000:01:00.0 reset (methods bus)"
check "reboot: 01:00.1, without reset_method, not reset, said" \
	logged rb "VM rb: 0000:01:00.1: not reset (no reset_method"
rb_tpm2=$(pgrep -P "${rb_launcher:-0}" -x swtpm || :)
check "reboot: swtpm left with the old QEMU (--terminate), a new one runs (was ${rb_tpm:-?})" \
	expect_not "swtpm pid" "${rb_tpm2:-missing}" "${rb_tpm:-0}"
check "reboot: the new guest boots" up rb
rb_vtid=$(vb vm qmp rb query-cpus-fast 2>/dev/null | grep -o '"thread-id": [0-9]*' | head -n 1 | grep -o '[0-9]*$')
check "reboot: the new QEMU's vCPU (thread ${rb_vtid:-?}) pinned to CPU 1 again, logged" \
	logged rb "vCPU 0 (thread ${rb_vtid:-?}) pinned to CPU 1"
check "reboot: ... it runs on CPU 1 alone" \
	expect "Cpus_allowed_list" "$(allowed "/proc/$(qemu_pid rb)/task/${rb_vtid:-0}/status")" 1
check "reboot: the new QEMU has the TPM" answers '"model": "tpm-tis"' vb vm qmp rb query-tpm
# Four more within the minute are restarted; the sixth is one too many.
for n in 2 3 4 5; do
	up rb >/dev/null || :
	rm -f "$work/serial/rb.log"
	rb_key rb
	rb_logged rb "VM rb: running: QEMU pid" $((n + 1)) >/dev/null || :
done
check "reboot: reboots 2 to 5 each started QEMU again" rb_logged rb "VM rb: guest reboot 5: QEMU started again" 1
up rb >/dev/null || :
rb_key rb
finished
check "reboot: the sixth reboot within 60 s ends the VM: launcher exits 1" expect "exit" "$rc" 1
check "reboot: ... logged" logged rb "VM rb: the guest rebooted 6 times within 60 s: not started again"
check "reboot: ... result 'reboot-limit'" expect result "$(cat "$root/run/vfiobind/vm/rb/result")" reboot-limit
check "reboot: ... no host power-off (poweroff = yes)" decision rb "no host power-off: the guest rebooted too often"
check "reboot: ... no QEMU or swtpm of the launcher left" test -z "$(pgrep -u nobody -f "serial/rb.log" || :)"
# A stop sent with a reboot: whichever comes first, the VM stops.
check "reboot: VM rb starts again" start rb
check "reboot: the guest boots again" up rb
rb_key rb
kill -TERM "$(launcher rb)" 2>/dev/null || :
finished
check "reboot: SIGTERM sent with the reboot: the launcher exits 0" expect "exit" "$rc" 0
check "reboot: ... result 'stopped'" expect result "$(cat "$root/run/vfiobind/vm/rb/result")" stopped
check "reboot: ... no QEMU left" test -z "$(pgrep -u nobody -f "serial/rb.log" || :)"
# reboot = reset: QEMU's own reset; QEMU stays, the guest boots again.
check "reboot: VM rs (reboot = reset) starts" start rs
check "reboot: ... without -no-reboot" test -z "$(grep -F -- " -no-reboot" "$work/rs.log")"
check "reboot: the guest of rs boots" up rs
rs_qemu=$(qemu_pid rs)
rb_key rs
rs_twice() {
	local _
	for _ in $(seq 300); do
		[ "$(grep -c "e2e-guest: up" "$work/serial/rs.log")" -ge 2 ] && return 0
		sleep 0.1
	done
	echo "# the guest did not boot a second time:"
	sed 's/^/#   /' "$work/serial/rs.log"
	return 1
}
check "reboot: reboot = reset: the guest rebooted inside QEMU (booted twice)" rs_twice
check "reboot: ... the same QEMU runs (pid ${rs_qemu:-?})" answers '"running": true' vb vm qmp rs query-status
check "reboot: ... still pid ${rs_qemu:-?}, no restart" \
	expect "QEMU" "$(test -e "/proc/${rs_qemu:-0}" && grep -c "guest reboot" "$work/rs.log")" 0
kill -TERM "$(launcher rs)" 2>/dev/null || :
finished
check "reboot: rs stopped: result 'stopped'" expect result "$(cat "$root/run/vfiobind/vm/rs/result")" stopped

# ---- crash ------------------------------------------------------------------
# The tree is under $TMPDIR: not a tmpfs here (bail otherwise), so both
# /dev/vfio/2 (a plain file in the tree) and the image are recorded under
# /var/lib/vfiobind; on a real host /dev/vfio/2 is on devtmpfs and stays
# in /run (handover.h; tests/unit/test-handover.c covers that split).
case $(stat -f -c %T "$root/var/lib/t") in
tmpfs | ramfs) bail "the test tree $root is on a tmpfs: set TMPDIR to a disk-backed directory" ;;
esac
: >"$root/var/lib/t/c.img"
chown 4321:4322 "$root/var/lib/t/c.img"
chmod 0644 "$root/var/lib/t/c.img"
img_before=$(stat -c '%u:%g %a' "$root/var/lib/t/c.img")
persist=$root/var/lib/vfiobind/crash.handed
# crash VM: SIGKILL its launcher and QEMU's process group (QEMU is a
# session leader), then wipe /run as a reboot would.
crash() {
	local q
	q=$(qemu_pid "$1")
	kill -KILL "$(launcher "$1")" 2>/dev/null || :
	kill -KILL -- "-${q:-0}" 2>/dev/null || :
	wait "$lpid" 2>/dev/null || :
	rm -rf "$root/run/vfiobind"
}
check "crash: VM crash starts" start crash
check "crash: the image file is nobody's" expect "owner" "$(stat -c %u "$root/var/lib/t/c.img")" "$nobody_uid"
check "crash: its original owner is recorded under /var/lib/vfiobind, not /run" \
	grep -q '^4321 4322 0100644 [0-9]* [0-9]* /var/lib/t/c.img$' "$persist"
check "crash: ... as root's alone (0600)" expect "record mode" "$(stat -c '%u %a' "$persist")" "0 600"
crash crash
check "crash: after the crash and /run wiped, the image is still nobody's" \
	expect "owner" "$(stat -c %u "$root/var/lib/t/c.img")" "$nobody_uid"
check "crash: the next start" start crash
check "crash: ... gave the image back first, from the persistent record" \
	logged crash "the host crashed or was reset while the VM ran"
check "crash: ... and recorded its real owner again, not nobody" \
	grep -q '^4321 4322 0100644 [0-9]* [0-9]* /var/lib/t/c.img$' "$persist"
kill -TERM "$(launcher crash)" 2>/dev/null || :
finished
check "crash: after that run the image is 4321:4322 0644 again" \
	expect "owner and mode" "$(stat -c '%u:%g %a' "$root/var/lib/t/c.img")" "$img_before"
check "crash: ... and the record is gone" test ! -e "$persist"

# A link in the image's place (root's doing: the directory is root's):
# ExecStopPost after the "reboot" must not follow it to the victim.
check "crash: VM crash starts for the link case" start crash
crash crash
mv "$root/var/lib/t/c.img" "$root/var/lib/t/c.img.moved"
: >"$root/var/lib/t/victim"
chmod 0600 "$root/var/lib/t/victim"
ln -s victim "$root/var/lib/t/c.img"
vb vm poweroff crash >"$work/crash-poweroff.log" 2>&1 || :
check "crash: ExecStopPost did not follow the link: the victim stays root's, 0600" \
	expect "victim" "$(stat -c '%u %a' "$root/var/lib/t/victim")" "0 600"
check "crash: ... said so" grep -q "c.img is a link or another file since it was handed over: not touched" \
	"$work/crash-poweroff.log"
check "crash: ... and the moved image was not touched either" \
	expect "owner" "$(stat -c %u "$root/var/lib/t/c.img.moved")" "$nobody_uid"
check "crash: ... while /dev/vfio/2 was never anyone's but root's" \
	expect "owner and mode" "$(owner_mode "$root/dev/vfio/2")" "$vfio_before"
check "crash: ... and the record is gone (the link's line dropped, logged)" test ! -e "$persist"
rm -f "$root/var/lib/t/c.img" "$root/var/lib/t/victim"
mv "$root/var/lib/t/c.img.moved" "$root/var/lib/t/c.img"
chown 4321:4322 "$root/var/lib/t/c.img"
chmod 0644 "$root/var/lib/t/c.img"

# ---- renumbered --------------------------------------------------------------
# The same crash, with the image on an ext4 that comes back on another
# device number after the "reboot" (a loop device, as dm-N or btrfs'
# anonymous numbers may): the record knows the file by its file system's
# UUID-derived ID (statfs f_fsid) and inode, not st_dev, and gives it back.
# Needs loop devices (losetup): said and skipped without them.
renumbered() {
	local fs=$work/lm.ext4 mnt=$root/var/lib/t/lm spacer=$work/spacer dev_before dev_after sp
	truncate -s 16M "$fs" "$spacer" && mkfs.ext4 -q -F "$fs" >/dev/null 2>&1 && mkdir -p "$mnt" &&
		mount -o loop "$fs" "$mnt" 2>/dev/null || return 1
	chmod 0755 "$mnt"
	: >"$mnt/m.img"
	chown 4321:4322 "$mnt/m.img"
	chmod 0644 "$mnt/m.img"
	dev_before=$(stat -c %d "$mnt/m.img")
	check "renumbered: VM moved starts with its image on a loop-mounted ext4" start moved
	check "renumbered: the image is nobody's" expect "owner" "$(stat -c %u "$mnt/m.img")" "$nobody_uid"
	crash moved
	umount "$mnt"
	# Take the loop device the image had, so that it comes back on another.
	sp=$(losetup -f --show "$spacer")
	mount -o loop "$fs" "$mnt"
	dev_after=$(stat -c %d "$mnt/m.img")
	check "renumbered: after the reboot the file system has another st_dev ($dev_before, now $dev_after)" \
		test "$dev_before" != "$dev_after"
	check "renumbered: the next start" start moved
	check "renumbered: ... gave the image back first, from the persistent record" \
		logged moved "/var/lib/t/lm/m.img given back to uid 4321"
	check "renumbered: ... and recorded its real owner again, not nobody" \
		grep -q '^4321 4322 0100644 [0-9]* [0-9]* /var/lib/t/lm/m.img$' "$root/var/lib/vfiobind/moved.handed"
	kill -TERM "$(launcher moved)" 2>/dev/null || :
	finished
	check "renumbered: after that run the image is 4321:4322 0644 again" \
		expect "owner and mode" "$(stat -c '%u:%g %a' "$mnt/m.img")" "4321:4322 644"
	umount "$mnt"
	losetup -d "$sp"
	return 0
}
if command -v losetup >/dev/null && losetup -f >/dev/null 2>&1; then
	renumbered || check "renumbered: an ext4 on a loop device mounted" false
else
	echo "# renumbered: skipped, no free loop device (losetup -f)"
fi

# ---- huge -------------------------------------------------------------------
# hugepages = 2M, memory = 64M: 32 pages from the tree's global pool. The
# fake pool does not play the kernel (free_hugepages does not move when
# nr_hugepages is written), so: enough pages free, nothing reserved and
# QEMU's RAM on the hugetlb memfd (its arguments, as a stand-in QEMU saw
# them: this host has no hugepages for a real one); too few, the
# reservation falls short, is refused with both numbers and rolled back
# to exactly what the pool was; a SIGKILLed launcher's record given back
# by `vm poweroff`. The real allocation is test-vm.sh's.
huge_case() {
	local g=$root/sys/kernel/mm/hugepages/hugepages-2048kB rec=$root/run/vfiobind/vm/huge/hugepages q
	mkdir -p "$g" "$root/proc/sys/vm"
	: >"$root/proc/sys/vm/compact_memory"
	cat >"$work/huge-qemu.sh" <<EOS
#!/bin/bash
printf '%s\n' "\$@" >$work/serial/huge.args
exec $work/hostile-qemu.sh quiet $work/serial/huge.fds
EOS
	chmod 0755 "$work/huge-qemu.sh"
	cat >>"$root/etc/vfiobind.conf" <<EOS

[vm huge]
user = nobody
qemu = $work/huge-qemu.sh
memory = 64M
hugepages = 2M
stop-timeout = 2
EOS
	# Plain files, not sysfs: a write does not truncate, so every value
	# written here has two digits.
	echo 42 >"$g/nr_hugepages"
	echo 42 >"$g/free_hugepages"
	check "huge: VM huge starts with 42 of the 32 pages it needs free" start huge
	check "huge: ... reserved nothing" logged huge "32 pages needed in the global pool, 42 free"
	check "huge: ... the pool as it was" expect nr_hugepages "$(cat "$g/nr_hugepages")" 42
	check "huge: ... no record" test ! -e "$rec"
	check "huge: QEMU's RAM on a preallocated 2M hugetlb memfd" grep -qx \
		"memory-backend-memfd,id=vfiobind-ram,size=64M,hugetlb=on,hugetlbsize=2048k,prealloc=on" \
		"$work/serial/huge.args"
	check "huge: ... the machine's RAM backend" grep -qx "memory-backend=vfiobind-ram" "$work/serial/huge.args"
	check "huge: ... after -m 64M" grep -qx 64M "$work/serial/huge.args"
	# A launcher killed with pages of its adding: its record (as it writes
	# one before raising the pool) gives them back at ExecStopPost.
	q=$(qemu_pid huge)
	printf 'vfiobind-hugepages 1\nnode - 2048 32 10\nend 1\n' >"$rec"
	kill -KILL "$(launcher huge)" 2>/dev/null || :
	kill -KILL -- "-${q:-0}" 2>/dev/null || :
	wait "$lpid" 2>/dev/null || :
	vb vm poweroff huge >"$work/huge-poweroff.log" 2>&1 || :
	check "huge: vm poweroff after a SIGKILL gave the 32 pages back" expect nr_hugepages "$(cat "$g/nr_hugepages")" 10
	check "huge: ... said so" grep -q "32 2M pages given back in the global pool (nr_hugepages 42 -> 10)" \
		"$work/huge-poweroff.log"
	check "huge: ... and removed the record" test ! -e "$rec"
	echo 10 >"$g/nr_hugepages"
	echo 10 >"$g/free_hugepages"
	echo 0 >"$root/proc/sys/vm/compact_memory"
	rm -f "$work/serial/huge.fds"
	check "huge: with 10 pages free, the start is refused with both numbers" refused \
		"hugepage allocation failed: 10 of 32 2M pages free in the global pool after reserving" \
		vb vm run huge
	check "huge: ... memory compacted before asking again" expect compact_memory "$(cat "$root/proc/sys/vm/compact_memory")" 1
	check "huge: ... said so (a second try)" refused \
		"10 of 32 pages free in the global pool; memory compacted, asking again" vb vm run huge
	check "huge: ... nr_hugepages back to exactly 10" expect nr_hugepages "$(cat "$g/nr_hugepages")" 10
	# compact_memory that cannot be written (a folder in its place): the
	# second try goes on, and the log does not claim a compaction.
	rm -f "$root/proc/sys/vm/compact_memory" && mkdir "$root/proc/sys/vm/compact_memory"
	check "huge: compact_memory not writable: the second try says so" refused \
		"10 of 32 pages free in the global pool; not compacted, asking again" vb vm run huge
	check "huge: ... after a warning naming the file" refused \
		"cannot compact memory ($root/proc/sys/vm/compact_memory)" vb vm run huge
	rmdir "$root/proc/sys/vm/compact_memory" && echo 0 >"$root/proc/sys/vm/compact_memory"
	check "huge: ... no record left" test ! -e "$rec"
	check "huge: ... QEMU never started" test ! -e "$work/serial/huge.fds"
	# A machine of 32 MiB in all (the tree's /proc/meminfo) cannot hold
	# 64M (vfio pins it all): refused with the config's line before the
	# pool or compact_memory is touched.
	printf '%s\n' 'MemTotal:          32768 kB' 'MemFree:           16384 kB' >"$root/proc/meminfo"
	echo 0 >"$root/proc/sys/vm/compact_memory"
	check "huge: on a machine of 32 MiB, a 64M guest is refused with both sizes" refused \
		"memory: 64M is more than this host's 32 MiB in all: vfio pins all of the guest's RAM" \
		vb vm run huge
	check "huge: ... and vm check says the same" refused \
		"memory: 64M is more than this host's 32 MiB in all" vb vm check huge
	check "huge: ... the pool untouched" expect nr_hugepages "$(cat "$g/nr_hugepages")" 10
	check "huge: ... memory not compacted" expect compact_memory "$(cat "$root/proc/sys/vm/compact_memory")" 0
	check "huge: ... QEMU never started" test ! -e "$work/serial/huge.fds"
	rm -f "$root/proc/meminfo"
}
rm -f "$work/serial/huge.fds"
huge_case

t1=$(date +%s%N)
timings+=("launcher cases $(((t1 - t0) / 1000000000)) s")
# shellcheck source=test-launcher-hostile.sh
. "$here/test-launcher-hostile.sh"
finish
