#!/bin/sh
# /init of the boot benchmark image (busybox ash): binds the GPU-shaped card
# of tests/boot/qemu-run.sh to vfio-pci with each binder in turn, in the same
# boot, and hands the kernel's own timestamps to the host:
#   static   /usr/sbin/vfiobind       the static helper
#   dynamic  /usr/sbin/vfiobind-dyn   the dynamic helper, its libraries in
#                                     the image
#   script   /usr/sbin/vfiobind-sh    tests/boot/fake-vfiobind.sh: the same
#                                     writes from a plain busybox sh script
# and, before each round, `vfiobind plan` of both helpers: their reading and
# planning alone, no write, no module load.
# The host drivers (bochs-drm, snd_hda_intel, xhci_hcd) are bound first, as
# built-in drivers would be, so every binder has to unbind them. After each
# bind the card is given back (driver_override cleared, unbound from
# vfio-pci, re-probed to its host drivers) and the vfio modules removed, so
# the next binder starts from the same state and loads them again.
#
# The kernel measures, with ftrace: the function_graph tracer limited to
# depth 1 of kernfs_fop_write_iter (every sysfs write: driver_override,
# unbind, drivers_probe), __x64_sys_finit_module and __x64_sys_init_module
# (module loading), each with its duration; and the sched_process_exec and
# sched_process_exit events, whose timestamps bracket the binder's process.
# No binder is changed or traced from user space. The trace clock is
# `mono` (the clocksource, HPET here): QEMU's TCG TSCs are unsynchronized,
# and the default `local` clock then stalls for tens of milliseconds.
#
# Kernel command line: vfiobench.rounds=N (default 5); each round runs the
# three binders, in reverse order every other round, after a round 0 that
# only warms up (the first unbind of the boot console's VGA, first loads)
# and that the host does not count.
#
# Output lines on the console, after `VFIOBENCH: `:
#   run BINDER ROUND rc=N card=DRIVER,DRIVER,DRIVER   after a bind (BINDER
#                                                      static-plan and
#                                                      dynamic-plan: a plan)
#   back ROUND card=...                                after a release
#   trace BINDER ROUND LINE                            the ftrace buffer
#   error TEXT, done

tag='VFIOBENCH:'
# shellcheck source=../tests/boot/init-lib.sh
. /lib/vfiobind-test/init-lib.sh
guest_mounts
mount -t tracefs tracefs /sys/kernel/tracing
guest_quiet

pci=/sys/bus/pci
card="0000:01:00.0 0000:01:00.1 0000:01:00.2"
t=/sys/kernel/tracing


rounds=5
read -r cmdline </proc/cmdline
for w in $cmdline; do
	case $w in
	vfiobench.rounds=*) rounds=${w#vfiobench.rounds=} ;;
	esac
done

drivers() {
	out=
	for a in $card; do
		if [ -e "$pci/devices/$a/driver" ]; then
			d=$(readlink "$pci/devices/$a/driver")
			out="$out${out:+,}${d##*/}"
		else
			out="$out${out:+,}none"
		fi
	done
	echo "$out"
}

# Host drivers first, as built-in ones would be.
for m in bochs snd_hda_intel xhci_pci; do
	modprobe "$m" || say "error modprobe $m"
done

echo 0 >"$t/tracing_on"
echo mono >"$t/trace_clock" || say "error trace_clock mono"
echo function_graph >"$t/current_tracer" || say "error no function_graph tracer"
echo 'kernfs_fop_write_iter __x64_sys_finit_module __x64_sys_init_module' >"$t/set_graph_function" ||
	say "error set_graph_function"
echo 1 >"$t/max_graph_depth"
echo 1 >"$t/options/funcgraph-abstime"
echo 1 >"$t/events/sched/sched_process_exec/enable"
echo 1 >"$t/events/sched/sched_process_exit/enable"

# run BINDER ROUND
run() {
	cmd=bind
	case $1 in
	static) bin=/usr/sbin/vfiobind ;;
	dynamic) bin=/usr/sbin/vfiobind-dyn ;;
	script) bin=/usr/sbin/vfiobind-sh ;;
	static-plan) bin=/usr/sbin/vfiobind cmd=plan ;;
	dynamic-plan) bin=/usr/sbin/vfiobind-dyn cmd=plan ;;
	esac
	: >"$t/trace"
	echo 1 >"$t/tracing_on"
	"$bin" "$cmd" >/run/out 2>&1
	rc=$?
	echo 0 >"$t/tracing_on"
	say "run $1 $2 rc=$rc card=$(drivers)"
	grep -v '^#' "$t/trace" | while IFS= read -r line; do
		say "trace $1 $2 $line"
	done
}

# Give the card back to its host drivers and unload vfio.
release() {
	for a in $card; do
		echo >"$pci/devices/$a/driver_override"
		[ ! -e "$pci/drivers/vfio-pci/$a" ] || echo "$a" >"$pci/drivers/vfio-pci/unbind"
	done
	for a in $card; do
		echo "$a" >"$pci/drivers_probe"
	done
	rmmod vfio_pci vfio_pci_core vfio_iommu_type1 vfio_virqfd irqbypass vfio 2>/dev/null
	say "back $1 card=$(drivers)"
}

say "start rounds=$rounds card=$(drivers)"
r=0
while [ "$r" -le "$rounds" ]; do
	if [ $((r % 2)) = 1 ]; then
		order="static dynamic script"
	else
		order="script dynamic static"
	fi
	run static-plan "$r"
	run dynamic-plan "$r"
	for b in $order; do
		run "$b" "$r"
		release "$r"
	done
	r=$((r + 1))
done
say "done"
poweroff -f
