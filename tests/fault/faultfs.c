/* faultfs.c - a test-only LD_PRELOAD shim that makes writes to files under $FAULTFS_DIR fail
 * while the file $FAULTFS_CONTROL exists: write, pwrite, pwrite64, writev, fsync, fdatasync
 * and ftruncate return -1 with errno ENOSPC, or EIO when the control file says "EIO".
 * Sockets, pipes and files elsewhere are never touched.  Built by `make test` into
 * $(BUILD)/faultfs.so for tests/api/test_faults.py; never linked into partnerd. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

/* The errno to fail with for fd now, or 0 to let the call through. */
static int fault_for(int fd)
{
	const char *ctl = getenv("FAULTFS_CONTROL"), *dir = getenv("FAULTFS_DIR");
	char link[64], path[4096], kind[8] = "";
	if (!ctl || !dir || access(ctl, F_OK) != 0)
		return 0;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof path - 1);
	if (n <= 0)
		return 0;
	path[n] = 0;
	if (strncmp(path, dir, strlen(dir)) != 0)
		return 0;
	int cfd = open(ctl, O_RDONLY | O_CLOEXEC);
	if (cfd >= 0) {
		ssize_t k = read(cfd, kind, sizeof kind - 1);
		kind[k > 0 ? k : 0] = 0;
		close(cfd);
	}
	return strncmp(kind, "EIO", 3) == 0 ? EIO : ENOSPC;
}

#define REAL(name) static __typeof__(&name) real_##name; if (!real_##name) real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name)
#define FAIL_IF_FAULT(fd) do { int e_ = fault_for(fd); if (e_) { errno = e_; return -1; } } while (0)

ssize_t write(int fd, const void *buf, size_t n)
{
	REAL(write);
	FAIL_IF_FAULT(fd);
	return real_write(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	REAL(pwrite);
	FAIL_IF_FAULT(fd);
	return real_pwrite(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	REAL(pwrite64);
	FAIL_IF_FAULT(fd);
	return real_pwrite64(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	REAL(writev);
	FAIL_IF_FAULT(fd);
	return real_writev(fd, iov, cnt);
}

int fsync(int fd)
{
	REAL(fsync);
	FAIL_IF_FAULT(fd);
	return real_fsync(fd);
}

int fdatasync(int fd)
{
	REAL(fdatasync);
	FAIL_IF_FAULT(fd);
	return real_fdatasync(fd);
}

int ftruncate(int fd, off_t len)
{
	REAL(ftruncate);
	FAIL_IF_FAULT(fd);
	return real_ftruncate(fd, len);
}
