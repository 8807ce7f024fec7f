/* test_container.c: container ids in cgroup path components and /proc/PID/cgroup. */
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "container.h"

#define ID "3f2a9c0b1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e"

/* the id found, as a string (the function points into the component) */
static const char *id_in(const char *s)
{
	static char buf[HS_CONTAINER_ID_LEN + 1];
	const char *id = hs_container_id_in(s, strlen(s));

	if (!id)
		return NULL;
	memcpy(buf, id, HS_CONTAINER_ID_LEN);
	return buf;
}

int main(void)
{
	CHECK_STR(id_in("docker-" ID ".scope"), ID);
	CHECK_STR(id_in("cri-containerd-" ID ".scope"), ID);
	CHECK_STR(id_in("crio-" ID ".scope"), ID);
	CHECK_STR(id_in("libpod-" ID ".scope"), ID);
	CHECK_STR(id_in(ID), ID);			/* cgroupfs driver: /docker/<id> */
	CHECK(id_in("docker-" ID) == NULL);		/* no .scope: not a systemd name */
	CHECK(id_in("user.slice") == NULL);
	CHECK(id_in("docker-" ID "0.scope") == NULL);	/* 65 digits */
	CHECK(id_in("docker-3F2A9C0B1D2E3F405162738495A6B7C8D9E0F1A2B3C4D5E6F708192A3B4C5D6E.scope") == NULL);
	CHECK(id_in("") == NULL);

	char name[16];

	hs_container_of_pid(getpid(), name);		/* the test itself runs in no container */
	CHECK_STR(name, "");
	hs_container_of_pid(999999999, name);		/* no such process */
	CHECK_STR(name, "");

	char id[HS_CONTAINER_ID_LEN + 1], why[256];
	uint64_t cg[4];
	size_t n;

	CHECK_INT(hs_container_find("xyz", id, cg, 4, &n, why, sizeof(why)), -22);
	CHECK(strstr(why, "not a container id") != NULL);
	return CHECK_DONE();
}
