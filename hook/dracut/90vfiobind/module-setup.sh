#!/bin/bash
# dracut sets moddir, initdir, systemdsystemunitdir and SYSTEMCTL.
# shellcheck disable=SC2154
#
# dracut module vfiobind: add_dracutmodules+=" vfiobind " in
# /etc/dracut.conf.d/vfiobind.conf, or `dracut --add vfiobind`.
#
# Shell images (--omit systemd) run the pre-udev hook; systemd images run
# vfiobind.service, ordered before udevd, coldplug, systemd-modules-load and
# dracut-pre-udev.service. Exactly one is installed: pre-udev hooks run in
# the systemd flow too (from dracut-pre-udev.service), and binding twice
# would only log everything twice.

# Where `make install` put these on the build host (it rewrites the lines).
# vfiobind_bin is the host's helper, which checks the config here;
# vfiobind_boot its boot flavour, what the image carries.
vfiobind_bin=/usr/bin/vfiobind
vfiobind_boot=/usr/lib/vfiobind/vfiobind-boot
vfiobind_conf=/etc/vfiobind.conf

# Only when asked for: the device list is the user's decision, never
# something dracut should infer.
check() {
	return 255
}

depends() {
	return 0
}

installkernel() {
	# Not hostonly: vfio-pci is not bound on the build host (or is, to
	# devices unrelated to boot), so host-only detection would drop it.
	# vfio_iommu_type1 is vfio's softdep; never vfio_virqfd, which was
	# merged into vfio in 6.2.
	hostonly='' instmods vfio-pci vfio vfio_iommu_type1
	# vendor-reset (github.com/gnif/vendor-reset, built by dkms) when it is
	# installed for $kernel: bind loads it before binding a card whose ID
	# it resets. instmods without -c skips a missing module silently: most
	# machines have none, and bind says so at boot.
	hostonly='' instmods vendor-reset
}

# What runs the helper at boot: the unit in a systemd image, the pre-udev
# hook in a shell image.
vfiobind_boot_parts() {
	if dracut_module_included "systemd"; then
		inst_simple "$moddir/vfiobind.service" "$systemdsystemunitdir/vfiobind.service"
		$SYSTEMCTL -q --root "$initdir" enable vfiobind.service
	else
		# 00: before every other pre-udev hook.
		inst_hook pre-udev 00 "$moddir/vfiobind-pre-udev.sh"
	fi
}

# vfiobind_disable REASON: vfiobind never stops a build. The image gets the
# helper, what runs it at boot and a marker, /etc/vfiobind.d/disabled,
# holding REASON, and no device list: `vfiobind bind` logs the reason at
# boot, binds nothing and writes it to /run/vfiobind/status, where
# `vfiobind status` and `vfiobind doctor` find it.
vfiobind_disable() {
	local boot=$vfiobind_boot

	rm -rf "$initdir/etc/vfiobind.d"
	mkdir -p "$initdir/etc/vfiobind.d"
	printf '%s\n' "$1" >"$initdir/etc/vfiobind.d/disabled"
	derror "vfiobind: the image is built without binding: nothing is bound at its boot, which logs why"
	[[ -x $boot ]] || boot=$vfiobind_bin
	if [[ -x $boot ]]; then
		inst_binary "$boot" /usr/bin/vfiobind
		vfiobind_boot_parts
	fi
	return 0
}

install() {
	local out line first reason record=() boot=$vfiobind_boot

	if [[ ! -x $vfiobind_bin ]]; then
		derror "vfiobind: no helper at $vfiobind_bin: the device list cannot be checked"
		vfiobind_disable "no helper at $vfiobind_bin when the image was built (reinstall vfiobind)"
		return 0
	fi
	# A device list with an error binds nothing at boot: say so now, with
	# the checker's FILE:LINE: messages as errors, and build the image
	# without binding (the build itself succeeds: a kernel upgrade must
	# never be left without an image because of vfiobind).
	# --devices-only: a typo in a [vm] section is the launcher's business
	# and only a warning here.
	# A host-only image boots this machine: the check also refuses a
	# declared function below what this host needs (/, /boot, swap,
	# root=, ...) and records, in the image, what bind must refuse and the
	# blockers coldplug will bring (vfiobind check --record). A generic
	# image, or one built for another root, records nothing: at boot the
	# helper then refuses every storage controller unless 'force'.
	if [[ ${hostonly-} && -z ${dracutsysrootdir-} && ${VFIOBIND_NO_RECORD:-0} != 1 ]]; then
		mkdir -p "$initdir/etc/vfiobind.d"
		record=(--record "$initdir/etc/vfiobind.d")
	fi
	if ! out=$("$vfiobind_bin" -q --devices-only "${record[@]}" check "${dracutsysrootdir-}$vfiobind_conf" 2>&1); then
		first=${out%%$'\n'*}
		if [[ ! -e ${dracutsysrootdir-}$vfiobind_conf ]]; then
			derror "vfiobind: no device list at $vfiobind_conf:"
			reason="no device list at $vfiobind_conf"
		elif [[ $out == *'refusing to trust it'* ]]; then
			derror "vfiobind: $vfiobind_conf is not trusted (owner or mode):"
			reason="$vfiobind_conf is not trusted (owner or mode; vfiobind check: $first)"
		else
			derror "vfiobind: $vfiobind_conf has errors:"
			reason="vfiobind check failed on $vfiobind_conf ($first)"
		fi
		while IFS= read -r line; do
			derror "$line"
		done <<<"$out"
		vfiobind_disable "$reason"
		return 0
	fi
	if [[ -n $out ]]; then
		while IFS= read -r line; do
			dwarn "vfiobind: ${line#warning: }"
		done <<<"$out"
	fi
	if [[ ${#record[@]} == 0 ]]; then
		dinfo "vfiobind: not a host-only image: no record of this machine's disks; at boot storage controllers (class 01) are refused unless 'force'"
	fi

	# Inside the image the helper is /usr/bin/vfiobind and reads
	# /etc/vfiobind.conf, whatever BINDIR the host uses. It is the boot
	# flavour (only the commands the initramfs runs); without one, the
	# host's helper does the same job: no image fails for its lack.
	if [[ ! -x $boot ]]; then
		dwarn "vfiobind: no boot flavour at $vfiobind_boot; the image gets $vfiobind_bin instead"
		boot=$vfiobind_bin
	fi
	inst_binary "$boot" /usr/bin/vfiobind
	inst_simple "$vfiobind_conf" /etc/vfiobind.conf
	vfiobind_boot_parts
	return 0
}
