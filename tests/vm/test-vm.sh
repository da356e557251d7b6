#!/bin/bash
# test-vm.sh - the end-to-end test of the launcher in a real kernel.
#
# QEMU (TCG, q35, intel-iommu, the GPU-shaped card of tests/boot/qemu-run.sh)
# boots Debian's kernel. Its initramfs (init-vm.sh) binds the card with
# the helper, then switches to a root where systemd is PID 1: this host's
# root, shared read-only over 9p under a tmpfs overlay, plus the output of
# `make install` (the helper, vfiobind-vm@.service) and the test's files,
# with `systemctl enable vfiobind-vm@e2e.service` done as a user would.
# The launcher starts the VM at boot: a nested qemu-system-x86_64 -accel
# tcg with the card's five functions passed through (test-vm.sh adds a
# virtio-rng at 01:00.4: the one function with FLR), swtpm as its TPM,
# and boot.S as its operating system, a 512-byte guest that powers off on
# the ACPI power button and on a key. e2e-guest.sh makes the checks inside
# and prints them on the serial console; this script reads them back.
#
# Boots:
#   main     the cases of e2e-guest.sh (running, stop, flag, kill, novfio),
#            reboot = restart (a guest reboot: a new QEMU with the card),
#            then a clean guest shutdown, after which the outer guest must
#            power off by itself: its own power-off comes from the unit's
#            ExecStopPost, seen in the journal lines it forwards
#   vm-off   vfiobind.vm=off on the kernel command line: the unit does not
#            start, and the helper refuses on its own too
# Both boots have an ext4 virtio disk at 00:07.0. The first mounts it and
# runs the image build's check on a config declaring its function (fails
# naming the mount; with force passes and records it); the second boot's
# image carries that record and a config declaring the disk, and its
# initramfs bind must refuse it by the record.
#
# Env: VFIOBIND (helper), VFIOBIND_BOOT (its boot flavour, what the
# initramfs gets; default VFIOBIND), STAGE (a `make install DESTDIR=` tree;
# made here when unset), KVER/KERNEL/QEMU as for qemu-run.sh,
# VM_TEST_TIMEOUT (seconds per boot, default 900; the main boot takes 360 s alone on 2 cores, 600 beside other suites in CI), BOOT_TEST_DIR and KEEP
# as in tests/boot.
# Output: `ok N - ...` lines, `# ` diagnostics, `N passed, M failed`.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
vfiobind=${VFIOBIND:-$repo/build/vfiobind}
# What the image gets: the boot flavour, as the hooks put it in.
vfiobind_boot=${VFIOBIND_BOOT:-$vfiobind}
# shellcheck source=../boot/lib.sh
. "$repo/tests/boot/lib.sh"

[ -x "$vfiobind" ] || bail "no helper at $vfiobind (make)"
[ -x "$vfiobind_boot" ] || bail "no boot flavour at $vfiobind_boot (make)"
command -v swtpm >/dev/null || bail "swtpm missing (make deps)"
command -v systemctl >/dev/null || bail "systemd missing (make deps)"
make_work vm

# ---- the stage: what the guest's root gets on top of this host's --------
stage=$work/stage
if [ -n "${STAGE:-}" ]; then
	cp -a "$STAGE" "$stage"
else
	make -C "$repo" --no-print-directory install DESTDIR="$stage" PREFIX=/usr SYSCONFDIR=/etc >/dev/null ||
		bail "make install failed"
fi
[ -f "$stage/usr/lib/systemd/system/vfiobind-vm@.service" ] || bail "the stage has no vfiobind-vm@.service"
install -d -m 0755 "$stage/var/lib/vfiobind-e2e" "$stage/usr/lib/vfiobind-e2e" "$stage/etc/systemd/system"
# The inner guest's serial output: QEMU (the VM's user, 4242 in
# init-vm.sh) writes it; not in /tmp, which the unit has private.
install -d -o 4242 -g 4242 -m 0755 "$stage/var/lib/vfiobind-e2e/serial"
"$here/mkboot.sh" "$stage/var/lib/vfiobind-e2e/boot.img"
# The RX 7000 way: a ROM file of nothing, so the firmware runs no ROM.
head -c 65536 /dev/zero >"$stage/var/lib/vfiobind-e2e/dummy.rom"
install -m 0755 "$here/e2e-guest.sh" "$stage/usr/lib/vfiobind-e2e/e2e-guest.sh"
# What QEMU's sandbox must keep from running (e2e-guest.sh, case kill).
printf '#!/bin/sh\ntouch /var/lib/vfiobind-e2e/serial/spawned\n' >"$stage/usr/lib/vfiobind-e2e/spawned.sh"
chmod 0755 "$stage/usr/lib/vfiobind-e2e/spawned.sh"
install -m 0644 "$repo/tests/lib/tap.sh" "$stage/usr/lib/vfiobind-e2e/tap.sh"
cat >"$stage/etc/vfiobind.conf" <<'EOF'
# vfiobind end-to-end test (tests/vm): the GPU-shaped card of qemu-run.sh.
0000:01:00

[vm e2e]
user     = vfiobind-e2e
qemu     = qemu-system-x86_64 -machine q35 -accel tcg,tb-size=32 -m 64 -nodefaults
args     = -drive file=/var/lib/vfiobind-e2e/boot.img,format=raw,if=ide
args     = -serial file:/var/lib/vfiobind-e2e/serial/inner.log
# User networking under the unit's sandbox (AF_INET allowed): slirp
# listens for the forward as soon as QEMU starts.
args     = -nic user,model=e1000,hostfwd=tcp:127.0.0.1:10022-:22
disk     = /var/lib/vfiobind-e2e/boot.img
romfile  = 0000:01:00.0 /var/lib/vfiobind-e2e/dummy.rom
tpm      = /var/lib/vfiobind-e2e/tpm
poweroff = yes
stop-timeout = 30
# ---- pin/isolate (issue 19): the outer guest has 4 CPUs (-smp 4 below):
# the vCPU on CPU 3, QEMU's other threads, swtpm and the host on 0-2.
cpus     = 3
isolate  = yes
# ---- end pin/isolate
# hugepages (e2e-guest.sh phase_hugepages): the guest's 64M on 32 2M
# pages; hugebig asks more than the outer guest has, huge1g a 1G page
# it does not find: both refused.
hugepages = 2M

[vm hugebig]
user      = vfiobind-e2e
qemu      = qemu-system-x86_64 -machine q35 -accel tcg,tb-size=32 -nodefaults
memory    = 4G
hugepages = 2M

[vm huge1g]
user      = vfiobind-e2e
qemu      = qemu-system-x86_64 -machine q35 -accel tcg,tb-size=32 -nodefaults
memory    = 1G
hugepages = 1G
EOF
chmod 0644 "$stage/etc/vfiobind.conf"
# ---- pin/isolate: checked as the 4-CPU outer guest sees it (cpus = 3 is
# offline on a smaller host): a tree of CPUs 0-3 alone.
cpu_root=$work/cpu-root
mkdir -p "$cpu_root/sys/devices/system/cpu"
echo 0-3 >"$cpu_root/sys/devices/system/cpu/online"
echo 0-3 >"$cpu_root/sys/devices/system/cpu/present"
"$vfiobind" --root "$cpu_root" check "$stage/etc/vfiobind.conf" >"$work/check.out" 2>&1 ||
	bail "the test's config does not pass vfiobind check: $(cat "$work/check.out")"
# ---- end pin/isolate
cat >"$stage/etc/systemd/system/vfiobind-e2e.service" <<'EOF'
[Unit]
Description=vfiobind end-to-end checks (tests/vm/e2e-guest.sh)
After=vfiobind-vm@e2e.service

[Service]
ExecStart=/usr/lib/vfiobind-e2e/e2e-guest.sh
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0

[Install]
WantedBy=multi-user.target
EOF
# Enabled as a user would; the warning about multi-user.target (not in
# the stage) is expected.
systemctl --root="$stage" enable vfiobind-vm@e2e.service vfiobind-e2e.service >/dev/null 2>&1 ||
	bail "systemctl --root enable failed"
[ -L "$stage/etc/systemd/system/multi-user.target.wants/vfiobind-vm@e2e.service" ] ||
	bail "systemctl enable made no multi-user.target.wants link"
# Units of this host's Debian that a test boot does not need and that cost
# seconds each under TCG: module loaders for what nothing here uses, the
# login stack (no one logs in), pseudo file systems, timers.
for u in modprobe@drm.service modprobe@dm_mod.service modprobe@fuse.service modprobe@loop.service \
	modprobe@efi_pstore.service modprobe@configfs.service systemd-binfmt.service \
	proc-sys-fs-binfmt_misc.automount dev-hugepages.mount dev-mqueue.mount sys-kernel-debug.mount \
	sys-kernel-tracing.mount sys-kernel-config.mount sys-fs-fuse-connections.mount \
	systemd-logind.service systemd-user-sessions.service console-getty.service \
	serial-getty@ttyS0.service getty@tty1.service dbus.service dbus.socket dracut-shutdown.service \
	systemd-update-utmp.service systemd-update-utmp-runlevel.service systemd-journal-flush.service \
	systemd-random-seed.service systemd-tmpfiles-clean.timer systemd-pstore.service \
	systemd-timesyncd.service; do
	ln -sf /dev/null "$stage/etc/systemd/system/$u"
done

truncate -s 8M "$work/disk.img"
mkfs.ext4 -q -F -L e2edisk "$work/disk.img" >/dev/null 2>&1 || bail "mkfs.ext4 failed"

image=$work/initramfs.cpio
"$repo/tests/boot/mkinitramfs.sh" -o "$image" -b "$vfiobind_boot" -c "$stage/etc/vfiobind.conf" \
	-i "$here/init-vm.sh" vfio-pci vfio_iommu_type1 virtio_pci 9pnet_virtio 9p overlay \
	2>"$work/mkinitramfs.err" || bail "mkinitramfs.sh failed: $(cat "$work/mkinitramfs.err")"

res=
# vmboot NAME KERNEL_ARGS...: one outer boot; its result lines in $res.
vmboot() {
	local name=$1 rc=0 t0 t1 ms
	shift
	res=$work/$name.res
	t0=$(date +%s%N)
	# shellcheck disable=SC2054 # QEMU's commas
	# The card's fifth function, 01:00.4, is a virtio-rng: behind a
	# root port it is PCI Express with FLR (QEMU's virtio-pci
	# x-pcie-flr-init), so reboot = restart has a reset that succeeds;
	# the card's own functions have only a bus reset, which the kernel
	# refuses on a bus they share (pci_parent_bus_reset()).
	# journald copies what it logs to the console: the power-off
	# decision is logged while the guest goes down, too late for anything
	# running in it to print.
	APPEND_EXTRA="quiet systemd.show_status=0 systemd.journald.forward_to_console=1 \
systemd.journald.max_level_console=info $*" QEMU_EXTRA="-m 1536 -smp 4" \
		"$repo/tests/boot/qemu-run.sh" -i "$image" -l "$work/$name.log" -t "${VM_TEST_TIMEOUT:-900}" -- \
		-drive "file=$work/disk.img,format=raw,if=none,id=e2edisk" \
		-device virtio-blk-pci,drive=e2edisk,bus=pcie.0,addr=07.0 \
		-device virtio-rng-pci,bus=rp1,addr=00.4 \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$stage,mount_tag=stage,security_model=none,readonly=on,multidevs=remap" \
		2>>"$work/qemu-run.err" || rc=$?
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	tr -d '\r' <"$work/$name.log" | sed -n 's/^.*\(VFIOBIND-E2E[-A-Z]*: .*\)$/\1/p; /reboot: Power down/p' >"$res"
	timings+=("$name boot $((ms / 1000)).$(printf %02d $((ms % 1000 / 10))) s")
	boot_rc=$rc
}

# The guest's own verdicts, one test point each.
guest_checks() {
	local verdict name desc line
	while IFS= read -r line; do
		case $line in
		"VFIOBIND-E2E: ok "* | "VFIOBIND-E2E: not-ok "*)
			line=${line#VFIOBIND-E2E: }
			verdict=${line%% *}
			line=${line#* }
			name=${line%% - *}
			desc=${line#* - }
			if [ "$verdict" = ok ]; then
				ok "$1 $name: $desc"
			else
				not_ok "$1 $name: $desc"
			fi
			;;
		"VFIOBIND-E2E: # "*) echo "# ${line#VFIOBIND-E2E: # }" ;;
		"VFIOBIND-E2E: time "*)
			line=${line#VFIOBIND-E2E: time }
			timings+=("$1 case ${line% *} ${line#* } s")
			;;
		esac
	done <"$res"
}

powered_off() { # RC
	case $1 in
	0) return 0 ;;
	124) echo "# QEMU timed out: the outer guest never powered off" ;;
	*) echo "# qemu-run.sh exit $1" ;;
	esac
	echo "# serial log tail:"
	tr -d '\r' <"${res%.res}.log" | tail -n 25 | sed 's/^/#   /'
	return 1
}

has() { # TEXT
	grep -qF -- "$1" "$res" && return 0
	echo "# '$1' is not in the serial output"
	return 1
}

log_has() { # TEXT: anywhere in the serial output
	tr -d '\r' <"${res%.res}.log" | grep -qF -- "$1" && return 0
	echo "# '$1' is not in the serial output"
	return 1
}

has_not() { # TEXT
	grep -qF -- "$1" "$res" || return 0
	echo "# '$1' is in the serial output"
	return 1
}

# ---- main -------------------------------------------------------------------
vmboot main
check "main: the initramfs bound the card (vfiobind bind exit 0, config with a [vm] section)" \
	has "VFIOBIND-E2E: initramfs: vfiobind bind rc=0"
check "main: systemd started, and the checks inside ran" has "VFIOBIND-E2E: ok boot "
guest_checks main
all_cases_ran() {
	local c
	for c in storage running stop flag kill novfio; do
		grep -q "^VFIOBIND-E2E: time $c " "$res" || {
			echo "# case $c did not finish"
			return 1
		}
	done
}
check "main: every case ran to its end (storage, running, stop, flag, kill, novfio)" all_cases_ran
check "main reboot: the reboot = restart case ran to its end" grep -q "^VFIOBIND-E2E: time reboot " "$res"
check "main poweroff: the guest shut down on its own" has "VFIOBIND-E2E: poweroff: sending a key"
check "main poweroff: the launcher saw the clean guest shutdown" \
	log_has "vfiobind: VM e2e: the guest powered itself off"
check "main poweroff: ExecStopPost decided to power the host off" \
	log_has "vfiobind: VM e2e: the guest shut itself down: powering the host off"
check "main poweroff: not the test's own fallback power-off" has_not "VFIOBIND-E2E: still-up"
check "main poweroff: the kernel powered the outer guest off" has "reboot: Power down"
check "main poweroff: the outer guest powered off (QEMU exited)" powered_off "$boot_rc"
# From the key to the kernel's power-off, on the guest's clock.
t_key=$(sed -n 's/.*sending a key.*(uptime \([0-9.]*\)).*/\1/p' "$res")
t_off=$(sed -n 's/^.*\[ *\([0-9.]*\)\] reboot: Power down.*/\1/p' "$res")
if [ -n "$t_key" ] && [ -n "$t_off" ]; then
	timings+=("main case poweroff $(awk -v a="$t_key" -v b="$t_off" 'BEGIN { printf "%.1f", b - a }') s (key to power-off)")
fi

# ---- vm-off -----------------------------------------------------------------
# Its image carries the record the main boot's build-time check wrote, and a
# second config that declares the disk (init-vm.sh binds it first).
sed -n 's/^VFIOBIND-E2E: record: //p' "$res" >"$work/protected"
echo 0000:00:07.0 >"$work/storage.conf"
chmod 0644 "$work/protected" "$work/storage.conf"
check "main storage: the build-time check in the guest recorded 0000:00:07.0" grep -q '^0000:00:07.0 .* holds ' "$work/protected"
"$repo/tests/boot/mkinitramfs.sh" -o "$image" -b "$vfiobind_boot" -c "$stage/etc/vfiobind.conf" \
	-f "$work/protected:/etc/vfiobind.d/protected" -f "$work/storage.conf:/etc/vfiobind-storage.conf" \
	-i "$here/init-vm.sh" vfio-pci vfio_iommu_type1 virtio_pci 9pnet_virtio 9p overlay \
	2>"$work/mkinitramfs.err" || bail "mkinitramfs.sh failed: $(cat "$work/mkinitramfs.err")"
vmboot vm-off vfiobind.vm=off
check "vm-off storage: the initramfs bind refused the disk's function (exit 1)" \
	has "VFIOBIND-E2E: initramfs: storage bind rc=1"
check "vm-off storage: ... by the image's record, naming the mount" \
	log_has "vfiobind: 0000:00:07.0: refused: holds /mnt/vfiobind-e2e-disk (/dev/vda), recorded when this image was built"
check "vm-off: the initramfs still bound the card" has "VFIOBIND-E2E: initramfs: vfiobind bind rc=0"
guest_checks vm-off
check "vm-off: the checks inside ran to the end" has "VFIOBIND-E2E: done"
check "vm-off: the outer guest powered off" powered_off "$boot_rc"

finish
