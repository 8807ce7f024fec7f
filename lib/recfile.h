/* recfile.h: capture files (-w / -r): the ring buffer's records, length-prefixed. */
#ifndef HS_RECFILE_H
#define HS_RECFILE_H

#include <stddef.h>
#include <stdio.h>

#include "capture.h"

#define HS_RECFILE_MAGIC "HSNOOP\0\1"

/* Writes the file header. Returns 0 or negative errno. */
int hs_recfile_begin(FILE *f);
/* Appends one record. Returns 0 or negative errno. */
int hs_recfile_write(FILE *f, const void *data, size_t size);
/* Reads every record of f and hands it to fn. Returns records read, or -EINVAL for a file
 * that is not a capture file or is damaged (records before the damage are delivered). */
long hs_recfile_read(FILE *f, hs_record_fn fn, void *ctx);

#endif
