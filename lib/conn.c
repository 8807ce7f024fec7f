/* conn.c: the connection table: validates records, keeps each socket's two byte streams in
 * order (gap-aware), picks a decoder from the first bytes and feeds it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "conn.h"
#include "container.h"
#include "http1.h"
#include "http2.h"
#include "httpsnoop.h"

#define DETECT_MAX 24		/* the HTTP/2 client preface is the longest thing we look for */
#define UNKNOWN_GIVEUP 65536	/* bytes fed with no exchange before a stream is not HTTP */
#define STREAMING_NS 1000000000ull	/* a response still arriving this long is shown as it is */
#define TICK_NS 250000000ull	/* how often open responses are looked at */

enum proto_state { P_DETECT = 0, P_HTTP1, P_HTTP2, P_NONE };

struct conn {
	struct conn *hnext;		/* hash chain */
	struct conn *prev, *next;	/* LRU list, most recent at the head */
	uint64_t sock;
	struct hs_conninfo ci;
	uint64_t pos[2];		/* next expected byte position per direction */
	uint64_t last_ts;
	enum proto_state proto;
	uint8_t det[2][DETECT_MAX];	/* first bytes while detecting */
	size_t detlen[2];
	uint8_t guessed;		/* HTTP/1 was a guess: the first bytes matched nothing */
	uint8_t ciphertext;		/* TLS records: not decoded, unless a probe takes over */
	uint8_t h2_server_first;	/* HTTP/2 was decided from a server's SETTINGS alone:
					 * their direction + 1, until the other side speaks */
	uint64_t fed;			/* bytes fed to a guess while no exchange came out */
	uint8_t gave_up;		/* a guess given up: a record that starts with an HTTP/1
					 * start line still starts decoding again */
	uint64_t exchanges;
	struct hs_http1 *h1;
	struct hs_http2 *h2;
	struct hs_conns *t;
};

/* cgroup id -> container short id, so /proc is read once per cgroup, not per connection */
struct cg_name {
	uint64_t cgid;
	char name[16];
};

struct hs_conns {
	struct hs_conns_opts o;
	struct cg_name cg_cache[64];
	struct conn **buckets;
	size_t nbuckets, nconns;
	struct conn *lru_head, *lru_tail;
	struct hs_conns_stats st;
	uint64_t ticked;		/* last hs_conns_tick() that looked */
	struct {			/* --raw: the records of one call, printed as one */
		struct conn *c;
		uint64_t ts, end;
		uint32_t tid;
		int dir;
		uint8_t *buf;
		size_t len, cap;
	} raw;
};

/* --raw: print the call gathered so far. */
static void raw_flush(struct hs_conns *t)
{
	if (t->raw.c && t->raw.len)
		t->o.raw(&t->raw.c->ci, t->raw.dir, t->raw.buf, t->raw.len, t->raw.ts, t->o.ctx);
	t->raw.c = NULL;
	t->raw.len = 0;
}

/* A call larger than a record (HS_CHUNK) comes as consecutive records with the same time,
 * thread, socket and direction, each starting where the last ended. */
static int raw_continues(const struct hs_conns *t, const struct hs_rec *r)
{
	return t->raw.c && r->type == HS_REC_DATA && r->cap && r->cap == r->len &&
	       r->sock == t->raw.c->sock && r->dir == t->raw.dir && r->ts_ns == t->raw.ts &&
	       r->tid == t->raw.tid && r->pos == t->raw.end;
}

/* --raw: gather a whole captured record; 0 when it could not be kept (print it alone). */
static int raw_add(struct hs_conns *t, struct conn *c, const struct hs_rec *r,
		   const uint8_t *payload)
{
	if (t->raw.len + r->cap > t->raw.cap) {
		size_t cap = t->raw.cap ? t->raw.cap : HS_CHUNK;
		uint8_t *nb;

		while (cap < t->raw.len + r->cap)
			cap *= 2;
		if (!(nb = realloc(t->raw.buf, cap))) {
			raw_flush(t);
			return 0;
		}
		t->raw.buf = nb;
		t->raw.cap = cap;
	}
	if (!t->raw.c) {
		t->raw.c = c;
		t->raw.ts = r->ts_ns;
		t->raw.tid = r->tid;
		t->raw.dir = r->dir;
	}
	memcpy(t->raw.buf + t->raw.len, payload, r->cap);
	t->raw.len += r->cap;
	t->raw.end = r->pos + r->len;
	return 1;
}

static void on_exchange(const struct hs_exchange *ex, void *ctx)
{
	struct conn *c = ctx;
	const struct hs_header *up = hs_message_header(&ex->resp, "upgrade");

	if (!(ex->flags & HS_EX_STREAMING)) {
		c->exchanges++;
		c->t->st.exchanges++;
	}
	c->t->o.emit(ex, c->t->o.ctx);
	/* 101 to h2c: the request becomes HTTP/2 stream 1, answered in HTTP/2 */
	if (ex->proto == HS_PROTO_HTTP1 && (ex->flags & HS_EX_UPGRADE) && ex->resp.status == 101 &&
	    up && up->value_len == 3 && strncasecmp(up->value, "h2c", 3) == 0 && !c->h2 &&
	    (c->h2 = hs_http2_new(&c->ci, &c->t->o.lim, on_exchange, c)))
		hs_http2_upgraded(c->h2, ex->server ? HS_DIR_INGRESS : HS_DIR_EGRESS, &ex->req);
}

struct hs_conns *hs_conns_new(const struct hs_conns_opts *o)
{
	struct hs_conns *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->o = *o;
	if (!t->o.max_conns)
		t->o.max_conns = HS_CONNS_MAX;
	t->nbuckets = 4096;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	return t;
}

static size_t bucket(const struct hs_conns *t, uint64_t sock)
{
	return (sock >> 6 ^ sock >> 20) & (t->nbuckets - 1);
}

static void lru_unlink(struct hs_conns *t, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		t->lru_head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		t->lru_tail = c->prev;
	c->prev = c->next = NULL;
}

static void lru_push(struct hs_conns *t, struct conn *c)
{
	c->next = t->lru_head;
	if (t->lru_head)
		t->lru_head->prev = c;
	t->lru_head = c;
	if (!t->lru_tail)
		t->lru_tail = c;
}

/* Drop the decoders (emitting what they hold) and the detection bytes; closed: the
 * connection ended, which ends a body delimited by its close. */
static void reset_decoding(struct conn *c, int closed)
{
	if (c->h1) {
		hs_http1_flush(c->h1, c->last_ts, closed);
		hs_http1_free(c->h1);
	}
	if (c->h2) {
		hs_http2_flush(c->h2, c->last_ts);
		hs_http2_free(c->h2);
	}
	c->h1 = NULL;
	c->h2 = NULL;
	c->proto = P_DETECT;
	c->detlen[0] = c->detlen[1] = 0;
	c->guessed = 0;
	c->ciphertext = 0;
	c->h2_server_first = 0;	/* the decision it qualified is gone with its decoder */
	c->fed = 0;
	c->gave_up = 0;
}

static void conn_free(struct hs_conns *t, struct conn *c, int closed)
{
	struct conn **pp = &t->buckets[bucket(t, c->sock)];

	if (c->ciphertext && c->ci.source == HS_SOURCE_SYSCALL && t->o.tls_unseen)
		t->o.tls_unseen(&c->ci, t->o.ctx);
	reset_decoding(c, closed);
	while (*pp && *pp != c)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = c->hnext;
	lru_unlink(t, c);
	t->nconns--;
	free(c);
}

static struct conn *conn_find(struct hs_conns *t, uint64_t sock)
{
	for (struct conn *c = t->buckets[bucket(t, sock)]; c; c = c->hnext)
		if (c->sock == sock)
			return c;
	return NULL;
}

static void info_from_rec(struct hs_conninfo *ci, const struct hs_rec *r)
{
	ci->pid = r->pid;
	ci->tid = r->tid;
	memcpy(ci->comm, r->comm, sizeof(ci->comm));
	ci->comm[sizeof(ci->comm) - 1] = '\0';
	ci->cgroup_id = r->cgroup_id;
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	ci->family = r->family == AF_INET6 || r->family == AF_UNIX ? r->family : AF_INET;
	memcpy(ci->laddr, r->laddr, sizeof(ci->laddr));
	memcpy(ci->raddr, r->raddr, sizeof(ci->raddr));
	/* an IPv4 peer of a dual-stack socket is shown as the IPv4 address it is */
	if (ci->family == AF_INET6 && !memcmp(ci->laddr, v4mapped, 12) &&
	    !memcmp(ci->raddr, v4mapped, 12)) {
		ci->family = AF_INET;
		memmove(ci->laddr, ci->laddr + 12, 4);
		memmove(ci->raddr, ci->raddr + 12, 4);
		memset(ci->laddr + 4, 0, 12);
		memset(ci->raddr + 4, 0, 12);
	}
	ci->lport = r->lport;
	ci->rport = r->rport;
	ci->fd = r->fd;
	ci->source = (enum hs_source)r->source;
}

static struct conn *conn_get(struct hs_conns *t, const struct hs_rec *r)
{
	struct conn *c = conn_find(t, r->sock);
	size_t b;

	if (c) {
		lru_unlink(t, c);
		lru_push(t, c);
		return c;
	}
	if (t->nconns >= t->o.max_conns && t->lru_tail) {
		t->st.evicted++;
		conn_free(t, t->lru_tail, 0);
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->sock = r->sock;
	c->t = t;
	info_from_rec(&c->ci, r);
	if (t->o.name_containers) {
		struct cg_name *n = &t->cg_cache[(r->cgroup_id ^ r->cgroup_id >> 7) & 63];

		if (n->cgid != r->cgroup_id || !r->cgroup_id) {
			/* by the cgroup: the process may be gone already (a short curl); a name
			 * not found is not kept for the cgroup's later processes */
			n->cgid = 0;
			if (hs_container_of_cgroup(r->cgroup_id, n->name) == 0)
				n->cgid = r->cgroup_id;
			else
				hs_container_of_pid(r->pid, n->name);
		}
		memcpy(c->ci.container, n->name, sizeof(c->ci.container));
	}
	if (c->ci.source != HS_SOURCE_SYSCALL && t->o.tls_lib)
		t->o.tls_lib(&c->ci, t->o.ctx);
	b = bucket(t, r->sock);
	c->hnext = t->buckets[b];
	t->buckets[b] = c;
	lru_push(t, c);
	t->nconns++;
	t->st.conns++;
	return c;
}

/* A client's first bytes are an HTTP/1 request, also after an HTTP/2 server's SETTINGS
 * (an h2c upgrade the server does not take): decoded as HTTP/1, the server's frames as an
 * invalid response. */
static int speaks_http1(const uint8_t *p, size_t n)
{
	return hs_http2_detect(p, n) != 1 && hs_http1_detect(p, n) == 1;
}

/* Decide the protocol from the first bytes of either direction. */
static enum proto_state detect(struct conn *c)
{
	int undecided = 0;

	for (int d = 0; d < 2; d++) {
		const uint8_t *p = c->det[d];
		size_t n = c->detlen[d];
		int r;

		if (!n)
			continue;
		if ((r = hs_http2_detect(p, n)) == 1)
			return P_HTTP2;
		if (r < 0)
			undecided = 1;
		/* a server may send its SETTINGS before it reads the client's preface */
		if ((r = hs_http2_detect_server(p, n)) == 1) {
			if (c->detlen[!d])
				return speaks_http1(c->det[!d], c->detlen[!d]) ? P_HTTP1 : P_HTTP2;
			c->h2_server_first = d + 1;
			return P_HTTP2;
		}
		if (r < 0)
			undecided = 1;
		if ((r = hs_http1_detect(p, n)) == 1)
			return P_HTTP1;
		if (r < 0)
			undecided = 1;
		/* a TLS record (handshake or application data): ciphertext, not for us */
		if (n >= 2 && (p[0] == 0x16 || p[0] == 0x17) && p[1] == 0x03) {
			c->ciphertext = 1;
			return P_NONE;
		}
	}
	/* HTTP/2 frames with no preface before them: a connection open before tracing began,
	 * whose header compression state is unknown; not decoded, and said so */
	for (int d = 0; d < 2; d++) {
		if (!undecided && hs_http2_detect_frame(c->det[d], c->detlen[d]) == 1) {
			if (c->t->o.h2_midway)
				c->t->o.h2_midway(&c->ci, c->t->o.ctx);
			return P_NONE;
		}
	}
	/* neither says yes: let the HTTP/1 decoder resynchronise (attached mid-connection) */
	if (undecided)
		return P_DETECT;
	c->guessed = 1;
	return P_HTTP1;
}

static void feed(struct conn *c, int dir, const uint8_t *data, size_t len, uint64_t ts)
{
	struct hs_conns *t = c->t;
	size_t used = 0;

	if (c->proto == P_DETECT) {
		size_t take = DETECT_MAX - c->detlen[dir];

		if (take > len)
			take = len;
		memcpy(c->det[dir] + c->detlen[dir], data, take);
		c->detlen[dir] += take;
		c->proto = detect(c);
		if (c->proto == P_DETECT)
			return;	/* the bytes wait in det[] */
		if (c->proto == P_HTTP1)
			c->h1 = hs_http1_new(&c->ci, &t->o.lim, on_exchange, c);
		else if (c->proto == P_HTTP2)
			c->h2 = hs_http2_new(&c->ci, &t->o.lim, on_exchange, c);
		if ((c->proto == P_HTTP1 && !c->h1) || (c->proto == P_HTTP2 && !c->h2)) {
			c->proto = P_NONE;
			return;
		}
		/* replay what waited (this record's first bytes included), the other
		 * direction first: its bytes arrived before this record */
		for (int d = 0; d < 2; d++) {
			int dd = d == 0 ? !dir : dir;

			if (c->detlen[dd])
				feed(c, dd, c->det[dd], c->detlen[dd], ts);
		}
		data += take;
		len -= take;
	}
	if (c->proto == P_NONE && c->gave_up && len && hs_http1_detect(data, len) == 1) {
		/* attached in the middle of a long message on a kept-alive connection: the
		 * guess fed its body to no exchange, but the next message starts a record */
		reset_decoding(c, 0);
		feed(c, dir, data, len, ts);
		return;
	}
	if (c->proto == P_NONE || len == 0)
		return;
	if (c->h2_server_first && dir != c->h2_server_first - 1) {
		c->h2_server_first = 0;
		if (c->proto == P_HTTP2 && speaks_http1(data, len)) {
			hs_http2_free(c->h2);
			c->h2 = NULL;
			c->h1 = hs_http1_new(&c->ci, &t->o.lim, on_exchange, c);
			c->proto = c->h1 ? P_HTTP1 : P_NONE;
			if (!c->h1)
				return;
		}
	}
	if (c->proto == P_HTTP2) {
		hs_http2_feed(c->h2, dir, data, len, ts);
		return;
	}
	/* guessed HTTP/1, but this write is whole HTTP/2 frames: an HTTP/2 connection whose
	 * first bytes seen were inside a frame, open before it was traced */
	if (c->guessed && !c->exchanges && hs_http2_whole_frames(data, len)) {
		if (t->o.h2_midway)
			t->o.h2_midway(&c->ci, t->o.ctx);
		hs_http1_free(c->h1);
		c->h1 = NULL;
		c->proto = P_NONE;
		return;
	}
	switch (hs_http1_feed(c->h1, dir, data, len, ts, &used)) {
	case HS_HTTP1_UPGRADE_H2:
		hs_http1_free(c->h1);
		c->h1 = NULL;
		if (!c->h2)
			c->h2 = hs_http2_new(&c->ci, &t->o.lim, on_exchange, c);
		c->proto = c->h2 ? P_HTTP2 : P_NONE;
		if (c->h2 && used < len)
			hs_http2_feed(c->h2, dir, data + used, len - used, ts);
		return;
	case HS_HTTP1_STOPPED:
		hs_http2_free(c->h2);
		c->h2 = NULL;
		c->proto = P_NONE;
		return;
	}
	/* a guessed stream that never yields an exchange is not HTTP: stop spending time on it */
	if (c->guessed && !c->exchanges && (c->fed += len) > UNKNOWN_GIVEUP) {
		c->proto = P_NONE;
		c->gave_up = 1;
	}
}

static void gap(struct conn *c, int dir, uint64_t len, uint64_t ts)
{
	c->t->st.gaps++;
	c->t->st.gap_bytes += len;
	if (c->t->o.raw) {
		c->t->o.raw(&c->ci, dir, NULL, len, ts, c->t->o.ctx);
		return;
	}
	if (c->proto == P_HTTP1)
		hs_http1_gap(c->h1, dir, len, ts);
	else if (c->proto == P_HTTP2)
		hs_http2_gap(c->h2, dir, len, ts);
	else if (c->proto == P_DETECT) {
		/* the start is missing: decode from what comes next, resynchronising */
		c->detlen[dir] = 0;
	}
}

static int validate(const void *data, size_t size)
{
	const struct hs_rec *r = data;

	if (size < sizeof(*r))
		return -EINVAL;
	switch (r->type) {
	case HS_REC_DATA:
		if (r->cap > r->len || r->cap > HS_CHUNK || size < sizeof(*r) + r->cap ||
		    r->dir > HS_DIR_INGRESS)
			return -EINVAL;
		return 0;
	case HS_REC_OPEN:
	case HS_REC_CLOSE:
	case HS_REC_EXIT:
	case HS_REC_EXEC:
	case HS_REC_FORK:
		return 0;
	}
	return -EINVAL;
}

static void on_data(struct hs_conns *t, const struct hs_rec *r, const uint8_t *payload)
{
	struct conn *c = conn_get(t, r);
	int dir = r->dir;

	if (!c)
		return;
	c->last_ts = r->ts_ns;
	/* the process of the latest call: a forking server's child serves what its parent
	 * accepted (and may have done the TLS handshake of) */
	c->ci.pid = r->pid;
	c->ci.tid = r->tid;
	memcpy(c->ci.comm, r->comm, sizeof(c->ci.comm) - 1);
	if ((enum hs_source)r->source != c->ci.source) {
		/* a TLS probe took over this socket: what came before was ciphertext */
		reset_decoding(c, 0);
		c->ci.source = (enum hs_source)r->source;
		if (c->ci.source != HS_SOURCE_SYSCALL && t->o.tls_lib)
			t->o.tls_lib(&c->ci, t->o.ctx);
		c->pos[0] = c->pos[1] = 0;	/* the kernel counts plaintext from 0 */
	}
	if (r->pos < c->pos[dir]) {
		/* positions restarted: the kernel forgot the socket; start over */
		reset_decoding(c, 0);
		c->pos[0] = c->pos[1] = 0;
	}
	if (r->pos_lo_set && c->proto == P_HTTP1 && !t->o.raw) {
		/* bytes of the other direction made before these and not seen: lost, or (from
		 * another CPU) still on their way */
		uint32_t ahead = r->pos_lo[!dir] - (uint32_t)c->pos[!dir];

		if (ahead && ahead < UINT32_C(1) << 31)
			hs_http1_unseen(c->h1, !dir);
	}
	if (r->pos > c->pos[dir])
		gap(c, dir, r->pos - c->pos[dir], r->ts_ns);
	c->pos[dir] = r->pos + r->len;
	if (r->cap && t->o.raw) {
		/* a whole record joins the call it continues, printed once that call ends */
		if (r->cap != r->len || !raw_add(t, c, r, payload))
			t->o.raw(&c->ci, dir, payload, r->cap, r->ts_ns, t->o.ctx);
	} else if (r->cap)
		feed(c, dir, payload, r->cap, r->ts_ns);
	if (r->len > r->cap)
		gap(c, dir, r->len - r->cap, r->ts_ns);
}

/* A Unix socket name of len bytes into out: a path ends at its NUL, which the kernel counts;
 * an abstract name (first byte 0) is all its bytes. Returns the length kept. */
static uint8_t unix_path(char out[HS_UNIX_PATH], const char *name, unsigned len)
{
	if (len > HS_UNIX_PATH)
		len = 0;
	if (len && name[0])
		len = strnlen(name, len);
	memcpy(out, name, len);
	return len;
}

int hs_conns_record(struct hs_conns *t, const void *data, size_t size)
{
	const struct hs_rec *r = data;
	struct conn *c;

	if (validate(data, size)) {
		t->st.bad_records++;
		return -EINVAL;
	}
	t->st.records++;
	if (t->raw.c && !raw_continues(t, r))
		raw_flush(t);
	switch (r->type) {
	case HS_REC_DATA:
		on_data(t, r, (const uint8_t *)data + sizeof(*r));
		break;
	case HS_REC_CLOSE:
		c = conn_find(t, r->sock);
		if (c && (r->flags & HS_RF_EOF)) {
			/* the stream read to its end, the socket still open */
			c->last_ts = r->ts_ns;
			if (c->proto == P_HTTP1 && !t->o.raw)
				hs_http1_eof(c->h1, r->dir);
		} else if (c) {
			/* the process read its last bytes with no call that was seen (splice) */
			if (r->dir == HS_DIR_INGRESS && r->pos > c->pos[HS_DIR_INGRESS])
				gap(c, HS_DIR_INGRESS, r->pos - c->pos[HS_DIR_INGRESS], r->ts_ns);
			c->last_ts = r->ts_ns;
			conn_free(t, c, 1);
		}
		break;
	case HS_REC_EXIT:
		/* the process is gone, and with it every socket only it held */
		for (c = t->lru_head; c;) {
			struct conn *next = c->next;

			if (c->ci.pid == r->pid) {
				c->last_ts = r->ts_ns;
				conn_free(t, c, 1);
			}
			c = next;
		}
		break;
	case HS_REC_OPEN:
		/* a new socket at this address: whatever was there before has ended */
		c = conn_find(t, r->sock);
		if (c)
			conn_free(t, c, 1);
		/* a Unix socket comes with its names, which no later record carries */
		if (r->family == AF_UNIX && size >= sizeof(*r) + sizeof(struct hs_unix_names) &&
		    (c = conn_get(t, r))) {
			struct hs_unix_names n;

			memcpy(&n, (const uint8_t *)data + sizeof(*r), sizeof(n));
			c->ci.lpath_len = unix_path(c->ci.lpath, n.local, n.llen);
			c->ci.rpath_len = unix_path(c->ci.rpath, n.remote, n.rlen);
		}
		break;
	}
	hs_conns_tick(t, r->ts_ns);
	return 0;
}

void hs_conns_tick(struct hs_conns *t, uint64_t now)
{
	if (now < t->ticked + TICK_NS)
		return;
	t->ticked = now;
	for (struct conn *c = t->lru_head; c; c = c->next) {
		hs_http1_tick(c->h1, now, STREAMING_NS);
		hs_http2_tick(c->h2, now, STREAMING_NS);
	}
}

void hs_conns_raw_flush(struct hs_conns *t)
{
	raw_flush(t);
}

void hs_conns_flush_all(struct hs_conns *t)
{
	raw_flush(t);
	while (t->lru_tail)
		conn_free(t, t->lru_tail, 0);
}

const struct hs_conns_stats *hs_conns_stats(const struct hs_conns *t)
{
	return &t->st;
}

void hs_conns_free(struct hs_conns *t)
{
	if (!t)
		return;
	hs_conns_flush_all(t);
	free(t->raw.buf);
	free(t->buckets);
	free(t);
}
