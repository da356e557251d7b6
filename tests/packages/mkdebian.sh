#!/bin/bash
# mkdebian.sh - a fresh Debian 12 minbase root as a tarball, made once with
# mmdebstrap from this machine's apt sources and cached: a rerun with the
# same package list returns at once.
#
# Usage: mkdebian.sh TARBALL [PACKAGE...]
#   The root has --variant=minbase plus the PACKAGEs (comma or blank
#   separated). A stamp next to TARBALL records the package list and the
#   sources; when either changes the root is made again.
# Env: MKDEBIAN_INITRAMFS_MODULES, a blank-separated list of kernel modules:
#   the root's initramfs-tools is set to MODULES=list before anything is
#   installed, with a hook that adds those modules, so that every image
#   the root builds (the kernel's postinst, the tests' upgrades) holds
#   them and not Debian's default `most` (every storage and filesystem
#   driver: a build several times as long, for a QEMU machine that needs
#   five of them).
#
# The sources are the host's (`apt-get indextargets`: every `deb` entry
# apt uses, third-party ones included), so the root gets what this
# machine's apt would install, from the same mirror or snapshot.
set -eu

# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh" # die

[ $# -ge 1 ] || die "usage: mkdebian.sh TARBALL [PACKAGE...]"
out=$1
shift
pkgs=$(echo "$*" | tr ' ,' '\n' | sed '/^$/d' | sort -u | paste -sd, -)

command -v mmdebstrap >/dev/null || die "mmdebstrap is missing (apt-get install mmdebstrap)"

# One-line sources entries, one per URI and suite, components joined.
# shellcheck disable=SC2016 # $(...) is apt's format syntax
sources=$(apt-get indextargets --format '$(TARGET_OF) $(REPO_URI) $(RELEASE) $(COMPONENT)' \
	'Created-By: Packages' 2>/dev/null | awk '$1 == "deb" {
		key = $2 " " $3
		if (!(key in comp)) { order[++n] = key; comp[key] = $4 }
		else if (index(" " comp[key] " ", " " $4 " ") == 0) comp[key] = comp[key] " " $4
	} END { for (i = 1; i <= n; i++) print "deb " order[i] " " comp[order[i]] }')
[ -n "$sources" ] || die "apt has no deb sources (apt-get indextargets is empty: run apt-get update)"

initramfs_modules=$(echo "${MKDEBIAN_INITRAMFS_MODULES:-}" | tr -s ' ,' '  ' | sed 's/^ //; s/ $//')
case $initramfs_modules in
*[!A-Za-z0-9_\ -]*) die "MKDEBIAN_INITRAMFS_MODULES: not a list of module names: $initramfs_modules" ;;
esac

stamp="$out.stamp"
want=$(printf 'packages=%s\ninitramfs-modules=%s\n%s\n' "$pkgs" "$initramfs_modules" "$sources")
if [ -s "$out" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	echo "mkdebian: cached $out ($(du -h "$out" | cut -f1))"
	exit 0
fi

mkdir -p "$(dirname "$out")"
rm -f "$out" "$stamp"
args=(--variant=minbase --quiet --aptopt='Apt::Install-Recommends "false"')
[ -z "$pkgs" ] || args+=(--include="$pkgs")
if [ -n "$initramfs_modules" ]; then
	# Before any package: initramfs-tools' postinst and the kernel's read
	# them on their first build. conf.d and hooks/ are not the package's
	# conffiles (its modules file is), so dpkg asks nothing.
	hooktree=$(mktemp -d)
	trap 'rm -rf "$hooktree"' EXIT
	mkdir -p "$hooktree/initramfs-tools/conf.d" "$hooktree/initramfs-tools/hooks"
	echo MODULES=list >"$hooktree/initramfs-tools/conf.d/mkdebian.conf"
	# shellcheck disable=SC2016 # the hook's own $1
	printf '%s\n' '#!/bin/sh' '[ "$1" != prereqs ] || exit 0' \
		'. /usr/share/initramfs-tools/hook-functions' \
		"manual_add_modules $initramfs_modules" >"$hooktree/initramfs-tools/hooks/mkdebian-modules"
	chmod -R u=rwX,go=rX "$hooktree"
	chmod 0755 "$hooktree/initramfs-tools/hooks/mkdebian-modules"
	args+=(--setup-hook="copy-in $hooktree/initramfs-tools /etc")
fi
mirrors=()
while IFS= read -r line; do
	mirrors+=("$line")
done <<<"$sources"

echo "mkdebian: making $out: minbase bookworm + ${pkgs:-nothing}${initramfs_modules:+ (initramfs MODULES=list: $initramfs_modules)}"
t0=$(date +%s)
# A partial tarball must not look cached: write aside, then rename.
mmdebstrap "${args[@]}" bookworm "$out.part.tar" "${mirrors[@]}"
mv "$out.part.tar" "$out"
printf '%s\n' "$want" >"$stamp"
echo "mkdebian: $out in $(($(date +%s) - t0)) s ($(du -h "$out" | cut -f1))"
