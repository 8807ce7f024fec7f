/* recfile.c: capture files (-w / -r): the ring buffer's records, length-prefixed. */
#include <errno.h>
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

long hs_recfile_read(FILE *f, hs_record_fn fn, void *ctx)
{
	static uint8_t buf[sizeof(struct hs_rec) + HS_CHUNK];
	uint32_t n;
	long count = 0;
	while (fread(&n, sizeof(n), 1, f) == 1) {
		if (n > sizeof(buf) || fread(buf, n, 1, f) != 1)
			return -EINVAL;
		fn(buf, n, ctx);
		count++;
	}
	return ferror(f) ? -EIO : count;
}
