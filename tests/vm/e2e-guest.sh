#!/bin/bash
# e2e-guest.sh - the checks of the end-to-end test, run inside the outer
# guest by vfiobind-e2e.service once systemd has started (or skipped)
# vfiobind-vm@e2e.service. Every observation is a line on the serial
# console, read by test-vm.sh on the host:
#
#   VFIOBIND-E2E: ok NAME - DESCRIPTION      a check that held
#   VFIOBIND-E2E: not-ok NAME - DESCRIPTION  one that did not
#   VFIOBIND-E2E: # ...                      its diagnostics
#   VFIOBIND-E2E: time NAME SECONDS          how long a case took
#
# (journald forwards notices to the console too, test-vm.sh asks it to on
# the kernel command line: that is how the last case's power-off decision
# gets out of a guest that is powering off.)
#
# With vfiobind.vm=off on the kernel command line it checks that the VM
# did not start and powers the guest off itself. Otherwise the VM started
# at boot, and the cases run in this order, the last one ending the boot:
#   storage   the image build's check on this running system: a config
#             declaring the function of the mounted virtio disk (00:07.0)
#             fails naming the mount, passes with force and records it
#             (the record goes into the next boot's image: test-vm.sh)
#   running   (after boot: the card bound by the initramfs, 01:00.3 taken
#             from the built-in serial driver, logged as built-in)
#             QEMU as the unprivileged user with no memlock limit, swtpm
#             too, each in a /dev of its own: QEMU's has vfio/2 for the
#             user (0600), no block device; the host's /dev/vfio/2 stays
#             root's; QEMU under seccomp, no_new_privs, no capability;
#             the disk image the user's, QMP
#             query-pci shows the card's five functions, query-tpm the
#             TPM, vfiobind doctor ok but for the host's own image,
#             release refuses the held group
#   pin, isolate (issue 19; cpus = 3, isolate = yes, a 4-CPU outer guest)
#             the vCPU thread on CPU 3, QEMU's other threads and swtpm on
#             0-2, the journal's pinning line, the unit in machine.slice;
#             system.slice, user.slice, init.scope AllowedCPUs 0-2 and the
#             workqueue mask 7, recorded; restored after stop, and by
#             ExecStopPost after the launcher is SIGKILLed (after kill)
#   stop      systemctl stop: the guest powers down via ACPI, no power-off
#   flag      /run/vfiobind/no-poweroff: a guest shutdown keeps the host up
#   kill      QMP netdev_add of a bridge with a helper program runs
#             nothing: QEMU's seccomp filter kills QEMU; no power-off
#   novfio    01:00.2 released to xhci_hcd: the VM refuses to start,
#             naming it; bound again with vfiobind bind
#   reboot    reboot = restart added to the config: the inner guest
#             reboots (key r): a new QEMU process has the card (query-pci),
#             01:00.0's reset was tried (logged with its methods),
#             01:00.4's (virtio-rng: FLR) done, and QEMU has it again, the
#             count in the journal, the unit stays active, the host up
#   poweroff  the guest shuts down on its own: the host powers off; if it
#             is still up 120 s later, "still-up" and a power-off of our own
set -u

unit=vfiobind-vm@e2e.service
vm_user=vfiobind-e2e
# Not in /tmp: the unit has a private one (PrivateTmp=yes).
inner_log=/var/lib/vfiobind-e2e/serial/inner.log
say() {
	echo "VFIOBIND-E2E: $*"
}

# tests/lib/tap.sh, installed beside this script by test-vm.sh.
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/tap.sh"

# observe NAME DESCRIPTION COMMAND...: one observation, in the form above
# (test-vm.sh numbers them: these are not TAP lines of their own).
observe() {
	local name=$1 desc=$2
	shift 2
	if tap_run "$@"; then
		say "ok $name - $desc"
	else
		say "not-ok $name - $desc"
	fi
	tap_diag "VFIOBIND-E2E: "
}

now() {
	date +%s.%N
}

elapsed() { # NAME START
	say "time $1 $(awk -v a="$2" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')"
}

# wait_for SECONDS COMMAND...: until the command succeeds.
wait_for() {
	local until=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$until" ] || return 1
		sleep 0.2
	done
}

state() {
	systemctl show -p ActiveState --value "$unit"
}

is_state() {
	[ "$(state)" = "$1" ]
}

settled() { # the unit is neither starting nor stopping
	case $(state) in
	active | inactive | failed) return 0 ;;
	esac
	return 1
}

# The unit's journal since CURSOR (a `journalctl --show-cursor` value).
journal_since() {
	journalctl -q -o cat -u "$unit" --after-cursor="$1" --no-pager
}

cursor() {
	journalctl -q -n 0 --show-cursor --no-pager | sed -n 's/^-- cursor: //p'
}

journal_has() { # CURSOR TEXT
	journal_since "$1" | grep -qF -- "$2" && return 0
	echo "'$2' is not in the journal of $unit; it says:"
	journal_since "$1" | tail -n 25
	return 1
}

# No power-off queued or under way: the host stays up.
host_stays_up() {
	local jobs running
	sleep 2
	jobs=$(systemctl list-jobs --no-legend --no-pager 2>&1)
	running=$(systemctl is-system-running 2>&1)
	case "$jobs $running" in
	*poweroff* | *shutdown* | *stopping*)
		echo "the host is going down: jobs: $jobs; state: $running"
		return 1
		;;
	esac
}

inner_up() {
	grep -q "e2e-guest: up" "$inner_log" 2>/dev/null
}

qemu_pid() {
	local cg pid
	cg=$(systemctl show -p ControlGroup --value "$unit")
	[ -n "$cg" ] || return 1
	while read -r pid; do
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = qemu-system-x86 ] && echo "$pid" && return 0
	done <"/sys/fs/cgroup$cg/cgroup.procs"
	return 1
}

# status_of PID FIELD: one field of /proc/PID/status.
status_of() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null
}

# qemu_dev_clean PID: its /dev has no block device and no node of the
# host's beyond the allowed ones; the listing is shown either way.
qemu_dev_clean() {
	local d=/proc/$1/root/dev
	echo "QEMU's /dev: $(cd "$d" && find . -mindepth 1 -maxdepth 2 | sort | tr '\n' ' ')"
	[ -d "$d/vfio" ] && [ -z "$(find "$d" -type b)" ] &&
		[ -z "$(cd "$d" && find . -mindepth 1 -maxdepth 1 -printf '%f\n' |
			grep -vxE 'fd|full|kvm|null|ptmx|pts|random|shm|stderr|stdin|stdout|tty|urandom|userfaultfd|vfio|zero')" ]
}

# spawn_refused CURSOR FILE: QEMU's -sandbox spawn=deny stopped the
# program QEMU was to run: the filter killed QEMU, or failed its clone
# with EPERM and the command with it. What QMP said is shown either way.
spawn_refused() {
	echo "QMP said: $(tr '\n' ' ' <"$2")"
	journal_since "$1" | grep -qF "QEMU was killed by signal 31" && return 0
	grep -qE '"status": "failed"|"class": "GenericError"' "$2"
}

uids_of() {
	awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$1/status"
}

# ---- pin/isolate helpers (issue 19) ---------------------------------------
# The VM has cpus = 3, isolate = yes in a 4-CPU outer guest.
allowed_of() { awk '/^Cpus_allowed_list:/ { print $2 }' "$1" 2>/dev/null; }
# The vCPU's thread, as QMP names it (the first "thread-id" of the entry;
# its "props" has a topology "thread-id" too).
vcpu_tid() {
	vfiobind vm qmp e2e query-cpus-fast 2>/dev/null | grep -o '"thread-id": [0-9]*' | head -n 1 | grep -o '[0-9]*$'
}
other_threads() { # PID VTID: the allowed lists of every thread but VTID, sorted, unique
	local t
	for t in /proc/"$1"/task/*; do
		[ "${t##*/}" = "$2" ] || allowed_of "$t/status"
	done | sort -u | tr '\n' ' '
}
host_cpus() { # the three units' AllowedCPUs and the workqueue mask
	echo "$(systemctl show -p AllowedCPUs --value system.slice user.slice init.scope | grep -v '^$' | tr '\n' ' ')|$(cat /sys/devices/virtual/workqueue/cpumask)"
}
iso_record() { test -e /run/vfiobind/vm/e2e/isolated; }
irqs_on() { # LIST: how many IRQs have that smp_affinity_list
	grep -lx -- "$1" /proc/irq/*/smp_affinity_list 2>/dev/null | wc -l
}
irqs_moved() { # some IRQ on 0-2, and no vfio one among them
	local f n=0
	while read -r f; do
		f=${f%/smp_affinity_list}
		grep -qE "^ *${f##*/}:.*vfio" /proc/interrupts && echo "IRQ ${f##*/} is the VM's, moved" && return 1
		n=$((n + 1))
	done < <(grep -lx 0-2 /proc/irq/*/smp_affinity_list 2>/dev/null)
	[ "$n" -gt 0 ]
}
journal_boot_has() { # TEXT: in the unit's journal of this boot
	journalctl -q -o cat -b -u "$unit" --no-pager | grep -qF -- "$1" && return 0
	echo "'$1' is not in the journal of $unit"
	return 1
}
# ---- end pin/isolate helpers

# start_vm: systemctl start, then until the inner guest is up.
start_vm() {
	rm -f "$inner_log"
	systemctl start "$unit" || return 1
	wait_for 90 inner_up || {
		echo "the inner guest never said it was up; $inner_log:"
		cat "$inner_log" 2>/dev/null
		return 1
	}
}

send_key() {
	vfiobind vm qmp e2e '{"execute": "send-key", "arguments": {"keys": [{"type": "qcode", "data": "ret"}]}}'
}

# kmsg_has TEXT: a kernel log record of the helper's, from this boot.
kmsg_has() {
	dmesg | grep -qF "vfiobind: $1" && return 0
	echo "no kernel log record 'vfiobind: $1'; the helper's were:"
	dmesg | grep -F 'vfiobind:'
	return 1
}

# doctor_ok FILE: doctor's output (shown in full) has its IOMMU, boot and
# devices checks ok and no failure for VM e2e.
doctor_ok() {
	cat "$1"
	grep -qE '^ok +iommu ' "$1" && grep -qE '^ok +boot ' "$1" && grep -qE '^ok +devices ' "$1" &&
		grep -qE '^ok +vm e2e +VM e2e: vfiobind-vm@e2e.service is enabled' "$1" && ! grep -qE '^fail +vm e2e' "$1"
}

# pci_has VENDOR DEVICE: query-pci of the nested QEMU lists a function
# with this ID (QMP gives them in decimal).
pci_has() {
	local v=$((16#$1)) d=$((16#$2))
	grep -o '"id": {[^}]*}' "$pci" | grep "\"vendor\": ${v}[,}]" | grep -q "\"device\": ${d}[,}]" && return 0
	echo "no function $1:$2 ($v:$d) in query-pci:"
	grep -o '"id": {[^}]*}' "$pci"
	return 1
}

# says TEXT COMMAND...: the command succeeds and its output holds TEXT.
says() {
	local out text=$1
	shift
	out=$("$@" 2>&1) && case $out in *"$text"*) echo "$out" && return 0 ;; esac
	echo "'$*' said: $out"
	return 1
}

# refuses TEXT COMMAND...: the command fails, saying TEXT.
refuses() {
	local out text=$1
	shift
	if out=$("$@" 2>&1); then
		echo "'$*' succeeded: $out"
		return 1
	fi
	case $out in *"$text"*) echo "$out" && return 0 ;; esac
	echo "'$*' said: $out"
	return 1
}

booted() {
	case $(systemctl is-system-running) in
	running | degraded) return 0 ;;
	esac
	return 1
}

ended() { # the unit is failed or inactive
	case $(state) in
	failed | inactive) return 0 ;;
	esac
	return 1
}

no_qemu() {
	! pgrep -x qemu-system-x86
}

qdev_ids() {
	local f
	for f in 0 1 2; do
		grep -q "\"qdev_id\": \"vfiobind-0000-01-00.$f\"" "$pci" || return 1
	done
}

phase_vm_off() {
	local t0
	t0=$(now)
	wait_for 120 booted
	observe vm-off "the unit did not start: its condition on vfiobind.vm=off failed" \
		expect "ConditionResult ActiveState" \
		"$(systemctl show -p ConditionResult --value "$unit") $(state)" "no inactive"
	systemctl start "$unit"
	observe vm-off "systemctl start does not start it either" \
		expect "ConditionResult ActiveState" \
		"$(systemctl show -p ConditionResult --value "$unit") $(state)" "no inactive"
	observe vm-off "vfiobind vm run refuses on its own too, and says why" \
		says "vfiobind.vm=off on the kernel command line" vfiobind vm run e2e
	observe vm-off "no QEMU runs" no_qemu
	observe vm-off "the card is still on vfio-pci (vm=off keeps the binding)" \
		expect driver "$(basename "$(readlink /sys/bus/pci/devices/0000:01:00.0/driver)")" vfio-pci
	elapsed vm-off "$t0"
	say "done"
	systemctl poweroff
}

# The virtio disk test-vm.sh attaches at 00:07.0, once udev has loaded
# virtio_blk: its kernel name.
disk_name() {
	local b
	for b in /sys/bus/pci/devices/0000:00:07.0/virtio*/block/*; do
		[ -e "$b" ] && echo "${b##*/}" && return 0
	done
	return 1
}

phase_storage() {
	local t0 dev rc mnt=/mnt/vfiobind-e2e-disk conf=/tmp/vfiobind-storage.conf out=/tmp/vfiobind-storage.out
	local rec=/tmp/vfiobind-record
	t0=$(now)
	wait_for 60 disk_name
	dev=$(disk_name)
	mkdir -p "$mnt"
	observe storage "the virtio disk of 0000:00:07.0 (${dev:-none}) is mounted on $mnt" mount "/dev/${dev:-none}" "$mnt"
	install -m 0644 /dev/null "$conf"
	echo 0000:00:07.0 >"$conf"
	rc=0
	vfiobind --devices-only --record "$rec" check "$conf" >"$out" 2>&1 || rc=$?
	observe storage "the image build's check fails on a config declaring the disk's function" expect rc "$rc" 3
	observe storage "... naming the mount" grep -F "0000:00:07.0: holds $mnt (/dev/$dev)" "$out"
	observe storage "... and writes no record" test ! -e "$rec/protected"
	echo '0000:00:07.0 force' >"$conf"
	rc=0
	vfiobind --devices-only --record "$rec" check "$conf" >"$out" 2>&1 || rc=$?
	observe storage "with force it passes" expect rc "$rc" 0
	observe storage "... and records the function for the image" grep -qE "^0000:00:07\.0 .* holds $mnt \(/dev/$dev\)$" "$rec/protected"
	# The whole record (it proves itself: format, machine, every storage
	# controller, end line), for the next boot's image.
	grep -v '^#' "$rec/protected" | while IFS= read -r line; do say "record: $line"; done
	umount "$mnt"
	elapsed storage "$t0"
}

# ---- hugepages (issue 19) ---------------------------------------------------
# [vm e2e] has hugepages = 2M and -m 64: the launcher reserves 32 pages in
# the outer guest's global pool (it has none before), QEMU preallocates
# them all, and the stop gives them back. [vm hugebig] asks 4G of 2M pages
# of a guest with 1.5G: refused as more memory than the host has in all
# (vfio pins the guest's RAM), before the pool is touched (asking the
# kernel anyway stalled the outer guest's CPUs for three minutes of
# reclaim and compaction under TCG, to fail all the same). [vm huge1g]
# asks one 1G page, which the kernel's run-time allocation does not find
# in 1.5G (alloc_contig_pages(): no free, aligned 1G range): the real
# kernel's shortfall, refused with both numbers and the kernel command
# line that reserves them, the 1G pool as it was.
hp() { awk -v k="HugePages_$1:" '$1 == k { print $2 }' /proc/meminfo; }
gp=/sys/kernel/mm/hugepages/hugepages-1048576kB
phase_hugepages() {
	local t0 total free
	t0=$(now)
	total=$(hp Total) free=$(hp Free)
	say "hugepages: before the VM HugePages_Total $total, HugePages_Free $free"
	observe huge "the VM starts with its RAM on 2M hugepages" start_vm
	say "hugepages: while it runs HugePages_Total $(hp Total), HugePages_Free $(hp Free)"
	observe huge "HugePages_Total rose by the 32 pages the launcher reserved" \
		expect HugePages_Total "$(hp Total)" $((total + 32))
	observe huge "... all 32 in use by the guest's RAM (HugePages_Free as before)" \
		expect HugePages_Free "$(hp Free)" "$free"
	# cpus = 3 is on node 0 (the outer guest's one node): the launcher
	# raises that node's pool, not the global one ("node -").
	observe huge "... recorded in the VM's state directory, on the node of its cpus" \
		grep -q '^node 0 2048 32 ' /run/vfiobind/vm/e2e/hugepages
	systemctl stop "$unit"
	wait_for 60 ended
	observe huge "after the stop HugePages_Total is as before" expect HugePages_Total "$(hp Total)" "$total"
	observe huge "... and HugePages_Free" expect HugePages_Free "$(hp Free)" "$free"
	observe huge "... the record gone" test ! -e /run/vfiobind/vm/e2e/hugepages
	observe huge "VM hugebig (4G of 2M pages) is refused with both sizes, before the pool is touched" \
		refuses "memory: 4G is more than this host's " vfiobind vm run hugebig
	observe huge "... and leaves HugePages_Total as it was" expect HugePages_Total "$(hp Total)" "$total"
	observe huge "... and no QEMU runs" no_qemu
	local g1
	g1=$(cat "$gp/nr_hugepages" 2>/dev/null) || g1=missing
	observe huge "the outer guest has a 1G pool (-cpu max: pdpe1gb)" test "$g1" != missing
	observe huge "VM huge1g (one 1G page) is refused: the kernel found none" \
		refuses "hugepage allocation failed: 0 of 1 1G pages free in the global pool after reserving" \
		vfiobind vm run huge1g
	observe huge "... naming the kernel command line that reserves it" \
		refuses "add hugepagesz=1G hugepages=1 to the kernel command line" vfiobind vm run huge1g
	observe huge "... and leaves the 1G pool as it was" expect "1G nr_hugepages" "$(cat "$gp/nr_hugepages")" "$g1"
	observe huge "... and no QEMU runs" no_qemu
	systemctl reset-failed "$unit" 2>/dev/null || :
	elapsed huge "$t0"
}

# new_qemu PID: a QEMU of the unit runs, and it is not PID.
new_qemu() {
	local q
	q=$(qemu_pid) && [ "$q" != "$1" ]
}

# reset_tried CURSOR: the launcher's line for 01:00.0's reset, shown (its
# methods are the kernel's: "bus" alone fails with ENOTTY for a function
# that shares its bus, which the restart goes on after).
reset_tried() {
	journal_since "$1" | grep -E "VM e2e: 0000:01:00\.[0-3]:? (not )?reset" || {
		echo "no reset line for the card's functions in the journal of $unit"
		return 1
	}
	journal_since "$1" | grep -qE "VM e2e: 0000:01:00\.0:? reset \(methods [a-z_ ]+\)"
}

# reset_done CURSOR: 01:00.4, the virtio-rng with FLR, was reset: the
# launcher's success line (a failure says "failed"), and its methods as
# the kernel lists them (reset_method) include flr.
reset_done() {
	local line
	line=$(journal_since "$1" | grep -E "VM e2e: 0000:01:00\.4:? (not )?reset") || {
		echo "no reset line for 0000:01:00.4 in the journal of $unit"
		return 1
	}
	echo "$line"
	grep -qw flr /sys/bus/pci/devices/0000:01:00.4/reset_method &&
		echo "$line" | grep -qE "VM e2e: 0000:01:00\.4 reset \(methods [a-z_ ]*flr[a-z_ ]*\)$"
}

# reboot = restart (issue 21): the config gets the key for this case
# only (the root is a tmpfs overlay), the inner guest reboots on the key
# r (boot.S), and the launcher starts a new QEMU with the card.
phase_reboot() {
	local t0 c qpid qpid2 conf=/etc/vfiobind.conf
	t0=$(now)
	c=$(cursor)
	cp "$conf" /tmp/vfiobind.conf.before-reboot
	# Into [vm e2e]: it is not the last section (hugebig follows).
	sed -i '/^\[vm e2e\]$/a reboot   = restart' "$conf"
	observe reboot "the VM starts with reboot = restart" start_vm
	qpid=$(qemu_pid)
	rm -f "$inner_log"
	vfiobind vm qmp e2e '{"execute": "send-key", "arguments": {"keys": [{"type": "qcode", "data": "r"}]}}' >/dev/null
	observe reboot "the inner guest rebooted: a new QEMU process (was ${qpid:-none})" wait_for 90 new_qemu "${qpid:-0}"
	qpid2=$(qemu_pid)
	observe reboot "... and the inner guest booted in it (pid ${qpid2:-none})" wait_for 90 inner_up
	observe reboot "the journal counts it: guest reboot 1: QEMU started again" \
		journal_has "$c" "VM e2e: guest reboot 1: QEMU started again"
	observe reboot "QEMU exited on the guest's reset (-no-reboot)" \
		journal_has "$c" "VM e2e: the guest reboots: QEMU exits (-no-reboot, reboot = restart)"
	observe reboot "01:00.0's reset through sysfs was tried, with its methods (done or failed, logged)" \
		reset_tried "$c"
	observe reboot "01:00.4 (virtio-rng, FLR) was reset through sysfs: the kernel's reset succeeded" \
		reset_done "$c"
	observe reboot "the unit stays active" expect ActiveState "$(state)" active
	vfiobind vm qmp e2e query-pci >"$pci" 2>&1
	observe reboot "the new QEMU has the card: query-pci lists 1234:1111 (VGA)" pci_has 1234 1111
	observe reboot "... 8086:293e (HDA)" pci_has 8086 293e
	observe reboot "... 1b36:000d (xHCI) and 1b36:0002 (serial)" eval 'pci_has 1b36 000d && pci_has 1b36 0002'
	observe reboot "... and 1af4:1044 (virtio-rng, reset by FLR)" pci_has 1af4 1044
	observe reboot "... as vfiobind's vfio-pci devices (qdev ids)" qdev_ids
	observe reboot "no power-off job, the host keeps running" host_stays_up
	systemctl stop "$unit"
	observe reboot "systemctl stop: the unit is inactive" expect ActiveState "$(state)" inactive
	cp /tmp/vfiobind.conf.before-reboot "$conf"
	elapsed reboot "$t0"
}

phase_main() {
	local t0 c qpid spid group
	pci=$(mktemp)
	group=$(basename "$(readlink /sys/bus/pci/devices/0000:01:00.0/iommu_group)")

	phase_storage

	# ---- running --------------------------------------------------------
	t0=$(now)
	wait_for 120 settled
	observe boot "$unit was started at boot (enabled, WantedBy=multi-user.target)" \
		expect ActiveState "$(state)" active
	observe boot "the initramfs bound the card: /run/vfiobind/status" \
		grep -q '^0000:01:00.2 1b36:000d [0-9]* bound vfio-pci' /run/vfiobind/status
	observe boot "the initramfs took 01:00.3 (pci-serial) from the built-in serial driver" \
		grep -q '^0000:01:00.3 1b36:0002 [0-9]* bound vfio-pci' /run/vfiobind/status
	observe boot "the kernel log names serial built-in" kmsg_has "0000:01:00.3: unbound from serial (built-in)"
	observe running "the inner guest booted" wait_for 90 inner_up
	qpid=$(qemu_pid)
	observe running "the nested QEMU runs as $vm_user ($(id -u $vm_user)), never root" \
		expect "QEMU uids" "$(uids_of "${qpid:-0}")" "4242 4242 4242 4242"
	observe running "the nested QEMU may lock its RAM (-m 64) + 1 GiB and no more, though the unit allows any" \
		grep -q '^Max locked memory *1140850688 *1140850688 ' "/proc/${qpid:-0}/limits"
	spid=$(pgrep -x swtpm | head -n 1)
	observe running "swtpm runs as $vm_user" expect "swtpm uids" "$(uids_of "${spid:-0}")" "4242 4242 4242 4242"
	observe running "the host's /dev/vfio/$group stays root's, mode 600" \
		expect "owner mode" "$(stat -c '%U %a' "/dev/vfio/$group")" "root 600"
	observe running "QEMU's own /dev has vfio/$group for $vm_user, mode 600" \
		expect "owner mode" "$(stat -c '%U %a' "/proc/${qpid:-0}/root/dev/vfio/$group")" "$vm_user 600"
	observe running "QEMU's /dev/vfio holds the container and its group alone" \
		expect "vfio/" "$(find "/proc/${qpid:-0}/root/dev/vfio" -mindepth 1 -printf '%f\n' | sort | tr '\n' ' ')" "$group vfio "
	observe running "QEMU's /dev holds no block device (the host has $(find /dev -maxdepth 1 -type b | wc -l))" \
		qemu_dev_clean "$qpid"
	observe running "the nested QEMU runs under its seccomp filter, no_new_privs, no capability" \
		expect "Seccomp NoNewPrivs CapBnd" "$(status_of "${qpid:-0}" Seccomp) $(status_of "${qpid:-0}" NoNewPrivs) $(status_of "${qpid:-0}" CapBnd)" \
		"2 1 0000000000000000"
	observe running "swtpm: no_new_privs, no capability, a /dev without vfio" \
		expect "NoNewPrivs CapBnd vfio" "$(status_of "${spid:-0}" NoNewPrivs) $(status_of "${spid:-0}" CapBnd) $(ls -d "/proc/${spid:-0}/root/dev/vfio" 2>/dev/null || echo none)" \
		"1 0000000000000000 none"
	# The image is 0644 on the host: the launcher keeps the group's read
	# and takes the world's.
	observe running "user networking works under the unit's sandbox: QEMU's hostfwd listens on 127.0.0.1:10022" \
		timeout 5 bash -c ': </dev/tcp/127.0.0.1/10022'
	observe running "the declared disk belongs to $vm_user, no world access" \
		expect "owner mode" "$(stat -c '%U %a' /var/lib/vfiobind-e2e/boot.img)" "$vm_user 640"
	vfiobind vm qmp e2e query-pci >"$pci" 2>&1
	observe running "QMP query-pci lists 1234:1111 (the VGA function)" pci_has 1234 1111
	observe running "QMP query-pci lists 8086:293e (the HDA function)" pci_has 8086 293e
	observe running "QMP query-pci lists 1b36:000d (the xHCI function)" pci_has 1b36 000d
	observe running "QMP query-pci lists 1b36:0002 (the serial function, built-in on the host)" pci_has 1b36 0002
	observe running "QMP query-pci lists 1af4:1044 (the virtio-rng function, the one with FLR)" pci_has 1af4 1044
	# The host image of this root is Debian's own (no hook: doctor says
	# so); IOMMU, this boot's binding and the running VM must be ok.
	vfiobind doctor >"$pci.doctor" 2>&1
	observe running "vfiobind doctor: IOMMU, this boot's binding and VM e2e ok (its output below)" \
		doctor_ok "$pci.doctor"
	observe running "they are the vfio-pci devices vfiobind added (qdev ids)" \
		qdev_ids
	observe running "QMP query-tpm: the TPM of swtpm" says '"model": "tpm-tis"' vfiobind vm qmp e2e query-tpm
	observe running "release refuses the group while the VM holds it" \
		refuses "in use by VM e2e" vfiobind release 0000:01:00.2
	elapsed running "$t0"

	# ---- pin/isolate: while it runs (issue 19) ----------------------------
	t0=$(now)
	vtid=$(vcpu_tid)
	observe pin "the vCPU thread (${vtid:-?}) may run on CPU 3 alone" \
		expect "Cpus_allowed_list" "$(allowed_of "/proc/${qpid:-0}/task/${vtid:-0}/status")" 3
	observe pin "QEMU's other threads on CPUs 0-2" expect "their lists" "$(other_threads "${qpid:-0}" "${vtid:-0}")" "0-2 "
	observe pin "swtpm on CPUs 0-2" expect "swtpm" "$(allowed_of "/proc/${spid:-0}/status")" 0-2
	observe pin "the journal says where the vCPU went" \
		journal_boot_has "vCPU 0 (thread ${vtid:-?}) pinned to CPU 3"
	observe pin "the unit runs in machine.slice" expect Slice "$(systemctl show -p Slice --value "$unit")" machine.slice
	observe isolate "system.slice, user.slice, init.scope on 0-2, the workqueue mask 7" \
		expect "AllowedCPUs|cpumask" "$(host_cpus)" "0-2 0-2 0-2 |7"
	observe isolate "the old values are recorded" iso_record
	observe isolate "the host's IRQs moved: $(irqs_on 0-2) of them on 0-2, none of the VM's (vfio)" irqs_moved
	observe isolate "the journal says so" journal_boot_has "the host's own work confined to CPUs 0-2"
	elapsed pin "$t0"
	# ---- end pin/isolate

	# ---- stop -----------------------------------------------------------
	t0=$(now)
	c=$(cursor)
	systemctl stop "$unit"
	observe stop "systemctl stop: the unit is inactive" expect ActiveState "$(state)" inactive
	observe stop "the guest powered itself off when asked (ACPI power button)" \
		journal_has "$c" "the guest powered itself off (as asked: the launcher is stopping)"
	observe stop "the power-off decision: stopped, the host stays up" \
		journal_has "$c" "no host power-off: the VM was stopped"
	observe stop "no power-off job, the host keeps running" host_stays_up
	observe stop "/dev/vfio/$group given back to root" expect owner "$(stat -c '%U' "/dev/vfio/$group")" root
	elapsed stop "$t0"

	# ---- pin/isolate: after the stop ----
	observe isolate "stop: the units and the workqueue mask restored (all CPUs: f)" \
		expect "AllowedCPUs|cpumask" "$(host_cpus)" "|f"
	observe isolate "stop: the record removed" test ! -e /run/vfiobind/vm/e2e/isolated
	observe isolate "stop: no IRQ left on 0-2 (all back to 0-3)" expect "IRQs on 0-2" "$(irqs_on 0-2)" 0
	# ---- end pin/isolate

	# ---- flag -----------------------------------------------------------
	t0=$(now)
	c=$(cursor)
	touch /run/vfiobind/no-poweroff
	observe flag "the VM starts again" start_vm
	send_key >/dev/null
	wait_for 60 is_state inactive
	observe flag "the guest shut itself down" journal_has "$c" "the guest powered itself off"
	observe flag "/run/vfiobind/no-poweroff keeps the host up" \
		journal_has "$c" "/run/vfiobind/no-poweroff exists: the host stays up"
	observe flag "no power-off job, the host keeps running" host_stays_up
	rm -f /run/vfiobind/no-poweroff
	elapsed flag "$t0"

	# ---- kill -----------------------------------------------------------
	# QEMU killed, by its own seccomp filter: a bridge netdev runs its
	# helper program (net/tap.c forks and execs it, before any tap
	# exists); -sandbox spawn=deny kills QEMU instead, and nothing runs.
	# (A migration to exec: would spawn too, but VFIO devices block any
	# migration before that: "VFIO device doesn't support migration".)
	t0=$(now)
	c=$(cursor)
	observe kill "the VM starts again" start_vm
	vfiobind vm qmp e2e '{"execute": "netdev_add", "arguments": {"type": "bridge", "id": "spawn0", "br": "br0", "helper": "/usr/lib/vfiobind-e2e/spawned.sh"}}' >"$pci.spawn" 2>&1
	sleep 2
	observe kill "a bridge helper to run: nothing ran" test ! -e /var/lib/vfiobind-e2e/serial/spawned
	observe kill "... refused by QEMU's seccomp filter: QEMU killed (SIGSYS) or the spawn failed" \
		spawn_refused "$c" "$pci.spawn"
	# Killed for good, if the filter only failed the spawn.
	pkill -KILL -x qemu-system-x86
	wait_for 60 ended
	observe kill "QEMU killed: the unit ends failed" expect ActiveState "$(state)" failed
	observe kill "the power-off decision: no clean shutdown, the host stays up" \
		journal_has "$c" "no host power-off: QEMU ended without a clean guest shutdown"
	observe kill "no power-off job, the host keeps running" host_stays_up
	systemctl reset-failed "$unit"
	elapsed kill "$t0"

	# ---- pin/isolate: the launcher SIGKILLed (issue 19) -----------------
	# Nothing of it gives back: ExecStopPost (vm poweroff) does.
	t0=$(now)
	c=$(cursor)
	observe isolate "the VM starts again" start_vm
	observe isolate "... confined again" expect "AllowedCPUs|cpumask" "$(host_cpus)" "0-2 0-2 0-2 |7"
	systemctl kill --kill-whom=main --signal=SIGKILL "$unit"
	wait_for 60 ended
	observe isolate "launcher SIGKILLed: ExecStopPost restored the units and the workqueue mask" \
		expect "AllowedCPUs|cpumask" "$(host_cpus)" "|f"
	observe isolate "... and removed the record" test ! -e /run/vfiobind/vm/e2e/isolated
	observe isolate "... and said so" journal_has "$c" "the host's CPUs restored"
	systemctl reset-failed "$unit"
	elapsed isolate "$t0"
	# ---- end pin/isolate

	# ---- novfio ---------------------------------------------------------
	t0=$(now)
	c=$(cursor)
	vfiobind release 0000:01:00.2
	observe novfio "vfiobind release gave 01:00.2 back to xhci_hcd (the real kernel)" \
		expect driver "$(basename "$(readlink /sys/bus/pci/devices/0000:01:00.2/driver)")" xhci_hcd
	systemctl start "$unit"
	wait_for 30 settled
	observe novfio "the VM does not start" expect ActiveState "$(state)" failed
	observe novfio "the refusal names the function not on vfio-pci" \
		journal_has "$c" "VM e2e: 0000:01:00.2 (1b36:000d) is on xhci_hcd, not on vfio-pci"
	observe novfio "no QEMU was started" no_qemu
	systemctl reset-failed "$unit"
	vfiobind -q bind
	observe novfio "vfiobind bind takes 01:00.2 back" \
		expect driver "$(basename "$(readlink /sys/bus/pci/devices/0000:01:00.2/driver)")" vfio-pci
	elapsed novfio "$t0"

	phase_hugepages
	# ---- reboot ---------------------------------------------------------
	phase_reboot

	# ---- poweroff -------------------------------------------------------
	t0=$(now)
	observe poweroff "the VM starts again" start_vm
	say "poweroff: sending a key: the guest shuts down on its own (uptime $(cut -d' ' -f1 /proc/uptime))"
	send_key >/dev/null
	sleep 120
	say "still-up: 120 s after the guest shut down the host is still up"
	systemctl poweroff
}

if grep -qw 'vfiobind.vm=off' /proc/cmdline; then
	phase_vm_off
else
	phase_main
fi
