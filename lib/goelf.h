/* goelf.h: analysis of Go executables for the crypto/tls uprobes (ELF, Go build info,
 * pclntab, RET offsets found with Capstone, struct offsets of the fd chain). */
#ifndef HS_GOELF_H
#define HS_GOELF_H

#include <stddef.h>
#include <stdint.h>

/*
 * What the Go TLS probes attach to and read.
 *
 * Probes go on the entry of crypto/tls.(*Conn).Write, and on Read's copy into b (copy_off)
 * or else its entry and every RET; never a uretprobe (Go moves goroutine stacks; a
 * uretprobe's trampoline corrupts them). Both have
 * the signature func (c *Conn) M(b []byte) (n int, err error). With the register ABI
 * (Go >= 1.17 on amd64, >= 1.18 on arm64):
 *
 *            amd64                        arm64
 *   entry    RAX = c, RBX = b.ptr,        X0 = c, X1 = b.ptr, X2 = b.len, X3 = b.cap
 *            RCX = b.len, RDI = b.cap
 *   RET      RAX = n, RBX = err.tab       X0 = n, X1 = err.tab, X2 = err.data
 *            (0: no error), RCX = err.data
 *   g        R14 (current goroutine)      X28
 *
 * Entry and RET of one call run on the same goroutine but maybe on different threads:
 * key the saved buffer by the goroutine (the g pointer, or its goid at offsets.g_goid).
 *
 * The socket fd of a call: c + conn_iface is the net.Conn interface {tab, data};
 * the data word (at + iface_data) is a *net.TCPConn; *(tcpconn + tcpconn_fd) is the
 * *net.netFD; netfd + netfd_pfd + pollfd_sysfd holds Sysfd (an int, 8 bytes on 64-bit).
 * Only a *net.TCPConn has this layout: check the itab when it matters.
 */

#define HS_GOELF_MAX_RET 64	/* RETs recorded per function; more is an error (-E2BIG) */

enum hs_goarch { HS_GOARCH_UNKNOWN = 0, HS_GOARCH_AMD64, HS_GOARCH_ARM64 };

struct hs_gofunc {
	char name[48];			/* e.g. "crypto/tls.(*Conn).Read" */
	uint64_t entry_vaddr;		/* link-time virtual address of the entry */
	uint64_t entry_off;		/* file offset of the entry: what a uprobe takes */
	uint64_t probe_off;		/* file offset past the stack-check prologue (the entry
					 * when none is found): a function whose stack must grow
					 * calls runtime.morestack and starts again at its entry,
					 * so a probe on the entry fires twice for one call */
	uint64_t jcc_off;		/* x86-64: file offset of that check's jbe (0: none).
					 * The kernel emulates a conditional branch where it
					 * single-steps most other instructions (SUBQ, RET), a
					 * trap that costs ~11 us on the test VMs against
					 * ~0.6; the flags then tell whether the branch to
					 * runtime.morestack is taken */
	uint64_t copy_off;		/* Read on x86-64: file offset of its one CALL
					 * runtime.memmove (the copy of the inlined
					 * bytes.(*Reader).Read into b: AX dst, BX src, CX n),
					 * which the kernel emulates where it single-steps RETs;
					 * 0: none or more than one, the RETs are probed */
	uint32_t frame;			/* with copy_off: how far the prologue moves SP
					 * (sub rsp, N; plus 8 for a push rbp before it):
					 * the spill slots are frame+8 above SP */
	uint64_t size;			/* bytes of the function body */
	uint32_t nret;			/* RET instructions found (>= 1 on success) */
	uint64_t ret_off[HS_GOELF_MAX_RET]; /* file offset of each RET, ascending */
};

/* Byte offsets of the fields the probes read (see above). */
struct hs_gotls_offsets {
	uint32_t conn_iface;		/* tls.Conn.conn (net.Conn interface) */
	uint32_t conn_is_client;	/* tls.Conn.isClient (bool) */
	uint32_t iface_data;		/* data word of an interface value {tab, data} */
	uint32_t tcpconn_fd;		/* net.TCPConn.conn.fd (*net.netFD) */
	uint32_t netfd_pfd;		/* net.netFD.pfd (poll.FD) */
	uint32_t pollfd_sysfd;		/* poll.FD.Sysfd (int) */
	uint32_t g_goid;		/* runtime.g.goid (int64) */
};

struct hs_goinfo {
	char version[32];		/* "go1.19.8", cut to fit */
	int major, minor;		/* 1, 19 */
	enum hs_goarch arch;
	int pie;			/* ET_DYN: addresses are relative to the load base */
	int stripped;			/* no .symtab: functions were found through the pclntab */
	uint32_t pclntab_magic;		/* 0 when .symtab was enough */
	struct hs_gofunc read, write;	/* crypto/tls.(*Conn).Read / Write */
	uint64_t memmove_vaddr;		/* runtime.memmove (0: not found) */
	struct hs_gotls_offsets offsets;
};

/*
 * Analyses the Go executable at path (which may be /proc/PID/exe). Returns 0 and fills
 * *out, or a negative errno with a one-line reason in why (may be NULL):
 *   -errno of open/fstat  "cannot open: No such file or directory"
 *   -ENOEXEC              "not a Go executable", "not a 64-bit little-endian ELF file"
 *   -ENOTSUP              "Go 1.16 uses the stack ABI: not supported (need Go >= 1.17)",
 *                         "pclntab format 0xfffffffb not supported", unknown architecture
 *   -ENODATA              "crypto/tls not linked in", "crypto/tls.(*Conn).Read not found"
 *   -E2BIG                more than HS_GOELF_MAX_RET RETs in one function
 *   -EINVAL               malformed ELF, build info or pclntab
 * Only the two functions are disassembled: a 20 MB binary takes a few milliseconds.
 */
int hs_goelf_analyze(const char *path, struct hs_goinfo *out, char *why, size_t whylen);

/* Same, on an open file descriptor (not closed). */
int hs_goelf_analyze_fd(int fd, struct hs_goinfo *out, char *why, size_t whylen);

/*
 * A bounded cache of results keyed by the file's (st_dev, st_ino, st_mtime, st_size), so
 * that many processes of one binary cost one analysis. Failures are cached too (most
 * processes are not Go). Not thread-safe: use one cache per thread.
 */
struct hs_goelf_cache;

struct hs_goelf_cache *hs_goelf_cache_new(unsigned max_entries);	/* NULL on ENOMEM */
void hs_goelf_cache_free(struct hs_goelf_cache *c);			/* NULL is a no-op */

/* As hs_goelf_analyze(), from the cache when the file is unchanged; *out is a copy. */
int hs_goelf_cache_get(struct hs_goelf_cache *c, const char *path, struct hs_goinfo *out,
		       char *why, size_t whylen);

/* Lookups answered from the cache, and analyses done. */
void hs_goelf_cache_stats(const struct hs_goelf_cache *c, uint64_t *hits, uint64_t *misses);

#endif
