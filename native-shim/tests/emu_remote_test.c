/*
 * emu_remote_test.c - build/emu-remote-test (`make check`): the emulator hosted here (userdisk_emu_listen), the
 * handlers in child processes (build/emu-remote-child, linked with libuserdisk_emuclient.so, driven over its
 * stdin/stdout, see emu_remote.h). Data in both directions, poll on the passed descriptor, blocking calls woken
 * by close, SIGKILL of the handler (its devices vanish as on close, §8.10) and a restarted handler, the errors of
 * an unreachable host, and listen_stop with handlers still connected.
 * Each test prints "ok <name>" or "FAIL <name>: <reason>"; the last line is "emu-remote-test: N passed, M failed".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "emu_expect.h"
#include "emu_remote.h"
#include "userdisk_scst_emu.h"

extern char **environ;

static char g_child_path[PATH_MAX];
static char g_dir[64], g_sock[128];


/* The child answered `want` (a prefix); on anything else the line is kept in g_why. */
#define EXPECT_CHILD(c, cmd, want)                                                                         \
	do {                                                                                               \
		char l_[256];                                                                              \
		if (child_cmd((c), (cmd), l_, sizeof(l_), 10000) != 0 || strncmp(l_, (want), strlen(want)) != 0) { \
			snprintf(g_why, sizeof(g_why), "line %d: child \"%s\" answered \"%s\"", __LINE__, (cmd), l_); \
			goto out;                                                                          \
		}                                                                                          \
	} while (0)

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* ---- children ------------------------------------------------------------------------------------------------ */

struct child {
	pid_t pid;
	int in, out; /* its stdin (we write), its stdout (we read) */
	char buf[4096];
	size_t len;
};

/* Runs emu-remote-child with USERDISK_EMU_SOCKET = sock (NULL: unset). 0 or -errno. */
static int child_spawn(struct child *c, const char *sock)
{
	static char envbuf[256];
	char *envp[512];
	int n = 0, to[2], from[2];
	memset(c, 0, sizeof(*c));
	c->pid = -1;
	c->in = c->out = -1;
	for (char **e = environ; *e && n < 500; e++)
		if (strncmp(*e, USERDISK_EMU_SOCKET_ENV "=", strlen(USERDISK_EMU_SOCKET_ENV) + 1) != 0)
			envp[n++] = *e;
	if (sock) {
		snprintf(envbuf, sizeof(envbuf), "%s=%s", USERDISK_EMU_SOCKET_ENV, sock);
		envp[n++] = envbuf;
	}
	envp[n] = NULL;
	char *argv[] = { g_child_path, NULL };
	if (pipe2(to, O_CLOEXEC) != 0)
		return -errno;
	if (pipe2(from, O_CLOEXEC) != 0) {
		close(to[0]);
		close(to[1]);
		return -errno;
	}
	pid_t pid = fork();
	if (pid == 0) {
		/* only async-signal-safe calls until exec: this process has the listener's threads */
		if (dup2(to[0], 0) < 0 || dup2(from[1], 1) < 0)
			_exit(126);
		execve(g_child_path, argv, envp);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	if (pid < 0) {
		close(to[1]);
		close(from[0]);
		return -errno;
	}
	c->pid = pid;
	c->in = to[1];
	c->out = from[0];
	return 0;
}

/* Next line of the child's output into line (without '\n'). 0, or -1 on timeout / EOF (line then says so). */
static int child_line(struct child *c, char *line, size_t cap, int timeout_ms)
{
	for (int waited = 0;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		if (nl) {
			size_t n = (size_t)(nl - c->buf);
			snprintf(line, cap, "%.*s", (int)n, c->buf);
			memmove(c->buf, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			return 0;
		}
		if (c->len == sizeof(c->buf) || waited >= timeout_ms) {
			snprintf(line, cap, "<timeout>");
			return -1;
		}
		struct pollfd p = { c->out, POLLIN, 0 };
		int r = poll(&p, 1, 100);
		waited += 100;
		if (r <= 0)
			continue;
		ssize_t k = read(c->out, c->buf + c->len, sizeof(c->buf) - c->len);
		if (k <= 0) {
			snprintf(line, cap, "<eof>");
			return -1;
		}
		c->len += (size_t)k;
	}
}

static int child_send(struct child *c, const char *cmd)
{
	size_t n = strlen(cmd);
	return write(c->in, cmd, n) == (ssize_t)n && write(c->in, "\n", 1) == 1 ? 0 : -1;
}

static int child_cmd(struct child *c, const char *cmd, char *line, size_t cap, int timeout_ms)
{
	if (child_send(c, cmd) != 0) {
		snprintf(line, cap, "<write failed>");
		return -1;
	}
	return child_line(c, line, cap, timeout_ms);
}

/* "exit" and wait (then SIGKILL if it hangs). Returns its wait status. */
static int child_finish(struct child *c)
{
	int st = -1;
	if (c->pid <= 0)
		return st;
	child_send(c, "exit");
	for (int i = 0; i < 500; i++) {
		if (waitpid(c->pid, &st, WNOHANG) == c->pid)
			goto done;
		sleep_ms(10);
	}
	kill(c->pid, SIGKILL);
	waitpid(c->pid, &st, 0);
done:
	close(c->in);
	close(c->out);
	c->pid = -1;
	return st;
}

static void child_kill(struct child *c)
{
	if (c->pid <= 0)
		return;
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	close(c->in);
	close(c->out);
	c->pid = -1;
}

/* ---- initiator helpers --------------------------------------------------------------------------------------- */

static int count_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	if (d == NULL)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* The descriptor count once it has not changed for 300 ms (connections of earlier children close asynchronously). */
static int settled_fds(void)
{
	int n = count_fds(), same = 0;
	for (int i = 0; i < 500 && same < 15; i++) {
		sleep_ms(20);
		int m = count_fds();
		same = m == n ? same + 1 : 0;
		n = m;
	}
	return n;
}

static struct userdisk_emu_stats stats(const char *name)
{
	struct userdisk_emu_stats s;
	memset(&s, 0xff, sizeof(s));
	if (userdisk_emu_stats(name, &s) != 0)
		memset(&s, 0xff, sizeof(s));
	return s;
}

/* Waits until the device is no longer registered (the host noticed the handler's end). */
static int wait_unregistered(const char *name, int timeout_ms)
{
	for (int i = 0; i < timeout_ms / 10; i++) {
		if (stats(name).registered == 0)
			return 0;
		sleep_ms(10);
	}
	return stats(name).registered == 0 ? 0 : -ETIMEDOUT;
}

/* Waits until no cached buffer is attached to a command (the handler answered the ON_FREE_CMDs), so that the next
 * command of the same size is served from the cache. */
static int wait_buffers_idle(const char *name)
{
	for (int i = 0; i < 300; i++) {
		if (stats(name).buffers_in_use == 0)
			return 0;
		sleep_ms(10);
	}
	return -ETIMEDOUT;
}

static void cmd_rw(struct userdisk_emu_command *c, int write, uint32_t lba, uint16_t blocks, void *buf)
{
	memset(c, 0, sizeof(*c));
	c->cdb[0] = write ? 0x2A : 0x28;
	c->cdb[2] = (uint8_t)(lba >> 24);
	c->cdb[3] = (uint8_t)(lba >> 16);
	c->cdb[4] = (uint8_t)(lba >> 8);
	c->cdb[5] = (uint8_t)lba;
	c->cdb[7] = (uint8_t)(blocks >> 8);
	c->cdb[8] = (uint8_t)blocks;
	c->cdb_len = 10;
	c->queue_type = SCST_CMD_QUEUE_SIMPLE;
	c->data_direction = write ? SCST_DATA_WRITE : SCST_DATA_READ;
	c->bufflen = blocks * 512;
	if (write)
		c->data_out = buf;
	else
		c->data_in = buf;
}

static int attach(const char *name, uint64_t lun, const char *ini, uint64_t *sess)
{
	return userdisk_emu_attach(name, lun, ini, "iqn.remote:tgt", 0, 5000, sess);
}

/* READ `blocks` at `lba` and compare with emu_remote_pattern(lba * 512 + i, seed): -1 on mismatch. */
static int read_expect(uint64_t sess, uint32_t lba, uint16_t blocks, unsigned seed, int base_is_disk)
{
	size_t len = (size_t)blocks * 512;
	uint8_t *b = malloc(len);
	struct userdisk_emu_command c;
	int ret = -1;
	if (b == NULL)
		return -1;
	memset(b, 0xEE, len);
	cmd_rw(&c, 0, lba, blocks, b);
	if (userdisk_emu_execute(sess, &c, 5000) != 0 || c.status != 0 || c.resp_data_len != (int32_t)len)
		goto out;
	for (size_t i = 0; i < len; i++) {
		uint64_t off = base_is_disk ? (uint64_t)lba * 512 + i : i;
		if (b[i] != emu_remote_pattern(off, seed))
			goto out;
	}
	ret = 0;
out:
	free(b);
	return ret;
}

static int write_pattern(uint64_t sess, uint32_t lba, uint16_t blocks, unsigned seed)
{
	size_t len = (size_t)blocks * 512;
	uint8_t *b = malloc(len);
	struct userdisk_emu_command c;
	if (b == NULL)
		return -1;
	for (size_t i = 0; i < len; i++)
		b[i] = emu_remote_pattern(i, seed);
	cmd_rw(&c, 1, lba, blocks, b);
	int r = userdisk_emu_execute(sess, &c, 5000);
	free(b);
	return r == 0 && c.status == 0 ? 0 : -1;
}

/* ======================================== tests ============================================================= */

static int t_unreachable(void)
{
	int ok = 0;
	struct child c;
	char stale[100];
	int s = -1;
	c.pid = -1;
	/* unset: as if /dev/scst_user did not exist */
	EXPECT_EQ(child_spawn(&c, NULL), 0);
	EXPECT_CHILD(&c, "open-errno", "errno 2"); /* ENOENT */
	EXPECT_EQ(child_finish(&c), 0);
	/* no such socket */
	snprintf(stale, sizeof(stale), "%s/missing.sock", g_dir);
	EXPECT_EQ(child_spawn(&c, stale), 0);
	EXPECT_CHILD(&c, "open-errno", "errno 2");
	EXPECT_EQ(child_finish(&c), 0);
	/* a socket nobody listens on any more */
	snprintf(stale, sizeof(stale), "%s/stale.sock", g_dir);
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", stale);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	EXPECT(s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	close(s);
	s = -1;
	EXPECT_EQ(child_spawn(&c, stale), 0);
	EXPECT_CHILD(&c, "open-errno", "errno 111"); /* ECONNREFUSED */
	EXPECT_EQ(child_finish(&c), 0);
	/* and the real one works */
	EXPECT_EQ(child_spawn(&c, g_sock), 0);
	EXPECT_CHILD(&c, "open-errno", "errno 0");
	EXPECT_EQ(child_finish(&c), 0);
	/* listen: a second listener, an existing file */
	EXPECT_EQ(userdisk_emu_listen(stale), -EBUSY);
	ok = 1;
out:
	if (s >= 0)
		close(s);
	unlink(stale);
	child_kill(&c);
	return ok;
}

static int t_data_both_ways(void)
{
	int ok = 0, efd = -1;
	struct child c;
	uint64_t sess = 0;
	c.pid = -1;
	/* an event listener here sees the remote registration */
	efd = userdisk_emu_open("/dev/scst_event", O_RDWR | O_NONBLOCK);
	EXPECT(efd >= 0);
	struct scst_event f;
	memset(&f, 0, sizeof(f));
	f.event_code = SCST_EVENT_REG_VIRT_DEV;
	strcpy(f.issuer_name, "*");
	EXPECT_EQ(userdisk_emu_ioctl(efd, SCST_EVENT_ALLOW_EVENT, &f), 0);

	EXPECT_EQ(child_spawn(&c, g_sock), 0);
	EXPECT_CHILD(&c, "serve rdata 0 7", "ok 0");
	struct {
		struct scst_event_user eu;
		uint8_t room[512];
	} ev;
	memset(&ev, 0, sizeof(ev));
	ev.eu.max_event_size = sizeof(ev) - 4;
	EXPECT_EQ(userdisk_emu_ioctl(efd, SCST_EVENT_GET_NEXT_EVENT, &ev), 0);
	EXPECT_EQ(ev.eu.out_event.event_code, SCST_EVENT_REG_VIRT_DEV);
	EXPECT(strcmp((const char *)ev.eu.out_event.payload, "rdata") == 0);

	EXPECT_EQ(attach("rdata", 0, "iqn.remote:ini", &sess), 0);
	/* handler -> initiator: the child's disk pattern, cold (EXEC pbuf 0) then warm (cached buffer) */
	EXPECT_EQ(read_expect(sess, 0, 16, 7, 1), 0);
	EXPECT_EQ(wait_buffers_idle("rdata"), 0);
	EXPECT_EQ(read_expect(sess, 16, 16, 7, 1), 0);
	EXPECT_EQ(stats("rdata").cache_hits, 1);
	EXPECT_EQ(read_expect(sess, 1000, 256, 7, 1), 0); /* 128 KiB: many pages per access */
	/* initiator -> handler, checked in the child's memory, and back */
	EXPECT_EQ(write_pattern(sess, 100, 16, 42), 0);
	EXPECT_CHILD(&c, "check 0 51200 8192 42", "ok");
	EXPECT_EQ(wait_buffers_idle("rdata"), 0);
	uint64_t hits = stats("rdata").cache_hits;
	EXPECT_EQ(write_pattern(sess, 200, 16, 43), 0); /* warm: data-out copied into a cached buffer */
	EXPECT_EQ(stats("rdata").cache_hits, hits + 1);
	EXPECT_CHILD(&c, "check 0 102400 8192 43", "ok");
	EXPECT_EQ(read_expect(sess, 100, 16, 42, 0), 0);
	EXPECT_EQ(write_pattern(sess, 2000, 512, 44), 0); /* 256 KiB */
	EXPECT_CHILD(&c, "check 0 1024000 262144 44", "ok");
	EXPECT_EQ(read_expect(sess, 2000, 512, 44, 0), 0);
	struct userdisk_emu_stats s = stats("rdata");
	EXPECT_EQ(s.violations, 0);
	EXPECT_EQ(s.registered, 1);
	/* a handler that exits normally: its device goes away */
	EXPECT_EQ(child_finish(&c), 0);
	EXPECT_EQ(wait_unregistered("rdata", 5000), 0);
	EXPECT_EQ(attach("rdata", 0, "iqn.remote:ini", &sess), -ENODEV);
	ok = 1;
out:
	child_kill(&c);
	if (efd >= 0)
		userdisk_emu_close(efd);
	return ok;
}

struct bg_attach {
	pthread_t t;
	const char *name;
	uint64_t sess;
	int result;
};

static void *bg_attach_main(void *a)
{
	struct bg_attach *b = a;
	b->result = userdisk_emu_attach(b->name, 3, EMU_REMOTE_INI, "iqn.remote:tgt", 0, 10000, &b->sess);
	return NULL;
}

static int t_poll(void)
{
	int ok = 0, started = 0;
	struct child c;
	struct bg_attach b;
	char line[256];
	c.pid = -1;
	memset(&b, 0, sizeof(b));
	b.name = "rpoll";
	EXPECT_EQ(child_spawn(&c, g_sock), 0);
	EXPECT_EQ(child_cmd(&c, "pollcheck rpoll", line, sizeof(line), 10000), 0);
	if (strcmp(line, "registered") != 0) {
		snprintf(g_why, sizeof(g_why), "child: %s", line);
		goto out;
	}
	EXPECT(pthread_create(&b.t, NULL, bg_attach_main, &b) == 0);
	started = 1;
	EXPECT_EQ(child_line(&c, line, sizeof(line), 15000), 0);
	if (strcmp(line, "ok") != 0) {
		snprintf(g_why, sizeof(g_why), "child: %s", line);
		goto out;
	}
	pthread_join(b.t, NULL);
	started = 0;
	EXPECT_EQ(b.result, 0);
	EXPECT_EQ(stats("rpoll").sessions, 1);
	EXPECT_EQ(stats("rpoll").violations, 0);
	ok = 1;
out:
	child_kill(&c);
	if (started)
		pthread_join(b.t, NULL);
	return ok;
}

static int t_blocking_close(void)
{
	int ok = 0;
	struct child c;
	c.pid = -1;
	EXPECT_EQ(child_spawn(&c, g_sock), 0);
	EXPECT_CHILD(&c, "blockclose rblock", "ok");
	EXPECT_EQ(stats("rblock").registered, 0);
	uint64_t sess;
	EXPECT_EQ(attach("rblock", 0, "iqn.remote:ini", &sess), -ENODEV);
	EXPECT_EQ(child_finish(&c), 0);
	ok = 1;
out:
	child_kill(&c);
	return ok;
}

static int t_sigkill_and_restart(void)
{
	int ok = 0, fds0 = settled_fds();
	struct child c, c2;
	uint64_t sess = 0, hsess = 0;
	struct userdisk_emu_command h1, h2, q;
	uint8_t b1[4096], b2[4096];
	int64_t t1 = -1, t2 = -1, tq = -1;
	c.pid = c2.pid = -1;
	EXPECT(fds0 > 0);
	EXPECT_EQ(child_spawn(&c, g_sock), 0);
	EXPECT_CHILD(&c, "serve rkill 0 9", "ok 0");
	EXPECT_CHILD(&c, "serve rkill-hold 1 9", "ok 1");
	EXPECT_EQ(attach("rkill", 0, "iqn.remote:ini", &sess), 0);
	EXPECT_EQ(attach("rkill-hold", 0, "iqn.remote:ini", &hsess), 0);
	EXPECT_EQ(read_expect(sess, 0, 8, 9, 1), 0);
	/* two commands held by the handler, a third queued behind its parked threads */
	cmd_rw(&h1, 0, 0, 8, b1);
	cmd_rw(&h2, 0, 8, 8, b2);
	t1 = userdisk_emu_submit(hsess, &h1);
	t2 = userdisk_emu_submit(hsess, &h2);
	EXPECT(t1 > 0 && t2 > 0);
	EXPECT_CHILD(&c, "held 1 2", "ok");
	EXPECT_CHILD(&c, "pause 1", "ok");
	memset(&q, 0, sizeof(q));
	q.cdb_len = 6; /* TEST UNIT READY */
	q.data_direction = SCST_DATA_NONE;
	tq = userdisk_emu_submit(hsess, &q);
	EXPECT(tq > 0);
	EXPECT_EQ(userdisk_emu_wait(tq, 100), -ETIMEDOUT);

	kill(c.pid, SIGKILL);
	waitpid(c.pid, NULL, 0);
	close(c.in);
	close(c.out);
	c.pid = -1;

	/* §8.10, as on close: held -> CHECK CONDITION 5/25/00, never seen -> BUSY */
	EXPECT_EQ(userdisk_emu_wait(t1, 5000), 0);
	t1 = -1;
	EXPECT_EQ(userdisk_emu_wait(t2, 5000), 0);
	t2 = -1;
	EXPECT_EQ(userdisk_emu_wait(tq, 5000), 0);
	tq = -1;
	EXPECT_EQ(h1.status, 0x02);
	EXPECT_EQ(h1.sense[2] & 0x0f, 0x05);
	EXPECT_EQ(h1.sense[12], 0x25);
	EXPECT_EQ(h2.status, 0x02);
	EXPECT_EQ(h2.sense[12], 0x25);
	EXPECT_EQ(q.status, 0x08);
	EXPECT_EQ(wait_unregistered("rkill", 5000), 0);
	EXPECT_EQ(wait_unregistered("rkill-hold", 5000), 0);
	EXPECT_EQ(attach("rkill", 0, "iqn.remote:ini", &sess), -ENODEV);
	EXPECT_EQ(userdisk_emu_detach(hsess, 1000), -ENOENT);
	memset(&q, 0, sizeof(q));
	q.cdb_len = 6;
	q.data_direction = SCST_DATA_NONE;
	EXPECT_EQ(userdisk_emu_submit(sess, &q), -ENOENT);
	struct userdisk_emu_stats s = stats("rkill");
	EXPECT_EQ(s.sessions, 0);
	EXPECT_EQ(s.buffers_cached, 0);
	/* nothing of the dead process is left here: its eventfds, sockets and threads are gone */
	int fds = count_fds();
	for (int i = 0; i < 300 && fds > fds0; i++) {
		sleep_ms(10);
		fds = count_fds();
	}
	EXPECT(fds <= fds0);

	/* a new handler process registers the same names again */
	EXPECT_EQ(child_spawn(&c2, g_sock), 0);
	EXPECT_CHILD(&c2, "serve rkill 0 11", "ok 0");
	EXPECT_CHILD(&c2, "serve rkill-hold 0 12", "ok 1");
	EXPECT_EQ(stats("rkill").registered, 1);
	EXPECT_EQ(attach("rkill", 0, "iqn.remote:ini", &sess), 0);
	EXPECT_EQ(read_expect(sess, 0, 16, 11, 1), 0);
	EXPECT_EQ(write_pattern(sess, 64, 8, 5), 0);
	EXPECT_CHILD(&c2, "check 0 32768 4096 5", "ok");
	EXPECT_EQ(attach("rkill-hold", 0, "iqn.remote:ini", &hsess), 0);
	EXPECT_EQ(read_expect(hsess, 0, 8, 12, 1), 0);
	EXPECT_EQ(stats("rkill").violations, 0);
	EXPECT_EQ(child_finish(&c2), 0);
	EXPECT_EQ(wait_unregistered("rkill", 5000), 0);
	ok = 1;
out:
	child_kill(&c);
	child_kill(&c2);
	/* tags not consumed above: the devices are gone, so they end at once */
	if (t1 > 0)
		userdisk_emu_wait(t1, 5000);
	if (t2 > 0)
		userdisk_emu_wait(t2, 5000);
	if (tq > 0)
		userdisk_emu_wait(tq, 5000);
	return ok;
}

static int t_listen_stop(void)
{
	int ok = 0, listening = 1;
	struct child c;
	uint64_t sess;
	c.pid = -1;
	EXPECT_EQ(child_spawn(&c, g_sock), 0);
	EXPECT_CHILD(&c, "serve rstop 0 3", "ok 0");
	EXPECT_CHILD(&c, "block rstop-block", "ok");
	EXPECT_EQ(attach("rstop", 0, "iqn.remote:ini", &sess), 0);
	EXPECT_EQ(read_expect(sess, 0, 8, 3, 1), 0);
	/* the host goes away: both devices vanish at once, the blocked call returns */
	EXPECT_EQ(userdisk_emu_listen_stop(), 0);
	listening = 0;
	EXPECT_EQ(stats("rstop").registered, 0);
	EXPECT_EQ(stats("rstop-block").registered, 0);
	EXPECT_EQ(access(g_sock, F_OK), -1); /* the socket is removed */
	EXPECT_CHILD(&c, "blockresult", "errno 107"); /* ENOTCONN */
	EXPECT_CHILD(&c, "open-errno", "errno 2");
	EXPECT_EQ(userdisk_emu_listen_stop(), 0); /* no-op */
	char taken[160];
	snprintf(taken, sizeof(taken), "%s/taken", g_dir);
	int tf = open(taken, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	EXPECT(tf >= 0);
	close(tf);
	EXPECT_EQ(userdisk_emu_listen(taken), -EADDRINUSE);
	unlink(taken);
	/* a new host on the same path: the same process connects afresh */
	EXPECT_EQ(userdisk_emu_listen(g_sock), 0);
	listening = 1;
	EXPECT_CHILD(&c, "open-errno", "errno 0");
	EXPECT_CHILD(&c, "serve rstop 0 4", "ok 1");
	EXPECT_EQ(attach("rstop", 0, "iqn.remote:ini", &sess), 0);
	EXPECT_EQ(read_expect(sess, 0, 8, 4, 1), 0);
	EXPECT_EQ(child_finish(&c), 0);
	EXPECT_EQ(wait_unregistered("rstop", 5000), 0);
	ok = 1;
out:
	child_kill(&c);
	if (!listening)
		userdisk_emu_listen(g_sock);
	return ok;
}

/* ======================================== harness =========================================================== */

static const struct test tests[] = {
	{ "unreachable_host", t_unreachable },
	{ "data_both_ways", t_data_both_ways },
	{ "poll_passed_descriptor", t_poll },
	{ "blocking_calls_woken_by_close", t_blocking_close },
	{ "sigkill_and_restart", t_sigkill_and_restart },
	{ "listen_stop", t_listen_stop },
};

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	ssize_t n = readlink("/proc/self/exe", g_child_path, sizeof(g_child_path) - 32);
	if (n <= 0) {
		perror("emu-remote-test: readlink");
		return 2;
	}
	g_child_path[n] = 0;
	char *slash = strrchr(g_child_path, '/');
	strcpy(slash + 1, "emu-remote-child");
	strcpy(g_dir, "/tmp/emu-remote-test-XXXXXX");
	if (mkdtemp(g_dir) == NULL) {
		perror("emu-remote-test: mkdtemp");
		return 2;
	}
	snprintf(g_sock, sizeof(g_sock), "%s/emu.sock", g_dir);
	int r = userdisk_emu_listen(g_sock);
	if (r != 0) {
		fprintf(stderr, "emu-remote-test: userdisk_emu_listen: %s\n", strerror(-r));
		return 2;
	}
	int failed = emu_run_tests("emu-remote-test", tests, sizeof(tests) / sizeof(tests[0]), argc > 1 ? argv[1] : NULL);
	userdisk_emu_listen_stop();
	rmdir(g_dir);
	return failed ? 1 : 0;
}
