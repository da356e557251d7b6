#!/bin/sh
# dracut pre-udev hook (shell images, built with --omit systemd): dracut's
# /init sources this after the cmdline hooks and before it starts udevd, so
# no coldplug has loaded a host driver yet. systemd images run
# vfiobind.service instead (module-setup.sh installs one or the other).
#
# Sourced, not executed: no `exit`, and names carry a prefix.

/usr/bin/vfiobind -q bind
vfiobind_rc=$?
# The boot goes on whatever the helper says; it logged its reasons to
# /dev/kmsg, and this line records that the hook saw the failure.
if [ "$vfiobind_rc" -ne 0 ]; then
	echo "<28>vfiobind: hook: vfiobind bind exited $vfiobind_rc" >/dev/kmsg 2>/dev/null
fi
unset vfiobind_rc
