// Package userns keeps a rootless user's hod calls in one user and mount
// namespace: the first call makes them (containers/storage's re-exec) and
// leaves a pause process holding them; later calls join it before the Go
// runtime starts threads (setns into a user namespace needs a single
// thread), so mounts made by one call are there for the next, and a path
// under /proc/PAUSE/root reaches them from the caller's namespace.
package userns

/*
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// pause_pid reads the pause process's PID from the file pidFile names (see
// pause.go) and checks that the process is a pause process; 0 if none.
static int pause_pid(void) {
	char path[4096], buf[64];
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg != NULL && *xdg != '\0') {
		snprintf(path, sizeof path, "%s/hod/pause.pid", xdg);
	} else {
		const char *tmp = getenv("TMPDIR");
		snprintf(path, sizeof path, "%s/hod-run-%d/hod/pause.pid", tmp && *tmp ? tmp : "/tmp", (int)getuid());
	}
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		return 0;
	}
	int pid = 0;
	if (fscanf(f, "%d", &pid) != 1) {
		pid = 0;
	}
	fclose(f);
	if (pid <= 1) {
		return 0;
	}
	snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
	f = fopen(path, "re");
	if (f == NULL) {
		return 0;
	}
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strncmp(buf, "hod-pause", 9) == 0 ? pid : 0;
}

static int hod_joined;

static int joined(void) { return hod_joined; }

static int join(int pid, const char *ns, int type) {
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/%s", pid, ns);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return -1;
	}
	int rc = setns(fd, type);
	close(fd);
	return rc;
}

// An ordinary user's hod joins the pause process's namespaces, if there is
// one, and tells containers/storage it is in its user namespace. Anything
// amiss leaves the process as it was: hod then makes a namespace itself.
__attribute__((constructor)) static void hod_join_namespaces(void) {
	if (geteuid() == 0 || getenv("_CONTAINERS_USERNS_CONFIGURED") != NULL) {
		return;
	}
	int pid = pause_pid();
	if (pid == 0) {
		return;
	}
	char uid[16], gid[16];
	snprintf(uid, sizeof uid, "%d", (int)getuid());
	snprintf(gid, sizeof gid, "%d", (int)getgid());
	if (join(pid, "user", CLONE_NEWUSER) != 0) {
		return;
	}
	if (join(pid, "mnt", CLONE_NEWNS) != 0) {
		fprintf(stderr, "Error: join hod's mount namespace (pause process %d)\n", pid);
		exit(125);
	}
	setenv("_CONTAINERS_USERNS_CONFIGURED", "done", 1);
	setenv("_CONTAINERS_ROOTLESS_UID", uid, 1);
	setenv("_CONTAINERS_ROOTLESS_GID", gid, 1);
	hod_joined = 1;
}
*/
import "C"

import (
	"os"
	"unsafe"
)

// SyncEnv gives Go's environment what the constructor set in libc's: Go
// read the environment before, and commands hod starts (unshare's) take
// Go's.
func SyncEnv() {
	if C.joined() == 0 {
		return
	}
	for _, name := range []string{"_CONTAINERS_USERNS_CONFIGURED", "_CONTAINERS_ROOTLESS_UID", "_CONTAINERS_ROOTLESS_GID"} {
		cname := C.CString(name)
		if v := C.getenv(cname); v != nil {
			os.Setenv(name, C.GoString(v))
		}
		C.free(unsafe.Pointer(cname))
	}
}
