/* tls.h: finding the OpenSSL (shared libssl or linked into the executable) and the GnuTLS of
 * traced processes and attaching the uprobes of bpf/openssl.bpf.h. */
#ifndef HS_TLS_H
#define HS_TLS_H

#include <stddef.h>
#include <stdint.h>

struct httpsnoop_bpf;

enum hs_tls_state {
	HS_TLS_NONE = 0,	/* no TLS library found (yet) */
	HS_TLS_HOOKED,		/* probes attached */
	HS_TLS_FAILED,		/* a TLS library found, probes not attached: see why */
	HS_TLS_GONE,		/* the process ended */
};

/* What was found: one entry per target process with a PID filter, one per library
 * (pid 0) when every process is traced. */
struct hs_tls_target {
	uint32_t pid;
	char comm[16];
	enum hs_tls_state state;
	const char *impl;	/* "OpenSSL" or "GnuTLS" */
	char lib[32];		/* "libssl.so.3", or the executable's name ("node") */
	char path[256];		/* the file as the process maps it */
	char why[192];		/* NONE, FAILED: a one-line reason */
	unsigned changed;	/* set when the entry changed; the caller clears it */
	unsigned told;		/* libraries told as hooked, 1 << their kind */
};

struct hs_tls_opts {
	const uint32_t *pids;	/* attach for these processes only; none: every process */
	size_t npids;
	int probe_only;		/* benchmark baseline: probes only count, syscall hooks detached */
	int inherit;		/* -f: the probes of pids are inherited by the processes they
				 * start from then on, at fork (which are hooked too: see tls.c) */
};

enum hs_tls_counter {
	HS_TLS_CNT_CALLS = 0,	/* SSL calls of traced processes */
	HS_TLS_CNT_BYTES,	/* plaintext bytes emitted */
	HS_TLS_CNT_NOFD,	/* calls dropped: no socket could be found */
	HS_TLS_CNT_DEFERRED,	/* SSL_write bytes emitted at the socket write that followed */
	HS_TLS_CNT_PROBE_HITS,	/* probe-only mode: probe hits */
	HS_TLS_CNT_MAX,
};

struct hs_tls;

/* Looks for OpenSSL and GnuTLS in the targets (or in every running process and the usual
 * library directories) and attaches. Failures to attach are not errors: they are in the targets.
 * Returns 0 or negative errno (out of memory, bad skeleton). */
int hs_tls_open(struct hs_tls **out, struct httpsnoop_bpf *skel, const struct hs_tls_opts *o);
/* Looks again: targets that loaded a TLS library since (Python imports ssl late; a hooked
 * target may load a second one), processes started since (every-process mode). Returns the
 * number of new attachments or -errno. */
int hs_tls_rescan(struct hs_tls *t);
/* With a PID filter: looks at pid (a new target, or with exec set one that called execve)
 * and attaches to the TLS libraries it maps; after an execve also to those of the usual
 * library directories, which its loader has not mapped yet (hs_tls_open() does that for the
 * targets it is given). In every-process mode: pid has just called execve; it is looked at
 * now and a few more times in its first seconds (hs_tls_look_again). Returns the number of
 * new attachments or -errno. */
int hs_tls_add_pid(struct hs_tls *t, uint32_t pid, int exec);
/* Every-process mode: the looks hs_tls_add_pid() left for later that are due. Returns the
 * ms until the next one, -1 when none waits. */
int hs_tls_look_again(struct hs_tls *t);
/* pid has exited. With a PID filter, its probes are detached and its target dropped; in
 * every-process mode, the looks left for it are. */
void hs_tls_forget_pid(struct hs_tls *t, uint32_t pid);
/* The targets, in the order they were found. Valid until the next call into t. */
struct hs_tls_target *hs_tls_targets(struct hs_tls *t, size_t *n);
/* The name of the TLS library whose plaintext pid produced ("libssl.so.3", "node",
 * "libgnutls.so.30.34.3"; gnutls: the source was GnuTLS), or "openssl" / "gnutls" when it
 * cannot be told any more. */
void hs_tls_lib_name(struct hs_tls *t, uint32_t pid, int gnutls, char *buf, size_t len);
/* Whether process pid has a TLS library that is hooked (for it, or for every process): 1, 0,
 * or -1 when that cannot be told (the process is gone). */
int hs_tls_hooked(const struct hs_tls *t, uint32_t pid);
/* Kernel-side counters summed over CPUs. */
int hs_tls_counters(struct hs_tls *t, uint64_t out[HS_TLS_CNT_MAX]);
void hs_tls_free(struct hs_tls *t);
/* -f: removes the tracefs uprobe events of httpsnoop processes that are gone (killed, or
 * ended before their probes were), unless still in use. */
void hs_tls_sweep_events(void);

/* Exposed for tests: file offsets of SSL_read, SSL_write, SSL_read_ex, SSL_write_ex and
 * SSL_free (past its NULL check when it starts with one) in the ELF file at path (0 where
 * absent), and of the internal functions the first four wrap (ssl_read_internal,
 * ssl_write_internal: found as the function both SSL_read_ex and SSL_read call; 0 when not
 * certain). Returns 0 when at least SSL_read and SSL_write are there, -ENOENT when they are
 * not, other -errno on unreadable files. */
int hs_tls_elf_offsets(const char *path, uint64_t off[5], uint64_t int_off[2]);

#endif
