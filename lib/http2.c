/* http2.c: HTTP/2 stream decoder (RFC 9113), HPACK through nghttp2's inflater (RFC 7541),
 * with gRPC length-prefixed message counts. Frames are parsed here, one byte stream per
 * direction; header blocks are inflated as their fragments arrive, DATA is never buffered. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nghttp2/nghttp2.h>

#include "http2.h"

#define PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define PREFACE_LEN 24
#define FRAME_HDR 9
#define MAX_STREAMS 1024	/* open streams kept; beyond, the oldest is emitted */
#define CONN_FIELD_BUDGETS 16	/* field bytes kept by open streams: this many messages' worth */
#define CLOSED_RING MAX_STREAMS	/* recently finished stream ids, to ignore their late frames:
				   as many as may be open, all reset at once */
#define PENDING_MAX 4		/* SETTINGS frames awaiting their ACK */
#define RBUF_SIZE 32768		/* resynchronisation window */
#define FRAME_SIZE_DEFAULT 16384
#define FRAME_SIZE_MAX 16777215
#define TABLE_SIZE_DEFAULT 4096
#define CONN_BODY_BUDGETS 16	/* body bytes kept by open streams: this many messages' worth, */
#define CONN_BODY_MIN (64u << 20)	/* but never less (the default 4 KiB for 1024 streams) */

enum ftype {
	F_DATA = 0, F_HEADERS, F_PRIORITY, F_RST_STREAM, F_SETTINGS, F_PUSH_PROMISE,
	F_PING, F_GOAWAY, F_WINDOW_UPDATE, F_CONTINUATION,
};

#define FL_END_STREAM 0x01
#define FL_ACK 0x01
#define FL_END_HEADERS 0x04
#define FL_PADDED 0x08
#define FL_PRIORITY 0x20

#define SET_HEADER_TABLE_SIZE 1
#define SET_MAX_FRAME_SIZE 5

enum state {
	ST_PREFACE,		/* matching the client connection preface */
	ST_RESYNC,		/* looking for a plausible frame header in rbuf */
	ST_HDR,			/* collecting a 9-byte frame header */
	ST_FIXED,		/* collecting fixed fields at the start of the payload */
	ST_BODY,		/* payload proper: DATA bytes or a header block fragment */
	ST_PAD,			/* padding at the end of the payload */
};

/* gRPC framing of one direction of a stream: 1-byte flag, 4-byte length, payload. */
struct grpc_state {
	uint8_t hdr[5], hdr_n, lost;
	uint32_t left;			/* payload bytes of the current message still to come */
};

/* One direction of one stream: the request when sent by the client, else the response. */
struct side {
	struct hs_message m;
	struct grpc_state g;
	uint8_t hdrs_seen, ended;
	uint8_t shown;			/* emitted as streaming (hs_http2_tick) */
	uint8_t cut;			/* a gap came before it started: it may be in the gap */
	uint8_t desync;			/* frame sync was lost while it was open: its end may be lost */
};

struct stream {
	struct stream *prev, *next;	/* creation order, oldest first */
	uint32_t id;
	unsigned flags;			/* enum hs_exchange_flag */
	uint32_t error_code;
	uint64_t skipped;
	struct side s[2];		/* by direction */
};

/* A header block (HEADERS or PUSH_PROMISE, then CONTINUATION) being inflated. */
struct block {
	uint8_t active, push, end_stream, failed, malformed;
	uint32_t sid, promised;
	size_t bytes;			/* decoded field bytes kept, against max_header_bytes */
	uint64_t ts;
	struct hs_message tmp;		/* fields decoded so far */
};

struct settings {
	uint32_t table_size, frame_size;
	uint8_t has_table, has_frame;
};

struct dir {
	nghttp2_hd_inflater *inf;
	enum state state;
	uint8_t pre_n;			/* preface bytes matched */
	uint8_t hdr[FRAME_HDR], hdr_n;
	uint8_t type, flags, skip;	/* skip: payload ignored (unknown, malformed, lost) */
	uint32_t len, sid;
	uint32_t left;			/* payload bytes not consumed yet */
	uint32_t pad;			/* padding bytes at the end of the payload */
	uint8_t fix[8], fix_n, fix_need;
	struct stream *data_st;		/* stream of the DATA frame being read, once looked up */
	struct block blk;
	uint32_t max_frame;		/* largest frame the receiver of this direction accepts */
	uint8_t frame_known;		/* max_frame came from SETTINGS */
	uint32_t table_size;		/* SETTINGS_HEADER_TABLE_SIZE in force for this direction */
	struct settings cur;		/* SETTINGS frame being read (sent in this direction) */
	struct settings pend[PENDING_MAX];	/* sent by the peer, applied on our ACK */
	uint8_t npend;
	uint8_t *rbuf;			/* resync window; also bytes replayed after a resync */
	size_t roff, rlen;
	uint8_t at_start;		/* the window starts at the first byte of the direction */
};

struct hs_http2 {
	const struct hs_conninfo *ci;
	const struct hs_limits *lim;
	hs_emit_fn emit;
	void *ctx;
	struct dir dir[2];
	int cdir;			/* direction written by the client; -1 until known */
	struct stream *head, *tail;
	unsigned nstreams;
	uint32_t max_sid[2];		/* highest stream id opened, by parity */
	uint32_t closed[CLOSED_RING];
	unsigned closed_pos;
	uint64_t skipped;		/* bytes skipped, reported on the next new stream */
	uint8_t goaway[2];		/* a GOAWAY was sent in this direction, with: */
	uint32_t goaway_last[2];	/* its last stream id */
	uint32_t goaway_err[2];		/* and its error code */
	size_t field_bytes;		/* decoded field bytes held by open streams */
	size_t body_bytes;		/* body bytes kept by open streams */
	int nomem;
};

static const uint8_t empty_in[1];

static uint32_t be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int hs_http2_detect(const uint8_t *p, size_t n)
{
	size_t k = n < PREFACE_LEN ? n : PREFACE_LEN;

	if (!n)
		return -1;
	if (memcmp(p, PREFACE, k) != 0)
		return 0;
	return n < PREFACE_LEN ? -1 : 1;
}

/* A SETTINGS frame (not an ACK) on stream 0 with a sane length: a server preface. */
static int server_preface(const uint8_t *h)
{
	uint32_t len = be24(h);

	return h[3] == F_SETTINGS && h[4] == 0 && be32(h + 5) == 0 && len % 6 == 0 &&
	       len <= 6 * 64;
}

int hs_http2_detect_server(const uint8_t *p, size_t n)
{
	static const uint8_t zero[FRAME_HDR];

	if (n >= FRAME_HDR)
		return server_preface(p);
	/* the length's high byte is 0, then the rest must still fit a SETTINGS header */
	if (!n || p[0] != 0 || (n > 3 && p[3] != F_SETTINGS) ||
	    (n > 4 && memcmp(p + 4, zero, n - 4) != 0))
		return n ? 0 : -1;
	return -1;
}

/* Whether h is a plausible frame header: a known type with the flags, stream id and length
 * that type allows, no longer than max; from_client: the client wrote it (its streams are
 * odd, and it pushes none). */
static int header_plausible(const uint8_t *h, uint32_t max, int from_client)
{
	uint32_t len = be24(h), sid = be32(h + 5);
	uint8_t type = h[3], fl = h[4];

	if (sid & 0x80000000u || len > max)
		return 0;
	switch (type) {
	case F_DATA:
		return sid && !(fl & ~(FL_END_STREAM | FL_PADDED)) && !(from_client && !(sid & 1));
	case F_HEADERS:
		return sid && !(fl & ~(FL_END_STREAM | FL_END_HEADERS | FL_PADDED | FL_PRIORITY)) &&
		       !(from_client && !(sid & 1));
	case F_PRIORITY:
		return sid && !fl && len == 5;
	case F_RST_STREAM:
		return sid && !fl && len == 4;
	case F_SETTINGS:
		return !sid && (fl == FL_ACK ? len == 0 : !fl && len % 6 == 0);
	case F_PUSH_PROMISE:
		return sid && !(fl & ~(FL_END_HEADERS | FL_PADDED)) && len >= 4 && !from_client;
	case F_PING:
		return !sid && !(fl & ~FL_ACK) && len == 8;
	case F_GOAWAY:
		return !sid && !fl && len >= 8;
	case F_WINDOW_UPDATE:
		return !fl && len == 4;
	case F_CONTINUATION:
		return sid && !(fl & ~FL_END_HEADERS);
	}
	return 0;
}

/* A connection seen from its middle (no preface): p starts with a plausible frame header
 * within the default frame size, one that needs no frame before it. */
int hs_http2_detect_frame(const uint8_t *p, size_t n)
{
	return n >= FRAME_HDR && p[3] != F_CONTINUATION &&
	       header_plausible(p, FRAME_SIZE_DEFAULT, 0);
}

int hs_http2_whole_frames(const uint8_t *p, size_t n)
{
	size_t off = 0;

	if (!hs_http2_detect_frame(p, n))
		return 0;
	while (off + FRAME_HDR <= n && header_plausible(p + off, FRAME_SIZE_DEFAULT, 0))
		off += FRAME_HDR + be24(p + off);
	return off == n;
}

/* --- HPACK inflaters --- */

/* A fresh inflater: its table may only be larger than the peer's, never smaller, so
 * entries added after the reset keep their indices and older ones fail cleanly. */
static void inflater_reset(struct hs_http2 *d, int x)
{
	struct dir *dr = &d->dir[x];

	nghttp2_hd_inflate_del(dr->inf);
	dr->inf = NULL;
	if (nghttp2_hd_inflate_new(&dr->inf) != 0) {
		dr->inf = NULL;
		d->nomem = 1;
		return;
	}
	if (dr->table_size > TABLE_SIZE_DEFAULT)
		nghttp2_hd_inflate_change_table_size(dr->inf, dr->table_size);
}

/* --- streams --- */

static struct stream *stream_find(struct hs_http2 *d, uint32_t id)
{
	for (struct stream *st = d->tail; st; st = st->prev)
		if (st->id == id)
			return st;
	return NULL;
}

static int recently_closed(const struct hs_http2 *d, uint32_t id)
{
	for (unsigned i = 0; i < CLOSED_RING; i++)
		if (d->closed[i] == id)
			return 1;
	return 0;
}

/* The direction carrying the requests of st, guessed from its messages when unknown. */
static int client_dir(const struct hs_http2 *d, const struct stream *st)
{
	if (d->cdir >= 0)
		return d->cdir;
	for (int x = 0; x < 2; x++) {
		if (st->s[x].m.status)
			return 1 - x;
		if (st->s[x].m.method)
			return x;
	}
	return 0;
}

static void stream_unlink(struct hs_http2 *d, struct stream *st)
{
	if (st->prev)
		st->prev->next = st->next;
	else
		d->head = st->next;
	if (st->next)
		st->next->prev = st->prev;
	else
		d->tail = st->prev;
	d->nstreams--;
}

/* What a field counts against max_header_bytes: its size as HPACK defines it (RFC 7541
 * 4.1), so a peer cannot make many empty fields free. */
static size_t field_cost(size_t namelen, size_t valuelen)
{
	return namelen + valuelen + 32;
}

/* A message's field bytes, headers and trailers. */
static size_t field_bytes(const struct hs_message *m)
{
	size_t sz = 0;

	for (uint32_t i = 0; i < m->nheaders; i++)
		sz += field_cost(m->headers[i].name_len, m->headers[i].value_len);
	for (uint32_t i = 0; i < m->ntrailers; i++)
		sz += field_cost(m->trailers[i].name_len, m->trailers[i].value_len);
	for (uint32_t i = 0; i < m->ninterim; i++)
		sz += field_bytes(&m->interim[i]);
	return sz;
}

/* The exchange of stream st as it stands; its messages stay the stream's. */
static void stream_view(struct hs_http2 *d, struct stream *st, unsigned flags,
			struct hs_exchange *ex)
{
	int c = client_dir(d, st);

	memset(ex, 0, sizeof(*ex));
	ex->conn = d->ci;
	ex->proto = HS_PROTO_HTTP2;
	ex->stream_id = st->id;
	ex->server = c == 1;		/* the traced process read the request */
	ex->flags = st->flags | flags;
	ex->error_code = st->error_code;
	ex->skipped = st->skipped;
	for (int x = 0; x < 2; x++)
		if (st->s[x].cut && !st->s[x].hdrs_seen)
			st->s[x].m.flags |= HS_MSG_GAP;
	ex->req = st->s[c].m;
	ex->resp = st->s[1 - c].m;
	if (!st->s[c].hdrs_seen)
		ex->flags |= HS_EX_NO_REQUEST;
	if (!st->s[1 - c].hdrs_seen && !(ex->flags & HS_EX_RESET))
		ex->flags |= HS_EX_NO_RESPONSE;
}

/* Hands the stream to the emit callback and frees it. */
static void stream_emit(struct hs_http2 *d, struct stream *st, unsigned flags)
{
	struct hs_exchange ex;

	stream_unlink(d, st);
	for (int x = 0; x < 2; x++)
		if (d->dir[x].data_st == st)
			d->dir[x].data_st = NULL;
	stream_view(d, st, flags, &ex);
	d->field_bytes -= field_bytes(&st->s[0].m) + field_bytes(&st->s[1].m);
	d->body_bytes -= st->s[0].m.body_kept + st->s[1].m.body_kept;
	d->closed[d->closed_pos++ % CLOSED_RING] = st->id;
	d->emit(&ex, d->ctx);
	hs_exchange_free(&ex);
	free(st);
}

static struct stream *stream_new(struct hs_http2 *d, uint32_t id)
{
	struct stream *st;

	if (d->nstreams >= MAX_STREAMS)
		stream_emit(d, d->head, 0);
	st = calloc(1, sizeof(*st));
	if (!st) {
		d->nomem = 1;
		return NULL;
	}
	st->id = id;
	if (d->skipped) {
		st->flags |= HS_EX_SKIPPED;
		st->skipped = d->skipped;
		d->skipped = 0;
	}
	st->prev = d->tail;
	if (d->tail)
		d->tail->next = st;
	else
		d->head = st;
	d->tail = st;
	d->nstreams++;
	if (id > d->max_sid[id & 1])
		d->max_sid[id & 1] = id;
	return st;
}

static void side_touch(struct side *sd, uint64_t ts)
{
	if (!sd->m.ts_first)
		sd->m.ts_first = ts;
	sd->m.ts_last = ts;
	sd->m.version = 20;
}

/* Emits the stream once both sides ended: a server may answer before the request's last
 * DATA frame is read (RFC 9113 8.1), which then still belongs to the exchange. A request
 * whose start was not seen (attached mid-stream) is not waited for; a client that never
 * ends its side is cut short by RST_STREAM, GOAWAY, the connection's end or MAX_STREAMS. */
static void stream_check_done(struct hs_http2 *d, struct stream *st)
{
	int c = client_dir(d, st);
	int known = d->cdir >= 0 || st->s[0].m.status || st->s[1].m.status ||
		    st->s[0].m.method || st->s[1].m.method;
	const struct side *rq = &st->s[c], *rs = &st->s[1 - c];

	if (known ? rs->ended && (rq->ended || rq->desync || !(rq->m.flags & HS_MSG_PRESENT)) :
		    st->s[0].ended && st->s[1].ended)
		stream_emit(d, st, 0);
}

static void side_end(struct hs_http2 *d, struct stream *st, int x, uint64_t ts)
{
	st->s[x].ended = 1;
	st->s[x].m.flags |= HS_MSG_COMPLETE;
	side_touch(&st->s[x], ts);
	stream_check_done(d, st);
}

/* --- gRPC --- */

static void grpc_feed(struct hs_message *m, struct grpc_state *g, const uint8_t *p, size_t n)
{
	if (!p) {		/* bytes lost: fine only inside a message's payload */
		if (g->hdr_n || n > g->left)
			g->lost = 1;
		else
			g->left -= n;
		return;
	}
	while (n && !g->lost) {
		if (g->left) {
			size_t take = n < g->left ? n : g->left;

			g->left -= take;
			p += take;
			n -= take;
			continue;
		}
		g->hdr[g->hdr_n++] = *p++;
		n--;
		if (g->hdr_n == sizeof(g->hdr)) {
			g->left = be32(g->hdr + 1);
			g->hdr_n = 0;
			m->grpc_msgs++;
			m->grpc_bytes += g->left;
		}
	}
}

static int is_grpc(const struct hs_message *m)
{
	const struct hs_header *h = hs_message_header(m, "content-type");

	return h && h->value_len >= 16 && strncasecmp(h->value, "application/grpc", 16) == 0;
}

/* --- header blocks --- */

static void block_begin(struct hs_http2 *d, int x, uint32_t sid, int push, uint32_t promised,
			uint64_t ts)
{
	struct dir *dr = &d->dir[x];
	struct block *b = &dr->blk;

	hs_message_reset(&b->tmp);
	b->active = 1;
	b->push = push;
	b->end_stream = !push && (dr->flags & FL_END_STREAM);
	b->failed = 0;
	b->malformed = 0;
	b->sid = sid;
	b->promised = promised;
	b->bytes = 0;
	b->ts = ts;
	if (!dr->inf)
		inflater_reset(d, x);
	if (!dr->inf)
		b->failed = 1;
}

/* The dynamic table is unknown from here on: drop the rest of the block. */
static void block_fail(struct hs_http2 *d, int x)
{
	d->dir[x].blk.failed = 1;
	inflater_reset(d, x);
}

static void block_field(struct hs_http2 *d, int x, const nghttp2_nv *nv)
{
	struct block *b = &d->dir[x].blk;
	size_t sz = field_cost(nv->namelen, nv->valuelen);
	/* pseudo-header fields (:method, :path, :status...) make the summary line: they
	 * may use one more budget, which other fields cannot take from them */
	size_t conn_max = (CONN_FIELD_BUDGETS + (nv->namelen && nv->name[0] == ':')) *
			  d->lim->max_header_bytes;

	/* per message, and across the connection's open streams: HPACK lets a peer repeat a
	 * large table entry with one byte */
	if (b->bytes + sz > d->lim->max_header_bytes ||
	    d->field_bytes + b->bytes + sz > conn_max) {
		b->tmp.flags |= HS_MSG_HDRS_CUT;
		return;
	}
	b->bytes += sz;
	if (hs_message_add_header(&b->tmp, d->lim, 0, (const char *)nv->name, nv->namelen,
				  (const char *)nv->value, nv->valuelen) < 0)
		d->nomem = 1;
}

/* Inflates a fragment; with final set, also finishes the block. */
static void block_data(struct hs_http2 *d, int x, const uint8_t *p, size_t n, int final)
{
	struct dir *dr = &d->dir[x];

	if (dr->blk.failed)
		return;
	if (!p) {
		block_fail(d, x);
		return;
	}
	for (;;) {
		nghttp2_nv nv;
		int fl = 0;
		ssize_t rv = nghttp2_hd_inflate_hd2(dr->inf, &nv, &fl, n ? p : empty_in, n, final);

		if (rv < 0) {
			block_fail(d, x);
			return;
		}
		p += rv;
		n -= (size_t)rv;
		if (fl & NGHTTP2_HD_INFLATE_EMIT)
			block_field(d, x, &nv);
		if (fl & NGHTTP2_HD_INFLATE_FINAL) {
			nghttp2_hd_inflate_end_headers(dr->inf);
			return;
		}
		if (!(fl & NGHTTP2_HD_INFLATE_EMIT) && n == 0) {
			if (final)	/* no FINAL although all input was given */
				block_fail(d, x);
			return;
		}
	}
}

/* Moves the decoded fields of tmp into m (its headers or its trailers). One budget of
 * max_header_bytes covers all of a message's blocks: a peer sending trailer block after
 * trailer block (each small enough alone) must not grow it further. */
static void move_fields(struct hs_http2 *d, struct hs_message *m, struct hs_message *tmp,
			int trailer)
{
	struct hs_header **arr = trailer ? &m->trailers : &m->headers;
	uint32_t *n = trailer ? &m->ntrailers : &m->nheaders;
	size_t before = field_bytes(m), used = before;

	m->flags |= tmp->flags & HS_MSG_HDRS_CUT;
	if (*n == 0 && used + field_bytes(tmp) <= d->lim->max_header_bytes) {
		*arr = tmp->headers;
		*n = tmp->nheaders;
		tmp->headers = NULL;
		tmp->nheaders = 0;
	} else {
		for (uint32_t i = 0; i < tmp->nheaders; i++) {
			const struct hs_header *h = &tmp->headers[i];

			used += field_cost(h->name_len, h->value_len);
			if (used > d->lim->max_header_bytes) {
				m->flags |= HS_MSG_HDRS_CUT;
				break;
			}
			if (hs_message_add_header(m, d->lim, trailer, h->name, h->name_len, h->value,
						  h->value_len) < 0)
				d->nomem = 1;
		}
	}
	/* what the message holds now, not what was offered (the count limit drops fields) */
	d->field_bytes += field_bytes(m) - before;
	hs_message_reset(tmp);
}

/* A header section is malformed (RFC 9113 8.2.1, 8.3) when a field name has an uppercase
 * letter, a pseudo-header field is unknown, repeated or after a regular field, or request
 * and response pseudo-header fields mix or are missing. */
static int fields_malformed(const struct hs_message *m)
{
	static const char *const pseudo[] = {
		":method", ":scheme", ":path", ":authority", ":protocol", ":status",
	};
	unsigned seen = 0;
	int regular = 0;

	for (uint32_t i = 0; i < m->nheaders; i++) {
		const struct hs_header *h = &m->headers[i];
		size_t k;

		for (uint32_t j = 0; j < h->name_len; j++)
			if (h->name[j] >= 'A' && h->name[j] <= 'Z')
				return 1;
		if (!h->name_len || h->name[0] != ':') {
			regular = 1;
			continue;
		}
		for (k = 0; k < sizeof(pseudo) / sizeof(pseudo[0]); k++)
			if (strcmp(h->name, pseudo[k]) == 0)
				break;
		if (regular || k == sizeof(pseudo) / sizeof(pseudo[0]) || (seen & 1u << k))
			return 1;
		seen |= 1u << k;
	}
	if (seen & 1u << 5)
		return seen != 1u << 5;		/* :status alone */
	return !(seen & 1u << 0);		/* a request has :method */
}

/* Fills method, target, authority and status from the pseudo-header fields. */
static void fill_pseudo(struct hs_http2 *d, struct hs_message *m)
{
	const struct hs_header *host = NULL;

	if (fields_malformed(m))
		m->flags |= HS_MSG_INVALID;
	for (uint32_t i = 0; i < m->nheaders; i++) {
		const struct hs_header *h = &m->headers[i];
		char **dst = NULL;

		if (strcmp(h->name, ":method") == 0)
			dst = &m->method;
		else if (strcmp(h->name, ":path") == 0)
			dst = &m->target;
		else if (strcmp(h->name, ":authority") == 0)
			dst = &m->authority;
		else if (strcmp(h->name, "host") == 0 && !host)
			host = h;
		else if (strcmp(h->name, ":status") == 0 && !m->status && h->value_len == 3 &&
			 h->value[0] >= '1' && h->value[0] <= '9' &&
			 isdigit((unsigned char)h->value[1]) && isdigit((unsigned char)h->value[2]))
			m->status = atoi(h->value);
		/* a NUL is malformed (RFC 9113 8.2.1); the summary's copy shows it as SP */
		if (dst && memchr(h->value, '\0', h->value_len))
			m->flags |= HS_MSG_INVALID;
		if (dst && !*dst && hs_set_str(dst, h->value, h->value_len) < 0)
			d->nomem = 1;
	}
	if (!m->authority && host && hs_set_str(&m->authority, host->value, host->value_len) < 0)
		d->nomem = 1;
	if (m->method && !m->target && m->authority &&	/* CONNECT */
	    hs_set_str(&m->target, m->authority, strlen(m->authority)) < 0)
		d->nomem = 1;
	if (m->status && hs_set_str(&m->reason, "", 0) < 0)
		d->nomem = 1;
	if (!m->status && hs_message_header(m, ":status"))
		m->flags |= HS_MSG_INVALID;	/* not three digits */
}

static void learn_roles(struct hs_http2 *d, int x, const struct hs_message *tmp)
{
	if (d->cdir >= 0 || !tmp->nheaders)
		return;
	if (strcmp(tmp->headers[0].name, ":method") == 0)
		d->cdir = x;
	else if (strcmp(tmp->headers[0].name, ":status") == 0)
		d->cdir = 1 - x;
}

static int informational(const struct hs_message *tmp)
{
	return tmp->nheaders && strcmp(tmp->headers[0].name, ":status") == 0 &&
	       tmp->headers[0].value_len == 3 && tmp->headers[0].value[0] == '1';
}

/* A 1xx header block: a complete message of its own in m's interim list (dropped when it
 * does not fit). Its fields count towards m's budget and the connection's, as m's own
 * blocks do. */
static void interim(struct hs_http2 *d, struct hs_message *m, struct hs_message *tmp,
		    uint64_t ts)
{
	struct hs_message im = { .flags = HS_MSG_PRESENT | HS_MSG_COMPLETE, .version = 20,
				 .ts_first = ts, .ts_last = ts };
	size_t before = field_bytes(m);

	if (before + field_bytes(tmp) > d->lim->max_header_bytes)
		return;

	move_fields(d, &im, tmp, 0);
	fill_pseudo(d, &im);
	/* move_fields() counted im's fields already; what m holds is counted once */
	d->field_bytes -= field_bytes(&im);
	if (hs_message_add_interim(m, &im))
		d->nomem = 1;
	d->field_bytes += field_bytes(m) - before;
}

/* Whether stream id is one that the sender x of a GOAWAY will not process: initiated by the
 * GOAWAY's receiver, above its last stream id. */
static int goaway_refuses(const struct hs_http2 *d, int x, uint32_t id)
{
	return d->goaway[x] && id > d->goaway_last[x] &&
	       (d->cdir < 0 || (id & 1) == (x != d->cdir));
}

/* The block is complete (or given up): attach it to its stream. */
static void block_end(struct hs_http2 *d, int x, uint64_t ts)
{
	struct block *b = &d->dir[x].blk;
	struct stream *st;
	struct side *sd;

	b->active = 0;
	if (!b->failed && !b->push)
		learn_roles(d, x, &b->tmp);
	if (b->push) {
		if (d->cdir == x)
			goto out;	/* a client cannot push (RFC 9113 8.4) */
		if (d->cdir < 0)
			d->cdir = 1 - x;
		if (stream_find(d, b->promised) || recently_closed(d, b->promised) ||
		    !(st = stream_new(d, b->promised)))
			goto out;
		st->flags |= HS_EX_PUSHED;
		sd = &st->s[1 - x];
		sd->m.ts_first = b->ts;
		side_touch(sd, ts);
		sd->hdrs_seen = 1;
		sd->ended = 1;
		sd->m.flags |= HS_MSG_PRESENT | HS_MSG_COMPLETE | (b->failed ? HS_MSG_HDRS_LOST : 0);
		if (!b->failed) {
			move_fields(d, &sd->m, &b->tmp, 0);
			fill_pseudo(d, &sd->m);
		}
		goto out;
	}
	st = stream_find(d, b->sid);
	if (!st) {
		if (recently_closed(d, b->sid) ||
		    (d->cdir == x && (b->sid & 1) && b->sid <= d->max_sid[1]))
			goto out;	/* late block of a stream already emitted */
		if (!b->failed && informational(&b->tmp))
			goto out;
		st = stream_new(d, b->sid);
		if (!st)
			goto out;
		/* opened after the other side's GOAWAY: never processed */
		if (goaway_refuses(d, !x, b->sid)) {
			st->flags |= HS_EX_RESET;
			st->error_code = d->goaway_err[!x];
		}
	}
	sd = &st->s[x];
	if (!sd->m.ts_first)
		sd->m.ts_first = b->ts;
	if (b->malformed)
		sd->m.flags |= HS_MSG_INVALID;
	if (b->failed) {
		sd->m.flags |= HS_MSG_PRESENT | HS_MSG_HDRS_LOST;
		sd->hdrs_seen = 1;
	} else if (!sd->hdrs_seen) {
		if (informational(&b->tmp)) {
			/* 1xx: not the final response; shown with it */
			if (!d->lim->drop_fields)
				interim(d, &sd->m, &b->tmp, b->ts);
			goto out;
		}
		sd->m.flags |= HS_MSG_PRESENT;
		sd->hdrs_seen = 1;
		sd->cut = 0;
		sd->g.lost = 0;
		move_fields(d, &sd->m, &b->tmp, 0);
		fill_pseudo(d, &sd->m);
		if (is_grpc(&sd->m))
			st->flags |= HS_EX_GRPC;
	} else {
		/* trailers end the stream and hold no pseudo-header field; a second header
		 * section (another final response, a 1xx after it) is malformed (RFC 9113 8.1) */
		int pseudo = 0;

		for (uint32_t i = 0; i < b->tmp.nheaders; i++)
			pseudo |= b->tmp.headers[i].name_len && b->tmp.headers[i].name[0] == ':';
		if ((!b->end_stream || pseudo) && !(sd->m.flags & HS_MSG_HDRS_LOST))
			sd->m.flags |= HS_MSG_INVALID;
		move_fields(d, &sd->m, &b->tmp, 1);
	}
	side_touch(sd, ts);
	if (b->end_stream)
		side_end(d, st, x, ts);
out:
	hs_message_reset(&b->tmp);
}

/* --- frames --- */

static int frame_plausible(const struct hs_http2 *d, int x, const uint8_t *h, uint32_t max)
{
	return header_plausible(h, max < d->dir[x].max_frame ? max : d->dir[x].max_frame,
				d->cdir == x);
}

/* Bytes of direction x were lost or skipped at a place where frame sync is lost. */
static void lose_sync(struct hs_http2 *d, int x, uint64_t ts)
{
	struct dir *dr = &d->dir[x];

	if (dr->blk.active) {
		dr->blk.failed = 1;
		block_end(d, x, ts);
	}
	inflater_reset(d, x);
	for (struct stream *st = d->head; st; st = st->next) {
		struct side *sd = &st->s[x];

		if (sd->ended)
			continue;
		if (sd->m.flags & HS_MSG_PRESENT)
			sd->m.flags |= HS_MSG_GAP;
		else
			sd->cut = 1;
		sd->g.lost = 1;
		sd->desync = 1;
	}
	for (struct stream *st = d->head, *next; st; st = next) {
		next = st->next;
		if (!st->s[x].ended && st->s[1 - x].ended)
			stream_check_done(d, st);
	}
	dr->state = ST_RESYNC;
	dr->pre_n = PREFACE_LEN;
	dr->at_start = 0;
}

static void settings_apply(struct dir *dr, const struct settings *s)
{
	if (s->has_frame) {
		dr->max_frame = s->frame_size;
		dr->frame_known = 1;
	}
	if (s->has_table) {
		dr->table_size = s->table_size;
		if (dr->inf && !dr->blk.active)
			nghttp2_hd_inflate_change_table_size(dr->inf, s->table_size);
	}
}

/* A SETTINGS frame sent in direction x describes what its sender accepts, so it governs
 * direction 1 - x, from the point where 1 - x acknowledges it. */
static void settings_end(struct hs_http2 *d, int x)
{
	struct dir *dr = &d->dir[x], *peer = &d->dir[1 - x];

	if (dr->flags & FL_ACK) {
		if (dr->npend) {
			settings_apply(dr, &dr->pend[0]);
			memmove(dr->pend, dr->pend + 1, --dr->npend * sizeof(dr->pend[0]));
		}
		return;
	}
	if (dr->cur.has_frame && dr->cur.frame_size > peer->max_frame)
		peer->max_frame = dr->cur.frame_size;	/* larger frames may come before the ACK */
	if (peer->npend == PENDING_MAX) {
		settings_apply(peer, &peer->pend[0]);
		memmove(peer->pend, peer->pend + 1, --peer->npend * sizeof(peer->pend[0]));
	}
	peer->pend[peer->npend++] = dr->cur;
}

static void settings_entry(struct dir *dr)
{
	uint16_t id = (uint16_t)(dr->fix[0] << 8 | dr->fix[1]);
	uint32_t v = be32(dr->fix + 2);

	if (id == SET_HEADER_TABLE_SIZE) {
		dr->cur.table_size = v;
		dr->cur.has_table = 1;
	} else if (id == SET_MAX_FRAME_SIZE && v >= FRAME_SIZE_DEFAULT && v <= FRAME_SIZE_MAX) {
		dr->cur.frame_size = v;
		dr->cur.has_frame = 1;
	}
}

static void goaway(struct hs_http2 *d, int x, uint32_t last, uint32_t err)
{
	struct stream *st = d->head, *next;

	d->goaway[x] = 1;
	d->goaway_last[x] = last;
	d->goaway_err[x] = err;
	for (; st; st = next) {
		next = st->next;
		if (!goaway_refuses(d, x, st->id))
			continue;
		st->flags |= HS_EX_RESET;
		st->error_code = err;
		stream_emit(d, st, 0);
	}
}

static void frame_end(struct hs_http2 *d, int x, uint64_t ts)
{
	struct dir *dr = &d->dir[x];
	struct stream *st;

	dr->state = ST_HDR;
	dr->hdr_n = 0;
	switch (dr->type) {
	case F_DATA:
		if ((dr->flags & FL_END_STREAM) && (st = stream_find(d, dr->sid)))
			side_end(d, st, x, ts);
		break;
	case F_HEADERS:
	case F_PUSH_PROMISE:
	case F_CONTINUATION:
		if (dr->blk.active && dr->blk.sid == dr->sid && (dr->flags & FL_END_HEADERS)) {
			block_data(d, x, empty_in, 0, 1);
			block_end(d, x, ts);
		}
		break;
	case F_RST_STREAM:
		if (!dr->skip && (st = stream_find(d, dr->sid))) {
			st->flags |= HS_EX_RESET;
			st->error_code = be32(dr->fix);
			side_touch(&st->s[x], ts);
			stream_emit(d, st, 0);
		}
		break;
	case F_SETTINGS:
		if (!dr->skip)
			settings_end(d, x);
		break;
	case F_GOAWAY:
		if (!dr->skip)
			goaway(d, x, be32(dr->fix) & 0x7fffffffu, be32(dr->fix + 4));
		break;
	}
}

/* The frame is malformed: its payload is skipped, its message marked invalid (a header
 * block the inflater never saw leaves the dynamic table unknown). */
static void frame_malformed(struct hs_http2 *d, int x, uint64_t ts)
{
	struct dir *dr = &d->dir[x];
	struct stream *st;

	dr->skip = 1;
	if (dr->type == F_DATA && (st = stream_find(d, dr->sid))) {
		st->s[x].m.flags |= HS_MSG_PRESENT | HS_MSG_INVALID;
	} else if (dr->type == F_HEADERS && dr->sid) {
		block_begin(d, x, dr->sid, 0, 0, ts);
		block_fail(d, x);	/* resets the inflater */
		dr->blk.malformed = 1;
	} else if (dr->type == F_HEADERS || dr->type == F_PUSH_PROMISE) {
		inflater_reset(d, x);
	}
}

/* The fixed fields are in: find the padding, start a header block. */
static void payload_start(struct hs_http2 *d, int x, uint64_t ts)
{
	struct dir *dr = &d->dir[x];
	uint8_t off = 0;

	dr->state = ST_BODY;
	if (dr->skip)
		return;
	if ((dr->type == F_DATA || dr->type == F_HEADERS || dr->type == F_PUSH_PROMISE) &&
	    (dr->flags & FL_PADDED)) {
		dr->pad = dr->fix[off++];
		if (dr->pad > dr->left) {	/* malformed: ignore the frame, mark its message */
			dr->pad = 0;
			frame_malformed(d, x, ts);
			return;
		}
	}
	if (dr->type == F_HEADERS)
		block_begin(d, x, dr->sid, 0, 0, ts);
	else if (dr->type == F_PUSH_PROMISE)
		block_begin(d, x, dr->sid, 1, be32(dr->fix + off) & 0x7fffffffu, ts);
}

static void frame_begin(struct hs_http2 *d, int x, uint64_t ts)
{
	struct dir *dr = &d->dir[x];
	const uint8_t *h = dr->hdr;
	uint8_t need = 0, bad = 0;

	dr->len = be24(h);
	dr->type = h[3];
	dr->flags = h[4];
	dr->sid = be32(h + 5) & 0x7fffffffu;
	dr->left = dr->len;
	dr->pad = 0;
	dr->fix_n = 0;
	dr->skip = 0;
	dr->data_st = NULL;
	if (dr->len > dr->max_frame) {
		d->skipped += FRAME_HDR;
		lose_sync(d, x, ts);
		return;
	}
	if (dr->blk.active && (dr->type != F_CONTINUATION || dr->sid != dr->blk.sid)) {
		block_fail(d, x);	/* the block was cut short: its end is lost */
		block_end(d, x, ts);
	}
	switch (dr->type) {
	case F_DATA:
		need = dr->flags & FL_PADDED ? 1 : 0;
		bad = !dr->sid;
		break;
	case F_HEADERS:
		need = (dr->flags & FL_PADDED ? 1 : 0) + (dr->flags & FL_PRIORITY ? 5 : 0);
		bad = !dr->sid;
		break;
	case F_PUSH_PROMISE:
		need = (dr->flags & FL_PADDED ? 1 : 0) + 4;
		bad = !dr->sid;
		break;
	case F_RST_STREAM:
		need = 4;
		bad = dr->len != 4;
		break;
	case F_SETTINGS:
		memset(&dr->cur, 0, sizeof(dr->cur));
		need = dr->len ? 6 : 0;
		bad = dr->sid || (dr->flags & FL_ACK ? dr->len != 0 : dr->len % 6 != 0);
		break;
	case F_GOAWAY:
		need = 8;
		break;
	case F_CONTINUATION:
		bad = !dr->blk.active;	/* its block is lost already */
		break;
	default:			/* PRIORITY, PING, WINDOW_UPDATE, unknown: nothing to keep */
		dr->skip = 1;
		break;
	}
	if (need > dr->len)
		bad = 1;
	if (bad) {
		need = 0;
		frame_malformed(d, x, ts);
	}
	dr->fix_need = need;
	if (need) {
		dr->state = ST_FIXED;
		return;
	}
	payload_start(d, x, ts);
	if (!dr->left)
		frame_end(d, x, ts);
}

/* Bytes of the frame payload proper; p is NULL for bytes that were not captured. */
static void body_bytes(struct hs_http2 *d, int x, const uint8_t *p, size_t n, uint64_t ts)
{
	struct dir *dr = &d->dir[x];
	struct stream *st;
	struct side *sd;

	if (dr->skip)
		return;
	switch (dr->type) {
	case F_DATA:
		st = dr->data_st ? dr->data_st : stream_find(d, dr->sid);
		if (!st)
			return;
		dr->data_st = st;
		sd = &st->s[x];
		if (sd->ended) {	/* after END_STREAM: the stream is closed (RFC 9113 5.1) */
			sd->m.flags |= HS_MSG_INVALID;
			return;
		}
		if (sd->cut && !sd->hdrs_seen)
			sd->m.flags |= HS_MSG_GAP;
		sd->m.flags |= HS_MSG_PRESENT;
		side_touch(sd, ts);
		{	/* one connection's open streams keep CONN_BODY_BUDGETS bodies' worth */
			struct hs_limits l = *d->lim;
			size_t cap = CONN_BODY_BUDGETS * l.max_body, kept = sd->m.body_kept;

			if (cap < CONN_BODY_MIN)
				cap = CONN_BODY_MIN;
			cap = cap > d->body_bytes ? cap - d->body_bytes : 0;
			if (l.max_body > kept + cap)
				l.max_body = kept + cap;
			hs_message_add_body(&sd->m, &l, p, n, p != NULL);
			d->body_bytes += sd->m.body_kept - kept;
		}
		if (st->flags & HS_EX_GRPC)
			grpc_feed(&sd->m, &sd->g, p, n);
		break;
	case F_HEADERS:
	case F_PUSH_PROMISE:
	case F_CONTINUATION:
		if (dr->blk.active)
			block_data(d, x, p, n, 0);
		break;
	}
}

/* Consumes bytes of a frame in sync; p is NULL for lost bytes (n <= dr->left). */
static size_t frame_bytes(struct hs_http2 *d, int x, const uint8_t *p, size_t n, uint64_t ts)
{
	struct dir *dr = &d->dir[x];
	size_t take = 0;

	switch (dr->state) {
	case ST_HDR:
		take = FRAME_HDR - dr->hdr_n;
		take = n < take ? n : take;
		memcpy(dr->hdr + dr->hdr_n, p, take);
		dr->hdr_n += take;
		if (dr->hdr_n == FRAME_HDR)
			frame_begin(d, x, ts);
		return take;
	case ST_FIXED:
		take = dr->fix_need - dr->fix_n;
		take = n < take ? n : take;
		dr->left -= take;
		if (!p) {		/* fields lost: give up the frame */
			dr->skip = 1;
			if (dr->type == F_HEADERS) {
				block_begin(d, x, dr->sid, 0, 0, ts);
				block_fail(d, x);
			} else if (dr->type == F_PUSH_PROMISE) {
				inflater_reset(d, x);
			} else if (dr->type == F_DATA) {
				struct stream *st = stream_find(d, dr->sid);

				if (st)
					st->s[x].m.flags |= HS_MSG_GAP;
			}
			dr->state = ST_BODY;
			break;
		}
		memcpy(dr->fix + dr->fix_n, p, take);
		dr->fix_n += take;
		if (dr->fix_n < dr->fix_need)
			break;
		if (dr->type == F_SETTINGS) {
			settings_entry(dr);
			dr->fix_n = 0;
			if (dr->left)
				break;
		}
		payload_start(d, x, ts);
		break;
	case ST_BODY:
		take = dr->left - dr->pad;
		take = n < take ? n : take;
		body_bytes(d, x, p, take, ts);
		dr->left -= take;
		if (dr->left == dr->pad)
			dr->state = ST_PAD;
		break;
	case ST_PAD:
		take = n < dr->left ? n : dr->left;
		dr->left -= take;
		break;
	default:
		return 0;
	}
	if (dr->state == ST_BODY && dr->left == dr->pad)
		dr->state = ST_PAD;
	if (dr->left == 0 && dr->state != ST_FIXED)
		frame_end(d, x, ts);
	return take;
}

/* Looks in the resync window for a frame header followed by another plausible one; only
 * frames whose successor fits in the window are candidates. Returns 1 when found: the
 * window then starts with it. final: the input has ended, a frame may end the window;
 * rec_end: the window ends where a record (one write) ended, as a frame may too. */
static int resync_scan(struct hs_http2 *d, int x, int final, int rec_end)
{
	struct dir *dr = &d->dir[x];
	const uint8_t *b = dr->rbuf + dr->roff;
	size_t n = dr->rlen - dr->roff, i, found = 0;

	/* a server's first frame is its SETTINGS: nothing before it to mistake it for */
	if (dr->at_start && n >= FRAME_HDR) {
		dr->at_start = 0;
		if (server_preface(b) && be24(b) <= dr->max_frame) {
			if (d->cdir < 0)
				d->cdir = 1 - x;
			dr->state = ST_HDR;
			dr->hdr_n = 0;
			return 1;
		}
	}
	for (i = 0; i + FRAME_HDR <= n; i++) {
		size_t next;

		if (!frame_plausible(d, x, b + i, RBUF_SIZE - 2 * FRAME_HDR))
			continue;
		next = i + FRAME_HDR + be24(b + i);
		if (next + FRAME_HDR <= n) {
			if (frame_plausible(d, x, b + next, FRAME_SIZE_MAX)) {
				found = 1;
				break;
			}
			continue;
		}
		if ((final || rec_end) && next == n) {
			found = 1;
			break;
		}
		if (final)
			continue;
		break;			/* wait for more bytes to check the next header */
	}
	if (!found && final)
		i = n;
	d->skipped += i;
	dr->roff += i;
	if (found) {
		dr->state = ST_HDR;
		dr->hdr_n = 0;
	}
	return (int)found;
}

/* Runs the parser of direction x over the replay window, then over p. */
static void run(struct hs_http2 *d, int x, const uint8_t *p, size_t n, uint64_t ts, int final)
{
	struct dir *dr = &d->dir[x];

	for (;;) {
		if (dr->state == ST_RESYNC) {
			size_t take;

			if (!dr->rbuf && !(dr->rbuf = malloc(RBUF_SIZE))) {
				d->nomem = 1;
				return;
			}
			if (dr->roff) {
				memmove(dr->rbuf, dr->rbuf + dr->roff, dr->rlen - dr->roff);
				dr->rlen -= dr->roff;
				dr->roff = 0;
			}
			take = RBUF_SIZE - dr->rlen;
			take = n < take ? n : take;
			if (take) {	/* p is NULL at a flush */
				memcpy(dr->rbuf + dr->rlen, p, take);
				dr->rlen += take;
				p += take;
				n -= take;
			}
			if (!resync_scan(d, x, final && !n, !n) && !n)
				return;
			continue;
		}
		if (dr->roff < dr->rlen) {
			dr->roff += frame_bytes(d, x, dr->rbuf + dr->roff, dr->rlen - dr->roff, ts);
			if (dr->roff == dr->rlen && dr->state != ST_RESYNC) {
				free(dr->rbuf);
				dr->rbuf = NULL;
				dr->roff = dr->rlen = 0;
			}
			continue;
		}
		if (!n)
			return;
		if (dr->state == ST_PREFACE) {
			size_t k = PREFACE_LEN - dr->pre_n;

			k = n < k ? n : k;
			if (memcmp(p, &PREFACE[dr->pre_n], k) == 0) {
				dr->pre_n += k;
				p += k;
				n -= k;
				if (dr->pre_n == PREFACE_LEN) {
					d->cdir = x;
					dr->state = ST_HDR;
					dr->hdr_n = 0;
					for (int y = 0; y < 2; y++)
						if (!d->dir[y].frame_known)
							d->dir[y].max_frame = FRAME_SIZE_DEFAULT;
				}
				continue;
			}
			/* no preface: frames from an unknown position; replay what matched */
			if (!dr->rbuf && !(dr->rbuf = malloc(RBUF_SIZE))) {
				d->nomem = 1;
				return;
			}
			memcpy(dr->rbuf, PREFACE, dr->pre_n);
			dr->at_start = dr->pre_n == 0;
			dr->roff = 0;
			dr->rlen = dr->pre_n;
			dr->pre_n = PREFACE_LEN;
			dr->state = ST_RESYNC;
			continue;
		}
		{
			size_t used = frame_bytes(d, x, p, n, ts);

			p += used;
			n -= used;
		}
	}
}

struct hs_http2 *hs_http2_new(const struct hs_conninfo *ci, const struct hs_limits *lim,
			      hs_emit_fn emit, void *ctx)
{
	struct hs_http2 *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->ci = ci;
	d->lim = lim;
	d->emit = emit;
	d->ctx = ctx;
	d->cdir = -1;
	for (int x = 0; x < 2; x++) {
		d->dir[x].state = ST_PREFACE;
		d->dir[x].max_frame = FRAME_SIZE_MAX;
		d->dir[x].table_size = TABLE_SIZE_DEFAULT;
		if (nghttp2_hd_inflate_new(&d->dir[x].inf) != 0) {
			d->dir[x].inf = NULL;
			hs_http2_free(d);
			return NULL;
		}
	}
	return d;
}

static int take_nomem(struct hs_http2 *d);

static void copy_str(struct hs_http2 *d, char **dst, const char *s)
{
	if (s && hs_set_str(dst, s, strlen(s)) < 0)
		d->nomem = 1;
}

int hs_http2_upgraded(struct hs_http2 *d, int cdir, const struct hs_message *req)
{
	struct stream *st;
	struct hs_message *m;

	if (!d || cdir < 0 || cdir > 1 || !req || stream_find(d, 1))
		return -EINVAL;
	d->cdir = cdir;
	if (!(st = stream_new(d, 1)))
		return take_nomem(d);
	st->s[cdir].hdrs_seen = 1;
	st->s[cdir].ended = 1;
	m = &st->s[cdir].m;
	m->flags = req->flags;
	m->version = req->version;
	m->status = req->status;
	m->ts_first = req->ts_first;
	m->ts_last = req->ts_last;
	copy_str(d, &m->method, req->method);
	copy_str(d, &m->target, req->target);
	copy_str(d, &m->authority, req->authority);
	copy_str(d, &m->reason, req->reason);
	for (int t = 0; t < 2; t++) {
		const struct hs_header *h = t ? req->trailers : req->headers;
		uint32_t n = t ? req->ntrailers : req->nheaders;

		for (uint32_t i = 0; i < n; i++)
			if (hs_message_add_header(m, d->lim, t, h[i].name, h[i].name_len,
						  h[i].value, h[i].value_len) < 0)
				d->nomem = 1;
	}
	d->field_bytes += field_bytes(m);
	if (req->body_kept)
		hs_message_add_body(m, d->lim, req->body, req->body_kept, 1);
	d->body_bytes += m->body_kept;
	m->body_size = req->body_size;
	m->flags = req->flags | HS_MSG_PRESENT | HS_MSG_COMPLETE;
	return take_nomem(d);
}

static int take_nomem(struct hs_http2 *d)
{
	int rc = d->nomem ? -ENOMEM : 0;

	d->nomem = 0;
	return rc;
}

int hs_http2_feed(struct hs_http2 *d, int dir, const uint8_t *data, size_t len, uint64_t ts)
{
	if (!d || dir < 0 || dir > 1)
		return -EINVAL;
	if (len)
		run(d, dir, data, len, ts, 0);
	return take_nomem(d);
}

void hs_http2_gap(struct hs_http2 *d, int dir, uint64_t len, uint64_t ts)
{
	struct dir *dr;

	if (!d || dir < 0 || dir > 1 || !len)
		return;
	dr = &d->dir[dir];
	/* inside a frame whose length is known, sync survives: the bytes are lost to it */
	if (dr->roff == dr->rlen) {
		while (len && (dr->state == ST_FIXED || dr->state == ST_BODY ||
			       dr->state == ST_PAD)) {
			size_t chunk = len < dr->left ? (size_t)len : dr->left;
			size_t used = frame_bytes(d, dir, NULL, chunk, ts);

			len -= used;
		}
	}
	if (!len)
		return;
	d->skipped += len;
	if (dr->state == ST_RESYNC || dr->roff < dr->rlen) {
		/* bytes still waiting in the window are now followed by a hole */
		d->skipped += dr->rlen - dr->roff;
		dr->roff = dr->rlen = 0;
	}
	lose_sync(d, dir, ts);
}

void hs_http2_flush(struct hs_http2 *d, uint64_t ts)
{
	if (!d)
		return;
	for (int x = 0; x < 2; x++) {
		struct dir *dr = &d->dir[x];

		if (dr->state == ST_RESYNC && dr->rlen > dr->roff)
			run(d, x, NULL, 0, ts, 1);
		if (dr->blk.active) {
			dr->blk.failed = 1;
			block_end(d, x, ts);
		}
	}
	while (d->head)
		stream_emit(d, d->head, 0);
}

void hs_http2_tick(struct hs_http2 *d, uint64_t now, uint64_t after)
{
	if (!d)
		return;
	for (struct stream *st = d->head; st; st = st->next) {
		struct side *rs = &st->s[1 - client_dir(d, st)];
		struct hs_exchange ex;

		/* a response whose headers were lost in a gap has nothing to show yet */
		if (!rs->hdrs_seen || !rs->m.status || rs->ended || rs->shown ||
		    now < rs->m.ts_first + after)
			continue;
		rs->shown = 1;
		stream_view(d, st, HS_EX_STREAMING, &ex);
		d->emit(&ex, d->ctx);
	}
}

void hs_http2_free(struct hs_http2 *d)
{
	if (!d)
		return;
	while (d->head) {
		struct stream *st = d->head;

		stream_unlink(d, st);
		hs_message_reset(&st->s[0].m);
		hs_message_reset(&st->s[1].m);
		free(st);
	}
	for (int x = 0; x < 2; x++) {
		nghttp2_hd_inflate_del(d->dir[x].inf);
		hs_message_reset(&d->dir[x].blk.tmp);
		free(d->dir[x].rbuf);
	}
	free(d);
}
