/* container.h: containers seen as cgroups (cgroup v2, also on hybrid hosts). */
#ifndef HS_CONTAINER_H
#define HS_CONTAINER_H

#include <stddef.h>
#include <stdint.h>

#define HS_CONTAINER_ID_LEN 64

/* Finds the container whose id starts with prefix (Docker, containerd/CRI, CRI-O, Podman
 * cgroup names). Fills id with the full id and cgids with the cgroup ids of its cgroup and
 * every cgroup below it. Returns 0, or negative errno with a one-line reason in why
 * (-ENOENT none matches, -EEXIST ambiguous: candidates listed, -ENOTSUP no cgroup v2). */
int hs_container_find(const char *prefix, char id[HS_CONTAINER_ID_LEN + 1], uint64_t *cgids,
		      size_t max, size_t *ncgids, char *why, size_t whylen);
/* The directory of the cgroup hs_container_find() found last. */
const char *hs_container_dir(void);
/* The cgroup ids of dir and of every cgroup below it now, at most max; their number. A
 * container's runtime makes its cgroup again when it restarts it (a new id, the same path),
 * and whatever runs in it may make cgroups below it at any time. */
size_t hs_container_cgroups(const char *dir, uint64_t *cgids, size_t max);
/* The short (12 character) id of the container a process runs in, "" when none. */
void hs_container_of_pid(uint32_t pid, char out[16]);
/* The same from a cgroup v2 id (a process need not be in it any more): 0, or negative errno
 * when the cgroup cannot be found (out is then ""). */
int hs_container_of_cgroup(uint64_t cgid, char out[16]);
/* The id in one cgroup path component ("docker-<id>.scope", "<id>", ...), or NULL. */
const char *hs_container_id_in(const char *component, size_t len);

#endif
