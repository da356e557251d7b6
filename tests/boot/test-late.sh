#!/bin/bash
# test-late.sh - late binding on a real kernel with a real udevd: a guest
# (qemu-run.sh's machine plus two free hot-plug pcie-root-ports and a QMP
# socket) runs systemd-udevd with udev/69-vfiobind.rules and Debian's
# 80-drivers.rules, coldplugs, and then the host hot-plugs with QMP
# device_add an e1000e (8086:10d3, the one ID the device list declares)
# and a pci-serial (1b36:0002, undeclared). The e1000e must end on
# vfio-pci with the helper's kernel log lines and a status line; the
# serial port on its host driver (serial, Debian's built-in 8250_pci);
# the card of qemu-run.sh, undeclared, untouched by coldplug. The new
# ports shift SeaBIOS's depth-first bus numbers: 00:1b.0 (rp4, the serial
# port) is bus 01, the card 02, qemu-run.sh's second xHCI 03, 00:1e.0
# (rp3, the e1000e) 04. A second boot with vfiobind=off hot-plugs the same
# two: the e1000e must end on e1000e, proof the first result is the rule's.
#
# SR-IOV in the same boots: an nvme (QEMU 7.2 emulates SR-IOV for it:
# sriov_max_vfs=3) at 05:00.0 behind rp5 (00:1e.1, after every other
# port: no bus number moves) is declared 'vfs=3' with vf0 and vf2 (with
# force: the storage guard holds for VFs, and this image has no record of
# the host's disks). QEMU puts each VF in its own IOMMU group. Coldplug
# loads nvme; its bind event runs the rule, which creates the VFs
# (05:00.1-3) with sriov_drivers_autoprobe 0: vf0 and vf2 must end on
# vfio-pci, vf1 without a driver, and nvme must have probed no VF.
#
# Env: VFIOBIND_BOOT (default build/vfiobind-boot), WORK (default
# build/boot-late), KVER, KERNEL, QEMU, QEMU_TIMEOUT (qemu-run.sh's).
# bash -c scripts below take their arguments as $1: single quotes on purpose.
# shellcheck disable=SC2016
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
vfiobind_boot=${VFIOBIND_BOOT:-$top/build/vfiobind-boot}
work=${WORK:-$top/build/boot-late}
tap_prog=test-late
# shellcheck source=../lib/tap.sh
. "$top/tests/lib/tap.sh"

[ -x "$vfiobind_boot" ] || bail "no helper at $vfiobind_boot (make)"
udevd=/lib/systemd/systemd-udevd
[ -x "$udevd" ] || bail "no $udevd on this machine (Debian: udev)"
rm -rf "$work"
mkdir -p "$work"

printf '%s\n' '# tests/boot/test-late.sh: the e1000e hot-plugged later' '8086:10d3' \
	'# the nvme PF: three VFs, two for vfio-pci (force: the storage guard refuses a storage' \
	'# controller in an image without a record of the host disks, and a VF is one)' '0000:05:00.0 vfs=3' '0000:05:00.0/vf0 force' '05:00.0/vf2 force' \
	>"$work/vfiobind.conf"
sed 's|/usr/lib/vfiobind/vfiobind-boot |/usr/sbin/vfiobind |' "$top/udev/69-vfiobind.rules" >"$work/69-vfiobind.rules"
grep -q 'RUN+="/usr/sbin/vfiobind ' "$work/69-vfiobind.rules" || bail "the rule's RUN path was not rewritten"
image=$work/initramfs.cpio
"$here/mkinitramfs.sh" -o "$image" -b "$vfiobind_boot" -c "$work/vfiobind.conf" -i "$here/init-late.sh" \
	-f "$udevd" -f /usr/bin/udevadm -f "$work/69-vfiobind.rules:/etc/udev/rules.d/69-vfiobind.rules" \
	-f /lib/udev/rules.d/80-drivers.rules:/etc/udev/rules.d/80-drivers.rules \
	vfio-pci vfio_iommu_type1 e1000e xhci_pci snd_hda_intel nvme 2>"$work/mkinitramfs.err" ||
	bail "mkinitramfs.sh failed: $(cat "$work/mkinitramfs.err")"

# boot_late NAME [KERNEL-WORDS]: one boot, the two device_add once the
# guest has coldplugged; its serial log is $work/NAME.log.
boot_late() {
	local log=$work/$1.log qmp=$work/$1.qmp qpid i
	QEMU_EXTRA="-device pcie-root-port,id=rp3,bus=pcie.0,addr=1e.0,chassis=3,slot=1,hotplug=on,multifunction=on
		-device pcie-root-port,id=rp4,bus=pcie.0,addr=1b.0,chassis=4,slot=1,hotplug=on
		-device pcie-root-port,id=rp5,bus=pcie.0,addr=1e.1,chassis=5,slot=1
		-device nvme-subsys,id=nvs -device nvme,serial=vfiobind-sriov,subsys=nvs,bus=rp5,sriov_max_vfs=3,sriov_vq_flexible=6,sriov_vi_flexible=3
		-qmp unix:$qmp,server=on,wait=off" \
		"$here/qemu-run.sh" -i "$image" -l "$log" ${2:+-a "$2"} >"$work/$1.qemu" 2>&1 &
	qpid=$!
	# The guest says when coldplug is over; then the two device_add.
	for ((i = 0; i < 600; i++)); do
		grep -q 'VFIOBIND-LATE: coldplug-done' "$log" 2>/dev/null && break
		kill -0 $qpid 2>/dev/null || break
		sleep 0.5
	done
	grep -q 'VFIOBIND-LATE: coldplug-done' "$log" 2>/dev/null || {
		kill $qpid 2>/dev/null || :
		wait $qpid || :
		bail "$1: the guest never finished coldplug: $(tail -n 20 "$log" 2>/dev/null)"
	}
	python3 - "$qmp" >"$work/$1.qmp.out" 2>&1 <<'PY' || :
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rw")
def cmd(c, **a):
    f.write(json.dumps({"execute": c, "arguments": a} if a else {"execute": c}) + "\n")
    f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            print(c, a, r)
            return r
print(f.readline().strip())
cmd("qmp_capabilities")
cmd("device_add", driver="e1000e", id="late1", bus="rp3")
cmd("device_add", driver="pci-serial", id="late2", bus="rp4")
PY
	wait $qpid || :
}

boot_late late
boot_late off vfiobind=off
log=$work/late.log

field() { # ADDR KEY [LOG]: from the report after hotplug-seen
	sed -n '/VFIOBIND-LATE: hotplug-seen/,$p' "${3:-$work/late.log}" | tr -d '\r' |
		sed -n "s/^VFIOBIND-LATE: dev $1 .*\<$2=\([^ ]*\).*/\1/p" | head -n 1
}

check "QMP: both device_add returned" bash -c '[ "$(grep -c "^device_add .*.return.: {}}" "$1")" = 2 ]' sh "$work/late.qmp.out"
check "the guest reported after the hot-plug" grep -q 'VFIOBIND-LATE: done' "$log"
check "e1000e 0000:04:00.0 is 8086:10d3" expect "04:00.0 id" "$(field 0000:04:00.0 id)" 8086:10d3
check "declared e1000e 0000:04:00.0 ends on vfio-pci" expect "04:00.0 driver" "$(field 0000:04:00.0 driver)" vfio-pci
check "... its driver_override is vfio-pci" expect "04:00.0 override" "$(field 0000:04:00.0 override)" vfio-pci
check "... the kernel log says it appeared and was bound" \
	bash -c 'tr -d "\r" <"$1" | grep -q "kmsg .*vfiobind: 0000:04:00.0 (8086:10d3) appeared after boot and is declared" &&
		tr -d "\r" <"$1" | grep -q "kmsg .*vfiobind: 0000:04:00.0: bound to vfio-pci"' sh "$log"
check "... the status file has it bound" bash -c 'tr -d "\r" <"$1" | grep -q "^VFIOBIND-LATE: status 0000:04:00.0 8086:10d3 [0-9]* bound vfio-pci"' sh "$log"
check "undeclared pci-serial 0000:01:00.0 keeps its host driver" expect "01:00.0 driver" "$(field 0000:01:00.0 driver)" serial
check "... with no driver_override" expect "01:00.0 override" "$(field 0000:01:00.0 override)" "(null)"
check "... and no kernel log line names it" bash -c '! tr -d "\r" <"$1" | grep -q "kmsg .*vfiobind: 0000:01:00.0"' sh "$log"
check "the card's xhci 0000:02:00.2, undeclared, stays on xhci_hcd through coldplug" \
	expect "02:00.2 driver" "$(field 0000:02:00.2 driver)" xhci_hcd
check "... and the card's built-in serial 0000:02:00.3 on serial" \
	expect "02:00.3 driver" "$(field 0000:02:00.3 driver)" serial
check "the e1000e was claimed before 80-drivers.rules loaded e1000e (no unbind line)" \
	bash -c '! tr -d "\r" <"$1" | grep -q "kmsg .*vfiobind: 0000:04:00.0: unbound from"' sh "$log"
check "SR-IOV: the nvme PF 0000:05:00.0 keeps nvme" expect "05:00.0 driver" "$(field 0000:05:00.0 driver)" nvme
check "SR-IOV: declared vf0 0000:05:00.1 ends on vfio-pci" expect "05:00.1 driver" "$(field 0000:05:00.1 driver)" vfio-pci
check "SR-IOV: declared vf2 0000:05:00.3 ends on vfio-pci" expect "05:00.3 driver" "$(field 0000:05:00.3 driver)" vfio-pci
check "SR-IOV: undeclared vf1 0000:05:00.2 has no driver" expect "05:00.2 driver" "$(field 0000:05:00.2 driver)" none
check "SR-IOV: nvme probed no VF (no nvme line names 0000:05:00.1-3)" \
	bash -c '! tr -d "\r" <"$1" | grep -q "VFIOBIND-LATE: nvme .*0000:05:00\.[1-3]"' sh "$log"
check "SR-IOV: the kernel log says the VFs were created and vf0, vf2 bound" \
	bash -c 'tr -d "\r" <"$1" | grep -q "kmsg .*vfiobind: 0000:05:00.0: 3 virtual functions created by nvme" &&
		tr -d "\r" <"$1" | grep -q "kmsg .*vfiobind: 0000:05:00.1: bound to vfio-pci" &&
		tr -d "\r" <"$1" | grep -q "kmsg .*vfiobind: 0000:05:00.3: bound to vfio-pci" &&
		tr -d "\r" <"$1" | grep -q "kmsg .*vfiobind: 0000:05:00.0: 2 of 2 declared virtual functions on vfio-pci"' sh "$log"
check "SR-IOV: the status file has the PF with its VFs, vf0 on vfio-pci (bound, or already by a later event)" \
	bash -c 'tr -d "\r" <"$1" | grep -q "^VFIOBIND-LATE: status 0000:05:00.0 [0-9a-f:]* [0-9]* vfs nvme" &&
		tr -d "\r" <"$1" | grep -Eq "^VFIOBIND-LATE: status 0000:05:00.1 [0-9a-f:]* [0-9]* (bound|already) vfio-pci"' sh "$log"
tap_diag "SR-IOV IOMMU groups: PF $(field 0000:05:00.0 group), vf0 $(field 0000:05:00.1 group), vf1 $(field 0000:05:00.2 group), vf2 $(field 0000:05:00.3 group)"
log=$work/off.log
check "vfiobind=off: QMP: both device_add returned" bash -c '[ "$(grep -c "^device_add .*.return.: {}}" "$1")" = 2 ]' sh "$work/off.qmp.out"
check "vfiobind=off: the guest reported after the hot-plug" grep -q 'VFIOBIND-LATE: done' "$log"
check "vfiobind=off: the declared e1000e 0000:04:00.0 ends on e1000e" \
	expect "04:00.0 driver" "$(field 0000:04:00.0 driver "$log")" e1000e
check "vfiobind=off: ... with no driver_override" \
	expect "04:00.0 override" "$(field 0000:04:00.0 override "$log")" "(null)"
check "vfiobind=off: no vfiobind line in the kernel log, no status file" \
	bash -c '! tr -d "\r" <"$1" | grep -q "kmsg .*vfiobind: " && tr -d "\r" <"$1" | grep -q "VFIOBIND-LATE: status missing"' sh "$log"
summary
