/* http1.c: HTTP/1.x stream decoder with request/response pairing (RFC 9112, RFC 9110). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http1.h"

/*
 * Each direction is decoded on its own: line states (start line, fields, chunk sizes)
 * scan for LF with memchr and copy only a line split across feeds; body states count
 * bytes and keep at most lim->max_body of them. Requests enter a FIFO queue at their
 * start line; a response answers the oldest unanswered one, and an exchange is emitted
 * once both of its messages ended. After an upgrade or a tunnel every feed returns the
 * same code with *consumed = 0. The emit callback must not call back into the decoder.
 */

#define QUEUE_MAX 64		/* requests kept waiting for their response */
#define RESYNC_KEEP 8192	/* longest start line recognised while resynchronising */

enum kind { K_ANY = 0, K_REQ, K_RESP };

enum { HS_DIR_OUT = 0, HS_DIR_IN = 1 };	/* written / read by the traced process */

enum state {
	ST_RESYNC,		/* looking for a plausible start line, counting skipped bytes */
	ST_START,		/* in sync, between messages */
	ST_HEADERS,
	ST_BODY,		/* Content-Length body */
	ST_CLOSE,		/* response body delimited by the connection close */
	ST_CHUNK_SIZE,
	ST_CHUNK_DATA,
	ST_CHUNK_END,		/* the CRLF after chunk data */
	ST_TRAILERS,
	ST_DISCARD,		/* rest of an over-long line of a message given up on */
	ST_STOPPED,		/* upgraded or tunnelled: not HTTP/1 any more */
};

/* One request in the pairing queue, with its response once seen. */
struct entry {
	struct entry *next;
	struct hs_message req, resp;
	uint64_t req_skipped, resp_skipped;
	unsigned flags;			/* enum hs_exchange_flag */
	unsigned resp_gaps;		/* the other direction's ngaps when the request began */
	uint8_t req_done, resp_done, claimed, is_head, is_connect;
	uint8_t lost;			/* stands for a request lost in a gap */
	uint8_t overtaken;		/* a request began after it, before its response */
};

struct dir {
	enum state state;
	enum kind role;			/* what this direction carries; K_ANY until known */
	enum kind kind;			/* kind of cur */
	int synced;			/* a start line was seen */
	int in_msg;			/* cur holds a message being decoded */
	struct hs_message cur;
	struct hs_message early;	/* response: interim responses for the final one (only
					 * its interim list is used) */
	size_t early_bytes;		/* their header bytes: all share one budget */
	struct entry *ent;		/* request: its queue entry; response: the request answered */
	unsigned ex_flags;		/* exchange flags found while decoding cur */
	uint64_t skipped;		/* bytes skipped since the last message */
	uint64_t msg_skipped;		/* bytes skipped before cur */
	uint8_t *buf;			/* a line split across feeds */
	size_t blen, bcap;
	uint64_t line_ts;		/* time of the first byte in buf */
	size_t hdr_bytes;		/* bytes of the current header (or trailer) section */
	uint32_t dropped;		/* fields of that section not kept (hs_limits.drop_fields) */
	uint64_t remaining;		/* of the Content-Length body or of the chunk */
	int64_t clen;			/* Content-Length; -1 none, -2 invalid */
	uint8_t te, chunked;		/* Transfer-Encoding seen, its last coding is chunked */
	uint8_t shown;			/* cur was emitted as streaming (hs_http1_tick) */
	uint8_t any_field, last_kept, last_framing;	/* for obs-fold */
	uint8_t seen;			/* bytes of this direction were fed or lost */
	unsigned ngaps;			/* gaps that lost where a message began or ended */
	uint8_t unseen;			/* hs_http1_unseen() since its last feed or gap */
};

struct hs_http1 {
	const struct hs_conninfo *ci;
	const struct hs_limits *lim;
	hs_emit_fn emit;
	void *ctx;
	struct dir dir[2];
	struct entry *head, *tail;
	unsigned nqueued;
	int stopped;			/* 0, HS_HTTP1_UPGRADE_H2 or HS_HTTP1_STOPPED */
	int nomem;
	unsigned unanswered_lost;	/* unclaimed requests evicted: their responses, still to
					 * come, must not be paired with the requests after them */
	uint8_t pipelined;		/* a request was sent before the previous one's response */
};

/* Methods accepted where a stream is not yet in sync (RFC 9110 9.3, RFC 5789, WebDAV). */
static const char *const methods[] = {
	"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
	"PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH",
	"REPORT", "MKCALENDAR", "ACL", NULL,
};

struct startline {
	enum kind kind;
	const char *method, *target, *reason;
	size_t mlen, tlen, rlen;
	int version, status;
};

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* token characters (RFC 9110 5.6.2): DIGIT, ALPHA and !#$%&'*+-.^_`|~, one load per byte
 * (checked for every byte of every field name) */
static const uint8_t tchars[256] = {
	['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1, ['!'] = 1, ['#'] = 1, ['$'] = 1,
	['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1,
	['_'] = 1, ['`'] = 1, ['|'] = 1, ['~'] = 1,
};

static int is_tchar(char c)
{
	return tchars[(uint8_t)c];
}

static int is_ows(int c)
{
	return c == ' ' || c == '\t';
}

static int ieq(const char *a, size_t alen, const char *lit)
{
	return alen == strlen(lit) && strncasecmp(a, lit, alen) == 0;
}

static void trim(const char **p, size_t *n)
{
	while (*n && is_ows((*p)[0])) {
		(*p)++;
		(*n)--;
	}
	while (*n && is_ows((*p)[*n - 1]))
		(*n)--;
}

static int known_method(const char *m, size_t n)
{
	for (int i = 0; methods[i]; i++)
		if (strlen(methods[i]) == n && memcmp(m, methods[i], n) == 0)
			return 1;
	return 0;
}

/* "HTTP/1.x" (8 bytes available) -> 10 or 11; 0 when not HTTP/1. */
static int parse_version(const char *p)
{
	if (memcmp(p, "HTTP/1.", 7) != 0 || !is_digit(p[7]))
		return 0;
	return p[7] == '0' ? 10 : 11;
}

/* status-line = HTTP-version SP 3DIGIT [ SP reason-phrase ] (RFC 9112 4) */
static int is_status(const char *l, size_t len)
{
	return len >= 12 && parse_version(l) && l[8] == ' ' && l[9] >= '1' && l[9] <= '5' &&
	       is_digit(l[10]) && is_digit(l[11]) && (len == 12 || l[12] == ' ');
}

static int target_ok(const char *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((uint8_t)t[i] <= 0x20 || t[i] == 0x7f)
			return 0;
	return n > 0;
}

/* Parses a whole start line of the wanted kind; strict asks for a known method. */
static int classify(const char *l, size_t len, enum kind want, int strict,
		    struct startline *sl)
{
	const char *end = l + len, *sp1, *sp2, *v;

	memset(sl, 0, sizeof(*sl));
	if (want != K_REQ && is_status(l, len)) {
		sl->kind = K_RESP;
		sl->version = parse_version(l);
		sl->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
		sl->reason = len > 13 ? l + 13 : "";
		sl->rlen = len > 13 ? len - 13 : 0;
		return 1;
	}
	if (want == K_RESP)
		return 0;
	/* request-line = method SP request-target SP HTTP-version (RFC 9112 3) */
	sp1 = memchr(l, ' ', len);
	if (!sp1 || sp1 == l)
		return 0;
	for (const char *p = l; p < sp1; p++)
		if (!is_tchar(*p))
			return 0;
	if (strict && !known_method(l, sp1 - l))
		return 0;
	sp2 = memchr(sp1 + 1, ' ', end - sp1 - 1);
	if (!sp2 || !target_ok(sp1 + 1, sp2 - sp1 - 1))
		return 0;
	v = sp2 + 1;
	if (end - v != 8 || !(sl->version = parse_version(v)))
		return 0;
	sl->kind = K_REQ;
	sl->method = l;
	sl->mlen = sp1 - l;
	sl->target = sp1 + 1;
	sl->tlen = sp2 - sp1 - 1;
	return 1;
}

/* Offset of the first plausible start line inside a line (both end at the line end:
 * a request line with a known method, or a status line), -1 when none. */
static long find_start(const char *l, size_t len, enum kind want)
{
	const char *end = l + len;
	long best = -1;

	if (want != K_REQ) {
		for (const char *q = l; (q = memmem(q, end - q, "HTTP/1.", 7)); q++) {
			if (is_status(q, end - q)) {
				best = q - l;
				break;
			}
		}
	}
	if (want != K_RESP && len >= 14) {
		const char *v = end - 8, *tend = v - 1, *t = tend, *mend, *ms;
		size_t mlen = 0;

		if (*tend != ' ' || !parse_version(v))
			return best;
		while (t > l && t[-1] != ' ')
			t--;
		if (t == l || !target_ok(t, tend - t))
			return best;
		mend = t - 1;
		ms = mend;
		while (ms > l && is_tchar(ms[-1]))
			ms--;
		for (int i = 0; methods[i]; i++) {
			size_t n = strlen(methods[i]);

			if ((size_t)(mend - ms) >= n && n > mlen && memcmp(mend - n, methods[i], n) == 0)
				mlen = n;
		}
		if (mlen && (best < 0 || mend - mlen - l < best))
			best = mend - mlen - l;
	}
	return best;
}

/* A malformed line that still looks like a start line of the wanted kind. */
static enum kind looks_start(const char *l, size_t len, enum kind want)
{
	const char *sp;

	if (want != K_REQ && len >= 5 && memcmp(l, "HTTP/", 5) == 0)
		return K_RESP;
	if (want == K_RESP)
		return K_ANY;
	sp = memchr(l, ' ', len);
	if (sp && known_method(l, sp - l) && memmem(sp, l + len - sp, " HTTP/", 6))
		return K_REQ;
	return K_ANY;
}

/* Content-Length = 1*DIGIT, repeated identical values tolerated (RFC 9112 6.3). */
static int64_t parse_clen(const char *v, size_t n)
{
	int64_t val = -1;
	size_t i = 0;

	for (;;) {
		int64_t x = 0;
		size_t digits = 0, sig = 0;

		while (i < n && is_ows(v[i]))
			i++;
		while (i < n && is_digit(v[i])) {
			if ((x || v[i] != '0') && ++sig > 18)
				return -2;
			digits++;
			x = x * 10 + (v[i++] - '0');
		}
		if (!digits || (val >= 0 && x != val))
			return -2;
		val = x;
		while (i < n && is_ows(v[i]))
			i++;
		if (i == n)
			return val;
		if (v[i++] != ',')
			return -2;
	}
}

/* Whether a comma-separated list holds tok (any = 1) or ends with it (any = 0). Empty
 * elements are not elements (RFC 9110 5.6.1): "chunked, " ends with chunked. Returns -1 when
 * the list has none. */
static int list_has(const char *v, size_t n, const char *tok, int any)
{
	int found = -1;

	for (;;) {
		const char *comma = memchr(v, ',', n);
		size_t elen = comma ? (size_t)(comma - v) : n;
		const char *e = v;
		size_t el = elen;

		trim(&e, &el);
		if (el) {
			found = ieq(e, el, tok);
			if (found && any)
				return 1;
		}
		if (!comma)
			return found;
		v += elen + 1;
		n -= elen + 1;
	}
}

static int header_has(const struct hs_message *m, const char *name, const char *tok)
{
	for (uint32_t i = 0; i < m->nheaders; i++)
		if (strcasecmp(m->headers[i].name, name) == 0 &&
		    list_has(m->headers[i].value, m->headers[i].value_len, tok, 1) == 1)
			return 1;
	return 0;
}

/* --- pairing queue and emission --- */

static void fill_ex(struct hs_http1 *d, struct hs_exchange *ex, const struct hs_message *req,
		    const struct hs_message *resp, unsigned flags, uint64_t skipped)
{
	static const struct hs_message none;

	/* field by field: zeroing the whole struct first costs more than the copies */
	ex->conn = d->ci;
	ex->proto = HS_PROTO_HTTP1;
	ex->stream_id = 0;
	ex->flags = flags | (skipped ? HS_EX_SKIPPED : 0);
	ex->error_code = 0;
	ex->skipped = skipped;
	ex->server = d->dir[HS_DIR_IN].role == K_REQ || d->dir[HS_DIR_OUT].role == K_RESP;
	ex->req = req ? *req : none;
	ex->resp = resp ? *resp : none;
}

/* Hand an exchange to the emitter; it takes what req and resp own (the caller forgets them). */
static void emit_msgs(struct hs_http1 *d, const struct hs_message *req,
		      const struct hs_message *resp, unsigned flags, uint64_t skipped)
{
	struct hs_exchange ex;

	fill_ex(d, &ex, req, resp, flags, skipped);
	d->emit(&ex, d->ctx);
	hs_exchange_free(&ex);
}

static void emit_entry(struct hs_http1 *d, struct entry *e)
{
	emit_msgs(d, &e->req, &e->resp, e->flags | (e->resp_done ? 0 : HS_EX_NO_RESPONSE),
		  e->req_skipped + e->resp_skipped);
	free(e);
}

static void unlink_entry(struct hs_http1 *d, struct entry *e)
{
	struct entry **pp = &d->head, *prev = NULL;

	while (*pp && *pp != e) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (!*pp)
		return;
	*pp = e->next;
	if (d->tail == e)
		d->tail = prev;
	d->nqueued--;
	for (int i = 0; i < 2; i++)
		if (d->dir[i].ent == e)
			d->dir[i].ent = NULL;
}

/* Emit, in order, the exchanges whose request and response are both finished. */
static void emit_ready(struct hs_http1 *d)
{
	while (d->head && d->head->req_done && d->head->resp_done) {
		struct entry *e = d->head;

		unlink_entry(d, e);
		emit_entry(d, e);
	}
}

/* Queue full: give up on the oldest finished request nobody answers yet. */
static void evict(struct hs_http1 *d)
{
	struct entry *e, *pick = NULL;

	for (e = d->head; e && !pick; e = e->next)
		if (e->req_done && !e->claimed)
			pick = e;
	for (e = d->head; e && !pick; e = e->next)
		if (e->req_done)
			pick = e;
	if (!pick)
		return;
	if (!pick->claimed)
		d->unanswered_lost++;
	unlink_entry(d, pick);
	emit_entry(d, pick);
}

static struct entry *new_entry(struct hs_http1 *d)
{
	struct entry *e;

	if (d->nqueued >= QUEUE_MAX)
		evict(d);
	e = calloc(1, sizeof(*e));
	if (!e) {
		d->nomem = 1;
		return NULL;
	}
	if (d->tail)
		d->tail->next = e;
	else
		d->head = e;
	d->tail = e;
	d->nqueued++;
	return e;
}

/* A request whose response is taken to be lost with bytes not captured. */
static void no_response(struct hs_http1 *d, struct entry *e)
{
	e->claimed = e->resp_done = 1;
	if (!e->lost) {
		e->flags |= HS_EX_NO_RESPONSE;
		e->resp.flags = HS_MSG_GAP;
		return;
	}
	/* a lost request stands for nothing more once its response is known to be lost too */
	unlink_entry(d, e);
	hs_message_reset(&e->req);
	free(e);
}

/* The request a response of direction s answers: the oldest one no response has been
 * matched to yet. After bytes were lost where messages begin, on a connection that waits
 * for each response before the next request (no pipelining seen), a response that was
 * captured (newest) answers the newest one: a lost request shows as a gap only at the next
 * request, after its response came (or was lost too), so the older unmatched requests are
 * taken as unanswered instead of shifting every pair after them. A response that was lost
 * still answers the oldest. */
static struct entry *claim(struct hs_http1 *d, const struct dir *s, int newest)
{
	struct entry *pick = NULL;

	if (d->unanswered_lost) {
		/* this response answers a request evicted from the queue */
		d->unanswered_lost--;
		return NULL;
	}
	newest = newest && d->dir[0].ngaps + d->dir[1].ngaps;
	for (struct entry *e = d->head; e; e = e->next) {
		if (e->claimed)
			continue;
		if (!pick && e->overtaken && e->resp_gaps == s->ngaps)
			d->pipelined = 1;	/* answered first, with no response bytes lost */
		pick = e;
		if (!newest || d->pipelined)
			break;
	}
	if (newest && !d->pipelined && d->dir[s == &d->dir[0]].unseen)
		pick = NULL;	/* it answers a request sent before it and not seen */
	for (struct entry *e = d->head, *next; e != pick; e = next) {
		next = e->next;
		if (!e->claimed)
			no_response(d, e);
	}
	if (pick)
		pick->claimed = 1;
	emit_ready(d);
	return pick;
}

/* --- message life cycle --- */

static struct dir *other(struct hs_http1 *d, struct dir *s)
{
	return s == &d->dir[0] ? &d->dir[1] : &d->dir[0];
}

/* The interim responses that came before the final response s->cur: its own from now on
 * (its header section ended, so a look at it while its body streams shows them too). */
static void take_interims(struct dir *s)
{
	if (!s->early.ninterim)
		return;
	s->cur.interim = s->early.interim;
	s->cur.ninterim = s->early.ninterim;
	s->early.interim = NULL;
	s->early.ninterim = 0;
	s->early_bytes = 0;
}

/* The current message ended (whatever its flags): hand it to its exchange. */
static void finish(struct hs_http1 *d, struct dir *s)
{
	struct entry *e = s->ent;

	if (!s->in_msg)
		return;
	s->in_msg = 0;
	s->state = ST_START;
	s->ent = NULL;
	if (s->kind == K_REQ) {
		if (!e) {
			emit_msgs(d, &s->cur, NULL, s->ex_flags | HS_EX_NO_RESPONSE, s->msg_skipped);
			memset(&s->cur, 0, sizeof(s->cur));
			return;
		}
		e->req = s->cur;
		e->req_skipped = s->msg_skipped;
		e->req_done = 1;
	} else {
		take_interims(s);
		if (!e) {
			struct dir *o = other(d, s);
			/* request bytes that could not be parsed: most likely what this answers */
			uint64_t skipped = s->msg_skipped + (o->in_msg ? 0 : o->skipped);

			if (!o->in_msg)
				o->skipped = 0;
			emit_msgs(d, NULL, &s->cur, s->ex_flags | HS_EX_NO_REQUEST, skipped);
			memset(&s->cur, 0, sizeof(s->cur));
			return;
		}
		e->resp = s->cur;
		e->resp_skipped = s->msg_skipped;
		e->resp_done = 1;
	}
	e->flags |= s->ex_flags;
	memset(&s->cur, 0, sizeof(s->cur));
	emit_ready(d);
}

static void msg_done(struct hs_http1 *d, struct dir *s)
{
	s->cur.flags |= HS_MSG_COMPLETE;
	finish(d, s);
}

/* The message is broken: emit it as it is and look for the next one. */
static void fail(struct hs_http1 *d, struct dir *s, unsigned flags)
{
	s->cur.flags |= flags;
	finish(d, s);
	s->state = ST_RESYNC;
}

static void stop(struct hs_http1 *d, int code)
{
	d->stopped = code;
	for (int i = 0; i < 2; i++) {
		d->dir[i].state = ST_STOPPED;
		d->dir[i].blen = 0;
	}
}

static void set_str(struct hs_http1 *d, char **dst, const char *s, size_t n)
{
	if (hs_set_str(dst, s, n))
		d->nomem = 1;
}

static void begin(struct hs_http1 *d, struct dir *s, const struct startline *sl, size_t raw,
		  uint64_t lts, uint64_t ts)
{
	struct hs_message *m = &s->cur;
	struct dir *o = other(d, s);

	if (sl->kind == K_REQ && !s->synced && !s->skipped && !o->seen && o->state == ST_RESYNC)
		/* the connection is seen from its first request: the other direction's first
		 * line starts its response, a malformed one included, which then keeps its
		 * place in the pairing instead of being skipped */
		o->state = ST_START;
	hs_message_reset(m);
	s->kind = sl->kind;
	if (s->role == K_ANY)
		s->role = sl->kind;
	if (o->role == K_ANY)
		o->role = sl->kind == K_REQ ? K_RESP : K_REQ;
	s->synced = 1;
	s->in_msg = 1;
	s->ex_flags = 0;
	s->msg_skipped = s->skipped;
	s->skipped = 0;
	s->hdr_bytes = raw;
	s->dropped = 0;
	s->clen = -1;
	s->te = s->chunked = s->any_field = s->last_kept = s->last_framing = s->shown = 0;
	s->state = ST_HEADERS;
	m->flags = HS_MSG_PRESENT;
	m->version = sl->version;
	m->ts_first = lts;
	m->ts_last = ts;
	if (sl->kind == K_REQ) {
		int connect = sl->mlen == 7 && memcmp(sl->method, "CONNECT", 7) == 0;

		/* none when the request line could not be parsed: shown as (invalid), null in JSON */
		if (sl->mlen)
			set_str(d, &m->method, sl->method, sl->mlen);
		if (sl->tlen)
			set_str(d, &m->target, sl->target, sl->tlen);
		/* CONNECT's target is the authority (RFC 9110 9.3.6), Host or not */
		if (sl->tlen && connect)
			set_str(d, &m->authority, sl->target, sl->tlen);
		for (struct entry *e = d->head; e; e = e->next) {
			if (!e->req_done || e->claimed || e->lost)
				continue;
			e->overtaken = 1;
			/* one system call (one timestamp) carried both requests: pipelined
			 * for sure, whatever is lost later */
			if (e->req.ts_last == lts)
				d->pipelined = 1;
		}
		s->ent = new_entry(d);
		if (s->ent) {
			s->ent->resp_gaps = o->ngaps;
			s->ent->is_head = sl->mlen == 4 && memcmp(sl->method, "HEAD", 4) == 0;
			s->ent->is_connect = connect;
		}
	} else {
		m->status = sl->status;
		if (sl->status)	/* none when the status line could not be parsed: null in JSON */
			set_str(d, &m->reason, sl->reason, sl->rlen);
		/* reason-phrase = *( HTAB / SP / VCHAR / obs-text ) (RFC 9112 4) */
		for (size_t i = 0; i < sl->rlen; i++)
			if (((uint8_t)sl->reason[i] < 0x20 && sl->reason[i] != '\t') ||
			    sl->reason[i] == 0x7f)
				m->flags |= HS_MSG_INVALID;
		if (!s->ent)	/* already set after a 1xx interim response */
			s->ent = claim(d, s, 1);
	}
	if (raw > d->lim->max_header_bytes)
		fail(d, s, HS_MSG_HDRS_CUT | HS_MSG_INVALID);
}

/* A request line with a method no table knows, accepted on the first line of a stream only:
 * the method in the usual form of one (upper case letters, digits, '-', '_'), so that the
 * tail of a body seen mid-connection does not pass for one. */
static int first_line_request(const char *l, size_t len, enum kind want, struct startline *sl)
{
	if (want == K_RESP || !classify(l, len, K_REQ, 0, sl))
		return 0;
	if (sl->method[0] < 'A' || sl->method[0] > 'Z')
		return 0;
	for (size_t i = 0; i < sl->mlen; i++) {
		char ch = sl->method[i];

		if (!((ch >= 'A' && ch <= 'Z') || is_digit(ch) || ch == '-' || ch == '_'))
			return 0;
	}
	return 1;
}

static void start_line(struct hs_http1 *d, struct dir *s, const char *l, size_t len,
		       size_t raw, uint64_t lts, uint64_t ts)
{
	struct startline sl;
	enum kind kind;
	long c;

	if (s->state == ST_START) {
		if (!len)	/* empty lines before a request line (RFC 9112 2.2) */
			return;
		if (classify(l, len, s->role, 0, &sl)) {
			begin(d, s, &sl, raw, lts, ts);
			return;
		}
	}
	c = find_start(l, len, s->role);
	if (c < 0 && !s->synced && !s->skipped && first_line_request(l, len, s->role, &sl)) {
		/* the first line this stream shows, with an extension method (PURGE, QUERY) */
		begin(d, s, &sl, raw, lts, ts);
		return;
	}
	if (!len && !s->synced && !s->skipped)
		return;		/* empty lines before the first request line (RFC 9112 2.2) */
	if (c >= 0 && classify(l + c, len - c, s->role, 0, &sl)) {
		s->skipped += c;
		/* inside a buffered line the start line most likely came with this feed */
		begin(d, s, &sl, raw - c, c ? ts : lts, ts);
		return;
	}
	/* in sync yet no start line, or a broken one: a malformed message */
	kind = s->state == ST_START ? s->role : looks_start(l, len, s->role);
	if (kind != K_ANY) {
		memset(&sl, 0, sizeof(sl));
		sl.kind = kind;
		sl.method = sl.target = sl.reason = "";
		begin(d, s, &sl, raw, lts, ts);
		if (s->in_msg)
			fail(d, s, HS_MSG_INVALID);
		s->state = ST_RESYNC;
		return;
	}
	s->skipped += raw;
	s->state = ST_RESYNC;
}

/* obs-fold (RFC 9112 5.2): the line continues the previous field value. */
static void fold(struct hs_http1 *d, struct hs_message *m, int trailer, const char *v, size_t n)
{
	struct hs_header *h = trailer ? &m->trailers[m->ntrailers - 1] : &m->headers[m->nheaders - 1];
	size_t sep = h->value_len && n ? 1 : 0;
	char *nv;

	if (!n)
		return;
	/* the value lives after the name, in the same allocation */
	nv = realloc(h->name, h->name_len + 1 + h->value_len + sep + n + 1);
	if (!nv) {
		d->nomem = 1;
		return;
	}
	h->name = nv;
	h->value = nv + h->name_len + 1;
	if (sep)
		h->value[h->value_len] = ' ';
	memcpy(h->value + h->value_len + sep, v, n);
	h->value_len += sep + n;
	h->value[h->value_len] = '\0';
}

static void field_line(struct hs_http1 *d, struct dir *s, const char *l, size_t len, int trailer)
{
	struct hs_message *m = &s->cur;
	const char *colon, *v;
	size_t nlen, vlen;
	uint32_t before;

	if (is_ows(l[0])) {
		v = l;
		vlen = len;
		trim(&v, &vlen);
		if (!s->any_field || s->last_framing)
			m->flags |= HS_MSG_INVALID;
		else if (s->last_kept)
			fold(d, m, trailer, v, vlen);
		return;
	}
	s->any_field = 1;
	s->last_kept = s->last_framing = 0;
	colon = memchr(l, ':', len);
	if (!colon || colon == l) {
		m->flags |= HS_MSG_INVALID;
		return;
	}
	nlen = colon - l;
	for (size_t i = 0; i < nlen; i++)
		if (!is_tchar(l[i]))
			m->flags |= HS_MSG_INVALID;	/* e.g. whitespace before the colon */
	v = colon + 1;
	vlen = len - nlen - 1;
	trim(&v, &vlen);
	if (memchr(v, '\0', vlen) || memchr(v, '\r', vlen))
		m->flags |= HS_MSG_INVALID;	/* RFC 9110 5.5 */
	if (!trailer) {
		if (ieq(l, nlen, "content-length")) {
			int64_t x = parse_clen(v, vlen);

			s->clen = (x < 0 || s->clen == -2 || (s->clen >= 0 && s->clen != x)) ? -2 : x;
			s->last_framing = 1;
		} else if (ieq(l, nlen, "transfer-encoding")) {
			/* the last coding of all the field lines decides; a line of empty
			 * elements adds none */
			int last = list_has(v, vlen, "chunked", 0);

			if (last >= 0) {
				s->te = 1;
				s->chunked = last;
			}
			s->last_framing = 1;
		} else if (s->kind == K_REQ && !m->authority && ieq(l, nlen, "host")) {
			set_str(d, &m->authority, v, vlen);
		}
	}
	before = trailer ? m->ntrailers : m->nheaders;
	if (d->lim->drop_fields && !ieq(l, nlen, "upgrade")) {
		/* counted, not kept: only Upgrade steers decoding */
		if (++s->dropped + before > d->lim->max_headers)
			m->flags |= HS_MSG_HDRS_CUT;
		return;
	}
	if (hs_message_add_header(m, d->lim, trailer, l, nlen, v, vlen))
		d->nomem = 1;
	s->last_kept = (trailer ? m->ntrailers : m->nheaders) > before;
}

static void start_body(struct hs_http1 *d, struct dir *s, int close_ok)
{
	if (s->te && s->cur.version == 10) {
		/* RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing
		 * (its recipient closes the connection after it); shown as invalid, framed as
		 * HTTP/1.0 frames a message */
		s->cur.flags |= HS_MSG_INVALID;
		s->te = 0;
	}
	if (s->te) {
		if (s->chunked)
			s->state = ST_CHUNK_SIZE;
		else if (close_ok)
			s->state = ST_CLOSE;
		else
			fail(d, s, HS_MSG_INVALID);	/* RFC 9112 6.3: request length unknown */
	} else if (s->clen == -2) {
		fail(d, s, HS_MSG_INVALID);
	} else if (s->clen > 0) {
		s->remaining = s->clen;
		s->state = ST_BODY;
	} else if (s->clen == 0 || !close_ok) {
		msg_done(d, s);
	} else {
		s->state = ST_CLOSE;
	}
}

/* The empty line after the header section: decide how the body is framed (RFC 9112 6.3). */
static void headers_end(struct hs_http1 *d, struct dir *s)
{
	struct hs_message *m = &s->cur;
	struct entry *e = s->ent;
	int st = m->status;

	if (s->kind == K_REQ) {
		start_body(d, s, 0);
		return;
	}
	if (st == 101 || st >= 200)
		take_interims(s);
	if (st == 101) {
		struct dir *o = other(d, s);
		int h2;

		if (e && o->ent == e)
			finish(d, o);	/* the request ends here too */
		h2 = header_has(m, "upgrade", "h2c") ||
		     (e && e->req_done && header_has(&e->req, "upgrade", "h2c"));
		s->ex_flags |= HS_EX_UPGRADE;
		msg_done(d, s);
		stop(d, h2 ? HS_HTTP1_UPGRADE_H2 : HS_HTTP1_STOPPED);
		return;
	}
	if (st < 200) {
		/* interim response (100 Continue, 103 Early Hints): not an exchange of its own;
		 * shown with the final response (not by the one-line output) */
		s->skipped += s->msg_skipped;
		m->flags |= HS_MSG_COMPLETE;
		if (d->lim->drop_fields || s->early_bytes + s->hdr_bytes > d->lim->max_header_bytes)
			hs_message_reset(m);
		else if (hs_message_add_interim(&s->early, m))
			d->nomem = 1;
		else
			s->early_bytes += s->hdr_bytes;
		s->in_msg = 0;
		s->state = ST_START;
		return;
	}
	if ((e && e->is_head) || st == 204 || st == 304) {
		msg_done(d, s);
	} else if (e && e->is_connect && st < 300) {
		s->ex_flags |= HS_EX_UPGRADE;
		msg_done(d, s);
		stop(d, HS_HTTP1_STOPPED);	/* a tunnel follows */
	} else {
		start_body(d, s, 1);
	}
}

static int hexval(int c)
{
	if (is_digit(c))
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* chunk-size [ chunk-ext ] (RFC 9112 7.1) */
static void chunk_size(struct hs_http1 *d, struct dir *s, const char *l, size_t len)
{
	uint64_t v = 0;
	size_t i = 0, sig = 0;

	while (i < len && hexval(l[i]) >= 0) {
		/* leading zeros are valid (1*HEXDIG): only significant digits can overflow */
		if ((v || l[i] != '0') && ++sig > 15) {
			fail(d, s, HS_MSG_INVALID);
			return;
		}
		v = v * 16 + hexval(l[i++]);
	}
	while (i < len && is_ows(l[i]))
		i++;
	if (i == 0 || (i < len && l[i] != ';')) {
		fail(d, s, HS_MSG_INVALID);
		return;
	}
	if (v) {
		s->remaining = v;
		s->state = ST_CHUNK_DATA;
	} else {
		s->state = ST_TRAILERS;
		s->hdr_bytes = 0;
		s->dropped = 0;
		s->any_field = s->last_kept = s->last_framing = 0;
	}
}

static void process_line(struct hs_http1 *d, struct dir *s, const char *l, size_t raw,
			 uint64_t lts, uint64_t ts)
{
	size_t len = raw;

	if (len && l[len - 1] == '\n')
		len--;
	if (len && l[len - 1] == '\r')
		len--;
	if (s->in_msg)
		s->cur.ts_last = ts;
	switch (s->state) {
	case ST_RESYNC:
	case ST_START:
		start_line(d, s, l, len, raw, lts, ts);
		break;
	case ST_HEADERS:
	case ST_TRAILERS:
		s->hdr_bytes += raw;
		if (len)
			field_line(d, s, l, len, s->state == ST_TRAILERS);
		else if (s->state == ST_HEADERS)
			headers_end(d, s);
		else
			msg_done(d, s);
		break;
	case ST_CHUNK_SIZE:
		chunk_size(d, s, l, len);
		break;
	case ST_CHUNK_END:
		if (len)
			fail(d, s, HS_MSG_INVALID);
		else
			s->state = ST_CHUNK_SIZE;
		break;
	default:
		break;
	}
}

/* --- input --- */

static void gap_dir(struct hs_http1 *d, struct dir *s, uint64_t len, uint64_t ts);

static int buf_add(struct hs_http1 *d, struct dir *s, const uint8_t *p, size_t n)
{
	if (s->blen + n > s->bcap) {
		size_t cap = s->bcap ? s->bcap : 256;
		uint8_t *nb;

		while (cap < s->blen + n)
			cap *= 2;
		nb = realloc(s->buf, cap);
		if (!nb) {
			d->nomem = 1;
			return -ENOMEM;
		}
		s->buf = nb;
		s->bcap = cap;
	}
	memcpy(s->buf + s->blen, p, n);
	s->blen += n;
	return 0;
}

/* While resynchronising keep only the tail of a long line: start lines end lines. */
static void resync_add(struct hs_http1 *d, struct dir *s, const uint8_t *p, size_t n)
{
	size_t total = s->blen + n;
	/* at the stream's first byte (nothing skipped, no message yet) the line is most likely
	 * a start line: keep it whole up to the header section limit, as when in sync, so that
	 * a first request with a long target is not skipped */
	size_t limit = !s->synced && !s->skipped && d->lim->max_header_bytes > 2 * RESYNC_KEEP ?
		       d->lim->max_header_bytes : 2 * RESYNC_KEEP;

	if (total > limit) {
		size_t drop = total - RESYNC_KEEP;

		s->skipped += drop;
		if (drop >= s->blen) {
			p += drop - s->blen;
			n -= drop - s->blen;
			s->blen = 0;
		} else {
			memmove(s->buf, s->buf + drop, s->blen - drop);
			s->blen -= drop;
		}
	}
	if (buf_add(d, s, p, n)) {
		s->skipped += s->blen + n;
		s->blen = 0;
	}
}

/* A partial line grew past the header section limit. */
static void overflow(struct hs_http1 *d, struct dir *s, const uint8_t *p, size_t n, uint64_t ts)
{
	if (s->state == ST_START && s->role != K_ANY) {
		/* in sync, so this is the start line of the next message: keep its place */
		struct startline sl = { .kind = s->role, .method = "", .target = "", .reason = "" };
		const uint8_t *line = s->blen ? s->buf : p;
		size_t llen = s->blen ? s->blen : n;
		const uint8_t *sp = memchr(line, ' ', llen);

		if (sp && s->role == K_REQ && sp > line) {
			sl.method = (const char *)line;
			sl.mlen = sp - line;
			for (size_t i = 0; i < sl.mlen; i++)
				if (!is_tchar(sl.method[i]))
					sl.mlen = 0;
		}
		begin(d, s, &sl, 0, s->blen ? s->line_ts : ts, ts);	/* the target: not seen whole */
		s->blen = 0;
		fail(d, s, HS_MSG_HDRS_CUT | HS_MSG_INVALID);
		s->state = ST_DISCARD;
		return;
	}
	if (s->state == ST_START) {
		s->skipped += s->blen;
		s->blen = 0;
		s->state = ST_RESYNC;
		return;
	}
	s->blen = 0;
	fail(d, s, s->state == ST_HEADERS || s->state == ST_TRAILERS ?
		   HS_MSG_HDRS_CUT | HS_MSG_INVALID : HS_MSG_INVALID);
	s->state = ST_DISCARD;	/* the line belongs to the message: not counted as skipped */
}

/* One line-oriented step; returns the bytes used (0 only after a state change that
 * makes the next step consume). */
static size_t step_line(struct hs_http1 *d, struct dir *s, const uint8_t *p, size_t n,
			uint64_t ts)
{
	const uint8_t *nl = memchr(p, '\n', n);
	size_t take = nl ? (size_t)(nl - p) + 1 : n;
	const uint8_t *line = p;
	size_t raw = take;
	uint64_t lts = ts;

	if (s->state == ST_DISCARD) {
		if (nl)
			s->state = ST_RESYNC;
		return take;
	}
	if (s->state == ST_RESYNC) {
		if (!nl || s->blen) {
			if (!s->blen)
				s->line_ts = ts;
			resync_add(d, s, p, take);
			if (!nl)
				return take;
			line = s->buf;
			raw = s->blen;
			lts = s->line_ts;
		}
	} else {
		size_t max = d->lim->max_header_bytes, room = max;

		if (s->state == ST_HEADERS || s->state == ST_TRAILERS)
			room = max > s->hdr_bytes ? max - s->hdr_bytes : 0;
		if (s->blen + take > room) {
			overflow(d, s, p, take, ts);
			return 0;
		}
		if (!nl || s->blen) {
			if (!s->blen)
				s->line_ts = ts;
			if (buf_add(d, s, p, take)) {
				gap_dir(d, s, take, ts);
				return take;
			}
			if (s->in_msg)
				s->cur.ts_last = ts;
			if (!nl)
				return take;
			line = s->buf;
			raw = s->blen;
			lts = s->line_ts;
		}
	}
	process_line(d, s, (const char *)line, raw, lts, ts);
	s->blen = 0;
	return take;
}

static void body(struct hs_http1 *d, struct dir *s, const uint8_t *p, size_t n, int captured,
		 uint64_t ts)
{
	hs_message_add_body(&s->cur, d->lim, p, n, captured);
	s->cur.ts_last = ts;
}

struct hs_http1 *hs_http1_new(const struct hs_conninfo *ci, const struct hs_limits *lim,
			      hs_emit_fn emit, void *ctx)
{
	struct hs_http1 *d;

	if (!lim || !emit)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->ci = ci;
	d->lim = lim;
	d->emit = emit;
	d->ctx = ctx;
	return d;
}

int hs_http1_feed(struct hs_http1 *d, int dir, const uint8_t *data, size_t len, uint64_t ts,
		  size_t *consumed)
{
	struct dir *s;
	size_t off = 0;

	if (consumed)
		*consumed = 0;
	if (!d || dir < 0 || dir > 1 || (!data && len))
		return -EINVAL;
	if (d->stopped)
		return d->stopped;
	s = &d->dir[dir];
	s->unseen = 0;
	d->nomem = 0;
	if (len)
		s->seen = 1;
	while (off < len && !d->stopped) {
		const uint8_t *p = data + off;
		size_t n = len - off, take;

		switch (s->state) {
		case ST_BODY:
		case ST_CHUNK_DATA:
			take = n < s->remaining ? n : s->remaining;
			body(d, s, p, take, 1, ts);
			off += take;
			s->remaining -= take;
			if (!s->remaining) {
				if (s->state == ST_BODY)
					msg_done(d, s);
				else
					s->state = ST_CHUNK_END;
			}
			break;
		case ST_CLOSE:
			body(d, s, p, n, 1, ts);
			off = len;
			break;
		default:
			off += step_line(d, s, p, n, ts);
			break;
		}
	}
	if (consumed)
		*consumed = off;
	if (d->stopped)
		return d->stopped;
	return d->nomem ? -ENOMEM : 0;
}

/* In sync between messages, bytes were not captured: a message started in them. Records it,
 * not decoded, in its place in the queue; returns whether it did. */
static int gap_message(struct hs_http1 *d, struct dir *s, uint64_t ts)
{
	struct entry *e;
	struct hs_message *m;

	if (s->role == K_REQ) {
		if (!(e = new_entry(d)))
			return 0;
		m = &e->req;
		e->req_done = e->lost = 1;
		e->req_skipped = s->skipped;
	} else if (s->role == K_RESP) {
		e = s->ent ? s->ent : claim(d, s, 0);	/* a final response after a 1xx, or the next */
		s->ent = NULL;
		if (!e)
			return 0;
		m = &e->resp;
		e->resp_done = 1;
		e->resp_skipped = s->skipped;
	} else {
		return 0;
	}
	m->flags = HS_MSG_PRESENT | HS_MSG_GAP | HS_MSG_INVALID;
	m->ts_first = m->ts_last = ts;
	s->skipped = 0;
	emit_ready(d);
	return 1;
}

static void gap_dir(struct hs_http1 *d, struct dir *s, uint64_t len, uint64_t ts)
{
	uint64_t take;

	switch (s->state) {
	case ST_STOPPED:
		return;
	case ST_BODY:
		take = len < s->remaining ? len : s->remaining;
		body(d, s, NULL, take, 0, ts);
		s->remaining -= take;
		len -= take;
		if (!s->remaining)
			msg_done(d, s);
		break;
	case ST_CLOSE:
		body(d, s, NULL, len, 0, ts);
		len = 0;
		break;
	case ST_CHUNK_DATA:
		if (len <= s->remaining) {
			body(d, s, NULL, len, 0, ts);
			s->remaining -= len;
			if (!s->remaining)
				s->state = ST_CHUNK_END;
			len = 0;
		}
		break;
	default:
		break;
	}
	if (!len)
		return;
	s->ngaps++;
	if (s->in_msg) {
		/* headers or chunk framing lost: the rest of this message cannot be parsed */
		s->blen = 0;
		s->cur.ts_last = ts;
		fail(d, s, HS_MSG_GAP | HS_MSG_INVALID);
	} else if (s->state == ST_START && !s->blen && gap_message(d, s, ts)) {
		/* the bytes not captured began the next message: it holds its place in the
		 * pairing, so the responses that follow still answer the right requests */
		s->state = ST_RESYNC;
		return;
	}
	s->skipped += s->blen + len;
	s->blen = 0;
	s->state = ST_RESYNC;
}

void hs_http1_gap(struct hs_http1 *d, int dir, uint64_t len, uint64_t ts)
{
	if (!d || dir < 0 || dir > 1 || !len || d->stopped)
		return;
	d->dir[dir].seen = 1;
	d->dir[dir].unseen = 0;
	gap_dir(d, &d->dir[dir], len, ts);
}

void hs_http1_unseen(struct hs_http1 *d, int dir)
{
	if (d && dir >= 0 && dir <= 1)
		d->dir[dir].unseen = 1;
}

void hs_http1_eof(struct hs_http1 *d, int dir)
{
	struct dir *s;

	if (!d || dir < 0 || dir > 1 || d->stopped)
		return;
	s = &d->dir[dir];
	if (s->in_msg && s->state == ST_CLOSE) {
		s->cur.flags |= HS_MSG_COMPLETE;
		finish(d, s);
	}
}

void hs_http1_flush(struct hs_http1 *d, uint64_t ts, int closed)
{
	(void)ts;
	if (!d)
		return;
	for (int i = 0; i < 2; i++) {
		struct dir *s = &d->dir[i];

		if (closed && s->in_msg && s->state == ST_CLOSE)
			s->cur.flags |= HS_MSG_COMPLETE;	/* the close ends the body */
		finish(d, s);
	}
	for (int i = 0; i < 2; i++) {
		struct dir *s = &d->dir[i];

		s->ent = NULL;
		s->blen = 0;
		s->skipped = 0;
		if (!d->stopped)
			s->state = s->synced ? ST_START : ST_RESYNC;
	}
	while (d->head) {
		struct entry *e = d->head;

		unlink_entry(d, e);
		emit_entry(d, e);
	}
}

void hs_http1_tick(struct hs_http1 *d, uint64_t now, uint64_t after)
{
	struct dir *s = d ? &d->dir[0] : NULL, *o;
	const struct hs_message *req = NULL;
	struct hs_exchange ex;
	struct entry *e;

	if (!d || d->stopped)
		return;
	if (s->kind != K_RESP)
		s = &d->dir[1];
	if (!s->in_msg || s->kind != K_RESP || s->shown || now < s->cur.ts_first + after)
		return;
	switch (s->state) {
	case ST_BODY: case ST_CLOSE: case ST_CHUNK_SIZE: case ST_CHUNK_DATA: case ST_CHUNK_END:
	case ST_TRAILERS:
		break;
	default:
		return;		/* its header section is not complete yet */
	}
	s->shown = 1;
	e = s->ent;
	o = other(d, s);
	if (e && e->req_done)
		req = &e->req;
	else if (e && o->ent == e && o->in_msg)
		req = &o->cur;	/* the request is still coming too */
	fill_ex(d, &ex, req, &s->cur,
		(e ? e->flags : HS_EX_NO_REQUEST) | s->ex_flags | HS_EX_STREAMING,
		(e ? e->req_skipped : 0) + s->msg_skipped);
	d->emit(&ex, d->ctx);	/* a look only: the messages stay the decoder's */
}

void hs_http1_free(struct hs_http1 *d)
{
	if (!d)
		return;
	while (d->head) {
		struct entry *e = d->head;

		d->head = e->next;
		hs_message_reset(&e->req);
		hs_message_reset(&e->resp);
		free(e);
	}
	for (int i = 0; i < 2; i++) {
		hs_message_reset(&d->dir[i].cur);
		hs_message_reset(&d->dir[i].early);
		free(d->dir[i].buf);
	}
	free(d);
}

/* --- detection --- */

static int detect_status(const uint8_t *p, size_t n)
{
	static const char pre[] = "HTTP/1.";

	for (size_t i = 0; i < 7; i++) {
		if (i >= n)
			return -1;
		if (p[i] != (uint8_t)pre[i])
			return 0;
	}
	if (n < 8)
		return -1;
	if (!is_digit(p[7]))
		return 0;
	if (n < 9)
		return -1;
	if (p[8] != ' ')
		return 0;
	for (size_t i = 9; i < 12; i++) {
		if (i >= n)
			return -1;
		if (!is_digit(p[i]))
			return 0;
	}
	return 1;
}

/* After "METHOD SP": the target and as much of the version as is there. */
static int detect_rest(const uint8_t *q, size_t r)
{
	static const char pre[] = "HTTP/1.";
	size_t i = 0, j;

	while (i < r && q[i] != ' ') {
		if (q[i] < 0x21 || q[i] == 0x7f)
			return 0;
		i++;
	}
	if (i == r)
		return 1;
	if (i == 0)
		return 0;
	for (j = 0, i++; i < r && j < 7; i++, j++)
		if (q[i] != (uint8_t)pre[j])
			return 0;
	if (i < r && !is_digit(q[i++]))
		return 0;
	if (i < r && q[i] != '\r' && q[i] != '\n')
		return 0;
	return 1;
}

int hs_http1_detect(const uint8_t *p, size_t n)
{
	int res;

	if (!p || !n)
		return -1;
	res = detect_status(p, n);
	if (res == 1)
		return 1;
	for (int i = 0; methods[i]; i++) {
		size_t ml = strlen(methods[i]);

		if (memcmp(p, methods[i], n < ml ? n : ml) != 0)
			continue;
		if (n <= ml) {
			res = -1;
			continue;
		}
		if (p[ml] == ' ')
			return detect_rest(p + ml + 1, n - ml - 1);
	}
	return res;
}
