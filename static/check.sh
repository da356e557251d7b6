#!/bin/bash
# check.sh - the static vfiobind against what the dynamic one is held to:
#   1. it is static: no program interpreter, no NEEDED entry;
#   2. the fixture cases that need no kernel model give the golden answers:
#      every case whose command is not `bind` and that has no
#      `needs-kmodel` marker (list, plan with libblkid probing the storage
#      fixtures' filesystem images, status, check, the vm commands that
#      only read, usage errors). The model is an LD_PRELOAD library, which
#      a static binary ignores; binding with the static binary is proved by
#      the real boots (make check-boot-static);
#   3. it opens no shared object, gconv module or NSS file at run time
#      (what glibc's static dlopen would reach for), seen with strace.
# The same for VFIOBIND_BOOT, the static boot flavour every image gets,
# on the cases whose command it has (plan, list, status, check, without
# --json): its answers must be the host program's, byte for byte.
#
# Env: VFIOBIND (the static binary), VFIOBIND_BOOT (its boot flavour),
# KMODEL, BUILD (scratch), as for tests/fixtures/run.sh.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
bin=${VFIOBIND:?VFIOBIND=static binary}
boot=${VFIOBIND_BOOT:-}
fixtures=$repo/tests/fixtures
# shellcheck source=../tests/lib/tap.sh
. "$repo/tests/lib/tap.sh"

for b in "$bin" ${boot:+"$boot"}; do
	echo "# static binary: $b ($(stat -c %s "$b") bytes)"
	if readelf -lW "$b" | grep -q INTERP || readelf -dW "$b" | grep -q NEEDED; then
		not_ok "$b is dynamically linked"
	else
		ok "$b: no program interpreter, no shared library needed"
	fi
done

cases=() boot_cases=()
for c in "$fixtures"/cases/*/; do
	args=
	# shellcheck disable=SC1091
	args=$(. "$c/case" && echo "$args")
	# A case marked needs-kmodel writes sysfs in its command or setup
	# (release, a bind before the command).
	# dynamic-only: its output is libkmod's debug lines, which differ
	# between Debian's libkmod and the one built here.
	[ "${args%% *}" = bind ] || [ -e "$c/needs-kmodel" ] || [ -e "$c/dynamic-only" ] && continue
	cases+=("$(basename "$c")")
	# The first word that is not an option is the command.
	cmd=$(for w in $args; do case $w in -*) ;; *) echo "$w" && break ;; esac done)
	case " $args " in *" --json "* | *" -j "*) continue ;; esac
	case $cmd in plan | list | status | check) boot_cases+=("$(basename "$c")") ;; esac
done
echo "# ${#cases[@]} fixture cases that need no kernel model"
if "$fixtures/run.sh" "${cases[@]}"; then
	ok "the ${#cases[@]} fixture cases above give the golden answers"
else
	not_ok "the fixture cases above give the golden answers"
fi
if [ -n "$boot" ]; then
	echo "# the boot flavour: ${#boot_cases[@]} of them"
	if VFIOBIND=$boot BUILD=${BUILD:-/tmp}/boot "$fixtures/run.sh" "${boot_cases[@]}"; then
		ok "the boot flavour: the ${#boot_cases[@]} cases above give the golden answers"
	else
		not_ok "the boot flavour: the cases above give the golden answers"
	fi
fi

if command -v strace >/dev/null; then
	root=${BUILD:-/tmp}/run/ryzen-plan
	[ -d "$root" ] || root=/nonexistent
	log=$(mktemp)
	strace -f -qq -e trace=open,openat,execve -o "$log" "$bin" --root "$root" plan >/dev/null 2>&1 || :
	if grep -E '\.so([."]|$)|gconv|nsswitch|/etc/(passwd|group)' "$log"; then
		not_ok "opened a shared object or an NSS/iconv file at run time"
	else
		ok "$(grep -c . "$log") open/exec calls, no shared object among them"
	fi
	rm -f "$log"
else
	ok "# SKIP no strace (Debian: strace)"
fi
summary
