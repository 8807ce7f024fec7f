/* test_http2.c: unit tests of the HTTP/2 decoder (RFC 9113, HPACK per RFC 7541 Appendix C).
 * Each case is a script of byte records per direction; it is fed whole, merged, one byte
 * at a time and split at every position, and every way must give the same exchanges. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "check.h"
#include "http2.h"

#define PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

enum { DATA = 0, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY,
       WINDOW_UPDATE, CONTINUATION };
#define END_STREAM 0x1
#define ACK 0x1
#define END_HEADERS 0x4
#define PADDED 0x8
#define PRIO 0x20

/* --- byte buffers and frames --- */

struct buf {
	uint8_t *p;
	size_t n, cap;
};

static void bput(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void frame(struct buf *b, int type, int flags, uint32_t sid, const void *pl, size_t len)
{
	uint8_t h[9] = { (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len, (uint8_t)type,
			 (uint8_t)flags, (uint8_t)(sid >> 24), (uint8_t)(sid >> 16),
			 (uint8_t)(sid >> 8), (uint8_t)sid };

	bput(b, h, sizeof(h));
	bput(b, pl, len);
}

/* --- scripts: records of either direction, and gaps --- */

struct ev {
	int dir;
	size_t off, len;
	uint64_t gap;
};

struct script {
	int c;				/* the direction the client writes */
	struct ev ev[256];
	int nev;
	struct buf data;
	nghttp2_hd_deflater *def[2];	/* encoder of each direction */
};

static void sc_init(struct script *sc, int c)
{
	memset(sc, 0, sizeof(*sc));
	sc->c = c;
	for (int x = 0; x < 2; x++)
		if (nghttp2_hd_deflate_new(&sc->def[x], 4096) != 0)
			abort();
}

static void sc_free(struct script *sc)
{
	for (int x = 0; x < 2; x++)
		nghttp2_hd_deflate_del(sc->def[x]);
	free(sc->data.p);
}

static void sc_bytes(struct script *sc, int dir, const void *p, size_t n)
{
	struct ev *e = &sc->ev[sc->nev++];

	if (sc->nev > 256)
		abort();
	e->dir = dir;
	e->off = sc->data.n;
	e->len = n;
	e->gap = 0;
	bput(&sc->data, p, n);
}

static void sc_gap(struct script *sc, int dir, uint64_t n)
{
	struct ev *e = &sc->ev[sc->nev++];

	e->dir = dir;
	e->off = sc->data.n;
	e->len = 0;
	e->gap = n;
}

static void sc_frame(struct script *sc, int dir, int type, int flags, uint32_t sid,
		     const void *pl, size_t len)
{
	struct buf b = { 0 };

	frame(&b, type, flags, sid, pl, len);
	sc_bytes(sc, dir, b.p, b.n);
	free(b.p);
}

/* HPACK-encodes name/value pairs (NULL-terminated) with the encoder of direction dir. */
static size_t encode(struct script *sc, int dir, uint8_t *out, size_t cap, const char *const *nv)
{
	nghttp2_nv v[64];
	size_t n = 0;
	ssize_t rv;

	for (; nv[2 * n]; n++) {
		v[n].name = (uint8_t *)nv[2 * n];
		v[n].value = (uint8_t *)nv[2 * n + 1];
		v[n].namelen = strlen(nv[2 * n]);
		v[n].valuelen = strlen(nv[2 * n + 1]);
		v[n].flags = NGHTTP2_NV_FLAG_NONE;
	}
	rv = nghttp2_hd_deflate_hd(sc->def[dir], out, cap, v, n);
	if (rv < 0)
		abort();
	return (size_t)rv;
}

static void sc_headers(struct script *sc, int dir, uint32_t sid, int flags, const char *const *nv)
{
	uint8_t blk[16384];
	size_t n = encode(sc, dir, blk, sizeof(blk), nv);

	sc_frame(sc, dir, HEADERS, flags | END_HEADERS, sid, blk, n);
}

static void sc_data(struct script *sc, int dir, uint32_t sid, int flags, const char *s)
{
	sc_frame(sc, dir, DATA, flags, sid, s, strlen(s));
}

/* Connection start: preface and SETTINGS both ways, with their ACKs. */
static void sc_start(struct script *sc)
{
	int c = sc->c, s = 1 - c;
	uint8_t set[6] = { 0, 3, 0, 0, 0, 100 };	/* MAX_CONCURRENT_STREAMS 100 */

	sc_bytes(sc, c, PREFACE, 24);
	sc_frame(sc, c, SETTINGS, 0, 0, set, sizeof(set));
	sc_frame(sc, s, SETTINGS, 0, 0, NULL, 0);
	sc_frame(sc, s, SETTINGS, ACK, 0, NULL, 0);
	sc_frame(sc, c, SETTINGS, ACK, 0, NULL, 0);
}

/* --- results --- */

struct result {
	struct hs_exchange ex[1100];
	int n;
	struct buf text;
	struct buf ts;			/* timestamps apart: merged feeds change them */
};

static const struct hs_limits lim = HS_LIMITS_DEFAULT;
static const struct hs_conninfo ci = { .pid = 1, .comm = "test" };

static void copy_fields(struct hs_message *dst, const struct hs_message *src, int trailer)
{
	const struct hs_header *h = trailer ? src->trailers : src->headers;
	uint32_t n = trailer ? src->ntrailers : src->nheaders;
	struct hs_limits big = { .max_headers = 100000 };

	for (uint32_t i = 0; i < n; i++)
		hs_message_add_header(dst, &big, trailer, h[i].name, h[i].name_len, h[i].value,
				      h[i].value_len);
}

static void copy_str(char **dst, const char *s)
{
	if (s)
		hs_set_str(dst, s, strlen(s));
}

static void copy_msg(struct hs_message *dst, const struct hs_message *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->flags = src->flags;
	dst->version = src->version;
	copy_str(&dst->method, src->method);
	copy_str(&dst->target, src->target);
	copy_str(&dst->authority, src->authority);
	copy_str(&dst->reason, src->reason);
	dst->status = src->status;
	copy_fields(dst, src, 0);
	copy_fields(dst, src, 1);
	if (src->body_kept) {
		dst->body = malloc(src->body_kept);
		memcpy(dst->body, src->body, src->body_kept);
	}
	dst->body_kept = src->body_kept;
	dst->body_size = src->body_size;
	dst->ts_first = src->ts_first;
	dst->ts_last = src->ts_last;
	dst->grpc_msgs = src->grpc_msgs;
	dst->grpc_bytes = src->grpc_bytes;
	for (uint32_t i = 0; i < src->ninterim; i++) {
		struct hs_message im;

		copy_msg(&im, &src->interim[i]);
		hs_message_add_interim(dst, &im);
	}
}

static void text(struct buf *t, const char *fmt, ...)
{
	char s[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	bput(t, s, n < (int)sizeof(s) ? (size_t)n : sizeof(s) - 1);
}

static void text_msg(struct buf *t, const char *tag, const struct hs_message *m)
{
	text(t, "%s flags=%x v=%d %s %s %s status=%d reason=%s body=%zu/%llu grpc=%u/%llu\n",
	     tag, m->flags, m->version, m->method ? m->method : "-",
	     m->target ? m->target : "-", m->authority ? m->authority : "-", m->status,
	     m->reason ? m->reason : "-", m->body_kept, (unsigned long long)m->body_size,
	     m->grpc_msgs, (unsigned long long)m->grpc_bytes);
	for (uint32_t i = 0; i < m->nheaders; i++)
		text(t, "  h %s: %s\n", m->headers[i].name, m->headers[i].value);
	for (uint32_t i = 0; i < m->ntrailers; i++)
		text(t, "  t %s: %s\n", m->trailers[i].name, m->trailers[i].value);
	for (uint32_t i = 0; i < m->ninterim; i++)
		text_msg(t, "  interim", &m->interim[i]);
	text(t, "  b ");
	bput(t, m->body, m->body_kept);
	text(t, "\n");
}

static void on_emit(const struct hs_exchange *ex, void *ctx)
{
	struct result *r = ctx;
	struct hs_exchange *c = &r->ex[r->n];

	CHECK(ex->conn == &ci);
	CHECK_INT(ex->proto, HS_PROTO_HTTP2);
	text(&r->text, "ex %u flags=%x err=%u skipped=%llu server=%d\n", ex->stream_id,
	     ex->flags, ex->error_code, (unsigned long long)ex->skipped, ex->server);
	text_msg(&r->text, "req", &ex->req);
	text_msg(&r->text, "resp", &ex->resp);
	text(&r->ts, "%llu-%llu %llu-%llu\n", (unsigned long long)ex->req.ts_first,
	     (unsigned long long)ex->req.ts_last, (unsigned long long)ex->resp.ts_first,
	     (unsigned long long)ex->resp.ts_last);
	if (r->n >= (int)(sizeof(r->ex) / sizeof(r->ex[0])))
		return;
	memset(c, 0, sizeof(*c));
	c->stream_id = ex->stream_id;
	c->flags = ex->flags;
	c->error_code = ex->error_code;
	c->skipped = ex->skipped;
	c->server = ex->server;
	copy_msg(&c->req, &ex->req);
	copy_msg(&c->resp, &ex->resp);
	r->n++;
}

static void result_free(struct result *r)
{
	for (int i = 0; i < r->n; i++)
		hs_exchange_free(&r->ex[i]);
	free(r->text.p);
	free(r->ts.p);
	memset(r, 0, sizeof(*r));
}

enum mode { WHOLE, MERGED, BYTES, SPLIT, CORRUPT, CUT };

static void feed(struct hs_http2 *d, int dir, const uint8_t *p, size_t n, uint64_t ts)
{
	CHECK_INT(hs_http2_feed(d, dir, p, n, ts), 0);
}

/* Feeds the script; SPLIT cuts the record holding byte position at into two feeds,
 * CORRUPT changes the byte there, CUT loses 7 bytes from there (a gap). */
/* when set, the request of an HTTP/1.1 "Upgrade: h2c" handed over before the bytes */
static const struct hs_message *upgrade_req;

static void run_script(const struct script *sc, struct result *r, enum mode mode, size_t at)
{
	struct hs_http2 *d = hs_http2_new(&ci, &lim, on_emit, r);
	size_t pos = 0;
	uint8_t *copy = NULL;

	if (mode == CORRUPT) {
		copy = malloc(sc->data.n);
		memcpy(copy, sc->data.p, sc->data.n);
		copy[at] ^= 0x5a;
	}

	memset(r, 0, sizeof(*r));
	CHECK(d != NULL);
	if (upgrade_req)
		CHECK_INT(hs_http2_upgraded(d, sc->c, upgrade_req), 0);
	for (int i = 0; i < sc->nev; i++) {
		const struct ev *e = &sc->ev[i];
		const uint8_t *p = (copy ? copy : sc->data.p) + e->off;
		size_t len = e->len;
		uint64_t ts = (uint64_t)i + 1;

		if (e->gap) {
			hs_http2_gap(d, e->dir, e->gap, ts);
			continue;
		}
		if (mode == MERGED) {	/* consecutive records of one direction in one feed */
			while (i + 1 < sc->nev && sc->ev[i + 1].dir == e->dir && !sc->ev[i + 1].gap)
				len += sc->ev[++i].len;
			feed(d, e->dir, p, len, ts);
		} else if (mode == BYTES) {
			for (size_t k = 0; k < len; k++)
				feed(d, e->dir, p + k, 1, ts);
		} else if (mode == SPLIT && at > pos && at < pos + len) {
			feed(d, e->dir, p, at - pos, ts);
			feed(d, e->dir, p + (at - pos), len - (at - pos), ts);
		} else if (mode == CUT && at >= pos && at < pos + len) {
			size_t lost = len - (at - pos) < 7 ? len - (at - pos) : 7;

			feed(d, e->dir, p, at - pos, ts);
			hs_http2_gap(d, e->dir, lost, ts);
			feed(d, e->dir, p + (at - pos) + lost, len - (at - pos) - lost, ts);
		} else {
			feed(d, e->dir, p, len, ts);
		}
		pos += len;
	}
	hs_http2_flush(d, (uint64_t)sc->nev + 1);
	hs_http2_free(d);
	free(copy);
}

static int same_buf(const struct buf *a, const struct buf *b)
{
	return a->n == b->n && (!a->n || memcmp(a->p, b->p, a->n) == 0);
}

static int same_text(const struct result *a, const struct result *b)
{
	return same_buf(&a->text, &b->text) && same_buf(&a->ts, &b->ts);
}

/* Runs the script whole into r, then every other way, each compared with the whole run. */
static void run_all(const struct script *sc, struct result *r, const char *name)
{
	struct result o;
	size_t total = sc->data.n, step = total > 3000 ? total / 1500 : 1;

	run_script(sc, r, WHOLE, 0);
	run_script(sc, &o, MERGED, 0);
	if (!same_buf(&r->text, &o.text)) {
		CHECK(!"merged feed differs");
		fprintf(stderr, "%s: merged:\n%.*s\nwhole:\n%.*s\n", name, (int)o.text.n,
			(char *)o.text.p, (int)r->text.n, (char *)r->text.p);
	}
	result_free(&o);
	run_script(sc, &o, BYTES, 0);
	if (!same_text(r, &o)) {
		CHECK(!"byte-at-a-time feed differs");
		fprintf(stderr, "%s: bytes:\n%.*s\nwhole:\n%.*s\n", name, (int)o.text.n,
			(char *)o.text.p, (int)r->text.n, (char *)r->text.p);
	}
	result_free(&o);
	for (size_t at = 1; at < total; at += step) {
		run_script(sc, &o, SPLIT, at);
		if (!same_text(r, &o)) {
			CHECK(!"split feed differs");
			fprintf(stderr, "%s: split at %zu:\n%.*s\n", name, at, (int)o.text.n,
				(char *)o.text.p);
			result_free(&o);
			break;
		}
		result_free(&o);
	}
	/* damaged input: no crash, no error, and the decoder goes on (ASan watches) */
	for (size_t at = 0; at < total; at += step) {
		run_script(sc, &o, CORRUPT, at);
		result_free(&o);
		run_script(sc, &o, CUT, at);
		result_free(&o);
	}
}

/* --- assertions on what a user sees --- */

static void check_fields(const struct hs_header *h, uint32_t n, const char *const *nv,
			 const char *where)
{
	uint32_t want = 0;

	while (nv[2 * want])
		want++;
	CHECK_INT(n, want);
	for (uint32_t i = 0; i < n && i < want; i++) {
		CHECK_STR(h[i].name, nv[2 * i]);
		CHECK_STR(h[i].value, nv[2 * i + 1]);
		if (strcmp(h[i].name, nv[2 * i]) || strcmp(h[i].value, nv[2 * i + 1]))
			fprintf(stderr, "  (%s, field %u)\n", where, i);
	}
}

static void check_headers(const struct hs_message *m, const char *const *nv, const char *where)
{
	check_fields(m->headers, m->nheaders, nv, where);
}

static void check_trailers(const struct hs_message *m, const char *const *nv, const char *where)
{
	check_fields(m->trailers, m->ntrailers, nv, where);
}

static void check_body(const struct hs_message *m, const char *s)
{
	size_t n = strlen(s);

	CHECK_INT(m->body_kept, n);
	CHECK_INT(m->body_size, n);
	CHECK(m->body_kept == n && (!n || memcmp(m->body, s, n) == 0));
}

#define NV(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const char *const *get_req = NV(":method", "GET", ":scheme", "https", ":path", "/index.html",
				      ":authority", "example.com", "user-agent", "test/1.0",
				      "accept", "*/*");

/* --- cases --- */

static void test_get(int c)
{
	struct script sc;
	struct result r;
	const char *const *resp = NV(":status", "200", "content-type", "text/plain",
				     "content-length", "11");

	sc_init(&sc, c);
	sc_start(&sc);
	sc_headers(&sc, c, 1, END_STREAM, get_req);
	sc_headers(&sc, 1 - c, 1, 0, resp);
	sc_data(&sc, 1 - c, 1, 0, "hello ");
	sc_frame(&sc, c, WINDOW_UPDATE, 0, 0, "\0\0\x10\0", 4);
	sc_frame(&sc, c, PING, 0, 0, "12345678", 8);
	sc_frame(&sc, 1 - c, PING, ACK, 0, "12345678", 8);
	sc_data(&sc, 1 - c, 1, END_STREAM, "world");
	run_all(&sc, &r, "get");

	CHECK_INT(r.n, 1);
	if (r.n == 1) {
		const struct hs_exchange *ex = &r.ex[0];

		CHECK_INT(ex->stream_id, 1);
		CHECK_INT(ex->flags, 0);
		CHECK_INT(ex->server, c == 1);
		CHECK_INT(ex->req.flags, HS_MSG_PRESENT | HS_MSG_COMPLETE);
		CHECK_INT(ex->resp.flags, HS_MSG_PRESENT | HS_MSG_COMPLETE);
		CHECK_INT(ex->req.version, 20);
		CHECK_INT(ex->resp.version, 20);
		CHECK_STR(ex->req.method, "GET");
		CHECK_STR(ex->req.target, "/index.html");
		CHECK_STR(ex->req.authority, "example.com");
		CHECK_INT(ex->resp.status, 200);
		CHECK_STR(ex->resp.reason, "");
		check_headers(&ex->req, get_req, "get req");
		check_headers(&ex->resp, resp, "get resp");
		check_body(&ex->req, "");
		check_body(&ex->resp, "hello world");
		CHECK(ex->req.ts_first > 0 && ex->resp.ts_last > ex->req.ts_first);
	}
	result_free(&r);
	sc_free(&sc);
}

static void test_post(void)
{
	struct script sc;
	struct result r;
	const char *const *req = NV(":method", "POST", ":scheme", "http", ":path", "/upload",
				    ":authority", "localhost:8080", "content-type", "application/json");

	sc_init(&sc, 0);
	sc_start(&sc);
	sc_headers(&sc, 0, 1, 0, req);
	sc_data(&sc, 0, 1, 0, "{\"a\":");
	sc_data(&sc, 0, 1, 0, "");
	sc_data(&sc, 0, 1, END_STREAM, "1}");
	sc_headers(&sc, 1, 1, END_STREAM, NV(":status", "201"));
	run_all(&sc, &r, "post");
	CHECK_INT(r.n, 1);
	if (r.n == 1) {
		CHECK_STR(r.ex[0].req.method, "POST");
		CHECK_STR(r.ex[0].req.target, "/upload");
		CHECK_STR(r.ex[0].req.authority, "localhost:8080");
		check_body(&r.ex[0].req, "{\"a\":1}");
		CHECK_INT(r.ex[0].resp.status, 201);
		check_body(&r.ex[0].resp, "");
		CHECK_INT(r.ex[0].resp.flags, HS_MSG_PRESENT | HS_MSG_COMPLETE);
	}
	result_free(&r);
	sc_free(&sc);
}

/* The server answers before the request ended: the request's last frames still count;
 * an early answer followed by RST_STREAM(NO_ERROR) ends the exchange there. */
static void test_early_response(void)
{
	struct script sc;
	struct result r;
	const char *const *req = NV(":method", "PUT", ":scheme", "http", ":path", "/f",
				    ":authority", "h", "content-length", "10");
	const char *const *req3 = NV(":method", "PUT", ":scheme", "http", ":path", "/big",
				     ":authority", "h", "content-length", "99999");

	sc_init(&sc, 1);
	sc_start(&sc);
	sc_headers(&sc, 1, 1, 0, req);
	sc_data(&sc, 1, 1, 0, "01234");
	sc_data(&sc, 1, 1, 0, "56789");
	sc_headers(&sc, 0, 1, 0, NV(":status", "201"));
	sc_data(&sc, 0, 1, END_STREAM, "made");
	sc_headers(&sc, 1, 3, 0, req3);
	sc_data(&sc, 1, 1, END_STREAM, "");
	sc_headers(&sc, 0, 3, END_STREAM, NV(":status", "413"));
	sc_frame(&sc, 0, RST_STREAM, 0, 3, "\0\0\0\0", 4);
	run_all(&sc, &r, "early");
	CHECK_INT(r.n, 2);
	if (r.n == 2) {
		CHECK_INT(r.ex[0].stream_id, 1);
		CHECK_INT(r.ex[0].flags, 0);
		CHECK_INT(r.ex[0].server, 1);
		check_body(&r.ex[0].req, "0123456789");
		CHECK_INT(r.ex[0].req.flags, HS_MSG_PRESENT | HS_MSG_COMPLETE);
		CHECK_INT(r.ex[0].resp.status, 201);
		check_body(&r.ex[0].resp, "made");
		CHECK_INT(r.ex[1].stream_id, 3);
		CHECK_INT(r.ex[1].flags, HS_EX_RESET);
		CHECK_INT(r.ex[1].error_code, 0);
		CHECK_INT(r.ex[1].req.flags, HS_MSG_PRESENT);
		CHECK_INT(r.ex[1].resp.status, 413);
		CHECK_INT(r.ex[1].resp.flags, HS_MSG_PRESENT | HS_MSG_COMPLETE);
	}
	result_free(&r);
	sc_free(&sc);
}

static void test_continuation(void)
{
	struct script sc;
	struct result r;
	uint8_t blk[4096];
	size_t n, a, b;
	const char *const *req = NV(":method", "GET", ":scheme", "https", ":path", "/c",
				    ":authority", "example.com", "x-long-1",
				    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
				    "x-long-2", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
				    "cookie", "a=1", "cookie", "b=2");

	sc_init(&sc, 0);
	sc_start(&sc);
	n = encode(&sc, 0, blk, sizeof(blk), req);
	a = n / 3;
	b = 2 * n / 3;
	sc_frame(&sc, 0, HEADERS, END_STREAM, 1, blk, a);
	sc_frame(&sc, 0, CONTINUATION, 0, 1, blk + a, b - a);
	sc_frame(&sc, 0, CONTINUATION, END_HEADERS, 1, blk + b, n - b);
	/* the response block also in three frames, one of them empty */
	n = encode(&sc, 1, blk, sizeof(blk), NV(":status", "204", "server", "t"));
	sc_frame(&sc, 1, HEADERS, END_STREAM, 1, blk, 2);
	sc_frame(&sc, 1, CONTINUATION, 0, 1, NULL, 0);
	sc_frame(&sc, 1, CONTINUATION, END_HEADERS, 1, blk + 2, n - 2);
	run_all(&sc, &r, "continuation");
	CHECK_INT(r.n, 1);
	if (r.n == 1) {
		check_headers(&r.ex[0].req, req, "continuation req");
		check_headers(&r.ex[0].resp, NV(":status", "204", "server", "t"), "cont resp");
		CHECK_INT(r.ex[0].req.flags, HS_MSG_PRESENT | HS_MSG_COMPLETE);
		CHECK_INT(r.ex[0].resp.status, 204);
	}
	result_free(&r);
	sc_free(&sc);
}

static void test_padding_priority(void)
{
	struct script sc;
	struct result r;
	uint8_t blk[1024], pl[1200];
	size_t n;

	sc_init(&sc, 1);		/* server side view */
	sc_start(&sc);
	/* HEADERS with PADDED and PRIORITY: pad length, dependency + weight, block, padding */
	n = encode(&sc, 1, blk, sizeof(blk), get_req);
	pl[0] = 5;
	memcpy(pl + 1, "\x80\0\0\0\x0f", 5);
	memcpy(pl + 6, blk, n);
	memset(pl + 6 + n, 0, 5);
	sc_frame(&sc, 1, HEADERS, END_STREAM | END_HEADERS | PADDED | PRIO, 3, pl, 6 + n + 5);
	sc_frame(&sc, 1, PRIORITY, 0, 3, "\0\0\0\0\x20", 5);
	sc_headers(&sc, 0, 3, 0, NV(":status", "200"));
	/* DATA with PADDED: 7 bytes of padding, and a padded empty one */
	pl[0] = 7;
	memcpy(pl + 1, "padded body", 11);
	memset(pl + 12, 0, 7);
	sc_frame(&sc, 0, DATA, PADDED, 3, pl, 19);
	pl[0] = 0;
	memcpy(pl + 1, "!", 1);
	sc_frame(&sc, 0, DATA, PADDED, 3, pl, 2);
	pl[0] = 3;
	memset(pl + 1, 0, 3);
	sc_frame(&sc, 0, DATA, PADDED | END_STREAM, 3, pl, 4);
	/* HEADERS with only PRIORITY on the next stream */
	n = encode(&sc, 1, blk, sizeof(blk), NV(":method", "HEAD", ":scheme", "https",
						":path", "/p", ":authority", "example.com"));
	memcpy(pl, "\0\0\0\x03\xff", 5);
	memcpy(pl + 5, blk, n);
	sc_frame(&sc, 1, HEADERS, END_STREAM | END_HEADERS | PRIO, 5, pl, 5 + n);
	sc_headers(&sc, 0, 5, END_STREAM, NV(":status", "200", "content-length", "42"));
	run_all(&sc, &r, "padding");
	CHECK_INT(r.n, 2);
	if (r.n == 2) {
		check_headers(&r.ex[0].req, get_req, "padded req");
		CHECK_INT(r.ex[0].stream_id, 3);
		CHECK_INT(r.ex[0].resp.status, 200);
		check_body(&r.ex[0].resp, "padded body!");
		CHECK_STR(r.ex[1].req.method, "HEAD");
		CHECK_STR(r.ex[1].req.target, "/p");
		check_body(&r.ex[1].resp, "");
	}
	result_free(&r);
	sc_free(&sc);
}

static void test_interleaved(void)
{
	struct script sc;
	struct result r;

	sc_init(&sc, 0);
	sc_start(&sc);
	sc_headers(&sc, 0, 1, END_STREAM, NV(":method", "GET", ":scheme", "https", ":path", "/a",
					    ":authority", "example.com"));
	sc_headers(&sc, 0, 3, 0, NV(":method", "PUT", ":scheme", "https", ":path", "/b",
				    ":authority", "example.com"));
	sc_headers(&sc, 0, 5, END_STREAM, NV(":method", "GET", ":scheme", "https", ":path", "/c",
					    ":authority", "example.com"));
	sc_headers(&sc, 1, 5, 0, NV(":status", "200", "content-type", "text/plain"));
	sc_data(&sc, 0, 3, 0, "put-");
	sc_headers(&sc, 1, 1, 0, NV(":status", "404", "content-type", "text/plain"));
	sc_data(&sc, 1, 5, 0, "c1 ");
	sc_data(&sc, 1, 1, 0, "a1 ");
	sc_data(&sc, 0, 3, END_STREAM, "body");
	sc_headers(&sc, 1, 3, 0, NV(":status", "200", "content-type", "text/plain"));
	sc_data(&sc, 1, 5, 0, "c2 ");
	sc_data(&sc, 1, 3, END_STREAM, "b1");
	sc_data(&sc, 1, 1, END_STREAM, "a2");
	sc_data(&sc, 1, 5, END_STREAM, "c3");
	run_all(&sc, &r, "interleaved");
	CHECK_INT(r.n, 3);
	if (r.n == 3) {
		CHECK_INT(r.ex[0].stream_id, 3);
		CHECK_STR(r.ex[0].req.method, "PUT");
		CHECK_STR(r.ex[0].req.target, "/b");
		check_body(&r.ex[0].req, "put-body");
		check_body(&r.ex[0].resp, "b1");
		CHECK_INT(r.ex[0].resp.status, 200);
		CHECK_INT(r.ex[1].stream_id, 1);
		CHECK_STR(r.ex[1].req.target, "/a");
		CHECK_INT(r.ex[1].resp.status, 404);
		check_body(&r.ex[1].resp, "a1 a2");
		check_headers(&r.ex[1].resp, NV(":status", "404", "content-type", "text/plain"), "i1");
		CHECK_INT(r.ex[2].stream_id, 5);
		CHECK_STR(r.ex[2].req.target, "/c");
		check_body(&r.ex[2].resp, "c1 c2 c3");
		check_headers(&r.ex[2].req, NV(":method", "GET", ":scheme", "https", ":path", "/c",
					       ":authority", "example.com"), "i5");
	}
	result_free(&r);
	sc_free(&sc);
}

static void test_trailers_informational(void)
{
	struct script sc;
	struct result r;

	sc_init(&sc, 0);
	sc_start(&sc);
	sc_headers(&sc, 0, 1, 0, NV(":method", "POST", ":scheme", "https", ":path", "/t",
				    ":authority", "example.com", "expect", "100-continue",
				    "te", "trailers"));
	sc_headers(&sc, 1, 1, 0, NV(":status", "100"));
	sc_data(&sc, 0, 1, 0, "up");
	sc_headers(&sc, 0, 1, END_STREAM, NV("x-req-trailer", "yes"));
	sc_headers(&sc, 1, 1, 0, NV(":status", "103", "link", "</s.css>; rel=preload"));
	sc_headers(&sc, 1, 1, 0, NV(":status", "200", "trailer", "x-checksum"));
	sc_data(&sc, 1, 1, 0, "down");
	sc_headers(&sc, 1, 1, END_STREAM, NV("x-checksum", "abc", "x-other", "1"));
	run_all(&sc, &r, "trailers");
	CHECK_INT(r.n, 1);
	if (r.n == 1) {
		CHECK_INT(r.ex[0].resp.status, 200);
		check_headers(&r.ex[0].resp, NV(":status", "200", "trailer", "x-checksum"), "tr");
		check_trailers(&r.ex[0].resp, NV("x-checksum", "abc", "x-other", "1"), "tr");
		check_trailers(&r.ex[0].req, NV("x-req-trailer", "yes"), "tr req");
		check_body(&r.ex[0].req, "up");
		check_body(&r.ex[0].resp, "down");
		/* the interim responses, with the final one */
		CHECK_INT(r.ex[0].resp.ninterim, 2);
		CHECK_INT(r.ex[0].req.ninterim, 0);
		if (r.ex[0].resp.ninterim == 2) {
			CHECK_INT(r.ex[0].resp.interim[0].status, 100);
			check_headers(&r.ex[0].resp.interim[0], NV(":status", "100"), "100");
			CHECK_INT(r.ex[0].resp.interim[1].status, 103);
			check_headers(&r.ex[0].resp.interim[1],
				      NV(":status", "103", "link", "</s.css>; rel=preload"), "103");
			CHECK_INT(r.ex[0].resp.interim[1].flags, HS_MSG_PRESENT | HS_MSG_COMPLETE);
		}
		CHECK_INT(r.ex[0].req.flags, HS_MSG_PRESENT | HS_MSG_COMPLETE);
		CHECK_INT(r.ex[0].resp.flags, HS_MSG_PRESENT | HS_MSG_COMPLETE);
	}
	result_free(&r);
	sc_free(&sc);

	/* interim blocks share the response's header budget: the second one of ~58 KB of
	 * fields (one HPACK table entry repeated) does not fit and is dropped, the final
	 * headers still come */
	static char hint[2901];
	const char *big[2 + 2 * 20 + 1] = { ":status", "103" };

	memset(hint, 'h', sizeof(hint) - 1);
	for (int i = 0; i < 20; i++) {
		big[2 + 2 * i] = "link";
		big[3 + 2 * i] = hint;
	}
	sc_init(&sc, 0);
	sc_start(&sc);
	sc_headers(&sc, 0, 1, END_STREAM, get_req);
	sc_headers(&sc, 1, 1, 0, big);
	sc_headers(&sc, 1, 1, 0, big);
	sc_headers(&sc, 1, 1, END_STREAM, NV(":status", "204"));
	run_all(&sc, &r, "interim budget");
	CHECK_INT(r.n, 1);
	if (r.n == 1) {
		CHECK_INT(r.ex[0].resp.status, 204);
		CHECK_INT(r.ex[0].resp.ninterim, 1);
		check_headers(&r.ex[0].resp, NV(":status", "204"), "after the interims");
	}
	result_free(&r);
	sc_free(&sc);
}

static void test_rst_goaway(void)
{
	struct script sc;
	struct result r;

	sc_init(&sc, 0);
	sc_start(&sc);
	for (uint32_t sid = 1; sid <= 7; sid += 2)
		sc_headers(&sc, 0, sid, END_STREAM, get_req);
	sc_headers(&sc, 1, 1, 0, NV(":status", "200"));
	sc_data(&sc, 1, 1, 0, "partial");
	sc_frame(&sc, 0, RST_STREAM, 0, 1, "\0\0\0\x08", 4);	/* CANCEL by the client */
	sc_data(&sc, 1, 1, 0, "late");				/* in flight: ignored */
	sc_frame(&sc, 1, RST_STREAM, 0, 3, "\0\0\0\x07", 4);	/* REFUSED_STREAM */
	sc_frame(&sc, 1, GOAWAY, 0, 0, "\0\0\0\x05\0\0\0\x02" "debug", 13);
	sc_headers(&sc, 1, 5, END_STREAM, NV(":status", "200"));
	sc_frame(&sc, 0, RST_STREAM, 0, 99, "\0\0\0\x08", 4);	/* unknown stream */
	sc_headers(&sc, 0, 9, END_STREAM, get_req);	/* sent after the GOAWAY: refused */
	run_all(&sc, &r, "rst");
	CHECK_INT(r.n, 5);
	if (r.n == 5) {
		CHECK_INT(r.ex[0].stream_id, 1);
		CHECK_INT(r.ex[0].flags, HS_EX_RESET);
		CHECK_INT(r.ex[0].error_code, 8);
		CHECK_INT(r.ex[0].resp.status, 200);
		check_body(&r.ex[0].resp, "partial");
		CHECK_INT(r.ex[0].resp.flags, HS_MSG_PRESENT);
		CHECK_INT(r.ex[1].stream_id, 3);
		CHECK_INT(r.ex[1].flags, HS_EX_RESET);
		CHECK_INT(r.ex[1].error_code, 7);
		CHECK_INT(r.ex[2].stream_id, 7);	/* above GOAWAY's last stream id */
		CHECK_INT(r.ex[2].flags, HS_EX_RESET);
		CHECK_INT(r.ex[2].error_code, 2);
		CHECK_INT(r.ex[3].stream_id, 5);
		CHECK_INT(r.ex[3].flags, 0);
		CHECK_INT(r.ex[3].resp.status, 200);
		CHECK_INT(r.ex[4].stream_id, 9);	/* emitted when the connection ends */
		CHECK_INT(r.ex[4].flags & HS_EX_RESET, HS_EX_RESET);
		CHECK_INT(r.ex[4].error_code, 2);
		CHECK_INT(r.ex[4].resp.flags, 0);
	}
	result_free(&r);
	sc_free(&sc);
}

/* A client cancels more streams at once than a handful (a page left while 40 images load):
 * the responses already in flight are late frames of exchanges printed, not new ones. */
static void test_rst_many(void)
{
	struct script sc;
	struct result r;

	sc_init(&sc, 0);
	sc_start(&sc);
	for (uint32_t i = 0; i < 40; i++)
		sc_headers(&sc, 0, 2 * i + 1, END_STREAM, get_req);
	for (uint32_t i = 0; i < 40; i++)
		sc_frame(&sc, 0, RST_STREAM, 0, 2 * i + 1, "\0\0\0\x08", 4);
	for (uint32_t i = 0; i < 40; i++)
		sc_headers(&sc, 1, 2 * i + 1, END_STREAM, NV(":status", "200"));
	sc_headers(&sc, 0, 81, END_STREAM, get_req);
	sc_headers(&sc, 1, 81, END_STREAM, NV(":status", "204"));
	run_script(&sc, &r, WHOLE, 0);
	CHECK_INT(r.n, 41);
	for (int i = 0; i < r.n && i < 40; i++) {
		CHECK_INT(r.ex[i].stream_id, 2 * i + 1);
		CHECK_INT(r.ex[i].flags, HS_EX_RESET);
	}
	if (r.n == 41)
		CHECK_INT(r.ex[40].resp.status, 204);
	result_free(&r);
	sc_free(&sc);
}

static void test_push(void)
{
	struct script sc;
	struct result r;
	uint8_t blk[1024], pl[1100];
	size_t n;
	const char *const *preq = NV(":method", "GET", ":scheme", "https", ":path", "/style.css",
				     ":authority", "example.com");

	sc_init(&sc, 0);
	sc_start(&sc);
	sc_headers(&sc, 0, 1, END_STREAM, get_req);
	memcpy(pl, "\0\0\0\x02", 4);
	n = encode(&sc, 1, blk, sizeof(blk), preq);
	memcpy(pl + 4, blk, n);
	sc_frame(&sc, 1, PUSH_PROMISE, END_HEADERS, 1, pl, 4 + n);
	/* a padded promise split over CONTINUATION */
	pl[0] = 2;
	memcpy(pl + 1, "\0\0\0\x04", 4);
	n = encode(&sc, 1, blk, sizeof(blk), NV(":method", "GET", ":scheme", "https",
						":path", "/app.js", ":authority", "example.com"));
	memcpy(pl + 5, blk, 3);
	memset(pl + 8, 0, 2);
	sc_frame(&sc, 1, PUSH_PROMISE, PADDED, 1, pl, 10);
	sc_frame(&sc, 1, CONTINUATION, END_HEADERS, 1, blk + 3, n - 3);
	sc_headers(&sc, 1, 1, 0, NV(":status", "200", "content-type", "text/html"));
	sc_data(&sc, 1, 1, END_STREAM, "<html>");
	sc_headers(&sc, 1, 2, 0, NV(":status", "200", "content-type", "text/css"));
	sc_data(&sc, 1, 2, END_STREAM, "body{}");
	sc_frame(&sc, 0, RST_STREAM, 0, 4, "\0\0\0\x08", 4);
	run_all(&sc, &r, "push");
	CHECK_INT(r.n, 3);
	if (r.n == 3) {
		CHECK_INT(r.ex[0].stream_id, 1);
		CHECK_INT(r.ex[0].flags, 0);
		check_body(&r.ex[0].resp, "<html>");
		CHECK_INT(r.ex[1].stream_id, 2);
		CHECK_INT(r.ex[1].flags, HS_EX_PUSHED);
		check_headers(&r.ex[1].req, preq, "push req");
		CHECK_STR(r.ex[1].req.target, "/style.css");
		CHECK_INT(r.ex[1].req.flags, HS_MSG_PRESENT | HS_MSG_COMPLETE);
		CHECK_INT(r.ex[1].resp.status, 200);
		check_body(&r.ex[1].resp, "body{}");
		CHECK_INT(r.ex[2].stream_id, 4);
		CHECK_INT(r.ex[2].flags, HS_EX_PUSHED | HS_EX_RESET);
		CHECK_STR(r.ex[2].req.target, "/app.js");
	}
	result_free(&r);
	sc_free(&sc);
}

static void test_gap(void)
{
	struct script sc;
	struct result r;
	char body[101];
	struct buf s = { 0 };
	uint8_t blk[512];
	size_t n;

	memset(body, 'x', 100);
	body[100] = '\0';
	sc_init(&sc, 0);
	sc_start(&sc);
	sc_headers(&sc, 0, 1, END_STREAM, get_req);
	sc_headers(&sc, 0, 3, END_STREAM, NV(":method", "GET", ":scheme", "https", ":path", "/3",
					    ":authority", "example.com"));
	sc_headers(&sc, 0, 5, END_STREAM, NV(":method", "GET", ":scheme", "https", ":path", "/5",
					    ":authority", "example.com"));
	/* the server writes: H1 D1a D1b H3 D3 H5 D5 PING; part of D1a .. D1b is lost */
	n = encode(&sc, 1, blk, sizeof(blk), NV(":status", "200", "content-type", "text/plain"));
	frame(&s, HEADERS, END_HEADERS, 1, blk, n);
	frame(&s, DATA, 0, 1, body, 100);
	frame(&s, DATA, 0, 1, body, 100);
	n = encode(&sc, 1, blk, sizeof(blk), NV(":status", "404", "content-type", "text/html"));
	frame(&s, HEADERS, END_HEADERS, 3, blk, n);
	frame(&s, DATA, END_STREAM, 3, "gone", 4);
	n = encode(&sc, 1, blk, sizeof(blk), NV(":status", "404", "content-type", "text/html"));
	frame(&s, HEADERS, END_HEADERS, 5, blk, n);	/* indexed: entries added after the gap */
	frame(&s, DATA, END_STREAM, 5, "gone too", 8);
	{
		size_t h1 = 9 + (size_t)(s.p[2]), cut = h1 + 9 + 41, resume = h1 + 109 + 9 + 49;

		sc_bytes(&sc, 1, s.p, cut);
		sc_gap(&sc, 1, resume - cut);
		sc_bytes(&sc, 1, s.p + resume, s.n - resume);
	}
	run_all(&sc, &r, "gap");
	CHECK_INT(r.n, 3);
	if (r.n == 3) {
		CHECK_INT(r.ex[0].stream_id, 3);
		CHECK_INT(r.ex[0].resp.status, 404);
		check_headers(&r.ex[0].resp, NV(":status", "404", "content-type", "text/html"), "g3");
		check_body(&r.ex[0].resp, "gone");
		CHECK_INT(r.ex[0].resp.flags, HS_MSG_PRESENT | HS_MSG_COMPLETE);
		CHECK_INT(r.ex[1].stream_id, 5);
		check_headers(&r.ex[1].resp, NV(":status", "404", "content-type", "text/html"), "g5");
		check_body(&r.ex[1].resp, "gone too");
		CHECK_INT(r.ex[2].stream_id, 1);	/* cut by the gap: emitted at the end */
		CHECK_INT(r.ex[2].resp.status, 200);
		CHECK(r.ex[2].resp.flags & HS_MSG_GAP);
		CHECK(!(r.ex[2].resp.flags & HS_MSG_COMPLETE));
		CHECK_INT(r.ex[2].resp.body_kept, 41);
		CHECK_INT(r.ex[2].resp.body_size, 100);
		CHECK_INT(r.ex[2].flags, 0);
	}
	result_free(&r);
	free(s.p);
	sc_free(&sc);

	/* a gap inside one DATA frame keeps the frame sync: nothing else is lost */
	sc_init(&sc, 0);
	sc_start(&sc);
	sc_headers(&sc, 0, 1, END_STREAM, get_req);
	sc_headers(&sc, 1, 1, 0, NV(":status", "200"));
	s.p = NULL;
	s.n = s.cap = 0;
	frame(&s, DATA, END_STREAM, 1, "0123456789", 10);
	sc_bytes(&sc, 1, s.p, 12);
	sc_gap(&sc, 1, 5);
	sc_bytes(&sc, 1, s.p + 17, 2);
	sc_headers(&sc, 0, 3, END_STREAM, get_req);
	sc_headers(&sc, 1, 3, END_STREAM, NV(":status", "304"));
	run_all(&sc, &r, "gap in frame");
	CHECK_INT(r.n, 2);
	if (r.n == 2) {
		CHECK_INT(r.ex[0].resp.flags, HS_MSG_PRESENT | HS_MSG_COMPLETE | HS_MSG_GAP |
		       HS_MSG_TRUNCATED);
		CHECK_INT(r.ex[0].resp.body_size, 10);
		/* the body's start only: "89" after the gap is not joined to it */
		CHECK_INT(r.ex[0].resp.body_kept, 3);
		CHECK(r.ex[0].resp.body_kept == 3 && memcmp(r.ex[0].resp.body, "012", 3) == 0);
		CHECK_INT(r.ex[1].resp.status, 304);
		check_headers(&r.ex[1].req, get_req, "after in-frame gap");
	}
	result_free(&r);
	free(s.p);
	sc_free(&sc);
}

static void test_midconn(int c)
{
	struct script sc;
	struct result r;
	uint8_t junk[37];

	memset(junk, 'z', sizeof(junk));
	sc_init(&sc, c);
	/* attached mid-way: the tail of an earlier DATA frame, then frames */
	sc_bytes(&sc, 1 - c, junk, sizeof(junk));
	sc_headers(&sc, 1 - c, 7, 0, NV(":status", "200", "content-type", "text/plain"));
	sc_data(&sc, 1 - c, 7, END_STREAM, "seven");
	sc_headers(&sc, c, 9, END_STREAM, NV(":method", "GET", ":scheme", "http",
					     ":path", "/nine", ":authority", "h"));
	sc_frame(&sc, c, WINDOW_UPDATE, 0, 0, "\0\0\x10\0", 4);
	sc_headers(&sc, 1 - c, 9, END_STREAM, NV(":status", "302", "location", "/"));
	sc_headers(&sc, c, 11, END_STREAM, NV(":method", "GET", ":scheme", "http",
					      ":path", "/eleven", ":authority", "h"));
	sc_headers(&sc, 1 - c, 11, 0, NV(":status", "200"));
	sc_data(&sc, 1 - c, 11, END_STREAM, "eleven");
	run_all(&sc, &r, "midconn");
	CHECK_INT(r.n, 3);
	if (r.n != 3)
		fprintf(stderr, "%.*s\n", (int)r.text.n, (char *)r.text.p);
	if (r.n == 3) {
		CHECK_INT(r.ex[0].stream_id, 7);
		CHECK_INT(r.ex[0].flags, HS_EX_NO_REQUEST | HS_EX_SKIPPED);
		CHECK_INT(r.ex[0].skipped, sizeof(junk));
		CHECK_INT(r.ex[0].resp.status, 200);
		check_body(&r.ex[0].resp, "seven");
		CHECK_INT(r.ex[1].stream_id, 9);
		CHECK_INT(r.ex[1].flags, 0);
		CHECK_STR(r.ex[1].req.method, "GET");
		CHECK_STR(r.ex[1].req.target, "/nine");
		CHECK_INT(r.ex[1].resp.status, 302);
		CHECK_INT(r.ex[2].stream_id, 11);
		CHECK_STR(r.ex[2].req.target, "/eleven");
		check_body(&r.ex[2].resp, "eleven");
	}
	result_free(&r);
	sc_free(&sc);
}

static void test_h2c_upgrade(int handed)
{
	struct script sc;
	struct result r;
	uint8_t set[6] = { 0, 4, 0, 1, 0, 0 };
	struct hs_message up = { .version = 11, .ts_first = 1, .ts_last = 1 };

	/* the HTTP/1.1 request that asked for the upgrade, as the HTTP/1 decoder gives it */
	hs_set_str(&up.method, "POST", 4);
	hs_set_str(&up.target, "/up", 3);
	hs_set_str(&up.authority, "h", 1);
	hs_message_add_header(&up, &lim, 0, "Host", 4, "h", 1);
	hs_message_add_header(&up, &lim, 0, "Upgrade", 7, "h2c", 3);
	hs_message_add_body(&up, &lim, (const uint8_t *)"abc", 3, 1);
	up.flags = HS_MSG_PRESENT | HS_MSG_COMPLETE;
	upgrade_req = handed ? &up : NULL;

	sc_init(&sc, 1);	/* the traced process is the server */
	sc_frame(&sc, 0, SETTINGS, 0, 0, set, sizeof(set));
	sc_bytes(&sc, 1, PREFACE, 24);
	sc_frame(&sc, 1, SETTINGS, 0, 0, NULL, 0);
	sc_frame(&sc, 0, SETTINGS, ACK, 0, NULL, 0);
	sc_headers(&sc, 0, 1, 0, NV(":status", "200", "content-type", "text/plain"));
	sc_data(&sc, 0, 1, END_STREAM, "upgraded");
	sc_frame(&sc, 1, SETTINGS, ACK, 0, NULL, 0);
	sc_headers(&sc, 1, 3, END_STREAM, NV(":method", "GET", ":scheme", "http",
					     ":path", "/next", ":authority", "h"));
	sc_headers(&sc, 0, 3, END_STREAM, NV(":status", "204"));
	run_all(&sc, &r, "h2c");
	upgrade_req = NULL;
	CHECK_INT(r.n, 2);
	if (r.n == 2 && handed) {
		CHECK_INT(r.ex[0].stream_id, 1);
		CHECK_INT(r.ex[0].flags, 0);
		CHECK_INT(r.ex[0].server, 1);
		CHECK_INT(r.ex[0].req.flags, HS_MSG_PRESENT | HS_MSG_COMPLETE);
		CHECK_INT(r.ex[0].req.version, 11);
		CHECK_STR(r.ex[0].req.method, "POST");
		CHECK_STR(r.ex[0].req.target, "/up");
		CHECK_STR(r.ex[0].req.authority, "h");
		check_headers(&r.ex[0].req, NV("Host", "h", "Upgrade", "h2c"), "upgrade req");
		check_body(&r.ex[0].req, "abc");
		CHECK_INT(r.ex[0].resp.status, 200);
		check_body(&r.ex[0].resp, "upgraded");
		CHECK_STR(r.ex[1].req.target, "/next");
		CHECK_INT(r.ex[1].resp.status, 204);
	} else if (r.n == 2) {
		CHECK_INT(r.ex[0].stream_id, 1);
		CHECK_INT(r.ex[0].flags, HS_EX_NO_REQUEST);
		CHECK_INT(r.ex[0].req.flags, 0);
		CHECK_INT(r.ex[0].resp.status, 200);
		check_body(&r.ex[0].resp, "upgraded");
		CHECK_INT(r.ex[1].stream_id, 3);
		CHECK_STR(r.ex[1].req.target, "/next");
		CHECK_INT(r.ex[1].resp.status, 204);
	}
	result_free(&r);
	sc_free(&sc);
	hs_message_reset(&up);
}

static void test_hpack_error(void)
{
	struct script sc;
	struct result r;
	uint8_t blk[1024], bad[1100];
	size_t n;
	const char *const *req5 = NV(":method", "GET", ":scheme", "https", ":path", "/five",
				     ":authority", "other.example", "x-n", "5");

	sc_init(&sc, 0);
	sc_start(&sc);
	/* stream 1: a block starting with index 70, absent from the table; what follows
	 * adds entries to the encoder's table that the decoder never gets */
	n = encode(&sc, 0, blk, sizeof(blk), get_req);
	bad[0] = 0xbf;
	bad[1] = 0x07;
	memcpy(bad + 2, blk, n);
	sc_frame(&sc, 0, HEADERS, END_STREAM | END_HEADERS, 1, bad, n + 2);
	sc_headers(&sc, 1, 1, END_STREAM, NV(":status", "200"));
	/* stream 3 refers to those entries: lost as well */
	sc_headers(&sc, 0, 3, END_STREAM, get_req);
	sc_headers(&sc, 1, 3, END_STREAM, NV(":status", "200", "x-s", "3"));
	/* stream 5: new values only, shown again; stream 7 refers to them by index */
	sc_headers(&sc, 0, 5, END_STREAM, req5);
	sc_headers(&sc, 1, 5, END_STREAM, NV(":status", "200", "x-s", "5"));
	sc_headers(&sc, 0, 7, END_STREAM, req5);
	sc_headers(&sc, 1, 7, END_STREAM, NV(":status", "200", "x-s", "3"));
	run_all(&sc, &r, "hpack error");
	CHECK_INT(r.n, 4);
	if (r.n == 4) {
		CHECK_INT(r.ex[0].req.flags, HS_MSG_PRESENT | HS_MSG_COMPLETE | HS_MSG_HDRS_LOST);
		CHECK(r.ex[0].req.method == NULL);
		CHECK_INT(r.ex[0].resp.status, 200);
		CHECK_INT(r.ex[0].flags, 0);
		CHECK(r.ex[1].req.flags & HS_MSG_HDRS_LOST);
		check_headers(&r.ex[1].resp, NV(":status", "200", "x-s", "3"), "e3");
		CHECK_INT(r.ex[2].req.flags, HS_MSG_PRESENT | HS_MSG_COMPLETE);
		check_headers(&r.ex[2].req, req5, "e5");
		CHECK_STR(r.ex[2].req.authority, "other.example");
		check_headers(&r.ex[3].req, req5, "e7");
		check_headers(&r.ex[3].resp, NV(":status", "200", "x-s", "3"), "e7r");
	}
	result_free(&r);
	sc_free(&sc);
}

static void test_table_size(void)
{
	struct script sc;
	struct result r;
	static char v1[3001], v2[3001];
	uint8_t set[6] = { 0, 1, 0, 0, 0x20, 0 };	/* HEADER_TABLE_SIZE 8192 */
	uint8_t set0[6] = { 0, 1, 0, 0, 0, 0 };		/* HEADER_TABLE_SIZE 0 */
	const char *const *big = NV(":status", "200", "x-big-1", v1, "x-big-2", v2);

	memset(v1, 'a', 3000);
	memset(v2, 'b', 3000);
	sc_init(&sc, 0);
	nghttp2_hd_deflate_del(sc.def[1]);
	nghttp2_hd_deflate_new(&sc.def[1], 8192);
	sc_start(&sc);
	sc_frame(&sc, 0, SETTINGS, 0, 0, set, sizeof(set));
	sc_frame(&sc, 1, SETTINGS, ACK, 0, NULL, 0);
	nghttp2_hd_deflate_change_table_size(sc.def[1], 8192);
	for (uint32_t sid = 1; sid <= 5; sid += 2) {
		sc_headers(&sc, 0, sid, END_STREAM, get_req);
		sc_headers(&sc, 1, sid, END_STREAM, big);
	}
	/* shrink to 0: every field after that is a literal */
	sc_frame(&sc, 0, SETTINGS, 0, 0, set0, sizeof(set0));
	sc_headers(&sc, 0, 7, END_STREAM, get_req);
	sc_frame(&sc, 1, SETTINGS, ACK, 0, NULL, 0);
	nghttp2_hd_deflate_change_table_size(sc.def[1], 0);
	sc_headers(&sc, 1, 7, END_STREAM, NV(":status", "200", "x-small", "s"));
	sc_headers(&sc, 0, 9, END_STREAM, get_req);
	sc_headers(&sc, 1, 9, END_STREAM, NV(":status", "200", "x-small", "s"));
	run_all(&sc, &r, "table size");
	CHECK_INT(r.n, 5);
	for (int i = 0; i < r.n && i < 3; i++) {
		CHECK_INT(r.ex[i].resp.flags, HS_MSG_PRESENT | HS_MSG_COMPLETE);
		check_headers(&r.ex[i].resp, big, "big");
	}
	if (r.n == 5) {
		check_headers(&r.ex[3].resp, NV(":status", "200", "x-small", "s"), "small");
		check_headers(&r.ex[4].resp, NV(":status", "200", "x-small", "s"), "small2");
		check_headers(&r.ex[4].req, get_req, "req after shrink");
	}
	result_free(&r);
	sc_free(&sc);
}

static void test_grpc(void)
{
	struct script sc;
	struct result r;
	/* two messages: 3 bytes uncompressed, 10 bytes "compressed"; split across frames
	 * inside the second length prefix */
	static const uint8_t msgs[] = { 0, 0, 0, 0, 3, 'a', 'b', 'c',
					1, 0, 0, 0, 10, '0', '1', '2', '3', '4', '5', '6', '7', '8', '9' };
	static const uint8_t reply[] = { 0, 0, 0, 0, 2, 'o', 'k' };
	const char *const *req = NV(":method", "POST", ":scheme", "http",
				    ":path", "/pkg.Service/Method", ":authority", "localhost:50051",
				    "content-type", "application/grpc+proto", "te", "trailers",
				    "grpc-encoding", "gzip");

	sc_init(&sc, 0);
	sc_start(&sc);
	sc_headers(&sc, 0, 1, 0, req);
	sc_frame(&sc, 0, DATA, 0, 1, msgs, 6);
	sc_frame(&sc, 0, DATA, 0, 1, msgs + 6, 5);
	sc_frame(&sc, 0, DATA, END_STREAM, 1, msgs + 11, sizeof(msgs) - 11);
	sc_headers(&sc, 1, 1, 0, NV(":status", "200", "content-type", "application/grpc"));
	sc_frame(&sc, 1, DATA, 0, 1, reply, sizeof(reply));
	sc_headers(&sc, 1, 1, END_STREAM, NV("grpc-status", "0", "grpc-message", "done"));
	/* a trailers-only error response */
	sc_headers(&sc, 0, 3, 0, req);
	sc_frame(&sc, 0, DATA, END_STREAM, 3, msgs, 8);
	sc_headers(&sc, 1, 3, END_STREAM, NV(":status", "200", "content-type", "application/grpc",
					     "grpc-status", "12", "grpc-message", "unimplemented"));
	run_all(&sc, &r, "grpc");
	CHECK_INT(r.n, 2);
	if (r.n == 2) {
		CHECK_INT(r.ex[0].flags, HS_EX_GRPC);
		CHECK_STR(r.ex[0].req.target, "/pkg.Service/Method");
		CHECK_INT(r.ex[0].req.grpc_msgs, 2);
		CHECK_INT(r.ex[0].req.grpc_bytes, 13);
		CHECK_INT(r.ex[0].req.body_size, sizeof(msgs));
		CHECK_INT(r.ex[0].resp.grpc_msgs, 1);
		CHECK_INT(r.ex[0].resp.grpc_bytes, 2);
		check_trailers(&r.ex[0].resp, NV("grpc-status", "0", "grpc-message", "done"), "gt");
		CHECK_INT(r.ex[1].flags, HS_EX_GRPC);
		CHECK_INT(r.ex[1].req.grpc_msgs, 1);
		CHECK_INT(r.ex[1].resp.grpc_msgs, 0);
		CHECK_STR(hs_message_header(&r.ex[1].resp, "grpc-status")->value, "12");
	}
	result_free(&r);
	sc_free(&sc);
}

/* Field bytes a message kept, counted as against max_header_bytes (RFC 9113 6.5.2). */
static size_t kept_fields(const struct hs_message *m)
{
	size_t sz = 0;

	for (uint32_t i = 0; i < m->nheaders; i++)
		sz += m->headers[i].name_len + m->headers[i].value_len + 32;
	for (uint32_t i = 0; i < m->ntrailers; i++)
		sz += m->trailers[i].name_len + m->trailers[i].value_len + 32;
	return sz;
}

static void test_flush_and_limits(void)
{
	struct script sc;
	struct result r;

	sc_init(&sc, 0);
	sc_start(&sc);
	sc_headers(&sc, 0, 1, END_STREAM, get_req);
	sc_headers(&sc, 0, 3, 0, get_req);
	sc_data(&sc, 0, 3, 0, "half");
	sc_headers(&sc, 1, 3, 0, NV(":status", "200"));
	run_all(&sc, &r, "flush");
	CHECK_INT(r.n, 2);
	if (r.n == 2) {
		CHECK_INT(r.ex[0].stream_id, 1);
		CHECK_INT(r.ex[0].flags, HS_EX_NO_RESPONSE);
		CHECK_INT(r.ex[0].resp.flags, 0);
		CHECK_INT(r.ex[1].stream_id, 3);
		CHECK_INT(r.ex[1].flags, 0);
		CHECK_INT(r.ex[1].req.flags, HS_MSG_PRESENT);
		CHECK_INT(r.ex[1].resp.flags, HS_MSG_PRESENT);
	}
	result_free(&r);
	sc_free(&sc);

	/* open streams are bounded: the oldest goes out as incomplete */
	sc_init(&sc, 0);
	sc_start(&sc);
	{
		struct hs_http2 *d = hs_http2_new(&ci, &lim, on_emit, &r);
		uint8_t blk[256];
		struct buf b = { 0 };

		memset(&r, 0, sizeof(r));
		for (int i = 0; i < sc.nev; i++)
			feed(d, sc.ev[i].dir, sc.data.p + sc.ev[i].off, sc.ev[i].len, 1);
		for (uint32_t i = 0; i < 1030; i++) {
			size_t n = encode(&sc, 0, blk, sizeof(blk), get_req);

			b.n = 0;
			frame(&b, HEADERS, END_HEADERS | END_STREAM, 2 * i + 1, blk, n);
			feed(d, 0, b.p, b.n, 2);
		}
		CHECK_INT(r.n, 6);
		CHECK_INT(r.ex[0].stream_id, 1);
		CHECK_INT(r.ex[0].flags, HS_EX_NO_RESPONSE);
		hs_http2_flush(d, 3);
		CHECK_INT(r.n, 1030);
		hs_http2_free(d);
		free(b.p);
	}
	result_free(&r);
	sc_free(&sc);

	/* one max_header_bytes for all of a message's blocks: trailer block after trailer block
	 * (each one small, and HPACK-indexed after the first) cannot grow it further */
	sc_init(&sc, 0);
	sc_start(&sc);
	{
		static char big[2001];

		memset(big, 'v', 2000);
		sc_headers(&sc, 0, 1, 0, get_req);
		for (int i = 0; i < 100; i++)
			sc_headers(&sc, 0, 1, i == 99 ? END_STREAM : 0, NV("x-t", big));
		sc_headers(&sc, 1, 1, END_STREAM, NV(":status", "200"));
		run_script(&sc, &r, WHOLE, 0);
		CHECK_INT(r.n, 1);
		if (r.n == 1) {
			const struct hs_message *m = &r.ex[0].req;

			CHECK(kept_fields(m) <= lim.max_header_bytes);
			CHECK(m->ntrailers >= 30);
			CHECK(m->flags & HS_MSG_HDRS_CUT);
			CHECK_INT(r.ex[0].resp.status, 200);
		}
	}
	result_free(&r);
	sc_free(&sc);

	/* and across the open streams of a connection: 40 requests of 15 fields that reference
	 * one 3000-byte HPACK entry are cut at 16 messages' worth; once answered, a new stream
	 * keeps its fields again */
	sc_init(&sc, 0);
	sc_start(&sc);
	{
		static char big[3001];
		const char *const *nv;
		size_t kept = 0;
		int cut = 0;

		memset(big, 'w', 3000);
		nv = NV(":method", "GET", ":scheme", "https", ":path", "/a", ":authority", "h",
			"x", big, "x", big, "x", big, "x", big, "x", big, "x", big, "x", big, "x", big,
			"x", big, "x", big, "x", big, "x", big, "x", big, "x", big, "x", big);
		for (uint32_t i = 0; i < 40; i++)
			sc_headers(&sc, 0, 2 * i + 1, END_STREAM, nv);
		for (uint32_t i = 0; i < 40; i++)
			sc_headers(&sc, 1, 2 * i + 1, END_STREAM, NV(":status", "200"));
		sc_headers(&sc, 0, 81, END_STREAM, get_req);
		sc_headers(&sc, 1, 81, END_STREAM, NV(":status", "204"));
		run_script(&sc, &r, WHOLE, 0);
		CHECK_INT(r.n, 41);
		for (int i = 0; i < r.n && i < 40; i++) {
			kept += kept_fields(&r.ex[i].req);
			cut += !!(r.ex[i].req.flags & HS_MSG_HDRS_CUT);
			/* the pseudo-header fields of the summary line are never the ones cut */
			CHECK_STR(r.ex[i].req.method, "GET");
			CHECK_STR(r.ex[i].req.target, "/a");
			CHECK_INT(r.ex[i].resp.status, 200);
		}
		CHECK(kept <= 17 * lim.max_header_bytes);
		CHECK(cut >= 10);
		if (r.n == 41) {
			CHECK_INT(r.ex[40].stream_id, 81);
			CHECK_INT(r.ex[40].req.flags & HS_MSG_HDRS_CUT, 0);
			check_headers(&r.ex[40].req, get_req, "after the cut");
		}
	}
	result_free(&r);
	sc_free(&sc);
}

/* RFC 7541 Appendix C: requests (C.3, C.4) and responses with a 256-byte table (C.5, C.6). */
static const char *c_req[3] = {
	"828684410f7777772e6578616d706c652e636f6d",
	"828684be58086e6f2d6361636865",
	"828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
};
static const char *c_req_huff[3] = {
	"828684418cf1e3c2e5f23a6ba0ab90f4ff",
	"828684be5886a8eb10649cbf",
	"828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf",
};
static const char *c_resp[3] = {
	"4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a"
	"323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d",
	"4803333037c1c0bf",
	"88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69"
	"707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d6178"
	"2d6167653d333630303b2076657273696f6e3d31",
};
static const char *c_resp_huff[3] = {
	"488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29"
	"ad171863c78f0b97c8e9ae82ae43d3",
	"4883640effc1c0bf",
	"88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7"
	"f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d50"
	"07",
};

static size_t unhex(const char *s, uint8_t *out)
{
	size_t n = 0;

	for (; s[0] && s[1]; s += 2)
		out[n++] = (uint8_t)strtol((char[]){ s[0], s[1], 0 }, NULL, 16);
	return n;
}

static void test_rfc7541(int huffman)
{
	struct script sc;
	struct result r;
	uint8_t blk[512];
	uint8_t set[6] = { 0, 1, 0, 0, 1, 0 };	/* HEADER_TABLE_SIZE 256 */
	const char *const *want_req[3] = {
		NV(":method", "GET", ":scheme", "http", ":path", "/", ":authority", "www.example.com"),
		NV(":method", "GET", ":scheme", "http", ":path", "/", ":authority", "www.example.com",
		   "cache-control", "no-cache"),
		NV(":method", "GET", ":scheme", "https", ":path", "/index.html",
		   ":authority", "www.example.com", "custom-key", "custom-value"),
	};
	const char *const *want_resp[3] = {
		NV(":status", "302", "cache-control", "private",
		   "date", "Mon, 21 Oct 2013 20:13:21 GMT", "location", "https://www.example.com"),
		NV(":status", "307", "cache-control", "private",
		   "date", "Mon, 21 Oct 2013 20:13:21 GMT", "location", "https://www.example.com"),
		NV(":status", "200", "cache-control", "private",
		   "date", "Mon, 21 Oct 2013 20:13:22 GMT", "location", "https://www.example.com",
		   "content-encoding", "gzip",
		   "set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"),
	};

	sc_init(&sc, 0);
	sc_start(&sc);
	sc_frame(&sc, 0, SETTINGS, 0, 0, set, sizeof(set));
	sc_frame(&sc, 1, SETTINGS, ACK, 0, NULL, 0);
	for (int i = 0; i < 3; i++) {
		size_t n = unhex((huffman ? c_req_huff : c_req)[i], blk);

		sc_frame(&sc, 0, HEADERS, END_HEADERS | END_STREAM, 2 * i + 1, blk, n);
	}
	for (int i = 0; i < 3; i++) {
		size_t n = 0;

		if (i == 0) {		/* the size update the encoder sends after the ACK */
			blk[n++] = 0x3f;
			blk[n++] = 0xe1;
			blk[n++] = 0x01;
		}
		n += unhex((huffman ? c_resp_huff : c_resp)[i], blk + n);
		sc_frame(&sc, 1, HEADERS, END_HEADERS, 2 * i + 1, blk, n);
		sc_frame(&sc, 1, DATA, END_STREAM, 2 * i + 1, NULL, 0);
	}
	run_all(&sc, &r, huffman ? "rfc7541 c.4/c.6" : "rfc7541 c.3/c.5");
	CHECK_INT(r.n, 3);
	for (int i = 0; i < r.n && i < 3; i++) {
		CHECK_INT(r.ex[i].stream_id, 2 * i + 1);
		check_headers(&r.ex[i].req, want_req[i], huffman ? "C.4" : "C.3");
		check_headers(&r.ex[i].resp, want_resp[i], huffman ? "C.6" : "C.5");
		CHECK_INT(r.ex[i].req.flags, HS_MSG_PRESENT | HS_MSG_COMPLETE);
		CHECK_INT(r.ex[i].resp.flags, HS_MSG_PRESENT | HS_MSG_COMPLETE);
	}
	result_free(&r);
	sc_free(&sc);
}

static void test_malformed(void)
{
	struct script sc;
	struct result r;
	uint8_t big[9] = { 0x01, 0x86, 0xa0, DATA, 0, 0, 0, 0, 1 };	/* 100000 > 16384 */

	sc_init(&sc, 0);
	sc_start(&sc);
	sc_headers(&sc, 0, 1, END_STREAM, get_req);
	sc_frame(&sc, 1, 0xa, 0, 0, "\0\0altsvc", 8);		/* unknown to RFC 9113: ignored */
	sc_headers(&sc, 1, 1, 0, NV(":status", "200"));
	sc_frame(&sc, 1, 0xfe, 0x3, 1, "ext", 3);
	sc_data(&sc, 1, 1, END_STREAM, "ok");
	sc_bytes(&sc, 1, big, sizeof(big));			/* over the frame size limit */
	sc_headers(&sc, 0, 3, END_STREAM, get_req);
	sc_headers(&sc, 1, 3, END_STREAM, NV(":status", "500", "x-after", "resync"));
	sc_frame(&sc, 1, PING, 0, 0, "12345678", 8);
	run_all(&sc, &r, "malformed");
	CHECK_INT(r.n, 2);
	if (r.n == 2) {
		check_body(&r.ex[0].resp, "ok");
		CHECK_INT(r.ex[0].resp.flags, HS_MSG_PRESENT | HS_MSG_COMPLETE);
		CHECK_INT(r.ex[1].stream_id, 3);
		CHECK_INT(r.ex[1].resp.status, 500);
		check_headers(&r.ex[1].resp, NV(":status", "500", "x-after", "resync"), "resync");
	}
	result_free(&r);
	sc_free(&sc);
}

/* A PUSH_PROMISE written by the client (which cannot push) opens no stream, its fields kept
 * in the HPACK table; of two :status fields the first counts, as of two :method or :path. */
static void test_client_push_two_status(void)
{
	struct script sc;
	struct result r;
	uint8_t blk[1024], pl[1100];
	size_t n;

	sc_init(&sc, 0);
	sc_start(&sc);
	sc_headers(&sc, 0, 1, END_STREAM, get_req);
	memcpy(pl, "\0\0\0\x02", 4);
	n = encode(&sc, 0, blk, sizeof(blk), NV(":method", "GET", ":scheme", "https",
						":path", "/pushed-by-client", ":authority", "e"));
	memcpy(pl + 4, blk, n);
	sc_frame(&sc, 0, PUSH_PROMISE, END_HEADERS, 1, pl, 4 + n);
	sc_headers(&sc, 1, 1, END_STREAM, NV(":status", "204", ":status", "500"));
	sc_headers(&sc, 0, 3, END_STREAM, get_req);
	sc_headers(&sc, 1, 3, END_STREAM, NV(":status", "200"));
	run_all(&sc, &r, "client push");
	CHECK_INT(r.n, 2);
	if (r.n == 2) {
		CHECK_INT(r.ex[0].stream_id, 1);
		CHECK_INT(r.ex[0].resp.status, 204);
		CHECK_INT(r.ex[1].stream_id, 3);
		CHECK_INT(r.ex[1].flags, 0);
		check_headers(&r.ex[1].req, get_req, "after a client's push");
	}
	result_free(&r);
	sc_free(&sc);
}

/* A NUL in :path (malformed, RFC 9113 8.2.1) would end the summary's copy of it early,
 * hiding what follows: the request is invalid, :status must be three digits. */
static void test_nul_in_path(void)
{
	/* :method GET, :scheme https (static table), :path literal "/p\0?q" */
	static const uint8_t blk[] = { 0x82, 0x87, 0x04, 5, '/', 'p', 0, '?', 'q' };
	struct script sc;
	struct result r;

	sc_init(&sc, 0);
	sc_start(&sc);
	sc_frame(&sc, 0, HEADERS, END_HEADERS | END_STREAM, 1, blk, sizeof(blk));
	sc_headers(&sc, 1, 1, END_STREAM, NV(":status", "2x0"));
	run_all(&sc, &r, "NUL in :path");
	CHECK_INT(r.n, 1);
	if (r.n == 1) {
		CHECK(r.ex[0].req.flags & HS_MSG_INVALID);
		CHECK_INT(r.ex[0].resp.status, 0);
	}
	result_free(&r);
	sc_free(&sc);
}

/* After a gap, a frame that ends where its record ends is taken at once: a request written
 * alone after lost bytes is not held back until the next write (its response would find no
 * request). The header block uses no dynamic table entry (the gap reset it). */
static void test_resync_at_record_end(void)
{
	/* :method GET, :scheme https (static table), :path literal "/two" */
	static const uint8_t blk[] = { 0x82, 0x87, 0x04, 4, '/', 't', 'w', 'o' };
	struct script sc;
	struct result r;

	sc_init(&sc, 0);
	sc_start(&sc);
	sc_headers(&sc, 0, 1, END_STREAM, get_req);
	sc_headers(&sc, 1, 1, END_STREAM, NV(":status", "200"));
	sc_gap(&sc, 0, 13);
	sc_frame(&sc, 0, HEADERS, END_HEADERS | END_STREAM, 3, blk, sizeof(blk));
	sc_headers(&sc, 1, 3, 0, NV(":status", "200"));
	sc_data(&sc, 1, 3, END_STREAM, "hello");
	run_all(&sc, &r, "resync at a record's end");
	CHECK_INT(r.n, 2);
	if (r.n == 2) {
		CHECK_INT(r.ex[1].stream_id, 3);
		CHECK_INT(r.ex[1].flags & HS_EX_NO_REQUEST, 0);
		CHECK_STR(r.ex[1].req.method, "GET");
		CHECK_STR(r.ex[1].req.target, "/two");
		check_body(&r.ex[1].resp, "hello");
	}
	result_free(&r);
	sc_free(&sc);
}

/* The end of an upload lost in a gap: the exchange is printed when its response ends, not
 * when the connection closes. */
static void test_request_end_lost(void)
{
	static const uint8_t blk[] = { 0x82, 0x87, 0x04, 5, '/', 'n', 'e', 'x', 't' };
	struct script sc;
	struct result r;

	sc_init(&sc, 0);
	sc_start(&sc);
	sc_headers(&sc, 0, 1, 0, NV(":method", "POST", ":scheme", "https", ":path", "/upload",
				   ":authority", "example.com"));
	sc_data(&sc, 0, 1, 0, "part one");
	sc_gap(&sc, 0, 100);
	sc_headers(&sc, 1, 1, 0, NV(":status", "201"));
	sc_data(&sc, 1, 1, END_STREAM, "created");
	sc_frame(&sc, 0, HEADERS, END_HEADERS | END_STREAM, 3, blk, sizeof(blk));
	sc_headers(&sc, 1, 3, END_STREAM, NV(":status", "200"));
	run_all(&sc, &r, "request end lost");
	CHECK_INT(r.n, 2);
	if (r.n == 2) {
		CHECK_INT(r.ex[0].stream_id, 1);
		CHECK_STR(r.ex[0].req.target, "/upload");
		CHECK_INT(r.ex[0].req.flags & (HS_MSG_GAP | HS_MSG_COMPLETE), HS_MSG_GAP);
		CHECK_INT(r.ex[0].resp.status, 201);
		check_body(&r.ex[0].resp, "created");
		CHECK_INT(r.ex[1].stream_id, 3);
		CHECK_STR(r.ex[1].req.target, "/next");
	}
	result_free(&r);
	sc_free(&sc);
}

/* Malformed messages (RFC 9113 5.1, 6.1, 6.2, 8.1, 8.2.1, 8.3) are marked invalid, never
 * dropped nor shown as clean ones. */
static void test_malformed_messages(void)
{
	const struct {
		const char *name;
		const char *const *req, *const *resp;
	} fields[] = {
		{ "duplicate :path", NV(":method", "GET", ":scheme", "https", ":path", "/public",
					":path", "/admin", ":authority", "e"), NULL },
		{ "pseudo after regular", NV(":method", "GET", ":scheme", "https", "x-a", "1",
					     ":path", "/late"), NULL },
		{ "uppercase name", NULL, NV(":status", "200", "Content-Type", "text/plain") },
		{ "no :status", NULL, NV("content-type", "text/plain") },
		{ ":status of four digits", NULL, NV(":status", "2000") },
	};
	struct script sc;
	struct result r;
	uint32_t sid = 1;

	sc_init(&sc, 0);
	sc_start(&sc);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++, sid += 2) {
		sc_headers(&sc, 0, sid, END_STREAM, fields[i].req ? fields[i].req : get_req);
		sc_headers(&sc, 1, sid, END_STREAM, fields[i].resp ? fields[i].resp :
						    NV(":status", "200"));
	}
	/* a second final response, without END_STREAM, its body joined to the first */
	sc_headers(&sc, 0, sid, END_STREAM, get_req);
	sc_headers(&sc, 1, sid, 0, NV(":status", "200"));
	sc_data(&sc, 1, sid, 0, "first");
	sc_headers(&sc, 1, sid, 0, NV(":status", "404"));
	sc_data(&sc, 1, sid, END_STREAM, "x");
	/* trailers holding a pseudo-header field */
	sid += 2;
	sc_headers(&sc, 0, sid, END_STREAM, get_req);
	sc_headers(&sc, 1, sid, 0, NV(":status", "200"));
	sc_data(&sc, 1, sid, 0, "ok");
	sc_headers(&sc, 1, sid, END_STREAM, NV(":status", "500"));
	/* DATA after the request's END_STREAM */
	sid += 2;
	sc_headers(&sc, 0, sid, END_STREAM, get_req);
	sc_data(&sc, 0, sid, 0, "late");
	sc_headers(&sc, 1, sid, END_STREAM, NV(":status", "200"));
	/* padding longer than the frame: DATA, then HEADERS (the request's block is lost) */
	sid += 2;
	sc_headers(&sc, 0, sid, END_STREAM, get_req);
	sc_headers(&sc, 1, sid, 0, NV(":status", "200"));
	sc_frame(&sc, 1, DATA, PADDED | END_STREAM, sid, "\x09" "ab", 3);
	sid += 2;
	sc_frame(&sc, 0, HEADERS, END_HEADERS | END_STREAM | PADDED, sid, "\xc8\x82", 2);
	sc_headers(&sc, 1, sid, END_STREAM, NV(":status", "204"));
	run_all(&sc, &r, "malformed messages");
	CHECK_INT(r.n, 10);
	if (r.n != 10)
		goto out;
	for (int i = 0; i < 10; i++) {
		const struct hs_message *bad = i < 2 || i == 7 || i == 9 ? &r.ex[i].req :
					       &r.ex[i].resp;

		CHECK_INT(r.ex[i].stream_id, 2 * i + 1);
		CHECK(bad->flags & HS_MSG_INVALID);
		if (!(bad->flags & HS_MSG_INVALID))
			fprintf(stderr, "  (malformed message %d not marked)\n", i);
	}
	CHECK_STR(r.ex[0].req.target, "/public");
	CHECK_INT(r.ex[6].resp.status, 200);
	CHECK_INT(r.ex[7].req.body_size, 0);
	CHECK_INT(r.ex[8].resp.status, 200);
	CHECK_INT(r.ex[9].req.flags & HS_MSG_HDRS_LOST, HS_MSG_HDRS_LOST);
	CHECK_INT(r.ex[9].resp.status, 204);
out:
	result_free(&r);
	sc_free(&sc);
}

static void sum_kept(const struct hs_exchange *ex, void *ctx)
{
	size_t *sum = ctx;

	sum[0] += ex->req.body_kept + ex->resp.body_kept;
	sum[1] += !!(ex->req.flags & HS_MSG_TRUNCATED);
	sum[2]++;
}

/* 80 uploads of 1 MiB at once with -s 1048576: the open streams of one connection keep at
 * most 64 MiB of body (16 bodies' worth, never less than 64 MiB), the rest is cut. */
static void test_body_budget(void)
{
	static const struct hs_limits big = { .max_body = 1 << 20, .max_header_bytes = 65536,
					      .max_headers = 128 };
	static const uint8_t chunk[16384];
	struct script sc;
	struct buf up = { 0 };
	size_t sum[3] = { 0 };
	struct hs_http2 *d;

	sc_init(&sc, 0);
	sc_start(&sc);
	for (uint32_t i = 0; i < 80; i++)
		sc_headers(&sc, 0, 2 * i + 1, 0, NV(":method", "POST", ":scheme", "http",
						    ":path", "/up", ":authority", "e"));
	for (int k = 0; k < 64; k++)
		for (uint32_t i = 0; i < 80; i++)
			frame(&up, DATA, 0, 2 * i + 1, chunk, sizeof(chunk));
	sc_bytes(&sc, 0, up.p, up.n);	/* one record: a script holds few */
	free(up.p);
	for (uint32_t i = 0; i < 80; i++) {
		sc_frame(&sc, 0, DATA, END_STREAM, 2 * i + 1, "", 0);
		sc_headers(&sc, 1, 2 * i + 1, END_STREAM, NV(":status", "200"));
	}
	d = hs_http2_new(&ci, &big, sum_kept, sum);
	CHECK(d != NULL);
	for (int i = 0; d && i < sc.nev; i++)
		feed(d, sc.ev[i].dir, sc.data.p + sc.ev[i].off, sc.ev[i].len, i + 1);
	hs_http2_free(d);
	CHECK_INT(sum[2], 80);
	CHECK_INT(sum[0], 64 << 20);
	CHECK_INT(sum[1], 80);		/* interleaved: each had 51 or 52 of its 64 chunks kept */
	sc_free(&sc);
}

static void test_limits(void)
{
	const struct hs_limits small = { .max_body = 4, .max_header_bytes = 160, .max_headers = 3 };
	struct script sc;
	struct result r;
	struct hs_http2 *d;

	sc_init(&sc, 0);
	sc_start(&sc);
	sc_headers(&sc, 0, 1, 0, get_req);		/* 6 fields: 3 kept */
	sc_data(&sc, 0, 1, END_STREAM, "0123456789");
	sc_headers(&sc, 1, 1, 0, NV(":status", "200", "x-a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
				    "x-b", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
				    "x-c", "c"));		/* over 160 bytes: x-b dropped */
	sc_data(&sc, 1, 1, END_STREAM, "abcdef");
	memset(&r, 0, sizeof(r));
	d = hs_http2_new(&ci, &small, on_emit, &r);
	for (int i = 0; i < sc.nev; i++)
		feed(d, sc.ev[i].dir, sc.data.p + sc.ev[i].off, sc.ev[i].len, 1);
	hs_http2_free(d);
	CHECK_INT(r.n, 1);
	if (r.n == 1) {
		CHECK_INT(r.ex[0].req.nheaders, 3);
		CHECK_STR(r.ex[0].req.method, "GET");
		CHECK(r.ex[0].req.flags & HS_MSG_HDRS_CUT);
		CHECK(r.ex[0].req.flags & HS_MSG_TRUNCATED);
		CHECK_INT(r.ex[0].req.body_kept, 4);
		CHECK_INT(r.ex[0].req.body_size, 10);
		CHECK(r.ex[0].resp.flags & HS_MSG_HDRS_CUT);
		check_headers(&r.ex[0].resp, NV(":status", "200",
			      "x-a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "x-c", "c"), "cut");
	}
	result_free(&r);
	sc_free(&sc);
}

static void test_detect(void)
{
	CHECK_INT(hs_http2_detect((const uint8_t *)PREFACE, 24), 1);
	CHECK_INT(hs_http2_detect((const uint8_t *)PREFACE "\0\0\0\x04", 28), 1);
	CHECK_INT(hs_http2_detect((const uint8_t *)PREFACE, 10), -1);
	CHECK_INT(hs_http2_detect((const uint8_t *)"", 0), -1);
	CHECK_INT(hs_http2_detect((const uint8_t *)"PRI * HTTP/1.1", 14), 0);
	CHECK_INT(hs_http2_detect((const uint8_t *)"GET / HTTP/1.1\r\n", 16), 0);
	/* a server preface: SETTINGS on stream 0, before or without the client's preface */
	CHECK_INT(hs_http2_detect_server((const uint8_t *)"\0\0\x0c\x04\0\0\0\0\0", 9), 1);
	CHECK_INT(hs_http2_detect_server((const uint8_t *)"\0\0\0\x04\0\0\0\0\0", 9), 1);
	CHECK_INT(hs_http2_detect_server((const uint8_t *)"\0\0\x0c\x04", 4), -1);
	CHECK_INT(hs_http2_detect_server((const uint8_t *)"", 0), -1);
	CHECK_INT(hs_http2_detect_server((const uint8_t *)"\0\0\0\x04\x01\0\0\0\0", 9), 0);
	CHECK_INT(hs_http2_detect_server((const uint8_t *)"\0\0\x0d\x04\0\0\0\0\0", 9), 0);
	CHECK_INT(hs_http2_detect_server((const uint8_t *)"\0\0\x0c\x01\0", 5), 0);
	CHECK_INT(hs_http2_detect_server((const uint8_t *)"\0\0\x0c\x04\0\0\0\0\x01", 9), 0);
	CHECK_INT(hs_http2_detect_server((const uint8_t *)"GET /", 5), 0);
}

static void test_garbage(void)
{
	/* noise in both directions must neither crash nor produce exchanges */
	struct hs_http2 *d;
	struct result r;
	uint8_t noise[4096];
	uint32_t x = 12345;

	memset(&r, 0, sizeof(r));
	d = hs_http2_new(&ci, &lim, on_emit, &r);
	for (size_t i = 0; i < sizeof(noise); i++) {
		x = x * 1103515245 + 12345;
		noise[i] = (uint8_t)(x >> 16);
	}
	feed(d, 0, noise, sizeof(noise), 1);
	hs_http2_gap(d, 0, 100, 2);
	feed(d, 1, noise + 7, sizeof(noise) - 7, 3);
	hs_http2_flush(d, 4);
	hs_http2_free(d);
	hs_http2_free(NULL);
	CHECK(r.n < 3);
	result_free(&r);
}

/* A response still arriving a second after its headers is emitted once as it stands
 * (HS_EX_STREAMING, its messages kept), then whole when it ends; a stream whose response has
 * not started is not, nor one whose response headers could not be decoded. */
static void test_streaming(void)
{
	const uint64_t sec = 1000000000;
	static const uint8_t lost[] = { 0xbf, 0x07 };	/* index 70: not in the table */
	struct script sc;
	static struct result r;
	struct hs_http2 *d = hs_http2_new(&ci, &lim, on_emit, &r);
	int i;

	sc_init(&sc, 0);
	sc_start(&sc);
	sc_headers(&sc, 0, 1, END_STREAM, get_req);
	sc_headers(&sc, 0, 3, END_STREAM, get_req);
	sc_headers(&sc, 1, 1, 0, NV(":status", "200", "content-type", "text/event-stream"));
	sc_data(&sc, 1, 1, 0, "data: 1\n\n");
	sc_headers(&sc, 0, 5, END_STREAM, get_req);
	sc_frame(&sc, 1, HEADERS, END_HEADERS, 5, lost, sizeof(lost));
	sc_data(&sc, 1, 1, 0, "data: 2\n\n");
	sc_data(&sc, 1, 1, END_STREAM, "data: 3\n\n");
	for (i = 0; i < sc.nev - 2; i++)
		feed(d, sc.ev[i].dir, sc.data.p + sc.ev[i].off, sc.ev[i].len, 10);
	hs_http2_tick(d, 10 + sec - 1, sec);
	CHECK_INT(r.n, 0);
	hs_http2_tick(d, 10 + sec, sec);
	CHECK_INT(r.n, 1);
	if (r.n == 1) {
		CHECK_INT(r.ex[0].stream_id, 1);
		CHECK_INT(r.ex[0].flags, HS_EX_STREAMING);
		CHECK_INT(r.ex[0].req.flags, HS_MSG_PRESENT | HS_MSG_COMPLETE);
		CHECK_INT(r.ex[0].resp.flags, HS_MSG_PRESENT);
		CHECK_INT(r.ex[0].resp.status, 200);
		check_body(&r.ex[0].resp, "data: 1\n\n");
	}
	hs_http2_tick(d, 10 + 5 * sec, sec);
	CHECK_INT(r.n, 1);
	for (; i < sc.nev; i++)
		feed(d, sc.ev[i].dir, sc.data.p + sc.ev[i].off, sc.ev[i].len, 10 + 6 * sec);
	CHECK_INT(r.n, 2);
	if (r.n == 2) {
		CHECK_INT(r.ex[1].stream_id, 1);
		CHECK_INT(r.ex[1].flags, 0);
		CHECK_INT(r.ex[1].resp.flags, HS_MSG_PRESENT | HS_MSG_COMPLETE);
		check_body(&r.ex[1].resp, "data: 1\n\ndata: 2\n\ndata: 3\n\n");
	}
	hs_http2_flush(d, 10 + 7 * sec);
	CHECK_INT(r.n, 4);
	if (r.n == 4) {
		CHECK_INT(r.ex[2].stream_id, 3);
		CHECK_INT(r.ex[2].flags, HS_EX_NO_RESPONSE);
		CHECK_INT(r.ex[3].stream_id, 5);
		CHECK_INT(r.ex[3].resp.flags, HS_MSG_PRESENT | HS_MSG_HDRS_LOST);
	}
	hs_http2_free(d);
	result_free(&r);
	sc_free(&sc);
}

int main(void)
{
	test_detect();
	test_get(0);
	test_get(1);
	test_post();
	test_early_response();
	test_continuation();
	test_padding_priority();
	test_interleaved();
	test_trailers_informational();
	test_rst_goaway();
	test_rst_many();
	test_push();
	test_gap();
	test_midconn(0);
	test_midconn(1);
	test_h2c_upgrade(0);
	test_h2c_upgrade(1);
	test_hpack_error();
	test_table_size();
	test_grpc();
	test_flush_and_limits();
	test_streaming();
	test_rfc7541(0);
	test_rfc7541(1);
	test_malformed();
	test_client_push_two_status();
	test_nul_in_path();
	test_resync_at_record_end();
	test_request_end_lost();
	test_malformed_messages();
	test_body_budget();
	test_limits();
	test_garbage();
	return CHECK_DONE();
}
