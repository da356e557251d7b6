#!/bin/bash
# hostile-qemu.sh MODE OUT [LAUNCHER'S ARGUMENTS...] - a "QEMU" for
# test-launcher.sh that behaves as the VM's user could make any QEMU
# behave: it runs as that user and writes what it likes on the QMP
# monitors (descriptor 3, the launcher's; 4, root's listening one). It
# answers the handshake, so the launcher says "running", then:
#
#   flood  3 MB without a newline, then `yes '{}'` for ever
#   line   a 4 MiB line, then waits in a child (a wrapper that does not
#          exec: the child holds the devices after this script is gone)
#   storm  forged events for ever, on the launcher's monitor and on
#          root's (which never answers a command: `vm qmp` must end)
#   quiet  nothing more; writes its open descriptors to OUT first
#   exit   exits 1 at once, before any handshake
#
# OUT is a file the user may write. Everything after it is ignored.
mode=$1 out=$2

[ "$mode" = exit ] && exit 1
greet='{"QMP": {"version": {"qemu": {"micro": 0, "minor": 0, "major": 9}}, "capabilities": []}}'
printf '%s\r\n' "$greet" >&3
IFS= read -r -t 20 _ <&3 # qmp_capabilities
printf '{"return": {}}\r\n' >&3

event='{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "RTC_CHANGE", "data": {"offset": 1}}'
case $mode in
flood)
	head -c 3000000 /dev/zero | tr '\0' x >&3
	yes '{}' >&3
	;;
line)
	trap '' PIPE # the launcher hangs up after this line: stay all the same
	head -c $((4 * 1024 * 1024)) /dev/zero | tr '\0' x >&3
	printf '\n' >&3
	sleep 600 # a child, not exec
	;;
storm)
	# Root's monitor: greet, take the command, answer it never.
	perl -e '
		$SIG{PIPE} = "IGNORE";
		open(my $l, "+<&=", 4) or die "fd 4: $!";
		while (accept(my $c, $l)) {
			select((select($c), $| = 1)[0]);
			print $c "$ARGV[0]\r\n";
			my $line = <$c>;
			print $c "{\"return\": {}}\r\n";
			$line = <$c>;
			while (print $c "$ARGV[1]\r\n") { }
			close $c;
		}' "$greet" "$event" &
	yes "$event" >&3
	;;
quiet)
	ls /proc/$$/fd >"$out"
	exec sleep 600
	;;
esac
