/* vmlinux_min.h: the few kernel types the BPF programs read, declared by hand.
 *
 * Every struct is marked preserve_access_index, so clang records each field access as a
 * CO-RE relocation and libbpf resolves it against the running kernel's BTF at load time:
 * field offsets, and the anonymous unions that wrap some of them, come from the kernel,
 * not from this file. This keeps the build independent of /sys/kernel/btf/vmlinux on the
 * build machine (see docs/ARCHITECTURE.md, "vmlinux.h"). */
#ifndef HS_VMLINUX_MIN_H
#define HS_VMLINUX_MIN_H

typedef unsigned char __u8;
typedef signed char __s8;
typedef unsigned short __u16;
typedef short __s16;
typedef unsigned int __u32;
typedef int __s32;
typedef unsigned long long __u64;
typedef long long __s64;
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __s32 s32;
typedef __u64 u64;
typedef __s64 s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;
typedef unsigned short umode_t;
typedef long long loff_t;
typedef unsigned long size_t;

#define true 1
#define false 0
#define NULL ((void *)0)

enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_RINGBUF = 27,
};

/* Only to ask the running kernel whether it has a helper (bpf_core_enum_value_exists). */
enum bpf_func_id {
	BPF_FUNC_get_current_task_btf = 158,
	BPF_FUNC_get_attach_cookie = 174,
	BPF_FUNC_task_pt_regs = 175,
};

enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
	BPF_EXIST = 2,
};

enum {
	BPF_RB_NO_WAKEUP = 1,
	BPF_RB_FORCE_WAKEUP = 2,
};

enum {
	BPF_RB_AVAIL_DATA = 0,
};

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct in6_addr {
	union {
		__u8 u6_addr8[16];
	} in6_u;
};

struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	unsigned long skc_flags;	/* sk_flags */
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
};

struct sock {
	struct sock_common __sk_common;
	struct socket *sk_socket;
	__u16 sk_type;
	__u16 sk_protocol;
};

struct sockaddr_un {
	unsigned short sun_family;
	char sun_path[108];
};

struct unix_address {
	int len;			/* of name: sun_family and the path */
	struct sockaddr_un name[];
};

struct unix_sock {
	struct unix_address *addr;	/* bound name (an accepted socket: its listener's) */
	struct sock *peer;
};

struct tcp_sock {
	__u32 rcv_nxt;		/* next sequence number expected from the peer */
	__u32 copied_seq;	/* next one the process will read */
};

struct socket {
	short type;
	struct file *file;
	struct sock *sk;
};

struct inode {
	umode_t i_mode;
	unsigned long i_ino;
};

/* a socket and its inode are allocated together */
struct socket_alloc {
	struct socket socket;
	struct inode vfs_inode;
};

struct file {
	struct inode *f_inode;
	void *private_data;
};

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
};

struct files_struct {
	struct fdtable *fdt;
};

typedef struct {
	int counter;
} atomic_t;

struct signal_struct {
	atomic_t live;		/* threads not yet past do_exit()'s start */
};

struct task_struct {
	unsigned int flags;
	void *stack;
	int pid;
	int tgid;
	struct files_struct *files;
	struct task_struct *group_leader;
	struct signal_struct *signal;
	char comm[16];
};

/* x86-64 register frame seen by uprobes; bpf_tracing.h reads it by field name. */
struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};

#pragma clang attribute pop

/* Tracepoint contexts: raw layouts fixed by the tracepoint format files. */
struct trace_entry {
	unsigned short type;
	unsigned char flags;
	unsigned char preempt_count;
	int pid;
};

struct trace_event_raw_sys_exit {
	struct trace_entry ent;
	long id;
	long ret;
};

/* Its comm fields became 4-byte __data_loc in 6.10, which moved child_pid: CO-RE finds the
 * field by name in the running kernel's BTF. */
struct trace_event_raw_sched_process_fork {
	int child_pid;
} __attribute__((preserve_access_index));

struct trace_event_raw_sched_process_template {
	struct trace_entry ent;
	char comm[16];
	int pid;
	int prio;
};

/* User-space layouts read with bpf_probe_read_user (LP64 ABI). */
struct iovec {
	void *iov_base;
	size_t iov_len;
};

struct user_msghdr {
	void *msg_name;
	int msg_namelen;
	struct iovec *msg_iov;
	size_t msg_iovlen;
	void *msg_control;
	size_t msg_controllen;
	unsigned int msg_flags;
};

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define IPPROTO_TCP 6
#define S_IFMT 00170000
#define S_IFSOCK 0140000

#endif
