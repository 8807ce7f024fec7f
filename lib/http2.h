/* http2.h: HTTP/2 stream decoder (RFC 9113, HPACK per RFC 7541) with gRPC summaries. */
#ifndef HS_HTTP2_H
#define HS_HTTP2_H

#include "exchange.h"

struct hs_http2;

/* ci and lim must outlive the decoder; emit is called once per finished stream. */
struct hs_http2 *hs_http2_new(const struct hs_conninfo *ci, const struct hs_limits *lim,
			      hs_emit_fn emit, void *ctx);
/* Feed bytes of one direction (0: written by the traced process, 1: read by it), in order.
 * Returns 0 or -ENOMEM; malformed input is marked, never fatal. */
int hs_http2_feed(struct hs_http2 *d, int dir, const uint8_t *data, size_t len, uint64_t ts);
/* The connection switched from HTTP/1.1 with "Upgrade: h2c": req, written in direction
 * cdir, is the request of stream 1, whose response comes as HTTP/2 (RFC 9113 3.1 and RFC
 * 7540 3.2). Call before feeding HTTP/2 bytes. Returns 0 or -ENOMEM. */
int hs_http2_upgraded(struct hs_http2 *d, int cdir, const struct hs_message *req);
/* len bytes of direction dir were not captured: resynchronise on a later frame. */
void hs_http2_gap(struct hs_http2 *d, int dir, uint64_t len, uint64_t ts);
/* The connection closed or the capture ends: emit open streams as incomplete. */
void hs_http2_flush(struct hs_http2 *d, uint64_t ts);
/* As hs_http1_tick(), for every open stream whose response headers came and were decoded. */
void hs_http2_tick(struct hs_http2 *d, uint64_t now, uint64_t after);
void hs_http2_free(struct hs_http2 *d);

/* 1 when p starts with the client connection preface, 0 when not, -1 when more is needed. */
int hs_http2_detect(const uint8_t *p, size_t n);
/* 1 when p starts with a server connection preface (a SETTINGS frame header, RFC 9113 3.4),
 * 0 when not, -1 when more is needed. A server may write it before reading the client's. */
int hs_http2_detect_server(const uint8_t *p, size_t n);
/* 1 when p starts with a plausible HTTP/2 frame header (a connection seen from its middle). */
int hs_http2_detect_frame(const uint8_t *p, size_t n);
/* 1 when p is whole plausible HTTP/2 frames, from its first byte to its last (one write of a
 * connection seen from its middle), else 0. */
int hs_http2_whole_frames(const uint8_t *p, size_t n);

#endif
