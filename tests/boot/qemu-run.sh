#!/bin/bash
# Boots Debian's kernel with a test initramfs under QEMU/TCG on a q35 machine
# with an emulated Intel IOMMU and a GPU-shaped multifunction card, serial
# console to a log file. Returns when the guest powers off.
#
# Usage: qemu-run.sh [options] [-- EXTRA_QEMU_ARGS...]
#   -i FILE     initramfs                        (env INITRD, required)
#   -l FILE     serial log                       (env LOG, default ./serial.log)
#   -a WORDS    extra kernel command line        (env APPEND_EXTRA)
#   -t SECONDS  timeout for the whole boot       (env QEMU_TIMEOUT, default 300:
#               a boot takes 20 to 40 s under TCG, but a loaded 2-core CI
#               machine slowed one past 120; a hang is still caught)
#   -s          serial on this terminal instead of the log (interactive; add
#               -a vfiobindtest.shell=1 for a shell), no timeout
# Other env: KVER (default: newest /boot/vmlinuz-*-amd64), KERNEL (a vmlinuz,
# overrides KVER), QEMU (default qemu-system-x86_64), QEMU_EXTRA (extra
# QEMU args, word-split), QEMU_IOMMU=0 (no intel-iommu device at all).
#
# Exit: 0 guest powered off; 124 timeout; other: QEMU's failure (a QEMU
# crash, SIGSEGV/SIGBUS/SIGABRT, is booted once more first).
# The wall time of the boot is printed to stderr as "qemu-run: ... N.NN s".
#
# Guest PCI topology (bus numbers as SeaBIOS assigns them, depth first):
#   00:1c.0  pcie-root-port rp1 (chassis 1 slot 1)
#     01:00.0  VGA (1234:1111, class 0x030000; host driver bochs-drm)
#     01:00.1  ich9-intel-hda (8086:293e, 0x040300; snd_hda_intel)
#     01:00.2  qemu-xhci (1b36:000d, 0x0c0330; xhci_hcd)
#     01:00.3  pci-serial (1b36:0002, 0x070002; serial, Debian's built-in
#              8250_pci: bound during kernel init, before any initramfs
#              code, as the reference card's UCSI I2C function is)
#   00:1d.0  pcie-root-port rp2 (chassis 2 slot 1)
#     02:00.0  qemu-xhci (1b36:000d; xhci_hcd): a second, undeclared
#              controller with the same ID as the card's 01:00.2, so
#              vendor:device selectors visibly over-match.
# Plus q35's own 00:00.0 host bridge, 00:1f.0 LPC, 00:1f.2 SATA, 00:1f.3
# SMBus, and the intel-iommu (not a PCI function).
set -eu

here=$(cd "$(dirname "$0")" && pwd)

initrd=${INITRD:-}
log=${LOG:-./serial.log}
append_extra=${APPEND_EXTRA:-}
timeout_s=${QEMU_TIMEOUT:-300}
qemu=${QEMU:-qemu-system-x86_64}
interactive=

# shellcheck source=../lib/tap.sh
. "$here/../lib/tap.sh" # die

usage() {
	sed -n '/^# Usage:/,/^# Exit:/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

while getopts 'i:l:a:t:sh' opt; do
	case $opt in
	i) initrd=$OPTARG ;;
	l) log=$OPTARG ;;
	a) append_extra="$append_extra $OPTARG" ;;
	t) timeout_s=$OPTARG ;;
	s) interactive=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" != -- ] || shift

[ -n "$initrd" ] || die "no initramfs given (-i); build one with $here/mkinitramfs.sh"
[ -f "$initrd" ] || die "initramfs not found: $initrd"

kernel=${KERNEL:-}
if [ -z "$kernel" ]; then
	if [ -z "${KVER:-}" ]; then
		KVER=$(find /boot -maxdepth 1 -name 'vmlinuz-*-amd64' -printf '%f\n' |
			sed 's/^vmlinuz-//' | sort -V | tail -n 1)
	fi
	kernel=/boot/vmlinuz-${KVER:-}
fi
[ -r "$kernel" ] || die "kernel not readable: $kernel"

# intel_iommu=on: Debian's kernel does not enable VT-d translation by
# default, and without it there are no IOMMU groups and vfio-pci refuses
# every device. panic=-1 with -no-reboot turns a guest panic (init died)
# into a prompt QEMU exit instead of a timeout.
# no_timer_check: under TCG on a loaded host the kernel's early check that
# the timer interrupt arrives can fail, and with interrupt remapping on
# that is a panic (setup_IO_APIC -> panic_if_irq_remap; seen here while
# other QEMUs shared the two cores). VMs skip the check for that reason.
# QEMU_IOMMU=0 leaves the IOMMU out altogether: the machine of a user who
# never enabled VT-d/AMD-Vi in the firmware.
# shellcheck disable=SC2054 # QEMU's commas
iommu_args=(-device intel-iommu,intremap=on,caching-mode=on)
append="console=ttyS0 intel_iommu=on panic=-1 no_timer_check $append_extra"
if [ "${QEMU_IOMMU:-1}" = 0 ]; then
	iommu_args=()
	append="console=ttyS0 panic=-1 no_timer_check $append_extra"
fi

# The IOMMU comes first: QEMU wants it created before the PCI devices it
# translates for. intremap needs the split irqchip (a no-op under TCG, but
# keeps the line valid if someone adds KVM). -nodefaults: no default VGA,
# NIC or CD-ROM, so the card's VGA is the only display function.
# Commas below are QEMU's, not array separators.
# shellcheck disable=SC2054
args=(
	-machine q35,kernel-irqchip=split -accel tcg -cpu max -m 1024 -smp 2
	-nodefaults -vga none -display none -no-reboot
	"${iommu_args[@]}"
	-device pcie-root-port,id=rp1,bus=pcie.0,addr=1c.0,chassis=1,slot=1
	-device VGA,bus=rp1,addr=00.0,multifunction=on
	-device ich9-intel-hda,bus=rp1,addr=00.1
	-device qemu-xhci,bus=rp1,addr=00.2
	-device pci-serial,bus=rp1,addr=00.3
	-device pcie-root-port,id=rp2,bus=pcie.0,addr=1d.0,chassis=2,slot=1
	-device qemu-xhci,bus=rp2,addr=00.0
	-kernel "$kernel" -initrd "$initrd" -append "$append"
)
# Word splitting of QEMU_EXTRA is intended.
# shellcheck disable=SC2206
args+=(${QEMU_EXTRA:-} "$@")

if [ -n "$interactive" ]; then
	exec "$qemu" "${args[@]}" -serial mon:stdio
fi

# A QEMU that dies of SIGSEGV, SIGBUS or SIGABRT is an emulator bug, not
# the guest's doing (a guest panic or triple fault ends QEMU with exit 0
# under -no-reboot): Debian 12's QEMU 7.2 under TCG crashed once in a CI
# run (exit 139) while the guest kernel was still enumerating PCI. Such a
# boot is run once more, said on stderr, the crashed one's log kept as
# LOG.crashed; a second crash fails as before.
start=$(date +%s%N)
for try in 1 2; do
	: >"$log"
	rc=0
	# --foreground: QEMU stays killable by the caller's ^C. -k: a wedged
	# QEMU that ignores SIGTERM still goes.
	timeout --foreground -k 5 "$timeout_s" "$qemu" "${args[@]}" \
		-serial "file:$log" </dev/null || rc=$?
	case $rc in
	134 | 135 | 139) ;;
	*) break ;;
	esac
	[ "$try" = 1 ] || break
	cp "$log" "$log.crashed"
	echo "qemu-run: QEMU crashed (exit $rc, signal $((rc - 128))) with the guest at: $(tail -n 1 "$log" | tr -d '\r')" >&2
	echo "qemu-run: an emulator crash, not the guest's failure: booting once more (log kept: $log.crashed)" >&2
	start=$(date +%s%N)
done
end=$(date +%s%N)
ms=$(((end - start) / 1000000))
printf 'qemu-run: %s: %d.%02d s\n' "$(basename "$log")" $((ms / 1000)) $((ms % 1000 / 10)) >&2
case $rc in
0) ;;
124 | 137) echo "qemu-run: TIMEOUT: guest still running after ${timeout_s}s (log: $log)" >&2
	rc=124 ;;
*) echo "qemu-run: QEMU failed with exit $rc (log: $log)" >&2 ;;
esac
exit "$rc"
