/* test_tls.c: where the OpenSSL probes go in the system's libssl.so.3 (Debian 12's, which
 * nginx and curl bring), and in copies of it with a byte changed. */
#include "check.h"
#include "tls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

enum { READ = 0, WRITE, READ_EX, WRITE_EX, FREE };

static const char *const libssl_paths[] = {
	"/usr/lib/x86_64-linux-gnu/libssl.so.3", "/lib/x86_64-linux-gnu/libssl.so.3",
	"/usr/lib/aarch64-linux-gnu/libssl.so.3", "/usr/lib64/libssl.so.3",
};

static void bytes_at(const char *path, uint64_t off, uint8_t *b, size_t n)
{
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 0 && pread(fd, b, n, off) == (ssize_t)n);
	if (fd >= 0)
		close(fd);
}

/* A copy of from at to, with the byte at off replaced. */
static void copy_with(const char *from, const char *to, uint64_t off, uint8_t byte)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	CHECK(in >= 0 && out >= 0);
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		CHECK(write(out, buf, n) == n);
	CHECK(out >= 0 && pwrite(out, &byte, 1, off) == 1);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
}

int main(void)
{
	char tmp[] = "/tmp/hs-test-tls.XXXXXX", copy[64];
	const char *lib = NULL;
	uint64_t off[5], int_off[2], off2[5], int_off2[2];
	uint8_t b[6];

	for (size_t i = 0; i < sizeof(libssl_paths) / sizeof(libssl_paths[0]) && !lib; i++)
		if (access(libssl_paths[i], R_OK) == 0)
			lib = libssl_paths[i];
	if (!lib || !mkdtemp(tmp)) {
		fprintf(stderr, "no libssl.so.3 in the usual directories (apt-get install libssl3)\n");
		return 1;
	}
	snprintf(copy, sizeof(copy), "%s/libssl.so.3", tmp);

	CHECK_INT(hs_tls_elf_offsets(lib, off, int_off), 0);
	for (int f = READ; f <= FREE; f++)
		CHECK(off[f] != 0);
	/* the functions SSL_read/SSL_read_ex and SSL_write/SSL_write_ex wrap */
	CHECK(int_off[0] && int_off[1] && int_off[0] != int_off[1]);

	/* SSL_free's probe goes on the je of its "test rdi, rdi; je" (emulated; the test would
	 * be single-stepped) */
	bytes_at(lib, off[FREE] - 3, b, sizeof(b));
	CHECK(!memcmp(b, "\x48\x85\xff", 3) && (b[3] == 0x74 || (b[3] == 0x0f && b[4] == 0x84)));

	/* "test rsi, rsi" instead: no NULL check of the argument, the probe stays on the entry */
	copy_with(lib, copy, off[FREE] - 1, 0xf6);
	CHECK_INT(hs_tls_elf_offsets(copy, off2, int_off2), 0);
	CHECK_INT(off2[FREE], off[FREE] - 3);
	CHECK(!memcmp(off2, off, FREE * sizeof(off[0])) && !memcmp(int_off2, int_off,
								  sizeof(int_off)));
	/* a NULL check that is not followed by a je ("jmp" instead): the entry too */
	copy_with(lib, copy, off[FREE], 0xeb);
	CHECK_INT(hs_tls_elf_offsets(copy, off2, int_off2), 0);
	CHECK_INT(off2[FREE], off[FREE] - 3);

	/* the same bytes in an arm64 file (e_machine 183) are no x86-64 instructions */
	copy_with(lib, copy, 18, 183);
	CHECK_INT(hs_tls_elf_offsets(copy, off2, int_off2), 0);
	CHECK_INT(off2[FREE], off[FREE] - 3);

	/* files that are not an OpenSSL */
	CHECK_INT(hs_tls_elf_offsets("/nonexistent/libssl.so.3", off2, int_off2), -ENOENT);
	CHECK_INT(hs_tls_elf_offsets("/proc/self/exe", off2, int_off2), -ENOENT);
	copy_with("/dev/null", copy, 0, 'x');
	CHECK_INT(hs_tls_elf_offsets(copy, off2, int_off2), -ENOEXEC);

	unlink(copy);
	rmdir(tmp);
	return CHECK_DONE();
}
