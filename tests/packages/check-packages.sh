#!/bin/bash
# check-packages.sh - the Arch, Debian and RPM packages, built from the
# tarball of `make dist` with each distribution's own tool, and the Debian
# one installed and booted:
#
#   arch  makepkg (as nobody when run as root: makepkg refuses root);
#         pacman -Qlp against files.list, pacman -U into a scratch root
#         (Debian's pacman, its own database), .PKGINFO's backup and
#         depends against what the binary links (readelf NEEDED), the
#         .INSTALL message. namcap is not packaged for Debian: not run.
#   deb   dpkg-buildpackage -us -uc -b; dpkg-deb -c against files.list,
#         the noawait update-initramfs trigger and no maintainer script
#         calling update-initramfs, the conffile, lintian (errors and
#         warnings fail; debian/vfiobind.lintian-overrides argues each
#         override).
#   rpm   rpmbuild -bb; rpm -qlp against files.list, %config(noreplace)
#         on /etc/vfiobind.conf, the dracut module's directory.
#   root  a fresh Debian 12 minbase root with a kernel and initramfs-tools
#         (mkdebian.sh, a tarball cached in WORK; unpacked once, each run on
#         a fresh overlay over it), the card declared in
#         /etc/vfiobind.conf, the .deb installed with dpkg in a chroot: the
#         trigger must rebuild the initramfs (update-initramfs runs, and
#         lsinitramfs lists usr/bin/vfiobind and etc/vfiobind.conf, absent
#         before).
#   boot  that kernel and that very image on the check-boot QEMU machine
#         (tests/boot/qemu-run.sh), switching to a small busybox root that
#         reports (tests/hooks/root-init.sh): the card on vfio-pci, the
#         undeclared xHCI with xhci_hcd, /run/vfiobind/status saying bound.
#   upgrade  a typo put in /etc/vfiobind.conf, then the root's kernel package
#         installed again (dpkg -i of its .deb: from the root's or this
#         machine's apt cache, else `apt-get download`): dpkg exits 0, its
#         postinst's update-initramfs prints the checker's line as E: and
#         writes the image without binding (the marker, no config); that
#         image boots with the card on its host drivers, the kernel log and
#         /run/vfiobind/status saying why.
#
# Env: DIST (the tarball), VERSION, WORK (scratch and cache dir), MAKE.
# Mounts: the root's overlay and its /proc are mounted in a private mount
# namespace (unshare) per command, so they go away with it on every exit
# path; the EXIT trap unmounts anything left under WORK/root all the same.
# The bash -c '...' sh ARG checks expand their $1 in the inner shell:
# shellcheck disable=SC2016
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
dist=${DIST:?DIST=the make dist tarball}
version=${VERSION:?VERSION}
work=${WORK:?WORK=scratch dir}
make=${MAKE:-make}
arch=$(dpkg --print-architecture)
timings=()
# shellcheck source=../lib/tap.sh
. "$top/tests/lib/tap.sh"
# shellcheck source=../lib/guest.sh
. "$top/tests/lib/guest.sh"

mkdir -p "$work"
work=$(cd "$work" && pwd)
root=$work/root

now() { date +%s%N; }
secs() { # since T0 (ns), as N.N
	local ms=$((($(now) - $1) / 1000000))
	printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}

cleanup() {
	local m
	# Nothing should be mounted (the namespace took it along); be sure.
	awk -v r="$root/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# timed NAME COMMAND...: its output in WORK/NAME.log, its time noted.
timed() {
	local name=$1 t0 rc=0
	shift
	t0=$(now)
	"$@" >"$work/$name.log" 2>&1 || rc=$?
	timings+=("$name $(secs "$t0") s")
	[ "$rc" = 0 ] || { echo "# $name failed (exit $rc); log tail:"; tail -n 25 "$work/$name.log" | sed 's/^/#   /'; }
	return "$rc"
}

[ -s "$dist" ] || bail "no tarball at $dist (make dist)"
# mmdebstrap, chroot and dpkg in the root need root (as check-boot's
# siblings do); makepkg and lintian are run as nobody.
[ "$(id -u)" = 0 ] || bail "run as root: the Debian root is made and used with mmdebstrap, unshare and chroot"
for tool in makepkg:makepkg pacman:pacman-package-manager bsdtar:libarchive-tools dpkg-buildpackage:dpkg-dev dh:debhelper \
	lintian:lintian rpmbuild:rpm mmdebstrap:mmdebstrap lsinitramfs:initramfs-tools-core \
	mkfs.ext4:e2fsprogs qemu-system-x86_64:qemu-system-x86 busybox:busybox-static; do
	command -v "${tool%%:*}" >/dev/null || bail "${tool%%:*} missing: apt-get install ${tool#*:} (make deps)"
done

# ---- the file lists ---------------------------------------------------------
expected=$here/files.list

# normalize: paths on stdin (any of the tools' spellings) -> files.list form.
normalize() {
	sed -e 's|^\./||; s|^/||' |
		grep -v -e '/$' -e '^\.[A-Z]' -e '^usr/share/doc/' -e '^usr/lib/\.build-id' \
			-e '^usr/share/lintian/overrides/' -e '^$' |
		sed -e 's|^lib/systemd/|usr/lib/systemd/|' -e 's|^lib/udev/|usr/lib/udev/|' \
			-e 's|^usr/share/zsh/vendor-completions/|usr/share/zsh/site-functions/|' \
			-e 's|^\(usr/share/man/.*\)\.gz$|\1|' | sort
}

# list_is NAME FILE: FILE (normalized) is files.list.
list_is() {
	local got=$work/$1.files
	normalize <"$2" >"$got"
	grep -v -e '^#' -e '^$' "$expected" | sort | diff -u --label files.list --label "$1" - "$got"
}

t_all=$(now)

# ---- make install ------------------------------------------------------------
check "make install: installs exactly files.list" bash -c '
	rm -rf "$1/destdir" && "$2" --no-print-directory -C "$3" install DESTDIR="$1/destdir" PREFIX=/usr >"$1/install.log" 2>&1 &&
	(cd "$1/destdir" && find . ! -type d) >"$1/install.raw"' sh "$work" "$make" "$top"
check "make install: ... the list" list_is install "$work/install.raw"

# ---- Debian ------------------------------------------------------------------
deb_build() {
	rm -rf "$work/deb" && mkdir -p "$work/deb" && tar xzf "$dist" -C "$work/deb" &&
		(cd "$work/deb/vfiobind-$version" && dpkg-buildpackage -us -uc -b)
}
deb=$work/deb/vfiobind_${version}_$arch.deb
timed deb-build deb_build
check "deb: dpkg-buildpackage -us -uc -b builds $(basename "$deb")" test -s "$deb"
dpkg-deb -c "$deb" 2>/dev/null | awk '{print $6}' >"$work/deb.raw"
check "deb: dpkg-deb -c lists files.list" list_is deb "$work/deb.raw"
rm -rf "$work/deb-ctrl" && mkdir -p "$work/deb-ctrl" && dpkg-deb -e "$deb" "$work/deb-ctrl" 2>/dev/null
check "deb: triggers has 'activate-noawait update-initramfs' (dh_installinitramfs)" \
	grep -qx 'activate-noawait update-initramfs' "$work/deb-ctrl/triggers"
no_update_initramfs_call() {
	! grep -l update-initramfs "$work/deb-ctrl"/{preinst,postinst,prerm,postrm} 2>/dev/null
}
check "deb: no maintainer script calls update-initramfs" no_update_initramfs_call
check "deb: /etc/vfiobind.conf is a conffile" grep -qx /etc/vfiobind.conf "$work/deb-ctrl/conffiles"
lintian_clean() {
	local -a as=()
	# lintian warns when run as root; nobody reads the .deb as well.
	[ "$(id -u)" != 0 ] || as=(runuser -u nobody --)
	chmod a+rx "$work/deb" && chmod a+r "$deb"
	"${as[@]}" lintian --fail-on error,warning --display-info "$deb"
}
check "deb: lintian: no error, no warning (overrides argued in debian/vfiobind.lintian-overrides)" \
	timed lintian lintian_clean
sed 's/^/# lintian: /' "$work/lintian.log"

# ---- Arch --------------------------------------------------------------------
arch_build() {
	local w=$work/arch
	local -a as=()
	rm -rf "$w" && mkdir -p "$w" &&
		cp "$top/packaging/arch/PKGBUILD" "$top/packaging/arch/vfiobind.install" "$dist" "$w/" || return 1
	if [ "$(id -u)" = 0 ]; then
		chown -R nobody "$w"
		as=(runuser -u nobody -- env HOME="$w")
	fi
	# The tarball's own sum instead of SKIP, as a release would pin it.
	(cd "$w" && sums=$("${as[@]}" makepkg -g 2>/dev/null) && [ -n "$sums" ] &&
		sed -i "s|^sha256sums=.*|$sums|" PKGBUILD &&
		"${as[@]}" makepkg --nodeps --noconfirm)
}
pkg=$work/arch/vfiobind-$version-1-x86_64.pkg.tar.gz
timed arch-build arch_build
check "arch: makepkg builds $(basename "$pkg") (sha256 checked)" test -s "$pkg"
# Debian's pacman, on a scratch database and root: -Qlp reads the package
# as pacman on Arch does, -U installs it (dependencies unchecked: no Arch
# packages here; scriptlets not run: the root has no shell).
pac_db=$work/arch-pacman
pac() {
	pacman --config "$pac_db/pacman.conf" --root "$pac_db/root" --dbpath "$pac_db/db" \
		--cachedir "$pac_db/cache" --hookdir "$pac_db/hooks" --noconfirm "$@"
}
rm -rf "$pac_db" && mkdir -p "$pac_db"/{root,db,cache,hooks}
printf '[options]\nSigLevel = Never\nLocalFileSigLevel = Never\n' >"$pac_db/pacman.conf"
# (-Qlp without --root, which it would put before every path)
pacman --config "$pac_db/pacman.conf" --dbpath "$pac_db/db" -Qlp "$pkg" 2>/dev/null | cut -d' ' -f2- >"$work/arch.raw"
check "arch: pacman -Qlp lists files.list" list_is arch "$work/arch.raw"
arch_install() {
	pac -U -dd --noscriptlet "$pkg" >"$work/arch-install.log" 2>&1 || { cat "$work/arch-install.log"; return 1; }
	pac -Qkk vfiobind | tee "$work/arch-qkk.log" | grep -q ' 0 altered files'
}
check "arch: pacman -U into a scratch root; pacman -Qkk finds no altered file" arch_install
arch_backup_kept() {
	echo '0000:01:00  # edited by the user' >>"$pac_db/root/etc/vfiobind.conf"
	pac -U -dd --noscriptlet "$pkg" >>"$work/arch-install.log" 2>&1 &&
		grep -q 'edited by the user' "$pac_db/root/etc/vfiobind.conf"
}
check "arch: reinstalling keeps an edited /etc/vfiobind.conf (backup)" arch_backup_kept
pkginfo() { bsdtar -xOf "$pkg" .PKGINFO 2>/dev/null | sed -n "s/^$1 = //p" | sort | paste -sd' ' -; }
arch_backup() { [ "$(pkginfo backup)" = etc/vfiobind.conf ] || { echo "backup: $(pkginfo backup)"; return 1; }; }
check "arch: backup=(etc/vfiobind.conf)" arch_backup
# depends: exactly the packages of the libraries the binary links.
arch_depends() {
	local needed
	rm -rf "$work/arch-x" && mkdir -p "$work/arch-x" && bsdtar -xf "$pkg" -C "$work/arch-x" usr/bin/vfiobind
	needed=$(readelf -dW "$work/arch-x/usr/bin/vfiobind" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | sort | paste -sd' ' -)
	echo "NEEDED: $needed; depends: $(pkginfo depend)"
	# Arch: libc.so.6 is glibc, libkmod.so.2 kmod, libblkid.so.1 and libmount.so.1
	# util-linux-libs, libarchive.so.13 libarchive, libbz2.so.1.0 bzip2,
	# liblzma.so.5 xz, libz.so.1 zlib, libzstd.so.1 zstd.
	[ "$needed" = "libarchive.so.13 libblkid.so.1 libbz2.so.1.0 libc.so.6 libkmod.so.2 liblzma.so.5 libmount.so.1 libz.so.1 libzstd.so.1" ] &&
		[ "$(pkginfo depend)" = "bzip2 glibc kmod libarchive util-linux-libs xz zlib zstd" ]
}
check "arch: depends are what the binary links (glibc kmod util-linux-libs libarchive zstd xz zlib bzip2)" arch_depends
check "arch: optdepends qemu and swtpm" bash -c '[[ "$1" == *qemu-system-x86:* && "$1" == *swtpm:* ]]' sh "$(pkginfo optdepend)"
check "arch: vfiobind.install says how to add vfiobind to HOOKS" \
	bash -c 'bsdtar -xOf "$1" .INSTALL | grep -q "HOOKS=(base udev vfiobind"' sh "$pkg"

# ---- RPM ---------------------------------------------------------------------
rpm_build() {
	rm -rf "$work/rpm" && mkdir -p "$work/rpm" &&
		rpmbuild -bb --nodeps --define "_topdir $work/rpm" --define "_sourcedir $(dirname "$dist")" \
			"$top/packaging/rpm/vfiobind.spec"
}
rpm=$work/rpm/RPMS/x86_64/vfiobind-$version-1.x86_64.rpm
timed rpm-build rpm_build
check "rpm: rpmbuild -bb builds $(basename "$rpm")" test -s "$rpm"
rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$rpm" 2>/dev/null | awk '$1 !~ /^d/ {print $2}' >"$work/rpm.raw"
check "rpm: rpm -qlp lists files.list" list_is rpm "$work/rpm.raw"
check "rpm: %config(noreplace) /etc/vfiobind.conf" bash -c \
	'rpm -qp --qf "[%{FILEFLAGS:fflags} %{FILENAMES}\n]" "$1" 2>/dev/null | grep -qx "cn /etc/vfiobind.conf"' sh "$rpm"
check "rpm: the dracut module under /usr/lib/dracut/modules.d/90vfiobind" bash -c \
	'rpm -qlp "$1" 2>/dev/null | grep -qx /usr/lib/dracut/modules.d/90vfiobind/module-setup.sh' sh "$rpm"

# ---- the .deb in a fresh Debian 12 root -----------------------------------------
root_tar=$work/root-bookworm.tar
# libarchive13: the host program's image reader (the rest it links is in
# every Debian root). Its images hold what the QEMU machine boots from
# (virtio disk, ext4) and the card's host drivers, not MODULES=most: each
# of the three builds (the kernel's postinst, the .deb's trigger, the
# upgrade) takes seconds instead of a minute or more.
MKDEBIAN_INITRAMFS_MODULES="virtio_pci virtio_blk ext4 bochs snd_hda_intel xhci_pci" \
	timed mkdebian "$here/mkdebian.sh" "$root_tar" linux-image-amd64 initramfs-tools zstd libarchive13 ||
	bail "no Debian 12 root (mkdebian.sh failed; see $work/mkdebian.log)"

# The root is unpacked once (WORK/root-lower, remade when the tarball
# changes) and every run starts on a fresh, empty overlay over it
# (WORK/root-upper): a fresh root each time without unpacking 600 MB.
lower=$work/root-lower upper=$work/root-upper ovl=$work/root-ovlwork
unpack_lower() {
	local stamp
	stamp=$(stat -c '%s %Y' "$root_tar")
	[ -d "$lower" ] && [ "$(cat "$lower.stamp" 2>/dev/null)" = "$stamp" ] && return 0
	rm -rf "$lower" "$lower.tmp" && mkdir -p "$lower.tmp" && tar -xf "$root_tar" -C "$lower.tmp" &&
		mv "$lower.tmp" "$lower" && echo "$stamp" >"$lower.stamp"
}
timed root-unpack unpack_lower || bail "cannot unpack $root_tar"
cleanup
rm -rf "$upper" "$ovl" "$root" && mkdir -p "$upper" "$ovl" "$root"

# in_root COMMAND...: run in the root (the overlay, and /proc in it,
# mounted in a mount namespace of the command's own: gone when it ends,
# however it ends).
in_root() {
	unshare --mount --propagation private -- sh -c '
		mount -t overlay overlay -o "lowerdir=$1,upperdir=$2,workdir=$3" "$0" &&
		mount -t proc proc "$0/proc" && shift 3 && exec chroot "$0" "$@"' \
		"$root" "$lower" "$upper" "$ovl" \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

kver=$(find "$lower/boot" -name 'vmlinuz-*' -printf '%f\n' | sed 's/^vmlinuz-//' | sort -V | tail -n 1)
if [ -z "$kver" ] || [ ! -s "$lower/boot/initrd.img-$kver" ]; then
	bail "the root has no kernel and initramfs in /boot"
fi
lsinitramfs "$lower/boot/initrd.img-$kver" >"$work/initrd-before.list" 2>/dev/null
check "root: its initramfs ($kver) has no vfiobind before the package" \
	bash -c '! grep -qx usr/bin/vfiobind "$1"' sh "$work/initrd-before.list"

# The check-boot card, declared before dpkg runs, so the image the trigger
# builds is the image booted below (--force-confold keeps it).
echo '0000:01:00  id=1234:1111  # the check-boot machine'"'"'s card: VGA, HDA, xHCI' |
	in_root sh -c 'umask 022 && cat >/etc/vfiobind.conf'
in_root sh -c 'cat >/tmp/vfiobind.deb' <"$deb"
timed deb-install in_root dpkg --force-confold -i /tmp/vfiobind.deb
check "root: dpkg -i vfiobind.deb succeeds" test "$(in_root dpkg-query -W -f='${Status}' vfiobind 2>/dev/null)" = "install ok installed"
check "root: dpkg ran the update-initramfs trigger, which rebuilt the image" \
	grep -q "update-initramfs: Generating /boot/initrd.img-$kver" "$work/deb-install.log"
# Only what changed is in the overlay's upper layer.
initrd=$upper/boot/initrd.img-$kver
check "root: the image was written anew (it is in the overlay's upper layer)" test -s "$initrd"
lsinitramfs "$initrd" >"$work/initrd-after.list" 2>/dev/null
check "root: lsinitramfs lists usr/bin/vfiobind and etc/vfiobind.conf" \
	bash -c 'grep -qx usr/bin/vfiobind "$1" && grep -qx etc/vfiobind.conf "$1"' sh "$work/initrd-after.list"
check "root: ... and the hook's init-top/00vfiobind and vfio-pci" \
	bash -c 'grep -qx scripts/init-top/00vfiobind "$1" && grep -q "/vfio-pci.ko" "$1"' sh "$work/initrd-after.list"
sed -n 's/^/# dpkg: /p' "$work/deb-install.log" | grep -i -e trigger -e update-initramfs -e vfiobind

# ---- boot that image -----------------------------------------------------------
# A busybox root that reports (tests/hooks/root-init.sh) on a virtio disk.
boot_root() {
	local r=$work/bootroot applet
	rm -rf "$r" && mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp}
	cp "$(command -v busybox)" "$r/bin/busybox"
	"$r/bin/busybox" --list-full | while read -r applet; do
		[ "$applet" = bin/busybox ] || [ -e "$r/$applet" ] || ln -s /bin/busybox "$r/$applet"
	done
	install -m 0755 "$top/tests/hooks/root-init.sh" "$r/sbin/init"
	mkfs.ext4 -q -F -L vfbroot -d "$r" "$work/bootroot.img" 16M
}
timed boot-root boot_root || bail "cannot make the boot root"
# A pristine copy, for the second boot below.
bootroot_img=$work/bootroot.pristine.img
cp --sparse=always "$work/bootroot.img" "$bootroot_img"
cp "$initrd" "$work/boot-initrd.img"
cp "$lower/boot/vmlinuz-$kver" "$work/boot-vmlinuz"
boot_it() {
	KERNEL=$work/boot-vmlinuz "$top/tests/boot/qemu-run.sh" -i "$work/boot-initrd.img" -l "$work/boot-serial.log" \
		-t "${BOOT_TIMEOUT:-300}" -a "quiet root=/dev/vda rootfstype=ext4 ro fsck.mode=skip" \
		-- -drive "file=$work/bootroot.img,if=virtio,format=raw"
}
timed boot boot_it
guest_report "$work/boot-serial.log" >"$work/boot.res"
check "boot: the root's kernel and trigger-built image boot to the end" grep -qx "done" "$work/boot.res"
# The card's four functions; 01:00.3 (pci-serial) is taken from the
# built-in 'serial' driver that bound it at kernel init.
for f in 0000:01:00.0 0000:01:00.1 0000:01:00.2 0000:01:00.3; do
	check "boot: $f on vfio-pci" guest_driver_is "$work/boot.res" "$f" vfio-pci
done
check "boot: the undeclared 0000:02:00.0 keeps xhci_hcd" guest_driver_is "$work/boot.res" 0000:02:00.0 xhci_hcd
check "boot: /run/vfiobind/status says bound for the card's four functions" \
	guest_status_bound "$work/boot.res" 0000:01:00.0 0000:01:00.1 0000:01:00.2 0000:01:00.3
check "boot: the kernel log has the helper's summary" grep -q 'vfiobind: 4 of 4 declared functions on vfio-pci' "$work/boot-serial.log"
grep '^status-file\|^dev ' "$work/boot.res" | sed 's/^/# guest: /'

# ---- a kernel upgrade with a typo in the config ----------------------------------
# The kernel package installed again (dpkg -i of the very .deb; the same
# version is what a reinstall does) while /etc/vfiobind.conf has a typo:
# its postinst runs /etc/kernel/postinst.d/initramfs-tools, whose
# update-initramfs runs the vfiobind hook. vfiobind must never fail that:
# dpkg exits 0, the image is written, without binding, and it boots with
# the card on its host drivers, saying why.
kpkg=linux-image-$kver
kdeb_find() {
	local v f
	v=$(in_root dpkg-query -W -f='${Version}' "$kpkg" 2>/dev/null) || return 1
	for f in "$root_cache/${kpkg}_${v//:/%3a}_$arch.deb" "/var/cache/apt/archives/${kpkg}_${v//:/%3a}_$arch.deb"; do
		[ -s "$f" ] && cp "$f" "$work/kernel.deb" && return 0
	done
	# Debian's own package, as apt-get fetches it (the only network used).
	(cd "$work" && apt-get download -q "$kpkg=$v" >"$work/kernel-download.log" 2>&1) &&
		mv "$work/${kpkg}_${v//:/%3a}_$arch.deb" "$work/kernel.deb"
}
root_cache=$lower/var/cache/apt/archives
rm -f "$work/kernel.deb"
if timed kernel-deb kdeb_find && [ -s "$work/kernel.deb" ]; then
	printf '%s\n' '0000:01:00 bogus' |
		in_root sh -c 'umask 022 && cat >/etc/vfiobind.conf'
	# The card's host drivers that are modules go into the image and load
	# at its boot (initramfs-tools loads /etc/initramfs-tools/modules after
	# init-top, where the hook runs): the busybox root has no modules, so
	# without them 01:00.0 and 01:00.1 would show no driver at all.
	printf '%s\n' bochs snd_hda_intel |
		in_root sh -c 'cat >>/etc/initramfs-tools/modules'
	in_root sh -c 'cat >/tmp/kernel.deb' <"$work/kernel.deb"
	rm -f "$initrd"
	krc=0
	timed kernel-install in_root dpkg -i /tmp/kernel.deb || krc=$?
	check "upgrade: dpkg -i $kpkg with a typo in /etc/vfiobind.conf exits 0" test "$krc" = 0
	check "upgrade: ... the package is installed" \
		test "$(in_root dpkg-query -W -f='${Status}' "$kpkg" 2>/dev/null)" = "install ok installed"
	check "upgrade: ... its postinst rebuilt the image" test -s "$initrd"
	check "upgrade: ... the build printed the checker's FILE:LINE: error as E:" \
		grep -q '^E: /etc/vfiobind.conf:1: ' "$work/kernel-install.log"
	check "upgrade: ... and that the image is built without binding" \
		grep -q '^E: vfiobind: the image is built without binding' "$work/kernel-install.log"
	lsinitramfs "$initrd" >"$work/initrd-upgrade.list" 2>/dev/null
	check "upgrade: the image has the marker and the helper, no device list" \
		bash -c 'grep -qx etc/vfiobind.d/disabled "$1" && grep -qx usr/bin/vfiobind "$1" &&
			! grep -qx etc/vfiobind.conf "$1"' sh "$work/initrd-upgrade.list"
	grep -e '^E: ' -e 'update-initramfs' "$work/kernel-install.log" | sed 's/^/# dpkg: /'
	if [ -s "$initrd" ]; then
		cp "$initrd" "$work/boot-initrd.img"
		cp "$bootroot_img" "$work/bootroot.img"
		timed boot-upgrade boot_it
		guest_report "$work/boot-serial.log" >"$work/boot-upgrade.res"
		check "upgrade boot: that kernel and image boot to the end" grep -qx "done" "$work/boot-upgrade.res"
		check "upgrade boot: the kernel log says the image was built without binding, and why" \
			grep -q 'vfiobind: the image was built without binding: vfiobind check failed on /etc/vfiobind.conf (/etc/vfiobind.conf:1: .*; rebuild after fixing it' \
			"$work/boot-serial.log"
		check "upgrade boot: /run/vfiobind/status says why" \
			grep -q '^status-file # disabled vfiobind check failed on /etc/vfiobind.conf' "$work/boot-upgrade.res"
		for f in 0000:01:00.0:bochs-drm 0000:01:00.1:snd_hda_intel 0000:01:00.2:xhci_hcd 0000:01:00.3:serial; do
			check "upgrade boot: ${f%:*} stays on ${f##*:}" guest_driver_is "$work/boot-upgrade.res" "${f%:*}" "${f##*:}"
		done
	fi
else
	check "upgrade: the kernel package's .deb ($kpkg) is at hand" false
	sed 's/^/# /' "$work/kernel-download.log" 2>/dev/null
fi

for t in "${timings[@]}"; do echo "# time: $t"; done
echo "# check-packages: $(secs "$t_all") s in all"
summary
