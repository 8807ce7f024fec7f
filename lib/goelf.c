/* goelf.c: finds crypto/tls.(*Conn).Read/Write, their RETs and the Go version in a Go
 * executable (ELF via libelf, Go build info, pclntab, Capstone), with a result cache. */
#include "goelf.h"

#include <capstone/capstone.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define FN_READ "crypto/tls.(*Conn).Read"
#define FN_WRITE "crypto/tls.(*Conn).Write"
#define FN_MEMMOVE "runtime.memmove"
#define MAX_LOADS 32
#define MAX_FUNC_SIZE (1u << 20)	/* a larger body means a misread table */

/* pclntab header magics (runtime/symtab.go). */
#define PCLN_GO116 0xfffffffau		/* Go 1.16, 1.17 */
#define PCLN_GO118 0xfffffff0u		/* Go 1.18, 1.19 */
#define PCLN_GO120 0xfffffff1u		/* Go 1.20 and later */

/*
 * Struct offsets of the fd chain, by Go version (64-bit). These layouts have not changed
 * from Go 1.17 on; a newer version uses the last row. Verified with the local go1.19.8 on
 * amd64 two ways: (1) readelf --debug-dump=info on an unstripped tests/go/tlsserver build:
 * crypto/tls.Conn{conn 0, isClient 16}, net.TCPConn{conn 0}, net.conn{fd 0},
 * net.netFD{pfd 0}, internal/poll.FD{fdmu 0, Sysfd 16}, runtime.iface{tab 0, data 8},
 * runtime.g{goid 152}; (2) tests/go/offsets, which prints the same offsets through
 * reflect at test time and is compared with this table by tests/unit/test_goelf.c.
 */
static const struct {
	int minor;			/* first Go 1.x version of the row */
	struct hs_gotls_offsets off;
} offset_table[] = {
	{ 17, { .conn_iface = 0, .conn_is_client = 16, .iface_data = 8, .tcpconn_fd = 0,
		.netfd_pfd = 0, .pollfd_sysfd = 16, .g_goid = 152 } },
};

struct goelf {
	const uint8_t *img;		/* the whole file (a shared mapping) */
	size_t size;
	Elf *elf;
	size_t shstrndx;
	GElf_Ehdr ehdr;
	GElf_Phdr load[MAX_LOADS];
	size_t nload;
	char *why;
	size_t whylen;
};

static int fail(struct goelf *g, int err, const char *fmt, ...)
{
	va_list ap;

	if (g->why && g->whylen) {
		va_start(ap, fmt);
		vsnprintf(g->why, g->whylen, fmt, ap);
		va_end(ap);
	}
	return err;
}

static uint64_t rd(const uint8_t *p, unsigned n, int be)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[be ? n - 1 - i : i] << (8 * i);
	return v;
}

/* Bytes [off, off+len) of the file, or NULL when they are not all in it. */
static const uint8_t *at(const struct goelf *g, uint64_t off, uint64_t len)
{
	if (off > g->size || len > g->size - off)
		return NULL;
	return g->img + off;
}

/* File offset of [vaddr, vaddr+len) through the PT_LOAD headers; 0 when unmapped. */
static uint64_t vaddr_off(const struct goelf *g, uint64_t vaddr, uint64_t len, int exec)
{
	for (size_t i = 0; i < g->nload; i++) {
		const GElf_Phdr *p = &g->load[i];

		if (exec && !(p->p_flags & PF_X))
			continue;
		if (vaddr >= p->p_vaddr && vaddr - p->p_vaddr < p->p_filesz &&
		    len <= p->p_filesz - (vaddr - p->p_vaddr)) {
			uint64_t off = p->p_offset + (vaddr - p->p_vaddr);

			return at(g, off, len) ? off : 0;
		}
	}
	return 0;
}

static Elf_Scn *section(const struct goelf *g, const char *name, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(g->elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, sh))
			continue;
		n = elf_strptr(g->elf, g->shstrndx, sh->sh_name);
		if (n && strcmp(n, name) == 0)
			return scn;
	}
	return NULL;
}

/* File bytes of a section with contents, or NULL. */
static const uint8_t *section_bytes(const struct goelf *g, const GElf_Shdr *sh)
{
	if (sh->sh_type == SHT_NOBITS)
		return NULL;
	return at(g, sh->sh_offset, sh->sh_size);
}

/*
 * A pointer-sized word at vaddr. A PIE linked by an external linker may leave a relocated
 * word zero in the file, with the value as the addend of a RELATIVE relocation.
 */
static uint64_t read_ptr(const struct goelf *g, uint64_t vaddr, unsigned psize, int be)
{
	uint64_t off = vaddr_off(g, vaddr, psize, 0), v;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	if (!off)
		return 0;
	v = rd(g->img + off, psize, be);
	if (v || g->ehdr.e_type != ET_DYN)
		return v;
	while ((scn = elf_nextscn(g->elf, scn))) {
		Elf_Data *d;
		GElf_Rela r;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || !sh.sh_entsize)
			continue;
		if (!(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			unsigned t;

			if (!gelf_getrela(d, (int)i, &r) || r.r_offset != vaddr)
				continue;
			t = GELF_R_TYPE(r.r_info);
			if (t == R_X86_64_RELATIVE || t == R_AARCH64_RELATIVE)
				return (uint64_t)r.r_addend;
		}
	}
	return 0;
}

/* "go1.19.8" → 1, 19; also finds it in "devel go1.22-abc ...". */
static int parse_version(const char *s, int *major, int *minor)
{
	const char *p = strstr(s, "go1.");
	char *end;
	long m;

	if (!p)
		return -1;
	m = strtol(p + 4, &end, 10);
	if (end == p + 4 || m < 0 || m > 1000)
		return -1;
	*major = 1;
	*minor = (int)m;
	return 0;
}

/*
 * The Go version from the build info blob: 32-byte header "\xff Go buildinf:", pointer
 * size at 14, flags at 15 (bit 0 big-endian, bit 1 inline strings). Go >= 1.18: varint
 * length and version string at 32. Before: pointer at 16 to a Go string header
 * {data, len} somewhere in the data segment.
 */
static int read_buildinfo(struct goelf *g, const uint8_t *b, size_t len, uint64_t vaddr,
			  struct hs_goinfo *out)
{
	char v[256];
	uint64_t n = 0;
	size_t i;

	if (len < 32)
		return fail(g, -EINVAL, "malformed Go build info");
	if (b[15] & 2) {
		unsigned shift = 0;

		for (i = 32; i < len && shift < 64; i++, shift += 7) {
			n |= (uint64_t)(b[i] & 0x7f) << shift;
			if (!(b[i] & 0x80))
				break;
		}
		if (i >= len || n > len - i - 1)
			return fail(g, -EINVAL, "malformed Go build info");
		b += i + 1;
	} else {
		unsigned ps = b[14];
		int be = b[15] & 1;
		uint64_t hdr, data, off;

		if (ps != 4 && ps != 8)
			return fail(g, -EINVAL, "malformed Go build info");
		hdr = read_ptr(g, vaddr + 16, ps, be);
		data = hdr ? read_ptr(g, hdr, ps, be) : 0;
		off = hdr ? vaddr_off(g, hdr + ps, ps, 0) : 0;
		if (!data || !off)
			return fail(g, -EINVAL, "malformed Go build info");
		n = rd(g->img + off, ps, be);
		if (n >= sizeof(v) || !(off = vaddr_off(g, data, n, 0)))
			return fail(g, -EINVAL, "malformed Go build info");
		b = g->img + off;
	}
	if (n >= sizeof(v))
		n = sizeof(v) - 1;
	memcpy(v, b, n);
	v[n] = '\0';
	n = n < sizeof(out->version) - 1 ? n : sizeof(out->version) - 1;
	memcpy(out->version, v, n);		/* cut to fit; parsed from v */
	out->version[n] = '\0';
	if (parse_version(v, &out->major, &out->minor) < 0)
		return fail(g, -ENOTSUP, "Go version \"%s\" not recognised", out->version);
	return 0;
}

static int find_buildinfo(struct goelf *g, struct hs_goinfo *out)
{
	static const char magic[] = "\xff Go buildinf:";
	GElf_Shdr sh;
	const uint8_t *b;

	if (section(g, ".go.buildinfo", &sh) && (b = section_bytes(g, &sh)) &&
	    sh.sh_size >= 32 && memcmp(b, magic, 14) == 0)
		return read_buildinfo(g, b, sh.sh_size, sh.sh_addr, out);
	/* No section headers: the blob is 16-byte aligned in a writable segment. */
	for (size_t i = 0; i < g->nload; i++) {
		const GElf_Phdr *p = &g->load[i];

		if (!(p->p_flags & PF_W) || !at(g, p->p_offset, p->p_filesz))
			continue;
		for (uint64_t o = (16 - p->p_vaddr % 16) % 16; o + 32 <= p->p_filesz; o += 16) {
			b = g->img + p->p_offset + o;
			if (memcmp(b, magic, 14) == 0)
				return read_buildinfo(g, b, p->p_filesz - o, p->p_vaddr + o, out);
		}
	}
	return fail(g, -ENOEXEC, "not a Go executable");
}

/* The two functions through .symtab; 0 when both were found. */
static int find_symtab(struct goelf *g, struct hs_goinfo *out)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	GElf_Sym sym;
	Elf_Data *d;
	int found = 0;

	while ((scn = elf_nextscn(g->elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			break;
	if (!scn || !sh.sh_entsize || !(d = elf_getdata(scn, NULL)))
		return -ENOENT;
	out->stripped = 0;
	for (size_t i = 0; i < sh.sh_size / sh.sh_entsize && found != 7; i++) {
		struct hs_gofunc *f;
		const char *n;

		if (!gelf_getsym(d, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC)
			continue;
		if (!(n = elf_strptr(g->elf, sh.sh_link, sym.st_name)))
			continue;
		if (strcmp(n, FN_MEMMOVE) == 0) {
			out->memmove_vaddr = sym.st_value;
			found |= 4;
			continue;
		}
		if (strcmp(n, FN_READ) == 0)
			f = &out->read, found |= 1;
		else if (strcmp(n, FN_WRITE) == 0)
			f = &out->write, found |= 2;
		else
			continue;
		f->entry_vaddr = sym.st_value;
		f->size = sym.st_size;
	}
	return (found & 3) == 3 ? 0 : -ENOENT;
}

/*
 * The pclntab: its section, or, when the section header is gone, its header found by
 * magic in a read-only or data segment (8-byte aligned: magic, two zero pad bytes,
 * instruction size 1, 2 or 4, pointer size 8).
 */
static const uint8_t *locate_pclntab(struct goelf *g, uint64_t *len, uint64_t *vaddr)
{
	static const char *const names[] = { ".gopclntab", ".data.rel.ro.gopclntab" };
	GElf_Shdr sh;
	const uint8_t *b;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (section(g, names[i], &sh) && (b = section_bytes(g, &sh)) && sh.sh_size >= 8) {
			*len = sh.sh_size;
			*vaddr = sh.sh_addr;
			return b;
		}
	for (size_t i = 0; i < g->nload; i++) {
		const GElf_Phdr *p = &g->load[i];

		if ((p->p_flags & PF_X) || !(b = at(g, p->p_offset, p->p_filesz)))
			continue;
		for (uint64_t o = (8 - p->p_vaddr % 8) % 8; o + 72 <= p->p_filesz; o += 8) {
			const uint8_t *h = b + o;
			uint32_t m = (uint32_t)rd(h, 4, 0);

			if ((m == PCLN_GO116 || m == PCLN_GO118 || m == PCLN_GO120) &&
			    h[4] == 0 && h[5] == 0 && (h[6] == 1 || h[6] == 2 || h[6] == 4) &&
			    h[7] == 8) {
				*len = p->p_filesz - o;
				*vaddr = p->p_vaddr + o;
				return h;
			}
		}
	}
	return NULL;
}

/*
 * The two functions through the pclntab (runtime/symtab.go, pcHeader). With p the pointer
 * size, the header is: magic u32, pad u8 u8, minLC u8, ptrSize u8, then words nfunc,
 * nfiles, [textStart: Go >= 1.18], funcnameOffset, cuOffset, filetabOffset, pctabOffset,
 * pclnOffset. The functab at pclnOffset holds nfunc {entry, funcoff} pairs and the end
 * entry: u32 offsets from textStart since Go 1.18, absolute words before. funcoff is from
 * pclnOffset; there the _func starts with the entry (u32 or a word), then nameOff (i32,
 * from funcnameOffset).
 */
static int read_pclntab(struct goelf *g, struct hs_goinfo *out)
{
	const uint8_t *t;
	uint64_t len, vaddr, nfunc, text = 0, fname, pcln, ftab_len;
	unsigned p, esz;
	int found = 0, go118;

	if (!(t = locate_pclntab(g, &len, &vaddr)))
		return fail(g, -EINVAL, "Go pclntab not found");
	out->pclntab_magic = (uint32_t)rd(t, 4, 0);
	if (out->pclntab_magic != PCLN_GO116 && out->pclntab_magic != PCLN_GO118 &&
	    out->pclntab_magic != PCLN_GO120)
		return fail(g, -ENOTSUP, "pclntab format 0x%08x not supported", out->pclntab_magic);
	go118 = out->pclntab_magic != PCLN_GO116;
	p = t[7];
	if (p != 8 || len < 8 + 8ull * p)
		return fail(g, -EINVAL, "malformed pclntab header");
	nfunc = rd(t + 8, p, 0);
	if (go118) {
		text = read_ptr(g, vaddr + 8 + 2 * p, p, 0);
		if (!text) {
			GElf_Shdr sh;

			if (!section(g, ".text", &sh))
				return fail(g, -EINVAL, "malformed pclntab: no text start");
			text = sh.sh_addr;
		}
	}
	fname = rd(t + 8 + (go118 ? 3 : 2) * p, p, 0);
	pcln = rd(t + 8 + (go118 ? 7 : 6) * p, p, 0);
	esz = go118 ? 4 : p;
	ftab_len = (nfunc * 2 + 1) * esz;
	if (nfunc > len / 8 || fname >= len || pcln >= len || ftab_len > len - pcln)
		return fail(g, -EINVAL, "malformed pclntab header");

	for (uint64_t i = 0; i < nfunc && found != 7; i++) {
		const uint8_t *e = t + pcln + i * 2 * esz;
		uint64_t foff = rd(e + esz, esz, 0), noff;
		const char *name;
		struct hs_gofunc *f;
		size_t max;

		if (foff > len - pcln || esz + 4 > len - pcln - foff)
			return fail(g, -EINVAL, "malformed pclntab function entry");
		noff = rd(t + pcln + foff + esz, 4, 0);
		if (noff >= len - fname)
			return fail(g, -EINVAL, "malformed pclntab function name");
		name = (const char *)t + fname + noff;
		max = len - fname - noff;
		if (strncmp(name, FN_READ, max) == 0 && max > sizeof(FN_READ) - 1)
			f = &out->read, found |= 1;
		else if (strncmp(name, FN_WRITE, max) == 0 && max > sizeof(FN_WRITE) - 1)
			f = &out->write, found |= 2;
		else if (strncmp(name, FN_MEMMOVE, max) == 0 && max > sizeof(FN_MEMMOVE) - 1) {
			out->memmove_vaddr = rd(e, esz, 0) + text;
			found |= 4;
			continue;
		} else
			continue;
		f->entry_vaddr = rd(e, esz, 0) + text;
		f->size = rd(e + 2 * esz, esz, 0) + text - f->entry_vaddr;
	}
	if (!(found & 3))
		return fail(g, -ENODATA, "crypto/tls not linked in");
	if ((found & 3) != 3)
		return fail(g, -ENODATA, "%s not found", found & 1 ? FN_WRITE : FN_READ);
	return 0;
}

/* Entry file offset and RETs of one function, by disassembling its body. */
static int scan_func(struct goelf *g, csh cs, cs_insn *insn, const char *name,
		     struct hs_gofunc *f, uint64_t memmove)
{
	unsigned copies = 0, pushed = 0;
	uint64_t prologue = 0;	/* bytes of the frame's prologue seen after the check */
	unsigned ret_id = g->ehdr.e_machine == EM_X86_64 ? X86_INS_RET : ARM64_INS_RET;
	unsigned skip = g->ehdr.e_machine == EM_X86_64 ? 1 : 4;
	const uint8_t *code;
	size_t left;
	uint64_t addr;
	int guard = 0;

	snprintf(f->name, sizeof(f->name), "%s", name);
	if (!f->size || f->size > MAX_FUNC_SIZE)
		return fail(g, -EINVAL, "%s: implausible size %llu", name,
			    (unsigned long long)f->size);
	f->entry_off = vaddr_off(g, f->entry_vaddr, f->size, 1);
	if (!f->entry_off)
		return fail(g, -EINVAL, "%s: entry 0x%llx not in an executable segment", name,
			    (unsigned long long)f->entry_vaddr);
	f->probe_off = f->entry_off;
	code = g->img + f->entry_off;
	left = f->size;
	addr = f->entry_vaddr;
	while (left) {
		if (!cs_disasm_iter(cs, &code, &left, &addr, insn)) {
			/* not an instruction (padding, data): step over it */
			size_t n = left < skip ? left : skip;

			code += n, left -= n, addr += n;
			continue;
		}
		/* the stack check: "cmp rsp|r12, [r14+16]; jbe" / "cmp sp|x17, x16; b.ls",
		 * within the first instructions; its branch leads to runtime.morestack,
		 * which comes back to the entry */
		if (f->probe_off == f->entry_off && addr - f->entry_vaddr <= 32) {
			if (strstr(insn->op_str, g->ehdr.e_machine == EM_X86_64 ? "r14" : "x28"))
				guard = 1;	/* reads g.stackguard0 */
			else if (guard && (!strcmp(insn->mnemonic, "jbe") ||
					   !strcmp(insn->mnemonic, "b.ls"))) {
				f->probe_off = f->entry_off + (addr - f->entry_vaddr);
				if (!strcmp(insn->mnemonic, "jbe"))
					f->jcc_off = f->entry_off +
						     (insn->address - f->entry_vaddr);
			}
		}
		/* x86-64 Read: the frame made right after the check ("sub rsp, N", or in newer
		 * Go, go1.23 here, "push rbp; mov rbp, rsp; sub rsp, N"), and its memmove calls */
		if (memmove && f->jcc_off && !f->frame &&
		    f->entry_off + (insn->address - f->entry_vaddr) == f->probe_off + prologue) {
			if (!strcmp(insn->mnemonic, "push") && !strcmp(insn->op_str, "rbp"))
				pushed += 8;
			else if (!strcmp(insn->mnemonic, "sub") && !strncmp(insn->op_str, "rsp, 0x", 7))
				f->frame = pushed + strtoul(insn->op_str + 5, NULL, 16);
			else if (strcmp(insn->mnemonic, "mov") || strcmp(insn->op_str, "rbp, rsp"))
				prologue = f->size;	/* something else: no frame known */
			prologue += insn->size;
		}
		if (memmove && !strcmp(insn->mnemonic, "call") &&
		    strtoull(insn->op_str, NULL, 16) == memmove && copies++ == 0)
			f->copy_off = f->entry_off + (insn->address - f->entry_vaddr);
		if (insn->id != ret_id)
			continue;
		if (f->nret == HS_GOELF_MAX_RET)
			return fail(g, -E2BIG, "%s: more than %d RET instructions", name,
				    HS_GOELF_MAX_RET);
		f->ret_off[f->nret++] = f->entry_off + (insn->address - f->entry_vaddr);
	}
	if (!f->nret)
		return fail(g, -ENOTSUP, "%s: no RET instruction found", name);
	if (copies != 1 || !f->frame || f->frame > 0x10000)
		f->copy_off = f->frame = 0;
	return 0;
}

static int disassemble(struct goelf *g, struct hs_goinfo *out)
{
	cs_arch arch = out->arch == HS_GOARCH_AMD64 ? CS_ARCH_X86 : CS_ARCH_ARM64;
	cs_mode mode = out->arch == HS_GOARCH_AMD64 ? CS_MODE_64 : CS_MODE_ARM;
	cs_insn *insn;
	csh cs;
	int err;

	if (cs_open(arch, mode, &cs) != CS_ERR_OK)
		return fail(g, -ENOMEM, "cannot start the disassembler");
	if (!(insn = cs_malloc(cs))) {
		cs_close(&cs);
		return fail(g, -ENOMEM, "cannot start the disassembler");
	}
	err = scan_func(g, cs, insn, FN_READ, &out->read,
			out->arch == HS_GOARCH_AMD64 ? out->memmove_vaddr : 0);
	if (!err)
		err = scan_func(g, cs, insn, FN_WRITE, &out->write, 0);
	cs_free(insn, 1);
	cs_close(&cs);
	return err;
}

static int analyze(struct goelf *g, struct hs_goinfo *out)
{
	size_t n;
	int err;

	g->img = (const uint8_t *)elf_rawfile(g->elf, &g->size);
	if (!g->img || elf_kind(g->elf) != ELF_K_ELF)
		return fail(g, -ENOEXEC, "not a Go executable (not an ELF file)");
	if (!gelf_getehdr(g->elf, &g->ehdr) || gelf_getclass(g->elf) != ELFCLASS64 ||
	    g->ehdr.e_ident[EI_DATA] != ELFDATA2LSB)
		return fail(g, -ENOEXEC, "not a Go executable (not a 64-bit little-endian ELF file)");
	if (g->ehdr.e_type != ET_EXEC && g->ehdr.e_type != ET_DYN)
		return fail(g, -ENOEXEC, "not a Go executable (not an ELF executable)");
	if (elf_getshdrstrndx(g->elf, &g->shstrndx) < 0)
		g->shstrndx = 0;
	if (elf_getphdrnum(g->elf, &n) < 0)
		return fail(g, -EINVAL, "malformed ELF program headers");
	for (size_t i = 0; i < n && g->nload < MAX_LOADS; i++) {
		GElf_Phdr *p = &g->load[g->nload];

		if (gelf_getphdr(g->elf, (int)i, p) && p->p_type == PT_LOAD)
			g->nload++;
	}
	out->pie = g->ehdr.e_type == ET_DYN;
	out->stripped = 1;

	if ((err = find_buildinfo(g, out)))
		return err;
	switch (g->ehdr.e_machine) {
	case EM_X86_64:
		out->arch = HS_GOARCH_AMD64;
		if (out->minor < 17)
			return fail(g, -ENOTSUP, "Go 1.%d uses the stack ABI: not supported "
				    "(need Go >= 1.17)", out->minor);
		break;
	case EM_AARCH64:
		out->arch = HS_GOARCH_ARM64;
		if (out->minor < 18)
			return fail(g, -ENOTSUP, "Go 1.%d on arm64 uses the stack ABI: not "
				    "supported (need Go >= 1.18)", out->minor);
		break;
	default:
		return fail(g, -ENOTSUP, "%s: ELF machine %u not supported (need x86-64 or arm64)",
			    out->version, g->ehdr.e_machine);
	}
	for (size_t i = 0; i < sizeof(offset_table) / sizeof(offset_table[0]); i++)
		if (out->minor >= offset_table[i].minor)
			out->offsets = offset_table[i].off;

	if (find_symtab(g, out) < 0) {
		memset(&out->read, 0, sizeof(out->read));
		memset(&out->write, 0, sizeof(out->write));
		if ((err = read_pclntab(g, out)))
			return err;
	}
	return disassemble(g, out);
}

int hs_goelf_analyze_fd(int fd, struct hs_goinfo *out, char *why, size_t whylen)
{
	struct goelf g = { .why = why, .whylen = whylen };
	struct stat st;
	void *map;
	int err;

	memset(out, 0, sizeof(*out));
	if (why && whylen)
		why[0] = '\0';
	if (elf_version(EV_CURRENT) == EV_NONE)
		return fail(&g, -ENOSYS, "libelf: %s", elf_errmsg(-1));
	/* A shared mapping, not libelf's private one: the kernel puts the breakpoints of uprobes
	 * attached for every process (another tracer's, or our own) into each private mapping
	 * of the file made later, ours included, and an int3 would hide a RET. */
	if (fstat(fd, &st))
		return fail(&g, -errno, "cannot read: %s", strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf64_Ehdr))
		return fail(&g, -ENOEXEC, "not a Go executable (not an ELF file)");
	map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return fail(&g, -errno, "cannot read: %s", strerror(errno));
	if (!(g.elf = elf_memory(map, st.st_size))) {
		munmap(map, st.st_size);
		return fail(&g, -ENOEXEC, "not a Go executable (not an ELF file)");
	}
	err = analyze(&g, out);
	elf_end(g.elf);
	munmap(map, st.st_size);
	if (err) {
		char v[sizeof(out->version)];

		memcpy(v, out->version, sizeof(v));
		memset(out, 0, sizeof(*out));
		memcpy(out->version, v, sizeof(v));	/* kept: useful in messages */
	}
	return err;
}

int hs_goelf_analyze(const char *path, struct hs_goinfo *out, char *why, size_t whylen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0) {
		err = -errno;
		memset(out, 0, sizeof(*out));
		if (why && whylen)
			snprintf(why, whylen, "cannot open: %s", strerror(-err));
		return err;
	}
	err = hs_goelf_analyze_fd(fd, out, why, whylen);
	close(fd);
	return err;
}

struct cache_entry {
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	off_t size;
	uint64_t used;			/* last use, for eviction; 0: free slot */
	int err;
	char why[128];
	struct hs_goinfo info;
};

struct hs_goelf_cache {
	unsigned max;
	uint64_t clock, hits, misses;
	struct cache_entry *e;
};

struct hs_goelf_cache *hs_goelf_cache_new(unsigned max_entries)
{
	struct hs_goelf_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->max = max_entries ? max_entries : 1;
	if (!(c->e = calloc(c->max, sizeof(*c->e)))) {
		free(c);
		return NULL;
	}
	return c;
}

void hs_goelf_cache_free(struct hs_goelf_cache *c)
{
	if (!c)
		return;
	free(c->e);
	free(c);
}

static void cache_answer(const struct cache_entry *e, struct hs_goinfo *out, char *why,
			 size_t whylen)
{
	*out = e->info;
	if (why && whylen)
		snprintf(why, whylen, "%s", e->why);
}

int hs_goelf_cache_get(struct hs_goelf_cache *c, const char *path, struct hs_goinfo *out,
		       char *why, size_t whylen)
{
	struct cache_entry *e, *victim;
	struct stat st;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		memset(out, 0, sizeof(*out));
		if (why && whylen)
			snprintf(why, whylen, "cannot open: %s", strerror(-err));
		return err;
	}
	victim = &c->e[0];
	for (unsigned i = 0; i < c->max; i++) {
		e = &c->e[i];
		if (e->used && e->dev == st.st_dev && e->ino == st.st_ino &&
		    e->mtime.tv_sec == st.st_mtim.tv_sec && e->mtime.tv_nsec == st.st_mtim.tv_nsec &&
		    e->size == st.st_size) {
			close(fd);
			e->used = ++c->clock;
			c->hits++;
			cache_answer(e, out, why, whylen);
			return e->err;
		}
		if (e->used < victim->used)
			victim = e;
	}
	e = victim;
	e->err = hs_goelf_analyze_fd(fd, &e->info, e->why, sizeof(e->why));
	close(fd);
	e->dev = st.st_dev;
	e->ino = st.st_ino;
	e->mtime = st.st_mtim;
	e->size = st.st_size;
	e->used = ++c->clock;
	c->misses++;
	cache_answer(e, out, why, whylen);
	return e->err;
}

void hs_goelf_cache_stats(const struct hs_goelf_cache *c, uint64_t *hits, uint64_t *misses)
{
	if (hits)
		*hits = c ? c->hits : 0;
	if (misses)
		*misses = c ? c->misses : 0;
}
