/* test_http1.c: HTTP/1.x decoder and pairing (RFC 9112), fed whole, byte by byte and split. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "http1.h"

#define P HS_MSG_PRESENT
#define C HS_MSG_COMPLETE
#define INV HS_MSG_INVALID
#define TR HS_MSG_TRUNCATED
#define GAPF HS_MSG_GAP
#define CUT HS_MSG_HDRS_CUT
#define PC (P | C)
#define REQ11(f, m, t) .flags = (f), .version = 11, .method = (m), .target = (t)
#define RESP11(f, st) .flags = (f), .version = 11, .status = (st)

/* Input: bytes of one direction, or a gap of `gap` bytes when data is NULL. */
struct chunk {
	int dir;
	const char *data;
	size_t len;
	uint64_t gap;
};

#define D0(s) { 0, s, sizeof(s) - 1, 0 }
#define D1(s) { 1, s, sizeof(s) - 1, 0 }
#define GAP(d, n) { d, NULL, 0, n }
#define UNSEEN(d) { d, NULL, 0, UINT64_MAX }	/* hs_http1_unseen() */

/* Expected message; NULL strings and 0 timestamps are not checked. */
struct xmsg {
	unsigned flags;
	int version;
	const char *method, *target, *authority;
	int status;
	const char *reason;
	const char *headers;		/* "Name: value\n" per field, in order */
	const char *trailers;
	const char *interim;		/* response: "status reason\n" then "  Name: value\n" per
					 * field, for each interim response; NULL: none */
	const char *body;		/* kept bytes */
	size_t body_len;		/* 0: strlen(body) */
	uint64_t body_size;
	uint64_t ts_first, ts_last;
};

struct xex {
	unsigned flags;
	uint64_t skipped;
	struct xmsg req, resp;
};

struct tcase {
	const char *name;
	struct hs_limits lim;		/* all zero: HS_LIMITS_DEFAULT */
	struct chunk in[12];
	int nbefore;			/* exchanges emitted before the flush */
	int rc, rc_dir;			/* final feed result and the direction that got it */
	size_t consumed;		/* HTTP/1 bytes of rc_dir when rc != 0 */
	struct xex ex[6];
};

/* What the decoder emitted, copied out of the callback. */
struct rmsg {
	unsigned flags;
	int version, status;
	char *method, *target, *authority, *reason;
	char headers[1024], trailers[256], interim[512];
	uint8_t *body;
	size_t body_kept;
	uint64_t body_size, ts_first, ts_last;
};

struct rex {
	unsigned flags;
	uint64_t skipped;
	struct rmsg req, resp;
};

struct run {
	struct rex ex[128];
	int n, nbefore, rc;
	size_t consumed[2];
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void join(char *out, size_t cap, const struct hs_header *h, uint32_t n)
{
	size_t off = 0;

	out[0] = '\0';
	for (uint32_t i = 0; i < n && off < cap; i++) {
		int w = snprintf(out + off, cap - off, "%s: %s\n", h[i].name, h[i].value);

		if (w < 0)
			break;
		off += (size_t)w;
	}
}

static void copy_msg(struct rmsg *r, const struct hs_message *m)
{
	r->flags = m->flags;
	r->version = m->version;
	r->status = m->status;
	r->method = dup_or_null(m->method);
	r->target = dup_or_null(m->target);
	r->authority = dup_or_null(m->authority);
	r->reason = dup_or_null(m->reason);
	join(r->headers, sizeof(r->headers), m->headers, m->nheaders);
	join(r->trailers, sizeof(r->trailers), m->trailers, m->ntrailers);
	r->interim[0] = '\0';
	for (uint32_t i = 0; i < m->ninterim; i++) {
		const struct hs_message *im = &m->interim[i];
		size_t off = strlen(r->interim);

		CHECK_INT(im->flags, PC);
		snprintf(r->interim + off, sizeof(r->interim) - off, "%d %s\n", im->status,
			 im->reason ? im->reason : "");
		for (uint32_t k = 0; k < im->nheaders; k++) {
			off = strlen(r->interim);
			snprintf(r->interim + off, sizeof(r->interim) - off, "  %s: %s\n",
				 im->headers[k].name, im->headers[k].value);
		}
	}
	r->body = malloc(m->body_kept + 1);
	if (m->body_kept)
		memcpy(r->body, m->body, m->body_kept);
	r->body_kept = m->body_kept;
	r->body_size = m->body_size;
	r->ts_first = m->ts_first;
	r->ts_last = m->ts_last;
}

static void free_msg(struct rmsg *r)
{
	free(r->method);
	free(r->target);
	free(r->authority);
	free(r->reason);
	free(r->body);
}

static void record(const struct hs_exchange *ex, void *ctx)
{
	struct run *r = ctx;
	struct rex *x;

	CHECK(ex->proto == HS_PROTO_HTTP1);
	if (r->n >= (int)(sizeof(r->ex) / sizeof(r->ex[0]))) {
		r->n++;
		return;
	}
	x = &r->ex[r->n++];
	x->flags = ex->flags;
	x->skipped = ex->skipped;
	copy_msg(&x->req, &ex->req);
	copy_msg(&x->resp, &ex->resp);
}

static void free_run(struct run *r)
{
	int n = r->n < 128 ? r->n : 128;

	for (int i = 0; i < n; i++) {
		free_msg(&r->ex[i].req);
		free_msg(&r->ex[i].resp);
	}
}

enum mode { WHOLE, BYTES, SPLIT };

static const struct hs_conninfo conninfo = { .pid = 1, .comm = "test", .fd = 3 };
static const struct hs_limits default_limits = HS_LIMITS_DEFAULT;

static void feed(struct hs_http1 *d, struct run *r, int dir, const char *p, size_t n,
		 uint64_t ts)
{
	size_t used = 12345;
	int rc = hs_http1_feed(d, dir, (const uint8_t *)p, n, ts, &used);

	CHECK(rc >= 0);
	CHECK(used <= n);
	if (rc == 0)
		CHECK_INT(used, n);
	else if (!r->rc)
		r->rc = rc;
	else
		CHECK_INT(rc, r->rc);	/* stays stopped */
	r->consumed[dir] += used;
}

/* Runs one case; for SPLIT, chunk k is fed as two pieces cut at pos. */
static void run_case(const struct tcase *c, enum mode mode, int k, size_t pos, struct run *r)
{
	const struct hs_limits *lim = c->lim.max_header_bytes ? &c->lim : &default_limits;
	struct hs_http1 *d = hs_http1_new(&conninfo, lim, record, r);
	uint64_t ts = 0;

	memset(r, 0, sizeof(*r));
	CHECK(d != NULL);
	if (!d)
		return;
	for (int j = 0; c->in[j].data || c->in[j].gap; j++) {
		const struct chunk *ch = &c->in[j];

		ts = (uint64_t)(j + 1) * 1000;
		if (!ch->data && ch->gap == UINT64_MAX)
			hs_http1_unseen(d, ch->dir);
		else if (!ch->data)
			hs_http1_gap(d, ch->dir, ch->gap, ts);
		else if (mode == BYTES)
			for (size_t i = 0; i < ch->len; i++)
				feed(d, r, ch->dir, ch->data + i, 1, ts);
		else if (mode == SPLIT && j == k) {
			feed(d, r, ch->dir, ch->data, pos, ts);
			feed(d, r, ch->dir, ch->data + pos, ch->len - pos, ts);
		} else
			feed(d, r, ch->dir, ch->data, ch->len, ts);
	}
	r->nbefore = r->n;
	hs_http1_flush(d, ts + 1, 1);
	hs_http1_free(d);
}

static void check_msg(const struct xmsg *x, const struct rmsg *m, int is_req)
{
	CHECK_INT(m->flags, x->flags);
	if (!x->flags)
		return;
	if (x->version)
		CHECK_INT(m->version, x->version);
	if (is_req) {
		if (x->method)
			CHECK_STR(m->method, x->method);
		if (x->target)
			CHECK_STR(m->target, x->target);
		if (x->authority)
			CHECK_STR(m->authority, x->authority);
	} else {
		CHECK_INT(m->status, x->status);
		if (x->reason)
			CHECK_STR(m->reason, x->reason);
		CHECK_STR(m->interim, x->interim ? x->interim : "");
	}
	if (x->headers)
		CHECK_STR(m->headers, x->headers);
	if (x->trailers)
		CHECK_STR(m->trailers, x->trailers);
	if (x->body) {
		size_t n = x->body_len ? x->body_len : strlen(x->body);

		CHECK_INT(m->body_kept, n);
		CHECK(m->body_kept == n && memcmp(m->body, x->body, n) == 0);
	}
	CHECK_INT(m->body_size, x->body_size);
	if (x->ts_first)
		CHECK_INT(m->ts_first, x->ts_first);
	if (x->ts_last)
		CHECK_INT(m->ts_last, x->ts_last);
}

static void check_run(const struct tcase *c, const struct run *r)
{
	int n = 0;

	while (n < 6 && (c->ex[n].req.flags || c->ex[n].resp.flags))
		n++;
	CHECK_INT(r->n, n);
	CHECK_INT(r->nbefore, c->nbefore);
	CHECK_INT(r->rc, c->rc);
	if (c->rc)
		CHECK_INT(r->consumed[c->rc_dir], c->consumed);
	for (int i = 0; i < n && i < r->n; i++) {
		CHECK_INT(r->ex[i].flags, c->ex[i].flags);
		CHECK_INT(r->ex[i].skipped, c->ex[i].skipped);
		check_msg(&c->ex[i].req, &r->ex[i].req, 1);
		check_msg(&c->ex[i].resp, &r->ex[i].resp, 0);
	}
}

/* Runs and checks; says which run failed, once per case and mode. */
static int run_and_check(const struct tcase *c, enum mode mode, int k, size_t pos)
{
	static struct run r;
	int before = check_failures;

	run_case(c, mode, k, pos, &r);
	check_run(c, &r);
	free_run(&r);
	if (check_failures != before) {
		static const char *const names[] = { "whole", "bytes", "split" };

		fprintf(stderr, "  ^ case \"%s\", %s", c->name, names[mode]);
		if (mode == SPLIT)
			fprintf(stderr, " chunk %d at %zu", k, pos);
		fprintf(stderr, "\n");
		return 1;
	}
	return 0;
}

#define WS101 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n" \
	"Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
#define H2C101 "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"
#define CHUNKED_THEN_H2C "HTTP/1.1 200 OK\r\nServer: s\r\nTransfer-Encoding: chunked\r\n\r\n" \
	"3\r\nabc\r\n0\r\n\r\n" H2C101
#define CONNECT200 "HTTP/1.1 200 Connection Established\r\n\r\n"
#define OLD_TAIL0 "upload tail 0123456789"
#define OLD_TAIL1 "<p>old response</p>\n"

static char big[102400];		/* 100 KiB request body, filled in main */

static struct tcase cases[] = {
	{
		.name = "GET keep-alive, three exchanges",
		.in = {
			D0("GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello"),
			D0("GET /b HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t/1\r\n\r\n"),
			D1("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"),
			D0("GET /c?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
		},
		.nbefore = 3,
		.ex = {
			{ .req = { REQ11(PC, "GET", "/a"), .authority = "example.com", .headers = "Host: example.com\n",
				   .body = "", .ts_first = 1000, .ts_last = 1000 },
			  .resp = { RESP11(PC, 200), .reason = "OK",
				    .headers = "Content-Length: 5\nContent-Type: text/plain\n",
				    .body = "hello", .body_size = 5, .ts_first = 2000, .ts_last = 2000 } },
			{ .req = { REQ11(PC, "GET", "/b"), .authority = "example.com",
				   .headers = "Host: example.com\nUser-Agent: t/1\n" },
			  .resp = { RESP11(PC, 404), .reason = "Not Found", .body = "" } },
			{ .req = { REQ11(PC, "GET", "/c?q=1"), .ts_first = 5000 },
			  .resp = { RESP11(PC, 200), .body = "abc", .body_size = 3,
				    .ts_last = 6000 } },
		},
	},
	{
		.name = "server side: request read, response written",
		.in = {
			D1("POST /api/items HTTP/1.1\r\nHost: svc:8080\r\nContent-Length: 11\r\n"
			   "Content-Type: application/json\r\n\r\n{\"id\": 42}\n"),
			D0("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"),
		},
		.nbefore = 1,
		.ex = {
			{ .req = { REQ11(PC, "POST", "/api/items"), .authority = "svc:8080",
				   .body = "{\"id\": 42}\n", .body_size = 11 },
			  .resp = { RESP11(PC, 201), .reason = "Created", .body = "ok",
				    .body_size = 2 } },
		},
	},
	{
		.name = "POST Content-Length body in pieces",
		.in = {
			D0("POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 13\r\n\r\n"),
			D0("name=a"),
			D0("&x=1234"),
			D1("HTTP/1.1 303 See Other\r\nLocation: /done\r\nContent-Length: 0\r\n\r\n"),
		},
		.nbefore = 1,
		.ex = {
			{ .req = { REQ11(PC, "POST", "/form"), .authority = "h", .body = "name=a&x=1234", .body_size = 13,
				   .ts_first = 1000, .ts_last = 3000 },
			  .resp = { RESP11(PC, 303), .headers = "Location: /done\nContent-Length: 0\n",
				    .body = "" } },
		},
	},
	{
		.name = "chunked with extensions and trailers",
		.in = {
			D0("POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
			   "5;name=value\r\nhello\r\n7 ; ext\r\n, world\r\n0;last\r\n"
			   "X-Checksum: abc\r\nX-Other:  v \r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
			   "A\r\n0123456789\r\n0\r\n\r\n"),
		},
		.nbefore = 1,
		.ex = {
			{ .req = { REQ11(PC, "POST", "/upload"), .body = "hello, world", .body_size = 12,
				   .trailers = "X-Checksum: abc\nX-Other: v\n" },
			  .resp = { RESP11(PC, 200), .body = "0123456789", .body_size = 10,
				    .trailers = "" } },
		},
	},
	{
		/* RFC 9110 5.6.1: empty list elements do not count, also across field lines */
		.name = "Transfer-Encoding ending in empty elements is still chunked",
		.in = {
			D0("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, \r\n\r\n"
			   "3\r\nabc\r\n0\r\n\r\n"),
			D0("GET /2 HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: ,\r\n\r\n"
			   "2\r\nde\r\n0\r\n\r\n"),
		},
		.nbefore = 2,
		.ex = {
			{ .req = { REQ11(PC, "GET", "/1") },
			  .resp = { RESP11(PC, 200), .body = "abc", .body_size = 3 } },
			{ .req = { REQ11(PC, "GET", "/2") },
			  .resp = { RESP11(PC, 200), .body = "de", .body_size = 2 } },
		},
	},
	{
		/* RFC 9112 6.1: faulty framing, shown as invalid; its Content-Length frames it */
		.name = "HTTP/1.0 message with Transfer-Encoding is invalid",
		.in = {
			D0("POST /a HTTP/1.0\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
			   "Content-Length: 3\r\n\r\nabc"),
			D1("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
		},
		.nbefore = 1,
		.ex = {
			{ .req = { .flags = PC | INV, .version = 10, .method = "POST", .target = "/a",
				   .body = "abc", .body_size = 3 },
			  .resp = { RESP11(PC, 400), .body = "" } },
		},
	},
	{
		/* RFC 9110 5.5: a NUL makes a field value invalid; the summary strings show it as
		 * SP instead of ending there and hiding the rest */
		.name = "NUL in Host and in the reason phrase: invalid, nothing hidden",
		.in = {
			D0("GET / HTTP/1.1\r\nHost: a\0b.example\r\n\r\n"),
			D1("HTTP/1.1 200 OK\0\x1b[31mhidden\r\nContent-Length: 0\r\n\r\n"),
		},
		.nbefore = 1,
		.ex = {
			{ .req = { REQ11(PC | INV, "GET", "/"), .authority = "a b.example" },
			  .resp = { RESP11(PC | INV, 200), .reason = "OK \x1b[31mhidden" } },
		},
	},
	{
		.name = "HEAD response has no body despite Content-Length",
		.in = {
			D0("HEAD /big HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"),
			D0("GET /x HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"),
		},
		.nbefore = 2,
		.ex = {
			{ .req = { REQ11(PC, "HEAD", "/big") },
			  .resp = { RESP11(PC, 200), .headers = "Content-Length: 1000\n", .body = "" } },
			{ .req = { REQ11(PC, "GET", "/x") },
			  .resp = { RESP11(PC, 200), .body = "hi", .body_size = 2 } },
		},
	},
	{
		.name = "204 and 304 have no body",
		.in = {
			D0("DELETE /x/1 HTTP/1.1\r\nHost: h\r\n\r\n"
			   "GET /y HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"e\"\r\n\r\n"
			   "GET /z HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 204 No Content\r\n\r\n"
			   "HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\nContent-Length: 77\r\n\r\n"
			   "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz"),
		},
		.nbefore = 3,
		.ex = {
			{ .req = { REQ11(PC, "DELETE", "/x/1") },
			  .resp = { RESP11(PC, 204), .reason = "No Content", .body = "" } },
			{ .req = { REQ11(PC, "GET", "/y"), .headers = "Host: h\nIf-None-Match: \"e\"\n" },
			  .resp = { RESP11(PC, 304), .reason = "Not Modified", .body = "" } },
			{ .req = { REQ11(PC, "GET", "/z") },
			  .resp = { RESP11(PC, 200), .body = "z", .body_size = 1 } },
		},
	},
	{
		.name = "Expect: 100-continue with a 100 KiB body",
		.in = {
			D0("PUT /blob HTTP/1.1\r\nHost: h\r\nContent-Length: 102400\r\n"
			   "Expect: 100-continue\r\n\r\n"),
			D1("HTTP/1.1 100 Continue\r\n\r\n"),
			{ 0, big, sizeof(big), 0 },
			D1("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"),
		},
		.nbefore = 1,
		.ex = {
			{ .req = { REQ11(P | C | TR, "PUT", "/blob"), .authority = "h", .body = big, .body_len = 4096,
				   .body_size = 102400, .ts_first = 1000, .ts_last = 3000 },
			  .resp = { RESP11(PC, 201), .reason = "Created", .headers = "Content-Length: 0\n",
				    .interim = "100 Continue\n", .body = "", .ts_first = 4000 } },
		},
	},
	{
		.name = "pipelining: three requests before the responses",
		.in = {
			D0("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n"
			   "POST /3 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1"
			   "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2"
			   "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 1\r\n\r\n3"),
		},
		.nbefore = 3,
		.ex = {
			{ .req = { REQ11(PC, "GET", "/1") }, .resp = { RESP11(PC, 200), .body = "1", .body_size = 1 } },
			{ .req = { REQ11(PC, "GET", "/2") }, .resp = { RESP11(PC, 200), .body = "2", .body_size = 1 } },
			{ .req = { REQ11(PC, "POST", "/3"), .body = "abc", .body_size = 3 },
			  .resp = { RESP11(PC, 500), .reason = "Internal Server Error", .body = "3",
				    .body_size = 1 } },
		},
	},
	{
		.name = "HTTP/1.0 response without length, completed by the close",
		.in = {
			D0("GET /old HTTP/1.0\r\n\r\n"),
			D1("HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>"),
			D1("</html>"),
		},
		.nbefore = 0,
		.ex = {
			{ .req = { .flags = PC, .version = 10, .method = "GET", .target = "/old", .headers = "" },
			  .resp = { .flags = PC, .version = 10, .status = 200, .body = "<html></html>", .body_size = 13,
				    .ts_last = 3000 } },
		},
	},
	{
		.name = "Connection: close",
		.in = {
			D0("GET / HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
			D0("GET /last HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end"),
		},
		.nbefore = 1,
		.ex = {
			{ .req = { REQ11(PC, "GET", "/") }, .resp = { RESP11(PC, 200), .body = "ok", .body_size = 2 } },
			{ .req = { REQ11(PC, "GET", "/last") },
			  .resp = { RESP11(PC, 200), .body = "until the end", .body_size = 13 } },
		},
	},
	{
		.name = "requests without response at flush, response cut short",
		.in = {
			D0("GET /a HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
			D0("GET /b HTTP/1.1\r\nHost: h\r\n\r\n"),
			D0("POST /c HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n12345"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
		},
		.nbefore = 1,
		.ex = {
			{ .req = { REQ11(PC, "GET", "/a") }, .resp = { RESP11(PC, 200), .body = "" } },
			{ .req = { REQ11(PC, "GET", "/b") },
			  .resp = { RESP11(P, 200), .body = "abc", .body_size = 3 } },
			{ .flags = HS_EX_NO_RESPONSE,
			  .req = { REQ11(P, "POST", "/c"), .body = "12345", .body_size = 5 } },
		},
	},
	{
		.name = "response without a request",
		.in = {
			D1("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"),
		},
		.nbefore = 1,
		.ex = {
			{ .flags = HS_EX_NO_REQUEST,
			  .resp = { RESP11(PC, 200), .body = "hi", .body_size = 2 } },
		},
	},
	{
		.name = "101 upgrade to websocket stops decoding",
		.in = {
			D0("GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
			   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"),
			D1(WS101 "\x81\x05hello"),
			D0("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"),
		},
		.nbefore = 1,
		.rc = HS_HTTP1_STOPPED, .rc_dir = 1, .consumed = sizeof(WS101) - 1,
		.ex = {
			{ .flags = HS_EX_UPGRADE,
			  .req = { REQ11(PC, "GET", "/chat") },
			  .resp = { RESP11(PC, 101), .reason = "Switching Protocols", .body = "",
				    .headers = "Upgrade: websocket\nConnection: Upgrade\n"
					       "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\n" } },
		},
	},
	{
		.name = "101 upgrade to h2c hands over to HTTP/2",
		.in = {
			D0("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\n"
			   "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"),
			D1(H2C101 "\x00\x00\x00\x04\x00\x00\x00\x00\x00"),
			D0("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
		},
		.nbefore = 1,
		.rc = HS_HTTP1_UPGRADE_H2, .rc_dir = 1, .consumed = sizeof(H2C101) - 1,
		.ex = {
			{ .flags = HS_EX_UPGRADE,
			  .req = { REQ11(PC, "GET", "/") },
			  .resp = { RESP11(PC, 101), .body = "" } },
		},
	},
	{
		.name = "CONNECT 200 opens a tunnel",
		.in = {
			D0("CONNECT example.com:443 HTTP/1.1\r\nProxy-Authorization: Basic eDp5\r\n\r\n"),
			D1(CONNECT200 "\x16\x03\x03\x00\x02"),
			D0("\x16\x03\x01\x00\x05hello"),
		},
		.nbefore = 1,
		.rc = HS_HTTP1_STOPPED, .rc_dir = 1, .consumed = sizeof(CONNECT200) - 1,
		.ex = {
			{ .flags = HS_EX_UPGRADE, .req = { REQ11(PC, "CONNECT", "example.com:443"), .authority = "example.com:443" },
			  .resp = { RESP11(PC, 200), .reason = "Connection Established" } },
		},
	},
	{
		.name = "gap inside a Content-Length body",
		.in = {
			D0("GET /file HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nabc"),
			GAP(1, 99990),
			D1("1234567"),
			D0("GET /next HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
		},
		.nbefore = 2,
		.ex = {
			{ .req = { REQ11(PC, "GET", "/file") },
			  .resp = { RESP11(P | C | GAPF | TR, 200), .body = "abc",
				    .body_size = 100000, .ts_last = 4000 } },
			{ .req = { REQ11(PC, "GET", "/next") },
			  .resp = { RESP11(PC, 200), .body = "ok", .body_size = 2 } },
		},
	},
	{
		.name = "gap inside headers, then resync",
		.in = {
			D0("GET /a HTTP/1.1\r\nHost: h\r\nAcc"),
			GAP(0, 20),
			D0("ept: */*\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"
			   "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"),
		},
		.nbefore = 2,
		.ex = {
			{ .req = { REQ11(P | GAPF | INV, "GET", "/a"), .headers = "Host: h\n" },
			  .resp = { RESP11(PC, 200), .body = "a", .body_size = 1 } },
			{ .flags = HS_EX_SKIPPED, .skipped = 20 + 12,
			  .req = { REQ11(PC, "GET", "/b") },
			  .resp = { RESP11(PC, 200), .body = "b", .body_size = 1 } },
		},
	},
	{
		.name = "gap between messages of the response direction",
		.in = {
			D0("GET /a HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"),
			GAP(1, 10),
			D1("body}HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"),
		},
		.nbefore = 2,
		.ex = {
			{ .req = { REQ11(PC, "GET", "/a") }, .resp = { RESP11(PC, 200), .body = "a", .body_size = 1 } },
			{ .flags = HS_EX_NO_REQUEST | HS_EX_SKIPPED, .skipped = 15,
			  .resp = { RESP11(PC, 200), .body = "b", .body_size = 1 } },
		},
	},
	{
		/* wrk-like keep-alive traffic under record loss: the request lost with /2 shows
		 * as a gap only when /3 comes, after /2's response */
		.name = "request lost between exchanges: the pairs after it stay right",
		.in = {
			D0("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2"),
			GAP(0, 27),
			D0("GET /3 HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n3"),
		},
		.nbefore = 3,
		.ex = {
			{ .req = { REQ11(PC, "GET", "/1") },
			  .resp = { RESP11(PC, 200), .body = "1", .body_size = 1 } },
			{ .flags = HS_EX_NO_REQUEST,
			  .resp = { RESP11(PC, 200), .body = "2", .body_size = 1 } },
			{ .req = { REQ11(PC, "GET", "/3") },
			  .resp = { RESP11(PC, 200), .body = "3", .body_size = 1 } },
		},
	},
	{
		.name = "records lost in both directions: the pairs after them stay right",
		.in = {
			D0("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1"),
			D0("GET /2 HTTP/1.1\r\nHost: h\r\n\r\n"),
			GAP(1, 39),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n3"),
			GAP(0, 27),
			D0("GET /4 HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n4"),
		},
		.nbefore = 4,
		.ex = {
			{ .req = { REQ11(PC, "GET", "/1") },
			  .resp = { RESP11(PC, 200), .body = "1", .body_size = 1 } },
			{ .req = { REQ11(PC, "GET", "/2") }, .resp = { .flags = P | GAPF | INV } },
			{ .flags = HS_EX_NO_REQUEST,
			  .resp = { RESP11(PC, 200), .body = "3", .body_size = 1 } },
			{ .req = { REQ11(PC, "GET", "/4") },
			  .resp = { RESP11(PC, 200), .body = "4", .body_size = 1 } },
		},
	},
	{
		/* /1's response and /2 lost: /3 comes while /1 looks unanswered, which is not
		 * pipelining, as the gap in the responses shows once the next one comes */
		.name = "response and request lost: the next request is not taken for pipelining",
		.in = {
			D0("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"),
			GAP(0, 27),
			D0("GET /3 HTTP/1.1\r\nHost: h\r\n\r\n"),
			GAP(1, 78),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n3"),
		},
		.nbefore = 2,
		.ex = {
			{ .req = { REQ11(PC, "GET", "/1") }, .resp = { .flags = P | GAPF | INV } },
			{ .req = { REQ11(PC, "GET", "/3") },
			  .resp = { RESP11(PC, 200), .body = "3", .body_size = 1 } },
		},
	},
	{
		/* /A's response lost, then /B's with /C: the capture says, with /C's response,
		 * that request bytes it has not seen were sent before it */
		.name = "a response after a request not seen answers that one",
		.in = {
			D0("GET /A HTTP/1.1\r\nHost: h\r\n\r\n"),
			D0("GET /B HTTP/1.1\r\nHost: h\r\n\r\n"),
			UNSEEN(0),
			GAP(1, 78),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nC"),
			GAP(0, 27),
			D0("GET /D HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nD"),
		},
		.nbefore = 4,
		.ex = {
			{ .req = { REQ11(PC, "GET", "/A") }, .resp = { .flags = P | GAPF | INV } },
			{ .flags = HS_EX_NO_RESPONSE, .req = { REQ11(PC, "GET", "/B") },
			  .resp = { .flags = GAPF } },
			{ .flags = HS_EX_NO_REQUEST,
			  .resp = { RESP11(PC, 200), .body = "C", .body_size = 1 } },
			{ .req = { REQ11(PC, "GET", "/D") },
			  .resp = { RESP11(PC, 200), .body = "D", .body_size = 1 } },
		},
	},
	{
		.name = "pipelined requests, then a request lost: responses stay in order",
		.in = {
			D0("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1"),
			GAP(0, 27),
			D0("GET /4 HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2"
			   "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n3"
			   "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n4"),
		},
		.nbefore = 4,
		.ex = {
			{ .req = { REQ11(PC, "GET", "/1") },
			  .resp = { RESP11(PC, 200), .body = "1", .body_size = 1 } },
			{ .req = { REQ11(PC, "GET", "/2") },
			  .resp = { RESP11(PC, 200), .body = "2", .body_size = 1 } },
			{ .req = { .flags = P | GAPF | INV },
			  .resp = { RESP11(PC, 200), .body = "3", .body_size = 1 } },
			{ .req = { REQ11(PC, "GET", "/4") },
			  .resp = { RESP11(PC, 200), .body = "4", .body_size = 1 } },
		},
	},
	{
		/* one write carried all three requests, so they are pipelined although no
		 * response has confirmed it yet: the lost first response does not shift the
		 * others onto the newest request */
		.name = "pipelined in one write, the first response lost: the others stay paired",
		.in = {
			D0("GET /B HTTP/1.1\r\nHost: h\r\n\r\nGET /C HTTP/1.1\r\nHost: h\r\n\r\n"
			   "GET /D HTTP/1.1\r\nHost: h\r\n\r\n"),
			GAP(1, 39),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nC"
			   "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nD"),
		},
		.nbefore = 3,
		.ex = {
			{ .req = { REQ11(PC, "GET", "/B") }, .resp = { .flags = P | GAPF | INV } },
			{ .req = { REQ11(PC, "GET", "/C") },
			  .resp = { RESP11(PC, 200), .body = "C", .body_size = 1 } },
			{ .req = { REQ11(PC, "GET", "/D") },
			  .resp = { RESP11(PC, 200), .body = "D", .body_size = 1 } },
		},
	},
	{
		/* not pipelined (one request per write): two responses lost in one gap leave the
		 * older request unanswered, and the next response answers the newest */
		.name = "two responses lost in one gap: the next response answers the newest request",
		.in = {
			D0("GET /A HTTP/1.1\r\nHost: h\r\n\r\n"),
			D0("GET /B HTTP/1.1\r\nHost: h\r\n\r\n"),
			D0("GET /C HTTP/1.1\r\nHost: h\r\n\r\n"),
			GAP(1, 78),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nC"),
			D0("GET /D HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nD"),
		},
		.nbefore = 4,
		.ex = {
			{ .req = { REQ11(PC, "GET", "/A") }, .resp = { .flags = P | GAPF | INV } },
			{ .flags = HS_EX_NO_RESPONSE, .req = { REQ11(PC, "GET", "/B") },
			  .resp = { .flags = GAPF } },
			{ .req = { REQ11(PC, "GET", "/C") },
			  .resp = { RESP11(PC, 200), .body = "C", .body_size = 1 } },
			{ .req = { REQ11(PC, "GET", "/D") },
			  .resp = { RESP11(PC, 200), .body = "D", .body_size = 1 } },
		},
	},
	{
		.name = "attached mid-connection: both streams start inside a body",
		.in = {
			D1(OLD_TAIL1),
			D0(OLD_TAIL0 "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
		},
		.nbefore = 1,
		.ex = {
			{ .flags = HS_EX_SKIPPED, .skipped = sizeof(OLD_TAIL0) - 1 + sizeof(OLD_TAIL1) - 1,
			  .req = { REQ11(PC, "POST", "/p"), .authority = "h", .body = "abc", .body_size = 3 },
			  .resp = { RESP11(PC, 200), .body = "ok", .body_size = 2 } },
		},
	},
	{
		.name = "attached mid-connection: response body tail without newline",
		.in = {
			D1("rest of a previous response body\nwith lines}"),
			D0("GET /next HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
		},
		.nbefore = 1,
		.ex = {
			{ .flags = HS_EX_SKIPPED, .skipped = 44,
			  .req = { REQ11(PC, "GET", "/next"), .ts_first = 2000 },
			  .resp = { RESP11(PC, 200), .body = "ok", .body_size = 2,
				    .ts_first = 3000, .ts_last = 3000 } },
		},
	},
	{
		.name = "malformed status line is invalid, decoding goes on",
		.in = {
			D0("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 2x0 Weird\r\nContent-Length: 3\r\n\r\nabc"
			   "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
		},
		.nbefore = 2,
		.ex = {
			{ .req = { REQ11(PC, "GET", "/1") }, .resp = { .flags = P | INV, .status = 0 } },
			{ .flags = HS_EX_SKIPPED, .skipped = 19 + 2 + 3,
			  .req = { REQ11(PC, "GET", "/2") },
			  .resp = { RESP11(PC, 200), .body = "ok", .body_size = 2 } },
		},
	},
	{
		/* not even HTTP/ at the start: from the connection's first request on, the first
		 * response keeps its place as (invalid) instead of being skipped, which paired
		 * every later request with the response of the one after it */
		.name = "malformed first response keeps its place",
		.in = {
			D0("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n"
			   "GET /c HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTXP/9 abc\r\n\r\n"
			   "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"
			   "HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nc"),
		},
		.nbefore = 3,
		.ex = {
			{ .req = { REQ11(PC, "GET", "/a") }, .resp = { .flags = P | INV, .status = 0 } },
			{ .flags = HS_EX_SKIPPED, .skipped = 2,
			  .req = { REQ11(PC, "GET", "/b") },
			  .resp = { RESP11(PC, 200), .body = "b", .body_size = 1 } },
			{ .req = { REQ11(PC, "GET", "/c") },
			  .resp = { RESP11(PC, 201), .body = "c", .body_size = 1 } },
		},
	},
	{
		.name = "malformed request line in sync is invalid",
		.in = {
			D0("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
			D0("GET /with space HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"),
			D0("GET /3 HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
		},
		.nbefore = 3,
		.ex = {
			{ .req = { REQ11(PC, "GET", "/1") }, .resp = { RESP11(PC, 200) } },
			{ .req = { .flags = P | INV }, .resp = { RESP11(PC, 400) } },
			{ .flags = HS_EX_SKIPPED, .skipped = 9 + 2,
			  .req = { REQ11(PC, "GET", "/3") }, .resp = { RESP11(PC, 200) } },
		},
	},
	{
		.name = "bad chunk size is invalid, decoding goes on",
		.in = {
			D0("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwiki\r\nzz\r\nxx\r\n0\r\n\r\n"
			   "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"),
		},
		.nbefore = 2,
		.ex = {
			{ .req = { REQ11(PC, "GET", "/a") },
			  .resp = { RESP11(P | INV, 200), .body = "wiki", .body_size = 4 } },
			{ .flags = HS_EX_SKIPPED, .skipped = 4 + 3 + 2,
			  .req = { REQ11(PC, "GET", "/b") },
			  .resp = { RESP11(PC, 200), .body = "b", .body_size = 1 } },
		},
	},
	{
		.name = "conflicting Content-Length is invalid",
		.in = {
			D0("GET /a HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc"),
		},
		.nbefore = 1,
		.ex = {
			{ .req = { REQ11(PC, "GET", "/a") }, .resp = { RESP11(P | INV, 200), .body = "" } },
		},
	},
	{
		.name = "header section over the limit",
		.lim = { .max_body = 4096, .max_header_bytes = 128, .max_headers = 128 },
		.in = {
			D0("GET /a HTTP/1.1\r\nHost: h\r\nCookie: "
			   "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
			   "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
			   "\r\nAccept: */*\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
		},
		.nbefore = 2,
		.ex = {
			{ .req = { REQ11(P | INV | CUT, "GET", "/a"), .headers = "Host: h\n" },
			  .resp = { RESP11(PC, 200) } },
			{ .flags = HS_EX_SKIPPED, .skipped = 13 + 2,
			  .req = { REQ11(PC, "GET", "/b"), .headers = "Host: h\n" },
			  .resp = { RESP11(PC, 200) } },
		},
	},
	{
		.name = "header count over the limit",
		.lim = { .max_body = 4096, .max_header_bytes = 65536, .max_headers = 2 },
		.in = {
			D0("GET /a HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nContent-Length: 2\r\n\r\nhi"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
		},
		.nbefore = 1,
		.ex = {
			{ .req = { REQ11(PC | CUT, "GET", "/a"), .headers = "Host: h\nA: 1\n", .body = "hi",
				   .body_size = 2 },
			  .resp = { RESP11(PC, 200) } },
		},
	},
	{
		.name = "one-line output: fields still frame the body but only Upgrade is kept",
		.lim = { .max_body = 4096, .max_header_bytes = 65536, .max_headers = 128,
			 .drop_fields = 1 },
		.in = {
			D0("POST /a HTTP/1.1\r\nHost: h\r\nA: 1\r\nContent-Length: 2\r\n\r\nhi"
			   "GET /b HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\n\r\n"),
			D1(CHUNKED_THEN_H2C),
		},
		.nbefore = 2,
		.rc = HS_HTTP1_UPGRADE_H2, .rc_dir = 1, .consumed = sizeof(CHUNKED_THEN_H2C) - 1,
		.ex = {
			{ .req = { REQ11(PC, "POST", "/a"), .authority = "h", .headers = "",
				   .body = "hi", .body_size = 2 },
			  .resp = { RESP11(PC, 200), .headers = "", .body = "abc", .body_size = 3 } },
			{ .flags = HS_EX_UPGRADE,
			  .req = { REQ11(PC, "GET", "/b"), .authority = "h", .headers = "Upgrade: h2c\n" },
			  .resp = { RESP11(PC, 101), .headers = "Upgrade: h2c\n", .body = "" } },
		},
	},
	{
		.name = "one-line output: a header count over the limit is still marked",
		.lim = { .max_body = 4096, .max_header_bytes = 65536, .max_headers = 2,
			 .drop_fields = 1 },
		.in = {
			D0("GET /a HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
		},
		.nbefore = 1,
		.ex = {
			{ .req = { REQ11(PC | CUT, "GET", "/a"), .headers = "" },
			  .resp = { RESP11(PC, 200), .headers = "" } },
		},
	},
	{
		.name = "bodies bigger than max_body are truncated",
		.lim = { .max_body = 8, .max_header_bytes = 65536, .max_headers = 128 },
		.in = {
			D0("POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: 26\r\n\r\nabcdefghijklmnopqrstuvwxyz"),
			D1("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n"),
		},
		.nbefore = 1,
		.ex = {
			{ .req = { REQ11(P | C | TR, "POST", "/u"), .body = "abcdefgh", .body_size = 26 },
			  .resp = { RESP11(P | C | TR, 200), .body = "01234567", .body_size = 16 } },
		},
	},
	{
		.name = "obs-fold, odd whitespace and bare LF",
		.in = {
			D0("GET /f HTTP/1.1\r\nHost:   h.example  \r\nX-Long: first\r\n   second part\r\n"
			   "\tthird\r\nX-Empty:\r\nX-Tab:\tv\t\r\nx-lower: k\n\n"),
			D1("HTTP/1.1 200\nContent-Length: 0\n\n"),
		},
		.nbefore = 1,
		.ex = {
			{ .req = { REQ11(PC, "GET", "/f"), .authority = "h.example",
				   .headers = "Host: h.example\nX-Long: first second part third\n"
					      "X-Empty: \nX-Tab: v\nx-lower: k\n" },
			  .resp = { RESP11(PC, 200), .reason = "", .headers = "Content-Length: 0\n" } },
		},
	},
	{
		.name = "field lines without a proper name are invalid",
		.in = {
			D0("GET /g HTTP/1.1\r\nHost: h\r\nBad : x\r\nNoColon\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
		},
		.nbefore = 1,
		.ex = {
			{ .req = { REQ11(PC | INV, "GET", "/g"), .headers = "Host: h\nBad : x\n" },
			  .resp = { RESP11(PC, 200) } },
		},
	},
	{
		.name = "103 Early Hints is not an exchange, but kept with the final response",
		.in = {
			D0("GET / HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"),
			D1("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"),
		},
		.nbefore = 1,
		.ex = {
			{ .req = { REQ11(PC, "GET", "/") },
			  .resp = { RESP11(PC, 200), .headers = "Content-Length: 1\n", .body = "x",
				    .interim = "103 Early Hints\n  Link: </s.css>; rel=preload\n",
				    .body_size = 1, .ts_first = 3000 } },
		},
	},
	{
		/* a peer may send any number of them: HS_MAX_INTERIM are kept */
		.name = "interim responses: several, bounded, then the next exchange has none",
		.in = {
			D0("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"
			   "HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"
			   "HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"
			   "HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nA: 1\r\n\r\n"
			   "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n"
			   "HTTP/1.1 204 No Content\r\n\r\n"
			   "HTTP/1.1 204 No Content\r\n\r\n"),
		},
		.nbefore = 2,
		.ex = {
			{ .req = { REQ11(PC, "GET", "/a") },
			  .resp = { RESP11(PC, 204), .body = "",
				    .interim = "102 Processing\n102 Processing\n102 Processing\n"
					       "102 Processing\n102 Processing\n102 Processing\n"
					       "102 Processing\n103 Early Hints\n  A: 1\n" } },
			{ .req = { REQ11(PC, "GET", "/b") }, .resp = { RESP11(PC, 204), .body = "" } },
		},
	},
	{
		/* and all of them share one header budget */
		.name = "interim responses: the header budget",
		.lim = { .max_body = 4096, .max_header_bytes = 100, .max_headers = 128 },
		.in = {
			D0("GET /a HTTP/1.1\r\nHost: h\r\n\r\n"),
			D1("HTTP/1.1 103 Early Hints\r\nLink: </first.css>; rel=preload\r\n\r\n"
			   "HTTP/1.1 103 Early Hints\r\nLink: </second.css>; rel=preload\r\n\r\n"
			   "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
		},
		.nbefore = 1,
		.ex = {
			{ .req = { REQ11(PC, "GET", "/a") },
			  .resp = { RESP11(PC, 200), .body = "", .headers = "Content-Length: 0\n",
				    .interim = "103 Early Hints\n  Link: </first.css>; rel=preload\n" } },
		},
	},
	{
		.name = "early response before the request body ends",
		.in = {
			D0("POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\nabc"),
			D1("HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n"),
			D0("def"),
		},
		.nbefore = 1,
		.ex = {
			{ .req = { REQ11(PC, "POST", "/big"), .body = "abcdef", .body_size = 6 },
			  .resp = { RESP11(PC, 413) } },
		},
	},
	{ .name = NULL },
};

static void run_table(void)
{
	for (struct tcase *c = cases; c->name; c++) {
		size_t total = 0;
		int nchunks = 0;

		for (int j = 0; c->in[j].data || c->in[j].gap; j++, nchunks++)
			total += c->in[j].len;
		run_and_check(c, WHOLE, -1, 0);
		run_and_check(c, BYTES, -1, 0);
		if (total > 8192)
			continue;	/* quadratic: small cases only */
		for (int k = 0; k < nchunks; k++)
			for (size_t pos = 1; pos < c->in[k].len; pos++)
				if (run_and_check(c, SPLIT, k, pos))
					goto next;
next:;
	}
}

/* More than 64 requests without a response: the oldest are given up before the flush. */
static void test_queue_bound(void)
{
	static struct run r;
	struct hs_limits lim = HS_LIMITS_DEFAULT;
	struct hs_http1 *d = hs_http1_new(&conninfo, &lim, record, &r);
	char line[64];

	memset(&r, 0, sizeof(r));
	for (int i = 0; i < 70; i++) {
		int n = snprintf(line, sizeof(line), "GET /%d HTTP/1.1\r\nHost: h\r\n\r\n", i);

		feed(d, &r, 0, line, (size_t)n, 1);
	}
	CHECK_INT(r.n, 6);
	CHECK_STR(r.ex[0].req.target, "/0");
	CHECK_STR(r.ex[5].req.target, "/5");
	CHECK_INT(r.ex[0].flags, HS_EX_NO_RESPONSE);
	feed(d, &r, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 38, 2);
	/* that response answers /0, given up: it must not be paired with /6 */
	CHECK_INT(r.n, 7);
	CHECK_INT(r.ex[6].flags, HS_EX_NO_REQUEST);
	for (int i = 1; i < 70; i++)
		feed(d, &r, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 38, 2);
	CHECK_INT(r.n, 76);
	CHECK_INT(r.ex[11].flags, HS_EX_NO_REQUEST);	/* the answer to /5 */
	CHECK_STR(r.ex[12].req.target, "/6");
	CHECK_INT(r.ex[12].flags, 0);
	CHECK_STR(r.ex[75].req.target, "/69");
	CHECK_INT(r.ex[75].flags, 0);
	hs_http1_flush(d, 3, 1);
	CHECK_INT(r.n, 76);
	hs_http1_free(d);
	free_run(&r);
}

/* a string literal, without its terminating NUL */
#define FEED_LIT(dir, lit, ts) feed(d, &r, dir, lit, sizeof(lit) - 1, ts)

/* Pairing and framing cases found by tracing real traffic. */
static void test_found(void)
{
	static struct run r;
	struct hs_limits lim = HS_LIMITS_DEFAULT;
	struct hs_http1 *d;
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

	/* a first request line longer than the resync window (16 KiB), in pieces: kept whole
	 * up to the header limit, as in sync, not skipped */
	{
		static char line[40000];
		size_t n = (size_t)snprintf(line, sizeof(line),
					    "GET /%030000d HTTP/1.1\r\nHost: h\r\n\r\n", 0);

		memset(&r, 0, sizeof(r));
		d = hs_http1_new(&conninfo, &lim, record, &r);
		for (size_t off = 0; off < n; off += 1000)
			feed(d, &r, 0, line + off, n - off < 1000 ? n - off : 1000, 1);
		feed(d, &r, 1, ok, sizeof(ok) - 1, 2);
		CHECK_INT(r.n, 1);
		CHECK_INT(r.ex[0].flags, 0);
		CHECK_INT(r.ex[0].skipped, 0);
		CHECK(r.ex[0].req.target && strlen(r.ex[0].req.target) == 30001);
		hs_http1_free(d);
		free_run(&r);
	}

	/* an extension method on the first request of a connection */
	memset(&r, 0, sizeof(r));
	d = hs_http1_new(&conninfo, &lim, record, &r);
	feed(d, &r, 0, "PURGE /x HTTP/1.1\r\nHost: h\r\n\r\n", 30, 1);
	feed(d, &r, 1, ok, sizeof(ok) - 1, 2);
	CHECK_INT(r.n, 1);
	CHECK_STR(r.ex[0].req.method, "PURGE");
	CHECK_INT(r.ex[0].flags, 0);
	hs_http1_free(d);
	free_run(&r);

	/* ... but not the tail of a body seen mid-connection */
	memset(&r, 0, sizeof(r));
	d = hs_http1_new(&conninfo, &lim, record, &r);
	feed(d, &r, 0, "abcPUT /x HTTP/1.1\r\n\r\n", 22, 1);
	feed(d, &r, 1, ok, sizeof(ok) - 1, 2);
	CHECK_INT(r.n, 1);
	CHECK_STR(r.ex[0].req.method, "PUT");
	CHECK_INT(r.ex[0].skipped, 3);
	hs_http1_free(d);
	free_run(&r);

	/* a request line longer than the header limit keeps its place and its method; empty
	 * lines before the first request are not skipped bytes; a control byte in a reason
	 * phrase makes the response invalid */
	memset(&r, 0, sizeof(r));
	d = hs_http1_new(&conninfo, &lim, record, &r);
	FEED_LIT(0, "\r\nGET /a HTTP/1.1\r\n\r\n", 1);
	{
		static char big[70000];

		memset(big, 'a', sizeof(big));
		memcpy(big, "GET /", 5);
		feed(d, &r, 0, big, sizeof(big), 2);
		FEED_LIT(0, " HTTP/1.1\r\nHost: x\r\n\r\n", 2);
	}
	FEED_LIT(0, "GET /c HTTP/1.1\r\n\r\n", 3);
	FEED_LIT(1, "HTTP/1.1 200 O\0K\r\nContent-Length: 0\r\n\r\n", 4);
	FEED_LIT(1, "HTTP/1.1 414 Too Long\r\nContent-Length: 0\r\n\r\n", 5);
	feed(d, &r, 1, ok, sizeof(ok) - 1, 6);
	CHECK_INT(r.n, 3);
	CHECK_STR(r.ex[0].req.target, "/a");
	CHECK_INT(r.ex[0].skipped, 0);
	CHECK_INT(r.ex[0].resp.flags & HS_MSG_INVALID, HS_MSG_INVALID);
	CHECK_STR(r.ex[1].req.method, "GET");
	CHECK_INT(r.ex[1].req.flags & (HS_MSG_INVALID | HS_MSG_HDRS_CUT),
		  HS_MSG_INVALID | HS_MSG_HDRS_CUT);
	CHECK_INT(r.ex[1].resp.status, 414);
	CHECK_STR(r.ex[2].req.target, "/c");
	CHECK_INT(r.ex[2].resp.status, 200);
	CHECK_INT(r.ex[2].resp.flags & HS_MSG_INVALID, 0);
	hs_http1_free(d);
	free_run(&r);

	/* a request line that is not one: its bytes show as skipped on the response's line */
	memset(&r, 0, sizeof(r));
	d = hs_http1_new(&conninfo, &lim, record, &r);
	FEED_LIT(0, "G\033T / HTTP/1.1\r\n\r\n", 1);
	feed(d, &r, 1, ok, sizeof(ok) - 1, 2);
	CHECK_INT(r.n, 1);
	CHECK_INT(r.ex[0].flags, HS_EX_NO_REQUEST | HS_EX_SKIPPED);
	CHECK_INT(r.ex[0].skipped, 18);
	hs_http1_free(d);
	free_run(&r);

	/* a body delimited by the close ends only at a close, not when the capture stops */
	for (int closed = 0; closed < 2; closed++) {
		memset(&r, 0, sizeof(r));
		d = hs_http1_new(&conninfo, &lim, record, &r);
		FEED_LIT(0, "GET /cd HTTP/1.1\r\n\r\n", 1);
		FEED_LIT(1, "HTTP/1.1 200 OK\r\n\r\nabc", 2);
		hs_http1_flush(d, 3, closed);
		CHECK_INT(r.n, 1);
		CHECK_INT(r.ex[0].resp.body_size, 3);
		CHECK_INT(r.ex[0].resp.flags & HS_MSG_COMPLETE, closed ? HS_MSG_COMPLETE : 0);
		hs_http1_free(d);
		free_run(&r);
	}

	/* chunk sizes with leading zeros (1*HEXDIG) */
	memset(&r, 0, sizeof(r));
	d = hs_http1_new(&conninfo, &lim, record, &r);
	feed(d, &r, 0, "GET / HTTP/1.1\r\n\r\n", 18, 1);
	{
		static const char c[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
					"0000000000000005\r\nhello\r\n00000000000000000000\r\n\r\n";

		feed(d, &r, 1, c, sizeof(c) - 1, 2);
	}
	CHECK_INT(r.n, 1);
	CHECK_INT(r.ex[0].resp.flags & HS_MSG_INVALID, 0);
	CHECK_INT(r.ex[0].resp.body_size, 5);
	hs_http1_free(d);
	free_run(&r);

	/* a response not captured at all (sendfile, lost records) keeps its place */
	memset(&r, 0, sizeof(r));
	d = hs_http1_new(&conninfo, &lim, record, &r);
	feed(d, &r, 0, "GET /a HTTP/1.1\r\n\r\n", 19, 1);
	feed(d, &r, 1, ok, sizeof(ok) - 1, 2);
	feed(d, &r, 0, "GET /b HTTP/1.1\r\n\r\n", 19, 3);
	hs_http1_gap(d, 1, 38, 4);
	feed(d, &r, 0, "GET /c HTTP/1.1\r\n\r\n", 19, 5);
	feed(d, &r, 1, "HTTP/1.1 404 No\r\nContent-Length: 0\r\n\r\n", 39, 6);
	CHECK_INT(r.n, 3);
	CHECK_STR(r.ex[1].req.target, "/b");
	CHECK_INT(r.ex[1].resp.flags & HS_MSG_GAP, HS_MSG_GAP);
	CHECK_STR(r.ex[2].req.target, "/c");
	CHECK_INT(r.ex[2].resp.status, 404);
	hs_http1_free(d);
	free_run(&r);
}

static void test_detect(void)
{
	static const struct {
		const char *s;
		int want;
	} t[] = {
		{ "", -1 }, { "G", -1 }, { "GE", -1 }, { "GET", -1 }, { "H", -1 }, { "POS", -1 },
		{ "GET ", 1 }, { "GET /x", 1 }, { "GET / HTTP/1.1\r\n", 1 }, { "GET / HTTP/1.0\n", 1 },
		{ "DELETE /x HTTP/1.1\r\n", 1 }, { "PROPFIND /d HTTP/1.1\r\n", 1 },
		{ "OPTIONS * HTTP/1.1\r\n", 1 }, { "HTTP/1.", -1 }, { "HTTP/1.1 2", -1 },
		{ "HTTP/1.1 200 OK\r\n", 1 }, { "HTTP/1.0 404", 1 },
		{ "HTTP/1.1 2x", 0 }, { "HTTP/2 200", 0 }, { "PRI * HTTP/2.0\r\n\r\nSM", 0 },
		{ "\x16\x03\x01\x02\x00", 0 }, { "GETX / HTTP/1.1", 0 }, { "get / HTTP/1.1", 0 },
		{ "GET  / HTTP/1.1", 0 }, { "GET /\x01 HTTP/1.1", 0 }, { "GET / HTTP/2.0\r\n", 0 },
		{ "GET / HTTP/1.1x", 0 }, { "SSH-2.0-OpenSSH", 0 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int got = hs_http1_detect((const uint8_t *)t[i].s, strlen(t[i].s));

		if (got != t[i].want)
			fprintf(stderr, "  detect(\"%s\")\n", t[i].s);
		CHECK_INT(got, t[i].want);
	}
}

static void count_only(const struct hs_exchange *ex, void *ctx)
{
	(*(int *)ctx)++;
	(void)ex;
}

/* Damaged input, random cuts and gaps: no crash, no stall, every byte accounted for. */
static void test_garbage(void)
{
	static uint8_t buf[4096];
	unsigned seed = 12345;

	for (int iter = 0; iter < 3000; iter++) {
		struct hs_limits lim = { .max_body = 16, .max_header_bytes = 200, .max_headers = 4 };
		const struct tcase *c = &cases[iter % (sizeof(cases) / sizeof(cases[0]) - 1)];
		struct hs_http1 *d;
		int n = 0;

		if (iter % 2)
			lim = (struct hs_limits)HS_LIMITS_DEFAULT;
		d = hs_http1_new(&conninfo, &lim, count_only, &n);
		for (int j = 0; c->in[j].data || c->in[j].gap; j++) {
			size_t len = c->in[j].len < sizeof(buf) ? c->in[j].len : sizeof(buf);
			size_t off = 0;

			if (!c->in[j].data)
				continue;
			memcpy(buf, c->in[j].data, len);
			for (int m = 0; m < 4 && len; m++) {
				seed = seed * 1103515245 + 12345;
				buf[(seed >> 8) % len] = (uint8_t)(seed >> 20);
			}
			while (off < len) {
				size_t used = 0, piece;
				int rc;

				seed = seed * 1103515245 + 12345;
				piece = 1 + (seed >> 16) % 64;
				if (piece > len - off)
					piece = len - off;
				if ((seed >> 4) % 17 == 0)
					hs_http1_gap(d, c->in[j].dir, 1 + (seed >> 8) % 300, j);
				rc = hs_http1_feed(d, c->in[j].dir, buf + off, piece, j, &used);
				CHECK(rc >= 0);
				if (rc == 0)
					CHECK(used == piece);
				off += piece;
			}
		}
		hs_http1_flush(d, 99, 1);
		hs_http1_free(d);
	}
}

/* A response still arriving a second after its first byte is emitted once as it stands
 * (HS_EX_STREAMING), then whole when it ends; one whose header section is not complete yet
 * is not, nor is a connection that carries no response. */
static void test_streaming(void)
{
	const uint64_t sec = 1000000000;
	static struct run r;
	struct hs_limits lim = HS_LIMITS_DEFAULT;
	struct hs_http1 *d = hs_http1_new(&conninfo, &lim, record, &r);
	static const char req[] = "GET /events HTTP/1.1\r\nHost: h\r\n\r\n";
	static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
				   "Content-Type: text/event-stream\r\n\r\n9\r\ndata: 1\n\n\r\n";
	static const char rest[] = "9\r\ndata: 2\n\n\r\n0\r\n\r\n";
	static const char slow[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n";

	memset(&r, 0, sizeof(r));
	hs_http1_tick(NULL, 0, sec);
	feed(d, &r, 0, req, sizeof(req) - 1, 10);
	hs_http1_tick(d, 10 + 5 * sec, sec);
	CHECK_INT(r.n, 0);
	feed(d, &r, 1, head, sizeof(head) - 1, 20);
	hs_http1_tick(d, 20 + sec - 1, sec);
	CHECK_INT(r.n, 0);
	hs_http1_tick(d, 20 + sec, sec);
	CHECK_INT(r.n, 1);
	CHECK_INT(r.ex[0].flags, HS_EX_STREAMING);
	CHECK_STR(r.ex[0].req.target, "/events");
	CHECK_INT(r.ex[0].req.flags, PC);
	CHECK_INT(r.ex[0].resp.flags, P);
	CHECK_INT(r.ex[0].resp.status, 200);
	CHECK_INT(r.ex[0].resp.body_size, 9);
	hs_http1_tick(d, 20 + 3 * sec, sec);
	CHECK_INT(r.n, 1);
	feed(d, &r, 1, rest, sizeof(rest) - 1, 20 + 4 * sec);
	CHECK_INT(r.n, 2);
	CHECK_INT(r.ex[1].flags, 0);
	CHECK_INT(r.ex[1].resp.flags, PC);
	CHECK_INT(r.ex[1].resp.body_size, 18);
	CHECK(r.ex[1].resp.body_kept == 18 &&
	      memcmp(r.ex[1].resp.body, "data: 1\n\ndata: 2\n\n", 18) == 0);
	/* the next response's header section never ends: not shown before the flush */
	feed(d, &r, 0, req, sizeof(req) - 1, 30 * sec);
	feed(d, &r, 1, slow, sizeof(slow) - 1, 30 * sec);
	hs_http1_tick(d, 40 * sec, sec);
	CHECK_INT(r.n, 2);
	feed(d, &r, 1, "\r\nab", 4, 41 * sec);
	hs_http1_tick(d, 42 * sec, sec);
	CHECK_INT(r.n, 3);
	CHECK_INT(r.ex[2].flags, HS_EX_STREAMING);
	CHECK_INT(r.ex[2].resp.body_size, 2);
	hs_http1_flush(d, 43 * sec, 1);
	CHECK_INT(r.n, 4);
	CHECK_INT(r.ex[3].flags, 0);
	CHECK_INT(r.ex[3].resp.flags, P);
	hs_http1_free(d);
	free_run(&r);

	/* a 103 Early Hints before a streaming response: the look while it streams shows it
	 * too, and the whole response has it once */
	memset(&r, 0, sizeof(r));
	d = hs_http1_new(&conninfo, &lim, record, &r);
	feed(d, &r, 0, req, sizeof(req) - 1, 10);
	feed(d, &r, 1, "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n", 57,
	     15);
	feed(d, &r, 1, head, sizeof(head) - 1, 20);
	hs_http1_tick(d, 20 + sec, sec);
	CHECK_INT(r.n, 1);
	CHECK_INT(r.ex[0].flags, HS_EX_STREAMING);
	CHECK_STR(r.ex[0].resp.interim, "103 Early Hints\n  Link: </s.css>; rel=preload\n");
	feed(d, &r, 1, rest, sizeof(rest) - 1, 20 + 2 * sec);
	CHECK_INT(r.n, 2);
	CHECK_INT(r.ex[1].resp.flags, PC);
	CHECK_STR(r.ex[1].resp.interim, "103 Early Hints\n  Link: </s.css>; rel=preload\n");
	hs_http1_free(d);
	free_run(&r);

	/* attached mid-response, close-delimited: no request to show */
	memset(&r, 0, sizeof(r));
	d = hs_http1_new(&conninfo, &lim, record, &r);
	feed(d, &r, 1, "HTTP/1.0 200 OK\r\n\r\npartial", 26, 5);
	hs_http1_tick(d, 5 + sec, sec);
	CHECK_INT(r.n, 1);
	CHECK_INT(r.ex[0].flags, HS_EX_NO_REQUEST | HS_EX_STREAMING);
	CHECK_INT(r.ex[0].resp.body_size, 7);
	hs_http1_flush(d, 6 + sec, 1);
	CHECK_INT(r.n, 2);
	CHECK_INT(r.ex[1].flags, HS_EX_NO_REQUEST);
	CHECK_INT(r.ex[1].resp.flags, PC);
	hs_http1_free(d);
	free_run(&r);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	hs_http1_free(NULL);
	run_table();
	test_queue_bound();
	test_found();
	test_detect();
	test_streaming();
	test_garbage();
	return CHECK_DONE();
}
