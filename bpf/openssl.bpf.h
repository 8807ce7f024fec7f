/* openssl.bpf.h: uprobes on OpenSSL SSL_read/SSL_write[_ex] and on GnuTLS
 * gnutls_record_recv/gnutls_record_send, which take the same arguments (session, buffer,
 * size) and return the same way (bytes, or a negative error): plaintext of TLS sockets.
 *
 * Included at the end of httpsnoop.bpf.c. Entry probes save the arguments per thread, the
 * return probe emits the plaintext through emit_plaintext(). Which socket a call belongs to,
 * in this order:
 *  1. the socket this SSL* used before (ssl_fds), taken at entry: the call's own system calls
 *     on it return at once, with no fd walk, and calls served from buffered records need none;
 *  2. any other socket the thread reads or writes inside the call (socket BIO: the syscall
 *     hooks call openssl_on_syscall(), which also marks the socket so its ciphertext is
 *     skipped), remembered for the next calls;
 *  3. memory BIOs (node, Python asyncio): SSL_read takes the last socket the thread read
 *     before the call; SSL_write with no known fd is copied (the caller may free its buffer
 *     at once) and emitted at the next socket write the thread makes, which carries its
 *     ciphertext.
 */

/* C calling convention: the first four arguments and the return value (pt_regs as declared
 * in vmlinux_min.h on x86-64; user_pt_regs { u64 regs[31]; ... } on arm64). */
#if defined(__TARGET_ARCH_x86)
#define SSL_ARG0(x) ((x)->di)
#define SSL_ARG1(x) ((x)->si)
#define SSL_ARG3(x) ((x)->cx)
#define SSL_RC(x) ((x)->ax)
#elif defined(__TARGET_ARCH_arm64)
#define SSL_ARG0(x) (((const u64 *)(x))[0])
#define SSL_ARG1(x) (((const u64 *)(x))[1])
#define SSL_ARG3(x) (((const u64 *)(x))[3])
#define SSL_RC(x) (((const u64 *)(x))[0])
#endif

/* Counters (enum ossl_counter), read by lib/tls.c. */
enum ossl_counter {
	OSSL_CNT_CALLS = 0,	/* SSL_read/SSL_write calls of traced processes (entries) */
	OSSL_CNT_BYTES,		/* plaintext bytes emitted */
	OSSL_CNT_NOFD,		/* calls whose plaintext was dropped: no socket found */
	OSSL_CNT_DEFERRED,	/* SSL_write plaintext emitted at the following socket write */
	OSSL_CNT_PROBE_HITS,	/* probe-only mode: uprobe and uretprobe hits */
	OSSL_CNT_MAX,
};

/* Set by user space after load (lib/tls.c): probes only count, for benchmarks. */
volatile __u32 openssl_probe_only;
/* Set by user space before the first probe is attached: until then the syscall programs
 * skip the per-thread lookup. */
volatile __u8 openssl_attached;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, OSSL_CNT_MAX);
	__type(key, u32);
	__type(value, u64);
} ssl_stats SEC(".maps");

/* Per thread: the SSL call in progress and what the thread did around it. */
struct ssl_thread {
	u64 ssl;		/* SSL* of the call in progress */
	u64 buf;
	u64 len_ptr;		/* SSL_*_ex: where the byte count is written */
	u64 sock;		/* struct sock of fd, 0: not known */
	s32 fd;			/* socket of the call, -1: none yet */
	s32 last_rd_fd;		/* last TCP socket read outside SSL calls, -1: none */
	u8 dir;
	u8 ex;
	u8 in_call;
	u8 pending;		/* an SSL_write copy waits in ssl_pend for its socket */
	u8 preset;		/* fd and sock came from ssl_fds at entry, unchanged since */
	u8 src;			/* HS_SRC_OPENSSL or HS_SRC_GNUTLS: the library called */
	u8 pad[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, u64);	/* pid_tgid */
	__type(value, struct ssl_thread);
} ssl_threads SEC(".maps");

struct ssl_key {
	u64 ssl;
	u32 tgid;
	u32 pad;
};

/* The socket an SSL* was last used with. */
struct ssl_conn {
	u64 sock;		/* its struct sock, 0: not known (memory BIO) */
	s32 fd;
	u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, HS_MAX_SOCKS);
	__type(key, struct ssl_key);
	__type(value, struct ssl_conn);
} ssl_fds SEC(".maps");

/* SSL_write plaintext copied at return, waiting for the socket write that follows. */
struct ssl_pending {
	u64 ssl;
	u64 len;		/* bytes written; the first HS_CHUNK are in data */
	u64 src;		/* the library's HS_SRC_* */
	u8 data[HS_CHUNK];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct ssl_pending);
} ssl_stage SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__uint(map_flags, 1 << 0);	/* BPF_F_NO_PREALLOC: 16 KiB values, rarely used */
	__type(key, u64);	/* pid_tgid */
	__type(value, struct ssl_pending);
} ssl_pend SEC(".maps");

static __always_inline void ossl_count(u32 which, u64 n)
{
	u64 *c = bpf_map_lookup_elem(&ssl_stats, &which);

	if (c)
		*c += n;
}

static __always_inline void ossl_remember(u64 ssl, u32 tgid, s32 fd, u64 sock)
{
	struct ssl_key k = { .ssl = ssl, .tgid = tgid };
	struct ssl_conn *old = bpf_map_lookup_elem(&ssl_fds, &k), v = { .sock = sock, .fd = fd };

	if (!old || old->fd != fd || old->sock != sock)
		bpf_map_update_elem(&ssl_fds, &k, &v, BPF_ANY);
}

/* Emits a copied SSL_write as the plaintext of socket sock (fd); the bytes beyond the
 * copy are reported as not captured. */
static __noinline void ossl_emit_pending(struct ssl_pending *p, s32 fd, u64 sock,
					 struct sock_state *st)
{
	struct rec_buf *r = scratch_rec();
	u64 n = p->len;

	if (!r || !st)
		return;
	sock_set_tls(st);
	if (n > HS_CHUNK)
		n = HS_CHUNK;
	fill_header(&r->h, HS_REC_DATA, sock, fd, st);
	r->h.dir = HS_DIR_EGRESS;
	r->h.source = p->src;
	r->h.pos = st->pos[0];
	r->h.len = n;
	if (bpf_probe_read_kernel(r->data, n, p->data)) {
		r->h.flags = HS_RF_UNCAPTURED;
		submit(r, 0);
	} else {
		submit(r, n);
	}
	st->pos[0] += n;
	if (p->len > n) {
		r->h.flags = HS_RF_UNCAPTURED;
		r->h.pos = st->pos[0];
		r->h.len = p->len - n;
		submit(r, 0);
		st->pos[0] += p->len - n;
	}
}

/* The thread's SSL state, NULL when it never called into a hooked TLS library. */
static __always_inline struct ssl_thread *openssl_thread(u64 id)
{
	if (!openssl_attached)
		return NULL;
	return bpf_map_lookup_elem(&ssl_threads, &id);
}

/* A thread ended: forget its state. A call it was inside (killed while blocked in SSL_read)
 * never returns, and its id comes back with pid reuse: the new thread's socket I/O would be
 * taken for a TLS library's ciphertext, and a pending SSL_write copy emitted on its socket. */
static __always_inline void openssl_thread_exit(u64 id)
{
	struct ssl_thread *t = openssl_thread(id);

	if (!t)
		return;
	if (t->pending)
		bpf_map_delete_elem(&ssl_pend, &id);
	bpf_map_delete_elem(&ssl_threads, &id);
}

/* Whether the thread is inside an SSL call (its failed socket calls still tell the fd). */
static __always_inline bool openssl_in_call(const struct ssl_thread *t)
{
	return t && t->in_call;
}

/* Whether fd is the socket this SSL call uses (known from an earlier call on the same SSL*,
 * or from an earlier system call of this one): already marked TLS, nothing to do. */
static __always_inline bool openssl_seen(const struct ssl_thread *t, s32 fd)
{
	return t && t->in_call && t->fd == fd;
}

/* The same for the socket's struct sock, known when the socket hooks fire. */
static __always_inline bool openssl_on_sock(const struct ssl_thread *t, u64 sk)
{
	return t && t->in_call && t->sock == sk;
}

/* A fresh SSL state for a thread that has none. */
static __always_inline struct ssl_thread *openssl_thread_new(u64 id)
{
	struct ssl_thread fresh = { .fd = -1, .last_rd_fd = -1 };

	bpf_map_update_elem(&ssl_threads, &id, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&ssl_threads, &id);
}

/* Called at the exit of a socket read or write (ret: its result) of a traced thread on a
 * TCP socket; returns the thread's TLS state, which it may create. */
static __always_inline struct ssl_thread *openssl_on_syscall(struct ssl_thread *t, u64 id, s32 fd,
							     u64 sock, long ret,
							     struct sock_state *st, u8 dir)
{
	if (!t) {
		/* reads are remembered before the thread's first SSL call too: a memory-BIO
		 * server (Python asyncio) reads the first request before its first SSL_read, as
		 * the handshake calls are not hooked */
		if (dir != HS_DIR_INGRESS || !openssl_attached)
			return NULL;
		t = openssl_thread_new(id);
		if (!t)
			return NULL;
	}
	if (t->in_call) {
		/* the TLS library's own socket I/O: ciphertext, not reported */
		t->fd = fd;
		t->sock = sock;
		t->preset = 0;
		sock_set_tls(st);
		return t;
	}
	if (dir == HS_DIR_INGRESS) {
		/* the ciphertext of a memory BIO whose socket is not known yet, maybe: not on a
		 * socket another SSL* reports; openssl_read_seen() looks at the bytes */
		if (ret > 0)
			t->last_rd_fd = st->tls ? -1 : fd;
		return t;
	}
	if (t->pending) {
		struct ssl_pending *p = bpf_map_lookup_elem(&ssl_pend, &id);

		t->pending = 0;
		if (!p)
			return t;
		ossl_remember(p->ssl, id >> 32, fd, sock);
		ossl_count(OSSL_CNT_DEFERRED, 1);
		ossl_count(OSSL_CNT_BYTES, p->len);
		ossl_emit_pending(p, fd, sock, st);
		bpf_map_delete_elem(&ssl_pend, &id);
	}
	return t;
}

/* A read outside SSL calls was emitted; head: its first bytes, when one record holds them.
 * Bytes that do not start like a TLS record (content type 20-23, major version 3) are not a
 * memory BIO's ciphertext: a node program that reads a plaintext request and then starts a
 * TLS connection (an SSL_read before it reads the new socket) would give it that socket. A
 * new connection's first read, the one that counts, starts at a record. */
static __always_inline void openssl_read_seen(struct ssl_thread *t, s32 fd, const u8 *head)
{
	if (t && head && t->last_rd_fd == fd && !t->in_call &&
	    !(head[0] >= 20 && head[0] <= 23 && head[1] == 3))
		t->last_rd_fd = -1;
}

/* SSL_write on a memory BIO with no socket known yet: keep a copy for the next write. */
static __always_inline void ossl_defer(struct ssl_thread *t, u64 id, u64 len)
{
	u32 zero = 0;
	struct ssl_pending *p = bpf_map_lookup_elem(&ssl_stage, &zero);
	u64 n = len;

	if (!p)
		return;
	if (n > HS_CHUNK)
		n = HS_CHUNK;
	p->ssl = t->ssl;
	p->len = len;
	p->src = t->src;
	if (bpf_probe_read_user(p->data, n, (void *)t->buf) ||
	    bpf_map_update_elem(&ssl_pend, &id, p, BPF_ANY)) {
		ossl_count(OSSL_CNT_NOFD, 1);
		return;
	}
	t->pending = 1;
}

static __always_inline int ssl_enter(struct pt_regs *ctx, u8 dir, u8 ex, u8 src)
{
	u64 id = bpf_get_current_pid_tgid();
	struct ssl_key k = { .ssl = SSL_ARG0(ctx), .tgid = id >> 32 };
	struct ssl_conn *known;
	struct ssl_thread *t;

	if (openssl_probe_only) {
		ossl_count(OSSL_CNT_PROBE_HITS, 1);
		return 0;
	}
	if (!traced(id))
		return 0;
	t = bpf_map_lookup_elem(&ssl_threads, &id);
	if (!t)
		t = openssl_thread_new(id);
	if (!t)
		return 0;
	ossl_count(OSSL_CNT_CALLS, 1);
	t->ssl = SSL_ARG0(ctx);
	t->buf = SSL_ARG1(ctx);
	t->len_ptr = ex ? SSL_ARG3(ctx) : 0;
	/* the socket this SSL* used before: its system calls inside this call need no fd walk */
	known = bpf_map_lookup_elem(&ssl_fds, &k);
	t->fd = known ? known->fd : -1;
	t->sock = known ? known->sock : 0;
	t->preset = !!known;
	t->dir = dir;
	t->ex = ex;
	t->src = src;
	t->in_call = 1;
	return 0;
}

UPROBE_TWINS(ssl_read_enter, ssl_enter(ctx, HS_DIR_INGRESS, 0, HS_SRC_OPENSSL))
UPROBE_TWINS(ssl_write_enter, ssl_enter(ctx, HS_DIR_EGRESS, 0, HS_SRC_OPENSSL))
UPROBE_TWINS(ssl_read_ex_enter, ssl_enter(ctx, HS_DIR_INGRESS, 1, HS_SRC_OPENSSL))
UPROBE_TWINS(ssl_write_ex_enter, ssl_enter(ctx, HS_DIR_EGRESS, 1, HS_SRC_OPENSSL))
UPROBE_TWINS(gnutls_recv_enter, ssl_enter(ctx, HS_DIR_INGRESS, 0, HS_SRC_GNUTLS))
UPROBE_TWINS(gnutls_send_enter, ssl_enter(ctx, HS_DIR_EGRESS, 0, HS_SRC_GNUTLS))

/* One return probe for every function above: the entry saved which one it was. */
static __always_inline int ssl_ret(struct pt_regs *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	u32 tgid = id >> 32;
	struct ssl_thread *t;
	int rc = (int)SSL_RC(ctx);
	u64 len = 0, sock;
	s32 fd;

	if (openssl_probe_only) {
		ossl_count(OSSL_CNT_PROBE_HITS, 1);
		return 0;
	}
	t = bpf_map_lookup_elem(&ssl_threads, &id);
	if (!t || !t->in_call)
		return 0;
	t->in_call = 0;
	if (t->ex) {
		if (rc > 0 && t->len_ptr)
			bpf_probe_read_user(&len, sizeof(len), (void *)t->len_ptr);
	} else if (rc > 0) {
		len = rc;
	}
	fd = t->fd;
	sock = t->sock;
	if (fd >= 0) {
		if (!t->preset)
			ossl_remember(t->ssl, tgid, fd, sock);
	} else if (t->dir == HS_DIR_INGRESS && t->last_rd_fd >= 0) {
		/* memory BIO: the ciphertext came from the socket this thread just read; learnt
		 * even from calls that return no data (handshake), for the writes that follow */
		struct sock_state *st;

		fd = t->last_rd_fd;
		t->last_rd_fd = -1;
		/* the socket is this SSL*'s from now on: its ciphertext is not reported, and its
		 * reads are no candidates for another SSL* */
		st = sock_of(fd, &sock, false);
		if (st && st->wanted)
			sock_set_tls(st);
		ossl_remember(t->ssl, tgid, fd, sock);
	}
	if (!len)
		return 0;
	if (fd < 0) {
		if (t->dir == HS_DIR_EGRESS && !t->pending)
			ossl_defer(t, id, len);
		else
			ossl_count(OSSL_CNT_NOFD, 1);
		return 0;
	}
	ossl_count(OSSL_CNT_BYTES, len);
	emit_plaintext(fd, sock, t->dir, t->buf, len, t->src);
	return 0;
}
UPROBE_TWINS(ssl_return, ssl_ret(ctx))

/* An SSL* freed (SSL_free, gnutls_deinit): its address may come back for another
 * connection. */
static __always_inline int ssl_free(struct pt_regs *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	struct ssl_key k = { .ssl = SSL_ARG0(ctx), .tgid = id >> 32 };

	if (openssl_probe_only || !traced(id))
		return 0;
	bpf_map_delete_elem(&ssl_fds, &k);
	return 0;
}
UPROBE_TWINS(ssl_free_enter, ssl_free(ctx))
