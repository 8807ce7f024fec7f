/* exchange.h: decoded HTTP exchanges, the contract between decoders and output
 * (RFC 9110 semantics; HTTP/1.x per RFC 9112, HTTP/2 per RFC 9113). */
#ifndef HS_EXCHANGE_H
#define HS_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>

enum hs_proto { HS_PROTO_UNKNOWN = 0, HS_PROTO_HTTP1, HS_PROTO_HTTP2 };

/* Where the bytes of a connection came from (matches HS_SRC_* in bpf/httpsnoop.h). */
enum hs_source {
	HS_SOURCE_SYSCALL = 0, HS_SOURCE_OPENSSL = 1, HS_SOURCE_GOTLS = 2, HS_SOURCE_GNUTLS = 3,
};

#define HS_TLS_LIB_LEN 32

/* What the connection table knows about a connection; owned by lib/conn.c. */
struct hs_conninfo {
	uint32_t pid, tid;
	char comm[16];
	uint64_t cgroup_id;
	char container[16];		/* short container id, "" when none */
	int family;			/* AF_INET, AF_INET6 or AF_UNIX; 0 when unknown */
	uint8_t laddr[16], raddr[16];	/* IPv4 in the first 4 bytes */
	uint16_t lport, rport;		/* host byte order */
	/* AF_UNIX: each end's bound path, lpath_len/rpath_len bytes of it (0: unnamed; a first
	 * byte 0: the abstract namespace) */
	uint8_t lpath_len, rpath_len;
	char lpath[108], rpath[108];
	int fd;
	enum hs_source source;		/* plaintext source (TLS when not SYSCALL) */
	char tls_lib[HS_TLS_LIB_LEN];	/* e.g. "libssl.so.3", "go1.19.8"; "" for plaintext */
};

struct hs_header {
	char *name;			/* NUL-terminated copies; may contain any byte */
	char *value;			/* inside name's allocation: free(name) frees both */
	uint32_t name_len, value_len;
};

enum hs_msg_flag {
	HS_MSG_PRESENT = 1 << 0,	/* the message was seen at all */
	HS_MSG_COMPLETE = 1 << 1,	/* framing says it ended */
	HS_MSG_INVALID = 1 << 2,	/* malformed: printed as (invalid) */
	HS_MSG_TRUNCATED = 1 << 3,	/* body_kept < body_size */
	HS_MSG_GAP = 1 << 4,		/* bytes of it were never captured (lost, sendfile) */
	HS_MSG_HDRS_LOST = 1 << 5,	/* header block could not be decoded (HPACK) */
	HS_MSG_HDRS_CUT = 1 << 6,	/* header count or size limit reached */
};

struct hs_message {
	unsigned flags;			/* enum hs_msg_flag */
	uint8_t version;		/* 10, 11, 20 */
	char *method;			/* request: method, target, authority (Host or :authority) */
	char *target;
	char *authority;
	int status;			/* response: status code and reason ("" for HTTP/2) */
	char *reason;
	struct hs_header *headers;	/* in arrival order, pseudo-headers included for HTTP/2 */
	uint32_t nheaders;
	struct hs_header *trailers;
	uint32_t ntrailers;
	uint8_t *body;			/* first body_kept bytes of the body, after de-chunking */
	size_t body_kept;
	uint64_t body_size;		/* body bytes on the wire after de-chunking */
	uint64_t ts_first, ts_last;	/* CLOCK_MONOTONIC ns of first and last byte */
	uint32_t grpc_msgs;		/* gRPC: length-prefixed messages in the body */
	uint64_t grpc_bytes;		/* gRPC: sum of their payload lengths */
	/* response: the interim (1xx) responses before it, 100 Continue, 103 Early Hints, in
	 * arrival order; status, reason and headers only; at most HS_MAX_INTERIM */
	struct hs_message *interim;
	uint32_t ninterim;
};

#define HS_MAX_INTERIM 8

enum hs_exchange_flag {
	HS_EX_NO_RESPONSE = 1 << 0,	/* connection closed / capture ended before a response */
	HS_EX_NO_REQUEST = 1 << 1,	/* response without a seen request (attached mid-way) */
	HS_EX_SKIPPED = 1 << 2,		/* bytes before this exchange were skipped (resync) */
	HS_EX_UPGRADE = 1 << 3,		/* 101 Switching Protocols, or CONNECT 2xx: decoding stops */
	HS_EX_PUSHED = 1 << 4,		/* HTTP/2 server push (PUSH_PROMISE) */
	HS_EX_RESET = 1 << 5,		/* HTTP/2 RST_STREAM or GOAWAY ended the stream */
	HS_EX_GRPC = 1 << 6,		/* content-type application/grpc */
	HS_EX_STREAMING = 1 << 7,	/* a look at a response still arriving, as it stands; the
					 * exchange comes again, whole, when it ends */
};

struct hs_exchange {
	const struct hs_conninfo *conn;
	enum hs_proto proto;
	uint32_t stream_id;		/* HTTP/2 stream id, 0 for HTTP/1 */
	unsigned flags;			/* enum hs_exchange_flag */
	uint32_t error_code;		/* RST_STREAM / GOAWAY error code when HS_EX_RESET */
	uint64_t skipped;		/* bytes skipped before this exchange when HS_EX_SKIPPED */
	int server;			/* 1: the traced process is the server (it read the request) */
	struct hs_message req, resp;
};

/* Called by a decoder for every finished exchange, and for each HS_EX_STREAMING look; the
 * exchange is only valid during the call. */
typedef void (*hs_emit_fn)(const struct hs_exchange *ex, void *ctx);

/* Bounds on what a decoder keeps for one message; a remote peer must not grow memory. */
struct hs_limits {
	size_t max_body;		/* body bytes kept per message */
	size_t max_header_bytes;	/* bytes of one header section */
	uint32_t max_headers;		/* header fields kept per message */
	int drop_fields;		/* keep only the fields decoding needs (one-line output) */
};

#define HS_LIMITS_DEFAULT { .max_body = 4096, .max_header_bytes = 65536, .max_headers = 128 }

/* Helpers shared by the decoders (lib/exchange.c). All return 0 or negative errno. */
int hs_message_add_header(struct hs_message *m, const struct hs_limits *lim, int trailer,
			  const char *name, size_t nlen, const char *value, size_t vlen);
const struct hs_header *hs_message_header(const struct hs_message *m, const char *name);
void hs_message_add_body(struct hs_message *m, const struct hs_limits *lim,
			 const uint8_t *data, size_t len, int captured);
int hs_set_str(char **dst, const char *s, size_t len);	/* a copy, each NUL as SP */
void hs_message_reset(struct hs_message *m);
/* Moves im, a complete 1xx response, to the end of m's interim list (or frees it when the
 * list is full); im is left empty. */
int hs_message_add_interim(struct hs_message *m, struct hs_message *im);
/* frees what an emitted exchange owns; the struct itself is left as it is */
void hs_exchange_free(struct hs_exchange *ex);

#endif
