/*
 * emu_listen.c - serves handler processes other than this one (libuserdisk_emuclient.so) on a unix socket:
 * userdisk_emu_listen / userdisk_emu_listen_stop (include/userdisk_scst_emu.h), protocol in emu_wire.h.
 *
 * One accept thread and one thread per connection. A client's first connection is its control connection: its
 * thread only waits for EOF, which means the process is gone (or dropped the library), and then closes every
 * file of the client as the kernel closes the files of a dead process (emu_remote_kill, §8.10). Every other
 * connection carries one call at a time (the client opens as many as it has calls in flight), so a call that
 * blocks in the emulator blocks only its own connection, and a close from another thread wakes it as in-process.
 * The handler's memory is reached with process_vm_readv/writev on the pid SO_PEERCRED gave (emulator.c).
 *
 * Locking: l_api serialises listen/stop; l_lock guards the lists below and is never held while calling into the
 * emulator.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "emu_wire.h"
#include "emulator_internal.h"

struct lclient {
	uint64_t id;
	pid_t pid;
	struct emu_mm *mm;
	int conns; /* connections (the control one included) that still use it; freed at 0 */
	struct lclient *next;
};

struct lconn {
	int sock;    /* -1 once its thread closed it */
	int control; /* a client's control connection */
	int done;    /* its thread has ended: join and free */
	pthread_t thr;
	struct lconn *next;
};

static pthread_mutex_t l_api = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t l_lock = PTHREAD_MUTEX_INITIALIZER;
static int l_on, l_stopping;
static int l_sock = -1;
static int l_wake[2] = { -1, -1 }; /* accept thread: stop, or a connection ended (reap it) */
static pthread_t l_thr;
static char l_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static struct lconn *l_conns;
static struct lclient *l_clients;
static uint64_t l_next_client;

/* ---- socket helpers ------------------------------------------------------------------------------------------ */

static int read_full(int s, void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t k = recv(s, (uint8_t *)buf + done, n - done, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		done += (size_t)k;
	}
	return 0;
}

/* The answer, with `pass_fd` (>= 0) attached as SCM_RIGHTS. 0 or -1. */
static int send_rsp(int s, const struct emu_wire_rsp *a, int pass_fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { (void *)a, sizeof(*a) };
	struct msghdr m;
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	if (pass_fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		m.msg_control = ctl.buf;
		m.msg_controllen = sizeof(ctl.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	size_t done = 0;
	while (done < sizeof(*a)) {
		ssize_t k = sendmsg(s, &m, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		done += (size_t)k;
		iov.iov_base = (uint8_t *)a + done; /* the descriptor went with the first byte */
		iov.iov_len = sizeof(*a) - done;
		m.msg_control = NULL;
		m.msg_controllen = 0;
	}
	return 0;
}

static void rsp_init(struct emu_wire_rsp *a, int ret)
{
	memset(a, 0, sizeof(*a));
	a->magic = EMU_WIRE_MAGIC;
	a->ret = ret < 0 ? -1 : ret;
	a->err = ret < 0 ? -ret : 0;
}

/* ---- clients ------------------------------------------------------------------------------------------------- */

static void client_put(struct lclient *cl)
{
	pthread_mutex_lock(&l_lock);
	int last = --cl->conns == 0;
	if (last) {
		struct lclient **pp = &l_clients;
		while (*pp && *pp != cl)
			pp = &(*pp)->next;
		if (*pp)
			*pp = cl->next;
	}
	pthread_mutex_unlock(&l_lock);
	if (last) {
		emu_mm_put(cl->mm);
		free(cl);
	}
}

/* HELLO: the client this connection belongs to (a reference taken), or NULL after answering the error. */
static struct lclient *hello(int s, const struct emu_wire_req *q, int *control)
{
	struct emu_wire_rsp a;
	struct ucred cr;
	socklen_t len = sizeof(cr);
	struct lclient *cl = NULL;
	int err = 0;
	*control = 0;
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0 || cr.pid <= 0) {
		err = EPROTO;
	} else if (q->client == 0) {
		/* a new client: can we reach its memory? (ptrace permission, pid namespace) */
		uint64_t v = 0;
		struct iovec l = { &v, sizeof(v) }, r = { (void *)(uintptr_t)q->probe_addr, sizeof(v) };
		if (process_vm_readv(cr.pid, &l, 1, &r, 1, 0) != (ssize_t)sizeof(v))
			err = errno == ESRCH || errno == EPERM ? errno : EPERM;
		else if (v != q->probe_value)
			err = ESRCH; /* that pid is another process here (pid namespaces) */
		if (err == 0) {
			cl = calloc(1, sizeof(*cl));
			struct emu_mm *mm = cl ? emu_mm_new(cr.pid) : NULL;
			if (mm == NULL) {
				free(cl);
				cl = NULL;
				err = ENOMEM;
			} else {
				cl->pid = cr.pid;
				cl->mm = mm;
				cl->conns = 1;
				pthread_mutex_lock(&l_lock);
				if (l_stopping) {
					err = ESHUTDOWN;
				} else {
					cl->id = ++l_next_client;
					cl->next = l_clients;
					l_clients = cl;
					*control = 1;
				}
				pthread_mutex_unlock(&l_lock);
				if (err) {
					emu_mm_put(mm);
					free(cl);
					cl = NULL;
				}
			}
		}
	} else {
		pthread_mutex_lock(&l_lock);
		for (cl = l_clients; cl && cl->id != q->client; cl = cl->next)
			;
		if (cl == NULL || cl->mm->dead || l_stopping)
			err = ESRCH;
		else if (cl->pid != cr.pid)
			err = EPERM;
		else
			cl->conns++;
		if (err)
			cl = NULL;
		pthread_mutex_unlock(&l_lock);
	}
	rsp_init(&a, err ? -err : 0);
	if (cl)
		a.client = cl->id;
	if (send_rsp(s, &a, -1) != 0 && cl) {
		if (*control)
			emu_remote_kill(cl->mm);
		client_put(cl);
		cl = NULL;
	}
	return cl;
}

/* One call of a non-control connection. 0, or -1 when the connection is finished. */
static int serve(int s, struct lclient *cl, struct emu_wire_req *q)
{
	struct emu_wire_rsp a;
	int r, ready = 0;
	switch (q->op) {
	case EMU_WIRE_OPEN: {
		uint64_t serial = 0;
		int pass = -1;
		q->path[EMU_WIRE_PATH_MAX - 1] = 0;
		r = emu_remote_open(cl->mm, q->path, q->flags, &serial, &pass);
		rsp_init(&a, r < 0 ? r : 0);
		if (r < 0)
			return send_rsp(s, &a, -1);
		a.hostfd = r;
		a.serial = serial;
		int sent = send_rsp(s, &a, pass);
		close(pass);
		if (sent != 0)
			emu_remote_close(cl->mm, r, serial); /* the client never learned of it */
		return sent;
	}
	case EMU_WIRE_IOCTL:
		r = emu_remote_ioctl(cl->mm, q->hostfd, q->serial, (unsigned long)q->request, q->arg, &ready);
		rsp_init(&a, r);
		a.ready = ready;
		return send_rsp(s, &a, -1);
	case EMU_WIRE_CLOSE:
		rsp_init(&a, emu_remote_close(cl->mm, q->hostfd, q->serial));
		return send_rsp(s, &a, -1);
	default:
		return -1;
	}
}

/* ---- threads ------------------------------------------------------------------------------------------------- */

static void wake_acceptor(void)
{
	char b = 1;
	if (write(l_wake[1], &b, 1) != 1) {
		/* the pipe is full: the accept thread will look anyway */
	}
}

static void *conn_main(void *arg)
{
	struct lconn *c = arg;
	struct emu_wire_req q;
	struct lclient *cl = NULL;
	int control = 0;
	if (read_full(c->sock, &q, sizeof(q)) == 0 && q.magic == EMU_WIRE_MAGIC && q.op == EMU_WIRE_HELLO)
		cl = hello(c->sock, &q, &control);
	if (cl && control) {
		pthread_mutex_lock(&l_lock);
		c->control = 1;
		pthread_mutex_unlock(&l_lock);
		char buf[64];
		ssize_t k;
		while ((k = recv(c->sock, buf, sizeof(buf), 0)) > 0 || (k < 0 && errno == EINTR))
			; /* nothing is sent here; EOF = the process is gone */
		/* a listen_stop shuts every socket down under l_lock: wait for it to finish, so that no call the kill
		 * wakes can still answer (the client may drop its session as soon as its first socket is shut down) */
		pthread_mutex_lock(&l_lock);
		pthread_mutex_unlock(&l_lock);
		emu_remote_kill(cl->mm);
	} else if (cl) {
		while (read_full(c->sock, &q, sizeof(q)) == 0 && q.magic == EMU_WIRE_MAGIC)
			if (serve(c->sock, cl, &q) != 0)
				break;
	}
	if (cl)
		client_put(cl);
	pthread_mutex_lock(&l_lock);
	close(c->sock);
	c->sock = -1;
	c->done = 1;
	pthread_mutex_unlock(&l_lock);
	wake_acceptor();
	return NULL;
}

/* Joins and frees the connections whose thread has ended (all of them when `all`, waiting for each). */
static void reap(int all)
{
	for (;;) {
		struct lconn *c = NULL;
		pthread_mutex_lock(&l_lock);
		for (struct lconn **pp = &l_conns; *pp; pp = &(*pp)->next)
			if (all || (*pp)->done) {
				c = *pp;
				*pp = c->next;
				break;
			}
		pthread_mutex_unlock(&l_lock);
		if (c == NULL)
			return;
		pthread_join(c->thr, NULL);
		free(c);
	}
}

static void *accept_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd p[2] = { { l_sock, POLLIN, 0 }, { l_wake[0], POLLIN, 0 } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			struct timespec ts = { 0, 10000000L };
			nanosleep(&ts, NULL);
			continue;
		}
		if (p[1].revents) {
			char buf[64];
			while (read(l_wake[0], buf, sizeof(buf)) > 0)
				;
			pthread_mutex_lock(&l_lock);
			int stop = l_stopping;
			pthread_mutex_unlock(&l_lock);
			if (stop)
				return NULL;
			reap(0);
		}
		if (!(p[0].revents & POLLIN))
			continue;
		int s = accept4(l_sock, NULL, NULL, SOCK_CLOEXEC);
		if (s < 0) {
			if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) {
				/* EMFILE and the like: let connections end first */
				struct timespec ts = { 0, 10000000L };
				nanosleep(&ts, NULL);
			}
			continue;
		}
		struct lconn *c = calloc(1, sizeof(*c));
		if (c == NULL) {
			close(s);
			continue;
		}
		c->sock = s;
		/* listed before it runs, so that listen_stop's shutdown never misses a connection that serves calls */
		pthread_mutex_lock(&l_lock);
		c->next = l_conns;
		l_conns = c;
		pthread_mutex_unlock(&l_lock);
		if (pthread_create(&c->thr, NULL, conn_main, c) != 0) {
			pthread_mutex_lock(&l_lock);
			struct lconn **pp = &l_conns;
			while (*pp != c)
				pp = &(*pp)->next;
			*pp = c->next;
			pthread_mutex_unlock(&l_lock);
			close(s);
			free(c);
		}
	}
}

/* ---- public -------------------------------------------------------------------------------------------------- */

USERDISK_EMU_API int userdisk_emu_listen(const char *socket_path)
{
	struct sockaddr_un sa;
	if (socket_path == NULL || socket_path[0] == 0)
		return -EINVAL;
	if (strlen(socket_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, socket_path);
	pthread_mutex_lock(&l_api);
	if (l_on) {
		pthread_mutex_unlock(&l_api);
		return -EBUSY;
	}
	int err = 0;
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		err = -errno;
		if (s >= 0)
			close(s);
		pthread_mutex_unlock(&l_api);
		return err;
	}
	if (listen(s, 128) != 0 || pipe2(l_wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		err = -errno;
		goto fail;
	}
	l_sock = s;
	l_stopping = 0;
	strcpy(l_path, socket_path);
	err = -pthread_create(&l_thr, NULL, accept_main, NULL);
	if (err)
		goto fail;
	l_on = 1;
	pthread_mutex_unlock(&l_api);
	return 0;
fail:
	close(s);
	unlink(socket_path);
	if (l_wake[0] >= 0) {
		close(l_wake[0]);
		close(l_wake[1]);
	}
	l_wake[0] = l_wake[1] = -1;
	l_sock = -1;
	pthread_mutex_unlock(&l_api);
	return err;
}

/* EOF for every connection (l_lock held): threads waiting for a call end, control threads kill their client.
 * Call connections first, so that a call the kill wakes cannot answer any more: it fails with ENOTCONN. */
static void shutdown_all_locked(void)
{
	for (int pass = 0; pass < 2; pass++)
		for (struct lconn *c = l_conns; c; c = c->next)
			if (c->sock >= 0 && c->control == pass)
				shutdown(c->sock, SHUT_RDWR);
}

USERDISK_EMU_API int userdisk_emu_listen_stop(void)
{
	pthread_mutex_lock(&l_api);
	if (!l_on) {
		pthread_mutex_unlock(&l_api);
		return 0;
	}
	/* together with l_stopping: from here on no new connection is admitted (HELLO fails), and whatever kills a
	 * client (also a client that drops its session because of that failure) comes after every shutdown */
	pthread_mutex_lock(&l_lock);
	l_stopping = 1;
	shutdown_all_locked();
	pthread_mutex_unlock(&l_lock);
	wake_acceptor();
	pthread_join(l_thr, NULL);
	close(l_sock);
	l_sock = -1;
	unlink(l_path);

	pthread_mutex_lock(&l_lock);
	shutdown_all_locked(); /* the ones accepted meanwhile */
	int n = 0;
	for (struct lclient *cl = l_clients; cl; cl = cl->next)
		n++;
	struct emu_mm **mms = calloc((size_t)n + 1, sizeof(*mms));
	n = 0;
	for (struct lclient *cl = l_clients; cl && mms; cl = cl->next) {
		emu_mm_get(cl->mm);
		mms[n++] = cl->mm;
	}
	pthread_mutex_unlock(&l_lock);
	/* and calls blocked in the emulator are woken by closing the files, as if each process had died */
	for (int i = 0; i < n; i++) {
		emu_remote_kill(mms[i]);
		emu_mm_put(mms[i]);
	}
	free(mms);
	reap(1);
	close(l_wake[0]);
	close(l_wake[1]);
	l_wake[0] = l_wake[1] = -1;
	l_on = 0;
	pthread_mutex_unlock(&l_api);
	return 0;
}
