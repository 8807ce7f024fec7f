/* proc.c: what /proc tells about other processes, and the clock their events are timed by. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

static FILE *proc_file(uint32_t pid, const char *name)
{
	char p[64];

	snprintf(p, sizeof(p), "/proc/%u/%s", pid, name);
	return fopen(p, "re");
}

void hs_proc_comm(uint32_t pid, char *buf, size_t len)
{
	FILE *f = proc_file(pid, "comm");

	snprintf(buf, len, "?");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

uint32_t hs_proc_tgid(uint32_t pid)
{
	char line[128];
	unsigned long tgid = 0;
	FILE *f = proc_file(pid, "status");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %lu", &tgid) == 1)
			break;
	fclose(f);
	return tgid <= UINT32_MAX ? (uint32_t)tgid : 0;
}

/* The fields of /proc/PID/stat after "pid (comm)", whose name may hold spaces and
 * parentheses; NULL when pid is gone. */
static const char *stat_fields(uint32_t pid, char *line, int len)
{
	FILE *f = proc_file(pid, "stat");
	char *end = NULL;

	if (!f)
		return NULL;
	if (fgets(line, len, f))
		end = strrchr(line, ')');
	fclose(f);
	return end ? end + 1 : NULL;
}

uint32_t hs_proc_ppid(uint32_t pid)
{
	char line[512];
	const char *s = stat_fields(pid, line, sizeof(line));
	unsigned long ppid = 0;

	if (s)
		sscanf(s, " %*c %lu", &ppid);	/* state ppid */
	return ppid <= UINT32_MAX ? (uint32_t)ppid : 0;
}

#define PF_KTHREAD 0x00200000

int hs_proc_kthread(uint32_t pid)
{
	char line[512];
	const char *s = stat_fields(pid, line, sizeof(line));
	unsigned long flags = 0;

	if (s)	/* state ppid pgrp session tty_nr tpgid flags */
		sscanf(s, " %*c %*d %*d %*d %*d %*d %lu", &flags);
	return !!(flags & PF_KTHREAD);
}

int hs_proc_exited(uint32_t pid)
{
	char line[512], task[64];
	const char *s = stat_fields(pid, line, sizeof(line));
	struct dirent *de;
	int threads = 0;
	DIR *d;

	if (!s || (s[1] != 'Z' && s[1] != 'X'))
		return 0;
	/* a leader that ended while its other threads run shows Z too */
	snprintf(task, sizeof(task), "/proc/%u/task", pid);
	d = opendir(task);
	if (!d)
		return 1;
	while ((de = readdir(d)))
		threads += de->d_name[0] != '.';
	closedir(d);
	return threads <= 1;
}

uint32_t hs_proc_next(DIR *d)
{
	struct dirent *de;
	uint32_t self = getpid();

	while ((de = readdir(d))) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (!*end && pid && pid != self && pid <= UINT32_MAX)
			return (uint32_t)pid;
	}
	return 0;
}

int hs_proc_io_uring(uint32_t pid)
{
	char dir[64], path[64 + sizeof(((struct dirent *)0)->d_name)], target[64];
	struct dirent *de;
	int found = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%u/fd", pid);
	d = opendir(dir);
	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		found = !strcmp(target, "anon_inode:[io_uring]");
	}
	closedir(d);
	return found;
}

double hs_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
