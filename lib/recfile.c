/* recfile.c: capture files (-w / -r): the ring buffer's records, length-prefixed. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "httpsnoop.h"
#include "recfile.h"

int hs_recfile_begin(FILE *f, int64_t mono_to_real_ns)
{
	errno = 0;
	if (fwrite(HS_RECFILE_MAGIC, 8, 1, f) != 1 ||
	    fwrite(&mono_to_real_ns, sizeof(mono_to_real_ns), 1, f) != 1)
		return errno ? -errno : -EIO;
	return 0;
}

int hs_recfile_write(FILE *f, const void *data, size_t size)
{
	uint32_t n = size;

	errno = 0;
	if (fwrite(&n, sizeof(n), 1, f) != 1 || fwrite(data, size, 1, f) != 1)
		return errno ? -errno : -EIO;
	return 0;
}

int hs_recfile_open(FILE *f, int64_t *mono_to_real_ns)
{
	char magic[8];

	if (fread(magic, 8, 1, f) != 1 || memcmp(magic, HS_RECFILE_MAGIC, 8) != 0 ||
	    fread(mono_to_real_ns, sizeof(*mono_to_real_ns), 1, f) != 1)
		return -EINVAL;
	return 0;
}

/* fread() of exactly n bytes: 1 when read, 0 at a clean end of file before the first byte,
 * -EINVAL when the file ends inside them, -EINTR when a signal set *stop, -EIO on an error. */
static int read_all(FILE *f, void *p, size_t n, const volatile sig_atomic_t *stop)
{
	size_t got = 0;

	while (got < n) {
		errno = 0;
		got += fread((uint8_t *)p + got, 1, n - got, f);
		if (got == n)
			break;
		if (ferror(f) && errno == EINTR) {	/* a signal: go on unless it asks to stop */
			clearerr(f);
			if (stop && *stop)
				return -EINTR;
			continue;
		}
		if (ferror(f))
			return -EIO;
		return got ? -EINVAL : 0;	/* the end of the file */
	}
	return 1;
}

long hs_recfile_read(FILE *f, hs_record_fn fn, void *ctx, const volatile sig_atomic_t *stop)
{
	static uint8_t buf[sizeof(struct hs_rec) + HS_CHUNK];
	uint32_t n;
	long count = 0;
	int r;

	while (!(stop && *stop)) {
		r = read_all(f, &n, sizeof(n), stop);
		if (r == -EINTR)
			break;
		if (r <= 0)
			return r < 0 ? r : count;
		/* a zero-length record is never written, and one over the largest is damage */
		if (!n || n > sizeof(buf))
			return -EINVAL;
		r = read_all(f, buf, n, stop);
		if (r == -EINTR)
			break;
		if (r <= 0)
			return r < 0 ? r : -EINVAL;
		fn(buf, n, ctx);
		count++;
	}
	return count;
}
