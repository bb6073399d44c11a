// Package userns keeps a rootless user's hod calls in one user and mount
// namespace: the first call makes them (containers/storage's re-exec) and
// leaves a pause process holding them; later calls join it before the Go
// runtime starts threads (setns into a user namespace needs a single
// thread), so mounts made by one call are there for the next, and a path
// under /proc/PAUSE/root reaches them from the caller's namespace.
package userns

/*
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void join(const char *pid, const char *ns, int type) {
	char path[64];
	snprintf(path, sizeof path, "/proc/%s/ns/%s", pid, ns);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, type) < 0) {
		fprintf(stderr, "Error: join hod's %s namespace (%s): %s\n", ns, path, strerror(errno));
		exit(125);
	}
	close(fd);
}

__attribute__((constructor)) static void hod_join_namespaces(void) {
	const char *pid = getenv("_HOD_JOIN_PID");
	if (pid == NULL || *pid == '\0') {
		return;
	}
	join(pid, "user", CLONE_NEWUSER);
	join(pid, "mnt", CLONE_NEWNS);
	unsetenv("_HOD_JOIN_PID");
}
*/
import "C"
