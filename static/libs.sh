#!/bin/bash
# libs.sh LIBC DIR - the static libraries a fully static vfiobind links,
# built from Debian's own source packages (`apt-get source`, so the code is
# the code Debian ships and patches), into DIR/lib and DIR/include.
#
#   library   source package  built here
#   libkmod   kmod            always: Debian ships no libkmod.a. With zstd
#                             and xz, so .ko.zst and .ko.xz load; without
#                             OpenSSL, which only modinfo's signature
#                             printing uses.
#   libzstd   libzstd         always: the decoder alone, without the pre-1.0
#                             legacy formats and the BMI2 twin of each
#                             function, and with the size options of
#                             zstd's lib/README.md ("Reducing the size of
#                             the library": one Huffman and one sequence
#                             decoder, nothing inlined, no error strings).
#                             Every valid frame still decodes. Debian's
#                             libzstd.a would add 150 KB no module needs.
#   liblzma   xz-utils        musl only (glibc: Debian's liblzma.a): the
#                             decoders, --enable-small (CRC tables computed
#                             at run time), CRC32 and CRC64 checks only
#                             (kbuild compresses modules with
#                             `xz --check=crc32`; a check liblzma lacks is
#                             skipped, not an error, without
#                             LZMA_TELL_UNSUPPORTED_CHECK, which kmod does
#                             not pass).
#   libblkid  util-linux      always, with libmount: Debian ships no
#   libmount                  libmount.a, and libmount must be built against
#                             the libblkid it links. Only the tables'
#                             parsers are used (mountinfo, swaps, fstab);
#                             --gc-sections drops the mount context.
#   libarchive libarchive     always, host program only (doctor's image
#   libz      zlib            reader): the cpio reader and the gzip, bzip2,
#   libbz2    bzip2           lz4, zstd and xz/lzma filters, each through
#   liblz4    lz4             its library; see the block below.
#
# Every image pays for these bytes, and they decode a few hundred KB of
# modules once per boot: CFLAGS defaults to -Os, not -O2.
#
# LIBC is glibc or musl; CC defaults to cc or musl-gcc to match. Sources are fetched once into DIR/src; that needs a deb-src entry for
# this suite, which `make deps` adds. DIR/.done marks a finished build.
set -eu

libc=${1:?usage: libs.sh glibc|musl DIR}
dir=${2:?usage: libs.sh glibc|musl DIR}
case $libc in
glibc) cc=${CC:-cc} ;;
musl) cc=${CC:-musl-gcc} ;;
*) echo "libs.sh: unknown libc '$libc' (glibc or musl)" >&2 && exit 2 ;;
esac
cflags="${CFLAGS:--Os} -ffunction-sections -fdata-sections"
jobs=$(nproc 2>/dev/null || echo 2)

mkdir -p "$dir/src" "$dir/lib" "$dir/include"
dir=$(cd "$dir" && pwd)
src=$dir/src
log=$dir/build.log
: >"$log"

die() {
	echo "libs.sh: $*" >&2
	exit 1
}

step() {
	echo "libs.sh: $*" >&2
}

# versions PACKAGE: every version of source package PACKAGE that apt's
# Sources indexes list (one per suite: bookworm, bookworm-updates,
# bookworm-security...), newest first, each once.
versions() {
	apt-cache showsrc "$1" 2>/dev/null | sed -n 's/^Version: //p' | sort -u | sort_versions
}

# sort_versions: the versions on stdin, newest first, by dpkg's rules
# (sort(1) does not know them: 1.5.4+dfsg2-5+deb12u1 > 1.5.4+dfsg2-5).
sort_versions() {
	local -a vs=()
	local v i j t
	while read -r v; do vs+=("$v"); done
	for ((i = 1; i < ${#vs[@]}; i++)); do
		t=${vs[i]}
		for ((j = i - 1; j >= 0; j--)); do
			dpkg --compare-versions "${vs[j]}" lt "$t" || break
			vs[j + 1]=${vs[j]}
		done
		vs[j + 1]=$t
	done
	[ ${#vs[@]} = 0 ] || printf '%s\n' "${vs[@]}"
}

# download PACKAGE: Debian's source package into $src/PACKAGE.dl. The
# newest version apt offers first, then each older one the Sources indexes
# list: a security or point-release upload may be in the index while its
# files are not on the mirror (404), and the previous upload of the same
# suite still builds a decoder that reads the same .ko files. Never a
# version pinned by hand. Says which version it took and why it fell back.
download() {
	local p=$1 v tried='' why=''
	local -a vs
	mapfile -t vs < <(versions "$p")
	[ ${#vs[@]} -gt 0 ] ||
		die "$p: no source version listed by apt-cache showsrc (no deb-src entry? run: make deps)"
	for v in "${vs[@]}"; do
		rm -rf "$src/$p.dl"
		mkdir -p "$src/$p.dl"
		step "fetching Debian source package $p $v"
		if (cd "$src/$p.dl" && apt-get source --download-only "$p=$v") >>"$log" 2>&1; then
			[ -z "$tried" ] || step "$p: built from $v: $why"
			return 0
		fi
		# apt's own reason: "404  Not Found [IP: ...]" or "Unable to find a
		# source package for ...".
		why="${why:+$why; }$v could not be fetched ($(grep -Eo '[0-9]{3} +[A-Za-z ]*[A-Za-z]|Unable to find [^[]*[a-z0-9]' "$log" | tail -1 | tr -s ' '))"
		tried="${tried:+$tried, }$v"
	done
	rm -rf "$src/$p.dl"
	die "$p: no source package could be fetched (tried $tried; see $log)"
}

# fetch PACKAGE: Debian's source package, patched, in $src/PACKAGE; the
# download is kept in $src/PACKAGE.dl, so a fresh tree costs no network.
fetch() {
	[ ! -e "$src/$1/.extracted" ] || return 0
	rm -rf "${src:?}/$1"
	ls "$src/$1.dl"/*.dsc >/dev/null 2>&1 || download "$1"
	# dpkg-source cannot check the .dsc signature without debian-keyring
	# and says so in the log; apt-get has checked every file against the
	# suite's signed Sources index already.
	dpkg-source -x "$src/$1.dl"/*.dsc "$src/$1" >>"$log" 2>&1 ||
		die "dpkg-source -x $1 failed; see $log"
	touch "$src/$1/.extracted"
}

# configured PACKAGE ARGS...: true if PACKAGE's tree was built with exactly
# these configure arguments. Otherwise the tree is extracted afresh (make
# would not notice changed CFLAGS) and the caller builds it.
configured() {
	local p=$1
	shift
	[ "$(cat "$src/$p/.built" 2>/dev/null)" != "$*" ] || return 0
	rm -f "$src/$p/.extracted"
	fetch "$p"
	return 1
}

# have_decl HEADER SYMBOL: does $cc declare SYMBOL (configure's
# AC_CHECK_DECLS), 1 or 0.
have_decl() {
	if printf '#define _GNU_SOURCE\n#include <%s>\nint main(void) { (void)%s; return 0; }\n' "$1" "$2" |
		$cc -x c -o /dev/null - 2>/dev/null; then
		echo 1
	else
		echo 0
	fi
}

# musl's gcc wrapper leaves out /usr/include, and with it the kernel's uapi
# headers that libkmod and libblkid use: give them just those three trees.
kinc=
if [ "$libc" = musl ]; then
	command -v "$cc" >/dev/null || die "$cc not found (Debian: musl-tools)"
	kinc=$dir/kernel-include
	mkdir -p "$kinc"
	ln -sfn /usr/include/linux "$kinc/linux"
	ln -sfn /usr/include/asm-generic "$kinc/asm-generic"
	ln -sfn "/usr/include/$(gcc -print-multiarch)/asm" "$kinc/asm"
	cflags="$cflags -isystem $kinc"
fi

# ---- zstd: lib/common and lib/decompress, as its Makefile's
# ZSTD_LIB_COMPRESSION=0 build does.
fetch libzstd
step "building libzstd.a (decoder) with $cc"
z=$src/libzstd/lib
rm -rf "$dir/obj/zstd"
mkdir -p "$dir/obj/zstd"
for f in "$z"/common/*.c "$z"/decompress/*.c; do
	# Word splitting of $cflags is intended.
	# shellcheck disable=SC2086
	$cc $cflags -DZSTD_LEGACY_SUPPORT=0 -DZSTD_DISABLE_ASM -DDYNAMIC_BMI2=0 \
		-DHUF_FORCE_DECOMPRESS_X1 -DZSTD_FORCE_DECOMPRESS_SEQUENCES_SHORT -DZSTD_NO_INLINE \
		-DZSTD_STRIP_ERROR_STRINGS -c -o "$dir/obj/zstd/$(basename "$f" .c).o" "$f" >>"$log" 2>&1 || die "compiling $f; see $log"
done
rm -f "$dir/lib/libzstd.a"
ar rcs "$dir/lib/libzstd.a" "$dir"/obj/zstd/*.o
cp "$z/zstd.h" "$z/zstd_errors.h" "$dir/include/"

# ---- liblzma (musl) and libblkid with libmount (both): their own build systems, in their
# source trees (configure ships in the tarballs; no autotools needed).
#
# autotools_freeze TREE: Debian's patches touch configure.ac and
# Makefile.am; make would then rerun automake. Give the generated files
# newer times, in the order the rules expect.
autotools_freeze() {
	find "$1" -name aclocal.m4 -exec touch {} +
	sleep 1
	find "$1" \( -name configure -o -name config.h.in \) -exec touch {} +
	sleep 1
	find "$1" -name Makefile.in -exec touch {} +
}

if [ "$libc" = musl ]; then
	fetch xz-utils
	x=$src/xz-utils
	# The commas are configure's (a list of decoders).
	# shellcheck disable=SC2054
	args=(CC="$cc" CFLAGS="$cflags" --disable-shared --enable-static
		--disable-xz --disable-xzdec --disable-lzmadec --disable-lzmainfo
		--disable-lzma-links --disable-scripts --disable-doc --disable-nls
		--disable-threads --disable-encoders --enable-decoders=lzma1,lzma2,delta,x86
		--enable-small --enable-checks=crc32,crc64)
	if ! configured xz-utils "${args[@]}"; then
		step "building liblzma.a (decoders) with $cc"
		autotools_freeze "$x"
		(cd "$x" && ./configure "${args[@]}" && make -j"$jobs" -C src/liblzma) >>"$log" 2>&1 ||
			die "building liblzma; see $log"
		echo "${args[*]}" >"$x/.built"
	fi
	cp "$x/src/liblzma/.libs/liblzma.a" "$dir/lib/"
	cp -r "$x/src/liblzma/api/lzma.h" "$x/src/liblzma/api/lzma" "$dir/include/"
fi

fetch util-linux
u=$src/util-linux
args=(CC="$cc" CFLAGS="$cflags" --disable-shared --enable-static
	--disable-all-programs --enable-libblkid --enable-libmount --disable-nls --disable-bash-completion
	--without-udev --without-systemd --without-python --without-btrfs --without-econf
	--without-selinux --without-audit --without-cap-ng --without-ncursesw
	--without-tinfo --without-readline --without-libz --without-libmagic --without-user)
if ! configured util-linux "${args[@]}"; then
	step "building libblkid.a and libmount.a with $cc (util-linux configure: about a minute)"
	autotools_freeze "$u"
	(cd "$u" && ./configure "${args[@]}" && make -j"$jobs" libblkid.la libmount.la) >>"$log" 2>&1 ||
		die "building libblkid and libmount; see $log"
	echo "${args[*]}" >"$u/.built"
fi
cp "$u/.libs/libblkid.a" "$u/.libs/libmount.a" "$dir/lib/"
mkdir -p "$dir/include/blkid" "$dir/include/libmount"
cp "$u/libblkid/src/blkid.h" "$dir/include/blkid/"
cp "$u/libmount/src/libmount.h" "$dir/include/libmount/"

# ---- libkmod: the file list of kmod's Makefile.am (libkmod/ and shared/).
# kmod refuses `configure --enable-static`, so the few defines configure
# would find go here instead of a config.h.
fetch kmod
step "building libkmod.a with $cc"
k=$src/kmod
kdefs=(-D_GNU_SOURCE '-DSYSCONFDIR="/etc"' -DENABLE_LOGGING=1 -DENABLE_DEBUG=1
	-DENABLE_ZSTD=1 -DENABLE_XZ=1 -DHAVE_STATIC_ASSERT=1 -DHAVE_NORETURN=1
	-DHAVE_STRUCT_STAT_ST_MTIM=1 -DHAVE_LINUX_MODULE_H=1 -DHAVE___BUILTIN_UADDL_OVERFLOW=1
	-DHAVE___BUILTIN_UADDLL_OVERFLOW=1
	-DHAVE_DECL_STRNDUPA="$(have_decl string.h 'strndupa("", 0)')"
	-DHAVE_DECL_BE32TOH="$(have_decl endian.h 'be32toh(0)')")
[ "$(have_decl stdlib.h 'secure_getenv("")')" = 0 ] || kdefs+=(-DHAVE_SECURE_GETENV=1)
rm -rf "$dir/obj/kmod"
mkdir -p "$dir/obj/kmod"
for f in libkmod/libkmod libkmod/libkmod-builtin libkmod/libkmod-list libkmod/libkmod-config \
	libkmod/libkmod-index libkmod/libkmod-module libkmod/libkmod-file libkmod/libkmod-elf \
	libkmod/libkmod-signature shared/array shared/hash shared/scratchbuf shared/strbuf \
	shared/util; do
	# Word splitting of $cflags is intended.
	# shellcheck disable=SC2086
	$cc $cflags "${kdefs[@]}" -I"$k" -I"$dir/include" \
		-c -o "$dir/obj/kmod/${f##*/}.o" "$k/$f.c" >>"$log" 2>&1 || die "compiling $f.c; see $log"
done
rm -f "$dir/lib/libkmod.a"
ar rcs "$dir/lib/libkmod.a" "$dir"/obj/kmod/*.o
cp "$k/libkmod/libkmod.h" "$dir/include/"

# ---- libarchive and the compression libraries it reads with: doctor's
# image reader (helper/doctor/image.c), so the host program only; the boot
# flavour links none of these (tests/programs.sh checks that). Built for
# both libcs from Debian's source packages; libarchive with its cpio reader
# and decompression filters in mind: no xml2/expat (xar), no crypto
# (OpenSSL, Nettle, mbed TLS: mtree hashes, zip encryption), no ACLs,
# xattrs, iconv, regex, LZO or BLAKE2. zlib, bzip2 and lz4 are their
# library sources compiled as they are (their Makefiles do nothing else).
fetch zlib
step "building libz.a with $cc"
zl=$src/zlib
rm -rf "$dir/obj/zlib"
mkdir -p "$dir/obj/zlib"
for f in adler32 crc32 inffast inflate inftrees zutil deflate trees compress uncompr; do
	# Word splitting of $cflags is intended.
	# shellcheck disable=SC2086
	$cc $cflags -DHAVE_UNISTD_H -c -o "$dir/obj/zlib/$f.o" "$zl/$f.c" >>"$log" 2>&1 || die "compiling zlib $f.c; see $log"
done
rm -f "$dir/lib/libz.a"
ar rcs "$dir/lib/libz.a" "$dir"/obj/zlib/*.o
cp "$zl/zlib.h" "$zl/zconf.h" "$dir/include/"

fetch bzip2
step "building libbz2.a with $cc"
bz=$src/bzip2
rm -rf "$dir/obj/bzip2"
mkdir -p "$dir/obj/bzip2"
for f in blocksort huffman crctable randtable compress decompress bzlib; do
	# shellcheck disable=SC2086
	$cc $cflags -c -o "$dir/obj/bzip2/$f.o" "$bz/$f.c" >>"$log" 2>&1 || die "compiling bzip2 $f.c; see $log"
done
rm -f "$dir/lib/libbz2.a"
ar rcs "$dir/lib/libbz2.a" "$dir"/obj/bzip2/*.o
cp "$bz/bzlib.h" "$dir/include/"

fetch lz4
step "building liblz4.a with $cc"
l4=$src/lz4/lib
rm -rf "$dir/obj/lz4"
mkdir -p "$dir/obj/lz4"
for f in lz4 lz4hc lz4frame xxhash; do
	# shellcheck disable=SC2086
	$cc $cflags -c -o "$dir/obj/lz4/$f.o" "$l4/$f.c" >>"$log" 2>&1 || die "compiling lz4 $f.c; see $log"
done
rm -f "$dir/lib/liblz4.a"
ar rcs "$dir/lib/liblz4.a" "$dir"/obj/lz4/*.o
cp "$l4/lz4.h" "$l4/lz4hc.h" "$l4/lz4frame.h" "$dir/include/"

fetch libarchive
a=$src/libarchive
args=(CC="$cc" CFLAGS="$cflags" CPPFLAGS="-I$dir/include" LDFLAGS="-L$dir/lib"
	--disable-shared --enable-static --disable-bsdtar --disable-bsdcat --disable-bsdcpio
	--disable-acl --disable-xattr --disable-posix-regex-lib --without-iconv --without-libiconv-prefix
	--without-xml2 --without-expat --without-openssl --without-nettle --without-mbedtls
	--without-cng --without-libb2 --without-lzo2
	--with-zlib --with-bz2lib --with-lz4 --with-zstd --with-lzma)
if ! configured libarchive "${args[@]}"; then
	step "building libarchive.a with $cc (configure: about a minute)"
	autotools_freeze "$a"
	(cd "$a" && ./configure "${args[@]}" && make -j"$jobs" libarchive.la) >>"$log" 2>&1 ||
		die "building libarchive; see $log"
	echo "${args[*]}" >"$a/.built"
fi
# Each reader the image walk needs must have its library, or libarchive
# would run the external program instead (image.c only uses such filters).
for h in HAVE_ZLIB_H HAVE_BZLIB_H HAVE_LZ4_H HAVE_ZSTD_H HAVE_LZMA_H; do
	grep -q "^#define $h 1" "$a/config.h" || die "libarchive configured without $h; see $log"
done
cp "$a/.libs/libarchive.a" "$dir/lib/"
cp "$a/libarchive/archive.h" "$a/libarchive/archive_entry.h" "$dir/include/"
for v in zlib bzip2 lz4 libarchive; do
	(cd "$src/$v.dl" && printf '%s ' *.dsc)
done | sed 's/\.dsc / /g; s/^/libs.sh: from /; s/ $/\n/' >&2

for v in kmod libzstd xz-utils util-linux; do
	[ -d "$src/$v" ] || continue
	(cd "$src/$v.dl" && printf '%s ' *.dsc)
done | sed 's/\.dsc / /g; s/^/libs.sh: from /; s/ $/\n/' >&2
touch "$dir/.done"
