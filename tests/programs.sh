#!/bin/bash
# programs.sh - the two programs over one library (helper/cmd/host.c and
# boot.c), held to what each must and must not carry:
#   1. the boot flavour defines no symbol of the host-only objects (the
#      launcher helper/vm/, doctor/, the completion helper, the JSON
#      writer and reader, the VM and doctor commands), while the host
#      program does (so the test can see them at all);
#   2. each answers as its table says: the boot flavour refuses --json,
#      doctor and vm, and both take options after the command;
#   3. with STATIC_BOOT set, the static boot flavour is at most
#      STATIC_BOOT_MAX bytes (500 KiB).
#
# Env: VFIOBIND, VFIOBIND_BOOT (the unstripped dynamic builds), OBJDIR
# (their objects: $(BUILD)/helper), STATIC_BOOT, STATIC_BOOT_MAX.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/tap.sh
. "$here/lib/tap.sh"

host=${VFIOBIND:?VFIOBIND=host program}
boot=${VFIOBIND_BOOT:?VFIOBIND_BOOT=boot program}
objdir=${OBJDIR:?OBJDIR=the objects of both}

# The objects no image needs, by what they are.
host_only=("$objdir"/vm/*.o "$objdir"/doctor/*.o "$objdir"/cmd/complete.o "$objdir"/cmd/doctor.o
	"$objdir"/cmd/vm.o "$objdir"/basic/jsonwrite.o "$objdir"/basic/jsonread.o
	"$objdir"/report/reportjson.o)

# The global symbols an object defines (functions and data), one per line.
# An archive member is linked whole or not at all, so an object that got
# into a program brings all of its globals; its static names may repeat
# another file's and prove nothing.
defined() { # FILE...
	nm --defined-only "$@" 2>/dev/null | awk 'NF == 3 && $2 ~ /^[TDRB]$/ {print $3}' | grep -v '^__' | sort -u
}

boot_syms=$(defined "$boot")
host_syms=$(defined "$host")

for o in "${host_only[@]}"; do
	[ -e "$o" ] || {
		check "$o exists (make builds it)" false
		continue
	}
	syms=$(defined "$o" | grep -vx -e main -e program)
	name=${o#"$objdir"/}
	in_host=$(comm -12 <(echo "$syms") <(echo "$host_syms") | grep -c .)
	in_boot=$(comm -12 <(echo "$syms") <(echo "$boot_syms"))
	check "$name: $in_host of its $(echo "$syms" | grep -c .) symbols in the host program" test "$in_host" -gt 0
	check "$name: none in the boot flavour${in_boot:+ (has: $(echo "$in_boot" | head -5 | tr '\n' ' '))}" \
		test -z "$in_boot"
done

# libarchive (doctor's image reader) is the host program's alone: the boot
# flavour neither needs it nor carries its code (a static link would).
needs() { readelf -dW "$1" 2>/dev/null | grep -q "NEEDED.*$2"; }
not_needs() { ! needs "$@"; }
check "host: links libarchive (doctor's image reader)" needs "$host" libarchive
check "boot: does not link libarchive" not_needs "$boot" libarchive
refs() { nm "$1" 2>/dev/null | grep -q " [UT] $2"; } # calls or carries a function
not_refs() { ! refs "$@"; }
check "host: calls archive_read_new" refs "$host" archive_read_new
check "boot: neither calls nor carries an archive_* function" not_refs "$boot" archive_

# What each table answers.
rc_is() { # RC COMMAND...: the exit code is RC
	local want=$1
	shift
	"$@" >/dev/null 2>&1
	[ $? = "$want" ]
}
out_has() { # PATTERN COMMAND...: stdout and stderr together match
	local pat=$1
	shift
	"$@" 2>&1 | grep -q -- "$pat"
}
empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
check "boot: --json is refused (exit 2) and says where it is" \
	out_has "not in this build" "$boot" --root "$empty" list --json
check "boot: --json list exits 2" rc_is 2 "$boot" --root "$empty" --json list
check "boot: doctor is not a command of it" out_has "unknown command 'doctor'" "$boot" doctor
check "boot: vm is not a command of it" rc_is 2 "$boot" vm run x
check "boot: --version names the initramfs build" out_has "(initramfs build)" "$boot" --version
not() { ! "$@"; }
lists() { # PROGRAM COMMAND: --help lists COMMAND
	"$1" --help | grep -q "^  $2 "
}
quiet_check() { # PROGRAM OPTION: check FILE OPTION prints nothing, exit 0
	local out
	out=$("$1" check "$empty/c" "$2") && [ -z "$out" ]
}
check "boot: --help lists bind" lists "$boot" bind
check "boot: --help does not list doctor" not lists "$boot" doctor
check "host: --help lists doctor and vm run" lists "$host" doctor
check "host: --help lists vm run" lists "$host" "vm run"
check "host: list --help is list's help" out_has "Usage: vfiobind \[OPTIONS\] list" "$host" list --help
check "host: bind --json is refused (exit 2)" rc_is 2 "$host" --root "$empty" bind --json
check "host: --record belongs to check only (exit 2)" rc_is 2 "$host" --root "$empty" status --record "$empty"
printf '0000:01:00.0\n' >"$empty/c"
chmod 644 "$empty/c"
check "host: an option after the command's argument (check FILE -q)" quiet_check "$host" -q
check "boot: the same (check FILE --quiet)" quiet_check "$boot" --quiet

if [ -n "${STATIC_BOOT:-}" ]; then
	max=${STATIC_BOOT_MAX:-512000}
	size=$(stat -c %s "$STATIC_BOOT")
	check "static boot flavour: $size bytes, at most $max" test "$size" -le "$max"
fi

summary
