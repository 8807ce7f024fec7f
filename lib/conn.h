/* conn.h: the connection table: records in, per-connection decoders, exchanges out. */
#ifndef HS_CONN_H
#define HS_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "exchange.h"

/* --raw: every captured chunk; data is NULL when len bytes were not captured. */
typedef void (*hs_raw_fn)(const struct hs_conninfo *ci, int dir, const uint8_t *data, size_t len,
			  uint64_t ts, void *ctx);

#define HS_CONNS_MAX 16384		/* open connections decoded at once, by default */

struct hs_conns_opts {
	struct hs_limits lim;
	hs_emit_fn emit;		/* decoded exchanges */
	hs_raw_fn raw;			/* when set, chunks go here and nothing is decoded */
	void *ctx;
	/* optional: fills ci->tls_lib when a connection's bytes start coming from a TLS probe */
	void (*tls_lib)(struct hs_conninfo *ci, void *ctx);
	/* optional: a connection that carried TLS ends, and no TLS probe ever reported its
	 * plaintext: only its ciphertext went by */
	void (*tls_unseen)(const struct hs_conninfo *ci, void *ctx);
	/* optional: an HTTP/2 connection seen from its middle, which is not decoded */
	void (*h2_midway)(const struct hs_conninfo *ci, void *ctx);
	size_t max_conns;		/* 0: HS_CONNS_MAX; the least recently used is flushed beyond */
	int name_containers;		/* live capture: name each connection's container */
};

struct hs_conns_stats {
	uint64_t records;		/* records accepted */
	uint64_t bad_records;		/* records that failed validation */
	uint64_t gaps;			/* holes in a direction's byte stream */
	uint64_t gap_bytes;
	uint64_t conns;			/* connections seen */
	uint64_t evicted;		/* connections flushed because the table was full */
	uint64_t exchanges;		/* exchanges emitted */
};

struct hs_conns;

struct hs_conns *hs_conns_new(const struct hs_conns_opts *o);
/* One record as read from the ring buffer or a capture file. Returns 0, or -EINVAL for a
 * record that does not validate (it is counted and dropped). */
int hs_conns_record(struct hs_conns *t, const void *data, size_t size);
/* The time is now (CLOCK_MONOTONIC ns, as record times): a response still arriving a second
 * after its first byte is emitted as it stands (HS_EX_STREAMING). Called for every record,
 * and by a live capture while no records come; it looks at most every 250 ms. */
void hs_conns_tick(struct hs_conns *t, uint64_t now);
/* --raw: print the read or write still being gathered (call after each batch of records). */
void hs_conns_raw_flush(struct hs_conns *t);
/* Finish every connection (capture ends): pending requests are emitted as such. */
void hs_conns_flush_all(struct hs_conns *t);
const struct hs_conns_stats *hs_conns_stats(const struct hs_conns *t);
void hs_conns_free(struct hs_conns *t);

#endif
