/*
 * emu_remote_child.c - build/emu-remote-child: a handler process for build/emu-remote-test. Linked with
 * libuserdisk_emuclient.so (not the emulator), so every handler-side call goes to the process named by
 * USERDISK_EMU_SOCKET. Commands on stdin, answers on stdout: see emu_remote.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emu_handler.h"
#include "emu_remote.h"

#define MAX_SLOTS 8

static struct th g_h[MAX_SLOTS];
static int g_on[MAX_SLOTS];
static int g_fds[16];
static int g_nfds;

static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void keep_fd(int fd)
{
	if (g_nfds < (int)(sizeof(g_fds) / sizeof(g_fds[0])))
		g_fds[g_nfds++] = fd;
}

static int register_dev(int fd, const char *name)
{
	static char ver[128], lic[128];
	struct scst_user_dev_desc d;
	memset(ver, 0, sizeof(ver));
	memset(lic, 0, sizeof(lic));
	strcpy(ver, userdisk_emu_version());
	strcpy(lic, "GPL");
	memset(&d, 0, sizeof(d));
	d.version_str = (uint64_t)(uintptr_t)ver;
	d.license_str = (uint64_t)(uintptr_t)lic;
	d.type = 0;
	d.block_size = 512;
	d.opt.parse_type = SCST_USER_PARSE_STANDARD;
	d.opt.on_free_cmd_type = SCST_USER_ON_FREE_CMD_CALL;
	d.opt.queue_alg = 1;
	d.opt.tst = 1;
	snprintf(d.name, sizeof(d.name), "%s", name);
	return emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d);
}

#define CHECK(c)                                                      \
	do {                                                          \
		if (!(c)) {                                           \
			say("fail line %d: %s (errno %d)", __LINE__, #c, errno); \
			return;                                       \
		}                                                     \
	} while (0)

static void cmd_serve(const char *name, int hold, unsigned seed)
{
	int slot = 0;
	while (slot < MAX_SLOTS && g_on[slot])
		slot++;
	CHECK(slot < MAX_SLOTS);
	struct th_opts o;
	memset(&o, 0, sizeof(o));
	o.name = name;
	o.nthreads = 2;
	o.batch = 4;
	o.hold_exec = hold;
	o.opt.parse_type = SCST_USER_PARSE_STANDARD;
	o.opt.on_free_cmd_type = SCST_USER_ON_FREE_CMD_CALL;
	o.opt.memory_reuse_type = SCST_USER_MEM_REUSE_ALL;
	o.opt.tst = 1;
	o.opt.queue_alg = 1;
	int r = th_start(&g_h[slot], &o);
	if (r != 0) {
		say("err %d", -r);
		return;
	}
	for (uint64_t i = 0; i < g_h[slot].disk_bytes; i++)
		g_h[slot].disk[i] = emu_remote_pattern(i, seed);
	g_on[slot] = 1;
	say("ok %d", slot);
}

static void cmd_check(int slot, uint64_t off, uint64_t len, unsigned seed)
{
	CHECK(slot >= 0 && slot < MAX_SLOTS && g_on[slot]);
	CHECK(off + len <= g_h[slot].disk_bytes);
	for (uint64_t i = 0; i < len; i++)
		if (g_h[slot].disk[off + i] != emu_remote_pattern(i, seed)) {
			say("bad at %llu", (unsigned long long)i);
			return;
		}
	say("ok");
}

static void cmd_pollcheck(const char *name)
{
	int fd = userdisk_emu_open("/dev/scst_user", O_RDWR | O_NONBLOCK);
	int pp[2];
	CHECK(fd >= 0);
	keep_fd(fd);
	CHECK(pipe(pp) == 0);
	struct pollfd p[2] = { { fd, POLLIN, 0 }, { pp[0], POLLIN, 0 } };
	/* not registered yet: POLLNVAL at once, whatever the timeout */
	uint64_t t0 = now_ms();
	CHECK(userdisk_emu_poll(p, 2, 5000) == 1);
	CHECK(p[0].revents == POLLNVAL && p[1].revents == 0);
	CHECK(now_ms() - t0 < 2000);
	CHECK(register_dev(fd, name) == 0);
	CHECK(userdisk_emu_poll(p, 2, 0) == 0);
	say("registered");
	/* the test attaches a session now: ATTACH_SESS makes the descriptor readable */
	CHECK(userdisk_emu_poll(p, 2, 10000) == 1);
	CHECK((p[0].revents & POLLIN) && p[1].revents == 0);
	struct pollfd q = { fd, POLLIN, 0 }; /* it is a real descriptor: poll(2) sees the same */
	CHECK(poll(&q, 1, 0) == 1 && (q.revents & POLLIN));
	struct scst_user_get_cmd g;
	memset(&g, 0, sizeof(g));
	CHECK(userdisk_emu_ioctl(fd, SCST_USER_REPLY_AND_GET_CMD, &g) == 0);
	CHECK(g.subcode == SCST_USER_ATTACH_SESS);
	CHECK(strcmp(g.sess.initiator_name, EMU_REMOTE_INI) == 0);
	CHECK(g.sess.lun == 3);
	CHECK(userdisk_emu_poll(p, 2, 0) == 0); /* queue empty again */
	struct scst_user_reply_cmd r;
	memset(&r, 0, sizeof(r));
	r.cmd_h = g.cmd_h;
	r.subcode = g.subcode;
	CHECK(userdisk_emu_ioctl(fd, SCST_USER_REPLY_CMD, &r) == 0);
	CHECK(write(pp[1], "x", 1) == 1);
	CHECK(userdisk_emu_poll(p, 2, 1000) == 1);
	CHECK(p[0].revents == 0 && (p[1].revents & POLLIN));
	close(pp[0]);
	close(pp[1]);
	say("ok");
}

struct blocker {
	int fd;
	unsigned long req;
	union {
		struct scst_user_get_cmd g;
		struct {
			struct scst_event_user eu;
			uint8_t room[4096];
		} e;
	} arg;
	int result, err;
	volatile int done;
	pthread_t t;
};

static void *blocker_main(void *a)
{
	struct blocker *b = a;
	errno = 0;
	b->result = userdisk_emu_ioctl(b->fd, b->req, &b->arg);
	b->err = errno;
	__atomic_store_n(&b->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int wait_done(struct blocker *b, int ms)
{
	for (int i = 0; i < ms / 5 && !__atomic_load_n(&b->done, __ATOMIC_ACQUIRE); i++)
		sleep_ms(5);
	return __atomic_load_n(&b->done, __ATOMIC_ACQUIRE);
}

static void cmd_blockclose(const char *name)
{
	static struct blocker b1, b2;
	memset(&b1, 0, sizeof(b1));
	memset(&b2, 0, sizeof(b2));
	b1.fd = userdisk_emu_open("/dev/scst_user", O_RDWR);
	CHECK(b1.fd >= 0);
	CHECK(register_dev(b1.fd, name) == 0);
	b1.req = SCST_USER_REPLY_AND_GET_CMD;
	CHECK(pthread_create(&b1.t, NULL, blocker_main, &b1) == 0);
	b2.fd = userdisk_emu_open("/dev/scst_event", O_RDWR);
	CHECK(b2.fd >= 0);
	struct scst_event f;
	memset(&f, 0, sizeof(f));
	f.event_code = SCST_EVENT_STPG_USER_INVOKE; /* never emitted by the emulator: GET_NEXT_EVENT blocks */
	strcpy(f.issuer_name, "*");
	CHECK(emu_ioctl_err(b2.fd, SCST_EVENT_ALLOW_EVENT, &f) == 0);
	b2.req = SCST_EVENT_GET_NEXT_EVENT;
	b2.arg.e.eu.max_event_size = sizeof(b2.arg.e) - 4;
	CHECK(pthread_create(&b2.t, NULL, blocker_main, &b2) == 0);
	sleep_ms(200);
	CHECK(!b1.done && !b2.done);
	CHECK(userdisk_emu_close(b1.fd) == 0);
	CHECK(wait_done(&b1, 3000));
	pthread_join(b1.t, NULL);
	CHECK(b1.result == -1 && (b1.err == EAGAIN || b1.err == EBADF));
	CHECK(!b2.done);
	CHECK(userdisk_emu_close(b2.fd) == 0);
	CHECK(wait_done(&b2, 3000));
	pthread_join(b2.t, NULL);
	CHECK(b2.result == -1 && b2.err == EBADF);
	say("ok");
}

static struct blocker g_block;
static int g_block_on;

static void cmd_block(const char *name)
{
	memset(&g_block, 0, sizeof(g_block));
	g_block.fd = userdisk_emu_open("/dev/scst_user", O_RDWR);
	CHECK(g_block.fd >= 0);
	keep_fd(g_block.fd);
	CHECK(register_dev(g_block.fd, name) == 0);
	g_block.req = SCST_USER_REPLY_AND_GET_CMD;
	CHECK(pthread_create(&g_block.t, NULL, blocker_main, &g_block) == 0);
	g_block_on = 1;
	sleep_ms(50);
	CHECK(!g_block.done);
	say("ok");
}

static void cmd_blockresult(void)
{
	CHECK(g_block_on);
	CHECK(wait_done(&g_block, 10000));
	pthread_join(g_block.t, NULL);
	g_block_on = 0;
	say("errno %d", g_block.result == 0 ? 0 : g_block.err);
}

int main(void)
{
	char line[512], a[128];
	int x, y;
	unsigned long long u, v;
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = 0;
		if (strcmp(line, "open-errno") == 0) {
			errno = 0;
			int fd = userdisk_emu_open("/dev/scst_user", O_RDWR | O_NONBLOCK);
			if (fd >= 0) {
				userdisk_emu_close(fd);
				say("errno 0");
			} else {
				say("errno %d", errno);
			}
		} else if (sscanf(line, "serve %127s %d %d", a, &x, &y) == 3) {
			cmd_serve(a, x, (unsigned)y);
		} else if (sscanf(line, "held %d %d", &x, &y) == 2) {
			if (x >= 0 && x < MAX_SLOTS && g_on[x] && th_wait_held(&g_h[x], y, 5000) == 0)
				say("ok");
			else
				say("timeout");
		} else if (sscanf(line, "pause %d", &x) == 1) {
			if (x >= 0 && x < MAX_SLOTS && g_on[x]) {
				th_pause(&g_h[x]);
				say("ok");
			} else {
				say("bad slot");
			}
		} else if (sscanf(line, "check %d %llu %llu %d", &x, &u, &v, &y) == 4) {
			cmd_check(x, u, v, (unsigned)y);
		} else if (sscanf(line, "pollcheck %127s", a) == 1) {
			cmd_pollcheck(a);
		} else if (sscanf(line, "blockclose %127s", a) == 1) {
			cmd_blockclose(a);
		} else if (strcmp(line, "blockresult") == 0) { /* before "block %s", which would match it too */
			cmd_blockresult();
		} else if (sscanf(line, "block %127s", a) == 1) {
			cmd_block(a);
		} else if (strcmp(line, "exit") == 0) {
			break;
		} else {
			say("unknown command");
		}
	}
	for (int i = 0; i < MAX_SLOTS; i++)
		if (g_on[i]) {
			th_resume(&g_h[i]);
			th_destroy(&g_h[i]);
		}
	if (g_block_on) {
		userdisk_emu_close(g_block.fd);
		pthread_join(g_block.t, NULL);
		for (int i = 0; i < g_nfds; i++)
			if (g_fds[i] == g_block.fd)
				g_fds[i] = -1;
	}
	for (int i = 0; i < g_nfds; i++)
		if (g_fds[i] >= 0)
			userdisk_emu_close(g_fds[i]);
	return 0;
}
