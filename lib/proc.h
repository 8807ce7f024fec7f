/* proc.h: what /proc tells about other processes, and the clock their events are timed by. */
#ifndef HS_PROC_H
#define HS_PROC_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>

/* The command name of pid, "?" when it cannot be read (the process is gone). */
void hs_proc_comm(uint32_t pid, char *buf, size_t len);
/* The process (thread group) that thread id pid belongs to: pid itself for a process, 0 when
 * there is no such thread. */
uint32_t hs_proc_tgid(uint32_t pid);
/* The parent process of pid (from /proc/PID/stat), 0 when pid is gone. */
uint32_t hs_proc_ppid(uint32_t pid);
/* Whether pid is a kernel thread: it makes no system call and has no socket of its own. */
int hs_proc_kthread(uint32_t pid);
/* Whether pid has exited and waits for its parent to reap it (a zombie): it has nothing
 * left to trace. */
int hs_proc_exited(uint32_t pid);
/* The next process id in d (opendir("/proc")) other than this process's, 0 at the end. */
uint32_t hs_proc_next(DIR *d);
/* Whether pid holds an io_uring instance (an fd to it): socket I/O it submits there makes no
 * system call that httpsnoop hooks. 0 no (or unknown), 1 yes. */
int hs_proc_io_uring(uint32_t pid);
/* CLOCK_MONOTONIC in milliseconds. */
double hs_now_ms(void);

#endif
