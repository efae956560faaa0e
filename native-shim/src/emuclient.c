/*
 * emuclient.c - libuserdisk_emuclient.so: the emulator's handler-side entry points for a handler that runs in
 * another process than the emulator (include/userdisk_scst_emu.h, "handler in another process"; protocol in
 * emu_wire.h). The host (userdisk_emu_listen) reads and writes this process's memory itself, so a call only sends
 * the descriptor, the request and the argument's address.
 *
 * Connections: one control connection per process, created by the first open and never used for a call (the host
 * takes its EOF for the death of the process); calls take an idle connection from a pool or open a new one, so
 * every call in flight has its own and blocking calls do not hold up the others. A failed connection means the
 * host is gone: the whole session is dropped, the files it had answer ENOTCONN, and the next open starts afresh.
 * Descriptors are the eventfds the host passes with SCM_RIGHTS; poll is poll(2) on them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "emu_poll.h"
#include "emu_wire.h"
#include "userdisk_scst_emu.h"

struct cfile {
	uint64_t serial;
	uint64_t session; /* the session it was opened in */
	int hostfd;
	int ready; /* POLLNVAL no more (registered / first event ioctl) */
};

static pthread_mutex_t c_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t c_once = PTHREAD_ONCE_INIT;
static struct cfile **c_files; /* by descriptor */
static int c_files_cap;
static int c_ctl = -1;      /* control connection of the current session, -1: none */
static uint64_t c_client;   /* the host's id for this process */
static uint64_t c_session;  /* bumped by every new control connection */
static int *c_idle;         /* idle call connections of the current session */
static int c_nidle, c_idle_cap;
static volatile uint64_t c_probe; /* read back by the host at HELLO */

/* ---- fork: a child does not inherit the session (its files stay plain eventfds there) ------------------------ */

static void drop_session_locked(void)
{
	if (c_ctl >= 0)
		close(c_ctl);
	c_ctl = -1;
	for (int i = 0; i < c_nidle; i++)
		close(c_idle[i]);
	c_nidle = 0;
}

static void atfork_prepare(void)
{
	pthread_mutex_lock(&c_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&c_lock);
}

static void atfork_child(void)
{
	pthread_mutex_unlock(&c_lock);
	drop_session_locked();
	c_session++;
	for (int i = 0; i < c_files_cap; i++) {
		free(c_files[i]);
		c_files[i] = NULL;
	}
}

static void init_once(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* ---- wire ---------------------------------------------------------------------------------------------------- */

static int send_full(int s, const void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t k = send(s, (const uint8_t *)buf + done, n - done, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		done += (size_t)k;
	}
	return 0;
}

/* The answer; *fd (if fd != NULL) = a descriptor that came with it (close-on-exec), else -1. 0 or -1. */
static int recv_rsp(int s, struct emu_wire_rsp *a, int *fd)
{
	size_t done = 0;
	if (fd)
		*fd = -1;
	while (done < sizeof(*a)) {
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int))];
		} ctl;
		struct iovec iov = { (uint8_t *)a + done, sizeof(*a) - done };
		struct msghdr m;
		memset(&m, 0, sizeof(m));
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = ctl.buf;
		m.msg_controllen = sizeof(ctl.buf);
		ssize_t k = recvmsg(s, &m, MSG_CMSG_CLOEXEC);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			goto fail;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
			    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
				int got;
				memcpy(&got, CMSG_DATA(c), sizeof(int));
				if (fd && *fd < 0)
					*fd = got;
				else
					close(got);
			}
		done += (size_t)k;
	}
	return a->magic == EMU_WIRE_MAGIC ? 0 : -1;
fail:
	if (fd && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	return -1;
}

/* A connection to the host named by USERDISK_EMU_SOCKET. The descriptor or -errno. */
static int connect_host(void)
{
	const char *path = getenv(USERDISK_EMU_SOCKET_ENV);
	struct sockaddr_un sa;
	if (path == NULL || path[0] == 0)
		return -ENOENT;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, path);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	while (connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (errno == EINTR)
			continue;
		int e = errno;
		close(s);
		return -e;
	}
	return s;
}

/* HELLO on a fresh connection: 0 (and *client for a new client) or -errno. */
static int hello(int s, uint64_t client, uint64_t *client_out)
{
	struct emu_wire_req q;
	struct emu_wire_rsp a;
	memset(&q, 0, sizeof(q));
	q.magic = EMU_WIRE_MAGIC;
	q.op = EMU_WIRE_HELLO;
	q.client = client;
	q.probe_addr = (uint64_t)(uintptr_t)&c_probe;
	q.probe_value = c_probe;
	if (send_full(s, &q, sizeof(q)) != 0 || recv_rsp(s, &a, NULL) != 0)
		return -ECONNRESET;
	if (a.ret < 0)
		return -a.err;
	if (client_out)
		*client_out = a.client;
	return 0;
}

/* yama ptrace_scope 1 lets only ancestors (or a named process) use process_vm_readv on us: name the host. */
static void allow_host_access(int s)
{
	char b[4] = { 0 };
	int fd = open("/proc/sys/kernel/yama/ptrace_scope", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t k = read(fd, b, sizeof(b) - 1);
	close(fd);
	if (k < 1 || b[0] != '1')
		return;
	struct ucred cr;
	socklen_t len = sizeof(cr);
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 && cr.pid > 0 && cr.pid != getpid())
		prctl(PR_SET_PTRACER, (unsigned long)cr.pid, 0UL, 0UL, 0UL);
}

/* A control connection for this process if there is none (c_lock held). 0 or -errno. */
static int session_locked(void)
{
	if (c_ctl >= 0)
		return 0;
	int s = connect_host();
	if (s < 0)
		return s;
	allow_host_access(s);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	c_probe = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 40) ^
		  0x5a5aa5a5c3c33c3cull;
	uint64_t id = 0;
	int r = hello(s, 0, &id);
	if (r < 0) {
		close(s);
		return r;
	}
	c_ctl = s;
	c_client = id;
	c_session++;
	return 0;
}

/* The session failed (the host went away): drop it; its files answer ENOTCONN from now on. */
static void session_broken(uint64_t session)
{
	pthread_mutex_lock(&c_lock);
	if (session == c_session)
		drop_session_locked();
	pthread_mutex_unlock(&c_lock);
}

/* A call connection of `session`: 0 and *s, or -ENOTCONN (the session is gone) / -errno. */
static int take_conn(uint64_t session, int *s)
{
	pthread_mutex_lock(&c_lock);
	if (session != c_session || c_ctl < 0) {
		pthread_mutex_unlock(&c_lock);
		return -ENOTCONN;
	}
	if (c_nidle > 0) {
		*s = c_idle[--c_nidle];
		pthread_mutex_unlock(&c_lock);
		return 0;
	}
	uint64_t client = c_client;
	pthread_mutex_unlock(&c_lock);
	int c = connect_host();
	if (c < 0) {
		session_broken(session);
		return -ENOTCONN;
	}
	int r = hello(c, client, NULL);
	if (r < 0) {
		close(c);
		session_broken(session);
		return -ENOTCONN;
	}
	*s = c;
	return 0;
}

static void put_conn(uint64_t session, int s)
{
	pthread_mutex_lock(&c_lock);
	if (session == c_session && c_ctl >= 0) {
		if (c_nidle == c_idle_cap) {
			int nc = c_idle_cap ? c_idle_cap * 2 : 8;
			int *ni = realloc(c_idle, (size_t)nc * sizeof(*ni));
			if (ni) {
				c_idle = ni;
				c_idle_cap = nc;
			}
		}
		if (c_nidle < c_idle_cap) {
			c_idle[c_nidle++] = s;
			s = -1;
		}
	}
	pthread_mutex_unlock(&c_lock);
	if (s >= 0)
		close(s);
}

/* One request and its answer on a connection of `session`. 0, or -ENOTCONN (the session is gone). */
static int call(uint64_t session, struct emu_wire_req *q, struct emu_wire_rsp *a, int *fd)
{
	int s;
	int r = take_conn(session, &s);
	if (r < 0)
		return r;
	q->magic = EMU_WIRE_MAGIC;
	if (send_full(s, q, sizeof(*q)) != 0 || recv_rsp(s, a, fd) != 0) {
		close(s);
		session_broken(session);
		return -ENOTCONN;
	}
	put_conn(session, s);
	return 0;
}

/* ---- file table ---------------------------------------------------------------------------------------------- */

/* A copy of the entry for fd (c_lock held); 0 if fd is not an emulated file of this process. */
static int file_lookup_locked(int fd, struct cfile *out)
{
	if (fd < 0 || fd >= c_files_cap || c_files[fd] == NULL)
		return 0;
	*out = *c_files[fd];
	return 1;
}

static int file_insert(int fd, const struct cfile *cf)
{
	struct cfile *n = malloc(sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	*n = *cf;
	pthread_mutex_lock(&c_lock);
	if (fd >= c_files_cap) {
		int nc = c_files_cap ? c_files_cap : 256;
		while (nc <= fd)
			nc *= 2;
		struct cfile **nf = realloc(c_files, (size_t)nc * sizeof(*nf));
		if (nf == NULL) {
			pthread_mutex_unlock(&c_lock);
			free(n);
			return -ENOMEM;
		}
		memset(nf + c_files_cap, 0, (size_t)(nc - c_files_cap) * sizeof(*nf));
		c_files = nf;
		c_files_cap = nc;
	}
	free(c_files[fd]); /* a stale entry: the application closed the descriptor with close(2) */
	c_files[fd] = n;
	pthread_mutex_unlock(&c_lock);
	return 0;
}

/* ---- public -------------------------------------------------------------------------------------------------- */

USERDISK_EMU_API const char *userdisk_emu_version(void)
{
	return EMU_DEV_USER_VERSION;
}

USERDISK_EMU_API int userdisk_emu_open(const char *path, int flags)
{
	struct emu_wire_req q;
	struct emu_wire_rsp a;
	pthread_once(&c_once, init_once);
	if (path == NULL || strlen(path) >= EMU_WIRE_PATH_MAX) {
		errno = ENOENT; /* neither of the two device nodes */
		return -1;
	}
	for (int attempt = 0;; attempt++) {
		pthread_mutex_lock(&c_lock);
		int fresh = c_ctl < 0;
		int r = session_locked();
		uint64_t session = c_session;
		pthread_mutex_unlock(&c_lock);
		if (r < 0) {
			errno = -r;
			return -1;
		}
		memset(&q, 0, sizeof(q));
		q.op = EMU_WIRE_OPEN;
		q.flags = flags;
		strcpy(q.path, path);
		int fd = -1;
		r = call(session, &q, &a, &fd);
		if (r == -ENOTCONN && !fresh && attempt == 0)
			continue; /* the host was restarted since the last open: connect afresh */
		if (r < 0) {
			errno = -r;
			return -1;
		}
		if (a.ret < 0) {
			if (fd >= 0)
				close(fd);
			errno = a.err;
			return -1;
		}
		struct cfile cf = { a.serial, session, a.hostfd, 0 };
		int err = fd < 0 ? -EMFILE : file_insert(fd, &cf); /* no descriptor: ours were exhausted (MSG_CTRUNC) */
		if (err) {
			memset(&q, 0, sizeof(q));
			q.op = EMU_WIRE_CLOSE;
			q.hostfd = a.hostfd;
			q.serial = a.serial;
			call(session, &q, &a, NULL);
			if (fd >= 0)
				close(fd);
			errno = -err;
			return -1;
		}
		return fd;
	}
}

USERDISK_EMU_API int userdisk_emu_ioctl(int fd, unsigned long request, void *argument)
{
	struct cfile cf;
	struct emu_wire_req q;
	struct emu_wire_rsp a;
	pthread_mutex_lock(&c_lock);
	int ours = file_lookup_locked(fd, &cf);
	pthread_mutex_unlock(&c_lock);
	if (!ours)
		return ioctl(fd, request, argument);
	memset(&q, 0, sizeof(q));
	q.op = EMU_WIRE_IOCTL;
	q.hostfd = cf.hostfd;
	q.serial = cf.serial;
	q.request = request;
	q.arg = (uint64_t)(uintptr_t)argument;
	int r = call(cf.session, &q, &a, NULL);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	pthread_mutex_lock(&c_lock);
	if (fd < c_files_cap && c_files[fd] && c_files[fd]->serial == cf.serial && c_files[fd]->session == cf.session)
		c_files[fd]->ready = a.ready;
	pthread_mutex_unlock(&c_lock);
	if (a.ret < 0) {
		errno = a.err;
		return -1;
	}
	return a.ret;
}

/* Under c_lock. */
static int poll_state(int fd)
{
	struct cfile cf;
	if (!file_lookup_locked(fd, &cf))
		return -1;
	return cf.ready ? 1 : 0;
}

USERDISK_EMU_API int userdisk_emu_poll(struct pollfd *fds, nfds_t count, int timeout_ms)
{
	return emu_poll_fds(fds, count, timeout_ms, &c_lock, poll_state);
}

USERDISK_EMU_API int userdisk_emu_close(int fd)
{
	struct emu_wire_req q;
	struct emu_wire_rsp a;
	struct cfile cf;
	pthread_mutex_lock(&c_lock);
	int ours = file_lookup_locked(fd, &cf);
	if (ours) {
		free(c_files[fd]);
		c_files[fd] = NULL;
	}
	pthread_mutex_unlock(&c_lock);
	if (!ours)
		return close(fd);
	memset(&q, 0, sizeof(q));
	q.op = EMU_WIRE_CLOSE;
	q.hostfd = cf.hostfd;
	q.serial = cf.serial;
	call(cf.session, &q, &a, NULL); /* ENOTCONN: the host closed it already */
	close(fd);
	return 0;
}
