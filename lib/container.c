/* container.c: containers seen as cgroups. Runtimes name a container's cgroup after its
 * 64-hex-digit id: docker-<id>.scope or /docker/<id> (Docker), cri-containerd-<id>.scope
 * (containerd/CRI), crio-<id>.scope (CRI-O), libpod-<id>.scope (Podman). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* open_by_handle_at() */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "container.h"

#define MAX_DEPTH 12
#define MAX_CANDIDATES 8

const char *hs_container_id_in(const char *c, size_t len)
{
	static const char *const prefixes[] = { "docker-", "cri-containerd-", "crio-", "libpod-" };
	size_t i;

	if (len > 6 && memcmp(c + len - 6, ".scope", 6) == 0) {
		len -= 6;
		for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
			size_t pl = strlen(prefixes[i]);

			if (len > pl && memcmp(c, prefixes[i], pl) == 0) {
				c += pl;
				len -= pl;
				break;
			}
		}
	}
	if (len != HS_CONTAINER_ID_LEN)
		return NULL;
	for (i = 0; i < len; i++)
		if (!((c[i] >= '0' && c[i] <= '9') || (c[i] >= 'a' && c[i] <= 'f')))
			return NULL;
	return c;
}

/* The cgroup v2 hierarchy: /sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid hosts. */
static int cgroup2_root(char *out, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[1024];
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char mnt[512], *dash = strstr(line, " - cgroup2 ");

		if (dash && sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1) {
			snprintf(out, len, "%s", mnt);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

struct search {
	const char *prefix;
	size_t plen;
	char ids[MAX_CANDIDATES][HS_CONTAINER_ID_LEN + 1];
	char dirs[MAX_CANDIDATES][512];
	size_t n;
};

static void walk(struct search *s, char *path, size_t plen, int depth)
{
	DIR *d;
	struct dirent *e;

	if (depth > MAX_DEPTH || !(d = opendir(path)))
		return;
	while ((e = readdir(d))) {
		size_t nl = strlen(e->d_name);
		const char *id;

		if (e->d_type != DT_DIR || e->d_name[0] == '.' || plen + nl + 2 > 512)
			continue;
		snprintf(path + plen, 512 - plen, "/%s", e->d_name);
		id = hs_container_id_in(e->d_name, nl);
		if (id && strncmp(id, s->prefix, s->plen) == 0) {
			size_t i;

			for (i = 0; i < s->n && memcmp(s->ids[i], id, HS_CONTAINER_ID_LEN); i++)
				;
			if (i == s->n && s->n < MAX_CANDIDATES) {
				memcpy(s->ids[i], id, HS_CONTAINER_ID_LEN);
				s->ids[i][HS_CONTAINER_ID_LEN] = '\0';
				snprintf(s->dirs[i], sizeof(s->dirs[i]), "%s", path);
				s->n++;
			}
			continue;	/* its own sub-cgroups are collected later */
		}
		walk(s, path, plen + nl + 1, depth + 1);
	}
	path[plen] = '\0';
	closedir(d);
}

static char found_dir[512];

static void collect(char *path, size_t plen, uint64_t *cgids, size_t max, size_t *n, int depth)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	if (stat(path, &st) == 0 && *n < max)
		cgids[(*n)++] = st.st_ino;	/* a cgroup v2 id is its directory's inode */
	if (depth > MAX_DEPTH || !(d = opendir(path)))
		return;
	while ((e = readdir(d))) {
		size_t nl = strlen(e->d_name);

		if (e->d_type != DT_DIR || e->d_name[0] == '.' || plen + nl + 2 > 512)
			continue;
		snprintf(path + plen, 512 - plen, "/%s", e->d_name);
		collect(path, plen + nl + 1, cgids, max, n, depth + 1);
	}
	path[plen] = '\0';
	closedir(d);
}

int hs_container_find(const char *prefix, char id[HS_CONTAINER_ID_LEN + 1], uint64_t *cgids,
		      size_t max, size_t *ncgids, char *why, size_t whylen)
{
	static struct search s;
	char path[512];
	size_t off;

	*ncgids = 0;
	memset(&s, 0, sizeof(s));
	s.prefix = prefix;
	s.plen = strlen(prefix);
	if (!s.plen || s.plen > HS_CONTAINER_ID_LEN || strspn(prefix, "0123456789abcdef") != s.plen) {
		snprintf(why, whylen, "'%s' is not a container id (hexadecimal, as docker ps shows)",
			 prefix);
		return -EINVAL;
	}
	if (!cgroup2_root(path, sizeof(path))) {
		snprintf(why, whylen, "no cgroup v2 hierarchy is mounted: containers cannot be found");
		return -ENOTSUP;
	}
	walk(&s, path, strlen(path), 0);
	if (s.n == 0) {
		snprintf(why, whylen, "no running container has an id starting with '%s' (looked in %s)",
			 prefix, path);
		return -ENOENT;
	}
	if (s.n > 1) {
		off = snprintf(why, whylen, "container id '%s' is ambiguous:", prefix);
		for (size_t i = 0; i < s.n && off < whylen; i++)
			off += snprintf(why + off, whylen - off, " %.12s", s.ids[i]);
		return -EEXIST;
	}
	memcpy(id, s.ids[0], HS_CONTAINER_ID_LEN + 1);
	snprintf(found_dir, sizeof(found_dir), "%s", s.dirs[0]);
	*ncgids = hs_container_cgroups(found_dir, cgids, max);
	return 0;
}

const char *hs_container_dir(void)
{
	return found_dir;
}

size_t hs_container_cgroups(const char *dir, uint64_t *cgids, size_t max)
{
	char path[512];
	size_t n = 0;

	snprintf(path, sizeof(path), "%s", dir);
	collect(path, strlen(path), cgids, max, &n, 0);
	return n;
}

/* The short id in a cgroup path, "" when none. */
static void id_in_path(const char *path, char out[16])
{
	out[0] = '\0';
	while (*path && !out[0]) {
		size_t len = strcspn(path, "/\n");
		const char *id = hs_container_id_in(path, len);

		if (id)
			snprintf(out, 16, "%.12s", id);
		path += len + (path[len] == '/');
		if (!len && *path)
			path++;
	}
}

int hs_container_of_cgroup(uint64_t cgid, char out[16])
{
	static int mnt = -2;
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = { .fh = { .handle_bytes = sizeof(uint64_t), .handle_type = 0xfe /* FILEID_KERNFS */ },
		.id = cgid };
	char root[512], p[64], path[1024];
	ssize_t n;
	int fd;

	out[0] = '\0';
	if (mnt == -2)
		mnt = cgroup2_root(root, sizeof(root)) ? open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
						       : -1;
	if (mnt < 0 || !cgid)
		return -ENOENT;
	/* the cgroup by its id, even when no process is left in it to read /proc/PID/cgroup of */
	fd = open_by_handle_at(mnt, &h.fh, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = readlink(p, path, sizeof(path) - 1);
	close(fd);
	if (n <= 0)
		return -ENOENT;
	path[n] = '\0';
	id_in_path(path, out);
	return 0;
}

void hs_container_of_pid(uint32_t pid, char out[16])
{
	char p[64], line[1024];
	FILE *f;

	out[0] = '\0';
	snprintf(p, sizeof(p), "/proc/%u/cgroup", pid);
	if (!(f = fopen(p, "r")))
		return;
	while (!out[0] && fgets(line, sizeof(line), f)) {
		char *c = strchr(line, ':');

		c = c ? strchr(c + 1, ':') : NULL;	/* "N:controllers:/path" */
		if (c)
			id_in_path(c + 1, out);
	}
	fclose(f);
}
