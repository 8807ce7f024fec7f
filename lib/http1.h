/* http1.h: HTTP/1.x stream decoder (RFC 9112) with request/response pairing. */
#ifndef HS_HTTP1_H
#define HS_HTTP1_H

#include "exchange.h"

/* Results of hs_http1_feed() besides 0. */
#define HS_HTTP1_UPGRADE_H2 1	/* 101 to h2c: the bytes after *consumed are HTTP/2 */
#define HS_HTTP1_STOPPED 2	/* upgraded to another protocol: nothing more to decode */

struct hs_http1;

/* ci and lim must outlive the decoder; emit is called once per finished exchange. */
struct hs_http1 *hs_http1_new(const struct hs_conninfo *ci, const struct hs_limits *lim,
			      hs_emit_fn emit, void *ctx);
/* Feed bytes of one direction (0: written by the traced process, 1: read by it), in order.
 * ts is the CLOCK_MONOTONIC time of the bytes. Returns 0, HS_HTTP1_UPGRADE_H2 or
 * HS_HTTP1_STOPPED (then *consumed says how many bytes of data were HTTP/1), or -ENOMEM. */
int hs_http1_feed(struct hs_http1 *d, int dir, const uint8_t *data, size_t len, uint64_t ts,
		  size_t *consumed);
/* len bytes of direction dir were not captured (lost records, sendfile). */
void hs_http1_gap(struct hs_http1 *d, int dir, uint64_t len, uint64_t ts);
/* The bytes fed next in the other direction were made after bytes of direction dir that
 * have not been fed yet (lost, or still on their way from another CPU). Until dir is fed
 * or has a gap again, a response that starts then (after lost records, on a connection
 * that does not pipeline) answers that unseen request, not the newest one seen. */
void hs_http1_unseen(struct hs_http1 *d, int dir);
/* Direction dir ended (its reader saw the end of the stream): a body that ends at the close
 * is whole. */
void hs_http1_eof(struct hs_http1 *d, int dir);
/* The connection closed (closed = 1), or the capture ends or forgets it (0): finish pending
 * messages, emit what is left. Only a close ends a body delimited by the close; otherwise
 * it is incomplete. */
void hs_http1_flush(struct hs_http1 *d, uint64_t ts, int closed);
/* A response whose header section ended and whose body is still coming `after` ns after
 * its first byte, at time now, is emitted once as it stands, flagged HS_EX_STREAMING; it is
 * emitted again, whole, when it ends. */
void hs_http1_tick(struct hs_http1 *d, uint64_t now, uint64_t after);
void hs_http1_free(struct hs_http1 *d);

/* 1 when p starts like a request line or a status line (enough to pick the decoder),
 * 0 when it does not, -1 when more bytes are needed to tell. */
int hs_http1_detect(const uint8_t *p, size_t n);

#endif
