/* tls.c: finds OpenSSL and GnuTLS in traced processes from /proc/PID/maps (libssl.so.* and
 * libgnutls.so.* sonames, or SSL_read in the executable itself, as in node) and attaches the
 * uprobes of bpf/openssl.bpf.h through /proc/PID/root, once per file (device + inode) and
 * process. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <capstone/capstone.h>
#include <gelf.h>
#include <libelf.h>

#include "httpsnoop.skel.h"
#include "capture.h"
#include "proc.h"
#include "tls.h"

enum { F_READ = 0, F_WRITE, F_READ_EX, F_WRITE_EX, F_FREE, F_MAX };

/* The libraries probed, and their functions by role. GnuTLS's record functions take and
 * return what SSL_read and SSL_write do; a file is GnuTLS by its name (impl_of). */
enum { IMPL_OPENSSL = 0, IMPL_GNUTLS };
static const struct {
	const char *name;		/* as the user is told */
	const char *prefix;		/* every function name below starts with it */
	const char *funcs[F_MAX];	/* NULL: the library has none */
} impls[] = {
	{ "OpenSSL", "SSL_", { "SSL_read", "SSL_write", "SSL_read_ex", "SSL_write_ex",
			       "SSL_free" } },
	{ "GnuTLS", "gnutls_", { "gnutls_record_recv", "gnutls_record_send", NULL, NULL,
				 "gnutls_deinit" } },
};

/* The functions the exported ones wrap (OpenSSL 1.1.1 and 3.x): BIO_f_ssl (openssl
 * s_server -www) calls them directly, so probes on the exported symbols never see it. */
enum { I_READ = 0, I_WRITE, I_MAX };
static const char *const internal_names[I_MAX] = { "ssl_read_internal", "ssl_write_internal" };

/* One analysed file, by (device, inode) as /proc/PID/maps gives them. */
struct elf_entry {
	uint64_t dev, ino;
	int impl;			/* IMPL_* */
	int err;			/* 0: the library's functions found */
	int attach_err;			/* attaching for every process failed: not again */
	uint64_t off[F_MAX];
	uint64_t int_off[I_MAX];	/* 0: not found, probe the exported functions */
};

#define PLAN_MAX 9		/* probes per file at most (the exported functions' plan) */

/* Probes attached for one file and one pid (-1: every process). */
struct attachment {
	uint64_t dev, ino;
	int pid;
	char path[256];			/* the file, as first attached */
	int inherit;			/* through tracefs events: ev[i], inh[i] of links[i] */
	size_t nlinks;
	struct hs_link links[PLAN_MAX];
	unsigned ev[PLAN_MAX];
	int inh[PLAN_MAX];
};

struct pid_name {
	uint32_t pid;
	char name[32];
};

#define NAME_CACHE 256

/* Every-process mode: a process that just ran a new program is looked at again this many ms
 * later: once the dynamic loader has mapped its libraries, then as it may load libssl itself
 * (Python's import ssl); at most LATER_MAX wait, and an EXIT record ends a process's looks. */
static const double later_ms[] = { 3, 25, 100, 400, 1500 };
#define LATER_WAIT 2			/* ms: the least wait for one, so that they share wake-ups */
#define LATER_MAX 64

struct later {
	uint32_t pid;
	unsigned looks;			/* done after the first */
	double exec;			/* hs_now_ms() at the first */
};

struct hs_tls {
	struct httpsnoop_bpf *skel;
	int system_wide;
	struct hs_tls_target *targets;
	size_t ntargets, cap_targets;
	struct elf_entry *elfs;
	size_t nelfs, cap_elfs;
	struct elf_entry unopened;	/* what elf_get() gives for a file it cannot open */
	struct attachment *atts;
	size_t natts, cap_atts;
	uint32_t *seen;			/* every-process mode: pids already scanned (hash set) */
	size_t seen_cap, nseen;
	struct pid_name names[NAME_CACHE];
	size_t next_name;
	uint32_t *inherit;		/* -f: the pids whose probes their children inherit */
	size_t ninherit;
	unsigned next_ev;		/* tracefs events made: the next one's number */
	struct later later[LATER_MAX];	/* every-process mode: looks still due, oldest first */
	size_t nlater;
};

/* Grow *arr (of *cap elements of size sz) to hold n + 1. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, ncap * sz);
	if (!p)
		return -ENOMEM;
	/* new entries start zeroed: callers fill only some fields */
	memset((char *)p + *cap * sz, 0, (ncap - *cap) * sz);
	*arr = p;
	*cap = ncap;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Which library a file of this name is: libgnutls.so.30 is GnuTLS, the rest OpenSSL. */
static int impl_of(const char *path)
{
	return strncmp(base_name(path), "libgnutls", 9) ? IMPL_OPENSSL : IMPL_GNUTLS;
}

/* File offset of the virtual address v, through the PT_LOAD segments. */
static uint64_t vaddr_to_off(Elf *e, uint64_t v)
{
	size_t n;
	GElf_Phdr ph;

	if (elf_getphdrnum(e, &n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!gelf_getphdr(e, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (v >= ph.p_vaddr && v < ph.p_vaddr + ph.p_filesz)
			return v - ph.p_vaddr + ph.p_offset;
	}
	return 0;
}

/* Looks for the functions of library impl in the symbol tables of one type; fills the
 * ones still 0. */
static void scan_symbols(Elf *e, Elf64_Word type, int impl, uint64_t off[F_MAX],
			 uint64_t vaddr[F_MAX])
{
	const char *const *fn = impls[impl].funcs;
	size_t plen = strlen(impls[impl].prefix);

	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e, scn))) {
		Elf_Data *d;
		size_t nsym;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != type || !sh.sh_entsize)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d)
			continue;
		nsym = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < nsym; i++) {
			GElf_Sym s;
			const char *name;

			if (!gelf_getsym(d, i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC ||
			    s.st_shndx == SHN_UNDEF || !s.st_value)
				continue;
			name = elf_strptr(e, sh.sh_link, s.st_name);
			if (!name || strncmp(name, impls[impl].prefix, plen))
				continue;
			for (int f = 0; f < F_MAX; f++) {
				size_t l = fn[f] ? strlen(fn[f]) : 0;

				if (l && !off[f] && !strncmp(name, fn[f], l) &&
				    (name[l] == '\0' || name[l] == '@')) {
					off[f] = vaddr_to_off(e, s.st_value);
					vaddr[f] = s.st_value;
				}
			}
		}
	}
}

/* Direct call and jump targets (virtual addresses) among the first instructions of the
 * function at vaddr (file offset off). Returns how many were stored. */
static size_t call_targets(int fd, Elf *e, uint64_t vaddr, uint64_t off, uint64_t *out,
			   size_t max)
{
	GElf_Ehdr eh;
	uint8_t code[160];
	const uint8_t *p = code;
	size_t left, n = 0;
	uint64_t addr = vaddr;
	csh cs;
	cs_insn *insn;
	ssize_t got;

	if (!gelf_getehdr(e, &eh) || (eh.e_machine != EM_X86_64 && eh.e_machine != EM_AARCH64))
		return 0;
	got = pread(fd, code, sizeof(code), off);
	if (got <= 0)
		return 0;
	left = got;
	if (cs_open(eh.e_machine == EM_X86_64 ? CS_ARCH_X86 : CS_ARCH_ARM64,
		    eh.e_machine == EM_X86_64 ? CS_MODE_64 : CS_MODE_ARM, &cs) != CS_ERR_OK)
		return 0;
	insn = cs_malloc(cs);
	while (insn && n < max && cs_disasm_iter(cs, &p, &left, &addr, insn)) {
		const char *o = insn->op_str;
		int x86 = eh.e_machine == EM_X86_64;
		int is_call = x86 ? !strcmp(insn->mnemonic, "call") || !strcmp(insn->mnemonic, "jmp")
				  : !strcmp(insn->mnemonic, "bl") || !strcmp(insn->mnemonic, "b");

		if (is_call) {
			if (*o == '#')
				o++;
			if (!strncmp(o, "0x", 2))
				out[n++] = strtoull(o, NULL, 16);
		}
		if (x86 ? !strcmp(insn->mnemonic, "ret") : !strcmp(insn->mnemonic, "ret"))
			break;
	}
	cs_free(insn, 1);
	cs_close(&cs);
	return n;
}

/* ssl_read_internal is the first function SSL_read_ex calls and one SSL_read calls too;
 * the same for the write side. Anything less certain leaves int_off at 0. */
static void find_internal(int fd, Elf *e, const uint64_t off[F_MAX], const uint64_t vaddr[F_MAX],
			  uint64_t int_off[I_MAX])
{
	static const int pairs[I_MAX][2] = { { F_READ_EX, F_READ }, { F_WRITE_EX, F_WRITE } };
	uint64_t found[I_MAX] = { 0 };

	for (int i = 0; i < I_MAX; i++) {
		uint64_t ex[4], plain[8], t;
		size_t nex, nplain;
		int ok = 0;

		if (!off[pairs[i][0]] || !off[pairs[i][1]])
			return;
		nex = call_targets(fd, e, vaddr[pairs[i][0]], off[pairs[i][0]], ex, 4);
		nplain = call_targets(fd, e, vaddr[pairs[i][1]], off[pairs[i][1]], plain, 8);
		if (!nex)
			return;
		t = ex[0];
		for (size_t j = 0; j < nplain; j++)
			ok |= plain[j] == t;
		if (!ok || !(found[i] = vaddr_to_off(e, t)))
			return;
	}
	if (found[I_READ] == found[I_WRITE])
		return;
	memcpy(int_off, found, sizeof(found));
}

/* SSL_free and gnutls_deinit begin with "test rdi, rdi; je" (nothing to free) in the builds
 * seen here (Debian's libssl and libgnutls, node): their probe goes on the je, which the
 * kernel emulates, not on the test, which it single-steps (~11 us a hit on the test VMs,
 * once per connection). rdi still holds the argument there. */
static uint64_t past_null_check(int fd, Elf *e, uint64_t off)
{
	GElf_Ehdr eh;
	uint8_t b[5];

	if (off && gelf_getehdr(e, &eh) && eh.e_machine == EM_X86_64 &&
	    pread(fd, b, sizeof(b), off) == sizeof(b) && !memcmp(b, "\x48\x85\xff", 3) &&
	    (b[3] == 0x74 || (b[3] == 0x0f && b[4] == 0x84)))
		return off + 3;
	return off;
}

static int elf_offsets_fd(int fd, int impl, uint64_t off[F_MAX], uint64_t int_off[I_MAX])
{
	Elf *e;
	int err = 0, missing = 0;
	uint64_t vaddr[F_MAX] = { 0 };

	memset(off, 0, F_MAX * sizeof(off[0]));
	memset(int_off, 0, I_MAX * sizeof(int_off[0]));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e)
		return -ENOEXEC;
	if (elf_kind(e) != ELF_K_ELF) {
		err = -ENOEXEC;
		goto cleanup;
	}
	scan_symbols(e, SHT_DYNSYM, impl, off, vaddr);
	for (int f = 0; f < F_MAX; f++)
		missing |= impls[impl].funcs[f] && !off[f];
	if (missing)
		scan_symbols(e, SHT_SYMTAB, impl, off, vaddr);
	if (!off[F_READ] || !off[F_WRITE])
		err = -ENOENT;
	else
		find_internal(fd, e, off, vaddr, int_off);
	off[F_FREE] = past_null_check(fd, e, off[F_FREE]);
cleanup:
	elf_end(e);
	return err;
}

int hs_tls_elf_offsets(const char *path, uint64_t off[5], uint64_t int_off[2])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return -errno;
	err = elf_offsets_fd(fd, IMPL_OPENSSL, off, int_off);
	close(fd);
	return err;
}

/* The analysis of a file of library impl, done once per (device, inode). NULL on ENOMEM. A
 * file that cannot be opened (its process, through whose /proc/PID/root it is reached, just
 * ended) is not remembered: the next process mapping it gets its chance. */
static struct elf_entry *elf_get(struct hs_tls *t, uint64_t dev, uint64_t ino, const char *path,
				 int impl)
{
	struct elf_entry *e;
	int fd;

	for (size_t i = 0; i < t->nelfs; i++)
		if (t->elfs[i].dev == dev && t->elfs[i].ino == ino)
			return &t->elfs[i];
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		t->unopened.err = -errno;
		return &t->unopened;
	}
	if (grow((void **)&t->elfs, &t->cap_elfs, t->nelfs, sizeof(*t->elfs))) {
		close(fd);
		return NULL;
	}
	e = &t->elfs[t->nelfs++];
	memset(e, 0, sizeof(*e));
	e->dev = dev;
	e->ino = ino;
	e->impl = impl;
	e->err = elf_offsets_fd(fd, impl, e->off, e->int_off);
	close(fd);
	return e;
}

static int attached(const struct hs_tls *t, uint64_t dev, uint64_t ino, int pid)
{
	for (size_t i = 0; i < t->natts; i++)
		if (t->atts[i].dev == dev && t->atts[i].ino == ino &&
		    (t->atts[i].pid == pid || t->atts[i].pid == -1))
			return 1;
	return 0;
}

/* -f: the tracefs group of this process's uprobe events */
#define EV_GROUP "httpsnoop_%d"

/* Adds (or with '-' removes) a uprobe event: one line written to tracefs's uprobe_events. */
static int uprobe_event(const char *def)
{
	const char *tfs = hs_tracefs_dir();
	char p[96];
	int fd, err = 0;

	if (!tfs)
		return -ENOENT;
	snprintf(p, sizeof(p), "%s/uprobe_events", tfs);
	fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, def, strlen(def)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* Removes the uprobe events a httpsnoop that was killed (and so could not) left behind. */
void hs_tls_sweep_events(void)
{
	const char *tfs = hs_tracefs_dir();
	char p[96], line[512], def[96];
	FILE *f;

	if (!tfs)
		return;
	snprintf(p, sizeof(p), "%s/uprobe_events", tfs);
	f = fopen(p, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char comm[16] = "";
		int pid, n = 0;

		if (sscanf(line, "%*c:httpsnoop_%d/%n", &pid, &n) != 1 || !n || pid == getpid())
			continue;
		hs_proc_comm(pid, comm, sizeof(comm));
		if (!strcmp(comm, "httpsnoop"))
			continue;	/* another httpsnoop's, still running */
		snprintf(def, sizeof(def), "-:httpsnoop_%d/%.*s\n", pid,
			 (int)strcspn(line + n, " \n"), line + n);
		uprobe_event(def);
	}
	fclose(f);
}

static void uprobe_event_del(unsigned ev)
{
	char def[64];

	snprintf(def, sizeof(def), "-:" EV_GROUP "/p%u\n", getpid(), ev);
	uprobe_event(def);
}

/* -f: a probe the processes pid starts inherit. A uprobe made through the perf PMU (what
 * libbpf does) cannot be: the kernel would read its path again at fork, from the memory of
 * the process forking. A tracefs uprobe event is found by number, so a child gets its own
 * copy of a perf event on it as it is made, and its first SSL_read is seen. Hooking the
 * child from user space, once told of the fork, takes milliseconds: a server that forks per
 * connection has often read the request by then.
 * Two perf events per probe: an inherited one that only counts, so the kernel lets the
 * children's calls through, and one with the program, not inherited. The program runs for
 * every perf event of the tracefs event; a child's copy of an event that had the program
 * would take it away from all of them when the child exits.
 * The children are still hooked as before: on 6.18, a child that started and ended a thread
 * loses the inherited probes one time in three (perf stat alone shows it). Where both fire,
 * the second entry probe writes what the first did and the second return probe finds the
 * call finished. */
static struct bpf_link *attach_inherited(struct hs_tls *t, struct bpf_program *prog, int pid,
					 const char *path, uint64_t off, int ret, unsigned *ev,
					 int *inh)
{
	struct perf_event_attr pa = { .type = PERF_TYPE_TRACEPOINT, .size = sizeof(pa) };
	char def[400], p[128], num[24] = "";
	struct bpf_link *l = NULL;
	int fd, err;

	*ev = t->next_ev++;
	*inh = -1;
	if (strpbrk(path, " \t\n"))
		return errno = EINVAL, NULL;
	snprintf(def, sizeof(def), "%c:" EV_GROUP "/p%u %s:0x%llx\n", ret ? 'r' : 'p', getpid(),
		 *ev, path, (unsigned long long)off);
	err = uprobe_event(def);
	if (err)
		return errno = -err, NULL;
	snprintf(p, sizeof(p), "%s/events/" EV_GROUP "/p%u/id", hs_tracefs_dir(), getpid(), *ev);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, num, sizeof(num) - 1) < 0)
			num[0] = 0;
		close(fd);
	}
	pa.config = strtoull(num, NULL, 10);
	pa.inherit = 1;
	if (pa.config)
		*inh = syscall(__NR_perf_event_open, &pa, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	pa.inherit = 0;
	pa.sample_period = 1;
	pa.wakeup_events = 1;
	fd = *inh >= 0 ? syscall(__NR_perf_event_open, &pa, pid, -1, -1, PERF_FLAG_FD_CLOEXEC) : -1;
	if (fd >= 0 && !(l = bpf_program__attach_perf_event(prog, fd)))
		close(fd);
	if (!l) {
		err = errno;
		if (*inh >= 0)
			close(*inh);
		uprobe_event_del(*ev);
		errno = err;
	}
	return l;
}

static void detach(struct attachment *a)
{
	while (a->nlinks) {
		a->nlinks--;
		if (!a->inherit) {
			hs_link_reap(a->links[a->nlinks]);
			continue;
		}
		/* the event goes once no perf event uses it: after its link, not in the reaper */
		close(a->inh[a->nlinks]);
		bpf_link__destroy(a->links[a->nlinks].l);
		uprobe_event_del(a->ev[a->nlinks]);
	}
}

static int inherits(const struct hs_tls *t, int pid)
{
	for (size_t i = 0; i < t->ninherit; i++)
		if ((int)t->inherit[i] == pid)
			return 1;
	return 0;
}

/* One probe of a file: a program at the offset of a function (0: not in this file). */
struct probe {
	struct bpf_program *prog;
	uint64_t off;
	const char *name;
	int ret;
};

/* The probes of plan[0..n) that run plan[i]'s program the same way, at their offsets. */
static size_t same_program(const struct probe *plan, size_t n, size_t i, uint64_t *offs)
{
	size_t k = 0;

	for (size_t j = 0; j < n; j++)
		if (plan[j].prog == plan[i].prog && plan[j].ret == plan[i].ret && plan[j].off)
			offs[k++] = plan[j].off;
	return k;
}

/* Attaches the probes of one file for pid (-1: every process). All or nothing. */
static int attach_file(struct hs_tls *t, const struct elf_entry *e, const char *path, int pid,
		       char *why, size_t whylen)
{
	struct httpsnoop_bpf *s = t->skel;
	const char *const *fn = impls[e->impl].funcs;
	const struct probe exported[] = {
		{ s->progs.ssl_read_enter, e->off[F_READ], fn[F_READ], 0 },
		{ s->progs.ssl_return, e->off[F_READ], fn[F_READ], 1 },
		{ s->progs.ssl_write_enter, e->off[F_WRITE], fn[F_WRITE], 0 },
		{ s->progs.ssl_return, e->off[F_WRITE], fn[F_WRITE], 1 },
		{ s->progs.ssl_read_ex_enter, e->off[F_READ_EX], fn[F_READ_EX], 0 },
		{ s->progs.ssl_return, e->off[F_READ_EX], fn[F_READ_EX], 1 },
		{ s->progs.ssl_write_ex_enter, e->off[F_WRITE_EX], fn[F_WRITE_EX], 0 },
		{ s->progs.ssl_return, e->off[F_WRITE_EX], fn[F_WRITE_EX], 1 },
		{ s->progs.ssl_free_enter, e->off[F_FREE], fn[F_FREE], 0 },
	}, internal[] = {
		/* same arguments as SSL_read_ex/SSL_write_ex: every read and write passes here once */
		{ s->progs.ssl_read_ex_enter, e->int_off[I_READ], internal_names[I_READ], 0 },
		{ s->progs.ssl_return, e->int_off[I_READ], internal_names[I_READ], 1 },
		{ s->progs.ssl_write_ex_enter, e->int_off[I_WRITE], internal_names[I_WRITE], 0 },
		{ s->progs.ssl_return, e->int_off[I_WRITE], internal_names[I_WRITE], 1 },
		{ s->progs.ssl_free_enter, e->off[F_FREE], fn[F_FREE], 0 },
	}, gnutls[] = {
		{ s->progs.gnutls_recv_enter, e->off[F_READ], fn[F_READ], 0 },
		{ s->progs.ssl_return, e->off[F_READ], fn[F_READ], 1 },
		{ s->progs.gnutls_send_enter, e->off[F_WRITE], fn[F_WRITE], 0 },
		{ s->progs.ssl_return, e->off[F_WRITE], fn[F_WRITE], 1 },
		{ s->progs.ssl_free_enter, e->off[F_FREE], fn[F_FREE], 0 },
	}, *plan = e->impl == IMPL_GNUTLS ? gnutls : e->int_off[I_READ] ? internal : exported;
	size_t nplan = plan == gnutls ? sizeof(gnutls) / sizeof(gnutls[0]) :
		       plan == internal ? sizeof(internal) / sizeof(internal[0]) :
		       sizeof(exported) / sizeof(exported[0]);
	struct attachment *a;
	int err;

	_Static_assert(sizeof(exported) / sizeof(exported[0]) <= PLAN_MAX, "PLAN_MAX");
	err = grow((void **)&t->atts, &t->cap_atts, t->natts, sizeof(*t->atts));
	if (err)
		return err;
	a = &t->atts[t->natts];
	*a = (struct attachment){ .dev = e->dev, .ino = e->ino, .pid = pid,
				  .inherit = pid > 0 && inherits(t, pid) };
	snprintf(a->path, sizeof(a->path), "%s", path);
	s->bss->openssl_attached = 1;
	/* the return probes first, so that no entry is seen without its return */
	for (int ret = 1; ret >= 0; ret--) {
		for (size_t i = 0; i < nplan; i++) {
			uint64_t offs[PLAN_MAX];
			struct bpf_link *l;

			if (plan[i].ret != ret || !plan[i].off ||
			    (!a->inherit && same_program(plan, i, i, offs)))
				continue;	/* attached with the first of its offsets */
			if (a->inherit) {
				l = attach_inherited(t, plan[i].prog, pid, path, plan[i].off, ret,
						     &a->ev[a->nlinks], &a->inh[a->nlinks]);
				if (l) {
					a->links[a->nlinks++] =
						(struct hs_link){ .l = l, .fd = -1 };
					continue;
				}
				err = errno ? -errno : -EINVAL;
				/* no tracefs uprobe events: probes that are not inherited */
				if (!a->nlinks) {
					a->inherit = 0;
					t->ninherit = 0;
				}
			}
			if (!a->inherit)
				err = hs_uprobes_attach(plan[i].prog, pid, path, offs,
							same_program(plan, nplan, i, offs), ret,
							0, a->links, &a->nlinks);
			if (!err)
				continue;
			snprintf(why, whylen, "cannot attach a uprobe to %s in %s: %s%s",
				 plan[i].name, path, strerror(-err),
				 err == -EACCES || err == -EPERM ? " (needs root or CAP_SYS_ADMIN)" : "");
			detach(a);
			return err;
		}
	}
	t->natts++;
	return 0;
}

/* One line of /proc/PID/maps: an executable mapping of a file. */
struct mapping {
	uint64_t start, end, dev, ino;
	char path[256];
};

static int parse_maps_line(const char *line, struct mapping *m)
{
	unsigned long long start, end, ino;
	unsigned maj, min;
	char perms[8];
	int n = 0;
	const char *p;

	if (sscanf(line, "%llx-%llx %7s %*x %x:%x %llu %n", &start, &end, perms, &maj, &min, &ino,
		   &n) != 6 || !n)
		return 0;
	if (perms[2] != 'x' || !ino)
		return 0;
	p = line + n;
	if (*p != '/')
		return 0;
	m->start = start;
	m->end = end;
	m->dev = makedev(maj, min);
	m->ino = ino;
	snprintf(m->path, sizeof(m->path), "%.*s", (int)strcspn(p, "\n"), p);
	return 1;
}

static int deleted(const char *path)
{
	size_t l = strlen(path);

	return l > 10 && !strcmp(path + l - 10, " (deleted)");
}

/* The name a library is shown by: its file name, without the " (deleted)" the maps add to
 * a file replaced on disk (output fields hold no spaces). */
static void lib_name(const char *path, char *out, size_t len)
{
	const char *b = base_name(path);
	size_t n = strlen(b) - (deleted(b) ? 10 : 0);

	snprintf(out, len, "%.*s", (int)n, b);
}

/* The TLS implementation a mapped file carries when it is neither OpenSSL nor GnuTLS: its
 * plaintext is not read, and a process using one is told so rather than left unexplained. */
static const char *other_tls(const char *path)
{
	static const struct { const char *prefix, *name; } libs[] = {
		{ "libnss3.so", "NSS" },
		{ "libmbedtls.so", "Mbed TLS" }, { "libwolfssl.so", "wolfSSL" },
		{ "libjvm.so", "Java's JSSE" },
	};
	const char *b = base_name(path);

	for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++)
		if (!strncmp(b, libs[i].prefix, strlen(libs[i].prefix)))
			return libs[i].name;
	return NULL;
}

/* Is this mapping worth an ELF look: a libssl or a libgnutls, or the executable itself? */
static int candidate(const struct mapping *m, const char *exe)
{
	const char *b = base_name(m->path);

	if (exe[0] && !strcmp(m->path, exe))
		return 1;
	/* libssl.so.3, libssl.so.1.1, libssl-<hash>.so.*; NSS's libssl3.so has no SSL_read
	 * and is ruled out by its symbols; libgnutls.so.30, not libgnutls-dane or -openssl */
	return !strncmp(b, "libssl", 6) || !strncmp(b, "libgnutls.so", 12);
}

/* The path the kernel should open for a mapping of pid: through its root (other mount
 * namespaces), or through map_files when the file was replaced or deleted. */
static void probe_path(uint32_t pid, const struct mapping *m, char *out, size_t len)
{
	struct stat st;

	snprintf(out, len, "/proc/%u/root%s", pid, m->path);
	if (!deleted(m->path) && stat(out, &st) == 0 && st.st_ino == m->ino)
		return;
	snprintf(out, len, "/proc/%u/map_files/%llx-%llx", pid, (unsigned long long)m->start,
		 (unsigned long long)m->end);
}

static void exe_path(uint32_t pid, char *exe, size_t len)
{
	char p[64];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/%u/exe", pid);
	n = readlink(p, exe, len - 1);
	exe[n > 0 ? n : 0] = '\0';
}

static struct hs_tls_target *target_add(struct hs_tls *t, uint32_t pid)
{
	struct hs_tls_target *tg;

	if (grow((void **)&t->targets, &t->cap_targets, t->ntargets, sizeof(*t->targets)))
		return NULL;
	tg = &t->targets[t->ntargets++];
	memset(tg, 0, sizeof(*tg));
	tg->pid = pid;
	tg->changed = 1;
	return tg;
}

static void target_set(struct hs_tls_target *tg, enum hs_tls_state state, const char *lib,
		       const char *path, const char *why)
{
	if (state == HS_TLS_HOOKED)
		tg->told |= 1u << impl_of(path);
	if (tg->state == state && !strcmp(tg->why, why) && !strcmp(tg->lib, lib))
		return;
	tg->state = state;
	tg->impl = impls[impl_of(path)].name;
	snprintf(tg->lib, sizeof(tg->lib), "%s", lib);
	snprintf(tg->path, sizeof(tg->path), "%s", path);
	snprintf(tg->why, sizeof(tg->why), "%s", why);
	tg->changed = 1;
}

/* Which library a process's plaintext comes from, one name per process and library (a
 * process may map OpenSSL and GnuTLS), kept for processes that have exited by the time
 * their first record is decoded. */
static void name_set(struct hs_tls *t, uint32_t pid, const char *name)
{
	size_t i = 0;

	while (i < NAME_CACHE &&
	       (t->names[i].pid != pid || impl_of(t->names[i].name) != impl_of(name)))
		i++;
	if (i == NAME_CACHE) {
		i = t->next_name;
		t->next_name = (t->next_name + 1) % NAME_CACHE;
	}
	t->names[i].pid = pid;
	snprintf(t->names[i].name, sizeof(t->names[i].name), "%.31s", name);
}

/* The process's maps cannot be read: it ended, or it is not ours to read. */
static void maps_unreadable(struct hs_tls_target *tg, int err)
{
	char why[128];

	if (!tg)
		return;
	if (err == ENOENT || err == ESRCH) {
		target_set(tg, HS_TLS_GONE, "", "", "the process ended");
		return;
	}
	snprintf(why, sizeof(why), "cannot read its /proc/PID/maps: %s%s", strerror(err),
		 err == EACCES || err == EPERM ? " (needs root or CAP_SYS_PTRACE)" : "");
	target_set(tg, HS_TLS_FAILED, "", "", why);
}

/* Scans one process. With attach_pid -1 (every process), new files are attached for all
 * processes and each gets a target of its own; otherwise tg describes this process. */
static int scan_pid(struct hs_tls *t, uint32_t pid, int attach_pid, struct hs_tls_target *tg)
{
	char p[64], line[512], exe[256], path[300], why[192] = "", other_lib[64] = "";
	const char *other = NULL;
	char found_lib[32] = "";
	struct mapping m, found = { 0 }, fresh = { 0 };
	int hooked = 0, failed = 0, added = 0, err;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%u/maps", pid);
	f = fopen(p, "re");
	if (!f) {
		maps_unreadable(tg, errno);
		return 0;
	}
	exe_path(pid, exe, sizeof(exe));
	while (fgets(line, sizeof(line), f)) {
		struct elf_entry *e;
		char lib[32];

		if (!strchr(line, '\n') && !feof(f)) {
			int c;	/* an overlong line: skip the rest of it */

			while ((c = fgetc(f)) != EOF && c != '\n')
				;
		}
		if (!parse_maps_line(line, &m))
			continue;
		if (!other && (other = other_tls(m.path)))
			snprintf(other_lib, sizeof(other_lib), "%.63s", base_name(m.path));
		if (!candidate(&m, exe))
			continue;
		lib_name(m.path, lib, sizeof(lib));
		if (attached(t, m.dev, m.ino, attach_pid)) {
			hooked = 1;
			found = m;
			name_set(t, pid, lib);
			/* hooked in advance (scan_lib_dirs): told when first seen mapped */
			if (tg && !(tg->told & 1u << impl_of(m.path)))
				fresh = m;
			continue;
		}
		probe_path(pid, &m, path, sizeof(path));
		e = elf_get(t, m.dev, m.ino, path, impl_of(m.path));
		if (!e) {
			fclose(f);
			return -ENOMEM;
		}
		if (e == &t->unopened && (e->err == -EACCES || e->err == -EPERM)) {
			/* not ours to read: whether it holds OpenSSL is not known, and it could
			 * not be hooked anyway */
			err = e->err;
			snprintf(why, sizeof(why), "cannot open %.128s: %s (needs root)",
				 m.path, strerror(-err));
		} else if (e->err || (attach_pid == -1 && e->attach_err)) {
			continue;	/* no TLS library in this file, or it cannot be hooked */
		} else {
			err = attach_file(t, e, path, attach_pid, why, sizeof(why));
			/* the path went with the process (/proc/PID/root, map_files): the file is
			 * fine, and the next process that maps it is to be hooked */
			if ((err == -ENOENT || err == -ESRCH) && access(path, F_OK) &&
			    (errno == ENOENT || errno == ESRCH))
				err = -ESRCH;
			else
				e->attach_err = err;
		}
		if (err) {
			if (err == -ESRCH) {
				fclose(f);	/* not a failure: the process ended meanwhile */
				if (tg)
					target_set(tg, HS_TLS_GONE, "", "", "the process ended");
				return added;
			}
			failed = 1;
			found = m;
			if (!tg && (tg = target_add(t, 0))) {
				hs_proc_comm(pid, tg->comm, sizeof(tg->comm));
				target_set(tg, HS_TLS_FAILED, lib, m.path, why);
				tg = NULL;
			}
			continue;
		}
		added++;
		name_set(t, pid, lib);
		if (!tg) {
			struct hs_tls_target *n = target_add(t, 0);

			if (n) {
				hs_proc_comm(pid, n->comm, sizeof(n->comm));
				target_set(n, HS_TLS_HOOKED, lib, m.path, "");
			}
		} else {
			hooked = 1;
			found = fresh = m;
		}
	}
	/* another user's process without CAP_SYS_PTRACE: the open works, the read fails */
	if (ferror(f) && !hooked && !failed) {
		maps_unreadable(tg, errno);
		fclose(f);
		return added;
	}
	fclose(f);
	if (!tg)
		return added;
	/* a second library hooked later (GnuTLS beside OpenSSL) is told once, as the first was;
	 * looks that hook nothing new leave the target as it was told */
	if (fresh.path[0])
		found = fresh;
	else if (hooked && tg->state == HS_TLS_HOOKED)
		return added;
	if (found.path[0])
		lib_name(found.path, found_lib, sizeof(found_lib));
	if (hooked)
		target_set(tg, HS_TLS_HOOKED, found_lib, found.path, "");
	else if (failed)
		target_set(tg, HS_TLS_FAILED, found_lib, found.path, why);
	else {
		if (other)
			snprintf(why, sizeof(why), "no OpenSSL or GnuTLS: its TLS goes through %s "
				 "(%s), which is not hooked: that traffic shows nothing", other,
				 other_lib);
		else
			snprintf(why, sizeof(why), "no OpenSSL or GnuTLS: no libssl or libgnutls "
				 "mapped and no SSL_read in %.64s",
				 exe[0] ? base_name(exe) : "its executable");
		target_set(tg, HS_TLS_NONE, "", "", why);
	}
	return added;
}

/* The libraries of the usual directories, attached for pid before it maps them. Every-process
 * mode (pid -1): for processes not started yet. With a PID filter: for each target given at
 * the start, as a program it runs may make its requests before its exec is even seen (wget,
 * curl), and after an exec (a -f child's: each uprobe takes the kernel a while to remove, so
 * a fork storm does not pay for them in advance). */
static int scan_lib_dirs(struct hs_tls *t, int pid)
{
	static const char *const dirs[] = {
		"/lib/*", "/usr/lib/*", "/lib", "/usr/lib", "/lib64", "/usr/lib64",
		"/usr/local/lib", "/usr/local/lib64",
	}, *const libs[] = { "libssl.so.*", "libgnutls.so.*" };
	int added = 0;

	for (size_t i = 0; i < 2 * sizeof(dirs) / sizeof(dirs[0]); i++) {
		char pat[64];
		glob_t g;

		snprintf(pat, sizeof(pat), "%s/%s", dirs[i / 2], libs[i % 2]);
		if (glob(pat, 0, NULL, &g))
			continue;
		for (size_t j = 0; j < g.gl_pathc; j++) {
			const char *path = g.gl_pathv[j];
			struct elf_entry *e;
			struct hs_tls_target *tg;
			struct stat st;
			char why[192];

			if (stat(path, &st) || !S_ISREG(st.st_mode) ||
			    attached(t, st.st_dev, st.st_ino, pid))
				continue;
			e = elf_get(t, st.st_dev, st.st_ino, path, impl_of(path));
			if (!e) {
				globfree(&g);
				return -ENOMEM;
			}
			if (e->err || (pid == -1 && e->attach_err))
				continue;
			if (pid != -1) {
				/* what it maps is told when a look finds it */
				added += !attach_file(t, e, path, pid, why, sizeof(why));
				continue;
			}
			tg = target_add(t, 0);
			if ((e->attach_err = attach_file(t, e, path, -1, why, sizeof(why)))) {
				if (tg)
					target_set(tg, HS_TLS_FAILED, base_name(path), path, why);
				continue;
			}
			added++;
			if (tg)
				target_set(tg, HS_TLS_HOOKED, base_name(path), path, "");
		}
		globfree(&g);
	}
	return added;
}

/* Every-process mode: remember scanned pids (open addressing, grown at half full). */
static int seen_add(struct hs_tls *t, uint32_t pid)
{
	size_t i;

	if (2 * (t->nseen + 1) > t->seen_cap) {
		size_t ncap = t->seen_cap ? t->seen_cap * 2 : 1024;
		uint32_t *n = calloc(ncap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		for (size_t j = 0; j < t->seen_cap; j++) {
			if (!t->seen[j])
				continue;
			for (i = t->seen[j] * 2654435761u % ncap; n[i]; i = (i + 1) % ncap)
				;
			n[i] = t->seen[j];
		}
		free(t->seen);
		t->seen = n;
		t->seen_cap = ncap;
	}
	for (i = pid * 2654435761u % t->seen_cap; t->seen[i]; i = (i + 1) % t->seen_cap)
		if (t->seen[i] == pid)
			return 0;
	t->seen[i] = pid;
	t->nseen++;
	return 1;
}

static int scan_all(struct hs_tls *t)
{
	DIR *d = opendir("/proc");
	int added = 0, r;
	uint32_t pid;

	if (!d)
		return -errno;
	while ((pid = hs_proc_next(d))) {
		r = seen_add(t, pid);
		if (r < 0) {
			closedir(d);
			return r;
		}
		if (r == 0)
			continue;
		r = scan_pid(t, pid, -1, NULL);
		if (r < 0) {
			closedir(d);
			return r;
		}
		added += r;
	}
	closedir(d);
	return added;
}

/* With a PID filter: one target, its name again too (it may have called execve). */
static int scan_target(struct hs_tls *t, struct hs_tls_target *tg)
{
	hs_proc_comm(tg->pid, tg->comm, sizeof(tg->comm));
	return scan_pid(t, tg->pid, tg->pid, tg);
}

int hs_tls_rescan(struct hs_tls *t)
{
	int added = 0, r;

	if (t->system_wide) {
		r = scan_lib_dirs(t, -1);
		if (r < 0)
			return r;
		added += r;
		r = scan_all(t);
		return r < 0 ? r : added + r;
	}
	for (size_t i = 0; i < t->ntargets; i++) {
		struct hs_tls_target *tg = &t->targets[i];

		/* hooked ones too: a process may load a second library (GnuTLS beside OpenSSL) */
		if (tg->state == HS_TLS_GONE)
			continue;
		r = scan_target(t, tg);
		if (r < 0)
			return r;
		added += r;
	}
	return added;
}

/* The pid's library names: a new program (execve), or another process with its id. */
static void names_forget(struct hs_tls *t, uint32_t pid)
{
	for (size_t i = 0; i < NAME_CACHE; i++)
		if (t->names[i].pid == pid)
			t->names[i].pid = 0;
}

int hs_tls_add_pid(struct hs_tls *t, uint32_t pid, int exec)
{
	struct hs_tls_target *tg = NULL;
	int added = 0;

	/* the old program's library would name the new one's plaintext, should its probes
	 * come too late for a look to name them */
	if (exec)
		names_forget(t, pid);
	if (t->system_wide) {
		/* a new program: OpenSSL linked into it (node) is mapped already, a libssl
		 * outside the usual directories (a container's) only once the loader ran */
		if (seen_add(t, pid) < 0)
			return -ENOMEM;
		if (t->nlater < LATER_MAX)
			t->later[t->nlater++] = (struct later){ pid, 0, hs_now_ms() };
		return scan_pid(t, pid, -1, NULL);
	}
	for (size_t i = 0; i < t->ntargets && !tg; i++)
		if (t->targets[i].pid == pid)
			tg = &t->targets[i];
	if (!tg && !(tg = target_add(t, pid)))
		return -ENOMEM;
	if (exec)
		tg->told = 0;	/* the new program's libraries are told anew */
	if (exec && (added = scan_lib_dirs(t, pid)) < 0)
		return added;
	return added + scan_target(t, tg);
}

static double later_due(const struct later *l)
{
	return l->exec + later_ms[l->looks];
}

int hs_tls_look_again(struct hs_tls *t)
{
	double now = hs_now_ms(), next = -1;
	size_t n = 0;

	for (size_t i = 0; i < t->nlater; i++) {
		struct later *l = &t->later[i];

		if (later_due(l) <= now) {
			/* most programs run for less than that: nothing to look at */
			if (kill(l->pid, 0))
				continue;
			scan_pid(t, l->pid, -1, NULL);
			if (++l->looks == sizeof(later_ms) / sizeof(later_ms[0]))
				continue;
		}
		if (next < 0 || later_due(l) < next)
			next = later_due(l);
		t->later[n++] = *l;
	}
	t->nlater = n;
	if (next < 0)
		return -1;
	return next - now < LATER_WAIT ? LATER_WAIT : (int)(next - now) + 1;
}

void hs_tls_forget_pid(struct hs_tls *t, uint32_t pid)
{
	size_t n = 0;

	names_forget(t, pid);	/* the pid may come back for another program */
	if (t->system_wide) {
		for (size_t i = 0; i < t->nlater; i++)
			if (t->later[i].pid != pid)
				t->later[n++] = t->later[i];
		t->nlater = n;
		return;
	}
	for (size_t i = 0; i < t->natts; i++) {
		if (t->atts[i].pid != (int)pid) {
			t->atts[n++] = t->atts[i];
		} else if (t->atts[i].inherit) {
			/* its children, which may outlive it, keep them until the end; a process
			 * that reuses the pid is not taken for hooked */
			t->atts[i].pid = 0;
			t->atts[n++] = t->atts[i];
		} else {
			detach(&t->atts[i]);
		}
	}
	t->natts = n;
	n = 0;
	for (size_t i = 0; i < t->ntargets; i++)
		if (t->targets[i].pid != pid)
			t->targets[n++] = t->targets[i];
	t->ntargets = n;
}

int hs_tls_open(struct hs_tls **out, struct httpsnoop_bpf *skel, const struct hs_tls_opts *o)
{
	struct hs_tls *t;
	int err;

	*out = NULL;
	if (!skel || !skel->bss)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->skel = skel;
	t->system_wide = o->npids == 0;
	if (o->probe_only) {
		/* the baseline: the same uprobes, counting only, and no syscall hooks */
		skel->bss->openssl_probe_only = 1;
		httpsnoop_bpf__detach(skel);
	}
	for (size_t i = 0; i < o->npids; i++) {
		if (!target_add(t, o->pids[i])) {
			err = -ENOMEM;
			goto cleanup;
		}
	}
	if (o->inherit && o->npids) {
		t->inherit = malloc(o->npids * sizeof(*t->inherit));
		if (!t->inherit) {
			err = -ENOMEM;
			goto cleanup;
		}
		memcpy(t->inherit, o->pids, o->npids * sizeof(*t->inherit));
		t->ninherit = o->npids;
		hs_tls_sweep_events();
	}
	/* a program a target runs may be done before its exec is seen (wget, curl): the
	 * libraries it would map are hooked for it in advance; first, as a target mapping one
	 * is then told as hooked (through a uprobe_multi link, a process of another user whose
	 * files cannot be opened can still be hooked at the copy of the usual directories) */
	err = 0;
	for (size_t i = 0; i < t->ntargets && err >= 0; i++)
		err = scan_lib_dirs(t, t->targets[i].pid);
	if (err >= 0)
		err = hs_tls_rescan(t);
	if (err < 0)
		goto cleanup;
	*out = t;
	return 0;
cleanup:
	hs_tls_free(t);
	return err;
}

struct hs_tls_target *hs_tls_targets(struct hs_tls *t, size_t *n)
{
	*n = t->ntargets;
	return t->targets;
}

/* Whether pid maps a file of library impl (-1: either) that is hooked (its name goes to
 * buf): 1, 0, or -1 when its maps could not be read (gone, a zombie, not ours). */
static int hooked_mapping(const struct hs_tls *t, uint32_t pid, int impl, char *buf,
			  size_t len)
{
	char p[64], line[512];
	struct mapping m;
	int found = -1;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%u/maps", pid);
	f = fopen(p, "re");
	while (f && found != 1 && fgets(line, sizeof(line), f)) {
		if (!parse_maps_line(line, &m))
			continue;
		found = 0;
		if (impl >= 0 && impl_of(m.path) != impl)
			continue;
		for (size_t i = 0; i < t->natts && !found; i++)
			if (t->atts[i].dev == m.dev && t->atts[i].ino == m.ino) {
				lib_name(m.path, buf, len);
				found = 1;
			}
	}
	if (f)
		fclose(f);
	return found;
}

int hs_tls_hooked(const struct hs_tls *t, uint32_t pid)
{
	char name[32];

	for (size_t i = 0; i < t->ntargets; i++)
		if (t->targets[i].pid == pid && t->targets[i].state == HS_TLS_HOOKED)
			return 1;
	for (size_t i = 0; i < NAME_CACHE; i++)
		if (t->names[i].pid == pid && pid)
			return 1;
	return hooked_mapping(t, pid, -1, name, sizeof(name));
}

/* buf becomes name when it is of library impl and the first such, generic when another
 * such name came before. */
static void name_if_one(char *buf, size_t len, const char *name, int impl, const char *generic,
			size_t *named)
{
	if (impl_of(name) != impl)
		return;
	if (!(*named)++)
		snprintf(buf, len, "%s", name);
	else if (strcmp(buf, name))
		snprintf(buf, len, "%s", generic);
}

void hs_tls_lib_name(struct hs_tls *t, uint32_t pid, int gnutls, char *buf, size_t len)
{
	int impl = gnutls ? IMPL_GNUTLS : IMPL_OPENSSL;
	const char *generic = gnutls ? "gnutls" : "openssl", *advance = NULL;
	size_t named = 0;

	/* a process may map both libraries: only a name of the library that was called */
	for (size_t i = 0; i < t->ntargets; i++)
		if (t->targets[i].pid == pid && t->targets[i].lib[0] &&
		    impl_of(t->targets[i].lib) == impl) {
			snprintf(buf, len, "%s", t->targets[i].lib);
			return;
		}
	for (size_t i = 0; i < NAME_CACHE; i++)
		if (t->names[i].pid == pid && pid && impl_of(t->names[i].name) == impl) {
			snprintf(buf, len, "%s", t->names[i].name);
			return;
		}
	/* the process may be gone already: with one such library hooked, it is that one; or
	 * the one such file hooked for it in advance (a program it ran, done before a look,
	 * which is then told as hooked) */
	snprintf(buf, len, "%s", generic);
	for (size_t i = 0; i < t->ntargets; i++)
		if (t->targets[i].state == HS_TLS_HOOKED)
			name_if_one(buf, len, t->targets[i].lib, impl, generic, &named);
	for (size_t i = 0; i < t->natts && !(named && !advance); i++) {
		char n[32];

		if (t->atts[i].pid != (int)pid || impl_of(t->atts[i].path) != impl)
			continue;
		lib_name(t->atts[i].path, n, sizeof(n));
		name_if_one(buf, len, n, impl, generic, &named);
		advance = t->atts[i].path;
	}
	if (hooked_mapping(t, pid, impl, buf, len) != 1 && advance && named == 1)
		for (size_t i = 0; i < t->ntargets; i++)
			if (t->targets[i].pid == pid && t->targets[i].state != HS_TLS_GONE &&
			    !(t->targets[i].told & 1u << impl))
				target_set(&t->targets[i], HS_TLS_HOOKED, buf, advance, "");
	name_set(t, pid, buf);
}

int hs_tls_counters(struct hs_tls *t, uint64_t out[HS_TLS_CNT_MAX])
{
	return hs_percpu_sum(t->skel->maps.ssl_stats, HS_TLS_CNT_MAX, out);
}

void hs_tls_free(struct hs_tls *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->natts; i++)
		detach(&t->atts[i]);
	free(t->atts);
	free(t->inherit);
	free(t->elfs);
	free(t->targets);
	free(t->seen);
	free(t);
}
