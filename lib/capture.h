/* capture.h: loading the embedded BPF programs, attaching them, reading their records. */
#ifndef HS_CAPTURE_H
#define HS_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpsnoop.h"

struct hs_capture_opts {
	const uint32_t *pids;		/* tgids to trace; none: every process */
	size_t npids;
	const uint64_t *cgroups;	/* cgroup v2 ids to trace; none: all */
	size_t ncgroups;
	const char *const *comms;	/* command names (as in /proc/PID/comm) to trace */
	size_t ncomms;
	const uint16_t *ports;		/* sockets with one of these local or remote ports */
	size_t nports;
	const uint8_t (*hosts)[16];	/* sockets with one of these remote addresses (IPv4:
					 * first 4 bytes, rest 0) */
	size_t nhosts;
	uint32_t max_capture;		/* bytes copied per call; 0: default (2 MiB) */
	size_t ring_bytes;		/* ring buffer size; 0: default (8 MiB) */
	int follow_forks;		/* with pids: tasks they make are traced (HS_REC_FORK) */
};

/* Whether record r, read from a file (-r), passes the process and connection filters of o
 * (pids, comms, ports, hosts; not cgroups) as the kernel decides them in a live capture. Only
 * DATA records are filtered: the others make no connection, and end connections by socket
 * or by process, whichever they belong to. */
bool hs_capture_wants(const struct hs_capture_opts *o, const struct hs_rec *r);

/* Called for each record, in ring order; data is valid during the call only. */
typedef void (*hs_record_fn)(const void *data, size_t size, void *ctx);

struct hs_capture;

/* Checks that BPF capture can work here; on failure returns negative errno and a one-line
 * reason with a hint in why (not root, kernel < 5.8, no BTF, no tracefs or tracepoints). */
int hs_capture_check(char *why, size_t whylen);
/* Whether socket bytes come from the socket layer's tracepoints (Linux 6.5+), which cost
 * nothing to other system calls, rather than from system call tracepoints.
 * HTTPSNOOP_HOOKS=syscalls in the environment forces the latter. */
int hs_capture_sock_hooks(void);
int hs_capture_open(struct hs_capture **out, const struct hs_capture_opts *o, hs_record_fn fn,
		    void *ctx, char *why, size_t whylen);
/* Waits up to timeout_ms for records and hands them to fn. Returns records read or -errno;
 * -EPIPE as soon as out_fd (where the output goes, -1: not watched) is a pipe or socket
 * whose reader has gone, as after "| head -1", without waiting for the next write. */
int hs_capture_poll(struct hs_capture *c, int timeout_ms, int out_fd);
struct bpf_map;
struct bpf_link;

/* Entries 0..n-1 of a per-CPU array map of u64 counters, each summed over CPUs. */
int hs_percpu_sum(const struct bpf_map *map, uint32_t n, uint64_t *out);
/* -f: stop tracing task id tid that an HS_REC_FORK record announced (it is a thread, or
 * gone, or one process too many). */
void hs_capture_unfollow(struct hs_capture *c, uint32_t tid);
/* --container: the cgroups traced become cur[0..ncur) instead of old[0..nold). */
void hs_capture_set_cgroups(struct hs_capture *c, const uint64_t *old, size_t nold,
			    const uint64_t *cur, size_t ncur);
/* Asks for an HS_REC_EXEC record, with a wake-up, at each execve() of a traced process: the
 * new program's TLS libraries are hooked from it. */
void hs_capture_follow_exec(struct hs_capture *c);
struct bpf_program;

/* A probe's link: libbpf's (l), or the descriptor of a uprobe_multi link (fd >= 0). */
struct hs_link {
	struct bpf_link *l;
	int fd;
};

/* Attaches prog at the n offsets off[] of the file at path, as return probes when ret, for
 * process pid (-1: every process), appending its links to out[*nout]. On Linux 6.6+ that is
 * one uprobe_multi link (the program's "_m" twin): removing it waits for one grace period,
 * not one per offset, under no lock, whereas each uprobe perf event's removal holds the
 * lock that opening any other one takes (another httpsnoop starting meanwhile waited for
 * seconds). Elsewhere, or with HTTPSNOOP_UPROBES=perf, one perf event link per offset.
 * cookie (not 0) is what bpf_get_attach_cookie() gives the program at each offset:
 * -EOPNOTSUPP where the kernel has no cookies for uprobes (before 5.15). All or nothing:
 * returns 0 or -errno. */
int hs_uprobes_attach(struct bpf_program *prog, int pid, const char *path, const uint64_t *off,
		      size_t n, int ret, uint64_t cookie, struct hs_link *out, size_t *nout);
/* Whether hs_uprobes_attach() makes uprobe_multi links (after hs_capture_open()). */
int hs_capture_uprobe_multi(void);
/* Destroys a probe's link on a helper thread: in the kernel each waits for a grace period
 * (30-100 ms on the test VMs), which would stall decoding when -f forgets an exited
 * process. hs_capture_free() waits for all of them. An empty link is ignored. */
void hs_link_reap(struct hs_link l);
/* Where tracefs is mounted (mounted at /sys/kernel/tracing when it was not), or NULL. */
const char *hs_tracefs_dir(void);
/* Links handed to hs_link_reap() and not destroyed yet. */
size_t hs_link_reaping(void);
/* Kernel-side counters summed over CPUs (enum hs_counter). */
int hs_capture_counters(struct hs_capture *c, uint64_t out[HS_CNT_MAX]);
void hs_capture_free(struct hs_capture *c);

/* The loaded skeleton, for attaching uprobes (lib/tls.c, lib/gotls.c). */
struct httpsnoop_bpf *hs_capture_skel(struct hs_capture *c);

#endif
