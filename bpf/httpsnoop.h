/* httpsnoop.h: the ABI between the BPF programs and user space: records and constants.
 * Fixed-width types only, no pointers; both sides include this file. */
#ifndef HS_ABI_H
#define HS_ABI_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define HS_COMM_LEN 16
#define HS_CHUNK 16384		/* data bytes per record; a larger call spans records */
#ifndef HS_MAX_CHUNKS
#define HS_MAX_CHUNKS 128
#endif	/* chunks per buffer: 2 MiB captured per call at most */
#define HS_MAX_IOV 64		/* iovecs followed per readv/writev/sendmsg/recvmsg, more when
				 * the call's bytes leave chunks unused (node writes a corked
				 * chunk as four iovecs); each costs verifier time at load */
#define HS_MAX_PIDS 4096
#define HS_PID_LIST 8		/* up to this many -p targets are compared inline */
#define HS_MAX_CGROUPS 64
#define HS_MAX_SOCKS 65536
#define HS_RING_BYTES (8 << 20)	/* the ring buffer's default size (-B) */
#define HS_RING_MAX_KIB (1 << 20)	/* -B's largest */
#define HS_MAX_FILTERS 256	/* --comm, --port, --host values each */

enum hs_rec_type {
	HS_REC_DATA = 1,	/* bytes (or a count of uncaptured bytes) of one direction */
	HS_REC_OPEN = 2,	/* connect() or accept() returned a TCP socket; or a Unix stream
				 * socket was first seen (family AF_UNIX, struct hs_unix_names
				 * after the header) */
	HS_REC_CLOSE = 3,	/* a TCP socket was destroyed (no pid: any context), or the traced
				 * process read the end of a Unix stream socket; pos: where the
				 * reading (dir HS_DIR_INGRESS) ended, unseen bytes included */
	HS_REC_EXIT = 4,	/* a process exited: its sockets are gone */
	HS_REC_EXEC = 5,	/* a traced process called execve(): its executable changed */
	HS_REC_FORK = 6,	/* a traced process made a task (tid: its id), now traced too */
	HS_REC_TLSLIB = 7,	/* capture files only, written by httpsnoop itself: the name of
				 * the TLS library (source) of process pid, cap bytes after the
				 * header, for -r, which cannot look at the process */
};

enum hs_dir {
	HS_DIR_EGRESS = 0,	/* written/sent by the traced process */
	HS_DIR_INGRESS = 1,	/* read/received by the traced process */
};

enum hs_src {
	HS_SRC_SYSCALL = 0,
	HS_SRC_OPENSSL = 1,
	HS_SRC_GOTLS = 2,
	HS_SRC_GNUTLS = 3,
};

enum hs_rec_flag {
	HS_RF_UNCAPTURED = 1 << 0,	/* len bytes happened but were not copied (snap, sendfile) */
	HS_RF_SENDFILE = 1 << 1,	/* from sendfile() or splice(): never in user memory */
	HS_RF_ACCEPT = 1 << 2,		/* OPEN: from accept (system call hooks only) */
	HS_RF_CONNECT = 1 << 3,		/* OPEN: the socket came from connect (client side) */
	HS_RF_UNTRACED = 1 << 4,	/* FORK: a process a target started, not traced (no -f) */
	HS_RF_EOF = 1 << 5,		/* CLOSE: the process read the end of a TCP stream, whose
					 * socket lives on (a close-delimited body is whole) */
};

enum hs_counter {
	HS_CNT_LOST_RECORDS = 0,	/* records that did not fit in the ring buffer */
	HS_CNT_LOST_BYTES,		/* data bytes in those records */
	HS_CNT_SNAPPED_BYTES,		/* bytes beyond the per-call capture limit */
	HS_CNT_MAX,
};

/* Every record starts with this header; DATA records carry cap bytes after it. */
struct hs_rec {
	__u32 type;		/* enum hs_rec_type */
	__u32 flags;		/* enum hs_rec_flag */
	__u64 ts_ns;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 sock;		/* kernel address of struct sock: identity while it lives */
	__u64 pos;		/* DATA: offset of these bytes in their direction (a jump: bytes
				 * moved unseen, by splice() or io_uring) */
	__u64 cgroup_id;
	__u32 pid;		/* tgid */
	__u32 tid;
	__s32 fd;
	__u32 len;		/* DATA: bytes this record stands for */
	__u32 cap;		/* DATA: bytes copied after the header (<= len) */
	__u16 family;		/* AF_INET / AF_INET6 / AF_UNIX (no ports, no addresses) */
	__u16 lport;		/* host byte order */
	__u16 rport;
	__u8 dir;		/* enum hs_dir */
	__u8 source;		/* enum hs_src */
	__u8 laddr[16];		/* network byte order; IPv4 in the first 4 bytes */
	__u8 raddr[16];
	char comm[HS_COMM_LEN];
	__u32 pos_lo[2];	/* the socket's position in each direction when the record was
				 * made (low 32 bits): the other direction's tells of bytes lost */
	__u8 pos_lo_set;	/* pos_lo is there (captures written before it have 0) */
	__u8 pad[3];
};

_Static_assert(sizeof(struct hs_rec) == 128, "hs_rec is part of the ABI");

#define HS_UNIX_PATH 108	/* sun_path */

/* The names of a Unix stream socket's two ends (an OPEN record's payload): the bound path of
 * each, as many bytes as it has (0: unnamed, as a connecting client's end; a first byte 0:
 * Linux's abstract namespace). */
struct hs_unix_names {
	__u16 llen;
	__u16 rlen;
	char local[HS_UNIX_PATH];
	char remote[HS_UNIX_PATH];
};

#endif
