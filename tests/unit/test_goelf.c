/* test_goelf.c: Go executable analysis against fixtures built at test time with the local
 * go (normal, stripped, PIE, arm64), checked with go tool nm / objdump and file bytes. */
#include "check.h"
#include "goelf.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char tmp[64];		/* everything the test writes */
static char src[1024];		/* tests/go */
static char gover[32];		/* `go env GOVERSION` */

static int run(const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st != 0)
		fprintf(stderr, "command failed (%d): %s\n", st, cmd);
	return st;
}

static FILE *run_read(const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return popen(cmd, "r");
}

static void path(char *out, const char *name)
{
	snprintf(out, PATH_MAX, "%s/%s", tmp, name);
}

/* go build [flags] -o TMP/out ./pkg, in tests/go. */
static int build(const char *out, const char *env, const char *flags, const char *pkg)
{
	return run("cd '%s' && %s go build %s -o '%s/%s' ./%s", src, env, flags, tmp, out, pkg);
}

static int setup_go(void)
{
	char buf[PATH_MAX];
	FILE *f;

	if (system("command -v go >/dev/null 2>&1") != 0) {
		const char *ci = getenv("CI");

		fprintf(stderr, "go is not installed%s\n", ci && !strcmp(ci, "true") ?
			": required in CI (apt-get install golang-go)" : ": skipping");
		exit(ci && !strcmp(ci, "true") ? 1 : 77);
	}
	if (getenv("HS_SRCDIR")) {
		snprintf(src, sizeof(src), "%s/tests/go", getenv("HS_SRCDIR"));
	} else {
		snprintf(buf, sizeof(buf), "%s", __FILE__);
		snprintf(src, sizeof(src), "%s/../go", dirname(buf));
	}
	snprintf(buf, sizeof(buf), "%s/go.mod", src);
	if (access(buf, R_OK) != 0) {
		fprintf(stderr, "%s not found: set HS_SRCDIR to the source tree\n", buf);
		exit(1);
	}
	snprintf(tmp, sizeof(tmp), "/tmp/hs_goelf.XXXXXX");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		exit(1);
	}
	if (!getenv("GOCACHE")) {
		snprintf(buf, sizeof(buf), "%s/gocache", tmp);
		setenv("GOCACHE", buf, 1);
	}
	if (!getenv("GOPATH")) {
		snprintf(buf, sizeof(buf), "%s/gopath", tmp);
		setenv("GOPATH", buf, 1);
	}
	if (!getenv("HOME"))
		setenv("HOME", tmp, 1);
	setenv("CGO_ENABLED", "0", 1);
	setenv("GO111MODULE", "on", 1);
	setenv("GOTOOLCHAIN", "local", 1);	/* never download a toolchain */
	setenv("GOPROXY", "off", 1);		/* stdlib only */
	unsetenv("GOFLAGS");
	unsetenv("GOOS");
	unsetenv("GOARCH");

	if (!(f = run_read("go env GOVERSION")) || !fgets(gover, sizeof(gover), f)) {
		fprintf(stderr, "go env GOVERSION failed\n");
		exit(1);
	}
	pclose(f);
	gover[strcspn(gover, "\n")] = '\0';
	return 0;
}

static uint8_t *slurp(const char *p, size_t *len)
{
	struct stat st;
	uint8_t *b;
	int fd = open(p, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0 || !(b = malloc(st.st_size ? st.st_size : 1)) ||
	    read(fd, b, st.st_size) != st.st_size) {
		fprintf(stderr, "cannot read %s\n", p);
		exit(1);
	}
	close(fd);
	*len = st.st_size;
	return b;
}

static void spill(const char *p, const uint8_t *b, size_t len)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0755);

	if (fd < 0 || write(fd, b, len) != (ssize_t)len) {
		fprintf(stderr, "cannot write %s\n", p);
		exit(1);
	}
	close(fd);
}

/* Section header of name in the file at p (offset, address, size, and its name's offset). */
static int shdr_of(const char *p, const char *name, GElf_Shdr *out, uint64_t *name_off)
{
	int fd = open(p, O_RDONLY), found = 0;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf *e;

	elf_version(EV_CURRENT);
	if (fd < 0 || !(e = elf_begin(fd, ELF_C_READ, NULL)))
		return 0;
	if (elf_getshdrstrndx(e, &shstrndx) == 0) {
		GElf_Shdr strs;

		gelf_getshdr(elf_getscn(e, shstrndx), &strs);
		while (!found && (scn = elf_nextscn(e, scn))) {
			const char *n;

			if (!gelf_getshdr(scn, out) || !(n = elf_strptr(e, shstrndx, out->sh_name)))
				continue;
			if (!strcmp(n, name)) {
				found = 1;
				if (name_off)
					*name_off = strs.sh_offset + out->sh_name;
			}
		}
	}
	elf_end(e);
	close(fd);
	return found;
}

/* The address `go tool nm` gives the symbol. */
static uint64_t nm_addr(const char *bin, const char *sym)
{
	char line[512], name[400], type;
	unsigned long long a, found = 0;
	FILE *f = run_read("go tool nm '%s'", bin);

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %399s", &a, &type, name) == 3 && !strcmp(name, sym))
			found = a;
	if (f)
		pclose(f);
	return found;
}

/* `go tool objdump` of one function: first instruction bytes and the RET addresses. */
struct objdump {
	uint8_t first[16];
	size_t nfirst;
	uint64_t ret[HS_GOELF_MAX_RET + 1];
	unsigned nret;
};

static void objdump(const char *bin, const char *method, enum hs_goarch arch,
		    struct objdump *od)
{
	char line[512], hex[64], mnem[32];
	unsigned long long a;
	FILE *f = run_read("go tool objdump -s 'crypto/tls\\.\\(\\*Conn\\)\\.%s$' '%s'",
			   method, bin);

	memset(od, 0, sizeof(*od));
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s 0x%llx %63s %31s", &a, hex, mnem) != 3)
			continue;
		if (!od->nfirst)
			for (size_t i = 0; hex[2 * i] && hex[2 * i + 1] && i < sizeof(od->first); i++)
				sscanf(hex + 2 * i, "%2hhx", &od->first[od->nfirst++]);
		if (!strcmp(mnem, "RET") && od->nret <= HS_GOELF_MAX_RET)
			od->ret[od->nret++] = a;
	}
	if (f)
		pclose(f);
	if (arch == HS_GOARCH_ARM64 && od->nfirst == 4) {
		/* arm64: objdump prints the instruction as a 32-bit word; the file is little-endian */
		uint8_t t = od->first[0];

		od->first[0] = od->first[3], od->first[3] = t;
		t = od->first[1], od->first[1] = od->first[2], od->first[2] = t;
	}
}

static int is_ret(const uint8_t *img, size_t len, uint64_t off, enum hs_goarch arch)
{
	if (arch == HS_GOARCH_AMD64)
		return off < len && img[off] == 0xc3;
	/* arm64 RET (x30): 0xd65f03c0, little-endian */
	return off + 4 <= len && img[off] == 0xc0 && img[off + 1] == 0x03 &&
	       img[off + 2] == 0x5f && img[off + 3] == 0xd6;
}

/* What must hold for any successful analysis of a fixture. */
static void check_func(const char *bin, const struct hs_goinfo *gi, const struct hs_gofunc *f,
		       const char *name)
{
	size_t len;
	uint8_t *img = slurp(bin, &len);

	CHECK_STR(f->name, name);
	CHECK(f->entry_off > 0 && f->entry_off < len);
	/* the entry probe goes right after the stack check's branch to runtime.morestack
	 * (jbe rel8 / rel32 on x86-64, b.ls on arm64), which restarts at the entry */
	CHECK(f->probe_off > f->entry_off && f->probe_off - f->entry_off <= 32 &&
	      f->probe_off < len);
	if (f->probe_off > f->entry_off + 6 && f->probe_off < len)
		CHECK(gi->arch == HS_GOARCH_AMD64 ?
			      img[f->probe_off - 2] == 0x76 ||
				      (img[f->probe_off - 6] == 0x0f && img[f->probe_off - 5] == 0x86) :
			      img[f->probe_off - 1] == 0x54 && (img[f->probe_off - 4] & 0x1f) == 0x09);
	/* the probe itself goes on that jbe on x86-64, which the kernel emulates */
	if (gi->arch == HS_GOARCH_AMD64)
		CHECK(f->jcc_off && f->jcc_off < f->probe_off &&
		      (f->probe_off - f->jcc_off == 2 ? img[f->jcc_off] == 0x76 :
		       f->probe_off - f->jcc_off == 6 && img[f->jcc_off] == 0x0f &&
		       img[f->jcc_off + 1] == 0x86));
	else
		CHECK(!f->jcc_off);
	/* Read's one copy into b: a call (e8 rel32) to runtime.memmove, after the frame is
	 * made; the go1.19 builds here have it (a pclntab written over with Read and Write
	 * alone names no memmove). Write is not looked at. */
	if (f == &gi->read && gi->arch == HS_GOARCH_AMD64 && gi->minor == 19 &&
	    gi->memmove_vaddr)
		CHECK(f->copy_off && f->frame);
	if (f->copy_off) {
		int32_t rel;

		CHECK(f == &gi->read && f->copy_off + 5 < len && img[f->copy_off] == 0xe8);
		memcpy(&rel, img + f->copy_off + 1, 4);
		CHECK(f->copy_off + 5 + rel - f->entry_off + f->entry_vaddr == gi->memmove_vaddr);
		CHECK(f->frame >= 8 && f->frame < 0x10000 && f->copy_off > f->probe_off);
	} else {
		CHECK(!f->frame);
	}
	CHECK(f->size > 0 && f->size < 65536);
	CHECK(f->nret > 0 && f->nret <= HS_GOELF_MAX_RET);
	for (unsigned i = 0; i < f->nret && i < HS_GOELF_MAX_RET; i++) {
		CHECK(is_ret(img, len, f->ret_off[i], gi->arch));
		CHECK(f->ret_off[i] > f->entry_off && f->ret_off[i] < f->entry_off + f->size);
		CHECK(i == 0 || f->ret_off[i] > f->ret_off[i - 1]);
	}
	free(img);
}

static void check_info(const char *bin, const struct hs_goinfo *gi, int pie, int stripped,
		       enum hs_goarch arch)
{
	int minor = 0;

	CHECK_STR(gi->version, gover);
	sscanf(gover, "go1.%d", &minor);
	CHECK_INT(gi->major, 1);
	CHECK_INT(gi->minor, minor);
	CHECK_INT(gi->pie, pie);
	CHECK_INT(gi->stripped, stripped);
	CHECK_INT(gi->arch, arch);
	CHECK(stripped ? gi->pclntab_magic == 0xfffffff0u || gi->pclntab_magic == 0xfffffff1u ||
			 gi->pclntab_magic == 0xfffffffau
		       : gi->pclntab_magic == 0);
	check_func(bin, gi, &gi->read, "crypto/tls.(*Conn).Read");
	check_func(bin, gi, &gi->write, "crypto/tls.(*Conn).Write");
}

/* The unstripped build against go tool nm and objdump. */
static void check_tools(const char *bin, const struct hs_goinfo *gi)
{
	const struct hs_gofunc *fs[2] = { &gi->read, &gi->write };
	const char *methods[2] = { "Read", "Write" };
	size_t len;
	uint8_t *img = slurp(bin, &len);

	for (int k = 0; k < 2; k++) {
		const struct hs_gofunc *f = fs[k];
		char sym[64];
		struct objdump od;

		snprintf(sym, sizeof(sym), "crypto/tls.(*Conn).%s", methods[k]);
		CHECK_INT(f->entry_vaddr, nm_addr(bin, sym));
		objdump(bin, methods[k], gi->arch, &od);
		CHECK(od.nfirst > 0);
		CHECK(f->entry_off + od.nfirst <= len &&
		      memcmp(img + f->entry_off, od.first, od.nfirst) == 0);
		CHECK_INT(f->nret, od.nret);
		for (unsigned i = 0; i < f->nret && i < od.nret; i++)
			CHECK_INT(f->ret_off[i] - f->entry_off + f->entry_vaddr, od.ret[i]);
	}
	free(img);
}

static void check_same_funcs(const struct hs_goinfo *a, const struct hs_goinfo *b)
{
	CHECK_INT(a->read.entry_vaddr, b->read.entry_vaddr);
	CHECK_INT(a->read.entry_off, b->read.entry_off);
	CHECK_INT(a->read.nret, b->read.nret);
	CHECK(!memcmp(a->read.ret_off, b->read.ret_off, sizeof(a->read.ret_off)));
	CHECK_INT(a->write.entry_vaddr, b->write.entry_vaddr);
	CHECK_INT(a->write.entry_off, b->write.entry_off);
	CHECK_INT(a->write.nret, b->write.nret);
	CHECK(!memcmp(a->write.ret_off, b->write.ret_off, sizeof(a->write.ret_off)));
}

static void same_info(const struct hs_goinfo *a, const struct hs_goinfo *b)
{
	CHECK_STR(a->version, b->version);
	CHECK_INT(a->minor, b->minor);
	CHECK_INT(a->pie, b->pie);
	CHECK_INT(a->stripped, b->stripped);
	CHECK_INT(a->read.size, b->read.size);
	CHECK_INT(a->write.size, b->write.size);
	CHECK(!memcmp(&a->offsets, &b->offsets, sizeof(a->offsets)));
	check_same_funcs(a, b);
}

static int analyze(const char *name, struct hs_goinfo *gi, char *why, size_t whylen)
{
	char p[PATH_MAX];
	int rc;

	path(p, name);
	rc = hs_goelf_analyze(p, gi, why, whylen);
	if (rc)
		fprintf(stderr, "%s: %d %s\n", name, rc, why);
	return rc;
}

static double ms_since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1e3 + (b.tv_nsec - a->tv_nsec) / 1e6;
}

/* The fixtures: normal, stripped, PIE (plain and stripped), and the client. */
static void test_builds(struct hs_goinfo *srv, struct hs_goinfo *srv_s)
{
	struct hs_goinfo pie, pie_s, cli;
	char why[256], p[PATH_MAX];
	struct timespec t0;
	double ms;

	CHECK_INT(build("srv", "", "", "tlsserver"), 0);
	CHECK_INT(build("srv_s", "", "-ldflags='-s -w'", "tlsserver"), 0);
	CHECK_INT(build("srv_pie", "", "-buildmode=pie", "tlsserver"), 0);
	CHECK_INT(build("srv_pie_s", "", "-buildmode=pie -ldflags='-s -w'", "tlsserver"), 0);
	CHECK_INT(build("cli", "", "", "tlsclient"), 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_INT(analyze("srv", srv, why, sizeof(why)), 0);
	ms = ms_since(&t0);
	fprintf(stderr, "analysis of the unstripped server: %.2f ms\n", ms);
	CHECK(ms < 300);
	path(p, "srv");
	check_info(p, srv, 0, 0, HS_GOARCH_AMD64);
	check_tools(p, srv);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_INT(analyze("srv_s", srv_s, why, sizeof(why)), 0);
	ms = ms_since(&t0);
	fprintf(stderr, "analysis of the stripped server: %.2f ms\n", ms);
	CHECK(ms < 300);
	path(p, "srv_s");
	check_info(p, srv_s, 0, 1, HS_GOARCH_AMD64);
	check_same_funcs(srv, srv_s);

	CHECK_INT(analyze("srv_pie", &pie, why, sizeof(why)), 0);
	path(p, "srv_pie");
	check_info(p, &pie, 1, 0, HS_GOARCH_AMD64);
	check_tools(p, &pie);

	CHECK_INT(analyze("srv_pie_s", &pie_s, why, sizeof(why)), 0);
	path(p, "srv_pie_s");
	check_info(p, &pie_s, 1, 1, HS_GOARCH_AMD64);
	check_same_funcs(&pie, &pie_s);

	CHECK_INT(analyze("cli", &cli, why, sizeof(why)), 0);
	path(p, "cli");
	check_info(p, &cli, 0, 0, HS_GOARCH_AMD64);
	check_tools(p, &cli);
}

/* The arch switch: an arm64 cross build (RET is 0xd65f03c0). */
static void test_arm64(void)
{
	struct hs_goinfo a, a_s;
	char why[256], p[PATH_MAX];

	CHECK_INT(build("srv_arm64", "GOARCH=arm64", "", "tlsserver"), 0);
	CHECK_INT(build("srv_arm64_s", "GOARCH=arm64", "-ldflags='-s -w'", "tlsserver"), 0);
	CHECK_INT(analyze("srv_arm64", &a, why, sizeof(why)), 0);
	path(p, "srv_arm64");
	check_info(p, &a, 0, 0, HS_GOARCH_ARM64);
	check_tools(p, &a);
	CHECK_INT(analyze("srv_arm64_s", &a_s, why, sizeof(why)), 0);
	path(p, "srv_arm64_s");
	check_info(p, &a_s, 0, 1, HS_GOARCH_ARM64);
	check_same_funcs(&a, &a_s);
}

/* The offset table against what the toolchain's reflect says. */
static void test_offsets(const struct hs_goinfo *gi)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{ "tls.Conn.conn", offsetof(struct hs_gotls_offsets, conn_iface) },
		{ "tls.Conn.isClient", offsetof(struct hs_gotls_offsets, conn_is_client) },
		{ "iface.data", offsetof(struct hs_gotls_offsets, iface_data) },
		{ "net.TCPConn.conn.fd", offsetof(struct hs_gotls_offsets, tcpconn_fd) },
		{ "net.netFD.pfd", offsetof(struct hs_gotls_offsets, netfd_pfd) },
		{ "poll.FD.Sysfd", offsetof(struct hs_gotls_offsets, pollfd_sysfd) },
	};
	char line[256], name[128], p[PATH_MAX];
	unsigned seen = 0;
	unsigned long v;
	FILE *f;

	CHECK_INT(build("offsets", "", "", "offsets"), 0);
	path(p, "offsets");
	f = run_read("'%s'", p);
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %lu", name, &v) != 2)
			continue;
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			uint32_t have;

			if (strcmp(name, fields[i].name))
				continue;
			memcpy(&have, (const char *)&gi->offsets + fields[i].off, sizeof(have));
			if (have != v)
				fprintf(stderr, "offset of %s: table %u, toolchain %lu\n", name, have, v);
			CHECK_INT(have, v);
			seen++;
		}
	}
	if (f)
		pclose(f);
	CHECK_INT(seen, sizeof(fields) / sizeof(fields[0]));
	CHECK_INT(gi->offsets.g_goid, 152);	/* runtime.g.goid, from DWARF (see goelf.c) */
}

static void test_rejects(void)
{
	struct hs_goinfo gi;
	char why[256], p[PATH_MAX];
	FILE *f;

	CHECK_INT(hs_goelf_analyze("/bin/ls", &gi, why, sizeof(why)), -ENOEXEC);
	CHECK_STR(why, "not a Go executable");
	CHECK_INT(hs_goelf_analyze("/nonexistent/httpsnoop", &gi, why, sizeof(why)), -ENOENT);
	CHECK_STR(why, "cannot open: No such file or directory");
	CHECK_INT(hs_goelf_analyze("/etc/passwd", &gi, why, sizeof(why)), -ENOEXEC);
	CHECK_STR(why, "not a Go executable (not an ELF file)");
	CHECK_INT(hs_goelf_analyze("/etc/passwd", &gi, NULL, 0), -ENOEXEC);

	/* A Go program without crypto/tls. */
	path(p, "hello.go");
	f = fopen(p, "w");
	CHECK(f != NULL);
	if (f) {
		fputs("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hi\") }\n", f);
		fclose(f);
	}
	CHECK_INT(run("cd '%s' && go build -o hello hello.go", tmp), 0);
	CHECK_INT(run("cd '%s' && go build -ldflags='-s -w' -o hello_s hello.go", tmp), 0);
	CHECK_INT(analyze("hello", &gi, why, sizeof(why)), -ENODATA);
	CHECK_STR(why, "crypto/tls not linked in");
	CHECK_STR(gi.version, gover);
	CHECK_INT(analyze("hello_s", &gi, why, sizeof(why)), -ENODATA);
	CHECK_STR(why, "crypto/tls not linked in");
}

/* Patched copies of the stripped server: the paths the toolchain does not produce here. */
static void test_patched(const struct hs_goinfo *srv_s)
{
	struct hs_goinfo gi;
	char why[256], p[PATH_MAX], q[PATH_MAX];
	GElf_Shdr sh;
	uint64_t name_off;
	uint8_t *img;
	size_t len;

	path(p, "srv_s");
	img = slurp(p, &len);

	/* No .gopclntab section header: the pclntab is found by its magic. */
	CHECK(shdr_of(p, ".gopclntab", &sh, &name_off));
	path(q, "nohdr");
	img[name_off + 1] = 'x';
	spill(q, img, len);
	img[name_off + 1] = 'g';
	CHECK_INT(hs_goelf_analyze(q, &gi, why, sizeof(why)), 0);
	check_info(q, &gi, 0, 1, HS_GOARCH_AMD64);
	check_same_funcs(srv_s, &gi);

	/* An unknown pclntab format. */
	path(q, "badmagic");
	memcpy(img + sh.sh_offset, "\xfb\xff\xff\xff", 4);
	spill(q, img, len);
	memcpy(img + sh.sh_offset, &srv_s->pclntab_magic, 4);
	CHECK_INT(hs_goelf_analyze(q, &gi, why, sizeof(why)), -ENOTSUP);
	CHECK_STR(why, "pclntab format 0xfffffffb not supported");

	/* A Go 1.16/1.17 pclntab (0xfffffffa: word-sized entries, no textStart) written over
	 * the real one: Write, a filler ending Write's body, Read. */
	{
		static const char names[] = "crypto/tls.(*Conn).Write\0x\0crypto/tls.(*Conn).Read";
		uint8_t *t = img + sh.sh_offset;
		uint64_t w = srv_s->write.entry_vaddr, r = srv_s->read.entry_vaddr;
		uint64_t hdr[8] = { 0, 3, 0, 0x100, 0, 0, 0, 0x200 };
		uint64_t ftab[7] = { w, 0x80, w + srv_s->write.size, 0x90, r, 0xa0,
				     r + srv_s->read.size };
		uint32_t noff[3] = { 0, 25, 27 };

		CHECK(w + srv_s->write.size <= r && sh.sh_size > 0x300);
		memcpy(hdr, "\xfa\xff\xff\xff\0\0\1\x08", 8);
		memcpy(t, hdr, sizeof(hdr));
		memcpy(t + 0x100, names, sizeof(names));
		memcpy(t + 0x200, ftab, sizeof(ftab));
		for (int i = 0; i < 3; i++) {
			memcpy(t + 0x200 + 0x80 + 0x10 * i, &ftab[2 * i], 8);
			memcpy(t + 0x200 + 0x80 + 0x10 * i + 8, &noff[i], 4);
		}
		path(q, "pcln116");
		spill(q, img, len);
		free(img);
		img = slurp(p, &len);
		CHECK_INT(hs_goelf_analyze(q, &gi, why, sizeof(why)), 0);
		CHECK_INT(gi.pclntab_magic, 0xfffffffa);
		check_info(q, &gi, 0, 1, HS_GOARCH_AMD64);
		check_same_funcs(srv_s, &gi);
	}

	/* Go 1.16: the stack ABI (inline build info, version patched). */
	CHECK(shdr_of(p, ".go.buildinfo", &sh, NULL));
	CHECK(sh.sh_size >= 0x60 && img[sh.sh_offset + 15] == 2 &&
	      !memcmp(img + sh.sh_offset + 33, "go1.", 4));
	path(q, "go116");
	memcpy(img + sh.sh_offset + 37, "16", 2);
	spill(q, img, len);
	CHECK_INT(hs_goelf_analyze(q, &gi, why, sizeof(why)), -ENOTSUP);
	CHECK_STR(why, "Go 1.16 uses the stack ABI: not supported (need Go >= 1.17)");

	/* Build info in the pointer format of Go < 1.18: string header at +0x40. */
	{
		uint8_t *b = img + sh.sh_offset;
		uint64_t hdr = sh.sh_addr + 0x40, data = sh.sh_addr + 0x50, n = 8;

		b[14] = 8;
		b[15] = 0;
		memcpy(b + 16, &hdr, 8);
		memset(b + 24, 0, 8);
		memcpy(b + 0x40, &data, 8);
		memcpy(b + 0x48, &n, 8);
		memcpy(b + 0x50, "go1.17.2", 8);
		path(q, "go117ptr");
		spill(q, img, len);
		CHECK_INT(hs_goelf_analyze(q, &gi, why, sizeof(why)), 0);
		CHECK_STR(gi.version, "go1.17.2");
		CHECK_INT(gi.minor, 17);
		check_same_funcs(srv_s, &gi);

		/* A string header pointing nowhere. */
		hdr = 0x10;
		memcpy(b + 16, &hdr, 8);
		path(q, "badptr");
		spill(q, img, len);
		CHECK_INT(hs_goelf_analyze(q, &gi, why, sizeof(why)), -EINVAL);
		CHECK_STR(why, "malformed Go build info");
	}
	free(img);

	/* Newer Go (go1.23) makes Read's frame with "push rbp; mov rbp, rsp; sub rsp, N-8"
	 * where go1.19 has "sub rsp, N; mov [rsp+N-8], rbp; lea rbp, [rsp+N-8]": the same SP,
	 * the same saved rbp. Written over the go1.19 prologue (padded with a 6-byte nop), the
	 * frame and the copy are found as before; any other first instruction leaves no
	 * frame and no copy, and the RETs are probed. */
	img = slurp(p, &len);
	if (srv_s->read.copy_off) {
		const struct hs_gofunc *r = &srv_s->read;
		uint8_t *pro = img + r->probe_off, n = pro[3];
		const uint8_t old[] = { 0x48, 0x83, 0xec, n, 0x48, 0x89, 0x6c, 0x24, n - 8,
					0x48, 0x8d, 0x6c, 0x24, n - 8 };
		const uint8_t new[] = { 0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, n - 8,
					0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 };

		CHECK_INT(r->frame, n);
		CHECK(!memcmp(pro, old, sizeof(old)));
		memcpy(pro, new, sizeof(new));
		path(q, "pushrbp");
		spill(q, img, len);
		CHECK_INT(hs_goelf_analyze(q, &gi, why, sizeof(why)), 0);
		check_same_funcs(srv_s, &gi);
		CHECK_INT(gi.read.copy_off, r->copy_off);
		CHECK_INT(gi.read.frame, r->frame);

		pro[0] = 0x53;	/* push rbx */
		path(q, "pushrbx");
		spill(q, img, len);
		CHECK_INT(hs_goelf_analyze(q, &gi, why, sizeof(why)), 0);
		check_same_funcs(srv_s, &gi);
		CHECK(!gi.read.copy_off && !gi.read.frame);
	}
	free(img);

	/* Truncated files fail cleanly (and never read past the end: ASan). */
	img = slurp(p, &len);
	{
		size_t cuts[] = { 0, 16, 64, 4096, len / 4, len / 2, len - 4096, len - 1 };

		for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
			int rc;

			path(q, "cut");
			spill(q, img, cuts[i]);
			rc = hs_goelf_analyze(q, &gi, why, sizeof(why));
			if (cuts[i] <= len / 2)
				CHECK(rc < 0);
			CHECK(rc <= 0);
		}
	}
	free(img);
}

static void test_cache(const struct hs_goinfo *srv)
{
	struct hs_goelf_cache *c = hs_goelf_cache_new(2);
	struct hs_goinfo gi;
	char why[256], p[PATH_MAX], s[PATH_MAX], pie[PATH_MAX], cp[PATH_MAX];
	uint64_t hits, misses;
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { 12345, 0 } };

	hs_goelf_cache_free(NULL);
	CHECK(c != NULL);
	if (!c)
		return;
	path(p, "srv");
	path(s, "srv_s");
	path(pie, "srv_pie");
	CHECK_INT(hs_goelf_cache_get(c, p, &gi, why, sizeof(why)), 0);
	same_info(&gi, srv);
	CHECK_INT(hs_goelf_cache_get(c, p, &gi, why, sizeof(why)), 0);
	same_info(&gi, srv);
	hs_goelf_cache_stats(c, &hits, &misses);
	CHECK_INT(hits, 1);
	CHECK_INT(misses, 1);

	/* Failures are cached too, with their reason. */
	CHECK_INT(hs_goelf_cache_get(c, "/bin/ls", &gi, why, sizeof(why)), -ENOEXEC);
	CHECK_INT(hs_goelf_cache_get(c, "/bin/ls", &gi, why, sizeof(why)), -ENOEXEC);
	CHECK_STR(why, "not a Go executable");
	hs_goelf_cache_stats(c, &hits, &misses);
	CHECK_INT(hits, 2);
	CHECK_INT(misses, 2);

	/* A missing file is not an entry. */
	CHECK_INT(hs_goelf_cache_get(c, "/nonexistent/x", &gi, why, sizeof(why)), -ENOENT);
	hs_goelf_cache_stats(c, &hits, &misses);
	CHECK_INT(hits + misses, 4);

	/* Bounded: a third binary evicts the least recently used (srv). */
	CHECK_INT(hs_goelf_cache_get(c, s, &gi, why, sizeof(why)), 0);
	CHECK_INT(hs_goelf_cache_get(c, "/bin/ls", &gi, why, sizeof(why)), -ENOEXEC);
	CHECK_INT(hs_goelf_cache_get(c, pie, &gi, why, sizeof(why)), 0);
	CHECK_INT(hs_goelf_cache_get(c, p, &gi, why, sizeof(why)), 0);
	hs_goelf_cache_stats(c, &hits, &misses);
	CHECK_INT(hits, 3);
	CHECK_INT(misses, 5);

	/* A changed mtime is a new file. */
	path(cp, "srv_copy");
	CHECK_INT(run("cp '%s' '%s'", p, cp), 0);
	CHECK_INT(hs_goelf_cache_get(c, cp, &gi, why, sizeof(why)), 0);
	CHECK_INT(hs_goelf_cache_get(c, cp, &gi, why, sizeof(why)), 0);
	CHECK_INT(utimensat(AT_FDCWD, cp, ts, 0), 0);
	CHECK_INT(hs_goelf_cache_get(c, cp, &gi, why, sizeof(why)), 0);
	same_info(&gi, srv);
	hs_goelf_cache_stats(c, &hits, &misses);
	CHECK_INT(hits, 4);
	CHECK_INT(misses, 7);
	hs_goelf_cache_free(c);
}

int main(void)
{
	struct hs_goinfo srv, srv_s;
	int rc;

	setup_go();
	fprintf(stderr, "%s, fixtures from %s, building in %s\n", gover, src, tmp);
	test_rejects();
	test_builds(&srv, &srv_s);
	test_offsets(&srv);
	test_patched(&srv_s);
	test_cache(&srv);
	test_arm64();
	rc = CHECK_DONE();
	if (!getenv("HS_KEEP_TMP"))
		run("rm -rf '%s'", tmp);
	return rc;
}
