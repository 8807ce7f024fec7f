/* output.c: the one writer: one text line (plus -v headers, -vv bodies) or one JSON Lines
 * object per exchange (RFC 8259 JSON, RFC 3339 times), and --raw chunk dumps. Every
 * captured byte is escaped before it is written. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "body.h"
#include "output.h"

#define DECODE_MAX (1u << 20)	/* decompressed body bytes shown at most */
#define DECODE_RATIO 64		/* ... and at most this many times the compressed size */
#define HEX_PREVIEW 32		/* bytes of a binary body shown at -vv */

/* A growable buffer: one exchange is built here, then written with one fwrite. */
struct sb {
	char *p;
	size_t len, cap;
	int err;
};

struct hs_output {
	FILE *f;
	struct hs_output_opts o;
	struct sb b;
	time_t hms_sec;		/* the second hms shows (local time), -1: none yet */
	char hms[10];		/* "HH:MM:SS." */
};

static int sb_grow(struct sb *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 1024;
	char *p;

	if (b->err)
		return b->err;
	while (cap < b->len + n + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return b->err = -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

/* Room for n more bytes and a NUL; 0 or -ENOMEM (then remembered in b->err). */
static inline int sb_reserve(struct sb *b, size_t n)
{
	return b->len + n + 1 <= b->cap ? b->err : sb_grow(b, n);
}

/* Inline: most pieces of a line are short literals, whose copy the compiler then unrolls. */
static inline void sb_put(struct sb *b, const void *s, size_t n)
{
	if (sb_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_puts(struct sb *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void sb_putc(struct sb *b, char c)
{
	sb_put(b, &c, 1);
}

/* v in decimal, zero-padded to at least width digits: the per-exchange numbers, without
 * printf's format parsing. */
static void sb_uint(struct sb *b, uint64_t v, int width)
{
	char tmp[24];
	int i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v || (int)sizeof(tmp) - i < width);
	sb_put(b, tmp + i, sizeof(tmp) - i);
}

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sb *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Characters that must not reach a terminal raw even when valid UTF-8: C0, DEL, C1, and
 * the bidirectional controls that reorder what is displayed. */
static int cp_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c ||
	       cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* Text target: printable UTF-8 passes; \ \n \r \t as backslash forms; every other control
 * character and every byte that is not valid UTF-8 as \xNN. */
static void esc_text(struct sb *b, const uint8_t *p, size_t n)
{
	size_t i = 0, run = 0;

	while (i < n) {
		uint32_t cp = 0;
		int r;

		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') {	/* printable ASCII */
			i++;
			run++;
			continue;
		}
		r = hs_utf8_next(p + i, n - i, &cp);
		if (r > 0 && !cp_is_control(cp) && cp != '\\') {
			i += r;
			run += r;
			continue;
		}
		sb_put(b, p + i - run, run);
		run = 0;
		if (r > 0 && cp == '\\')
			sb_puts(b, "\\\\");
		else if (r > 0 && cp == '\n')
			sb_puts(b, "\\n");
		else if (r > 0 && cp == '\r')
			sb_puts(b, "\\r");
		else if (r > 0 && cp == '\t')
			sb_puts(b, "\\t");
		else
			for (int k = 0; k < (r > 0 ? r : 1); k++)
				sb_printf(b, "\\x%02x", p[i + k]);
		i += r > 0 ? r : 1;
	}
	sb_put(b, p + i - run, run);
}

static void esc_text_str(struct sb *b, const char *s)
{
	esc_text(b, (const uint8_t *)s, strlen(s));
}

/* JSON target: a quoted string, always valid UTF-8; bytes that are not valid UTF-8
 * become U+FFFD; controls (C0, DEL, C1, bidi, U+2028/9) as \uXXXX. */
static void esc_json(struct sb *b, const uint8_t *p, size_t n)
{
	size_t i = 0, run = 0;

	sb_putc(b, '"');
	while (i < n) {
		uint32_t cp = 0;
		int r = hs_utf8_next(p + i, n - i, &cp);

		if (r > 0 && !cp_is_control(cp) && cp != '"' && cp != '\\' &&
		    cp != 0x2028 && cp != 0x2029) {
			i += r;
			run += r;
			continue;
		}
		sb_put(b, p + i - run, run);
		run = 0;
		if (r <= 0)
			sb_puts(b, "\xef\xbf\xbd");
		else if (cp == '"')
			sb_puts(b, "\\\"");
		else if (cp == '\\')
			sb_puts(b, "\\\\");
		else if (cp == '\n')
			sb_puts(b, "\\n");
		else if (cp == '\r')
			sb_puts(b, "\\r");
		else if (cp == '\t')
			sb_puts(b, "\\t");
		else
			sb_printf(b, "\\u%04x", (unsigned)cp);
		i += r > 0 ? r : 1;
	}
	sb_put(b, p + i - run, run);
	sb_putc(b, '"');
}

/* A JSON string or null. */
static void json_str(struct sb *b, const char *s)
{
	if (s)
		esc_json(b, (const uint8_t *)s, strlen(s));
	else
		sb_puts(b, "null");
}

static void json_base64(struct sb *b, const uint8_t *p, size_t n)
{
	sb_putc(b, '"');
	if (sb_reserve(b, hs_base64_len(n)))
		return;
	hs_base64_encode(p, n, b->p + b->len);
	b->len += hs_base64_len(n);
	sb_putc(b, '"');
}

/* CLOCK_MONOTONIC ns to wall-clock ns since the epoch, within 0..INT64_MAX (a record file
 * may hold any timestamp). */
static int64_t wall_ns(const struct hs_output *out, uint64_t ts)
{
	int64_t ns;

	if (ts > INT64_MAX || __builtin_add_overflow((int64_t)ts, out->o.mono_to_real_ns, &ns))
		return INT64_MAX;
	return ns < 0 ? 0 : ns;
}

/* Time: CLOCK_MONOTONIC ns to wall-clock seconds and microseconds. */
static void wall(const struct hs_output *out, uint64_t ts, time_t *sec, long *usec)
{
	int64_t ns = wall_ns(out, ts);

	*sec = (time_t)(ns / 1000000000);
	*usec = (long)(ns % 1000000000 / 1000);
}

static void put_clock(struct sb *b, struct hs_output *out, uint64_t ts)
{
	time_t sec;
	long usec;

	wall(out, ts, &sec, &usec);
	if (sec != out->hms_sec) {
		struct tm tm;

		localtime_r(&sec, &tm);
		snprintf(out->hms, sizeof(out->hms), "%02d:%02d:%02d.", tm.tm_hour, tm.tm_min,
			 tm.tm_sec);
		out->hms_sec = sec;
	}
	sb_put(b, out->hms, 9);
	sb_uint(b, usec, 6);
}

static void json_time(struct sb *b, const struct hs_output *out, uint64_t ts)
{
	struct tm tm;
	time_t sec;
	long usec;

	wall(out, ts, &sec, &usec);
	gmtime_r(&sec, &tm);
	sb_printf(b, "\"%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ\"", tm.tm_year + 1900,
		  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
}

static void fmt_addr(char *buf, size_t len, int family, const uint8_t *a)
{
	if (family == AF_INET6) {
		if (!inet_ntop(AF_INET6, a, buf, len))
			snprintf(buf, len, "?");
	} else if (family == AF_INET) {
		if (!inet_ntop(AF_INET, a, buf, len))
			snprintf(buf, len, "?");
	} else {
		snprintf(buf, len, "?");
	}
}

/* One end's Unix socket name into out: the path, or "@name" in the abstract namespace (which
 * may hold any byte). Returns its length, 0 when the end is unnamed. */
static size_t unix_name(const struct hs_conninfo *ci, int remote, char out[sizeof(ci->lpath)])
{
	const char *p = remote ? ci->rpath : ci->lpath;
	size_t n = remote ? ci->rpath_len : ci->lpath_len;

	if (n > sizeof(ci->lpath))
		n = sizeof(ci->lpath);
	if (!n)
		return 0;
	memcpy(out, p, n);
	if (!p[0])
		out[0] = '@';
	return n;
}

/* "1.2.3.4:80", "[::1]:80", "unix:/run/app.sock" ("unix:*" unnamed), "?:0" when unknown:
 * the remote end of ci, or its local end. */
static void put_endpoint(struct sb *b, const struct hs_conninfo *ci, int remote)
{
	char s[INET6_ADDRSTRLEN];
	int family = ci->family;
	const uint8_t *a = remote ? ci->raddr : ci->laddr;
	uint16_t port = remote ? ci->rport : ci->lport;

	if (family == AF_UNIX) {
		char name[sizeof(ci->lpath)];
		size_t n = unix_name(ci, remote, name);

		sb_puts(b, "unix:");
		if (n)
			esc_text(b, (const uint8_t *)name, n);
		else
			sb_putc(b, '*');
		return;
	}

	if (family == AF_INET) {
		/* inet_ntop() formats IPv4 with sprintf: the hottest part of a summary line */
		for (int i = 0; i < 4; i++) {
			sb_uint(b, a[i], 1);
			sb_putc(b, i < 3 ? '.' : ':');
		}
	} else {
		fmt_addr(s, sizeof(s), family, a);
		if (family == AF_INET6)
			sb_putc(b, '[');
		sb_puts(b, s);
		sb_puts(b, family == AF_INET6 ? "]:" : ":");
	}
	sb_uint(b, port, 1);
}

static const char *source_name(enum hs_source s)
{
	switch (s) {
	case HS_SOURCE_SYSCALL:
		return "syscall";
	case HS_SOURCE_OPENSSL:
		return "openssl";
	case HS_SOURCE_GOTLS:
		return "gotls";
	case HS_SOURCE_GNUTLS:
		return "gnutls";
	}
	return "unknown";
}

/* "TLS(libssl.so.3)" for bytes taken from a TLS library. */
static void put_tls(struct sb *b, const struct hs_conninfo *ci)
{
	sb_puts(b, "TLS(");
	if (ci->tls_lib[0])
		esc_text(b, (const uint8_t *)ci->tls_lib,
			 strnlen(ci->tls_lib, sizeof(ci->tls_lib)));
	else
		sb_puts(b, source_name(ci->source));
	sb_putc(b, ')');
}

/* conninfo strings are fixed arrays: bound them */
static void cistr(char *dst, const char *src, size_t size)
{
	memcpy(dst, src, size);
	dst[size] = '\0';
}

static const char *h2_error_name(uint32_t code)
{
	static const char *const names[] = {
		"NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR",
		"SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM",
		"CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM",
		"INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
	};

	return code < sizeof(names) / sizeof(names[0]) ? names[code] : NULL;
}

static const char *grpc_status_name(long code)
{
	static const char *const names[] = {
		"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
		"NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
		"FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL",
		"UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
	};

	return code >= 0 && code < (long)(sizeof(names) / sizeof(names[0])) ? names[code] : NULL;
}

static int has_req(const struct hs_exchange *ex)
{
	return (ex->req.flags & HS_MSG_PRESENT) || ex->req.method;
}

static int has_resp(const struct hs_exchange *ex)
{
	return (ex->resp.flags & HS_MSG_PRESENT) || ex->resp.status;
}

/* A message was seen but did not end before the connection or the capture did. One marked
 * (invalid) is not: where it ends could not be known, and decoding went on after it. */
static int incomplete(const struct hs_exchange *ex)
{
	const struct hs_message *rq = &ex->req, *rs = &ex->resp;
	unsigned open = HS_MSG_PRESENT | HS_MSG_COMPLETE | HS_MSG_INVALID;

	return (has_req(ex) && (rq->flags & open) == HS_MSG_PRESENT) ||
	       (has_resp(ex) && (rs->flags & open) == HS_MSG_PRESENT);
}

static const char *proto_name(const struct hs_exchange *ex)
{
	int v = has_req(ex) ? ex->req.version : ex->resp.version;

	if (ex->proto == HS_PROTO_HTTP2 || v == 20)
		return "HTTP/2";
	if (v == 10)
		return "HTTP/1.0";
	if (v == 11)
		return "HTTP/1.1";
	return "HTTP/1.x";
}

static const char *version_name(const struct hs_message *m)
{
	return m->version == 20 ? "HTTP/2" : m->version == 10 ? "HTTP/1.0" :
	       m->version == 11 ? "HTTP/1.1" : NULL;
}

/* The header is named name (case-insensitive); header names may hold any byte. */
static int name_is(const struct hs_header *h, const char *name)
{
	return strlen(name) == h->name_len && strncasecmp(h->name, name, h->name_len) == 0;
}

/* As name_is, ignoring whitespace before the colon ("Authorization : x"): invalid
 * (RFC 9112 5.1), yet lenient servers take such a field for the header it names, so its
 * value must not escape redaction. */
static int name_is_loose(const struct hs_header *h, const char *name)
{
	uint32_t n = h->name_len;

	while (n && (h->name[n - 1] == ' ' || h->name[n - 1] == '\t'))
		n--;
	return strlen(name) == n && strncasecmp(h->name, name, n) == 0;
}

static int is_redacted(const struct hs_output *out, const struct hs_header *h)
{
	static const char *const always[] = {
		"authorization", "proxy-authorization", "cookie", "set-cookie",
	};

	if (!out->o.redact)
		return 0;
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		if (name_is_loose(h, always[i]))
			return 1;
	for (size_t i = 0; i < out->o.nredact; i++)
		if (out->o.redact_names[i] && name_is_loose(h, out->o.redact_names[i]))
			return 1;
	return 0;
}

static const struct hs_header *find_header(const struct hs_header *h, uint32_t n, const char *name)
{
	for (uint32_t i = 0; i < n; i++)
		if (name_is(&h[i], name))
			return &h[i];
	return NULL;
}

/* gRPC facts of an exchange: "/pkg.Service/Method", grpc-status and grpc-message. */
struct grpc_info {
	const char *path;
	size_t svc_len;			/* service is path[1..1+svc_len) */
	const char *method;		/* after the last '/'; NULL when the path has none */
	long status;			/* -1 when absent or not a number */
	char *message;			/* percent-decoded grpc-message, NULL when absent */
};

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void grpc_info(const struct hs_exchange *ex, struct grpc_info *g)
{
	const struct hs_header *st, *msg;
	const char *slash;

	memset(g, 0, sizeof(*g));
	g->status = -1;
	g->path = ex->req.target;
	if (g->path && g->path[0] == '/' && (slash = strrchr(g->path, '/')) != g->path) {
		g->svc_len = slash - g->path - 1;
		g->method = slash + 1;
	}
	st = find_header(ex->resp.trailers, ex->resp.ntrailers, "grpc-status");
	if (!st)
		st = find_header(ex->resp.headers, ex->resp.nheaders, "grpc-status");
	if (st && st->value_len > 0 && st->value_len < 6 &&
	    strspn(st->value, "0123456789") == st->value_len)
		g->status = strtol(st->value, NULL, 10);
	msg = find_header(ex->resp.trailers, ex->resp.ntrailers, "grpc-message");
	if (!msg)
		msg = find_header(ex->resp.headers, ex->resp.nheaders, "grpc-message");
	if (msg && (g->message = malloc(msg->value_len + 1))) {
		const char *v = msg->value;
		size_t j = 0;

		for (size_t i = 0; i < msg->value_len; i++) {
			/* %00 stays as it is: a NUL would end the message and hide the rest */
			if (v[i] == '%' && i + 2 < msg->value_len && hexval(v[i + 1]) >= 0 &&
			    hexval(v[i + 2]) >= 0 && (hexval(v[i + 1]) | hexval(v[i + 2]))) {
				g->message[j++] = (char)(hexval(v[i + 1]) << 4 | hexval(v[i + 2]));
				i += 2;
			} else {
				g->message[j++] = v[i];
			}
		}
		g->message[j] = '\0';
	}
}

/* Nanoseconds as milliseconds with 2 or 3 decimals, rounded; no printf %f, whose
 * decimal point follows the locale and would break JSON. */
static void put_ms(struct sb *b, const char *pre, uint64_t ns, int decimals, const char *unit)
{
	uint64_t div = decimals == 2 ? 10000 : 1000, v = (ns + div / 2) / div;
	uint64_t scale = decimals == 2 ? 100 : 1000;

	sb_puts(b, pre);
	sb_uint(b, v / scale, 1);
	sb_putc(b, '.');
	sb_uint(b, v % scale, decimals);
	sb_puts(b, unit);
}

/* ---- text ---- */

static void col(const struct hs_output *out, struct sb *b, const char *code)
{
	if (out->o.color)
		sb_puts(b, code);
}

static const char *status_colour(int status)
{
	return status >= 500 ? "\033[31m" : status >= 400 ? "\033[33m" :
	       status >= 300 ? "\033[36m" : status >= 200 ? "\033[32m" : "\033[0m";
}

static void put_size(struct sb *b, const char *label, int present, uint64_t n)
{
	sb_putc(b, ' ');
	sb_puts(b, label);
	if (present) {
		sb_putc(b, '=');
		sb_uint(b, n, 1);
		sb_putc(b, 'B');
	} else {
		sb_puts(b, "=-");
	}
}

static void text_summary(struct hs_output *out, struct sb *b, const struct hs_exchange *ex)
{
	const struct hs_conninfo *ci = ex->conn;
	const struct hs_message *rq = &ex->req, *rs = &ex->resp;
	int hq = has_req(ex), hr = has_resp(ex);
	char comm[sizeof(ci->comm) + 1], ctr[sizeof(ci->container) + 1];
	unsigned mf = rq->flags | rs->flags;

	put_clock(b, out, hq ? rq->ts_first : rs->ts_first);
	cistr(comm, ci->comm, sizeof(ci->comm));
	sb_putc(b, ' ');
	esc_text_str(b, comm);
	sb_putc(b, '[');
	sb_uint(b, ci->pid, 1);
	sb_puts(b, ex->server ? "] server " : "] client ");
	/* client -> server, whichever end is traced */
	put_endpoint(b, ci, ex->server);
	sb_puts(b, " -> ");
	put_endpoint(b, ci, !ex->server);
	sb_putc(b, ' ');
	sb_puts(b, proto_name(ex));
	sb_putc(b, ' ');

	if (!hq) {
		sb_puts(b, "[no request]");
	} else {
		/* "-" for what an HTTP/2 header block lost or cut did not say */
		if (rq->method || !(rq->flags & HS_MSG_INVALID)) {
			col(out, b, "\033[1m");
			esc_text_str(b, rq->method ? rq->method : "-");
			col(out, b, "\033[0m");
			sb_putc(b, ' ');
			esc_text_str(b, rq->target ? rq->target : "-");
		}
		if (rq->flags & HS_MSG_INVALID)
			sb_puts(b, rq->method ? " (invalid)" : "(invalid)");
	}
	sb_puts(b, " -> ");
	if (!hr) {
		sb_puts(b, "[no response]");
	} else {
		if (rs->status) {
			col(out, b, status_colour(rs->status));
			sb_uint(b, (unsigned)rs->status, 1);
			col(out, b, "\033[0m");
			if (rs->reason && rs->reason[0]) {
				sb_putc(b, ' ');
				esc_text_str(b, rs->reason);
			}
		}
		if (rs->flags & HS_MSG_INVALID)
			sb_puts(b, rs->status ? " (invalid)" : "(invalid)");
		else if (!rs->status)
			sb_putc(b, '-');
	}
	put_size(b, "req", hq, rq->body_size);
	put_size(b, "resp", hr, rs->body_size);
	if (hq && hr && rs->ts_last >= rq->ts_first)
		put_ms(b, " ", rs->ts_last - rq->ts_first, 2, "ms");
	else
		sb_puts(b, " -");

	/* markers */
	if (ex->proto == HS_PROTO_HTTP2)
		sb_printf(b, " stream=%u", ex->stream_id);
	if (ci->source != HS_SOURCE_SYSCALL) {
		sb_putc(b, ' ');
		put_tls(b, ci);
	}
	cistr(ctr, ci->container, sizeof(ci->container));
	if (ctr[0]) {
		sb_puts(b, " container=");
		esc_text_str(b, ctr);
	}
	if (ex->flags & HS_EX_GRPC) {
		struct grpc_info g;
		const char *name;

		grpc_info(ex, &g);
		sb_puts(b, " grpc=");
		esc_text_str(b, g.path && g.path[0] == '/' ? g.path + 1 : g.path ? g.path : "-");
		sb_printf(b, " msgs=%u/%u", rq->grpc_msgs, rs->grpc_msgs);
		if (g.status < 0) {
			sb_puts(b, " grpc-status=-");
		} else {
			name = grpc_status_name(g.status);
			sb_printf(b, " grpc-status=%ld", g.status);
			if (name)
				sb_printf(b, "(%s)", name);
		}
		if (g.message && g.message[0] && g.status != 0) {
			sb_puts(b, " grpc-message=\"");
			esc_text_str(b, g.message);
			sb_putc(b, '"');
		}
		free(g.message);
	}
	if (ex->flags & HS_EX_SKIPPED)
		sb_printf(b, " [skipped %" PRIu64 " bytes]", ex->skipped);
	if (ex->flags & HS_EX_RESET) {
		const char *name = h2_error_name(ex->error_code);

		if (name)
			sb_printf(b, " [reset %s]", name);
		else
			sb_printf(b, " [reset 0x%x]", ex->error_code);
	}
	if (ex->flags & HS_EX_PUSHED)
		sb_puts(b, " [pushed]");
	if (ex->flags & HS_EX_UPGRADE)
		sb_puts(b, " [upgrade]");
	if (mf & HS_MSG_GAP)
		sb_puts(b, " [gap]");
	if (ex->flags & HS_EX_STREAMING)
		sb_puts(b, " [streaming]");
	else if (incomplete(ex))
		sb_puts(b, " [incomplete]");
	if (mf & HS_MSG_HDRS_LOST)
		sb_puts(b, " [headers lost]");
	if (mf & HS_MSG_HDRS_CUT)
		sb_puts(b, " [headers cut]");
	sb_putc(b, '\n');
}

/* "[103 Early Hints]": which interim response a line belongs to */
static void put_interim_tag(struct sb *b, const struct hs_message *im)
{
	sb_putc(b, '[');
	sb_uint(b, (unsigned)im->status, 1);
	if (im->reason && im->reason[0]) {
		sb_putc(b, ' ');
		esc_text_str(b, im->reason);
	}
	sb_putc(b, ']');
}

/* Header lines; those of an interim response im carry its tag. */
static void text_headers(struct hs_output *out, struct sb *b, const struct hs_header *h,
			 uint32_t n, char dir, const struct hs_message *im)
{
	for (uint32_t i = 0; i < n; i++) {
		sb_printf(b, "  %c ", dir);
		if (im) {
			put_interim_tag(b, im);
			sb_putc(b, ' ');
		}
		esc_text(b, (const uint8_t *)h[i].name, h[i].name_len);
		sb_puts(b, ": ");
		if (is_redacted(out, &h[i]))
			sb_printf(b, "[redacted %u bytes]", h[i].value_len);
		else
			esc_text(b, (const uint8_t *)h[i].value, h[i].value_len);
		sb_putc(b, '\n');
	}
}

/* What a body looks like once its Content-Encoding is removed. */
struct body_view {
	const uint8_t *data;		/* decoded bytes, or the captured bytes */
	size_t len;
	size_t text_len;		/* len without a trailing partial character */
	uint8_t *owned;			/* decoded buffer to free */
	const char *encoding;		/* removed encoding ("gzip", "deflate", "zstd"), or NULL */
	const char *kept_encoding;	/* an encoding left in place (br, corrupt) */
	unsigned flags;			/* enum hs_body_flag */
	int text;
};

static void body_view(const struct hs_message *m, struct body_view *v)
{
	const struct hs_header *ce = find_header(m->headers, m->nheaders, "content-encoding");
	const struct hs_header *ct = find_header(m->headers, m->nheaders, "content-type");
	enum hs_body_enc enc = ce ? hs_body_encoding(ce->value, ce->value_len) : HS_ENC_IDENTITY;
	static const char *const names[] = {
		[HS_ENC_GZIP] = "gzip", [HS_ENC_DEFLATE] = "deflate", [HS_ENC_ZSTD] = "zstd",
	};

	memset(v, 0, sizeof(*v));
	v->data = m->body ? m->body : (const uint8_t *)"";	/* none kept: an empty view */
	v->len = m->body_kept;
	if (enc == HS_ENC_GZIP || enc == HS_ENC_DEFLATE || enc == HS_ENC_ZSTD) {
		size_t max = m->body_kept < DECODE_MAX / DECODE_RATIO ?
			     m->body_kept * DECODE_RATIO : DECODE_MAX;
		uint8_t *dec;
		size_t dn;

		if (max &&
		    hs_body_decode(enc, m->body, m->body_kept, max, &dec, &dn, &v->flags) == 0) {
			v->owned = dec;
			v->data = dec;
			v->len = dn;
			v->encoding = names[enc];
		} else {
			/* nothing decoded: the bytes are shown as they are, labelled */
			v->flags = 0;
			v->kept_encoding = names[enc];
		}
	} else if (enc == HS_ENC_OTHER) {
		v->kept_encoding = ce->value;
	}
	/* a body cut in mid-character is still text: drop the partial character */
	v->text_len = v->len;
	if (v->len && (v->flags & HS_BODY_CUT || m->body_kept < m->body_size ||
		       (v->encoding && !(v->flags & HS_BODY_END))))
		v->text_len = hs_utf8_trim(v->data, v->len);
	v->text = !v->kept_encoding &&
		  hs_body_is_text(v->data, v->text_len, ct ? ct->value : NULL);
}

/* Text split in lines at \n or \r\n, each escaped and after prefix. */
static void text_lines(struct sb *b, const char *prefix, const uint8_t *p, size_t n)
{
	const uint8_t *end = p + n;

	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', end - p);
		const uint8_t *e = nl ? nl : end;

		if (nl && e > p && e[-1] == '\r')
			e--;
		sb_puts(b, prefix);
		esc_text(b, p, e - p);
		sb_putc(b, '\n');
		p = nl ? nl + 1 : end;
	}
}

static void text_body(struct sb *b, const struct hs_message *m, char dir)
{
	struct body_view v;
	uint64_t shown;

	if (!m->body_size && !m->body_kept)
		return;
	body_view(m, &v);
	sb_printf(b, "  %c [body %" PRIu64 " bytes", dir, m->body_size);
	if (v.encoding)
		sb_printf(b, ", %s: %zu bytes decoded", v.encoding, v.len);
	if (v.kept_encoding) {
		sb_puts(b, ", ");
		esc_text_str(b, v.kept_encoding);
		sb_puts(b, ": not decoded");
	}
	if (!m->body_kept)
		sb_puts(b, ", none captured]\n");
	else
		sb_puts(b, v.text ? ", text]\n" : ", binary]\n");
	if (v.text) {
		char prefix[] = { ' ', ' ', dir, '|', ' ', '\0' };

		text_lines(b, prefix, v.data, v.text_len);
		shown = v.encoding ? m->body_kept : v.text_len;
	} else if (v.len) {
		size_t n = v.len < HEX_PREVIEW ? v.len : HEX_PREVIEW;

		sb_printf(b, "  %c| ", dir);
		for (size_t i = 0; i < n; i++)
			sb_printf(b, i ? " %02x" : "%02x", v.data[i]);
		if (n < v.len)
			sb_puts(b, " ...");
		sb_putc(b, '\n');
		shown = v.encoding ? m->body_kept : n;
	} else {
		shown = 0;
	}
	if (v.flags & HS_BODY_CUT)
		sb_printf(b, "  %c [decoded output cut at %zu bytes]\n", dir, v.len);
	if (v.flags & HS_BODY_BAD)
		sb_printf(b, "  %c [corrupt %s data]\n", dir, v.encoding);
	else if (v.encoding && !(v.flags & (HS_BODY_END | HS_BODY_CUT)) &&
		 m->body_kept >= m->body_size)
		/* all of the body was kept, yet the compressed stream did not end */
		sb_printf(b, "  %c [%s data ends early]\n", dir, v.encoding);
	if (m->body_size > shown)
		sb_printf(b, "  %c [truncated %" PRIu64 " bytes]\n", dir, m->body_size - shown);
	free(v.owned);
}

static void text_message(struct hs_output *out, struct sb *b, const struct hs_message *m, char dir)
{
	for (uint32_t i = 0; i < m->ninterim; i++) {
		const struct hs_message *im = &m->interim[i];

		if (im->nheaders) {
			text_headers(out, b, im->headers, im->nheaders, dir, im);
		} else {
			sb_printf(b, "  %c ", dir);
			put_interim_tag(b, im);
			sb_putc(b, '\n');
		}
	}
	if (m->flags & HS_MSG_HDRS_LOST)
		sb_printf(b, "  %c [headers lost]\n", dir);
	text_headers(out, b, m->headers, m->nheaders, dir, NULL);
	if (m->flags & HS_MSG_HDRS_CUT)
		sb_printf(b, "  %c [headers cut]\n", dir);
	if (out->o.verbose >= 2)
		text_body(b, m, dir);
	if (m->ntrailers) {
		sb_printf(b, "  %c [trailers]\n", dir);
		text_headers(out, b, m->trailers, m->ntrailers, dir, NULL);
	}
}

static void text_exchange(struct hs_output *out, struct sb *b, const struct hs_exchange *ex)
{
	text_summary(out, b, ex);
	if (out->o.verbose < 1)
		return;
	if (has_req(ex))
		text_message(out, b, &ex->req, '>');
	if (has_resp(ex))
		text_message(out, b, &ex->resp, '<');
}

/* ---- JSON ---- */

static void json_headers(struct hs_output *out, struct sb *b, const struct hs_header *h, uint32_t n)
{
	sb_putc(b, '[');
	for (uint32_t i = 0; i < n; i++) {
		int red = is_redacted(out, &h[i]);

		sb_puts(b, i ? ",[" : "[");
		esc_json(b, (const uint8_t *)h[i].name, h[i].name_len);
		sb_putc(b, ',');
		if (red) {
			sb_puts(b, "\"[redacted]\"");
		} else {
			esc_json(b, (const uint8_t *)h[i].value, h[i].value_len);
			/* lossless: the raw value as a third element when it is not UTF-8 */
			if (!hs_utf8_valid((const uint8_t *)h[i].value, h[i].value_len)) {
				sb_putc(b, ',');
				json_base64(b, (const uint8_t *)h[i].value, h[i].value_len);
			}
		}
		sb_putc(b, ']');
	}
	sb_putc(b, ']');
}

static void json_redacted(struct hs_output *out, struct sb *b, const struct hs_message *m)
{
	int first = 1;

	sb_puts(b, ",\"redacted\":[");
	for (int t = 0; t < 2; t++) {
		const struct hs_header *h = t ? m->trailers : m->headers;
		uint32_t n = t ? m->ntrailers : m->nheaders;

		for (uint32_t i = 0; i < n; i++) {
			if (!is_redacted(out, &h[i]))
				continue;
			sb_puts(b, first ? "[" : ",[");
			esc_json(b, (const uint8_t *)h[i].name, h[i].name_len);
			sb_printf(b, ",%u]", h[i].value_len);
			first = 0;
		}
	}
	sb_putc(b, ']');
}

static void json_body(struct sb *b, const struct hs_message *m)
{
	struct body_view v;

	if (!m->body_size && !m->body_kept) {
		sb_puts(b, "null");
		return;
	}
	body_view(m, &v);
	sb_printf(b, "{\"size\":%" PRIu64 ",\"captured\":%zu,\"encoding\":", m->body_size,
		  m->body_kept);
	json_str(b, v.encoding);
	if (v.encoding)
		sb_printf(b, ",\"decoded_size\":%zu,\"decoded_cut\":%s,\"decoded_whole\":%s,"
			  "\"decoded_error\":%s", v.len, v.flags & HS_BODY_CUT ? "true" : "false",
			  (v.flags & (HS_BODY_END | HS_BODY_CUT | HS_BODY_BAD)) == HS_BODY_END ?
			  "true" : "false", v.flags & HS_BODY_BAD ? "true" : "false");
	if (v.text) {
		sb_puts(b, ",\"text\":");
		esc_json(b, v.data, v.text_len);
		if (!hs_utf8_valid(v.data, v.len)) {
			sb_puts(b, ",\"base64\":");
			json_base64(b, v.data, v.len);
		}
	} else {
		sb_puts(b, ",\"base64\":");
		json_base64(b, v.data, v.len);
	}
	sb_putc(b, '}');
	free(v.owned);
}

static void json_target(struct sb *b, const char *t)
{
	const char *path = t, *q;

	if (!t) {
		sb_puts(b, ",\"path\":null,\"query\":null");
		return;
	}
	/* absolute-form (a proxy request): the path starts after scheme://authority */
	if (strstr(t, "://") && t[0] != '/') {
		const char *a = strstr(t, "://") + 3;

		path = a + strcspn(a, "/?");
	}
	q = strchr(path, '?');
	sb_puts(b, ",\"path\":");
	if (path == q || !*path)
		sb_puts(b, "\"/\"");	/* http://host?q: an empty path is "/" (RFC 9110 4.2.3) */
	else
		esc_json(b, (const uint8_t *)path, q ? (size_t)(q - path) : strlen(path));
	sb_puts(b, ",\"query\":");
	json_str(b, q ? q + 1 : NULL);
}

static void json_message(struct hs_output *out, struct sb *b, const struct hs_message *m, int req)
{
	sb_putc(b, '{');
	if (req) {
		sb_puts(b, "\"method\":");
		json_str(b, m->method);
		sb_puts(b, ",\"target\":");
		json_str(b, m->target);
		/* CONNECT's target is an authority (RFC 9112 3.2.3): no path */
		json_target(b, m->method && strcmp(m->method, "CONNECT") == 0 ? NULL : m->target);
		sb_puts(b, ",\"authority\":");
		json_str(b, m->authority);
	} else {
		if (m->status)
			sb_printf(b, "\"status\":%d", m->status);
		else
			sb_puts(b, "\"status\":null");
		sb_puts(b, ",\"reason\":");
		json_str(b, m->reason);
	}
	sb_puts(b, ",\"version\":");
	json_str(b, version_name(m));
	sb_puts(b, ",\"headers\":");
	json_headers(out, b, m->headers, m->nheaders);
	sb_puts(b, ",\"trailers\":");
	json_headers(out, b, m->trailers, m->ntrailers);
	sb_puts(b, ",\"body\":");
	json_body(b, m);
	json_redacted(out, b, m);
	if (!req) {
		sb_puts(b, ",\"interim\":[");
		for (uint32_t i = 0; i < m->ninterim; i++) {
			const struct hs_message *im = &m->interim[i];

			sb_printf(b, "%s{\"status\":%d,\"reason\":", i ? "," : "", im->status);
			json_str(b, im->reason);
			sb_puts(b, ",\"headers\":");
			json_headers(out, b, im->headers, im->nheaders);
			json_redacted(out, b, im);
			sb_putc(b, '}');
		}
		sb_putc(b, ']');
	}
	sb_putc(b, '}');
}

static void json_process(struct sb *b, const struct hs_conninfo *ci)
{
	char comm[sizeof(ci->comm) + 1], ctr[sizeof(ci->container) + 1];

	cistr(comm, ci->comm, sizeof(ci->comm));
	cistr(ctr, ci->container, sizeof(ci->container));
	sb_printf(b, "\"process\":{\"pid\":%u,\"tid\":%u,\"comm\":", ci->pid, ci->tid);
	json_str(b, comm);
	sb_puts(b, ",\"container\":");
	json_str(b, ctr[0] ? ctr : NULL);
	sb_putc(b, '}');
}

static const char *jbool(int v)
{
	return v ? "true" : "false";
}

/* {"addr": ..., "port": ...}; a Unix socket's end has no address or port, and a "path"
 * (null when unnamed) */
static void json_endpoint(struct sb *b, const struct hs_conninfo *ci, int remote)
{
	char s[INET6_ADDRSTRLEN];

	if (ci->family == AF_UNIX) {
		char name[sizeof(ci->lpath)];
		size_t n = unix_name(ci, remote, name);

		sb_puts(b, "{\"addr\":null,\"port\":null,\"path\":");
		if (n)
			esc_json(b, (const uint8_t *)name, n);
		else
			sb_puts(b, "null");
		sb_putc(b, '}');
		return;
	}
	fmt_addr(s, sizeof(s), ci->family, remote ? ci->raddr : ci->laddr);
	sb_puts(b, "{\"addr\":");
	json_str(b, ci->family == AF_INET || ci->family == AF_INET6 ? s : NULL);
	sb_printf(b, ",\"port\":%u}", remote ? ci->rport : ci->lport);
}

/* The connection object, left open so the caller can add fields. */
static void json_conn_open(struct sb *b, const struct hs_conninfo *ci)
{
	char lib[sizeof(ci->tls_lib) + 1];

	cistr(lib, ci->tls_lib, sizeof(ci->tls_lib));
	sb_puts(b, "\"connection\":{\"local\":");
	json_endpoint(b, ci, 0);
	sb_puts(b, ",\"remote\":");
	json_endpoint(b, ci, 1);
	sb_printf(b, ",\"tls\":%s,\"tls_lib\":", jbool(ci->source != HS_SOURCE_SYSCALL));
	json_str(b, lib[0] ? lib : NULL);
	sb_puts(b, ",\"source\":");
	json_str(b, source_name(ci->source));
}

static void json_u64_or_null(struct sb *b, int present, uint64_t v)
{
	if (present)
		sb_printf(b, "%" PRIu64, v);
	else
		sb_puts(b, "null");
}

static void json_grpc(struct sb *b, const struct hs_exchange *ex)
{
	struct grpc_info g;

	if (!(ex->flags & HS_EX_GRPC)) {
		sb_puts(b, "null");
		return;
	}
	grpc_info(ex, &g);
	sb_puts(b, "{\"service\":");
	if (g.method)
		esc_json(b, (const uint8_t *)g.path + 1, g.svc_len);
	else	/* not /service/method: the path as text shows it */
		json_str(b, g.path && g.path[0] == '/' ? g.path + 1 : g.path);
	sb_puts(b, ",\"method\":");
	json_str(b, g.method);
	sb_printf(b, ",\"request_messages\":%u,\"response_messages\":%u"
		  ",\"request_bytes\":%" PRIu64 ",\"response_bytes\":%" PRIu64 ",\"status\":",
		  ex->req.grpc_msgs, ex->resp.grpc_msgs, ex->req.grpc_bytes, ex->resp.grpc_bytes);
	if (g.status >= 0)
		sb_printf(b, "%ld", g.status);
	else
		sb_puts(b, "null");
	sb_puts(b, ",\"status_name\":");
	json_str(b, g.status >= 0 ? grpc_status_name(g.status) : NULL);
	sb_puts(b, ",\"message\":");
	json_str(b, g.message);
	sb_putc(b, '}');
	free(g.message);
}

static void json_exchange(struct hs_output *out, struct sb *b, const struct hs_exchange *ex)
{
	const struct hs_message *rq = &ex->req, *rs = &ex->resp;
	int hq = has_req(ex), hr = has_resp(ex);
	uint64_t start = hq ? rq->ts_first : rs->ts_first;
	uint64_t end = hr ? rs->ts_last : rq->ts_last;
	unsigned mf = rq->flags | rs->flags;

	sb_puts(b, "{\"time\":");
	json_time(b, out, start);
	sb_printf(b, ",\"ts_ns\":%" PRId64 ",", wall_ns(out, start));
	json_process(b, ex->conn);
	sb_putc(b, ',');
	json_conn_open(b, ex->conn);
	sb_printf(b, ",\"role\":\"%s\",\"protocol\":\"%s\",\"stream_id\":",
		  ex->server ? "server" : "client", proto_name(ex));
	json_u64_or_null(b, ex->proto == HS_PROTO_HTTP2, ex->stream_id);
	sb_puts(b, "},\"request\":");
	if (hq)
		json_message(out, b, rq, 1);
	else
		sb_puts(b, "null");
	sb_puts(b, ",\"response\":");
	if (hr)
		json_message(out, b, rs, 0);
	else
		sb_puts(b, "null");
	sb_puts(b, ",\"timing\":{\"start\":");
	json_time(b, out, start);
	sb_puts(b, ",\"end\":");
	json_time(b, out, end >= start ? end : start);
	sb_puts(b, ",\"latency_ms\":");
	if (hq && hr && rs->ts_last >= rq->ts_first)
		put_ms(b, "", rs->ts_last - rq->ts_first, 3, "");
	else
		sb_puts(b, "null");
	sb_puts(b, "},\"sizes\":{\"request_body\":");
	json_u64_or_null(b, hq, rq->body_size);
	sb_puts(b, ",\"response_body\":");
	json_u64_or_null(b, hr, rs->body_size);
	sb_puts(b, "},\"grpc\":");
	json_grpc(b, ex);
	sb_printf(b, ",\"flags\":{\"no_response\":%s,\"no_request\":%s,\"invalid_request\":%s"
		  ",\"invalid_response\":%s,\"truncated\":%s,\"gap\":%s,\"incomplete\":%s"
		  ",\"headers_lost\":%s,\"headers_cut\":%s,\"skipped_bytes\":%" PRIu64
		  ",\"reset\":%s,\"error_code\":",
		  jbool(!hr), jbool(!hq), jbool(hq && (rq->flags & HS_MSG_INVALID)),
		  jbool(hr && (rs->flags & HS_MSG_INVALID)), jbool(mf & HS_MSG_TRUNCATED),
		  jbool(mf & HS_MSG_GAP), jbool(!(ex->flags & HS_EX_STREAMING) && incomplete(ex)),
		  jbool(mf & HS_MSG_HDRS_LOST),
		  jbool(mf & HS_MSG_HDRS_CUT),
		  (ex->flags & HS_EX_SKIPPED) ? ex->skipped : 0, jbool(ex->flags & HS_EX_RESET));
	json_u64_or_null(b, ex->flags & HS_EX_RESET, ex->error_code);
	sb_puts(b, ",\"error_name\":");
	json_str(b, ex->flags & HS_EX_RESET ? h2_error_name(ex->error_code) : NULL);
	sb_printf(b, ",\"pushed\":%s,\"upgrade\":%s,\"streaming\":%s}}\n",
		  jbool(ex->flags & HS_EX_PUSHED), jbool(ex->flags & HS_EX_UPGRADE),
		  jbool(ex->flags & HS_EX_STREAMING));
}

/* ---- raw ---- */

static void text_raw(struct hs_output *out, struct sb *b, const struct hs_conninfo *ci, int dir,
		     const uint8_t *data, size_t len, uint64_t ts)
{
	char comm[sizeof(ci->comm) + 1], ctr[sizeof(ci->container) + 1];

	cistr(comm, ci->comm, sizeof(ci->comm));
	cistr(ctr, ci->container, sizeof(ci->container));
	put_clock(b, out, ts);
	sb_putc(b, ' ');
	esc_text_str(b, comm);
	sb_printf(b, "[%u] ", ci->pid);
	put_endpoint(b, ci, 0);
	sb_puts(b, dir ? " <- " : " -> ");
	put_endpoint(b, ci, 1);
	sb_printf(b, " %s %zu bytes %s", dir ? "read" : "written", len,
		  data ? "" : "not captured ");
	if (ci->source != HS_SOURCE_SYSCALL)
		put_tls(b, ci);
	else
		sb_puts(b, "syscall");
	if (ctr[0]) {
		sb_puts(b, " container=");
		esc_text_str(b, ctr);
	}
	sb_putc(b, '\n');
	if (!data)
		return;
	if (hs_body_is_text(data, len, NULL)) {
		text_lines(b, "  | ", data, len);
		return;
	}
	/* binary: offset, 16 bytes in hex, the printable ASCII ones */
	for (size_t off = 0; off < len; off += 16) {
		const uint8_t *row = data + off;
		size_t n = len - off < 16 ? len - off : 16;

		sb_printf(b, "  %04zx ", off);
		for (size_t i = 0; i < 16; i++)
			if (i < n)
				sb_printf(b, " %02x", row[i]);
			else
				sb_puts(b, "   ");
		sb_puts(b, "  ");
		for (size_t i = 0; i < n; i++)
			sb_putc(b, row[i] >= 0x20 && row[i] < 0x7f ? row[i] : '.');
		sb_putc(b, '\n');
	}
}

static void json_raw(struct hs_output *out, struct sb *b, const struct hs_conninfo *ci, int dir,
		     const uint8_t *data, size_t len, uint64_t ts)
{
	sb_puts(b, "{\"time\":");
	json_time(b, out, ts);
	sb_printf(b, ",\"ts_ns\":%" PRId64 ",", wall_ns(out, ts));
	json_process(b, ci);
	sb_putc(b, ',');
	json_conn_open(b, ci);
	sb_printf(b, "},\"direction\":\"%s\",\"size\":%zu,\"base64\":",
		  dir ? "read" : "written", len);
	if (data)
		json_base64(b, data, len);
	else
		sb_puts(b, "null");
	sb_puts(b, "}\n");
}

/* ---- public ---- */

struct hs_output *hs_output_new(FILE *f, const struct hs_output_opts *o)
{
	struct hs_output *out = calloc(1, sizeof(*out));

	if (!out)
		return NULL;
	out->f = f;
	out->hms_sec = -1;
	if (o)
		out->o = *o;
	return out;
}

/* Write the built buffer and flush; -errno when the stream fails (EPIPE: reader gone). */
static int flush_buf(struct hs_output *out)
{
	struct sb *b = &out->b;
	int ret = b->err;

	if (!ret && b->len && fwrite(b->p, 1, b->len, out->f) != b->len)
		ret = errno ? -errno : -EIO;
	if (!out->o.batch && fflush(out->f) != 0 && !ret)
		ret = errno ? -errno : -EIO;
	if (!ret && ferror(out->f))
		ret = -EIO;
	b->len = 0;
	b->err = 0;
	return ret;
}

int hs_output_flush(struct hs_output *out)
{
	if (fflush(out->f) != 0 || ferror(out->f))
		return errno ? -errno : -EIO;
	return 0;
}

int hs_output_exchange(struct hs_output *out, const struct hs_exchange *ex)
{
	static const struct hs_conninfo none;
	struct hs_exchange copy;

	if (!out || !ex)
		return -EINVAL;
	if (!ex->conn) {
		copy = *ex;
		copy.conn = &none;
		ex = &copy;
	}
	errno = 0;
	if (out->o.json)
		json_exchange(out, &out->b, ex);
	else
		text_exchange(out, &out->b, ex);
	return flush_buf(out);
}

int hs_output_raw(struct hs_output *out, const struct hs_conninfo *ci, int dir,
		  const uint8_t *data, size_t len, uint64_t ts)
{
	static const struct hs_conninfo none;

	if (!out)
		return -EINVAL;
	if (!ci)
		ci = &none;
	errno = 0;
	if (out->o.json)
		json_raw(out, &out->b, ci, dir, data, len, ts);
	else
		text_raw(out, &out->b, ci, dir, data, len, ts);
	return flush_buf(out);
}

void hs_output_free(struct hs_output *out)
{
	if (!out)
		return;
	free(out->b.p);
	free(out);
}

void hs_output_note(FILE *f, const char *fmt, ...)
{
	char msg[1024];
	struct sb b = { 0 };
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	esc_text_str(&b, msg);
	fprintf(f, "httpsnoop: %s\n", b.p ? b.p : "");
	free(b.p);
}

void hs_output_peer(const struct hs_conninfo *ci, char *buf, size_t len)
{
	struct sb b = { 0 };

	put_endpoint(&b, ci, 1);
	snprintf(buf, len, "%s", b.p ? b.p : "?");
	free(b.p);
}
