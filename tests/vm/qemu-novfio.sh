#!/bin/bash
# qemu-novfio.sh - QEMU for test-launcher.sh: the launcher's command line
# with the PCI passthrough left out, because on the test host the devices
# exist only in a fake sysfs tree. Everything else the launcher adds (the
# QMP monitors on passed descriptors, the TPM, -display none) is kept.
args=()
while [ $# -gt 0 ]; do
	if [ "$1" = -device ] && [ $# -gt 1 ]; then
		case $2 in
		vfio-pci,* | pcie-root-port,id=vfiobind-*)
			shift 2
			continue
			;;
		esac
	fi
	args+=("$1")
	shift
done
exec qemu-system-x86_64 "${args[@]}"
