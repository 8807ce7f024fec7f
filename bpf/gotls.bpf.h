/* gotls.bpf.h: uprobes in Go crypto/tls (*Conn).Read and Write.
 *
 * Included at the end of httpsnoop.bpf.c. Go code never gets a uretprobe (Go moves
 * goroutine stacks; the return trampoline breaks them): user space puts uprobes on
 * instructions that lib/goelf.c finds with Capstone (entries, RETs, Read's copy).
 *
 * Read: where lib/goelf.c found the call that copies the plaintext into the buffer (x86-64),
 * that call alone is probed (a call is emulated, a RET single-stepped): it has the bytes, and
 * the spill slots hold c and b (go_copy). Elsewhere the entry saves the buffer and the socket
 * fd keyed by (tgid, goroutine), since a goroutine may return on another thread than it
 * entered on, and the RET reads n and emits n plaintext bytes through emit_plaintext().
 * Write: the bytes are emitted at the entry, before they reach the socket. Emitting them at
 * the RET loses the order of a connection's records: the write syscall inside Write sends
 * the request, the peer answers, and a Read on another thread can return the response
 * before the writer reaches its RET (seen with the Go HTTP client, whose read and write
 * loops are separate goroutines). The cost: a Write that fails (closed connection) is
 * reported as written. So Write needs no RET probes. */

/* Register ABI (Go >= 1.17 amd64, >= 1.18 arm64): see lib/goelf.h. user_pt_regs on arm64
 * is { u64 regs[31]; sp; pc; pstate }. */
#if defined(__TARGET_ARCH_x86)
#define GO_ARG0(x) ((x)->ax)
#define GO_ARG1(x) ((x)->bx)
#define GO_ARG2(x) ((x)->cx)
#define GO_G(x) ((x)->r14)
/* At the stack check's jbe (or right after it): the branch to runtime.morestack, which
 * restarts the function, is taken (CF or ZF set by the compare). */
#define GO_MORESTACK(x) ((x)->flags & 0x41)
#elif defined(__TARGET_ARCH_arm64)
#define GO_ARG0(x) (((const u64 *)(x))[0])
#define GO_ARG1(x) (((const u64 *)(x))[1])
#define GO_ARG2(x) (((const u64 *)(x))[2])
#define GO_G(x) (((const u64 *)(x))[28])
#define GO_MORESTACK(x) 0	/* the probe is past the check */
#endif

/* Field offsets of the fd chain of one Go binary (struct hs_gotls_offsets in lib/goelf.h).
 * User space keeps one entry per traced tgid, and entry 0 for processes of binaries attached
 * for every process (pid -1), including processes started later. */
struct go_offsets {
	u32 conn_iface;		/* tls.Conn.conn: net.Conn interface {tab, data} */
	u32 iface_data;		/* data word of an interface */
	u32 tcpconn_fd;		/* net.TCPConn.conn.fd: *net.netFD */
	u32 netfd_pfd;		/* net.netFD.pfd: poll.FD */
	u32 pollfd_sysfd;	/* poll.FD.Sysfd: int */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HS_MAX_PIDS);
	__type(key, u32);
	__type(value, struct go_offsets);
} go_procs SEC(".maps");

/* One call between its entry and a RET. */
struct go_call_key {
	u32 tgid;
	u32 dir;		/* enum hs_dir: only Read (INGRESS) for now */
	u64 g;			/* the goroutine (runtime.g pointer) */
};

struct go_call {
	u64 buf;
	u64 len;
	s32 fd;
	u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);	/* a goroutine that never returns is forgotten */
	__uint(max_entries, 16384);
	__type(key, struct go_call_key);
	__type(value, struct go_call);
} go_calls SEC(".maps");

/* Set after load by user space (bench/gotls.sh, probe-only mode): every Go probe returns at
 * once, so the cost of the uprobe traps alone can be measured. */
volatile __u8 gotls_probe_only = 0;

/* The socket fd of a *tls.Conn: conn -> net.Conn data -> *net.TCPConn -> *netFD -> Sysfd. */
static __always_inline s32 go_conn_fd(u64 conn, const struct go_offsets *o)
{
	u64 tcpconn = 0, netfd = 0;
	s64 fd = -1;

	if (bpf_probe_read_user(&tcpconn, sizeof(tcpconn),
				(void *)(conn + o->conn_iface + o->iface_data)) || !tcpconn)
		return -1;
	if (bpf_probe_read_user(&netfd, sizeof(netfd), (void *)(tcpconn + o->tcpconn_fd)) ||
	    !netfd)
		return -1;
	if (bpf_probe_read_user(&fd, sizeof(fd), (void *)(netfd + o->netfd_pfd + o->pollfd_sysfd)))
		return -1;
	return fd >= 0 && fd < 0x7fffffff ? (s32)fd : -1;
}

/* The offsets for a process: its own, or those of the binaries attached for every process. */
static __always_inline struct go_offsets *go_offsets_of(u32 tgid)
{
	struct go_offsets *o = bpf_map_lookup_elem(&go_procs, &tgid);
	u32 any = 0;

	return o ? o : bpf_map_lookup_elem(&go_procs, &any);
}

static __always_inline int go_enter(struct pt_regs *ctx, u32 dir)
{
	u64 id = bpf_get_current_pid_tgid();
	struct go_call_key k = { .tgid = id >> 32, .dir = dir };
	struct go_call call = {};
	struct go_offsets *o;

	if (gotls_probe_only || !traced(id) || GO_MORESTACK(ctx))
		return 0;
	o = go_offsets_of(k.tgid);
	if (!o)
		return 0;
	call.fd = go_conn_fd(GO_ARG0(ctx), o);
	if (call.fd < 0)
		return 0;
	call.buf = GO_ARG1(ctx);
	call.len = GO_ARG2(ctx);
	if (dir == HS_DIR_EGRESS) {
		emit_plaintext(call.fd, 0, dir, call.buf, call.len, HS_SRC_GOTLS);
		return 0;
	}
	k.g = GO_G(ctx);
	bpf_map_update_elem(&go_calls, &k, &call, BPF_ANY);
	return 0;
}

/* Read's arguments from its spill slots: at its copy, which has no entry probe, and at a RET
 * whose entry was not seen (the call began before the probes were attached: a connection's
 * read loop waits in Read between messages, so its first answer returns from such a call; or
 * its entry was evicted from go_calls; dropping its n bytes silently paired each request with
 * the next one's response and cut HTTP/2 frames). Go (regabi) spills the register arguments
 * of Read, which live across its calls, to the slots its caller reserves above the return
 * address: c at 8(SP), b.ptr at 16(SP), b.len at 24(SP), and SP at a RET is SP at the entry;
 * at Read's copy (dst given, which must be b.ptr) SP is the frame's size lower. The values
 * are checked as an entry's would be (a TCP socket fd behind c). spill_at: where c is. */
static __always_inline int go_spilled(u64 id, u32 dir, s64 n, u64 spill_at, u64 src,
				      u64 dst)
{
#if defined(__TARGET_ARCH_x86)
	u64 spill[3] = {};
	struct go_offsets *o;
	s32 fd;

	if (n <= 0 || !traced(id))
		return 0;
	o = go_offsets_of(id >> 32);
	if (!o)
		return 0;
	if (bpf_probe_read_user(spill, sizeof(spill), (void *)spill_at))
		return 0;
	if ((u64)n > spill[2] || !spill[1] || (dst && dst != spill[1]))
		return 0;
	fd = go_conn_fd(spill[0], o);
	if (fd >= 0)
		emit_plaintext(fd, 0, dir, src ? src : spill[1], n, HS_SRC_GOTLS);
#endif
	return 0;
}

/* A RET of Read: n in AX, the bytes in the entry's buffer. */
static __always_inline int go_ret(struct pt_regs *ctx, u32 dir, s64 n)
{
	u64 id = bpf_get_current_pid_tgid();
	struct go_call_key k = { .tgid = id >> 32, .dir = dir, .g = GO_G(ctx) };
	struct go_call *call;

	if (gotls_probe_only)
		return 0;
	call = bpf_map_lookup_elem(&go_calls, &k);
	if (!call)
		return go_spilled(id, dir, n, ctx->sp + 8, 0, 0);
	/* n > 0 bytes were read, whatever the error says */
	if (n > 0 && (u64)n <= call->len)
		emit_plaintext(call->fd, 0, dir, call->buf, n, HS_SRC_GOTLS);
	bpf_map_delete_elem(&go_calls, &k);
	return 0;
}

/* Read's CALL runtime.memmove, the inlined bytes.(*Reader).Read copying the decrypted record
 * into b (x86-64, where lib/goelf.c found it): AX dst (b.ptr), BX src, CX n. The probe's
 * cookie is Read's frame in that executable (it differs between Go versions, and the
 * executables attached for every process share one go_procs entry). Kernels without cookies
 * (before 5.15) get the entry and RET probes instead. */
static __always_inline int go_copy(struct pt_regs *ctx)
{
	u64 frame = 0;

	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_attach_cookie))
		frame = bpf_get_attach_cookie(ctx);
	if (gotls_probe_only || !frame)
		return 0;
	return go_spilled(bpf_get_current_pid_tgid(), HS_DIR_INGRESS, (s64)GO_ARG2(ctx),
			  ctx->sp + 8 + frame, GO_ARG1(ctx), GO_ARG0(ctx));
}

UPROBE_TWINS(go_read_enter, go_enter(ctx, HS_DIR_INGRESS))
UPROBE_TWINS(go_read_copy, go_copy(ctx))
UPROBE_TWINS(go_read_ret, go_ret(ctx, HS_DIR_INGRESS, (s64)GO_ARG0(ctx)))
UPROBE_TWINS(go_write_enter, go_enter(ctx, HS_DIR_EGRESS))
