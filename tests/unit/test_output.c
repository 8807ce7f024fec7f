/* test_output.c: what users see from the writer: text lines, -v/-vv, JSON Lines (RFC 8259)
 * checked with jq when present, escaping, redaction, --raw, and the body helpers. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "body.h"
#include "check.h"
#include "exchange.h"
#include "output.h"

/* 2024-01-02T14:03:07.123456Z at CLOCK_MONOTONIC 1 s */
#define MONO0 1000000000ull
#define REAL0 (1704204187ll * 1000000000ll + 123456000ll - (long long)MONO0)

static const struct hs_limits lim = HS_LIMITS_DEFAULT;
static int have_jq;

static struct hs_conninfo conn(const char *comm, uint32_t pid, const char *l, uint16_t lport,
			       const char *r, uint16_t rport)
{
	struct hs_conninfo ci;

	memset(&ci, 0, sizeof(ci));
	snprintf(ci.comm, sizeof(ci.comm), "%s", comm);
	ci.pid = ci.tid = pid;
	ci.family = strchr(l, ':') ? AF_INET6 : AF_INET;
	inet_pton(ci.family, l, ci.laddr);
	inet_pton(ci.family, r, ci.raddr);
	ci.lport = lport;
	ci.rport = rport;
	ci.fd = 3;
	return ci;
}

static void hdr(struct hs_message *m, int trailer, const char *n, const char *v)
{
	CHECK_INT(hs_message_add_header(m, &lim, trailer, n, strlen(n), v, strlen(v)), 0);
}

static void hdrn(struct hs_message *m, const char *n, const char *v, size_t vlen)
{
	CHECK_INT(hs_message_add_header(m, &lim, 0, n, strlen(n), v, vlen), 0);
}

/* frees what a test exchange owns and zeroes it for the next case */
static void clear(struct hs_exchange *ex)
{
	hs_exchange_free(ex);
	memset(ex, 0, sizeof(*ex));
}

/* A plain HTTP/1.1 GET /index.html -> 200 OK with a 612-byte body, 1.23 ms. */

static void basic(struct hs_exchange *ex, const struct hs_conninfo *ci)
{
	static uint8_t page[612];

	memset(ex, 0, sizeof(*ex));
	memset(page, 'x', sizeof(page));
	ex->conn = ci;
	ex->proto = HS_PROTO_HTTP1;
	ex->req.flags = HS_MSG_PRESENT | HS_MSG_COMPLETE;
	ex->req.version = 11;
	hs_set_str(&ex->req.method, "GET", 3);
	hs_set_str(&ex->req.target, "/index.html", 11);
	hs_set_str(&ex->req.authority, "localhost:8080", 14);
	hdr(&ex->req, 0, "Host", "localhost:8080");
	hdr(&ex->req, 0, "User-Agent", "curl/7.88.1");
	ex->req.ts_first = MONO0;
	ex->req.ts_last = MONO0 + 1000;
	ex->resp.flags = HS_MSG_PRESENT | HS_MSG_COMPLETE;
	ex->resp.version = 11;
	ex->resp.status = 200;
	hs_set_str(&ex->resp.reason, "OK", 2);
	hdr(&ex->resp, 0, "Content-Type", "text/html");
	hdr(&ex->resp, 0, "Content-Length", "612");
	hs_message_add_body(&ex->resp, &lim, page, sizeof(page), 1);
	ex->resp.ts_first = MONO0 + 1000000;
	ex->resp.ts_last = MONO0 + 1230000;
}

static char *render_opts(const struct hs_output_opts *o, const struct hs_exchange *ex)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct hs_output *out = hs_output_new(f, o);

	CHECK(out != NULL);
	CHECK_INT(hs_output_exchange(out, ex), 0);
	hs_output_free(out);
	fclose(f);
	return buf;
}

static char *render(int verbose, int json, const struct hs_exchange *ex)
{
	struct hs_output_opts o = { .verbose = verbose, .json = json, .mono_to_real_ns = REAL0 };

	return render_opts(&o, ex);
}

/* Run jq with filter over the JSON text; its output (trailing newline removed) or NULL. */
static char *jq(const char *json, const char *filter)
{
	char path[] = "/tmp/test_output_XXXXXX", cmd[512], *res = NULL;
	size_t len = 0;
	FILE *p, *m;
	int fd = mkstemp(path), c;

	if (fd < 0)
		return NULL;
	CHECK_INT(write(fd, json, strlen(json)), (long long)strlen(json));
	close(fd);
	/* -e only for ".": a filter may rightly answer false or null */
	snprintf(cmd, sizeof(cmd), "jq %s -r '%s' %s 2>&1", strcmp(filter, ".") ? "" : "-e",
		 filter, path);
	p = popen(cmd, "r");
	m = open_memstream(&res, &len);
	while (p && (c = fgetc(p)) != EOF)
		fputc(c, m);
	fclose(m);
	if (!p || pclose(p) != 0) {
		fprintf(stderr, "jq '%s' failed on: %s\n-> %s\n", filter, json, res);
		free(res);
		res = NULL;
	}
	unlink(path);
	if (res && len && res[len - 1] == '\n')
		res[len - 1] = '\0';
	return res;
}

/* Every JSON line must be valid UTF-8 and, when jq exists, parse. */
static void check_json(const char *json)
{
	CHECK(hs_utf8_valid((const uint8_t *)json, strlen(json)));
	CHECK(strchr(json, '\n') == json + strlen(json) - 1);
	if (have_jq) {
		char *r = jq(json, ".");

		CHECK(r != NULL);
		free(r);
	}
}

static void check_jq(const char *json, const char *filter, const char *want)
{
	char *r;

	if (!have_jq)
		return;
	r = jq(json, filter);
	CHECK_STR(r, want);
	free(r);
}

static void test_summary(void)
{
	struct hs_conninfo ci = conn("curl", 4242, "127.0.0.1", 51234, "127.0.0.1", 8080);
	struct hs_exchange ex;
	char *s;

	basic(&ex, &ci);
	s = render(0, 0, &ex);
	CHECK_STR(s, "14:03:07.123456 curl[4242] client 127.0.0.1:51234 -> 127.0.0.1:8080 "
		  "HTTP/1.1 GET /index.html -> 200 OK req=0B resp=612B 1.23ms\n");
	CHECK(!strchr(s, '\033'));	/* no colour unless asked */
	free(s);

	/* traced server: still client -> server, marked "server" */
	ci = conn("nginx", 812, "10.0.0.1", 80, "10.0.0.2", 40000);
	ex.server = 1;
	s = render(0, 0, &ex);
	CHECK_STR(s, "14:03:07.123456 nginx[812] server 10.0.0.2:40000 -> 10.0.0.1:80 "
		  "HTTP/1.1 GET /index.html -> 200 OK req=0B resp=612B 1.23ms\n");
	free(s);

	ci = conn("curl", 7, "::1", 50000, "::1", 443);
	ci.source = HS_SOURCE_OPENSSL;
	strcpy(ci.tls_lib, "libssl.so.3");
	strcpy(ci.container, "3f2a9c1b2d4e");
	ex.server = 0;
	s = render(0, 0, &ex);
	CHECK_STR(s, "14:03:07.123456 curl[7] client [::1]:50000 -> [::1]:443 "
		  "HTTP/1.1 GET /index.html -> 200 OK req=0B resp=612B 1.23ms "
		  "TLS(libssl.so.3) container=3f2a9c1b2d4e\n");
	free(s);
	s = render(0, 1, &ex);
	check_json(s);
	check_jq(s, "[.connection.tls, .connection.tls_lib, .connection.source, "
		 ".connection.local.addr, .connection.remote.port, .process.container] | @csv",
		 "true,\"libssl.so.3\",\"openssl\",\"::1\",443,\"3f2a9c1b2d4e\"");
	free(s);
	clear(&ex);
}

/* Unix sockets: the bound path of each end, "@" for the abstract namespace (any byte in it
 * escaped), "*" unnamed; in JSON a "path" with null address and port. */
static void test_unix_socket(void)
{
	struct hs_conninfo ci = conn("python3", 5, "127.0.0.1", 0, "127.0.0.1", 0);
	struct hs_exchange ex;
	char *s;

	ci.family = AF_UNIX;
	memset(ci.laddr, 0, sizeof(ci.laddr));
	memset(ci.raddr, 0, sizeof(ci.raddr));
	memcpy(ci.lpath, "/run/app.sock", 13);
	ci.lpath_len = 13;
	basic(&ex, &ci);
	ex.server = 1;
	s = render(0, 0, &ex);
	CHECK_STR(s, "14:03:07.123456 python3[5] server unix:* -> unix:/run/app.sock "
		  "HTTP/1.1 GET /index.html -> 200 OK req=0B resp=612B 1.23ms\n");
	free(s);
	s = render(0, 1, &ex);
	check_json(s);
	check_jq(s, "[.connection.local.path, .connection.local.addr, .connection.local.port, "
		 ".connection.remote.path] | @json",
		 "[\"/run/app.sock\",null,null,null]");
	free(s);

	/* a client of an abstract name holding an escape sequence and a NUL */
	ci.lpath_len = 0;
	memcpy(ci.rpath, "\0app\033]0;x\a\0z", 12);
	ci.rpath_len = 12;
	ex.server = 0;
	s = render(0, 0, &ex);
	CHECK_STR(s, "14:03:07.123456 python3[5] client unix:* -> unix:@app\\x1b]0;x\\x07\\x00z "
		  "HTTP/1.1 GET /index.html -> 200 OK req=0B resp=612B 1.23ms\n");
	free(s);
	s = render(0, 1, &ex);
	check_json(s);
	check_jq(s, ".connection.remote.path | @json", "\"@app\\u001b]0;x\\u0007\\u0000z\"");
	free(s);
	clear(&ex);
}

static void test_colour(void)
{
	struct hs_conninfo ci = conn("curl", 1, "127.0.0.1", 1, "127.0.0.1", 2);
	struct hs_output_opts o = { .color = 1, .mono_to_real_ns = REAL0 };
	struct hs_exchange ex;
	char *s;

	basic(&ex, &ci);
	s = render_opts(&o, &ex);
	CHECK(strstr(s, "\033[1mGET\033[0m /index.html") != NULL);
	CHECK(strstr(s, "\033[32m200\033[0m OK") != NULL);
	free(s);
	o.json = 1;
	s = render_opts(&o, &ex);
	CHECK(!strchr(s, '\033'));	/* never colour in JSON */
	check_json(s);
	free(s);
	clear(&ex);
}

static void test_json_schema(void)
{
	struct hs_conninfo ci = conn("curl", 4242, "127.0.0.1", 51234, "127.0.0.1", 8080);
	struct hs_exchange ex;
	char *s;

	basic(&ex, &ci);
	free(ex.req.target);
	ex.req.target = strdup("/search?q=a%20b&x=1");
	s = render(0, 1, &ex);
	check_json(s);
	check_jq(s, ".time", "2024-01-02T14:03:07.123456Z");
	check_jq(s, ".ts_ns", "1704204187123456000");
	check_jq(s, "[.process.pid, .process.comm, .connection.local.port, "
		 ".connection.remote.addr, .connection.protocol, .connection.role] | @csv",
		 "4242,\"curl\",51234,\"127.0.0.1\",\"HTTP/1.1\",\"client\"");
	check_jq(s, "[.request.method, .request.path, .request.query, .request.authority] | @csv",
		 "\"GET\",\"/search\",\"q=a%20b&x=1\",\"localhost:8080\"");
	check_jq(s, ".request.headers | map(.[0]+\"=\"+.[1]) | join(\";\")",
		 "Host=localhost:8080;User-Agent=curl/7.88.1");
	check_jq(s, "[.response.status, .response.reason, .response.body.size, "
		 ".response.body.captured, (.response.body.text | length)] | @csv",
		 "200,\"OK\",612,612,612");
	check_jq(s, "[.timing.latency_ms, .sizes.request_body, .sizes.response_body, "
		 ".grpc, .flags.no_response, .request.body] | @csv", "1.23,0,612,,false,");
	check_jq(s, ".timing.end", "2024-01-02T14:03:07.124686Z");
	free(s);
	/* absolute-form (to a proxy): the path after the authority, "/" when it is empty */
	free(ex.req.target);
	ex.req.target = strdup("http://example.com?k=v");
	s = render(0, 1, &ex);
	check_jq(s, "[.request.path, .request.query] | @csv", "\"/\",\"k=v\"");
	free(s);
	free(ex.req.target);
	ex.req.target = strdup("http://example.com/a/b?k");
	s = render(0, 1, &ex);
	check_jq(s, "[.request.path, .request.query] | @csv", "\"/a/b\",\"k\"");
	free(s);
	/* CONNECT's target is a host and port, not a path */
	free(ex.req.method);
	ex.req.method = strdup("CONNECT");
	free(ex.req.target);
	ex.req.target = strdup("example.com:443");
	s = render(0, 1, &ex);
	check_jq(s, "[.request.target, .request.path, .request.query] | @json",
		 "[\"example.com:443\",null,null]");
	free(s);
	clear(&ex);
}

static void test_verbose(void)
{
	struct hs_conninfo ci = conn("curl", 4242, "127.0.0.1", 51234, "127.0.0.1", 8080);
	struct hs_limits small = { .max_body = 10, .max_header_bytes = 1000, .max_headers = 10 };
	const char *text = "line one\r\nline two\n0123456789";
	struct hs_exchange ex;
	char *s;

	basic(&ex, &ci);
	s = render(1, 0, &ex);
	CHECK(strstr(s, "\n  > Host: localhost:8080\n  > User-Agent: curl/7.88.1\n"
		     "  < Content-Type: text/html\n  < Content-Length: 612\n") != NULL);
	CHECK(!strstr(s, "xxxx"));	/* no body at -v */
	free(s);

	/* -vv: text body lines, cut at what was kept */
	hs_message_reset(&ex.resp);
	ex.resp.flags = HS_MSG_PRESENT | HS_MSG_COMPLETE;
	ex.resp.status = 200;
	ex.resp.version = 11;
	hdr(&ex.resp, 0, "Content-Type", "text/plain");
	hs_message_add_body(&ex.resp, &lim, (const uint8_t *)text, strlen(text), 1);
	s = render(2, 0, &ex);
	CHECK(strstr(s, "  < Content-Type: text/plain\n  < [body 29 bytes, text]\n"
		     "  <| line one\n  <| line two\n  <| 0123456789\n") != NULL);
	CHECK(!strstr(s, "truncated"));
	free(s);

	hs_message_reset(&ex.resp);
	ex.resp.flags = HS_MSG_PRESENT | HS_MSG_COMPLETE;
	ex.resp.status = 200;
	ex.resp.version = 11;
	hs_message_add_body(&ex.resp, &small, (const uint8_t *)text, strlen(text), 1);
	hdr(&ex.resp, 1, "X-Checksum", "abc");
	s = render(2, 0, &ex);
	CHECK(strstr(s, "  < [body 29 bytes, text]\n  <| line one\n  < [truncated 19 bytes]\n"
		     "  < [trailers]\n  < X-Checksum: abc\n") != NULL);
	free(s);
	s = render(2, 1, &ex);
	check_json(s);
	check_jq(s, "[.response.body.size, .response.body.captured, .response.body.text, "
		 ".flags.truncated, .response.trailers[0][1]] | @csv",
		 "29,10,\"line one\r\n\",true,\"abc\"");
	free(s);
	clear(&ex);
}

/* 100 Continue and 103 Early Hints before the final response: -v shows them, each line
 * tagged; JSON lists them; the one-line output does not */
static void test_interim(void)
{
	struct hs_conninfo ci = conn("curl", 4242, "127.0.0.1", 51234, "127.0.0.1", 8080);
	struct hs_output_opts o = { .verbose = 1, .redact = 1 };
	struct hs_message im;
	struct hs_exchange ex;
	char *s;

	basic(&ex, &ci);
	memset(&im, 0, sizeof(im));
	im.flags = HS_MSG_PRESENT | HS_MSG_COMPLETE;
	im.version = 11;
	im.status = 100;
	hs_set_str(&im.reason, "Continue", 8);
	CHECK_INT(hs_message_add_interim(&ex.resp, &im), 0);
	CHECK(!im.reason);	/* moved, not copied */
	im.flags = HS_MSG_PRESENT | HS_MSG_COMPLETE;
	im.status = 103;
	hs_set_str(&im.reason, "Early\x1b[2JHints", 14);
	hdr(&im, 0, "Link", "</s.css>; rel=preload");
	hdr(&im, 0, "Set-Cookie", "early=1");
	CHECK_INT(hs_message_add_interim(&ex.resp, &im), 0);
	s = render(0, 0, &ex);
	CHECK(!strstr(s, "103") && !strstr(s, "Continue"));
	free(s);
	s = render_opts(&o, &ex);
	CHECK(strstr(s, "  > User-Agent: curl/7.88.1\n  < [100 Continue]\n"
		     "  < [103 Early\\x1b[2JHints] Link: </s.css>; rel=preload\n"
		     "  < [103 Early\\x1b[2JHints] Set-Cookie: [redacted 7 bytes]\n"
		     "  < Content-Type: text/html\n") != NULL);
	free(s);
	o.json = 1;
	s = render_opts(&o, &ex);
	check_json(s);
	check_jq(s, "[.response.interim[] | .status] | @csv", "100,103");
	check_jq(s, ".response.interim[1].headers[0][1]", "</s.css>; rel=preload");
	check_jq(s, "[(.response.interim[0].headers | length), .response.interim[1].redacted[0][0], "
		 ".response.status] | @csv", "0,\"Set-Cookie\",200");
	check_jq(s, ".request.interim", "null");
	free(s);
	clear(&ex);
	/* a response with none: an empty list */
	basic(&ex, &ci);
	s = render(0, 1, &ex);
	check_jq(s, ".response.interim | length", "0");
	free(s);
	clear(&ex);
}

/* zlib with these window bits (gzip, zlib, raw deflate), or zstd for 0 */
static size_t zip(const uint8_t *in, size_t n, uint8_t *out, size_t cap, int wbits)
{
	z_stream z;

	if (!wbits) {
		size_t zn = ZSTD_compress(out, cap, in, n, 19);

		CHECK(!ZSTD_isError(zn));
		return ZSTD_isError(zn) ? 0 : zn;
	}
	memset(&z, 0, sizeof(z));
	CHECK_INT(deflateInit2(&z, 9, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)in;
	z.avail_in = n;
	z.next_out = out;
	z.avail_out = cap;
	CHECK_INT(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return cap - z.avail_out;
}

/* ~20 KB of numbered lines, not very compressible ("line 0: 0", "line 1: 7919", ...),
 * gzipped into out */
static size_t gzip_lines(uint8_t *out, size_t cap)
{
	char big[20000];
	size_t bn = 0;

	for (int i = 0; bn + 64 < sizeof(big); i++)
		bn += snprintf(big + bn, sizeof(big) - bn, "line %d: %lld\n", i,
			       (long long)i * i * 7919 % 10007);
	return zip((const uint8_t *)big, bn, out, cap, 31);
}

static void test_compressed(void)
{
	struct hs_conninfo ci = conn("curl", 1, "127.0.0.1", 1, "127.0.0.1", 2);
	const char *plain = "{\"hello\": \"gzip world\", \"n\": [1, 2, 3, 4, 5, 6, 7, 8, 9]}\n";
	static const struct { int wbits; const char *name, *label; } kinds[] = {
		{ 15 + 16, "gzip", "gzip" },
		{ 15 + 16, "x-gzip", "gzip" },
		{ 15, "deflate", "deflate" },		/* zlib-wrapped, as RFC 9110 says */
		{ -15, "deflate", "deflate" },		/* raw, as some servers send */
		{ 0, "zstd", "zstd" },
	};
	uint8_t z[512];
	struct hs_exchange ex;
	char want[256], *s;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t zn = zip((const uint8_t *)plain, strlen(plain), z, sizeof(z),
				kinds[k].wbits);

		basic(&ex, &ci);
		hs_message_reset(&ex.resp);
		ex.resp.flags = HS_MSG_PRESENT | HS_MSG_COMPLETE;
		ex.resp.status = 200;
		ex.resp.version = 11;
		hdr(&ex.resp, 0, "Content-Type", "application/json");
		hdr(&ex.resp, 0, "Content-Encoding", kinds[k].name);
		hs_message_add_body(&ex.resp, &lim, z, zn, 1);
		s = render(2, 0, &ex);
		snprintf(want, sizeof(want), "  < [body %zu bytes, %s: %zu bytes decoded, text]\n"
			 "  <| {\"hello\": \"gzip world\", \"n\": [1, 2, 3, 4, 5, 6, 7, 8, 9]}\n",
			 zn, kinds[k].label, strlen(plain));
		CHECK(strstr(s, want) != NULL);
		CHECK(!strstr(s, "truncated"));
		free(s);
		s = render(2, 1, &ex);
		check_json(s);
		check_jq(s, ".response.body.text | fromjson | .hello", "gzip world");
		snprintf(want, sizeof(want), "\"%s\",%zu,%zu", kinds[k].label, zn, strlen(plain));
		check_jq(s, "[.response.body.encoding, .response.body.size, "
			 ".response.body.decoded_size] | @csv", want);
		check_jq(s, "[.response.body.decoded_whole, .response.body.decoded_error] | @csv",
			 "true,false");
		free(s);
		clear(&ex);
	}

	/* a gzip body cut by the capture limit still shows its beginning */
	{
		struct hs_limits small = { .max_body = 200, .max_header_bytes = 1000,
					   .max_headers = 10 };
		uint8_t zb[20000];
		size_t zn = gzip_lines(zb, sizeof(zb));
		CHECK(zn > 200);
		basic(&ex, &ci);
		hs_message_reset(&ex.resp);
		ex.resp.flags = HS_MSG_PRESENT | HS_MSG_COMPLETE;
		ex.resp.status = 200;
		hdr(&ex.resp, 0, "Content-Encoding", "gzip");
		hs_message_add_body(&ex.resp, &small, zb, zn, 1);
		s = render(2, 0, &ex);
		CHECK(strstr(s, ", gzip: ") && strstr(s, " bytes decoded, text]\n"
			     "  <| line 0: 0\n  <| line 1: 7919\n  <| line 2: 1655\n") != NULL);
		snprintf(want, sizeof(want), "  < [truncated %zu bytes]\n", zn - 200);
		CHECK(strstr(s, want) != NULL);
		free(s);
		clear(&ex);
	}

	/* a stream the server ended early, and one that turns corrupt: the decoded start is
	 * shown, and said not to be the whole body */
	for (int corrupt = 0; corrupt < 2; corrupt++) {
		static const struct hs_limits roomy = { .max_body = 1 << 16,
							.max_header_bytes = 1000, .max_headers = 10 };
		uint8_t zb[20000];
		size_t zn = gzip_lines(zb, sizeof(zb));
		if (corrupt)
			memset(zb + zn / 2, 0xff, zn - zn / 2);
		else
			zn /= 2;
		basic(&ex, &ci);
		hs_message_reset(&ex.resp);
		ex.resp.flags = HS_MSG_PRESENT | HS_MSG_COMPLETE;
		ex.resp.status = 200;
		hdr(&ex.resp, 0, "Content-Encoding", "gzip");
		hs_message_add_body(&ex.resp, &roomy, zb, zn, 1);
		s = render(2, 0, &ex);
		CHECK(strstr(s, "  <| line 0: 0\n") != NULL);
		CHECK(strstr(s, corrupt ? "  < [corrupt gzip data]\n" :
					  "  < [gzip data ends early]\n") != NULL);
		CHECK(!strstr(s, corrupt ? "ends early" : "corrupt") && !strstr(s, "truncated"));
		free(s);
		s = render(2, 1, &ex);
		check_json(s);
		check_jq(s, "[.response.body.decoded_whole, .response.body.decoded_error] | @csv",
			 corrupt ? "false,true" : "false,false");
		free(s);
		clear(&ex);
	}

	/* a body labelled gzip that is not: shown as it is, never "(null)" */
	basic(&ex, &ci);
	hs_message_reset(&ex.resp);
	ex.resp.flags = HS_MSG_PRESENT | HS_MSG_COMPLETE;
	ex.resp.status = 200;
	hdr(&ex.resp, 0, "Content-Encoding", "gzip");
	hs_message_add_body(&ex.resp, &lim, (const uint8_t *)"\x1f\x8b\x07\x00junk", 8, 1);
	s = render(2, 0, &ex);
	CHECK(strstr(s, "  < [body 8 bytes, gzip: not decoded, binary]\n"
		     "  <| 1f 8b 07 00 6a 75 6e 6b\n") != NULL);
	CHECK(!strstr(s, "(null)") && !strstr(s, "corrupt"));
	free(s);
	s = render(2, 1, &ex);
	check_json(s);
	check_jq(s, "[.response.body.encoding, .response.body.base64] | @csv", ",\"H4sHAGp1bms=\"");
	free(s);
	clear(&ex);

	/* br is not decoded: shown as binary, stated */
	basic(&ex, &ci);
	hs_message_reset(&ex.resp);
	ex.resp.flags = HS_MSG_PRESENT | HS_MSG_COMPLETE;
	ex.resp.status = 200;
	hdr(&ex.resp, 0, "Content-Type", "text/html");
	hdr(&ex.resp, 0, "Content-Encoding", "br");
	hs_message_add_body(&ex.resp, &lim, (const uint8_t *)"\x0b\x02\x80hi\x03", 6, 1);
	s = render(2, 0, &ex);
	CHECK(strstr(s, "  < [body 6 bytes, br: not decoded, binary]\n"
		     "  <| 0b 02 80 68 69 03\n") != NULL);
	free(s);
	clear(&ex);
}

static void test_binary(void)
{
	struct hs_conninfo ci = conn("curl", 1, "127.0.0.1", 1, "127.0.0.1", 2);
	uint8_t bin[100];
	struct hs_exchange ex;
	char *s;

	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (uint8_t)i;
	basic(&ex, &ci);
	hs_message_reset(&ex.resp);
	ex.resp.flags = HS_MSG_PRESENT | HS_MSG_COMPLETE;
	ex.resp.status = 200;
	hdr(&ex.resp, 0, "Content-Type", "application/octet-stream");
	hs_message_add_body(&ex.resp, &lim, bin, sizeof(bin), 1);
	s = render(2, 0, &ex);
	CHECK(strstr(s, "  < [body 100 bytes, binary]\n  <| 00 01 02 03 04 05 06 07 08 09 0a 0b"
		     " 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f ...\n"
		     "  < [truncated 68 bytes]\n") != NULL);
	free(s);
	s = render(2, 1, &ex);
	check_json(s);
	check_jq(s, ".response.body.base64 | @base64d | explode | length", "100");
	check_jq(s, ".response.body.base64[0:8]", "AAECAwQF");
	check_jq(s, ".response.body | has(\"text\")", "false");
	free(s);
	clear(&ex);
}

static void test_escaping(void)
{
	struct hs_conninfo ci = conn("curl", 1, "127.0.0.1", 1, "127.0.0.1", 2);
	const char bad[] = "caf\xc3\xa9 \xff\xfe ok";		/* é, then invalid bytes */
	const char ansi[] = "\x1b[31mred\x1b[0m";
	const char c1[] = "a\xc2\x9b" "31mb\x7f\\";		/* C1 CSI, DEL, backslash */
	const char body[] = "<p>\x1b]0;pwned\x07 \xe2\x80\xae" "evil \xc0\xaf</p>";
	struct hs_exchange ex;
	char *s;

	basic(&ex, &ci);
	hdrn(&ex.req, "X-Bad", bad, sizeof(bad) - 1);
	hdrn(&ex.req, "X-Ansi", ansi, sizeof(ansi) - 1);
	hdrn(&ex.req, "X-C1", c1, sizeof(c1) - 1);
	free(ex.req.target);
	ex.req.target = strdup("/a\x1b[2Jb\xff");
	hs_message_reset(&ex.resp);
	ex.resp.flags = HS_MSG_PRESENT | HS_MSG_COMPLETE;
	ex.resp.status = 200;
	hs_set_str(&ex.resp.reason, "O\rK", 3);
	hdr(&ex.resp, 0, "Content-Type", "text/html");
	hs_message_add_body(&ex.resp, &lim, (const uint8_t *)body, sizeof(body) - 1, 1);

	s = render(2, 0, &ex);
	CHECK(!strchr(s, '\033'));
	CHECK(!strchr(s, '\r'));
	CHECK(!strchr(s, '\x07'));
	CHECK(!strchr(s, '\x7f'));
	CHECK(!strstr(s, "\xc2\x9b"));
	CHECK(!strstr(s, "\xe2\x80\xae"));	/* RIGHT-TO-LEFT OVERRIDE */
	CHECK(strstr(s, " GET /a\\x1b[2Jb\\xff -> 200 O\\rK ") != NULL);
	CHECK(strstr(s, "  > X-Bad: caf\xc3\xa9 \\xff\\xfe ok\n") != NULL);
	CHECK(strstr(s, "  > X-Ansi: \\x1b[31mred\\x1b[0m\n") != NULL);
	CHECK(strstr(s, "  > X-C1: a\\xc2\\x9b31mb\\x7f\\\\\n") != NULL);
	CHECK(strstr(s, "  <| <p>\\x1b]0;pwned\\x07 \\xe2\\x80\\xaeevil \\xc0\\xaf</p>\n") != NULL);
	free(s);

	s = render(2, 1, &ex);
	check_json(s);
	CHECK(!strchr(s, '\033'));
	check_jq(s, ".request.headers[2][1]", "caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd ok");
	/* the raw value rides along in base64 */
	check_jq(s, ".request.headers[2][2] | @base64d | length > 0", "true");
	check_jq(s, ".request.headers[3][1] == \"\\u001b[31mred\\u001b[0m\"", "true");
	check_jq(s, ".request.headers[3] | length", "2");
	check_jq(s, ".request.target | explode | .[2]", "27");
	check_jq(s, ".response.reason", "O\rK");
	check_jq(s, ".response.body.text | explode | .[3]", "27");
	check_jq(s, ".response.body.base64 != null", "true");	/* body not UTF-8: kept raw */
	free(s);
	clear(&ex);
}

static void test_redaction(void)
{
	static const char *const extra[] = { "x-api-key" };
	struct hs_conninfo ci = conn("curl", 1, "127.0.0.1", 1, "127.0.0.1", 2);
	struct hs_output_opts o = { .verbose = 1, .redact = 1, .redact_names = extra, .nredact = 1 };
	struct hs_exchange ex;
	char *s;

	basic(&ex, &ci);
	hdr(&ex.req, 0, "Authorization", "Bearer s3cret");
	hdr(&ex.req, 0, "COOKIE", "sid=abcdef");
	hdr(&ex.req, 0, "X-Api-Key", "k-123");
	hdr(&ex.req, 0, "Proxy-Authorization", "Basic eDp5");
	hdr(&ex.resp, 0, "Set-Cookie", "sid=new; HttpOnly");
	/* blanks before the colon make the field invalid, yet lenient servers take it */
	hdr(&ex.req, 0, "Authorization \t", "Basic blank");
	s = render_opts(&o, &ex);
	CHECK(!strstr(s, "s3cret") && !strstr(s, "abcdef") && !strstr(s, "k-123") &&
	      !strstr(s, "eDp5") && !strstr(s, "sid=new") && !strstr(s, "blank"));
	CHECK(strstr(s, "  > Authorization: [redacted 13 bytes]\n") != NULL);
	CHECK(strstr(s, "  > COOKIE: [redacted 10 bytes]\n") != NULL);
	CHECK(strstr(s, "  > X-Api-Key: [redacted 5 bytes]\n") != NULL);
	CHECK(strstr(s, "  < Set-Cookie: [redacted 17 bytes]\n") != NULL);
	CHECK(strstr(s, "  > User-Agent: curl/7.88.1\n") != NULL);
	free(s);
	o.json = 1;
	s = render_opts(&o, &ex);
	check_json(s);
	CHECK(!strstr(s, "s3cret") && !strstr(s, "sid=new") && !strstr(s, "blank"));
	check_jq(s, ".request.headers[2][1]", "[redacted]");
	check_jq(s, ".request.redacted | map(.[0]+\":\"+(.[1]|tostring)) | join(\",\")",
		 "Authorization:13,COOKIE:10,X-Api-Key:5,Proxy-Authorization:10,"
		 "Authorization \t:11");
	check_jq(s, ".response.redacted[0][1]", "17");
	free(s);
	o.redact = 0;
	o.json = 0;
	s = render_opts(&o, &ex);
	CHECK(strstr(s, "  > Authorization: Bearer s3cret\n") != NULL);
	free(s);
	clear(&ex);
}

static void test_http2_grpc(void)
{
	struct hs_conninfo ci = conn("greeter", 99, "127.0.0.1", 40000, "127.0.0.1", 50051);
	const uint8_t msg[] = { 0, 0, 0, 0, 7, 0x0a, 5, 'w', 'o', 'r', 'l', 'd' };
	struct hs_exchange ex;
	char *s;

	memset(&ex, 0, sizeof(ex));
	ex.conn = &ci;
	ex.proto = HS_PROTO_HTTP2;
	ex.stream_id = 3;
	ex.flags = HS_EX_GRPC;
	ex.req.flags = ex.resp.flags = HS_MSG_PRESENT | HS_MSG_COMPLETE;
	ex.req.version = ex.resp.version = 20;
	hs_set_str(&ex.req.method, "POST", 4);
	hs_set_str(&ex.req.target, "/helloworld.Greeter/SayHello", 28);
	hdr(&ex.req, 0, ":method", "POST");
	hdr(&ex.req, 0, ":path", "/helloworld.Greeter/SayHello");
	hdr(&ex.req, 0, "content-type", "application/grpc");
	hs_message_add_body(&ex.req, &lim, msg, sizeof(msg), 1);
	ex.req.grpc_msgs = 1;
	ex.req.grpc_bytes = 7;
	ex.req.ts_first = MONO0;
	ex.resp.status = 200;
	hs_set_str(&ex.resp.reason, "", 0);
	hdr(&ex.resp, 0, ":status", "200");
	hdr(&ex.resp, 1, "grpc-status", "5");
	hdr(&ex.resp, 1, "grpc-message", "user%20not%20found");
	ex.resp.grpc_msgs = 0;
	ex.resp.ts_last = MONO0 + 2500000;

	s = render(0, 0, &ex);
	CHECK_STR(s, "14:03:07.123456 greeter[99] client 127.0.0.1:40000 -> 127.0.0.1:50051 "
		  "HTTP/2 POST /helloworld.Greeter/SayHello -> 200 req=12B resp=0B 2.50ms stream=3 "
		  "grpc=helloworld.Greeter/SayHello msgs=1/0 grpc-status=5(NOT_FOUND) "
		  "grpc-message=\"user not found\"\n");
	free(s);
	s = render(2, 0, &ex);
	CHECK(strstr(s, "  > :path: /helloworld.Greeter/SayHello\n") != NULL);
	CHECK(strstr(s, "  > [body 12 bytes, binary]\n"
		     "  >| 00 00 00 00 07 0a 05 77 6f 72 6c 64\n") != NULL);
	CHECK(strstr(s, "  < [trailers]\n  < grpc-status: 5\n") != NULL);
	free(s);
	s = render(0, 1, &ex);
	check_json(s);
	check_jq(s, "[.connection.protocol, .connection.stream_id, .grpc.service, .grpc.method, "
		 ".grpc.request_messages, .grpc.response_messages, .grpc.status, "
		 ".grpc.status_name, .grpc.message, .response.reason, .response.version] | @csv",
		 "\"HTTP/2\",3,\"helloworld.Greeter\",\"SayHello\",1,0,5,\"NOT_FOUND\","
		 "\"user not found\",\"\",\"HTTP/2\"");
	free(s);
	/* a path not of the /service/method form: text and JSON name it alike */
	free(ex.req.target);
	ex.req.target = strdup("/trailers");
	s = render(0, 0, &ex);
	CHECK(strstr(s, " grpc=trailers msgs=1/0 ") != NULL);
	free(s);
	s = render(0, 1, &ex);
	check_jq(s, "[.grpc.service, .grpc.method] | @csv", "\"trailers\",");
	free(s);
	/* %00 stays as it is: a NUL would end the message and hide the rest */
	CHECK_STR(ex.resp.trailers[1].name, "grpc-message");
	strcpy(ex.resp.trailers[1].value, "no%00%1b[2Jpe");	/* shorter: fits in place */
	ex.resp.trailers[1].value_len = strlen(ex.resp.trailers[1].value);
	s = render(0, 0, &ex);
	CHECK(strstr(s, " grpc-message=\"no%00\\x1b[2Jpe\"\n") != NULL);
	free(s);
	s = render(0, 1, &ex);
	check_jq(s, ".grpc.message | @json", "\"no%00\\u001b[2Jpe\"");
	free(s);

	/* reset, pushed */
	ex.flags = HS_EX_RESET | HS_EX_PUSHED;
	ex.error_code = 8;
	s = render(0, 0, &ex);
	CHECK(strstr(s, " stream=3 [reset CANCEL] [pushed]\n") != NULL);
	free(s);
	s = render(0, 1, &ex);
	check_json(s);
	check_jq(s, "[.flags.reset, .flags.error_code, .flags.error_name, .flags.pushed, .grpc]"
		 " | @csv",
		 "true,8,\"CANCEL\",true,");
	free(s);
	ex.error_code = 0x77;
	s = render(0, 0, &ex);
	CHECK(strstr(s, " [reset 0x77] ") != NULL);
	free(s);
	clear(&ex);
}

static void test_markers(void)
{
	struct hs_conninfo ci = conn("curl", 1, "127.0.0.1", 1, "127.0.0.1", 2);
	struct hs_exchange ex;
	char *s;

	/* no response */
	basic(&ex, &ci);
	hs_message_reset(&ex.resp);
	ex.flags = HS_EX_NO_RESPONSE;
	s = render(0, 0, &ex);
	CHECK(strstr(s, " GET /index.html -> [no response] req=0B resp=- -\n") != NULL);
	free(s);
	s = render(1, 1, &ex);
	check_json(s);
	check_jq(s, "[.response, .flags.no_response, .timing.latency_ms, .sizes.response_body]"
		 " | @csv",
		 ",true,,");
	free(s);
	clear(&ex);

	/* no request, skipped bytes, gap, upgrade */
	basic(&ex, &ci);
	hs_message_reset(&ex.req);
	ex.flags = HS_EX_NO_REQUEST | HS_EX_SKIPPED | HS_EX_UPGRADE;
	ex.skipped = 1234;
	ex.resp.flags |= HS_MSG_GAP;
	s = render(0, 0, &ex);
	CHECK(strstr(s, " HTTP/1.1 [no request] -> 200 OK req=- resp=612B - "
		     "[skipped 1234 bytes] [upgrade] [gap]\n") != NULL);
	free(s);
	s = render(0, 1, &ex);
	check_json(s);
	check_jq(s, "[.request, .flags.no_request, .flags.skipped_bytes, .flags.upgrade, "
		 ".flags.gap] | @csv", ",true,1234,true,true");
	check_jq(s, ".time", "2024-01-02T14:03:07.124456Z");
	free(s);
	clear(&ex);

	/* invalid both ways, the response given up: (invalid), which [incomplete] would only
	 * repeat (where such a message ends is not known) */
	basic(&ex, &ci);
	ex.req.flags |= HS_MSG_INVALID;
	free(ex.req.method);
	ex.req.method = NULL;
	ex.resp.flags = HS_MSG_PRESENT | HS_MSG_INVALID;
	s = render(0, 0, &ex);
	CHECK(strstr(s, " HTTP/1.1 (invalid) -> 200 OK (invalid) req=0B resp=612B 1.23ms\n") !=
	      NULL);
	free(s);
	s = render(0, 1, &ex);
	check_json(s);
	check_jq(s, "[.request.method, .flags.invalid_request, .flags.invalid_response, "
		 ".flags.incomplete] | @csv", ",true,true,false");
	free(s);
	clear(&ex);

	/* HTTP/2 header blocks lost: "-" holds each column (awk counts fields) */
	basic(&ex, &ci);
	ex.proto = HS_PROTO_HTTP2;
	free(ex.req.method);
	ex.req.method = NULL;
	ex.req.flags |= HS_MSG_HDRS_LOST;
	ex.resp.status = 0;
	ex.resp.flags |= HS_MSG_HDRS_LOST;
	s = render(0, 0, &ex);
	CHECK(strstr(s, " HTTP/2 - /index.html -> - req=0B resp=612B 1.23ms ") != NULL);
	free(s);
	clear(&ex);

	/* a response still arriving: streaming, not incomplete */	/* a response still arriving: streaming, not incomplete */
	basic(&ex, &ci);
	ex.flags = HS_EX_STREAMING;
	ex.resp.flags = HS_MSG_PRESENT;
	s = render(0, 0, &ex);
	CHECK(strstr(s, " -> 200 OK req=0B resp=612B 1.23ms [streaming]\n") != NULL);
	free(s);
	s = render(0, 1, &ex);
	check_json(s);
	check_jq(s, "[.flags.streaming, .flags.incomplete, .response.status] | @csv",
		 "true,false,200");
	free(s);
	clear(&ex);

	/* headers lost (HPACK) */
	basic(&ex, &ci);
	ex.resp.flags |= HS_MSG_HDRS_LOST;
	s = render(1, 0, &ex);
	CHECK(strstr(s, " [headers lost]\n") != NULL);
	CHECK(strstr(s, "\n  < [headers lost]\n") != NULL);
	free(s);
	clear(&ex);
}

static char *raw(int json, int dir, const void *data, size_t len, const struct hs_conninfo *ci)
{
	struct hs_output_opts o = { .json = json, .mono_to_real_ns = REAL0 };
	char *buf = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&buf, &blen);
	struct hs_output *out = hs_output_new(f, &o);

	CHECK_INT(hs_output_raw(out, ci, dir, data, len, MONO0), 0);
	hs_output_free(out);
	fclose(f);
	return buf;
}

static void test_raw(void)
{
	struct hs_conninfo ci = conn("curl", 42, "127.0.0.1", 51234, "127.0.0.1", 8080);
	const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	const uint8_t frame[] = { 0, 0, 4, 8, 0, 0, 0, 0, 0, 0, 0x0f, 0, 1, 'P', 'R', 'I', 0x1b };
	char *s;

	s = raw(0, 0, req, sizeof(req) - 1, &ci);
	CHECK_STR(s, "14:03:07.123456 curl[42] 127.0.0.1:51234 -> 127.0.0.1:8080 written 27 bytes "
		  "syscall\n  | GET / HTTP/1.1\n  | Host: x\n  | \n");
	free(s);
	ci.source = HS_SOURCE_GOTLS;
	s = raw(0, 1, frame, sizeof(frame), &ci);
	CHECK_STR(s, "14:03:07.123456 curl[42] 127.0.0.1:51234 <- 127.0.0.1:8080 read 17 bytes "
		  "TLS(gotls)\n"
		  "  0000  00 00 04 08 00 00 00 00 00 00 0f 00 01 50 52 49  .............PRI\n"
		  "  0010  1b                                               .\n");
	free(s);
	s = raw(1, 1, frame, sizeof(frame), &ci);
	check_json(s);
	check_jq(s, "[.direction, .size, .base64, .connection.tls, .connection.source] | @csv",
		 "\"read\",17,\"AAAECAAAAAAAAA8AAVBSSRs=\",true,\"gotls\"");
	free(s);
	/* bytes that went by uncaptured (sendfile, lost records): said so, nothing invented */
	ci.source = HS_SOURCE_SYSCALL;
	s = raw(0, 0, NULL, 1048576, &ci);
	CHECK_STR(s, "14:03:07.123456 curl[42] 127.0.0.1:51234 -> 127.0.0.1:8080 written 1048576 "
		  "bytes not captured syscall\n");
	free(s);
	s = raw(1, 0, NULL, 1048576, &ci);
	check_json(s);
	check_jq(s, "[.direction, .size, .base64] | @csv", "\"written\",1048576,");
	free(s);
}

/* Timestamps come from records, and a capture file may hold any: the clock saturates. */
static void test_hostile_timestamps(void)
{
	struct hs_conninfo ci = conn("curl", 42, "127.0.0.1", 1, "127.0.0.1", 2);
	struct hs_output_opts o = { .json = 1, .mono_to_real_ns = REAL0 };
	char *buf = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&buf, &blen);
	struct hs_output *out = hs_output_new(f, &o);
	struct hs_exchange ex;
	char *s;

	CHECK_INT(hs_output_raw(out, &ci, 0, (const uint8_t *)"x", 1, UINT64_MAX - 5), 0);
	hs_output_free(out);
	fclose(f);
	check_json(buf);
	CHECK(strstr(buf, "\"ts_ns\":9223372036854775807,") != NULL);
	free(buf);
	basic(&ex, &ci);
	ex.req.ts_first = (uint64_t)INT64_MAX - 5;
	s = render_opts(&o, &ex);
	check_json(s);
	CHECK(strstr(s, "\"ts_ns\":9223372036854775807,") != NULL);
	free(s);
	clear(&ex);
}

/* A body that went by uncaptured (sendfile): sizes shown, no bytes read from anywhere. */
static void test_uncaptured_body(void)
{
	struct hs_conninfo ci = conn("nginx", 7, "127.0.0.1", 80, "127.0.0.1", 5555);
	struct hs_exchange ex;
	char *s;

	basic(&ex, &ci);
	hs_message_reset(&ex.resp);
	ex.resp.flags = HS_MSG_PRESENT | HS_MSG_COMPLETE | HS_MSG_TRUNCATED;
	ex.resp.version = 11;
	ex.resp.status = 200;
	ex.resp.body_size = 1048576;
	s = render(2, 0, &ex);
	CHECK(strstr(s, " 200 ") != NULL);
	free(s);
	s = render(2, 1, &ex);
	check_json(s);
	check_jq(s, ".sizes.response_body", "1048576");
	free(s);
	clear(&ex);
}

static void test_epipe(void)
{
	struct hs_conninfo ci = conn("curl", 1, "127.0.0.1", 1, "127.0.0.1", 2);
	struct hs_output_opts o = { 0 };
	struct hs_output *out;
	struct hs_exchange ex;
	int fds[2];
	FILE *f;

	signal(SIGPIPE, SIG_IGN);
	CHECK_INT(pipe(fds), 0);
	close(fds[0]);
	f = fdopen(fds[1], "w");
	out = hs_output_new(f, &o);
	basic(&ex, &ci);
	CHECK_INT(hs_output_exchange(out, &ex), -EPIPE);
	hs_output_free(out);
	fclose(f);
	clear(&ex);
	hs_output_free(NULL);
}

/* Random bytes everywhere: text output has no control byte but line ends and is valid
 * UTF-8 (every invalid byte escaped); every JSON line is valid UTF-8 and parses. */
static void fill(uint8_t *p, size_t n, unsigned *seed)
{
	static const char pick[] = "\x1b\x9b\xc2\xe2\x80\xae\xff\r\n\t\\\"aZ%/?\x7f\x00";

	for (size_t i = 0; i < n; i++)
		p[i] = rand_r(seed) % 3 ? (uint8_t)pick[rand_r(seed) % (sizeof(pick) - 1)]
					: (uint8_t)rand_r(seed);
}

static void test_random(void)
{
	struct hs_conninfo ci = conn("x", 1, "127.0.0.1", 1, "127.0.0.1", 2);
	char *all = NULL, *s;
	size_t alen = 0;
	FILE *jf = open_memstream(&all, &alen);
	unsigned seed = 12345;
	uint8_t buf[6][64];
	int bad_text = 0, bad_json = 0;

	for (int it = 0; it < 300; it++) {
		struct hs_exchange ex;

		for (int k = 0; k < 6; k++)
			fill(buf[k], sizeof(buf[k]), &seed);
		fill((uint8_t *)ci.comm, sizeof(ci.comm), &seed);
		fill((uint8_t *)ci.tls_lib, sizeof(ci.tls_lib), &seed);
		ci.source = it % 3;
		memset(&ex, 0, sizeof(ex));
		ex.conn = &ci;
		ex.proto = it % 2 ? HS_PROTO_HTTP2 : HS_PROTO_HTTP1;
		ex.flags = it % 5 ? 0 : HS_EX_GRPC | HS_EX_RESET;
		ex.req.flags = ex.resp.flags = HS_MSG_PRESENT;
		hs_set_str(&ex.req.method, (char *)buf[0], it % 9);
		hs_set_str(&ex.req.target, (char *)buf[1], it % 40);
		hs_set_str(&ex.resp.reason, (char *)buf[2], it % 13);
		ex.resp.status = it;
		hdrn(&ex.req, (char *)buf[3] + 40, (char *)buf[3], it % 30);
		hdrn(&ex.resp, "content-encoding", it % 4 ? "gzip" : "identity", it % 4 ? 4 : 8);
		hdrn(&ex.resp, "grpc-message", (char *)buf[4], it % 50);
		hs_message_add_body(&ex.req, &lim, buf[5], it % 64, 1);
		hs_message_add_body(&ex.resp, &lim, buf[4], it % 64, 1);
		for (int json = 0; json < 2; json++) {
			s = render(2, json, &ex);
			for (size_t i = 0; s[i]; i++)
				if (((uint8_t)s[i] < 0x20 && s[i] != '\n') || s[i] == 0x7f)
					bad_text++;
			if (!hs_utf8_valid((const uint8_t *)s, strlen(s)) || strstr(s, "\xc2\x9b") ||
			    strstr(s, "\xe2\x80\xae"))
				bad_text++;
			if (json) {
				bad_json += strchr(s, '\n') != s + strlen(s) - 1;
				fputs(s, jf);
			}
			free(s);
		}
		clear(&ex);
	}
	fclose(jf);
	CHECK_INT(bad_text, 0);
	CHECK_INT(bad_json, 0);
	if (have_jq) {
		s = jq(all, ".response.status");	/* all 300 lines in one run */
		CHECK(s != NULL);
		free(s);
	}
	free(all);
}

static void test_body_helpers(void)
{
	static const struct { const char *in, *out; } b64[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	char out[16];
	uint32_t cp;
	uint8_t *dec, *zeros, z[8192];
	size_t dn, zn;
	unsigned fl;

	for (size_t i = 0; i < sizeof(b64) / sizeof(b64[0]); i++) {
		hs_base64_encode((const uint8_t *)b64[i].in, strlen(b64[i].in), out);
		CHECK_STR(out, b64[i].out);
		CHECK_INT(hs_base64_len(strlen(b64[i].in)), strlen(b64[i].out));
	}

	CHECK_INT(hs_utf8_next((const uint8_t *)"\xe2\x82\xac", 3, &cp), 3);
	CHECK_INT(cp, 0x20ac);
	CHECK_INT(hs_utf8_next((const uint8_t *)"\xf0\x9f\x98\x80", 4, &cp), 4);
	CHECK_INT(cp, 0x1f600);
	CHECK_INT(hs_utf8_next((const uint8_t *)"\xc0\xaf", 2, &cp), -EILSEQ); /* overlong */
	CHECK_INT(hs_utf8_next((const uint8_t *)"\xe0\x80\xaf", 3, &cp), -EILSEQ);
	CHECK_INT(hs_utf8_next((const uint8_t *)"\xed\xa0\x80", 3, &cp), -EILSEQ); /* surrogate */
	CHECK_INT(hs_utf8_next((const uint8_t *)"\xf4\x90\x80\x80", 4, &cp), -EILSEQ); /* > 10FFFF */
	CHECK_INT(hs_utf8_next((const uint8_t *)"\x80", 1, &cp), -EILSEQ);
	CHECK_INT(hs_utf8_next((const uint8_t *)"\xe2\x82", 2, &cp), -EAGAIN);
	CHECK_INT(hs_utf8_next((const uint8_t *)"\xe2\x28\xa1", 3, &cp), -EILSEQ);
	CHECK_INT(hs_utf8_trim((const uint8_t *)"ab\xe2\x82", 4), 2);
	CHECK_INT(hs_utf8_trim((const uint8_t *)"ab\xe2\x82\xac", 5), 5);
	CHECK_INT(hs_utf8_trim((const uint8_t *)"ab\xff", 3), 3);
	CHECK(hs_utf8_valid((const uint8_t *)"h\xc3\xa9llo", 6));
	CHECK(!hs_utf8_valid((const uint8_t *)"h\xc3llo", 5));

	CHECK(hs_body_is_text((const uint8_t *)"a\tb\r\n", 5, NULL));
	CHECK(!hs_body_is_text((const uint8_t *)"a\x1b", 2, NULL));
	CHECK(!hs_body_is_text((const uint8_t *)"a\xc2\x85", 3, NULL));
	CHECK(!hs_body_is_text((const uint8_t *)"a\xff", 2, NULL));
	CHECK(hs_body_is_text((const uint8_t *)"a\xff", 2, "Text/HTML; charset=latin1"));
	CHECK(hs_body_is_text((const uint8_t *)"\x01", 1, "application/problem+json"));
	CHECK(hs_body_is_text((const uint8_t *)"\x01", 1, "application/x-www-form-urlencoded"));
	CHECK(!hs_body_is_text((const uint8_t *)"\x01", 1, "image/png"));

	CHECK_INT(hs_body_encoding(NULL, 0), HS_ENC_IDENTITY);
	CHECK_INT(hs_body_encoding(" GZip ", 6), HS_ENC_GZIP);
	CHECK_INT(hs_body_encoding("deflate", 7), HS_ENC_DEFLATE);
	CHECK_INT(hs_body_encoding("identity", 8), HS_ENC_IDENTITY);
	CHECK_INT(hs_body_encoding("br", 2), HS_ENC_OTHER);
	CHECK_INT(hs_body_encoding("zstd", 4), HS_ENC_ZSTD);
	CHECK_INT(hs_body_encoding("gzip, br", 8), HS_ENC_OTHER);

	/* a decompression bomb stops at max_out */
	zeros = calloc(1, 1 << 20);
	zn = zip(zeros, 1 << 20, z, sizeof(z), 31);
	CHECK_INT(hs_body_decode(HS_ENC_GZIP, z, zn, 5000, &dec, &dn, &fl), 0);
	CHECK_INT(dn, 5000);
	CHECK(fl & HS_BODY_CUT);
	CHECK(!memcmp(dec, zeros, dn));
	free(dec);
	CHECK_INT(hs_body_decode(HS_ENC_GZIP, z, zn, 1 << 20, &dec, &dn, &fl), 0);
	CHECK_INT(dn, 1 << 20);
	CHECK(fl & HS_BODY_END);
	free(dec);
	/* a cut stream returns what it decoded; garbage returns -EBADMSG */
	CHECK_INT(hs_body_decode(HS_ENC_GZIP, z, zn / 2, 1 << 20, &dec, &dn, &fl), 0);
	CHECK(dn > 0 && !(fl & HS_BODY_END));
	free(dec);
	CHECK_INT(hs_body_decode(HS_ENC_GZIP, (const uint8_t *)"\xff\xff\xff\xff", 4, 100, &dec, &dn, &fl),
		  -EBADMSG);
	CHECK(dec == NULL);
	CHECK_INT(hs_body_decode(HS_ENC_GZIP, (const uint8_t *)"", 0, 100, &dec, &dn, &fl), -EBADMSG);

	/* gzip: two members one after the other are one body too (RFC 1952 2.2) */
	{
		size_t n1 = zip((const uint8_t *)"part1\n", 6, z, sizeof(z), 31);
		size_t n2 = zip((const uint8_t *)"part2\n", 6, z + n1, sizeof(z) - n1, 31);

		CHECK_INT(hs_body_decode(HS_ENC_GZIP, z, n1 + n2, 100, &dec, &dn, &fl), 0);
		CHECK_INT(dn, 12);
		CHECK(dec && !memcmp(dec, "part1\npart2\n", 12));
		CHECK(fl & HS_BODY_END);
		free(dec);
	}

	/* zstd: the same bounds; two frames one after the other are one body */
	zn = zip(zeros, 1 << 20, z, sizeof(z), 0);
	CHECK_INT(hs_body_decode(HS_ENC_ZSTD, z, zn, 5000, &dec, &dn, &fl), 0);
	CHECK_INT(dn, 5000);
	CHECK(fl & HS_BODY_CUT);
	free(dec);
	memcpy(z + zn, z, zn);
	CHECK_INT(hs_body_decode(HS_ENC_ZSTD, z, 2 * zn, 4 << 20, &dec, &dn, &fl), 0);
	CHECK_INT(dn, 2 << 20);
	CHECK(fl & HS_BODY_END);
	CHECK(!memcmp(dec, zeros, 1 << 20) && !memcmp(dec + (1 << 20), zeros, 1 << 20));
	free(dec);
	{
		/* a frame that asks for a 128 MiB window is refused, not allocated */
		ZSTD_CCtx *c = ZSTD_createCCtx();
		ZSTD_inBuffer in = { zeros, 1 << 20, 0 };
		ZSTD_outBuffer o = { z, sizeof(z), 0 };

		ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, 27);
		/* the size unknown when it starts, or the window is cut down to it */
		CHECK(!ZSTD_isError(ZSTD_compressStream2(c, &o, &in, ZSTD_e_continue)));
		in.size = in.pos;
		CHECK_INT(ZSTD_compressStream2(c, &o, &in, ZSTD_e_end), 0);
		ZSTD_freeCCtx(c);
		CHECK_INT(hs_body_decode(HS_ENC_ZSTD, z, o.pos, 1 << 20, &dec, &dn, &fl), -EBADMSG);
	}
	/* a cut frame gives what it decoded */
	zn = zip((const uint8_t *)"abcdefgh", 8, z, sizeof(z), 0);
	CHECK_INT(hs_body_decode(HS_ENC_ZSTD, z, zn - 3, 100, &dec, &dn, &fl), 0);
	CHECK(dn < 8 && !memcmp(dec, "abcdefgh", dn) && !(fl & HS_BODY_END));
	free(dec);
	CHECK_INT(hs_body_decode(HS_ENC_ZSTD, (const uint8_t *)"\xff\xff\xff\xff", 4, 100, &dec,
				 &dn, &fl), -EBADMSG);
	free(zeros);
}

/* Diagnostics on standard error carry command names and paths any local user picks. */
static void test_note(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	hs_output_note(f, "pid %u (%s): OpenSSL %s hooked (%s)", 42, "\x1b[31mEV\aIL\n",
		       "libssl.so.3", "/tmp/\x1b]0;title\x07/libssl.so.3");
	hs_output_note(f, "%s", "caf\xc3\xa9 \xff");
	fclose(f);
	CHECK_STR(buf, "httpsnoop: pid 42 (\\x1b[31mEV\\x07IL\\n): OpenSSL libssl.so.3 hooked "
		  "(/tmp/\\x1b]0;title\\x07/libssl.so.3)\n"
		  "httpsnoop: caf\xc3\xa9 \\xff\n");
	free(buf);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	have_jq = system("jq --version >/dev/null 2>&1") == 0;
	if (!have_jq)
		fprintf(stderr, "jq not found: JSON checked with the UTF-8 validator only\n");
	test_summary();
	test_colour();
	test_json_schema();
	test_verbose();
	test_interim();
	test_compressed();
	test_binary();
	test_escaping();
	test_redaction();
	test_http2_grpc();
	test_markers();
	test_raw();
	test_hostile_timestamps();
	test_uncaptured_body();
	test_epipe();
	test_random();
	test_body_helpers();
	test_note();
	test_unix_socket();
	return CHECK_DONE();
}
