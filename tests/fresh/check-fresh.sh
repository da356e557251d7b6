#!/bin/bash
# check-fresh.sh - the README's first command on a machine that has nothing:
# a fresh minimal Debian 12 root (mmdebstrap --variant=minbase bookworm,
# from the apt sources this machine already uses), this tree copied in with
# `git archive`, and inside it, chrooted with /proc, /sys and /dev bound:
#
#   1. the README's first command, exactly as the README spells it (read
#      from README.md, so the two cannot drift): ./bootstrap deps demo
#   2. make deps static
#
# It passes only when the demo shows every declared function (`*` in
# `vfiobind list` after bind) on vfio-pci and the undeclared xHCI 02:00.0 on
# xhci_hcd, and build/static-musl/vfiobind exists and is static. This is the
# proof that every install step exists: the CI machine has every package
# already and cannot show a missing one.
#
# Downloaded .deb files are kept in $BUILD/apt-archives and lent to the
# root's apt (bind mount on /var/cache/apt/archives): apt still resolves,
# verifies and installs every package from scratch, only the bytes are not
# fetched twice. FRESH_NO_CACHE=1 fetches everything anew.
#
# Needs root (mmdebstrap's root mode, chroot, mounts); re-runs itself with
# sudo otherwise. Every mount is undone on every exit path, and the root is
# removed only once nothing is mounted below it. KEEP=1 keeps the root.
#
# Env: BUILD (work folder, default <repo>/build/fresh), SUITE (bookworm).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${BUILD:-$repo/build/fresh}
suite=${SUITE:-bookworm}

if [ "$(id -u)" != 0 ]; then
	exec sudo --preserve-env=BUILD,SUITE,KEEP,FRESH_NO_CACHE "$0" "$@"
fi

say() { echo "check-fresh: $*"; }
die() {
	say "FAILED: $*"
	exit 1
}

for t in mmdebstrap git findmnt; do
	command -v "$t" >/dev/null || die "$t not found (make deps installs it)"
done

# The README's first command: the first line of its first ```sh block.
first=$(awk '/^```sh/ { on = 1; next } on { print; exit }' "$repo/README.md" | sed 's/ *#.*//')
case $first in
./bootstrap\ *) ;;
*) die "README's first command is '$first', expected ./bootstrap ..." ;;
esac

mkdir -p "$build"
build=$(cd "$build" && pwd)
root=$build/root
cache=$build/apt-archives
mounted=()

# kill_root SIGNAL: every process whose root directory is the fresh root
# (what runs under chroot there, however deep).
kill_root() {
	local p n=0
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] || continue
		kill "-$1" "${p#/proc/}" 2>/dev/null && n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}

cleanup() {
	local rc=$? m i
	set +e
	# Interrupted while a command ran inside: end it first, or the mounts
	# below stay busy.
	if kill_root TERM; then
		for i in 1 2 3 4 5 6 7 8 9 10; do
			sleep 1
			kill_root 0 || break
		done
		kill_root KILL && sleep 1
	fi
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		m=${mounted[i]}
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	# Anything still mounted below the root (a mount made inside it by a
	# package script) goes too, deepest first.
	findmnt -rn -o TARGET | grep "^$root/" | sort -r | while read -r m; do
		umount -l "$m"
	done
	if findmnt -rn -o TARGET | grep -q "^$root\(/\|$\)"; then
		say "still mounted below $root; not removing it"
	elif [ -z "${KEEP:-}" ]; then
		rm -rf --one-file-system "$root"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bindmount() { # [OPTIONS...] SRC DST
	local dst=${*: -1}
	mkdir -p "$dst"
	mount "$@"
	mounted+=("$dst")
}

# The apt sources of this machine, as they are (deb entries only: the
# deb-src entry `make deps` may have added is what the fresh root must add
# by itself).
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -s "$f" ] || continue
	case $f in */vfiobind-src.*) continue ;; esac
	grep -qE '^(deb |Types: *deb)' "$f" || continue
	sources+=("$f")
done
[ ${#sources[@]} -gt 0 ] || die "no apt sources in /etc/apt"

t0=$(date +%s)
rm -rf --one-file-system "$root"
say "mmdebstrap --variant=minbase $suite (sources: ${sources[*]})"
mmdebstrap --quiet --mode=root --variant=minbase "$suite" "$root" "${sources[@]}" >"$build/mmdebstrap.log" 2>&1 ||
	{
		tail -20 "$build/mmdebstrap.log"
		die "mmdebstrap failed; see $build/mmdebstrap.log"
	}
t1=$(date +%s)
say "root made in $((t1 - t0)) s; make: $(chroot "$root" sh -c 'command -v make || echo absent')"

# The tree as committed, plus uncommitted changes to tracked files (git
# stash create makes that commit without touching the stash or the tree).
rev=$(git -C "$repo" stash create 2>/dev/null || true)
rev=${rev:-HEAD}
mkdir -p "$root/root/vfiobind"
git -C "$repo" archive "$rev" | tar -x -C "$root/root/vfiobind"

# The sibling shared/ folder (mkinitcpio's source) is not needed by the
# main job; the root gets what the README's command needs and no more.
bindmount -t proc proc "$root/proc"
bindmount --rbind /sys "$root/sys"
mount --make-rslave "$root/sys"
bindmount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"
if [ -z "${FRESH_NO_CACHE:-}" ]; then
	mkdir -p "$cache/partial"
	bindmount --bind "$cache" "$root/var/cache/apt/archives"
	# minbase's apt config empties the archive after each install
	# (docker-clean style hooks are not in minbase, but be sure).
	echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' >"$root/etc/apt/apt.conf.d/01keep-debs"
fi

# inroot COMMAND: COMMAND in the tree's copy inside the root, with a clean
# environment. Run in the background and waited for, so that a signal to
# this script runs its trap at once rather than after the command.
inroot() {
	chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/sh -c "cd /root/vfiobind && $1" &
	wait $!
}

say "in the fresh root: $first"
if ! inroot "$first" >"$build/first.log" 2>&1; then
	tail -30 "$build/first.log"
	die "'$first' failed in a fresh $suite root; see $build/first.log"
fi
t2=$(date +%s)
say "'$first' passed in $((t2 - t1)) s"

# The demo's own verdict is its exit code; the claim is checked here from
# what it printed: the list after bind.
after=$(sed -n '/^== vfiobind list, after bind/,/^== /p' "$build/first.log")
declared=$(printf '%s\n' "$after" | grep -c '^  \* ' || true)
[ "$declared" -ge 3 ] || die "the demo listed $declared declared functions, expected at least 3"
if printf '%s\n' "$after" | grep '^  \* ' | grep -v ' vfio-pci '; then
	die "a declared function is not on vfio-pci (above)"
fi
printf '%s\n' "$after" | grep -q '^    0000:02:00\.0 .* xhci_hcd ' ||
	die "the undeclared xHCI 0000:02:00.0 is not on xhci_hcd"
say "ok - the demo shows $declared declared functions on vfio-pci, 0000:02:00.0 on xhci_hcd"

say "in the fresh root: make deps static"
if ! inroot "make deps static" >"$build/static.log" 2>&1; then
	tail -30 "$build/static.log"
	die "'make deps static' failed in a fresh $suite root; see $build/static.log"
fi
grep '^libs.sh: ' "$build/static.log" | sed 's/^/check-fresh:   /'
bin=$root/root/vfiobind/build/static-musl/vfiobind
[ -x "$bin" ] || die "no static binary at build/static-musl/vfiobind"
if readelf -lW "$bin" | grep -q INTERP || readelf -dW "$bin" | grep -q NEEDED; then
	die "build/static-musl/vfiobind is dynamically linked"
fi
t3=$(date +%s)
say "ok - build/static-musl/vfiobind is static, $(stat -c %s "$bin") bytes ($((t3 - t2)) s)"
say "passed in $((t3 - t0)) s"
