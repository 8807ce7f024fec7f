/* recfile.h: capture files (-w / -r): the ring buffer's records, length-prefixed. */
#ifndef HS_RECFILE_H
#define HS_RECFILE_H

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>

#include "capture.h"

#define HS_RECFILE_MAGIC "HSNOOP\0\1"

/* Writes the file header with the offset from CLOCK_MONOTONIC to wall-clock ns at capture
 * time, so a file read later shows when things happened. Returns 0 or negative errno. */
int hs_recfile_begin(FILE *f, int64_t mono_to_real_ns);
/* Appends one record. Returns 0 or negative errno. */
int hs_recfile_write(FILE *f, const void *data, size_t size);
/* Reads the file header. Returns 0, or -EINVAL for a file that is not a capture file. */
int hs_recfile_open(FILE *f, int64_t *mono_to_real_ns);
/* Reads every record after the header and hands it to fn, until the end of the file or until
 * *stop (may be NULL) is set, by fn or a signal. Returns records read, -EINVAL for a damaged
 * or truncated file (records before the damage are delivered), -EIO on a read error. */
long hs_recfile_read(FILE *f, hs_record_fn fn, void *ctx, const volatile sig_atomic_t *stop);

#endif
