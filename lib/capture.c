/* capture.c: open -> configure -> load -> attach the embedded BPF skeleton, poll its ring. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/capability.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "capture.h"
#include "httpsnoop.skel.h"

struct hs_capture {
	struct httpsnoop_bpf *skel;
	struct ring_buffer *rb;
	hs_record_fn fn;
	void *ctx;
	int nread;
};

/* libbpf's own messages are kept, not printed: the last one explains a failure. */
static char last_libbpf_msg[256];

static int keep_libbpf_msg(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN) {
		vsnprintf(last_libbpf_msg, sizeof(last_libbpf_msg), fmt, ap);
		last_libbpf_msg[strcspn(last_libbpf_msg, "\n")] = '\0';
	}
	return 0;
}

static int has_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	const int bpf = 39, perfmon = 38;	/* CAP_BPF, CAP_PERFMON (Linux 5.8) */

	if (syscall(SYS_capget, &hdr, data))
		return 0;
	if (data[0].effective & (1u << CAP_SYS_ADMIN))
		return 1;
	return (data[1].effective & (1u << (bpf - 32))) && (data[1].effective & (1u << (perfmon - 32)));
}

const char *hs_tracefs_dir(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	struct stat st;

	for (size_t i = 0; i < 2; i++) {
		char p[64];

		snprintf(p, sizeof(p), "%s/events", dirs[i]);
		if (stat(p, &st) == 0)
			return dirs[i];
	}
	/* not mounted yet: tracepoint ids are read from it, so mount it like perf does */
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) == 0 &&
	    stat("/sys/kernel/tracing/events", &st) == 0)
		return "/sys/kernel/tracing";
	return NULL;
}

/* The running kernel's version as major * 1000 + minor (6.5: 6005), 0 when unknown. */
static unsigned kernel_version(struct utsname *u)
{
	unsigned major, minor;

	if (uname(u) != 0 || sscanf(u->release, "%u.%u", &major, &minor) != 2)
		return 0;
	return major * 1000 + minor;
}

/* The sock_send_length / sock_recv_length tracepoints came in Linux 6.3; from 6.5 on
 * sendfile() and splice() to a socket pass them too (before, they went through sendpage). */
int hs_capture_sock_hooks(void)
{
	const char *force = getenv("HTTPSNOOP_HOOKS");
	struct utsname u;

	if (force && strcmp(force, "syscalls") == 0)
		return 0;
	return kernel_version(&u) >= 6005;
}

int hs_capture_check(char *why, size_t whylen)
{
	struct utsname u;
	unsigned version;
	const char *tfs;
	char p[128];
	struct stat st;

	if (!has_caps()) {
		snprintf(why, whylen, "capturing needs root (or CAP_BPF, CAP_PERFMON and "
			 "CAP_DAC_READ_SEARCH): try sudo");
		return -EPERM;
	}
	version = kernel_version(&u);
	if (version && version < 5008) {
		snprintf(why, whylen, "kernel %s is too old: Linux 5.8 or newer is needed (BPF ring buffer)",
			 u.release);
		return -ENOTSUP;
	}
	if (stat("/sys/kernel/btf/vmlinux", &st) != 0) {
		snprintf(why, whylen, "kernel has no BTF (/sys/kernel/btf/vmlinux missing): a kernel built "
			 "with CONFIG_DEBUG_INFO_BTF=y is needed");
		return -ENOTSUP;
	}
	tfs = hs_tracefs_dir();
	/* mode 700 on most systems: capabilities without root do not pass it */
	if (!tfs && stat("/sys/kernel/tracing/events", &st) && errno == EACCES) {
		snprintf(why, whylen, "cannot read tracefs (/sys/kernel/tracing): permission denied: "
			 "run as root, or add CAP_DAC_READ_SEARCH");
		return -EACCES;
	}
	if (!tfs) {
		snprintf(why, whylen, "tracefs is not available and could not be mounted: "
			 "try 'mount -t tracefs nodev /sys/kernel/tracing'");
		return -ENOENT;
	}
	snprintf(p, sizeof(p), "%s/events/syscalls/sys_exit_read", tfs);
	if (!hs_capture_sock_hooks() && stat(p, &st) != 0) {
		snprintf(why, whylen, "kernel has no syscall tracepoints (CONFIG_FTRACE_SYSCALLS): "
			 "nothing can be captured");
		return -ENOTSUP;
	}
	return 0;
}

/* The socket tracepoints, or the system call tracepoints where the kernel lacks them. */
static void set_hooks(struct httpsnoop_bpf *s, int sock_tps)
{
	struct bpf_program *syscall_progs[] = {
		s->progs.exit_read, s->progs.exit_recvfrom, s->progs.exit_readv,
		s->progs.exit_recvmsg, s->progs.exit_write, s->progs.exit_sendto,
		s->progs.exit_writev, s->progs.exit_sendmsg, s->progs.exit_sendfile,
		s->progs.exit_splice,
		s->progs.exit_connect, s->progs.exit_accept_, s->progs.exit_accept4,
	}, *sock_progs[] = {
		s->progs.sock_recv, s->progs.sock_send, s->progs.sock_state_change,
	};

	for (size_t i = 0; i < sizeof(syscall_progs) / sizeof(syscall_progs[0]); i++)
		bpf_program__set_autoload(syscall_progs[i], !sock_tps);
	for (size_t i = 0; i < sizeof(sock_progs) / sizeof(sock_progs[0]); i++)
		bpf_program__set_autoload(sock_progs[i], sock_tps);
}

/* uprobe_multi links: the attach type's value, from the kernel's BTF (0: none here), and the
 * programs loaded for them, each beside its twin for perf event links. */
#define TWINS_MAX 16
static int multi_type;
static struct {
	struct bpf_program *prog, *twin;
} twins[TWINS_MAX];
static size_t ntwins;

static int uprobe_multi_type(void)
{
	const char *env = getenv("HTTPSNOOP_UPROBES");
	struct btf *btf;
	int id, v = 0;

	if (env && !strcmp(env, "perf"))
		return 0;
	btf = btf__load_vmlinux_btf();
	if (libbpf_get_error(btf))
		return 0;
	id = btf__find_by_name_kind(btf, "bpf_attach_type", BTF_KIND_ENUM);
	if (id > 0) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_enum *e = btf_enum(t);

		for (int i = 0; i < btf_vlen(t) && !v; i++)
			if (!strcmp(btf__name_by_offset(btf, e[i].name_off),
				    "BPF_TRACE_UPROBE_MULTI"))
				v = e[i].val;
	}
	btf__free(btf);
	return v;
}

/* The "_m" programs: loaded for uprobe_multi links where the kernel has them, and their twins
 * only where those are used (each of the larger ones takes the verifier ~85 ms): with -f,
 * whose probes are inherited through tracefs events, or on older kernels. */
static void set_twins(struct bpf_object *obj, int perf_too)
{
	struct bpf_program *p;

	multi_type = uprobe_multi_type();
	ntwins = 0;
	bpf_object__for_each_program(p, obj) {
		const char *name = bpf_program__name(p);
		size_t len = strlen(name);
		char base[64];

		if (len < 3 || strcmp(name + len - 2, "_m"))
			continue;
		bpf_program__set_autoload(p, multi_type != 0);
		if (!multi_type || ntwins == TWINS_MAX)
			continue;
		bpf_program__set_expected_attach_type(p, multi_type);
		snprintf(base, sizeof(base), "%.*s", (int)(len - 2), name);
		twins[ntwins].prog = bpf_object__find_program_by_name(obj, base);
		if (twins[ntwins].prog && !perf_too)
			bpf_program__set_autoload(twins[ntwins].prog, false);
		twins[ntwins++].twin = p;
	}
}

/* One uprobe_multi link, through the bpf() system call: libbpf 1.1 predates them. */
static int multi_link(const struct bpf_program *twin, int pid, const char *path,
		      const uint64_t *off, size_t n, int ret, const uint64_t *cookies)
{
	struct {	/* union bpf_attr's link_create, as Linux 6.6 has it for these links */
		uint32_t prog_fd, target_fd, attach_type, flags;
		uint64_t path, offsets, ref_ctr_offsets, cookies;
		uint32_t cnt, multi_flags, pid;
	} a = {
		.prog_fd = bpf_program__fd(twin), .attach_type = multi_type,
		.path = (uintptr_t)path, .offsets = (uintptr_t)off, .cookies = (uintptr_t)cookies,
		.cnt = n,
		.multi_flags = ret ? 1 : 0,	/* BPF_F_UPROBE_MULTI_RETURN */
		.pid = pid > 0 ? pid : 0,
	};
	int fd = syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));

	return fd < 0 ? -errno : fd;
}

int hs_capture_uprobe_multi(void)
{
	return multi_type != 0;
}

int hs_uprobes_attach(struct bpf_program *prog, int pid, const char *path, const uint64_t *off,
		      size_t n, int ret, uint64_t cookie, struct hs_link *out, size_t *nout)
{
	size_t first = *nout;

	for (size_t i = 0; i < ntwins && multi_type; i++) {
		uint64_t *cookies = NULL;
		int fd;

		if (twins[i].prog != prog)
			continue;
		if (cookie) {
			if (!(cookies = malloc(n * sizeof(*cookies))))
				return -ENOMEM;
			for (size_t j = 0; j < n; j++)
				cookies[j] = cookie;
		}
		fd = multi_link(twins[i].twin, pid, path, off, n, ret, cookies);
		free(cookies);
		if (fd >= 0) {
			out[(*nout)++] = (struct hs_link){ .fd = fd };
			return 0;
		}
		if (fd != -EINVAL && fd != -EOPNOTSUPP)
			return fd;
		break;	/* refused: perf event links, if their programs were loaded (-f) */
	}
	for (size_t i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .retprobe = ret, .bpf_cookie = cookie);
		struct bpf_link *l = bpf_program__attach_uprobe_opts(prog, pid, path, off[i], &uo);

		if (!l) {
			int err = errno ? -errno : -EINVAL;

			while (*nout > first)
				hs_link_reap(out[--*nout]);
			return err;
		}
		out[(*nout)++] = (struct hs_link){ .l = l, .fd = -1 };
	}
	return 0;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct hs_capture *c = ctx;

	c->fn(data, size, c->ctx);
	c->nread++;
	return 0;
}

bool hs_capture_wants(const struct hs_capture_opts *o, const struct hs_rec *r)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	uint8_t peer[16] = { 0 };
	size_t i;

	if (r->type != HS_REC_DATA)
		return true;
	for (i = 0; i < o->npids && o->pids[i] != r->pid; i++)
		;
	if (o->npids && i == o->npids)
		return false;
	/* the kernel keeps 15 characters of a command name */
	for (i = 0; i < o->ncomms && strncmp(o->comms[i], r->comm, HS_COMM_LEN - 1); i++)
		;
	if (o->ncomms && i == o->ncomms)
		return false;
	for (i = 0; i < o->nports && o->ports[i] != r->lport && o->ports[i] != r->rport; i++)
		;
	if (o->nports && i == o->nports)
		return false;
	/* a Unix socket has no address for --host to match (nor a port, above) */
	if (o->nhosts && r->family == AF_UNIX)
		return false;
	/* ::ffff:a.b.c.d is the IPv4 peer a.b.c.d */
	if (r->family == AF_INET6 && !memcmp(r->raddr, v4mapped, sizeof(v4mapped)))
		memcpy(peer, r->raddr + 12, 4);
	else
		memcpy(peer, r->raddr, sizeof(peer));
	for (i = 0; i < o->nhosts && memcmp(o->hosts[i], peer, sizeof(peer)); i++)
		;
	return !o->nhosts || i < o->nhosts;
}

int hs_capture_open(struct hs_capture **out, const struct hs_capture_opts *o, hs_record_fn fn,
		    void *ctx, char *why, size_t whylen)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY }, nofile;
	struct hs_capture *c;
	int err;
	uint8_t one = 1;

	*out = NULL;
	libbpf_set_print(keep_libbpf_msg);
	setrlimit(RLIMIT_MEMLOCK, &unlimited);	/* kernels before 5.11 charge BPF maps here */
	/* a uprobe is a descriptor or two, and every-process mode keeps those of each TLS library
	 * and Go executable it meets: a soft limit of 1024 ran out after ~90 of them */
	if (!getrlimit(RLIMIT_NOFILE, &nofile) && nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fn = fn;
	c->ctx = ctx;
	c->skel = httpsnoop_bpf__open();
	if (!c->skel) {
		err = -errno;
		snprintf(why, whylen, "cannot open the BPF object: %s", strerror(-err));
		goto cleanup;
	}
	c->skel->rodata->self_tgid = getpid();
	c->skel->rodata->filter_pids = o->npids > 0;
	if (o->npids <= HS_PID_LIST) {
		c->skel->rodata->npid_list = o->npids;
		for (size_t i = 0; i < o->npids; i++)
			c->skel->rodata->pid_list[i] = o->pids[i];
	}
	c->skel->rodata->follow_forks = o->npids && o->follow_forks;
	bpf_program__set_autoload(c->skel->progs.process_fork, o->npids && o->follow_forks);
	bpf_program__set_autoload(c->skel->progs.process_spawn, o->npids && !o->follow_forks);
	set_hooks(c->skel, hs_capture_sock_hooks());
	set_twins(c->skel->obj, o->npids && o->follow_forks);
	c->skel->rodata->filter_cgroups = o->ncgroups > 0;
	c->skel->rodata->filter_comms = o->ncomms > 0;
	c->skel->rodata->filter_ports = o->nports > 0;
	c->skel->rodata->filter_hosts = o->nhosts > 0;
	if (o->max_capture)
		c->skel->rodata->max_capture = o->max_capture;
	if (o->ring_bytes) {
		/* each CPU wakes the reader well before a small ring fills */
		size_t share = o->ring_bytes / 4 / libbpf_num_possible_cpus();

		bpf_map__set_max_entries(c->skel->maps.events, o->ring_bytes);
		if (share < c->skel->rodata->wakeup_bytes)
			c->skel->rodata->wakeup_bytes = share;
	}

	err = httpsnoop_bpf__load(c->skel);
	if (err) {
		snprintf(why, whylen, "cannot load the BPF programs: %s%s%s", strerror(-err),
			 last_libbpf_msg[0] ? ": " : "", last_libbpf_msg);
		goto cleanup;
	}
	for (size_t i = 0; i < o->npids; i++)
		bpf_map__update_elem(c->skel->maps.pids, &o->pids[i], sizeof(o->pids[i]), &one,
				     sizeof(one), BPF_ANY);
	for (size_t i = 0; i < o->ncgroups; i++)
		bpf_map__update_elem(c->skel->maps.cgroups, &o->cgroups[i], sizeof(o->cgroups[i]),
				     &one, sizeof(one), BPF_ANY);
	for (size_t i = 0; i < o->ncomms; i++) {
		char k[HS_COMM_LEN] = { 0 };

		strncpy(k, o->comms[i], sizeof(k) - 1);	/* the kernel keeps 15 characters */
		bpf_map__update_elem(c->skel->maps.comms, k, sizeof(k), &one, sizeof(one), BPF_ANY);
	}
	for (size_t i = 0; i < o->nports; i++)
		bpf_map__update_elem(c->skel->maps.ports, &o->ports[i], sizeof(o->ports[i]), &one,
				     sizeof(one), BPF_ANY);
	for (size_t i = 0; i < o->nhosts; i++)
		bpf_map__update_elem(c->skel->maps.hosts, o->hosts[i], 16, &one, sizeof(one),
				     BPF_ANY);

	err = httpsnoop_bpf__attach(c->skel);
	if (err) {
		snprintf(why, whylen, "cannot attach to the tracepoints: %s%s%s",
			 strerror(-err), last_libbpf_msg[0] ? ": " : "", last_libbpf_msg);
		goto cleanup;
	}
	c->rb = ring_buffer__new(bpf_map__fd(c->skel->maps.events), on_record, c, NULL);
	if (!c->rb) {
		err = -errno;
		snprintf(why, whylen, "cannot map the ring buffer: %s", strerror(-err));
		goto cleanup;
	}
	*out = c;
	return 0;
cleanup:
	hs_capture_free(c);
	return err;
}

int hs_capture_poll(struct hs_capture *c, int timeout_ms, int out_fd)
{
	struct pollfd p[2] = { { .fd = ring_buffer__epoll_fd(c->rb), .events = POLLIN },
			       { .fd = out_fd } };
	int err;

	c->nread = 0;
	/* only errors are asked of out_fd: a pipe reports one when its reader is gone */
	err = poll(p, out_fd >= 0 ? 2 : 1, timeout_ms);
	if (err < 0 && errno != EINTR)
		return -errno;
	if (out_fd >= 0 && (p[1].revents & (POLLERR | POLLHUP)))
		return -EPIPE;
	/* records are submitted without a wake-up until enough pile up, so a poll that
	 * timed out must still read what is there */
	err = ring_buffer__consume(c->rb);
	if (err < 0 && err != -EINTR)
		return err;
	return c->nread;
}

void hs_capture_unfollow(struct hs_capture *c, uint32_t tid)
{
	bpf_map__delete_elem(c->skel->maps.pids, &tid, sizeof(tid), 0);
}

void hs_capture_set_cgroups(struct hs_capture *c, const uint64_t *old, size_t nold,
			    const uint64_t *cur, size_t ncur)
{
	uint8_t one = 1;

	for (size_t i = 0; i < nold; i++) {
		size_t j = 0;

		while (j < ncur && cur[j] != old[i])
			j++;
		if (j == ncur)
			bpf_map__delete_elem(c->skel->maps.cgroups, &old[i], sizeof(old[i]), 0);
	}
	for (size_t i = 0; i < ncur; i++)
		bpf_map__update_elem(c->skel->maps.cgroups, &cur[i], sizeof(cur[i]), &one,
				     sizeof(one), BPF_ANY);
}

void hs_capture_follow_exec(struct hs_capture *c)
{
	c->skel->bss->follow_exec = 1;
}

int hs_percpu_sum(const struct bpf_map *map, uint32_t n, uint64_t *out)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (uint32_t k = 0; k < n; k++) {
		out[k] = 0;
		if (bpf_map__lookup_elem(map, &k, sizeof(k), vals, ncpu * sizeof(*vals), 0) == 0)
			for (int i = 0; i < ncpu; i++)
				out[k] += vals[i];
	}
	free(vals);
	return 0;
}

int hs_capture_counters(struct hs_capture *c, uint64_t out[HS_CNT_MAX])
{
	return hs_percpu_sum(c->skel->maps.counters, HS_CNT_MAX, out);
}

struct httpsnoop_bpf *hs_capture_skel(struct hs_capture *c)
{
	return c->skel;
}

/* The links waiting for the reaper thread (one: the kernel removes uprobe perf events one at
 * a time). */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t more, idle;
	struct hs_link *q;
	size_t n, cap, busy;
	int started;
} reap = { .mu = PTHREAD_MUTEX_INITIALIZER, .more = PTHREAD_COND_INITIALIZER,
	   .idle = PTHREAD_COND_INITIALIZER };

static void link_destroy(struct hs_link l)
{
	if (l.l)
		bpf_link__destroy(l.l);
	else if (l.fd >= 0)
		close(l.fd);
}

static void *reaper(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&reap.mu);
	for (;;) {
		struct hs_link l;

		while (!reap.n)
			pthread_cond_wait(&reap.more, &reap.mu);
		l = reap.q[--reap.n];
		reap.busy++;
		pthread_mutex_unlock(&reap.mu);
		link_destroy(l);
		pthread_mutex_lock(&reap.mu);
		if (--reap.busy == 0 && !reap.n)
			pthread_cond_broadcast(&reap.idle);
	}
	return NULL;
}

void hs_link_reap(struct hs_link l)
{
	pthread_t t;

	if (!l.l && l.fd < 0)
		return;
	pthread_mutex_lock(&reap.mu);
	if (reap.n == reap.cap) {
		size_t cap = reap.cap ? 2 * reap.cap : 64;
		struct hs_link *q = realloc(reap.q, cap * sizeof(*q));

		if (!q)
			goto now;
		reap.q = q;
		reap.cap = cap;
	}
	if (!reap.started && pthread_create(&t, NULL, reaper, NULL) == 0) {
		pthread_detach(t);
		reap.started = 1;
	}
	if (!reap.started)
		goto now;
	reap.q[reap.n++] = l;
	pthread_cond_signal(&reap.more);
	pthread_mutex_unlock(&reap.mu);
	return;
now:
	pthread_mutex_unlock(&reap.mu);
	link_destroy(l);
}

size_t hs_link_reaping(void)
{
	size_t n;

	pthread_mutex_lock(&reap.mu);
	n = reap.n + reap.busy;
	pthread_mutex_unlock(&reap.mu);
	return n;
}

void hs_capture_free(struct hs_capture *c)
{
	if (!c)
		return;
	ring_buffer__free(c->rb);
	/* the tracepoint links too, after the probes' */
	for (int i = 0; c->skel && i < c->skel->skeleton->prog_cnt; i++) {
		struct bpf_link **l = c->skel->skeleton->progs[i].link;

		hs_link_reap((struct hs_link){ .l = *l, .fd = -1 });
		*l = NULL;
	}
	pthread_mutex_lock(&reap.mu);
	while (reap.n || reap.busy)
		pthread_cond_wait(&reap.idle, &reap.mu);
	pthread_mutex_unlock(&reap.mu);
	httpsnoop_bpf__destroy(c->skel);
	free(c);
}
