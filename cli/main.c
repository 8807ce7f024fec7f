/* main.c: httpsnoop's command line: options, signals, the main loop, exit codes. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/stat.h>

#include "capture.h"
#include "container.h"
#include "conn.h"
#include "gotls.h"
#include "output.h"
#include "proc.h"
#include "recfile.h"
#include "tls.h"

#define MAX_TARGETS 1024
/* -f: processes started while tracing whose TLS libraries are hooked at once, and uprobes
 * still being removed past which no more are hooked. Each process takes 5-10 uprobes, and
 * the kernel removes uprobes one at a time (30-100 ms each on the test VMs): a fork storm
 * must not leave minutes of that for when httpsnoop stops. */
#define MAX_HOOKED_FORKS 16
#define MAX_REAPING 64
#define MAX_REDACT 64

enum forked { NOT_FORKED = 0, FORK_HOOKED, FORK_UNHOOKED };

static volatile sig_atomic_t stop;

#define MAX_TOLD_TLS 64

struct app {
	struct hs_conns *conns;
	struct hs_output *out;
	FILE *wfile;			/* -w */
	long count;			/* -c: stop after this many exchanges; 0: never */
	long printed;
	uint64_t written;		/* records written with -w */
	int out_err;
	uint32_t pids[MAX_TARGETS];
	uint8_t told_uring[MAX_TARGETS];	/* "uses io_uring" said for pids[i] */
	unsigned nchildren[MAX_TARGETS];	/* children of pids[i] not traced, at start */
	uint8_t forked[MAX_TARGETS];		/* pids[i] came from a FORK record: enum forked */
	size_t npids;
	size_t alive;			/* -p targets still running */
	struct hs_gotls *gotls;		/* Go crypto/tls probes */
	struct hs_tls *tls;		/* OpenSSL and GnuTLS probes */
	struct hs_capture *cap;
	int follow;			/* -f */
	int told_full;			/* "following at most" said */
	int told_hooks;			/* "MAX_HOOKED_FORKS" said */
	int verbose;
	char told_tls[MAX_TOLD_TLS][16];	/* commands named for TLS not shown, round robin */
	unsigned ntold_tls;
	uint32_t told_h2[MAX_TOLD_TLS];		/* pids told of HTTP/2 seen midway, round robin */
	unsigned ntold_h2;
	const struct hs_capture_opts *filter;	/* -r: what to show of the file */
	struct {				/* TLS library names: written to -w files */
		uint32_t pid;			/* before a process's first TLS record, read */
		uint8_t source;			/* back from -r files; round robin */
		char name[HS_TLS_LIB_LEN];
	} libs[MAX_TOLD_TLS];
	unsigned nlibs;
};

/* Taking the probes away waits for the kernel, a grace period per uprobe: seconds for the
 * dozens of every-process mode, more on a busy machine. A child holding copies of every
 * descriptor takes them away once this process has gone (its own closes then cost nothing),
 * so the command ends with its output, and `| head -1` or -c returns at once. */
static void detach_later(void)
{
	int p[2], null;
	char ch;

	if (pipe(p))
		return;
	switch (fork()) {
	case -1:
		close(p[0]);
		close(p[1]);
		return;
	case 0:
		break;
	default:
		close(p[0]);	/* p[1] goes with this process */
		return;
	}
	/* killed, it does the same in its exit, with no one waiting */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	close(p[1]);
	/* nothing the output's readers wait for stays open here */
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd < 3 && null >= 0; fd++)
		dup2(null, fd);
	while (read(p[0], &ch, 1) < 0 && errno == EINTR)
		;
	close_range(3, ~0U, 0);	/* the slow part */
	hs_tls_sweep_events();	/* -f: the tracefs events, now unused */
	_exit(0);
}

static void help(void)
{
	printf(
"Usage: httpsnoop [OPTIONS]\n"
"Print the HTTP requests and responses of running processes, TLS included, as they happen.\n"
"\n"
"Targets (default: every process):\n"
"  -p, --pid PID[,PID...]   trace these processes (repeatable)\n"
"  -f, --follow-forks       with -p: also the processes they start\n"
"      --container ID       every process of this container (id or unique prefix)\n"
"      --comm NAME          only processes with this command name (repeatable)\n"
"      --port PORT          only connections with this local or remote port, a number or a\n"
"                           name from /etc/services (repeatable)\n"
"      --host ADDR          only connections whose other end has this IPv4/IPv6 address\n"
"                           (repeatable)\n"
"Output:\n"
"  -v, --verbose            add headers; -vv adds bodies\n"
"  -j, --json               one JSON object per exchange per line\n"
"  -s, --snaplen BYTES      body bytes kept per message (default 4096; 0: 16 MiB)\n"
"  -c, --count N            exit after N exchanges\n"
"  -B, --buffer-size KiB    kernel ring buffer (default 8192; a power of two)\n"
"      --raw                print the captured byte streams, no HTTP decoding\n"
"      --no-redact          show (Proxy-)Authorization, Cookie and Set-Cookie values\n"
"      --redact-header NAME also hide this header's value (repeatable)\n"
"      --no-color           no colour even on a terminal (also: NO_COLOR=1)\n"
"Files:\n"
"  -w, --write FILE         save the captured records to FILE instead of printing\n"
"  -r, --read FILE          decode a file saved with -w (no root needed)\n"
"  -h, --help               this help;  --version  the version\n"
"\n"
"Examples:\n"
"  sudo httpsnoop -p $(pgrep -d, nginx)           every exchange of nginx, one line each\n"
"  sudo httpsnoop -p 4242 -vv -s 0                with headers and whole bodies\n"
"  sudo httpsnoop -j | jq 'select(.response.status >= 500)'\n"
"  sudo httpsnoop | grep --line-buffered ' POST '\n"
"\n"
"Needs root (or the capabilities in httpsnoop(8)) and Linux >= 5.8 with BTF.\n");
}

static void usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "httpsnoop: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see httpsnoop --help)\n");
	exit(2);
}

static long parse_num(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	/* digits only: strtol() would also take leading blanks and a sign ("-p +1") */
	if (!isdigit((unsigned char)*s))
		usage_error(what, s);
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		usage_error(what, s);
	return v;
}

/* --port: a number, or a TCP service name or alias from /etc/services (as tcpdump takes
 * "port http"). Read here rather than with getservbyname(), which a static binary would
 * take from the C library of the machine it was built on. */
static long parse_port(const char *s)
{
	const char *bad = "not a port (1 to 65535) or a TCP service name in /etc/services: '%s'";
	char line[1024], *save, *name, *num, *alias;
	FILE *f;
	long port = 0;

	if (*s >= '0' && *s <= '9')
		return parse_num(s, 1, 65535, bad);
	f = fopen("/etc/services", "re");
	/* "name port/protocol aliases... # comment" */
	while (f && !port && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "#")] = '\0';
		name = strtok_r(line, " \t\r\n", &save);
		num = strtok_r(NULL, " \t\r\n", &save);
		if (!name || !num || !strstr(num, "/tcp"))
			continue;
		for (alias = name; alias; alias = strtok_r(NULL, " \t\r\n", &save))
			if (!strcmp(alias, s))
				break;
		if (alias)
			port = strtol(num, NULL, 10);
	}
	if (f)
		fclose(f);
	if (port < 1 || port > 65535)
		usage_error(bad, s);
	return port;
}

/* Nothing more goes out: an output error, or -c reached. */
static int finished(const struct app *a)
{
	return a->out_err || (a->count && a->printed >= a->count);
}

static void on_exchange(const struct hs_exchange *ex, void *ctx)
{
	struct app *a = ctx;
	int err;

	if (finished(a))
		return;
	/* with -w, exchanges are decoded only for -c, and counted, not printed */
	err = a->wfile ? 0 : hs_output_exchange(a->out, ex);
	if (err) {
		a->out_err = err;
		stop = 1;
		return;
	}
	/* a look at a response still arriving: the exchange comes again, and counts then */
	if (ex->flags & HS_EX_STREAMING)
		return;
	if (++a->printed == a->count)
		stop = 1;
}

static void on_raw(const struct hs_conninfo *ci, int dir, const uint8_t *data, size_t len,
		   uint64_t ts, void *ctx)
{
	struct app *a = ctx;
	int err;

	/* -c counts reads and writes here, as tcpdump counts packets */
	if (finished(a))
		return;
	err = hs_output_raw(a->out, ci, dir, data, len, ts);
	if (err) {
		a->out_err = err;
		stop = 1;
		return;
	}
	if (++a->printed == a->count)
		stop = 1;
}

static void report_tls(struct app *a);

static size_t target_index(const struct app *a, uint32_t pid)
{
	for (size_t i = 0; i < a->npids; i++)
		if (a->pids[i] == pid)
			return i;
	return SIZE_MAX;
}

/* -f: makes process pid, started by parent, a target, in the slot of one that has exited if
 * there is one, and returns its index. SIZE_MAX when all MAX_TARGETS slots hold running
 * targets (said once). */
static size_t add_target(struct app *a, uint32_t pid, uint32_t parent)
{
	char comm[32];
	size_t i = 0;

	while (i < a->npids && a->pids[i])
		i++;
	if (i == MAX_TARGETS) {
		if (!a->told_full++)
			fprintf(stderr, "httpsnoop: following at most %d processes at once: pid %u is "
				"not traced\n", MAX_TARGETS, pid);
		return SIZE_MAX;
	}
	if (i == a->npids)
		a->npids++;
	a->pids[i] = pid;
	a->told_uring[i] = 0;
	a->nchildren[i] = 0;
	a->forked[i] = NOT_FORKED;
	if (a->verbose) {
		hs_proc_comm(pid, comm, sizeof(comm));
		hs_output_note(stderr, "pid %u (%s), started by %u: traced", pid, comm, parent);
	}
	return i;
}

/* Hooks the TLS libraries process pid maps now (a new target, or one that ran execve; in
 * every-process mode, any process that ran execve, for all processes of those files). */
static void hook_tls(struct app *a, uint32_t pid, int exec)
{
	if (a->tls)
		hs_tls_add_pid(a->tls, pid, exec);
	if (a->gotls && a->npids)
		hs_gotls_attach_pid(a->gotls, pid);
	else if (a->gotls)
		hs_gotls_attach_all(a->gotls, pid);
	report_tls(a);
}

/* Process pid ended: a target no more (stop when none is left, like strace -p), and its
 * probes go with it (-f may see thousands of short-lived processes; a new program is not
 * looked at any more). */
static void process_ended(struct app *a, uint32_t pid)
{
	for (size_t i = 0; i < a->npids; i++) {
		if (a->pids[i] == pid) {
			a->pids[i] = 0;
			if (--a->alive == 0)
				stop = 1;
		}
	}
	if (a->tls)
		hs_tls_forget_pid(a->tls, pid);
	if (a->gotls && a->npids)
		hs_gotls_forget_pid(a->gotls, pid);
}

/* Targets that ended with no EXIT record, which would keep httpsnoop waiting for them
 * forever: before the probes were attached (at_start), or while the ring was full and lost
 * it. Gone now, or zombies. */
static void reap_targets(struct app *a, int at_start)
{
	for (size_t i = 0; i < a->npids; i++) {
		uint32_t pid = a->pids[i];

		if (!pid || (hs_proc_tgid(pid) && !hs_proc_exited(pid)))
			continue;
		if (at_start)
			hs_output_note(stderr, "pid %u exited before tracing began", pid);
		process_ended(a, pid);
	}
}

/* -f: task tid, made by traced process pid, is traced from its start. A thread is covered
 * by its process already; a process becomes a target, with its TLS libraries hooked. */
static void on_fork(struct app *a, uint32_t pid, uint32_t tid)
{
	size_t i, hooked = 0;

	if (hs_proc_tgid(tid) != tid) {
		hs_capture_unfollow(a->cap, tid);	/* a thread, or gone already */
		return;
	}
	i = add_target(a, tid, pid);
	if (i == SIZE_MAX) {
		hs_capture_unfollow(a->cap, tid);
		return;
	}
	a->alive++;
	for (size_t j = 0; j < a->npids; j++)
		hooked += a->pids[j] && a->forked[j] == FORK_HOOKED;
	if (hooked == MAX_HOOKED_FORKS || hs_link_reaping() > MAX_REAPING) {
		a->forked[i] = FORK_UNHOOKED;
		if (!a->told_hooks++)
			fprintf(stderr, "httpsnoop: the targets start processes faster than their TLS "
				"libraries can be hooked: pid %u and others are not (at most %d at "
				"once)\n", tid, MAX_HOOKED_FORKS);
		return;
	}
	a->forked[i] = FORK_HOOKED;
	hook_tls(a, tid, 0);
}

/* Without -f: a target started a process, once per target (not again when it had children
 * at the start, which were named then). */
static void on_untraced_child(struct app *a, const struct hs_rec *r)
{
	size_t i = target_index(a, r->pid);

	if (i == SIZE_MAX || a->nchildren[i]++)
		return;
	hs_output_note(stderr, "pid %u (%.16s) started pid %u, which is not traced: its "
		       "connections are not shown (-f follows the processes it starts)", r->pid,
		       r->comm, r->tid);
}

/* The entry of pid's library of source, SIZE_MAX when none. */
static size_t lib_index(const struct app *a, uint32_t pid, int source)
{
	for (size_t i = 0; i < MAX_TOLD_TLS; i++)
		if (a->libs[i].pid == pid && pid && a->libs[i].source == source)
			return i;
	return SIZE_MAX;
}

/* The name of the TLS library whose probe reported source for pid: from the probes' state, or
 * (-r) from the file. */
static void tls_lib_name(struct app *a, uint32_t pid, int source, char *buf, size_t len)
{
	const char *lib = NULL;
	size_t k;

	buf[0] = '\0';
	if (source == HS_SOURCE_GOTLS && a->gotls)
		lib = hs_gotls_lib(a->gotls, pid);
	if ((source == HS_SOURCE_OPENSSL || source == HS_SOURCE_GNUTLS) && a->tls)
		hs_tls_lib_name(a->tls, pid, source == HS_SOURCE_GNUTLS, buf, len);
	if (!a->tls && !a->gotls && (k = lib_index(a, pid, source)) != SIZE_MAX)
		lib = a->libs[k].name;
	if (lib)
		snprintf(buf, len, "%s", lib);
}

/* -w: a TLS record of a process not named in the file yet: name its library first. */
static int write_tls_lib(struct app *a, const struct hs_rec *r)
{
	struct {
		struct hs_rec h;
		char name[HS_TLS_LIB_LEN];
	} rec = { .h = { .type = HS_REC_TLSLIB, .ts_ns = r->ts_ns, .pid = r->pid,
			 .tid = r->tid, .source = r->source } };
	unsigned k;

	if (r->type != HS_REC_DATA || r->source == HS_SRC_SYSCALL ||
	    lib_index(a, r->pid, r->source) != SIZE_MAX)
		return 0;
	memcpy(rec.h.comm, r->comm, sizeof(rec.h.comm));
	tls_lib_name(a, r->pid, r->source, rec.name, sizeof(rec.name));
	rec.h.len = rec.h.cap = strlen(rec.name);
	k = a->nlibs++ % MAX_TOLD_TLS;
	a->libs[k].pid = r->pid;
	a->libs[k].source = r->source;
	memcpy(a->libs[k].name, rec.name, sizeof(rec.name));
	return hs_recfile_write(a->wfile, &rec, sizeof(rec.h) + rec.h.cap);
}

/* -r: a library name from the file. */
static void read_tls_lib(struct app *a, const struct hs_rec *r, size_t size)
{
	size_t n = r->cap < size - sizeof(*r) ? r->cap : size - sizeof(*r), k;

	if (n >= HS_TLS_LIB_LEN)
		n = HS_TLS_LIB_LEN - 1;
	k = lib_index(a, r->pid, r->source);
	if (k == SIZE_MAX)
		k = a->nlibs++ % MAX_TOLD_TLS;
	a->libs[k].pid = r->pid;
	a->libs[k].source = r->source;
	memcpy(a->libs[k].name, r + 1, n);
	a->libs[k].name[n] = '\0';
}

/* A record to the -w file, or to the decoders. */
static void record_out(struct app *a, const void *data, size_t size)
{
	const struct hs_rec *r = data;

	if (a->wfile) {
		int err;

		/* -c: the file ends with the exchange that made the count */
		if (finished(a))
			return;
		err = write_tls_lib(a, r);
		if (!err)
			err = hs_recfile_write(a->wfile, data, size);
		if (err) {
			a->out_err = err;
			stop = 1;
			return;
		}
		a->written++;
		/* decoded only to count the exchanges the file holds, for -c */
		if (!a->count)
			return;
	}
	hs_conns_record(a->conns, data, size);
}

static void on_record(const void *data, size_t size, void *ctx)
{
	struct app *a = ctx;
	const struct hs_rec *r = data;
	size_t i;

	/* a new program (of a target, or of any process in every-process mode): hook its TLS
	 * before its first request */
	if (size >= sizeof(*r) && r->type == HS_REC_EXEC &&
	    (!a->npids || ((i = target_index(a, r->pid)) != SIZE_MAX &&
			   a->forked[i] != FORK_UNHOOKED)))
		hook_tls(a, r->pid, 1);
	if (size >= sizeof(*r) && r->type == HS_REC_FORK && a->follow)
		on_fork(a, r->pid, r->tid);
	if (size >= sizeof(*r) && r->type == HS_REC_FORK && (r->flags & HS_RF_UNTRACED))
		on_untraced_child(a, r);
	record_out(a, data, size);
	/* after its connections ended, which may tell what its hooked libraries did not see */
	if (size >= sizeof(*r) && r->type == HS_REC_EXIT)
		process_ended(a, r->pid);
	/* its id may come back for a process with another library */
	for (i = 0; size >= sizeof(*r) && r->type == HS_REC_EXIT && i < MAX_TOLD_TLS; i++)
		if (a->libs[i].pid == r->pid)
			a->libs[i].pid = 0;
}

/* -r: a record of the file, if the filters want it */
static void on_file_record(const void *data, size_t size, void *ctx)
{
	struct app *a = ctx;
	const struct hs_rec *r = data;

	if (size >= sizeof(*r) && r->type == HS_REC_TLSLIB)
		read_tls_lib(a, r, size);
	else if (size < sizeof(*r) || hs_capture_wants(a->filter, data))
		on_record(data, size, ctx);
}

static void on_gotls_note(const char *msg, int failed, void *ctx)
{
	struct app *a = ctx;

	if (a->verbose || failed)
		hs_output_note(stderr, "gotls: %s", msg);
}

static void on_tls_lib(struct hs_conninfo *ci, void *ctx)
{
	struct app *a = ctx;

	tls_lib_name(a, ci->pid, ci->source, ci->tls_lib, sizeof(ci->tls_lib));
	report_tls(a);	/* a library hooked in advance is told once it is seen in use */
}

/* A TLS connection ended with only its ciphertext seen: when its process has no hooked TLS
 * library (Java's, rustls, a BoringSSL linked in), say so once per command. */
static void on_tls_unseen(const struct hs_conninfo *ci, void *ctx)
{
	struct app *a = ctx;
	char peer[64];
	int tls, go;

	if (!a->tls)
		return;
	for (size_t i = 0; i < MAX_TOLD_TLS; i++)
		if (!strncmp(a->told_tls[i], ci->comm, sizeof(a->told_tls[i])))
			return;
	snprintf(a->told_tls[a->ntold_tls++ % MAX_TOLD_TLS], sizeof(a->told_tls[0]), "%s",
		 ci->comm);
	tls = hs_tls_hooked(a->tls, ci->pid);
	go = a->gotls && hs_gotls_lib(a->gotls, ci->pid);
	hs_output_peer(ci, peer, sizeof(peer));
	if (tls == 1 || go)	/* a new program's first moments, before its library was hooked */
		hs_output_note(stderr, "pid %u (%s): its TLS with %s was not shown: its hooked TLS "
			       "library saw none of it (it went before the hook was in place)",
			       ci->pid, ci->comm, peer);
	else if (tls < 0)	/* gone before its libraries were looked at: a short first run */
		hs_output_note(stderr, "pid %u (%s): its TLS with %s was not shown: the process "
			       "ended before its TLS library could be hooked", ci->pid, ci->comm,
			       peer);
	else
		hs_output_note(stderr, "pid %u (%s): its TLS with %s was not shown: it uses no TLS "
			       "library that is hooked (OpenSSL, GnuTLS, Go crypto/tls)", ci->pid,
			       ci->comm, peer);
}

static void on_h2_midway(const struct hs_conninfo *ci, void *ctx)
{
	struct app *a = ctx;
	char peer[64];

	for (size_t i = 0; i < MAX_TOLD_TLS; i++)
		if (a->told_h2[i] == ci->pid)
			return;
	a->told_h2[a->ntold_h2++ % MAX_TOLD_TLS] = ci->pid;
	hs_output_peer(ci, peer, sizeof(peer));
	hs_output_note(stderr, "pid %u (%s): its HTTP/2 connection with %s began before it could "
		       "be traced (before tracing began, or before its TLS library was hooked): "
		       "not decoded, as its header compression state is unknown (new connections "
		       "are)", ci->pid, ci->comm, peer);
}

/* What the OpenSSL and GnuTLS discovery found, once per change: failures always, the rest
 * with -v. */
static void report_tls(struct app *a)
{
	size_t n;
	struct hs_tls_target *t = a->tls ? hs_tls_targets(a->tls, &n) : NULL;

	for (size_t i = 0; t && i < n; i++, t++) {
		char who[64];

		if (!t->changed)
			continue;
		t->changed = 0;
		if (t->state != HS_TLS_FAILED && !a->verbose)
			continue;
		if (t->pid)
			snprintf(who, sizeof(who), "pid %u (%s)", t->pid, t->comm);
		else
			snprintf(who, sizeof(who), "every process");
		switch (t->state) {
		case HS_TLS_HOOKED:
			hs_output_note(stderr, "%s: %s %s hooked (%s)", who, t->impl, t->lib,
				       t->path);
			break;
		case HS_TLS_FAILED:
			if (t->lib[0])
				hs_output_note(stderr, "%s: %s %s found but not hooked: %s; its "
					"TLS traffic will not be seen", who, t->impl, t->lib,
					t->why);
			else
				hs_output_note(stderr, "%s: TLS libraries not checked: %s; its TLS "
					"traffic will not be seen", who, t->why);
			break;
		case HS_TLS_NONE:
			hs_output_note(stderr, "%s: %s (looking again while tracing)", who, t->why);
			break;
		case HS_TLS_GONE:
			hs_output_note(stderr, "%s: %s", who, t->why);
			break;
		}
	}
}

/* A -p target that holds an io_uring instance may move its socket bytes there, where no
 * hooked system call sees them: say so once, so an empty capture is not a mystery. */
static void report_io_uring(struct app *a)
{
	for (size_t i = 0; i < a->npids; i++) {
		char comm[32];

		if (!a->pids[i] || a->told_uring[i] || !hs_proc_io_uring(a->pids[i]))
			continue;
		a->told_uring[i] = 1;
		hs_proc_comm(a->pids[i], comm, sizeof(comm));
		hs_output_note(stderr, "pid %u (%s): uses io_uring: socket I/O it submits there "
			"is not seen", a->pids[i], comm);
	}
}

/* Everything decoded from one batch of records goes out together: one write per batch, not
 * per exchange, keeps a busy capture cheap; a batch is at most one 100 ms poll. */
static void flush_output(struct app *a)
{
	int err = hs_output_flush(a->out);

	/* a file read as it is written (-w - | httpsnoop -r -) gets whole batches at once */
	if (!err && a->wfile && fflush(a->wfile))
		err = -errno;

	if (err && !a->out_err) {
		a->out_err = err;
		stop = 1;
	}
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int64_t mono_to_real(void)
{
	struct timespec m, r;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	return (int64_t)(r.tv_sec - m.tv_sec) * 1000000000 + (r.tv_nsec - m.tv_nsec);
}

static void add_pids(struct app *a, const char *arg)
{
	char *copy = strdup(arg), *save = NULL;
	size_t before = a->npids;

	if (!copy)
		exit(1);
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (a->npids >= MAX_TARGETS)
			usage_error("too many processes: at most 1024 (%s)", tok);
		a->pids[a->npids++] = parse_num(tok, 0, INT_MAX, !isalpha((unsigned char)*tok) ?
						"not a process id: '%s'" :
						"not a process id: '%s' (a command name goes to --comm)");
	}
	free(copy);
	/* -p "$(pgrep -d, name)" when nothing runs: not a reason to trace every process */
	if (a->npids == before)
		usage_error("-p names no process: '%s'", arg);
}

/* One pass over /proc: the processes whose parent is a target and that are not targets
 * themselves go to fn, with the index of their parent. fn returns 0 to stop. */
static void untraced_children(struct app *a, int (*fn)(struct app *, uint32_t, size_t))
{
	DIR *d = opendir("/proc");
	uint32_t pid;

	while (d && (pid = hs_proc_next(d))) {
		uint32_t ppid = hs_proc_ppid(pid);
		size_t parent = SIZE_MAX;
		int known = 0;

		for (size_t i = 0; i < a->npids; i++) {
			if (a->pids[i] && a->pids[i] == ppid)
				parent = i;
			known |= a->pids[i] == pid;
		}
		if (parent != SIZE_MAX && !known && !fn(a, pid, parent))
			break;
	}
	if (d)
		closedir(d);
}

static int add_child(struct app *a, uint32_t pid, size_t parent)
{
	return add_target(a, pid, a->pids[parent]) != SIZE_MAX;
}

static int count_child(struct app *a, uint32_t pid, size_t parent)
{
	(void)pid;
	a->nchildren[parent]++;
	return 1;
}

/* -f: the processes the targets started before httpsnoop did (a master's workers), and
 * theirs, become targets too. */
static void add_descendants(struct app *a)
{
	size_t n;

	do {	/* each pass adds the children of the targets known so far */
		n = a->npids;
		untraced_children(a, add_child);
	} while (a->npids > n);
}

/* Without -f: a target with children is named, as the user may have given a master
 * process whose workers do the work. */
static void report_children(struct app *a)
{
	untraced_children(a, count_child);
	for (size_t i = 0; i < a->npids; i++) {
		char comm[32];

		if (!a->nchildren[i])
			continue;
		hs_proc_comm(a->pids[i], comm, sizeof(comm));
		hs_output_note(stderr, "pid %u (%s) has %u child process%s, not traced (-f "
			"follows %s)", a->pids[i], comm, a->nchildren[i],
			a->nchildren[i] == 1 ? "" : "es", a->nchildren[i] == 1 ? "it" : "them");
	}
}

/* Records lost since *told was said, as one line: the exchanges in them may leave no other
 * trace (a whole short connection), and the summary comes only at the end. */
static void report_lost(struct hs_capture *c, uint64_t *told, size_t ring_bytes)
{
	uint64_t cnt[HS_CNT_MAX] = { 0 };
	size_t kib = (ring_bytes ? ring_bytes : HS_RING_BYTES) >> 10;

	if (hs_capture_counters(c, cnt) || cnt[HS_CNT_LOST_RECORDS] <= *told)
		return;
	fprintf(stderr, "httpsnoop: %llu records lost: the kernel ring buffer (%zu KiB) was full",
		(unsigned long long)(cnt[HS_CNT_LOST_RECORDS] - *told), kib);
	if (kib < HS_RING_MAX_KIB)
		fprintf(stderr, "; -B %zu doubles it", kib * 2);
	fputc('\n', stderr);
	*told = cnt[HS_CNT_LOST_RECORDS];
}

enum { OPT_RAW = 256, OPT_NO_REDACT, OPT_REDACT_HEADER, OPT_NO_COLOR, OPT_VERSION,
       OPT_CONTAINER, OPT_COMM, OPT_PORT, OPT_HOST };

#define MAX_FILTERS 256		/* HS_MAX_FILTERS in the kernel */
#define MAX_CGROUPS 64		/* HS_MAX_CGROUPS */

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "follow-forks", no_argument, NULL, 'f' },
		{ "container", required_argument, NULL, OPT_CONTAINER },
		{ "comm", required_argument, NULL, OPT_COMM },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "host", required_argument, NULL, OPT_HOST },
		{ "count", required_argument, NULL, 'c' },
		{ "buffer-size", required_argument, NULL, 'B' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "snaplen", required_argument, NULL, 's' },
		{ "write", required_argument, NULL, 'w' },
		{ "read", required_argument, NULL, 'r' },
		{ "raw", no_argument, NULL, OPT_RAW },
		{ "no-redact", no_argument, NULL, OPT_NO_REDACT },
		{ "redact-header", required_argument, NULL, OPT_REDACT_HEADER },
		{ "no-color", no_argument, NULL, OPT_NO_COLOR },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ 0 }
	};
	static struct app a;
	static const char *redact[MAX_REDACT];
	struct hs_output_opts oo = { .redact = 1, .redact_names = redact };
	struct hs_conns_opts co = { .lim = HS_LIMITS_DEFAULT, .emit = on_exchange, .ctx = &a,
				    .tls_lib = on_tls_lib, .tls_unseen = on_tls_unseen,
				    .h2_midway = on_h2_midway };
	struct hs_capture_opts cap = { 0 };
	static const char *comms[MAX_FILTERS];
	static uint16_t ports[MAX_FILTERS];
	static uint8_t hosts[MAX_FILTERS][16];
	static uint64_t cgids[MAX_CGROUPS];
	const char *container = NULL;
	char container_id[HS_CONTAINER_ID_LEN + 1];
	struct hs_capture *c = NULL;
	const char *wpath = NULL, *rpath = NULL;
	FILE *rfile = NULL;
	struct stat rst;
	int opt, raw = 0, no_color = 0, ret = 0, err, out_fd = -1;
	char why[512];
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t cnt[HS_CNT_MAX] = { 0 };

	/* a closed standard stream would be the next file opened: the capture file would then
	 * get the status lines (2>&-), or the output go into a BPF object (>&-) */
	unsigned closed = 0;

	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", fd ? O_WRONLY : O_RDONLY) == fd)
			closed |= 1u << fd;
	opterr = 0;	/* one line of our own instead of getopt's */
	while ((opt = getopt_long(argc, argv, ":p:fc:B:vjs:w:r:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			add_pids(&a, optarg);
			break;
		case 'f':
			a.follow = 1;
			break;
		case OPT_CONTAINER:
			container = optarg;
			break;
		case OPT_COMM:
			if (cap.ncomms >= MAX_FILTERS)
				usage_error("too many --comm names (at most 256): %s", optarg);
			if (!optarg[0])
				usage_error("not a command name: '%s'", optarg);
			comms[cap.ncomms++] = optarg;
			break;
		case OPT_PORT:
			if (cap.nports >= MAX_FILTERS)
				usage_error("too many --port values (at most 256): %s", optarg);
			ports[cap.nports++] = parse_port(optarg);
			break;
		case OPT_HOST: {
			static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
			uint8_t *h = hosts[cap.nhosts];

			if (cap.nhosts >= MAX_FILTERS)
				usage_error("too many --host values (at most 256): %s", optarg);
			if (inet_pton(AF_INET, optarg, h) != 1 && inet_pton(AF_INET6, optarg, h) != 1)
				usage_error("not an IPv4 or IPv6 address: '%s'; names are not "
					    "looked up (--host $(getent hosts NAME | cut -d' ' "
					    "-f1))", optarg);
			/* ::ffff:a.b.c.d is the IPv4 peer a.b.c.d, as the filters see it */
			if (!memcmp(h, v4mapped, sizeof(v4mapped))) {
				memmove(h, h + 12, 4);
				memset(h + 4, 0, 12);
			}
			cap.nhosts++;
			break;
		}
		case 'c':
			a.count = parse_num(optarg, 1, LONG_MAX, "not a count (1 or more): '%s'");
			break;
		case 'B': {
			long kib = parse_num(optarg, 0, HS_RING_MAX_KIB,
					     "not a buffer size (64 to 1048576 KiB): '%s'");

			if (kib < 64 || (kib & (kib - 1)))
				usage_error("the buffer size must be a power of two from 64 to 1048576 KiB: '%s'",
					    optarg);
			cap.ring_bytes = (size_t)kib << 10;
			break;
		}
		case 'v':
			oo.verbose++;
			break;
		case 'j':
			oo.json = 1;
			break;
		case 's':
			co.lim.max_body = parse_num(optarg, 0, 16 << 20, "not a snap length (0 to 16777216): '%s'");
			if (!co.lim.max_body)
				co.lim.max_body = 16 << 20;
			break;
		case 'w':
			wpath = optarg;
			break;
		case 'r':
			rpath = optarg;
			break;
		case OPT_RAW:
			raw = 1;
			break;
		case OPT_NO_REDACT:
			oo.redact = 0;
			break;
		case OPT_REDACT_HEADER:
			if (oo.nredact >= MAX_REDACT)
				usage_error("too many --redact-header names (at most 64): %s", optarg);
			redact[oo.nredact++] = optarg;
			break;
		case OPT_NO_COLOR:
			no_color = 1;
			break;
		case 'h':
			help();
			return 0;
		case OPT_VERSION:
			printf("httpsnoop %s\n", HS_VERSION);
			return 0;
		case ':':
		case '?': {
			/* name the option itself: optind may already point past its word */
			char shortopt[3] = { '-', (char)optopt, 0 };
			const char *word = argv[optind - 1];
			const char *name = !strncmp(word, "--", 2) || optopt <= 0 || optopt >= 128
					   ? word : shortopt;

			if (opt == ':')
				usage_error("option %s needs a value", name);
			if (!strncmp(word, "--", 2)) {
				/* getopt_long: optopt is the option's value when it was given a value
				 * it takes none; 0 when the word names no option, or several */
				size_t len = strcspn(word + 2, "=");
				char opt_name[64];
				int matches = 0;

				snprintf(opt_name, sizeof(opt_name), "%.*s", (int)len + 2, word);
				if (optopt)
					usage_error("option %s takes no value", opt_name);
				for (const struct option *o = longopts; o->name; o++)
					matches += !strncmp(o->name, word + 2, len);
				if (matches > 1)
					usage_error("ambiguous option %s (give more of its name)",
						    opt_name);
			}
			usage_error("unknown option %s", name);
			break;
		}
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (wpath && rpath)
		usage_error("-w and -r do not go together%s", "");
	if ((closed & 2) && (!wpath || !strcmp(wpath, "-"))) {
		fprintf(stderr, "httpsnoop: standard output is closed: nowhere to write\n");
		return 1;
	}
	if (a.follow && !a.npids)
		usage_error("-f follows the processes given with -p%s", "");
	cap.comms = comms;	/* the filters: the kernel's, or applied to a file's records */
	cap.ports = ports;
	cap.hosts = (const uint8_t (*)[16])hosts;
	/* a file is filtered by what its records say: no live process or container to ask */
	if (rpath && a.follow)
		usage_error("-f needs a live capture: with -r, name each process with -p%s", "");
	if (rpath && container)
		usage_error("--container needs a live capture: with -r, use -p, --comm, --port "
			    "or --host%s", "");
	if (rpath) {
		cap.pids = a.pids;
		cap.npids = a.npids;
		a.npids = 0;	/* none of the live targets' bookkeeping */
	}
	size_t k = 0;	/* each process once, however often it was named */

	for (size_t i = 0; i < a.npids; i++) {
		uint32_t tgid = hs_proc_tgid(a.pids[i]);
		char comm[32];
		size_t j = 0;

		if (!tgid) {
			fprintf(stderr, "httpsnoop: no process with pid %u\n", a.pids[i]);
			return 1;
		}
		const char *untraceable =
			hs_proc_kthread(tgid) ? "is a kernel thread: it has no sockets of its own "
						"to trace" :
			hs_proc_exited(tgid) ? "has exited (a zombie its parent has not reaped): "
					       "there is nothing left to trace" : NULL;

		if (untraceable) {
			hs_proc_comm(tgid, comm, sizeof(comm));
			hs_output_note(stderr, "pid %u (%s) %s", tgid, comm, untraceable);
			return 1;
		}
		/* a thread id, as top -H and ps -L show them: its process is what can be traced */
		if (tgid != a.pids[i]) {
			hs_proc_comm(tgid, comm, sizeof(comm));
			hs_output_note(stderr, "%u is a thread of process %u (%s): its process is "
				"traced", a.pids[i], tgid, comm);
		}
		while (j < k && a.pids[j] != tgid)
			j++;
		if (j == k)
			a.pids[k++] = tgid;
	}
	a.npids = k;
	a.verbose = oo.verbose;
	if (a.follow)
		add_descendants(&a);
	a.alive = a.npids;

	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	/* the one-line output shows no header fields and no body bytes (only their count): the
	 * decoder need not keep them */
	co.lim.drop_fields = !oo.verbose && !oo.json;
	if (co.lim.drop_fields)
		co.lim.max_body = 0;
	const char *nc = getenv("NO_COLOR");

	oo.color = !no_color && !(nc && nc[0]) && !oo.json && isatty(STDOUT_FILENO);
	oo.mono_to_real_ns = mono_to_real();
	oo.batch = 1;
	/* glibc ignores the size when it allocates the buffer itself: give it one */
	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	if (rpath) {
		rfile = strcmp(rpath, "-") ? fopen(rpath, "rb") : stdin;
		if (!rfile) {
			hs_output_note(stderr, "cannot read %s: %s", rpath, strerror(errno));
			return 1;
		}
		/* times in a file are shown as they were when it was captured */
		errno = 0;
		if (hs_recfile_open(rfile, &oo.mono_to_real_ns)) {
			if (ferror(rfile))
				hs_output_note(stderr, "cannot read %s: %s", rpath,
					       strerror(errno ? errno : EIO));
			else
				hs_output_note(stderr, "%s is not a httpsnoop capture file", rpath);
			return 1;
		}
		/* a pipe from a live capture (-w - | httpsnoop -r -): each exchange as it comes */
		oo.batch = fstat(fileno(rfile), &rst) || S_ISREG(rst.st_mode);
	}
	a.out = hs_output_new(stdout, &oo);
	if (raw)
		co.raw = on_raw;
	co.name_containers = !rpath;
	a.conns = hs_conns_new(&co);
	if (!a.out || !a.conns) {
		fprintf(stderr, "httpsnoop: out of memory\n");
		return 1;
	}

	if (rfile) {
		a.filter = &cap;
		long n = hs_recfile_read(rfile, on_file_record, &a, &stop);

		if (n == -EINVAL) {
			hs_output_note(stderr, "%s is damaged or cut short: decoded what came before",
				       rpath);
			ret = 1;
		} else if (n < 0) {
			hs_output_note(stderr, "reading %s: %s", rpath, strerror(-n));
			ret = 1;
		}
		goto done;
	}
	err = hs_capture_check(why, sizeof(why));
	if (!err && container) {
		err = hs_container_find(container, container_id, cgids, MAX_CGROUPS, &cap.ncgroups,
					why, sizeof(why));
		cap.cgroups = cgids;
	}
	if (!err) {
		cap.pids = a.pids;
		cap.npids = a.npids;
		cap.follow_forks = a.follow;
		err = hs_capture_open(&c, &cap, on_record, &a, why, sizeof(why));
	}
	if (err) {
		fprintf(stderr, "httpsnoop: %s\n", why);
		return 1;
	}
	/* only now: a start that fails (no privileges, no such container) leaves FILE alone */
	if (wpath && !strcmp(wpath, "-")) {
		a.wfile = stdout;
	} else if (wpath) {
		/* it holds what redaction hides, and decrypted TLS: for its owner only */
		int wfd = open(wpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		a.wfile = wfd >= 0 ? fdopen(wfd, "wb") : NULL;
	}
	if (wpath) {
		if (!a.wfile || hs_recfile_begin(a.wfile, oo.mono_to_real_ns)) {
			hs_output_note(stderr, "cannot write %s: %s", wpath, strerror(errno));
			hs_capture_free(c);
			return 1;
		}
	}
	a.cap = c;
	if (a.verbose)
		fprintf(stderr, "httpsnoop: socket bytes are read at %s\n", hs_capture_sock_hooks()
			? "the socket tracepoints (sock_send_length, sock_recv_length)"
			: "the system call tracepoints (sys_exit_read and others)");
	if (a.verbose)
		fprintf(stderr, "httpsnoop: uprobes are attached through %s\n",
			hs_capture_uprobe_multi() ? "uprobe_multi links" : "perf events");
	a.gotls = hs_gotls_new(c, on_gotls_note, &a);
	if (a.gotls && getenv("HTTPSNOOP_GOTLS_PROBE_ONLY"))	/* bench/gotls.sh */
		hs_gotls_set_probe_only(a.gotls, 1);
	for (size_t i = 0; a.gotls && i < a.npids; i++)
		hs_gotls_attach_pid(a.gotls, a.pids[i]);
	hs_capture_follow_exec(c);	/* EXEC records */
	if (a.gotls && !a.npids)
		hs_gotls_attach_all(a.gotls, 0);
	{
		struct hs_tls_opts to = { .pids = a.pids, .npids = a.npids, .inherit = a.follow,
					  .probe_only = !!getenv("HTTPSNOOP_TLS_PROBE_ONLY") }; /* bench/tls.sh */

		err = hs_tls_open(&a.tls, hs_capture_skel(c), &to);
		if (err)
			fprintf(stderr, "httpsnoop: cannot look for TLS libraries: %s\n",
				strerror(-err));
		report_tls(&a);
	}
	reap_targets(&a, 1);
	report_io_uring(&a);
	if (!a.follow)
		report_children(&a);
	if (container)
		fprintf(stderr, "httpsnoop: tracing container %.12s, Ctrl-C to stop\n", container_id);
	else if (!a.npids)
		fprintf(stderr, "httpsnoop: tracing every process, Ctrl-C to stop\n");
	else if (a.alive)	/* none left: each was said above */
		fprintf(stderr, "httpsnoop: tracing %zu process%s, Ctrl-C to stop\n", a.alive,
			a.alive == 1 ? "" : "es");

	/* a pipe or socket: its reader going away ends the run at once (| head -1) */
	if (!a.wfile || a.wfile == stdout) {
		struct stat st;

		if (!fstat(STDOUT_FILENO, &st) && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
			out_fd = STDOUT_FILENO;
	}
	uint64_t lost = 0;

	for (double scanned = hs_now_ms(), uring_told = scanned, lost_told = scanned,
	     cg_looked = scanned; !stop;) {
		double now = hs_now_ms();
		int wait = 100, later;

		/* processes that load a TLS library late, or start later */
		if (a.tls && now - scanned >= (a.npids ? 1000 : 5000)) {
			scanned = now;
			hs_tls_rescan(a.tls);
			report_tls(&a);
		}
		/* --container: a restarted container's cgroup (made again, with a new id), and
		 * cgroups made in it since the last look */
		if (container && now - cg_looked >= 1000) {
			static uint64_t now_ids[MAX_CGROUPS];
			size_t n = hs_container_cgroups(hs_container_dir(), now_ids, MAX_CGROUPS);

			cg_looked = now;
			if (n != cap.ncgroups || memcmp(now_ids, cgids, n * sizeof(cgids[0]))) {
				hs_capture_set_cgroups(c, cgids, cap.ncgroups, now_ids, n);
				memcpy(cgids, now_ids, n * sizeof(cgids[0]));
				cap.ncgroups = n;
			}
		}
		/* new programs' libraries, once the loader mapped them */
		if (a.tls && (later = hs_tls_look_again(a.tls)) >= 0) {
			report_tls(&a);
			wait = later < wait ? later : wait;
		}
		/* a ring set up later */
		if (now - uring_told >= 5000) {
			uring_told = now;
			report_io_uring(&a);
		}
		if (now - lost_told >= 1000) {
			lost_told = now;
			report_lost(c, &lost, cap.ring_bytes);
			if (lost)	/* an EXIT record may have been among them */
				reap_targets(&a, 0);
		}
		err = hs_capture_poll(c, wait, out_fd);
		if (err == -EPIPE) {
			a.out_err = err;	/* as a write would have found: quietly */
			break;
		}
		if (err < 0) {
			fprintf(stderr, "httpsnoop: reading records: %s\n", strerror(-err));
			ret = 1;
			break;
		}
		/* responses that go on while nothing comes in */
		hs_conns_raw_flush(a.conns);
		hs_conns_tick(a.conns, (uint64_t)(hs_now_ms() * 1e6));
		flush_output(&a);
	}
	/* what is already in the ring still belongs to this run */
	while (!finished(&a) && hs_capture_poll(c, 0, -1) > 0)
		;
	hs_capture_counters(c, cnt);
	if (a.tls) {
		uint64_t tc[HS_TLS_CNT_MAX] = { 0 };

		hs_tls_counters(a.tls, tc);
		if (getenv("HTTPSNOOP_TLS_PROBE_ONLY"))
			fprintf(stderr, "OpenSSL probe-only: %llu probe hits\n",
				(unsigned long long)tc[HS_TLS_CNT_PROBE_HITS]);
		else if (a.verbose)
			fprintf(stderr, "OpenSSL, GnuTLS: %llu calls, %llu plaintext bytes, %llu "
				"calls with no socket found\n",
				(unsigned long long)tc[HS_TLS_CNT_CALLS],
				(unsigned long long)tc[HS_TLS_CNT_BYTES],
				(unsigned long long)tc[HS_TLS_CNT_NOFD]);
	}
done:
	if (!a.wfile)
		hs_conns_flush_all(a.conns);
	flush_output(&a);
	if (a.wfile && (a.wfile == stdout ? fflush(a.wfile) : fclose(a.wfile)) && !a.out_err)
		a.out_err = -errno;
	{
		const struct hs_conns_stats *st = hs_conns_stats(a.conns);

		if (a.wfile)
			fprintf(stderr, "%llu record%s written\n", (unsigned long long)a.written,
				a.written == 1 ? "" : "s");
		else
			fprintf(stderr, "%ld %s printed\n", a.printed,
				raw ? (a.printed == 1 ? "read or write" : "reads and writes")
				    : (a.printed == 1 ? "exchange" : "exchanges"));
		fprintf(stderr, "%llu records captured, %llu lost (%llu bytes), %llu bytes not captured\n",
			(unsigned long long)(a.wfile ? a.written : st->records),
			(unsigned long long)cnt[HS_CNT_LOST_RECORDS],
			(unsigned long long)cnt[HS_CNT_LOST_BYTES],
			(unsigned long long)st->gap_bytes);
		if (st->evicted)
			fprintf(stderr, "%llu open connection%s dropped from a full table (%u at once): "
				"%s exchanges may show [no request] or [no response]\n",
				(unsigned long long)st->evicted, st->evicted == 1 ? " was" : "s were",
				HS_CONNS_MAX, st->evicted == 1 ? "its" : "their");
	}
	/* the summary first: taking the probes away waits for the kernel, a grace period each
	 * (seconds for the dozens of every-process mode on a busy machine) */
	if (c)
		detach_later();
	hs_gotls_free(a.gotls);
	hs_tls_free(a.tls);
	hs_capture_free(c);
	hs_conns_free(a.conns);
	hs_output_free(a.out);
	if (a.out_err && a.out_err != -EPIPE) {
		hs_output_note(stderr, "writing %s: %s",
			       wpath && strcmp(wpath, "-") ? wpath : "output", strerror(-a.out_err));
		ret = 1;
	}
	return ret;
}
