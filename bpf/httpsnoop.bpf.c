/* httpsnoop.bpf.c: tracepoints that capture the bytes of TCP and Unix stream sockets.
 * Tracepoints only (no kprobes, no fentry); CO-RE reads for kernel structs. */
#include "vmlinux_min.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "httpsnoop.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by user space between open and load. */
const volatile __u8 filter_pids = false;	/* only tgids in the pids map */
const volatile __u32 npid_list = 0;		/* or, when there are few, in pid_list */
const volatile __u32 pid_list[HS_PID_LIST] = {};
const volatile __u8 follow_forks = false;	/* -f: tasks the targets make join the pids map */
const volatile __u8 filter_cgroups = false;	/* only cgroup ids in the cgroups map */
const volatile __u8 filter_comms = false;	/* only commands in the comms map */
const volatile __u8 filter_ports = false;	/* only sockets with a local or remote port in ports */
const volatile __u8 filter_hosts = false;	/* only sockets with a remote address in hosts */
const volatile __u32 self_tgid = 0;		/* never capture ourselves */
const volatile __u32 max_capture = HS_CHUNK * HS_MAX_CHUNKS;	/* bytes copied per call */
const volatile __u32 wakeup_bytes = 256 * 1024;	/* wake the reader past this much data */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, HS_RING_BYTES);	/* -B changes it */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HS_MAX_PIDS);
	__type(key, u32);
	__type(value, u8);
} pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HS_MAX_CGROUPS);
	__type(key, u64);
	__type(value, u8);
} cgroups SEC(".maps");

struct comm_key {
	char comm[HS_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HS_MAX_FILTERS);
	__type(key, struct comm_key);
	__type(value, u8);
} comms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HS_MAX_FILTERS);
	__type(key, u16);
	__type(value, u8);
} ports SEC(".maps");

struct addr_key {
	u8 addr[16];		/* IPv4 in the first 4 bytes, the rest 0 */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HS_MAX_FILTERS);
	__type(key, struct addr_key);
	__type(value, u8);
} hosts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HS_CNT_MAX);
	__type(key, u32);
	__type(value, u64);
} counters SEC(".maps");

/* Per TCP socket, keyed by the address of its struct sock: bytes seen per direction, whether
 * a TLS probe owns its plaintext, and what every record of it carries, read once when the
 * socket is first seen. The inode number tells a new socket whose struct sock reuses the
 * memory of a freed one that we never saw closed (its process exited). */
struct sock_state {
	u64 pos[2];
	u64 ino;
	u64 cgroup_id;		/* of the process that first moved data on it */
	u8 laddr[16];		/* as in struct hs_rec */
	u8 raddr[16];
	u16 family;
	u16 lport;
	u16 rport;
	u32 read_seq;		/* copied_seq after the last receive seen (less a FIN read) */
	u8 wanted;		/* passes --port and --host */
	u8 tls;
	u8 unix_server;		/* a Unix socket's accepted end (it has its listener's name) */
	u8 unix_last_in;	/* and the last bytes it moved were received */
	u8 eof;			/* TCP: the end of the stream was read (and reported) */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, HS_MAX_SOCKS);
	__type(key, u64);
	__type(value, struct sock_state);
} socks SEC(".maps");

/* A finished data syscall. */
enum call_kind { CALL_BUF = 0, CALL_IOV = 1, CALL_MSG = 2, CALL_SENDFILE = 3, CALL_DISCARD = 4 };

struct call_args {
	u64 sock;
	u64 buf;		/* buffer, iovec array or user_msghdr */
	u32 iovcnt;
	s32 fd;
	u8 dir;
	u8 kind;
};

#define HS_IOV_BATCH 4	/* iovecs read at once */

/* Where emit_data() is in a call's bytes. It lives in map memory, not in registers: values
 * loaded from memory are unknown to the verifier, so every iteration of the copy loop
 * verifies as one state instead of one per path taken so far. */
struct cursor {
	u64 iov;		/* the buffer (iovcnt 0) or the iovec array */
	u64 cur;		/* current buffer and bytes left in it */
	u64 cur_len;
	u64 left;		/* bytes of the call not yet emitted */
	u64 pos;		/* the socket's position of the next of them */
	u32 budget;		/* bytes that may still be copied */
	u32 idx;		/* next iovec */
	u32 iovcnt;
	u32 fill;		/* bytes gathered in data[] for the next record */
	struct iovec v[HS_IOV_BATCH];	/* iovecs idx & ~(HS_IOV_BATCH - 1) on, read at once */
};

/* Scratch record: header + one chunk (and room to gather small iovecs), per CPU (too large
 * for the stack). */
struct rec_buf {
	struct hs_rec h;
	u8 data[HS_CHUNK + HS_CHUNK / 2];
	struct cursor c;
	u64 unwoken;		/* bytes sent from this CPU since the last wake-up */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct rec_buf);
} scratch SEC(".maps");

/* This CPU's scratch record. */
static __always_inline struct rec_buf *scratch_rec(void)
{
	u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

static __always_inline void count(u32 which, u64 n)
{
	u64 *c = bpf_map_lookup_elem(&counters, &which);

	if (c)
		*c += n;
}

static __always_inline bool traced(u64 pid_tgid)
{
	u32 tgid = pid_tgid >> 32;

	if (tgid == self_tgid)
		return false;
	if (filter_pids && npid_list) {
		/* a few compares with constants instead of a hash lookup, for every system call */
		bool hit = false;

		for (int i = 0; i < HS_PID_LIST; i++)
			if (i < npid_list && pid_list[i] == tgid)
				hit = true;
		if (!hit && !(follow_forks && bpf_map_lookup_elem(&pids, &tgid)))
			return false;
	} else if (filter_pids && !bpf_map_lookup_elem(&pids, &tgid)) {
		return false;
	}
	if (filter_cgroups) {
		u64 cg = bpf_get_current_cgroup_id();

		if (!bpf_map_lookup_elem(&cgroups, &cg))
			return false;
	}
	if (filter_comms) {
		struct comm_key k = {};
		struct task_struct *leader;

		bpf_get_current_comm(k.comm, sizeof(k.comm));
		/* a thread may have a name of its own (Java's, tokio's): the process's name
		 * counts too (a group leader's name is the process's) */
		if (!bpf_map_lookup_elem(&comms, &k)) {
			if ((u32)pid_tgid == tgid)
				return false;
			leader = BPF_CORE_READ((struct task_struct *)bpf_get_current_task(),
					       group_leader);
			__builtin_memset(&k, 0, sizeof(k));
			if (bpf_probe_read_kernel_str(k.comm, sizeof(k.comm), &leader->comm) < 0 ||
			    !bpf_map_lookup_elem(&comms, &k))
				return false;
		}
	}
	return true;
}

/* The struct sock behind fd when fd is a socket, else NULL; *ino is the socket's inode number.
 * Walks task->files->fdt->fd[fd] so sockets opened before we started are known too. */
static __always_inline struct sock *sock_of_fd(s32 fd, u64 *ino)
{
	struct fdtable *fdt;
	struct file **fds;
	struct file *f = NULL;
	struct inode *in;
	struct socket *so;
	u32 max_fds;

	if (fd < 0)
		return NULL;
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf)) {
		/* 5.11+: typed pointers, plain loads instead of a helper call each */
		struct task_struct *task = bpf_get_current_task_btf();

		fdt = task->files->fdt;
		if (!fdt)
			return NULL;
		max_fds = fdt->max_fds;
		fds = fdt->fd;
	} else {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();

		fdt = BPF_CORE_READ(task, files, fdt);
		if (!fdt)
			return NULL;
		max_fds = BPF_CORE_READ(fdt, max_fds);
		fds = BPF_CORE_READ(fdt, fd);
	}
	if ((u32)fd >= max_fds)
		return NULL;
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return NULL;
	in = BPF_CORE_READ(f, f_inode);
	if ((BPF_CORE_READ(in, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	*ino = BPF_CORE_READ(in, i_ino);
	so = BPF_CORE_READ(f, private_data);
	return BPF_CORE_READ(so, sk);
}

/* --port and --host, decided once per socket from its addresses. */
static __always_inline bool sock_wanted(const struct sock_state *st)
{
	if (filter_ports && !bpf_map_lookup_elem(&ports, &st->lport) &&
	    !bpf_map_lookup_elem(&ports, &st->rport))
		return false;
	if (filter_hosts) {
		struct addr_key k = {};

		__builtin_memcpy(k.addr, st->raddr, sizeof(k.addr));
		/* ::ffff:a.b.c.d is the IPv4 peer a.b.c.d */
		if (st->family == AF_INET6 && ((u32 *)k.addr)[0] == 0 && ((u32 *)k.addr)[1] == 0 &&
		    ((u32 *)k.addr)[2] == __builtin_bswap32(0xffff)) {
			((u32 *)k.addr)[0] = ((u32 *)k.addr)[3];
			((u32 *)k.addr)[2] = 0;
			((u32 *)k.addr)[3] = 0;
		}
		if (!bpf_map_lookup_elem(&hosts, &k))
			return false;
	}
	return true;
}

#define SOCK_DONE 1	/* enum sock_flags: the peer's FIN arrived */

/* The process has just received len bytes of TCP socket sk (0: the socket is destroyed).
 * Receives the hooks do not see (splice() from a socket, io_uring) advance copied_seq too:
 * what it moved past the last receive seen, and before these bytes, advances the position,
 * and user space sees a gap there. The peer's FIN takes a sequence number: once it arrived
 * and copied_seq reached rcv_nxt, the process has read it, and it is no byte. (Nothing of
 * the kind is needed for sending: splice and sendfile to a socket are hooked.) */
static __always_inline void sock_read_unseen(struct sock_state *st, u64 sk, u32 len)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	u32 seq = BPF_CORE_READ(tp, copied_seq), unseen = seq - len - st->read_seq;

	/* only a jump pays for the FIN check: the common receive reads one field */
	if ((s32)unseen > 0 &&
	    (BPF_CORE_READ((struct sock *)sk, __sk_common.skc_flags) & (1 << SOCK_DONE)) &&
	    seq == BPF_CORE_READ(tp, rcv_nxt)) {
		seq--;
		unseen--;
	}
	if ((s32)unseen > 0)
		st->pos[HS_DIR_INGRESS] += unseen;
	st->read_seq = seq;
}

static __always_inline u64 sock_ino(struct sock *sk)
{
	struct socket_alloc *so = (struct socket_alloc *)BPF_CORE_READ(sk, sk_socket);

	return BPF_CORE_READ(so, vfs_inode.i_ino);
}

/* What is read once from a TCP or Unix stream socket into its state: addresses, inode,
 * cgroup, whether the filters want it. false for other sockets. */
static __noinline bool sock_read(struct sock *sk, struct sock_state *st)
{
	struct socket *so;

	if (!sk)
		return false;
	st->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	so = BPF_CORE_READ(sk, sk_socket);
	/* a socket with no file is the kernel's own (NFS, iSCSI): the socket tracepoints see
	 * it inside a process's system call on some other descriptor */
	if ((st->family != AF_INET && st->family != AF_INET6 && st->family != AF_UNIX) ||
	    BPF_CORE_READ(sk, sk_type) != SOCK_STREAM ||
	    (st->family != AF_UNIX && BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP) || !so ||
	    !BPF_CORE_READ(so, file))
		return false;
	st->ino = BPF_CORE_READ((struct socket_alloc *)so, vfs_inode.i_ino);
	st->cgroup_id = bpf_get_current_cgroup_id();
	if (st->family == AF_UNIX) {
		/* no port or address for --port or --host to select; the names go to user space
		 * in an OPEN record */
		st->wanted = !filter_ports && !filter_hosts;
		st->unix_server = BPF_CORE_READ((struct unix_sock *)sk, addr) != NULL;
		return true;
	}
	st->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	st->rport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (st->family == AF_INET6) {
		/* through struct in6_addr: all 16 bytes (an array would give sizeof one byte) */
		BPF_CORE_READ_INTO((struct in6_addr *)st->laddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO((struct in6_addr *)st->raddr, sk, __sk_common.skc_v6_daddr);
	} else {
		BPF_CORE_READ_INTO((u32 *)st->laddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((u32 *)st->raddr, sk, __sk_common.skc_daddr);
	}
	st->wanted = sock_wanted(st);
	st->read_seq = BPF_CORE_READ((struct tcp_sock *)sk, copied_seq);
	return true;
}

/* A TCP socket seen for the first time: its state, or NULL for other sockets. replace: a
 * state of this address is stale (the socket starts over, or the memory is a new socket's).
 * Else two threads may meet a new socket at once (one reads while the other writes): the
 * first state made is the one both use, as an update would leave the other thread counting
 * positions in a state no longer in the map. */
static void unix_open(struct sock *sk, struct sock_state *st, s32 fd);

static __always_inline struct sock_state *sock_new(struct sock *sk, bool replace, s32 fd)
{
	struct sock_state st = {}, *p;
	u64 sock = (u64)sk;

	if (!sock_read(sk, &st))
		return NULL;
	if (bpf_map_update_elem(&socks, &sock, &st, replace ? BPF_ANY : BPF_NOEXIST))
		return bpf_map_lookup_elem(&socks, &sock);	/* another thread made it */
	p = bpf_map_lookup_elem(&socks, &sock);
	if (p && p->family == AF_UNIX && p->wanted)
		unix_open(sk, p, fd);
	return p;
}

/* A TLS probe reports this socket's plaintext from now on: its ciphertext is no longer
 * reported, and positions restart at 0 for the plaintext. */
static __always_inline void sock_set_tls(struct sock_state *st)
{
	if (!st->tls) {
		st->tls = 1;
		st->pos[0] = st->pos[1] = 0;
	}
}

/* The state of the socket behind fd when it is a TCP socket, else NULL; *sock is its
 * identity. fresh: the socket was just created (connect, accept), its state starts over. */
static __always_inline struct sock_state *sock_of(s32 fd, u64 *sock, bool fresh)
{
	struct sock_state *st;
	u64 ino = 0;
	struct sock *sk = sock_of_fd(fd, &ino);

	*sock = (u64)sk;
	if (!sk)
		return NULL;
	st = fresh ? NULL : bpf_map_lookup_elem(&socks, sock);
	if (st && st->ino == ino)
		return st;
	return sock_new(sk, fresh || st, fd);
}

static __always_inline void fill_header(struct hs_rec *h, u32 type, u64 sock, s32 fd,
					const struct sock_state *st)
{
	h->type = type;
	h->flags = 0;
	h->ts_ns = bpf_ktime_get_ns();
	h->sock = sock;
	h->pos = 0;
	h->cgroup_id = st->cgroup_id;
	h->fd = fd;
	h->len = 0;
	h->cap = 0;
	h->dir = 0;
	h->source = HS_SRC_SYSCALL;
	h->pos_lo[0] = st->pos[0];
	h->pos_lo[1] = st->pos[1];
	h->pos_lo_set = 1;
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf)) {
		/* 5.11+: plain loads instead of two more helper calls, and of the helper's string
		 * copy (a name being changed at this moment may come out torn, as from /proc) */
		struct task_struct *task = bpf_get_current_task_btf();
		const u32 *src = (const u32 *)task->comm;
		u32 *dst = (u32 *)h->comm;

		h->pid = task->tgid;
		h->tid = task->pid;
		dst[0] = src[0];
		dst[1] = src[1];
		dst[2] = src[2];
		dst[3] = src[3];
	} else {
		u64 pid_tgid = bpf_get_current_pid_tgid();

		h->pid = pid_tgid >> 32;
		h->tid = (u32)pid_tgid;
		bpf_get_current_comm(h->comm, sizeof(h->comm));
	}
	h->family = st->family;
	h->lport = st->lport;
	h->rport = st->rport;
	__builtin_memcpy(h->laddr, st->laddr, sizeof(h->laddr));
	__builtin_memcpy(h->raddr, st->raddr, sizeof(h->raddr));
}

/* Send the scratch record with cap data bytes. The reader is woken once per wakeup_bytes
 * sent from this CPU, not per record (a wake-up is an interrupt; between them the reader
 * polls with a timeout), and without reading the ring's positions, which the reader's CPU
 * keeps writing. */
static __always_inline void submit(struct rec_buf *r, u32 cap)
{
	u64 flags = BPF_RB_NO_WAKEUP;

	if (cap > HS_CHUNK)
		cap = HS_CHUNK;
	r->h.cap = cap;
	r->unwoken += sizeof(r->h) + cap;
	if (r->unwoken >= wakeup_bytes) {
		r->unwoken = 0;
		flags = BPF_RB_FORCE_WAKEUP;
	}
	if (bpf_ringbuf_output(&events, r, sizeof(r->h) + cap, flags)) {
		count(HS_CNT_LOST_RECORDS, 1);
		count(HS_CNT_LOST_BYTES, cap);
	}
}

/* The bound path of one end of a Unix socket into buf; its length, 0 when unnamed. */
static __always_inline u16 unix_name(struct sock *sk, char *buf)
{
	struct unix_address *a;
	u32 n;

	if (!sk)
		return 0;
	a = BPF_CORE_READ((struct unix_sock *)sk, addr);
	if (!a)
		return 0;
	n = BPF_CORE_READ(a, len);	/* sun_family and the path */
	if (n <= sizeof(unsigned short) || n > sizeof(unsigned short) + HS_UNIX_PATH)
		return 0;
	n -= sizeof(unsigned short);
	if (bpf_probe_read_kernel(buf, n, (void *)a + bpf_core_field_offset(struct unix_address,
									    name) +
				  sizeof(unsigned short)))
		return 0;
	return n;
}

/* A Unix stream socket met for the first time: an OPEN record names its two ends (the peer
 * is the other end's socket: for a client, the server's, which carries the listener's name). */
static __noinline void unix_open(struct sock *sk, struct sock_state *st, s32 fd)
{
	struct hs_unix_names *n;
	struct rec_buf *r = scratch_rec();

	if (!r)
		return;
	fill_header(&r->h, HS_REC_OPEN, (u64)sk, fd, st);
	n = (struct hs_unix_names *)r->data;
	n->llen = unix_name(sk, n->local);
	n->rlen = unix_name(BPF_CORE_READ((struct unix_sock *)sk, peer), n->remote);
	r->h.len = sizeof(*n);
	submit(r, sizeof(*n));
}

static __always_inline void emit_simple(u32 type, u64 sock, s32 fd, u32 flags,
					const struct sock_state *st);

/* The traced process read the end of a socket. A TCP socket lives on until it is closed,
 * which a client may do long after it read a response that ends at the close: that response
 * is whole now, and said so once. A Unix stream socket ends there (no tcp_destroy_sock), and
 * its state goes, as its address may come back for another. Not for a server whose client
 * stopped sending after a request (shutdown(SHUT_WR), as nc -N and socat do): its response
 * is still to come. */
static __always_inline void read_eof(u64 sock)
{
	struct sock_state *st = bpf_map_lookup_elem(&socks, &sock);

	if (!st)
		return;
	if (st->family != AF_UNIX) {
		if (st->wanted && !st->eof) {
			st->eof = 1;
			emit_simple(HS_REC_CLOSE, sock, -1, HS_RF_EOF, st);
		}
		return;
	}
	if (st->unix_server && st->unix_last_in)
		return;
	if (st->wanted)
		emit_simple(HS_REC_CLOSE, sock, -1, 0, st);
	bpf_map_delete_elem(&socks, &sock);
}

/* Send the bytes gathered in the scratch record's data[] as one DATA record, then, when
 * skipped is not 0, one record that stands for that many bytes not captured. A global
 * function: the verifier walks it once, not at every place the copy loop calls it. */
__noinline int flush_data(u64 skipped)
{
	struct rec_buf *r = scratch_rec();
	struct cursor *c;

	if (!r)
		return 0;
	c = &r->c;
	if (c->fill) {
		r->h.flags = 0;
		r->h.pos = c->pos;
		r->h.len = c->fill;
		submit(r, c->fill);
		c->pos += c->fill;
		c->fill = 0;
	}
	if (skipped) {
		r->h.flags = HS_RF_UNCAPTURED;
		r->h.pos = c->pos;
		r->h.len = skipped;
		submit(r, 0);
		c->pos += skipped;
	}
	return 0;
}

/* Emit the left bytes of a finished call, from position r->h.pos on, as DATA records of up
 * to HS_CHUNK bytes each; the caller advances the socket's position by left. The bytes are
 * in one buffer at iov (iovcnt 0) or in an iovec array; small iovecs share a record (a
 * response's headers and body are one record, not two). At most max_capture bytes are copied
 * and one last record stands for the rest, so user space sees exactly what was not captured.
 * One flat loop keeps the verifier's work small: an iteration copies one chunk, starting on
 * the next iovec when it needs to. A global function with scalar arguments (5.6+): it is
 * verified once per program, not once per call site and caller's state. */
__noinline int emit_data(u64 iov, u32 iovcnt, u64 left)
{
	struct rec_buf *r = scratch_rec();
	struct cursor *c;

	if (!r)
		return 0;
	c = &r->c;
	c->iov = iov;
	c->cur = iov;
	c->cur_len = iovcnt ? 0 : left;
	c->left = left;
	c->pos = r->h.pos;
	c->budget = max_capture;
	c->idx = 0;
	c->iovcnt = iovcnt;
	c->fill = 0;
	for (int i = 0; i < HS_MAX_CHUNKS + HS_MAX_IOV; i++) {
		if (!c->left)
			break;
		if (!c->cur_len) {
			u32 k = c->idx & (HS_IOV_BATCH - 1);
			u64 m = c->iovcnt - c->idx;
			struct iovec *v = &c->v[k];

			if (c->idx >= c->iovcnt)
				break;
			/* a few iovecs per read: a writev of headers and body reads its array once */
			asm volatile("" : "+r"(m));
			if (m > HS_IOV_BATCH)
				m = HS_IOV_BATCH;
			if (!k && bpf_probe_read_user(c->v, m * sizeof(*v),
						      (void *)(c->iov + c->idx * sizeof(*v))))
				break;
			c->idx++;
			c->cur = (u64)v->iov_base;
			c->cur_len = v->iov_len < c->left ? v->iov_len : c->left;
			if (!c->cur_len)
				continue;
		}
		/* data[] is HS_CHUNK / 2 longer than a record: more bytes join a record only while
		 * it holds less than that, so the verifier can see every copy fits */
		if (c->fill >= HS_CHUNK / 2)
			flush_data(0);
		u32 off = c->fill & (HS_CHUNK / 2 - 1);
		u64 n = c->cur_len;

		if (n > HS_CHUNK - off)
			n = HS_CHUNK - off;
		if (n > c->budget)
			n = c->budget;
		if (n == 0 || n > HS_CHUNK)
			break;
		if (bpf_probe_read_user(r->data + off, n, (void *)c->cur))
			flush_data(n);
		else
			c->fill = off + n;
		c->cur += n;
		c->cur_len -= n;
		c->left -= n;
		c->budget -= n;
	}
	/* beyond the capture budget or the iovecs followed: one record for the rest */
	flush_data(c->left);
	if (c->left)
		count(HS_CNT_SNAPPED_BYTES, c->left);
	return 0;
}

/* Emit ret bytes of a finished call as records of the given source. Returns where the bytes
 * are when one record holds them all from the first, else NULL. */
static __always_inline const u8 *emit_call(struct call_args *a, struct sock_state *st, long ret,
					   u8 source)
{
	struct rec_buf *r = scratch_rec();
	u8 dir = a->dir & 1;

	if (!r)
		return NULL;
	fill_header(&r->h, HS_REC_DATA, a->sock, a->fd, st);
	r->h.dir = a->dir;
	r->h.source = source;
	r->h.pos = st->pos[dir];
	st->pos[dir] += ret;	/* every byte of the call, captured or not */

	if (a->kind == CALL_SENDFILE || a->kind == CALL_DISCARD) {
		/* bytes that were never in the caller's buffer */
		r->h.flags = HS_RF_UNCAPTURED | (a->kind == CALL_SENDFILE ? HS_RF_SENDFILE : 0);
		r->h.len = ret;
		submit(r, 0);
	} else if (a->kind == CALL_MSG) {
		struct user_msghdr *m = (struct user_msghdr *)a->buf;
		u64 iov = 0, cnt = 0;

		bpf_probe_read_user(&iov, sizeof(iov), &m->msg_iov);
		bpf_probe_read_user(&cnt, sizeof(cnt), &m->msg_iovlen);
		emit_data(iov, cnt ? cnt : 1, ret);
	} else if (a->kind == CALL_IOV) {
		emit_data(a->buf, a->iovcnt ? a->iovcnt : 1, ret);
	} else if (ret <= HS_CHUNK && ret <= max_capture) {
		/* one buffer, one record: most calls, without the cursor's set-up */
		u64 n = ret;

		asm volatile("" : "+r"(n));	/* bounds the register the copy uses */
		if (n > HS_CHUNK)
			return NULL;
		r->h.len = n;
		if (bpf_probe_read_user(r->data, n, (void *)a->buf)) {
			r->h.flags = HS_RF_UNCAPTURED;
			submit(r, 0);
		} else {
			submit(r, n);
			return r->data;
		}
	} else {
		emit_data(a->buf, 0, ret);
	}
	return NULL;
}

/* openssl.bpf.h */
struct ssl_thread;
static __always_inline struct ssl_thread *openssl_thread(u64 id);
static __always_inline void openssl_thread_exit(u64 id);
static __always_inline bool openssl_in_call(const struct ssl_thread *t);
static __always_inline bool openssl_seen(const struct ssl_thread *t, s32 fd);
static __always_inline bool openssl_on_sock(const struct ssl_thread *t, u64 sk);
static __always_inline struct ssl_thread *openssl_on_syscall(struct ssl_thread *t, u64 id, s32 fd,
							     u64 sock, long ret,
							     struct sock_state *st, u8 dir);
static __always_inline void openssl_read_seen(struct ssl_thread *t, s32 fd, const u8 *head);

/* The first four arguments of the current system call and its number (arg[4]), read at its
 * exit tracepoint or at a tracepoint inside it: the registers saved at entry are still in the
 * task's pt_regs (only the return value register changes), so no enter tracepoint and no map
 * entry per call are needed. Kernels before 5.15 lack bpf_task_pt_regs(); there the frame is
 * found at the top of the kernel stack as task_pt_regs() does on x86-64 (THREAD_SIZE 16 KiB,
 * no padding). */
#define HS_THREAD_SIZE 16384

/* x86-64: arguments in di, si, dx, r10; the call's number in orig_ax. regs is a typed
 * pointer: plain loads. */
static __always_inline void regs_args(const struct pt_regs *regs, u64 arg[5])
{
	arg[0] = regs->di;
	arg[1] = regs->si;
	arg[2] = regs->dx;
	arg[3] = regs->r10;
	arg[4] = regs->orig_ax;
}

static __always_inline bool syscall_args(u64 arg[5])
{
	struct pt_regs *regs;
	u64 v[9];

	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs)) {
		regs_args((struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf()), arg);
		return true;
	}
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	regs = (struct pt_regs *)((u64)BPF_CORE_READ(task, stack) + HS_THREAD_SIZE) - 1;
	/* r10, r9, r8, ax, cx, dx, si, di, orig_ax are adjacent in that order */
	if (bpf_probe_read_kernel(v, sizeof(v), &regs->r10))
		return false;
	arg[0] = v[7];
	arg[1] = v[6];
	arg[2] = v[5];
	arg[3] = v[0];
	arg[4] = v[8];
	return true;
}

#define MSG_PEEK 2
#define MSG_TRUNC 0x20

/* A read/write-family call moved ret bytes (or failed) on the TCP socket st: tell the TLS
 * state, then emit the bytes unless a TLS probe reports this socket's plaintext. */
static __always_inline void data_done(struct ssl_thread *t, u64 id, long ret, const u64 arg[5],
				      u8 dir, u8 kind, u64 sock, struct sock_state *st)
{
	struct call_args a = {};
	const u8 *head;

	t = openssl_on_syscall(t, id, arg[0], sock, ret, st, dir);
	/* a TLS probe reports this socket's plaintext: its ciphertext is not wanted */
	if (ret <= 0 || st->tls)
		return;
	if (st->family == AF_UNIX)
		st->unix_last_in = dir == HS_DIR_INGRESS;
	else if (dir == HS_DIR_INGRESS)
		sock_read_unseen(st, sock, ret);
	a.sock = sock;
	a.buf = arg[1];
	a.iovcnt = kind == CALL_IOV ? arg[2] : 0;
	a.fd = arg[0];
	a.dir = dir;
	a.kind = kind;
	head = emit_call(&a, st, ret, HS_SRC_SYSCALL);
	if (dir == HS_DIR_INGRESS)
		openssl_read_seen(t, arg[0], head);
}

/* The exit of a read/write-family call: emit the ret bytes it moved on a wanted TCP socket.
 * flags_arg: which argument holds a receive call's flags (recvfrom 3, recvmsg 2), else 0. */
static __always_inline int data_call(long ret, u8 dir, u8 kind, u8 flags_arg)
{
	u64 id = bpf_get_current_pid_tgid();
	struct ssl_thread *t;
	struct sock_state *st;
	u64 arg[5], sock;

	if (!traced(id))
		return 0;
	if (ret == 0 && dir == HS_DIR_INGRESS && syscall_args(arg)) {
		u64 ino;
		struct sock *sk = sock_of_fd(arg[0], &ino);

		if (sk)
			read_eof((u64)sk);
	}
	t = openssl_thread(id);
	/* a failed call moved no bytes; only a TLS library's own calls still tell its socket */
	if (ret <= 0 && !openssl_in_call(t))
		return 0;
	if (!syscall_args(arg))
		return 0;
	if (flags_arg && ret > 0) {
		/* MSG_PEEK leaves the bytes for the read that reports them; TCP's MSG_TRUNC
		 * consumes them without copying them to the buffer */
		if (arg[flags_arg & 3] & MSG_PEEK)
			return 0;
		if (arg[flags_arg & 3] & MSG_TRUNC)
			kind = CALL_DISCARD;
	}
	/* the TLS library's ciphertext again on the socket it used earlier in this call */
	if (openssl_seen(t, arg[0]))
		return 0;
	st = sock_of(arg[0], &sock, false);
	if (!st || !st->wanted)
		return 0;
	data_done(t, id, ret, arg, dir, kind, sock, st);
	return 0;
}

/* x86-64 numbers of the system calls whose bytes are captured */
enum {
	NR_READ = 0, NR_WRITE = 1, NR_READV = 19, NR_WRITEV = 20, NR_SENDFILE = 40, NR_CONNECT = 42,
	NR_SENDTO = 44, NR_RECVFROM = 45, NR_SENDMSG = 46, NR_RECVMSG = 47, NR_SPLICE = 275,
};

#define PF_IO_WORKER 0x10
#define PF_KTHREAD 0x00200000

/* The current system call's number and arguments, seen from a tracepoint inside it (6.5+
 * only, so typed pointers). Kernel threads and io_uring workers make no system call: their
 * saved registers are zero or copied from the task that started them. */
static __always_inline bool current_syscall(struct task_struct *task, u64 arg[5])
{
	if (task->flags & (PF_IO_WORKER | PF_KTHREAD))
		return false;
	regs_args((struct pt_regs *)bpf_task_pt_regs(task), arg);
	return true;
}

/* Linux 6.5+: the socket layer's own tracepoints, which name the socket, fire for every
 * sendmsg/recvmsg a system call makes (sendfile's too). The system call comes from the task's
 * registers. Only sockets pay for these; system call tracepoints slow down every system call
 * of every process. */
static __always_inline int sock_call(u64 sk, long ret, int flags, u8 dir)
{
	struct task_struct *task = bpf_get_current_task_btf();
	u64 id = (u64)task->tgid << 32 | (u32)task->pid;	/* one helper call instead of two */
	struct ssl_thread *t;
	struct sock_state *st;
	u64 arg[5];
	u8 kind;
	bool in;

	if (!traced(id))
		return 0;
	if (ret == 0 && dir == HS_DIR_INGRESS)
		read_eof(sk);
	t = openssl_thread(id);
	if (ret <= 0 && !openssl_in_call(t))
		return 0;
	/* the TLS library's ciphertext on the socket its call already uses: no need to know
	 * which system call this is */
	if (openssl_on_sock(t, sk))
		return 0;
	if (!current_syscall(task, arg))
		return 0;
	switch (arg[4]) {
	case NR_READ: case NR_RECVFROM:	kind = CALL_BUF; in = true; break;
	case NR_WRITE: case NR_SENDTO:	kind = CALL_BUF; in = false; break;
	case NR_READV:			kind = CALL_IOV; in = true; break;
	case NR_WRITEV:			kind = CALL_IOV; in = false; break;
	case NR_RECVMSG:		kind = CALL_MSG; in = true; break;
	case NR_SENDMSG:		kind = CALL_MSG; in = false; break;
	case NR_SENDFILE:		/* to a socket: never in the caller's memory */
	case NR_SPLICE:			kind = CALL_SENDFILE; in = false; break;
	default:			return 0;	/* io_uring, recvmmsg, ... */
	}
	/* a call of the other direction: the kernel's own use of some socket */
	if (in != (dir == HS_DIR_INGRESS))
		return 0;
	if (dir == HS_DIR_INGRESS && ret > 0) {
		if (flags & MSG_PEEK)
			return 0;
		if (flags & MSG_TRUNC)
			kind = CALL_DISCARD;
	}
	if (openssl_seen(t, arg[0]))
		return 0;
	st = bpf_map_lookup_elem(&socks, &sk);
	/* a Unix socket's state may outlive it (its end was not read): the inode tells */
	if (st && st->family == AF_UNIX && st->ino != sock_ino((struct sock *)sk))
		st = sock_new((struct sock *)sk, true, arg[0]);
	else if (!st)
		st = sock_new((struct sock *)sk, false, arg[0]);
	if (!st || !st->wanted)
		return 0;
	data_done(t, id, ret, arg, dir, kind, sk, st);
	return 0;
}

SEC("raw_tp/sock_recv_length")
int BPF_PROG(sock_recv, struct sock *sk, int ret, int flags)
{
	return sock_call((u64)sk, ret, flags, HS_DIR_INGRESS);
}

SEC("raw_tp/sock_send_length")
int BPF_PROG(sock_send, struct sock *sk, int ret, int flags)
{
	return sock_call((u64)sk, ret, flags, HS_DIR_EGRESS);
}

/* Plaintext seen by a TLS probe (OpenSSL, Go crypto/tls) for socket fd of the current process
 * (sock: its struct sock when the probe already knows it, else 0). The first time, the socket
 * becomes a TLS socket: its ciphertext is no longer reported by the syscall hooks and
 * positions restart at 0 for the plaintext. */
static __always_inline void emit_plaintext(s32 fd, u64 sock, u8 dir, u64 buf, u64 len,
					   u8 source)
{
	struct call_args a = { .sock = sock };
	struct sock_state *st = NULL;

	if (!len)
		return;
	if (sock)
		st = bpf_map_lookup_elem(&socks, &sock);
	if (!st)
		st = sock_of(fd, &a.sock, false);
	if (!st || !st->wanted)
		return;
	sock_set_tls(st);
	a.buf = buf;
	a.fd = fd;
	a.dir = dir;
	a.kind = CALL_BUF;
	emit_call(&a, st, len, source);
}

SEC("tracepoint/syscalls/sys_exit_read")
int exit_read(struct trace_event_raw_sys_exit *ctx)
{
	return data_call(ctx->ret, HS_DIR_INGRESS, CALL_BUF, 0);
}

SEC("tracepoint/syscalls/sys_exit_recvfrom")
int exit_recvfrom(struct trace_event_raw_sys_exit *ctx)
{
	return data_call(ctx->ret, HS_DIR_INGRESS, CALL_BUF, 3);
}

SEC("tracepoint/syscalls/sys_exit_readv")
int exit_readv(struct trace_event_raw_sys_exit *ctx)
{
	return data_call(ctx->ret, HS_DIR_INGRESS, CALL_IOV, 0);
}

SEC("tracepoint/syscalls/sys_exit_recvmsg")
int exit_recvmsg(struct trace_event_raw_sys_exit *ctx)
{
	return data_call(ctx->ret, HS_DIR_INGRESS, CALL_MSG, 2);
}

SEC("tracepoint/syscalls/sys_exit_write")
int exit_write(struct trace_event_raw_sys_exit *ctx)
{
	return data_call(ctx->ret, HS_DIR_EGRESS, CALL_BUF, 0);
}

SEC("tracepoint/syscalls/sys_exit_sendto")
int exit_sendto(struct trace_event_raw_sys_exit *ctx)
{
	return data_call(ctx->ret, HS_DIR_EGRESS, CALL_BUF, 0);
}

SEC("tracepoint/syscalls/sys_exit_writev")
int exit_writev(struct trace_event_raw_sys_exit *ctx)
{
	return data_call(ctx->ret, HS_DIR_EGRESS, CALL_IOV, 0);
}

SEC("tracepoint/syscalls/sys_exit_sendmsg")
int exit_sendmsg(struct trace_event_raw_sys_exit *ctx)
{
	return data_call(ctx->ret, HS_DIR_EGRESS, CALL_MSG, 0);
}

SEC("tracepoint/syscalls/sys_exit_sendfile64")
int exit_sendfile(struct trace_event_raw_sys_exit *ctx)
{
	return data_call(ctx->ret, HS_DIR_EGRESS, CALL_SENDFILE, 0);
}

/* splice() between a pipe and a socket: bytes that never pass through user memory, counted
 * as they go (the socket tracepoints see the sending end as a socket send) */
SEC("tracepoint/syscalls/sys_exit_splice")
int exit_splice(struct trace_event_raw_sys_exit *ctx)
{
	u64 id = bpf_get_current_pid_tgid(), arg[5], sock;
	struct sock_state *st;
	u8 dir = HS_DIR_INGRESS;

	if (ctx->ret <= 0 || !traced(id) || !syscall_args(arg))
		return 0;
	/* splice(fd_in, off_in, fd_out, off_out, len, flags) */
	st = sock_of(arg[0], &sock, false);
	if (!st) {
		dir = HS_DIR_EGRESS;
		arg[0] = arg[2];
		st = sock_of(arg[0], &sock, false);
	}
	if (st && st->wanted)
		data_done(openssl_thread(id), id, ctx->ret, arg, dir,
			  dir == HS_DIR_EGRESS ? CALL_SENDFILE : CALL_DISCARD, sock, st);
	return 0;
}

/* Connection lifecycle: connect/accept give the role, the socket's destruction frees its state. */

static __always_inline void emit_simple(u32 type, u64 sock, s32 fd, u32 flags,
					const struct sock_state *st)
{
	struct rec_buf *r = scratch_rec();

	if (!r)
		return;
	fill_header(&r->h, type, sock, fd, st);
	r->h.flags = flags;
	if (type == HS_REC_CLOSE) {
		/* where the process's reading ended */
		r->h.dir = HS_DIR_INGRESS;
		r->h.pos = st->pos[HS_DIR_INGRESS];
		/* sent from whatever context destroys the socket: the process is not known */
		r->h.pid = 0;
		r->h.tid = 0;
		__builtin_memset(r->h.comm, 0, sizeof(r->h.comm));
	}
	submit(r, 0);
}

SEC("tracepoint/syscalls/sys_exit_connect")
int exit_connect(struct trace_event_raw_sys_exit *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	struct sock_state *st;
	u64 arg[5], sock;

	/* 0, or -EINPROGRESS (-115) for a non-blocking connect */
	if ((ctx->ret != 0 && ctx->ret != -115) || !traced(id) || !syscall_args(arg))
		return 0;
	st = sock_of(arg[0], &sock, true);
	/* a Unix socket's OPEN, with its names, came with its state */
	if (st && st->wanted && st->family != AF_UNIX)
		emit_simple(HS_REC_OPEN, sock, arg[0], HS_RF_CONNECT, st);
	return 0;
}

static __always_inline int exit_accept(long ret)
{
	u64 id = bpf_get_current_pid_tgid();
	struct sock_state *st;
	u64 sock;

	if (ret < 0 || !traced(id))
		return 0;
	st = sock_of(ret, &sock, true);
	if (st && st->wanted && st->family != AF_UNIX)
		emit_simple(HS_REC_OPEN, sock, ret, HS_RF_ACCEPT, st);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept")
int exit_accept_(struct trace_event_raw_sys_exit *ctx) { return exit_accept(ctx->ret); }
SEC("tracepoint/syscalls/sys_exit_accept4")
int exit_accept4(struct trace_event_raw_sys_exit *ctx) { return exit_accept(ctx->ret); }

/* The kernel destroys a TCP socket: after the FIN handshake (or a reset) of a socket no process
 * holds any more, or when the last fd of a socket that already reached TCP_CLOSE is closed.
 * Either way no byte of it can be read or written again. Unlike close() this sees every end,
 * also dup2(), close_range() and exit, and only the real one: a child closing an inherited
 * copy does not end its parent's connection. It runs in any context (often a softirq). The
 * tracepoint's first field, after the 8-byte common header, has been the struct sock address
 * since it appeared (4.16). */
struct tcp_destroy_args {
	u64 common;
	u64 skaddr;
};

SEC("tracepoint/tcp/tcp_destroy_sock")
int tcp_destroy(struct tcp_destroy_args *ctx)
{
	u64 sock = ctx->skaddr;
	struct sock_state *st = bpf_map_lookup_elem(&socks, &sock);

	if (!st)
		return 0;
	if (st->wanted) {
		/* what the process read last without a call the hooks see (splice) */
		if (!st->tls)
			sock_read_unseen(st, sock, 0);
		emit_simple(HS_REC_CLOSE, sock, -1, 0, st);
	}
	bpf_map_delete_elem(&socks, &sock);
	return 0;
}

#define TCP_SYN_SENT 2
#define TCP_SYN_RECV 3

/* With the socket tracepoints: a socket starts over when it connects (in the connecting
 * task) or is made by a listener (in any context). */
SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(sock_state_change, struct sock *sk, int oldstate, int newstate)
{
	u64 id = bpf_get_current_pid_tgid(), sock = (u64)sk, arg[5];
	struct sock_state st = {};

	if (newstate != TCP_SYN_SENT && newstate != TCP_SYN_RECV)
		return 0;
	bpf_map_delete_elem(&socks, &sock);
	if (newstate != TCP_SYN_SENT || !traced(id) || !current_syscall(bpf_get_current_task_btf(), arg) ||
	    arg[4] != NR_CONNECT)
		return 0;
	/* no state is kept: the kernel picks the local port (and an IPv6 socket's mapped IPv4
	 * address) after SYN_SENT, and the socket's first call makes its state */
	if (sock_read(sk, &st) && st.wanted)
		emit_simple(HS_REC_OPEN, sock, arg[0], HS_RF_CONNECT, &st);
	return 0;
}

/* A lifecycle record of the current task with no socket (EXIT, FORK). */
static __always_inline void emit_task(u32 type, u64 id, u32 tid, u32 flags)
{
	struct rec_buf *r = scratch_rec();

	if (!r)
		return;
	__builtin_memset(&r->h, 0, sizeof(r->h));
	r->h.type = type;
	r->h.ts_ns = bpf_ktime_get_ns();
	r->h.pid = id >> 32;
	r->h.tid = tid;
	r->h.fd = -1;
	r->h.flags = flags;
	bpf_get_current_comm(r->h.comm, sizeof(r->h.comm));
	if (type == HS_REC_FORK && !flags)
		r->unwoken = wakeup_bytes;	/* now: user space hooks the new process's TLS */
	submit(r, 0);
}

SEC("tracepoint/sched/sched_process_exit")
int process_exit(void *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	u32 tid = id, tgid = id >> 32;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	/* the process ends with its last thread, which need not be its leader: a main thread
	 * may end first (pthread_exit()), and a thread that runs execve() kills the leader and
	 * takes its id. do_exit() has already counted this thread out of signal->live. */
	bool group_dead = BPF_CORE_READ(task, signal, live.counter) == 0;

	openssl_thread_exit(id);
	/* for the other threads only the thread's TLS state matters */
	if (group_dead && traced(id))
		emit_task(HS_REC_EXIT, id, tid, 0);
	/* -f: a followed task's id may come back for an unrelated process; a process's entry
	 * (its tgid) goes with its last thread, a thread's with the thread */
	if (follow_forks && tid != tgid)
		bpf_map_delete_elem(&pids, &tid);
	if (follow_forks && group_dead)
		bpf_map_delete_elem(&pids, &tgid);
	return 0;
}

/* -f: a traced process made a task, in its own context. Whether it is a process or a thread
 * the tracepoint does not tell: the id is traced at once (a process's first system calls
 * count too), and user space, told by the record, drops the ids of threads. Only attached
 * with -f. */
SEC("tracepoint/sched/sched_process_fork")
int process_fork(struct trace_event_raw_sched_process_fork *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	u32 child = ctx->child_pid;
	u8 one = 1;

	if (!follow_forks || !traced(id))
		return 0;
	if (bpf_map_update_elem(&pids, &child, &one, BPF_NOEXIST))
		return 0;	/* full: user space learns nothing, the task is not traced */
	emit_task(HS_REC_FORK, id, child, 0);
	return 0;
}

/* Without -f: a traced process started another process (not a thread), which is not traced.
 * User space says so once, as the connections of a server that forks per connection, or of
 * workers started later, would otherwise go by with no word. Attached with -p and no -f. */
SEC("raw_tp/sched_process_fork")
int BPF_PROG(process_spawn, struct task_struct *parent, struct task_struct *child)
{
	u64 id = bpf_get_current_pid_tgid();

	if (!traced(id) || BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	emit_task(HS_REC_FORK, id, BPF_CORE_READ(child, pid), HS_RF_UNTRACED);
	return 0;
}

/* Set after load by user space: report each execve() of a traced process at once (forced
 * wake-up), so that the TLS probes of the new program (OpenSSL linked into it, as in node,
 * or Go) can be attached before its first request in most cases. */
volatile __u8 follow_exec = 0;

SEC("tracepoint/sched/sched_process_exec")
int process_exec(void *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	struct hs_rec r = {};

	if (!follow_exec || !traced(id))
		return 0;
	r.type = HS_REC_EXEC;
	r.ts_ns = bpf_ktime_get_ns();
	r.cgroup_id = bpf_get_current_cgroup_id();
	r.pid = id >> 32;
	r.tid = (u32)id;
	r.fd = -1;
	bpf_get_current_comm(r.comm, sizeof(r.comm));
	if (bpf_ringbuf_output(&events, &r, sizeof(r), BPF_RB_FORCE_WAKEUP))
		count(HS_CNT_LOST_RECORDS, 1);
	return 0;
}

/* Each uprobe program twice: one for perf event links, one for uprobe_multi links (Linux 6.6+),
 * which the kernel keeps apart by the program's expected attach type. lib/capture.c finds a
 * program's twin by its "_m" name and loads it only where such links exist. */
#define UPROBE_TWINS(name, call) \
	SEC("uprobe") int name(struct pt_regs *ctx) { return call; } \
	SEC("uprobe") int name##_m(struct pt_regs *ctx) { return call; }

#include "openssl.bpf.h"
#include "gotls.bpf.h"
