/* gotls.c: finds Go programs that link crypto/tls and attaches the uprobes of
 * bpf/gotls.bpf.h to the entries and RETs of (*Conn).Read/Write (offsets from lib/goelf.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "capture.h"
#include "goelf.h"
#include "gotls.h"
#include "proc.h"
#include "httpsnoop.skel.h"

#define CACHE_ENTRIES 256
#define RECENT_PIDS 512		/* processes of executables attached for every process */

/* Probes of one executable, for one process (pid > 0) or for all of them (pid 0). */
struct target {
	uint32_t pid;
	dev_t dev;
	ino_t ino;
	char version[32];
	struct hs_link *links;
	size_t nlinks;
	size_t nprobes;
};

/* An executable seen while scanning every process and found unusable. */
struct skip {
	dev_t dev;
	ino_t ino;
};

struct hs_gotls {
	struct httpsnoop_bpf *skel;
	struct hs_goelf_cache *cache;
	hs_gotls_note_fn note;
	void *ctx;
	struct target *t;
	size_t nt, capt;
	struct skip *skip;
	size_t nskip, capskip;
	size_t probes;
	/* pid -> target of processes seen running an every-process target, most recent last:
	 * names the Go version of a process that has exited by the time its bytes are decoded */
	struct {
		uint32_t pid;
		uint32_t target;
	} recent[RECENT_PIDS];
	size_t nrecent;
};

/* Must match struct go_offsets in bpf/gotls.bpf.h. */
struct go_offsets {
	uint32_t conn_iface, iface_data, tcpconn_fd, netfd_pfd, pollfd_sysfd;
};

static void note(struct hs_gotls *g, int failed, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!g->note)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	g->note(msg, failed, g->ctx);
}

struct hs_gotls *hs_gotls_new(struct hs_capture *c, hs_gotls_note_fn fn, void *ctx)
{
	struct hs_gotls *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->skel = hs_capture_skel(c);
	g->note = fn;
	g->ctx = ctx;
	g->cache = hs_goelf_cache_new(CACHE_ENTRIES);
	if (!g->cache) {
		free(g);
		return NULL;
	}
	return g;
}

static void target_detach(struct target *t)
{
	for (size_t i = 0; i < t->nlinks; i++)
		hs_link_reap(t->links[i]);
	free(t->links);
	t->links = NULL;
	t->nlinks = 0;
	t->nprobes = 0;
}

static struct target *target_find(struct hs_gotls *g, uint32_t pid, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < g->nt; i++)
		if (g->t[i].pid == pid && g->t[i].dev == dev && g->t[i].ino == ino)
			return &g->t[i];
	return NULL;
}

static int link_offsets(struct hs_gotls *g, struct target *t, struct bpf_program *prog,
			int pid, const char *path, const uint64_t *off, size_t n, uint64_t cookie)
{
	int err = hs_uprobes_attach(prog, pid, path, off, n, 0, cookie, t->links, &t->nlinks);

	if (!err) {
		g->probes += n;
		t->nprobes += n;
	}
	return err;
}

/* Read's copy alone where it was found (it finds c and b in the spill slots, 8 + its frame
 * above SP, the probe's cookie: no entry probe, one trap less per Read). Else, or on a kernel
 * without uprobe cookies (copy_off is cleared then), every RET first (ret NULL: none), then
 * the entry, so that no entry is seen without its end. */
static int link_func(struct hs_gotls *g, struct target *t, struct hs_gofunc *f,
		     struct bpf_program *enter, struct bpf_program *ret, int pid, const char *path)
{
	int err = 0;

	if (ret && f->copy_off) {
		err = link_offsets(g, t, g->skel->progs.go_read_copy, pid, path, &f->copy_off, 1,
				   f->frame);
		if (err != -EOPNOTSUPP)
			return err;
		f->copy_off = 0;
		err = 0;
	}
	if (ret && f->nret)
		err = link_offsets(g, t, ret, pid, path, f->ret_off, f->nret, 0);
	if (err)
		return err;
	return link_offsets(g, t, enter, pid, path, f->jcc_off ? &f->jcc_off : &f->probe_off, 1,
			    0);
}

/* Adds a target for the executable at path (pid > 0: that process; 0: every process). Clears
 * gi->read.copy_off when Read's copy could not be probed. */
static int attach(struct hs_gotls *g, uint32_t pid, const struct stat *st, const char *path,
		  struct hs_goinfo *gi, char *why, size_t whylen)
{
	struct go_offsets o = {
		.conn_iface = gi->offsets.conn_iface,
		.iface_data = gi->offsets.iface_data,
		.tcpconn_fd = gi->offsets.tcpconn_fd,
		.netfd_pfd = gi->offsets.netfd_pfd,
		.pollfd_sysfd = gi->offsets.pollfd_sysfd,
	};
	struct target *t;
	int err;

	if (g->nt == g->capt) {
		size_t n = g->capt ? g->capt * 2 : 8;
		struct target *nt = realloc(g->t, n * sizeof(*nt));

		if (!nt)
			return -ENOMEM;
		g->t = nt;
		g->capt = n;
	}
	t = &g->t[g->nt];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->dev = st->st_dev;
	t->ino = st->st_ino;
	snprintf(t->version, sizeof(t->version), "%s", gi->version);
	t->links = calloc(2 + gi->read.nret, sizeof(*t->links));
	if (!t->links)
		return -ENOMEM;
	err = link_func(g, t, &gi->read, g->skel->progs.go_read_enter, g->skel->progs.go_read_ret,
			pid ? (int)pid : -1, path);
	if (!err)
		err = link_func(g, t, &gi->write, g->skel->progs.go_write_enter, NULL,
				pid ? (int)pid : -1, path);	/* emitted at entry */
	if (err) {
		snprintf(why, whylen, "cannot attach the uprobes: %s%s", strerror(-err),
			 err == -EACCES || err == -EPERM ? " (needs root or CAP_SYS_ADMIN)" : "");
		goto fail;
	}
	/* offsets last: the probes do nothing without them, so reads and writes start being
	 * seen together (with Reads seen and Writes not, or the reverse, a keep-alive
	 * connection pairs each request with the next one's response). Key 0 serves every
	 * process, and is already there once one executable is attached for every process. */
	err = bpf_map__update_elem(g->skel->maps.go_procs, &pid, sizeof(pid), &o, sizeof(o),
				   BPF_ANY);
	if (err) {
		snprintf(why, whylen, "cannot store the struct offsets: %s", strerror(-err));
		goto fail;
	}
	g->nt++;
	return 0;
fail:
	g->probes -= t->nprobes;
	target_detach(t);
	if (pid)
		bpf_map__delete_elem(g->skel->maps.go_procs, &pid, sizeof(pid), 0);
	return err;
}

/* "go1.19.8, Read 4 RETs (its copy probed), Write 3 RETs (stripped, PIE)" */
static void describe(const struct hs_goinfo *gi, char *buf, size_t len)
{
	snprintf(buf, len, "%s, crypto/tls.(*Conn).Read %u RET%s%s, Write %u RET%s%s%s%s%s",
		 gi->version, gi->read.nret, gi->read.nret == 1 ? "" : "s",
		 gi->read.copy_off ? " (its copy probed)" : "", gi->write.nret,
		 gi->write.nret == 1 ? "" : "s", gi->stripped || gi->pie ? " (" : "",
		 gi->stripped ? "stripped" : "", gi->stripped && gi->pie ? ", " : "",
		 gi->pie ? "PIE)" : gi->stripped ? ")" : "");
}

/* Open the executable of a process, for reading and attaching through /proc/self/fd/N
 * (written to path): /proc/PID/exe is only there while the process has its memory, and
 * has been seen missing for a moment just after an exec. -1 with errno set when it cannot
 * be opened. */
static int open_exe(uint32_t pid, char *path, size_t len, struct stat *st)
{
	int fd;

	snprintf(path, len, "/proc/%u/exe", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, st)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

int hs_gotls_attach_pid(struct hs_gotls *g, uint32_t pid)
{
	struct hs_goinfo gi;
	char path[64], comm[32], why[256], desc[256];
	struct stat st;
	double t0 = hs_now_ms();
	int fd, err;

	hs_proc_comm(pid, comm, sizeof(comm));
	fd = open_exe(pid, path, sizeof(path), &st);
	if (fd < 0) {
		int denied = errno == EACCES || errno == EPERM;

		note(g, denied, "pid %u (%s): not hooked: cannot read its executable: %s%s", pid,
		     comm, strerror(errno), denied ? " (needs root or CAP_SYS_PTRACE)" : "");
		return 0;
	}
	if (target_find(g, pid, st.st_dev, st.st_ino)) {
		close(fd);
		return 1;
	}
	err = hs_goelf_cache_get(g->cache, path, &gi, why, sizeof(why));
	if (err) {
		note(g, gi.version[0] && err != -ENODATA, "pid %u (%s): %s%snot hooked: %s", pid,
		     comm, gi.version, gi.version[0] ? ": " : "", why);
		close(fd);
		return 0;
	}
	err = attach(g, pid, &st, path, &gi, why, sizeof(why));
	describe(&gi, desc, sizeof(desc));	/* after: attach() may give up Read's copy */
	close(fd);
	if (err) {
		note(g, 1, "pid %u (%s): %s: not hooked: %s", pid, comm, desc, why);
		return err;
	}
	note(g, 0, "pid %u (%s): %s: attached, %zu probes in %.1f ms", pid, comm, desc,
	     g->t[g->nt - 1].nprobes, hs_now_ms() - t0);
	return 1;
}

static int skipped(const struct hs_gotls *g, const struct stat *st)
{
	for (size_t i = 0; i < g->nskip; i++)
		if (g->skip[i].dev == st->st_dev && g->skip[i].ino == st->st_ino)
			return 1;
	return 0;
}

static void skip_add(struct hs_gotls *g, const struct stat *st)
{
	if (g->nskip == g->capskip) {
		size_t n = g->capskip ? g->capskip * 2 : 64;
		struct skip *s = realloc(g->skip, n * sizeof(*s));

		if (!s)
			return;	/* only costs a cache lookup next time */
		g->skip = s;
		g->capskip = n;
	}
	g->skip[g->nskip].dev = st->st_dev;
	g->skip[g->nskip].ino = st->st_ino;
	g->nskip++;
}

static void remember(struct hs_gotls *g, uint32_t pid, const struct target *t)
{
	size_t i = g->nrecent++ % RECENT_PIDS;

	g->recent[i].pid = pid;
	g->recent[i].target = (uint32_t)(t - g->t);
}

/* One process of the every-process mode: 1 when its executable got attached now. */
static int attach_exe_of(struct hs_gotls *g, uint32_t pid)
{
	struct hs_goinfo gi;
	char path[64], exe[256], why[256], desc[256];
	struct target *t;
	struct stat st;
	ssize_t n;
	double t0 = hs_now_ms();
	int fd, err;

	fd = open_exe(pid, path, sizeof(path), &st);
	if (fd < 0)
		return 0;	/* kernel thread, or gone */
	if ((t = target_find(g, 0, st.st_dev, st.st_ino)) || skipped(g, &st)) {
		if (t)
			remember(g, pid, t);
		close(fd);
		return 0;
	}
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	err = hs_goelf_cache_get(g->cache, path, &gi, why, sizeof(why));
	if (err) {
		/* most processes are not Go: say so only for Go programs */
		if (gi.version[0])
			note(g, err != -ENODATA, "%s (pid %u): %s: not hooked: %s", exe, pid,
			     gi.version, why);
		skip_add(g, &st);
		close(fd);
		return 0;
	}
	err = attach(g, 0, &st, path, &gi, why, sizeof(why));
	describe(&gi, desc, sizeof(desc));
	close(fd);
	if (err) {
		note(g, 1, "%s (pid %u): %s: not hooked: %s", exe, pid, desc, why);
		skip_add(g, &st);
		return 0;
	}
	remember(g, pid, &g->t[g->nt - 1]);
	note(g, 0, "%s (pid %u and every other process of it): %s: attached, %zu probes in %.1f ms",
	     exe, pid, desc, g->t[g->nt - 1].nprobes, hs_now_ms() - t0);
	return 1;
}

int hs_gotls_attach_all(struct hs_gotls *g, uint32_t pid)
{
	uint32_t p;
	DIR *d;
	int n = 0, nproc = 0;
	double t0 = hs_now_ms();
	uint64_t hits, misses;

	if (pid)
		return attach_exe_of(g, pid);
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((p = hs_proc_next(d))) {
		nproc++;
		n += attach_exe_of(g, p);
	}
	closedir(d);
	hs_goelf_cache_stats(g->cache, &hits, &misses);
	note(g, 0, "%d processes scanned, %llu executables analysed, %d Go TLS executable%s "
	     "attached (%zu probes) in %.1f ms", nproc, (unsigned long long)misses, n,
	     n == 1 ? "" : "s", g->probes, hs_now_ms() - t0);
	return n;
}

const char *hs_gotls_lib(struct hs_gotls *g, uint32_t pid)
{
	char path[64];
	struct stat st;

	for (size_t i = 0; i < g->nt; i++)
		if (g->t[i].pid == pid)
			return g->t[i].version;
	for (size_t i = g->nrecent; i-- > 0 && i + RECENT_PIDS >= g->nrecent;)
		if (g->recent[i % RECENT_PIDS].pid == pid)
			return g->t[g->recent[i % RECENT_PIDS].target].version;
	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	if (stat(path, &st))
		return NULL;
	for (size_t i = 0; i < g->nt; i++)
		if (!g->t[i].pid && g->t[i].dev == st.st_dev && g->t[i].ino == st.st_ino)
			return g->t[i].version;
	return NULL;
}

void hs_gotls_forget_pid(struct hs_gotls *g, uint32_t pid)
{
	size_t n = 0;

	/* every-process targets are kept: recent[] holds their indexes */
	if (!pid || g->nrecent)
		return;
	for (size_t i = 0; i < g->nt; i++) {
		if (g->t[i].pid != pid) {
			g->t[n++] = g->t[i];
			continue;
		}
		g->probes -= g->t[i].nprobes;
		target_detach(&g->t[i]);
		bpf_map__delete_elem(g->skel->maps.go_procs, &pid, sizeof(pid), 0);
	}
	g->nt = n;
}

int hs_gotls_set_probe_only(struct hs_gotls *g, int on)
{
	if (!g->skel->bss)
		return -ENOTSUP;
	g->skel->bss->gotls_probe_only = on ? 1 : 0;
	return 0;
}

void hs_gotls_stats(const struct hs_gotls *g, size_t *probes, size_t *skip)
{
	if (probes)
		*probes = g->probes;
	if (skip)
		*skip = g->nskip;
}

void hs_gotls_free(struct hs_gotls *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->nt; i++)
		target_detach(&g->t[i]);
	free(g->t);
	free(g->skip);
	hs_goelf_cache_free(g->cache);
	free(g);
}
