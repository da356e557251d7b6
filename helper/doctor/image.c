// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * image.c - walking an initramfs image with libarchive: the kernel's outer
 * loop (segments, NUL padding) here, the cpio headers and the
 * decompression in libarchive.
 *
 * Two things libarchive does not do alone, hence the loop here: its cpio
 * reader stops at the first TRAILER!!! (the kernel goes on to the next
 * archive), and its filters read on past the end of a compressed stream
 * in blocks, so the bytes they consumed are not where the stream ended.
 * An uncompressed cpio segment ends right after its TRAILER!!! (the
 * bytes libarchive's cpio reader consumed up to it, by the headers' own
 * sizes); a compressed segment ends where the compressor's own library
 * (zlib, libzstd, liblzma, libbz2) says its stream ends, and libarchive
 * then reads exactly those bytes: filter, cpio archives inside.
 */
#include "doctor/image.h"

#include <archive.h>
#include <archive_entry.h>
#include <bzlib.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lzma.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "basic/str.h"

struct walker {
	int (*want)(void *ctx, const char *name);
	cpio_cb cb;
	void *ctx;
	unsigned long long bytes; /* decompressed bytes produced, all passes */
	unsigned entries;
};

/* A byte stream the cpio reader pulls from: a segment as it is (@raw
 * NULL) or the output of its decompression. */
struct source {
	struct walker *w;
	struct archive *raw;
	const unsigned char *seg;
	size_t seglen;
	unsigned char *buf;	   /* decompression buffer */
	const unsigned char *blk;  /* current block: buf, or seg */
	size_t blklen, off;	   /* its length, how far it is used */
	size_t last_off, last_len; /* the part of blk handed out last */
	unsigned long long pos;	   /* stream offset of blk[off] */
	unsigned long long served; /* bytes handed to the current cpio reader */
	bool eof;
	int err;
	struct guard {
		enum { G_HEADER, G_NAME, G_SKIP, G_DONE, G_BAD } state;
		unsigned char hdr[110];
		char name[11]; /* enough to tell "TRAILER!!!" */
		size_t have;
		unsigned long namesize;
		unsigned long long skip; /* name padding, content, its padding */
		unsigned long headers;
		int err; /* why G_BAD */
	} guard;
};

/* libarchive's cpio reader allocates a name or a symlink target as large as
 * its header says (up to 4 GiB); the kernel refuses either over PATH_MAX
 * (init/initramfs.c, do_header()). So the headers of the newc archive a
 * cpio reader is handed are checked here first, as its bytes go by. */
#define CPIO_NAME_MAX 4096u

static unsigned long hex8(const unsigned char *p)
{
	unsigned long v = 0;

	for (int i = 0; i < 8; i++) {
		int c = p[i], d = c >= '0' && c <= '9'	 ? c - '0'
				  : c >= 'a' && c <= 'f' ? c - 'a' + 10
				  : c >= 'A' && c <= 'F' ? c - 'A' + 10
							 : -1;

		if (d < 0)
			return ULONG_MAX;
		v = v << 4 | (unsigned long)d;
	}
	return v;
}

/* How many of the @n bytes at @p pass the guard @g; fewer than @n when a
 * header among them is refused (or not newc at all). */
static size_t guard_pass(struct guard *g, const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n && g->state != G_DONE) {
		size_t k;

		switch (g->state) {
		case G_HEADER:
			k = sizeof(g->hdr) - g->have < n - i ? sizeof(g->hdr) - g->have : n - i;
			memcpy(g->hdr + g->have, p + i, k);
			g->have += k;
			if (g->have < sizeof(g->hdr)) {
				i += k;
				break;
			}
			/* newc: magic, ino, mode, uid, gid, nlink, mtime, filesize,
			 * devmajor, devminor, rdevmajor, rdevminor, namesize, check */
			{
				unsigned long mode = hex8(g->hdr + 14), size = hex8(g->hdr + 54);
				bool hex = true;

				/* every field hex, or libarchive would scan on for
				 * the next thing that looks like a header */
				for (size_t f = 6; f < sizeof(g->hdr); f += 8)
					hex &= hex8(g->hdr + f) != ULONG_MAX;
				g->namesize = hex8(g->hdr + 94);
				if (memcmp(g->hdr, "07070", 5) != 0 || (g->hdr[5] != '1' && g->hdr[5] != '2') || !hex ||
				    g->namesize == 0 || g->namesize > CPIO_NAME_MAX ||
				    (S_ISLNK(mode) && size > CPIO_NAME_MAX)) {
					/* no cpio at all, or a broken one */
					g->state = G_BAD;
					g->err =
					    g->headers == 0 && memcmp(g->hdr, "07070", 5) != 0 ? -ENOEXEC : -EINVAL;
					return i;
				}
				g->skip = (4 - (sizeof(g->hdr) + g->namesize) % 4) % 4 + size + (4 - size % 4) % 4;
			}
			i += k;
			g->have = 0;
			g->headers++;
			g->state = G_NAME;
			break;
		case G_NAME:
			k = g->namesize - g->have < n - i ? g->namesize - g->have : n - i;
			for (size_t j = 0; j < k; j++)
				if (g->have + j < sizeof(g->name))
					g->name[g->have + j] = (char)p[i + j];
			g->have += k;
			i += k;
			if (g->have == g->namesize) {
				bool trailer = g->namesize == sizeof(g->name) && memcmp(g->name, "TRAILER!!!", 11) == 0;

				g->have = 0;
				g->state = trailer ? G_DONE : G_SKIP;
			}
			break;
		case G_SKIP:
			k = g->skip < n - i ? (size_t)g->skip : n - i;
			g->skip -= k;
			i += k;
			if (g->skip == 0)
				g->state = G_HEADER;
			break;
		default:
			return i;
		}
	}
	return g->state == G_DONE ? n : i;
}

#define SOURCE_BLOCK (64u << 10)

typedef int (*filter_fn)(struct archive *);

/* The filters the generators write (mkinitcpio, dracut, initramfs-tools:
 * gzip, xz, lzma, zstd, lz4, bzip2), each only when libarchive was built
 * with its library: otherwise it would run the external program
 * (archive_read_support_filter_*() then says ARCHIVE_WARN). */
static int filters_add(struct archive *a)
{
	static const filter_fn fns[] = {
	    archive_read_support_filter_gzip, archive_read_support_filter_xz,  archive_read_support_filter_lzma,
	    archive_read_support_filter_zstd, archive_read_support_filter_lz4, archive_read_support_filter_bzip2,
	};
	static signed char usable[sizeof(fns) / sizeof(fns[0])];

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		if (usable[i] == 0) {
			struct archive *t = archive_read_new();

			if (t == NULL)
				return -ENOMEM;
			usable[i] = fns[i](t) == ARCHIVE_OK ? 1 : -1;
			archive_read_free(t);
		}
		if (usable[i] > 0 && fns[i](a) != ARCHIVE_OK)
			return -ENOMEM;
	}
	return 0;
}

static void source_close(struct source *s)
{
	if (s->raw)
		archive_read_free(s->raw);
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

/* @s reads @seg (@len bytes): as it is when !@decompress, else through
 * the filter its first bytes name. -ENOEXEC when no filter does. */
static int source_open(struct source *s, struct walker *w, const unsigned char *seg, size_t len, bool decompress)
{
	struct archive_entry *e;
	int r;

	memset(s, 0, sizeof(*s));
	s->w = w;
	s->seg = seg;
	s->seglen = len;
	if (!decompress) {
		s->blk = seg;
		s->blklen = len;
		return 0;
	}
	s->buf = malloc(SOURCE_BLOCK);
	s->raw = archive_read_new();
	if (s->buf == NULL || s->raw == NULL) {
		source_close(s);
		return -ENOMEM;
	}
	r = filters_add(s->raw);
	if (r == 0 && archive_read_support_format_raw(s->raw) != ARCHIVE_OK)
		r = -ENOMEM;
	if (r == 0 && (archive_read_open_memory(s->raw, seg, len) != ARCHIVE_OK ||
		       archive_read_next_header(s->raw, &e) != ARCHIVE_OK))
		r = -EINVAL;
	/* The raw format takes anything: only a real filter makes it ours. */
	if (r == 0 && archive_filter_code(s->raw, 0) == ARCHIVE_FILTER_NONE)
		r = -ENOEXEC;
	if (r < 0)
		source_close(s);
	return r;
}

/* The next block into blk, unless the current one has bytes left. */
static bool source_fill(struct source *s)
{
	la_ssize_t n;

	if (s->off < s->blklen)
		return true;
	if (s->raw == NULL || s->eof || s->err)
		return false;
	n = archive_read_data(s->raw, s->buf, SOURCE_BLOCK);
	if (n < 0) {
		s->err = -EINVAL;
		return false;
	}
	if (n == 0) {
		s->eof = true;
		return false;
	}
	s->w->bytes += (unsigned long long)n;
	if (s->w->bytes > IMAGE_MAX_BYTES) {
		s->err = -E2BIG;
		return false;
	}
	s->blk = s->buf;
	s->blklen = (size_t)n;
	s->off = 0;
	return true;
}

/* Moves on @n bytes. */
static int source_skip(struct source *s, unsigned long long n)
{
	while (n > 0) {
		size_t k;

		if (!source_fill(s))
			return s->err ? s->err : -EINVAL;
		k = s->blklen - s->off;
		if (k > n)
			k = (size_t)n;
		s->off += k;
		s->pos += k;
		n -= k;
	}
	return 0;
}

/* NUL padding, as the kernel skips it between archives. False at the end. */
static bool source_skip_nuls(struct source *s)
{
	while (source_fill(s)) {
		while (s->off < s->blklen && s->blk[s->off] == 0) {
			s->off++;
			s->pos++;
		}
		if (s->off < s->blklen)
			return true;
	}
	return false;
}

static la_ssize_t source_read_cb(struct archive *a, void *data, const void **p)
{
	struct source *s = data;
	size_t n;

	if (!source_fill(s)) {
		if (s->err) {
			archive_set_error(a, -s->err, "decompression failed");
			return -1;
		}
		return 0;
	}
	n = guard_pass(&s->guard, s->blk + s->off, s->blklen - s->off);
	if (n == 0) {
		s->err = s->guard.err;
		archive_set_error(a, -s->err, "cpio header refused");
		return -1;
	}
	*p = s->blk + s->off;
	s->last_off = s->off;
	s->last_len = n;
	s->off += n;
	s->pos += n;
	s->served += n;
	return (la_ssize_t)n;
}

/* Every member of the cpio archive @a up to its TRAILER!!!. */
static int walk_entries(struct archive *a, struct walker *w)
{
	for (unsigned n = 0;; n++) {
		struct archive_entry *e;
		unsigned char *data = NULL;
		const char *name;
		la_int64_t size;
		int r = archive_read_next_header(a, &e);

		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return n == 0 && archive_format(a) == 0 ? -ENOEXEC : -EINVAL;
		if (++w->entries > IMAGE_MAX_ENTRIES)
			return -E2BIG;
		name = archive_entry_pathname(e);
		if (name == NULL)
			name = "";
		/* "/./x", ".//x": x, as path lookup from / makes them */
		for (;;) {
			if (name[0] == '.' && name[1] == '/')
				name += 2;
			else if (name[0] == '/')
				name++;
			else
				break;
		}
		size = archive_entry_size(e);
		if (size < 0)
			size = 0;
		if (w->want && size <= CPIO_MAX_KEEP && w->want(w->ctx, name)) {
			data = malloc(size ? (size_t)size : 1);
			if (data == NULL)
				return -ENOMEM;
			if (archive_read_data(a, data, (size_t)size) != size) {
				free(data);
				return -EINVAL;
			}
		}
		r = w->cb(w->ctx, name, archive_entry_mode(e), data, (size_t)size);
		free(data);
		if (r != 0)
			return r;
	}
}

/* One cpio archive from where @s stands; @s then stands right after its
 * TRAILER!!!, as the kernel's cpio state machine goes on from there. */
static int walk_one_archive(struct source *s, struct walker *w)
{
	unsigned long long start = s->pos, used;
	struct archive *a = archive_read_new();
	int r;

	if (a == NULL)
		return -ENOMEM;
	s->served = 0;
	memset(&s->guard, 0, sizeof(s->guard));
	if (archive_read_support_format_cpio(a) != ARCHIVE_OK) {
		archive_read_free(a);
		return -ENOMEM;
	}
	if (archive_read_open(a, s, NULL, source_read_cb, NULL) != ARCHIVE_OK) {
		r = s->err ? s->err : -ENOEXEC;
		archive_read_free(a);
		return r;
	}
	r = walk_entries(a, w);
	if (r == -EINVAL && s->err)
		r = s->err;
	used = (unsigned long long)archive_filter_bytes(a, 0);
	archive_read_free(a);
	if (r != 0)
		return r;
	/* Back to the end of the archive: within the block handed out last,
	 * or else decoded again up to there. */
	if (used >= s->served - s->last_len && used <= s->served) {
		s->off = s->last_off + (size_t)(used - (s->served - s->last_len));
		s->pos = start + used;
		return 0;
	}
	if (s->raw == NULL)
		return -EINVAL;
	{
		const unsigned char *seg = s->seg;
		size_t len = s->seglen;

		source_close(s);
		r = source_open(s, w, seg, len, true);
		return r < 0 ? r : source_skip(s, start + used);
	}
}

/* ---- where a compressed stream ends ---------------------------------------
 * The kernel gives each compressed segment to its decompressor, which
 * reports the bytes it used (lib/decompress_*.c, the @pos argument); the
 * next segment starts there. libarchive's filters read ahead in blocks and
 * cannot say where a stream ended, so the compressor's own library finds
 * it here, decoding into a scratch buffer (the output counts against
 * IMAGE_MAX_BYTES like the real pass). */

#define SCRATCH		 (64u << 10)
#define LZ4_LEGACY_BOUND 8421520u /* LZ4_compressBound(8 MiB), the legacy block size */
/* A dictionary larger than this is refused before it is allocated (xz,
 * lzma headers may ask for 4 GiB): the kernel's own limit is lower still. */
#define DICT_MAX (256ull << 20)

enum kind { KIND_GZIP, KIND_XZ, KIND_LZMA, KIND_ZSTD, KIND_LZ4, KIND_BZIP2 };
static const char *const kind_name[] = {"gzip", "xz", "lzma", "zstd", "lz4", "bzip2"};

/* The compression a segment's first bytes name, by the magic numbers of
 * the kernel's decompress_method() (lib/decompress.c); -1 for none. */
static int kind_of(const unsigned char *p, size_t n)
{
	static const struct {
		unsigned char magic[6];
		size_t len;
		enum kind kind;
	} tab[] = {
	    {{0x1f, 0x8b}, 2, KIND_GZIP},
	    {{0x1f, 0x9e}, 2, KIND_GZIP}, /* old gzip, as the kernel lists it */
	    {{0xfd, '7', 'z', 'X', 'Z', 0}, 6, KIND_XZ},
	    {{0x28, 0xb5, 0x2f, 0xfd}, 4, KIND_ZSTD},
	    {{0x02, 0x21, 0x4c, 0x18}, 4, KIND_LZ4},
	    {{'B', 'Z', 'h'}, 3, KIND_BZIP2},
	    {{0x5d, 0, 0}, 3, KIND_LZMA},
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (n >= tab[i].len && memcmp(p, tab[i].magic, tab[i].len) == 0)
			return (int)tab[i].kind;
	return -1;
}

static int count_out(struct walker *w, size_t n)
{
	w->bytes += n;
	return w->bytes > IMAGE_MAX_BYTES ? -E2BIG : 0;
}

/* gzip: zlib, member after member (RFC 1952 2.2: members may be
 * concatenated; libarchive's gzip filter reads them as one stream). */
static int end_gzip(struct walker *w, unsigned char *out, const unsigned char *p, size_t len, size_t *end)
{
	size_t o = 0;
	int r = 0;

	do {
		z_stream z;
		int zr = Z_OK;

		memset(&z, 0, sizeof(z));
		if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
			return -ENOMEM;
		z.next_in = (unsigned char *)(uintptr_t)(p + o);
		z.avail_in = len - o > UINT_MAX ? UINT_MAX : (unsigned)(len - o);
		while (r == 0 && zr == Z_OK) {
			z.next_out = out;
			z.avail_out = SCRATCH;
			zr = inflate(&z, Z_NO_FLUSH);
			r = count_out(w, SCRATCH - z.avail_out);
			if (zr == Z_BUF_ERROR && z.avail_in == 0 && o + z.total_in < len) {
				/* past 4 GiB of input: the next slice */
				z.next_in = (unsigned char *)(uintptr_t)(p + o + z.total_in);
				z.avail_in =
				    len - o - z.total_in > UINT_MAX ? UINT_MAX : (unsigned)(len - o - z.total_in);
				zr = Z_OK;
			}
		}
		o += z.total_in;
		inflateEnd(&z);
		if (r == 0 && zr != Z_STREAM_END)
			r = -EINVAL; /* corrupt, or truncated (Z_BUF_ERROR at the end of input) */
	} while (r == 0 && len - o >= 2 && p[o] == 0x1f && p[o + 1] == 0x8b);
	*end = o;
	return r;
}

/* zstd: libzstd's frame sizes, frames (and skippable frames) back to back
 * (RFC 8878 3: a zstd stream is a sequence of frames). No decoding. */
static int end_zstd(const unsigned char *p, size_t len, size_t *end)
{
	size_t o = 0;

	do {
		size_t n = ZSTD_findFrameCompressedSize(p + o, len - o);

		if (ZSTD_isError(n) || n == 0 || n > len - o)
			return -EINVAL;
		o += n;
	} while (len - o >= 4 &&
		 (p[o + 3] == 0xfd ? memcmp(p + o, "\x28\xb5\x2f\xfd", 4) == 0
				   : (p[o] & 0xf0) == 0x50 && memcmp(p + o + 1, "\x2a\x4d\x18", 3) == 0));
	*end = o;
	return 0;
}

/* xz (one stream, LZMA_CONCATENATED off: the next stream is the next
 * segment, after its stream padding) and lzma-alone: liblzma's decoder
 * stops at the stream's end and tells the bytes it used (in_pos). */
static int end_lzma(struct walker *w, unsigned char *out, const unsigned char *p, size_t len, bool xz, size_t *end)
{
	lzma_stream z = LZMA_STREAM_INIT;
	lzma_ret lr = xz ? lzma_stream_decoder(&z, DICT_MAX, 0) : lzma_alone_decoder(&z, DICT_MAX);
	int r = 0;

	if (lr != LZMA_OK)
		return -ENOMEM;
	z.next_in = p;
	z.avail_in = len;
	while (r == 0 && lr == LZMA_OK) {
		z.next_out = out;
		z.avail_out = SCRATCH;
		lr = lzma_code(&z, LZMA_FINISH);
		r = count_out(w, SCRATCH - z.avail_out);
	}
	*end = (size_t)z.total_in;
	lzma_end(&z);
	if (r == 0 && lr == LZMA_MEMLIMIT_ERROR)
		return -E2BIG;
	return r ? r : lr == LZMA_STREAM_END ? 0 : -EINVAL;
}

/* bzip2: libbz2 stops at the stream's end-of-stream marker. */
static int end_bzip2(struct walker *w, unsigned char *out, const unsigned char *p, size_t len, size_t *end)
{
	bz_stream z;
	unsigned long long used = 0;
	int br = BZ_OK, r = 0;

	memset(&z, 0, sizeof(z));
	if (BZ2_bzDecompressInit(&z, 0, 0) != BZ_OK)
		return -ENOMEM;
	z.next_in = (char *)(uintptr_t)p;
	z.avail_in = len > UINT_MAX ? UINT_MAX : (unsigned)len;
	while (r == 0 && br == BZ_OK) {
		z.next_out = (char *)out;
		z.avail_out = SCRATCH;
		br = BZ2_bzDecompress(&z);
		r = count_out(w, SCRATCH - z.avail_out);
		used = ((unsigned long long)z.total_in_hi32 << 32) | z.total_in_lo32;
		if (br == BZ_OK && z.avail_in == 0) {
			if (used == len) {
				br = BZ_UNEXPECTED_EOF;
				break;
			}
			z.next_in = (char *)(uintptr_t)(p + used);
			z.avail_in = len - used > UINT_MAX ? UINT_MAX : (unsigned)(len - used);
		}
	}
	BZ2_bzDecompressEnd(&z);
	*end = (size_t)used;
	return r ? r : br == BZ_STREAM_END ? 0 : -EINVAL;
}

/* lz4 legacy frames (lz4 -l, what kbuild and the generators write): liblz4
 * reads blocks, not this framing, and the framing has no end marker (the
 * stream ends where the input does: lib/decompress_unlz4.c), so its end is
 * where its chunk sizes stop making sense and whatever follows is not read. */
static size_t end_lz4(const unsigned char *p, size_t len)
{
	size_t o = 4; /* the magic */

	while (len - o >= 4) {
		uint32_t n =
		    (uint32_t)p[o] | (uint32_t)p[o + 1] << 8 | (uint32_t)p[o + 2] << 16 | (uint32_t)p[o + 3] << 24;

		if (n == 0x184c2102) { /* the magic again: a new stream of chunks */
			o += 4;
			continue;
		}
		if (n == 0 || n > LZ4_LEGACY_BOUND || n > len - o - 4)
			break;
		o += 4 + n;
	}
	return o;
}

/* Where the compressed stream of kind @k at @seg ends: *@end bytes on. */
static int stream_end(struct walker *w, enum kind k, const unsigned char *seg, size_t len, size_t *end)
{
	unsigned char *out;
	int r;

	if (k == KIND_ZSTD)
		return end_zstd(seg, len, end);
	if (k == KIND_LZ4) {
		*end = end_lz4(seg, len);
		return 0;
	}
	out = malloc(SCRATCH);
	if (out == NULL)
		return -ENOMEM;
	if (k == KIND_GZIP)
		r = end_gzip(w, out, seg, len, end);
	else if (k == KIND_BZIP2)
		r = end_bzip2(w, out, seg, len, end);
	else
		r = end_lzma(w, out, seg, len, k == KIND_XZ, end);
	free(out);
	return r;
}

/* The cpio archives inside the compressed segment @seg. *@complete: how
 * many were read to their TRAILER!!!. */
static int walk_compressed(struct walker *w, const unsigned char *seg, size_t len, unsigned *complete)
{
	struct source s;
	int r = source_open(&s, w, seg, len, true);

	*complete = 0;
	while (r == 0 && source_skip_nuls(&s)) {
		r = walk_one_archive(&s, w);
		if (r == 0)
			(*complete)++;
	}
	if (r == 0)
		r = s.err ? s.err : *complete ? 0 : -ENOEXEC;
	source_close(&s);
	return r;
}

static bool is_cpio(const unsigned char *p, size_t n)
{
	return n >= 6 && memcmp(p, "07070", 5) == 0 && (p[5] == '1' || p[5] == '2');
}

static bool all_nul(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

int cpio_walk_memory(const void *buf, size_t len, int (*want)(void *ctx, const char *name), cpio_cb cb, void *ctx,
		     struct image_layout *layout)
{
	struct walker w = {want, cb, ctx, 0, 0};
	const unsigned char *p = buf;
	char *what = layout ? layout->what : NULL;
	size_t whatlen = layout ? sizeof(layout->what) : 0;
	size_t o = 0;

	if (layout) {
		layout->what[0] = '\0';
		layout->unread = NULL;
	}
	for (;;) {
		size_t seglen;
		unsigned complete;
		int r, k;

		while (o < len && p[o] == 0)
			o++;
		if (o == len)
			return 0;
		if (is_cpio(p + o, len - o)) {
			struct source s;

			if (what)
				str_append(what, whatlen, "%scpio", what[0] ? " + " : "");
			source_open(&s, &w, p + o, len - o, false);
			r = walk_one_archive(&s, &w);
			seglen = (size_t)s.pos;
			source_close(&s);
			if (r != 0)
				return r;
			if (seglen == 0 || seglen > len - o)
				return -EINVAL;
			o += seglen;
			continue;
		}
		k = kind_of(p + o, len - o);
		if (k < 0)
			return -ENOEXEC;
		if (what)
			str_append(what, whatlen, "%s%s", what[0] ? " + " : "", kind_name[k]);
		r = stream_end(&w, (enum kind)k, p + o, len - o, &seglen);
		if (r != 0)
			return r;
		if (seglen == 0 || seglen > len - o)
			return -EINVAL;
		r = walk_compressed(&w, p + o, seglen, &complete);
		if (k == KIND_LZ4 && complete > 0 &&
		    (r == -EINVAL || r == -ENOEXEC || !all_nul(p + o + seglen, len - o - seglen))) {
			/* Past its end as far as the framing tells: not ours to guess. */
			if (layout)
				layout->unread = kind_name[k];
			return 0;
		}
		if (r != 0)
			return r;
		o += seglen;
	}
}

int cpio_walk_image(const char *path, int (*want)(void *ctx, const char *name), cpio_cb cb, void *ctx,
		    struct image_layout *layout)
{
	struct stat st;
	void *m;
	int fd, r;

	if (layout) {
		layout->what[0] = '\0';
		layout->unread = NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		close(fd);
		return S_ISREG(st.st_mode) ? 0 : -EINVAL;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	r = m == MAP_FAILED ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	r = cpio_walk_memory(m, (size_t)st.st_size, want, cb, ctx, layout);
	munmap(m, (size_t)st.st_size);
	return r;
}
