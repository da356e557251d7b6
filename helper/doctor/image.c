// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * image.c - walking an initramfs image with libarchive: the kernel's outer
 * loop (segments, NUL padding) here, the cpio headers and the
 * decompression in libarchive.
 *
 * Two things libarchive does not do alone, hence the loop here: its cpio
 * reader stops at the first TRAILER!!! (the kernel goes on to the next
 * archive), and its filters read on past the end of a compressed stream
 * (a zstd frame followed by NULs or another segment is a decode error).
 * So a compressed segment is first decoded once with the "raw" format
 * only to learn where it ends (the bytes its filter consumed, as the
 * kernel's decompressors report them), then decoded again with that end
 * as the end of input and its cpio archives read from the output.
 */
#include "doctor/image.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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
};

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
	n = s->blklen - s->off;
	*p = s->blk + s->off;
	s->last_off = s->off;
	s->last_len = n;
	s->off = s->blklen;
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
		while (name[0] == '.' && name[1] == '/')
			name += 2;
		while (name[0] == '/')
			name++;
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

/* A compressed segment: where its stream ends (bytes its filter consumed,
 * NULs or the next segment may follow), and its description. */
static int compressed_length(struct walker *w, const unsigned char *seg, size_t len, size_t *out, char *what,
			     size_t whatlen)
{
	struct source s;
	long long used;
	int r = source_open(&s, w, seg, len, true);

	if (r < 0)
		return r;
	if (what)
		str_append(what, whatlen, "%s%s", what[0] ? " + " : "", archive_filter_name(s.raw, 0));
	while (source_fill(&s))
		s.off = s.blklen;
	used = archive_filter_bytes(s.raw, -1);
	r = s.err;
	source_close(&s);
	/* A decode error past some input is where the stream ended; the
	 * second pass finds out whether the data before it was whole. */
	if (r == -E2BIG)
		return r;
	if (used <= 0 || (unsigned long long)used > len)
		return -EINVAL;
	*out = (size_t)used;
	return 0;
}

/* The cpio archives inside the compressed segment @seg. */
static int walk_compressed(struct walker *w, const unsigned char *seg, size_t len)
{
	struct source s;
	int r = source_open(&s, w, seg, len, true);
	bool any = false;

	while (r == 0 && source_skip_nuls(&s)) {
		r = walk_one_archive(&s, w);
		any = true;
	}
	if (r == 0)
		r = s.err ? s.err : any ? 0 : -ENOEXEC;
	source_close(&s);
	return r;
}

static bool is_cpio(const unsigned char *p, size_t n)
{
	return n >= 6 && memcmp(p, "07070", 5) == 0 && (p[5] == '1' || p[5] == '2');
}

int cpio_walk_memory(const void *buf, size_t len, int (*want)(void *ctx, const char *name), cpio_cb cb, void *ctx,
		     char *what, size_t whatlen)
{
	struct walker w = {want, cb, ctx, 0, 0};
	const unsigned char *p = buf;
	size_t o = 0;

	if (what && whatlen)
		what[0] = '\0';
	if (what && whatlen == 0)
		what = NULL;
	for (;;) {
		size_t seglen;
		int r;

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
		} else {
			r = compressed_length(&w, p + o, len - o, &seglen, what, whatlen);
			if (r == 0)
				r = walk_compressed(&w, p + o, seglen);
			if (r != 0)
				return r;
		}
		if (seglen == 0 || seglen > len - o)
			return -EINVAL;
		o += seglen;
	}
}

int cpio_walk_image(const char *path, int (*want)(void *ctx, const char *name), cpio_cb cb, void *ctx, char *what,
		    size_t whatlen)
{
	struct stat st;
	void *m;
	int fd, r;

	if (what && whatlen)
		what[0] = '\0';
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
	r = cpio_walk_memory(m, (size_t)st.st_size, want, cb, ctx, what, whatlen);
	munmap(m, (size_t)st.st_size);
	return r;
}
