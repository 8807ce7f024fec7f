/* gotls.h: attaching the Go crypto/tls uprobes (bpf/gotls.bpf.h) to Go executables. */
#ifndef HS_GOTLS_H
#define HS_GOTLS_H

#include <stddef.h>
#include <stdint.h>

#include "capture.h"

/* One line of diagnostics (no newline), e.g. "pid 42 (srv): go1.19.8, Read 4 RETs, ...".
 * failed: a Go program whose TLS will not be seen (or one that could not be read to tell),
 * worth saying without -v. */
typedef void (*hs_gotls_note_fn)(const char *msg, int failed, void *ctx);

struct hs_gotls;

/* note may be NULL. NULL on ENOMEM. */
struct hs_gotls *hs_gotls_new(struct hs_capture *c, hs_gotls_note_fn note, void *ctx);

/*
 * Analyses the executable of process pid (/proc/PID/exe) and, when it is a Go program that
 * links crypto/tls, attaches the probes for that process only. Returns 1 when attached (or
 * already attached), 0 when the process is not a Go TLS program (the reason is noted), or a
 * negative errno when attaching failed.
 */
int hs_gotls_attach_pid(struct hs_gotls *g, uint32_t pid);
/* pid has exited: its probes are detached (targets of -p only). */
void hs_gotls_forget_pid(struct hs_gotls *g, uint32_t pid);

/*
 * Every running process: attaches once per distinct Go executable, for all its processes
 * (present and future: pid -1). pid 0 scans /proc; a pid > 0 handles that process only
 * (a process that just started). Returns the number of executables newly attached, or a
 * negative errno.
 */
int hs_gotls_attach_all(struct hs_gotls *g, uint32_t pid);

/* The Go version ("go1.19.8") of a process whose probes are attached; NULL otherwise. */
const char *hs_gotls_lib(struct hs_gotls *g, uint32_t pid);

/* Probe-only mode (benchmarks): the probes stay attached but return at once. */
int hs_gotls_set_probe_only(struct hs_gotls *g, int on);

/* Probes attached so far (links), and executables analysed without attaching. */
void hs_gotls_stats(const struct hs_gotls *g, size_t *probes, size_t *skipped);

/* Detaches everything. NULL is a no-op. */
void hs_gotls_free(struct hs_gotls *g);

#endif
