/*
 * emu_test.c - tests of the scst_user / scst_event emulator (build/emu-test, `make check`).
 * Each test prints "ok <name>" or "FAIL <name>: <reason>"; the last line is "emu-test: N passed, M failed".
 * Built a second time as build/emu-test-remote (EMU_TEST_REMOTE, tests/emu_client_names.h): every handler-side call
 * then goes through the client library (src/emuclient.c) and userdisk_emu_listen's socket, which this program
 * serves itself, so the whole suite also checks that a remote handler sees exactly what a local one does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "emu_expect.h"
#include "emu_handler.h"

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static struct th_opts opts(const char *name)
{
	struct th_opts o;
	memset(&o, 0, sizeof(o));
	o.name = name;
	o.nthreads = 1;
	o.batch = 4;
	o.opt.parse_type = SCST_USER_PARSE_STANDARD;
	o.opt.on_free_cmd_type = SCST_USER_ON_FREE_CMD_CALL;
	o.opt.memory_reuse_type = SCST_USER_MEM_REUSE_ALL;
	o.opt.tst = 1;
	o.opt.queue_alg = 1;
	return o;
}

static struct userdisk_emu_stats stats(const char *name)
{
	struct userdisk_emu_stats s;
	memset(&s, 0xff, sizeof(s));
	if (userdisk_emu_stats(name, &s) != 0)
		memset(&s, 0xff, sizeof(s));
	return s;
}

static int attach(const char *name, uint64_t *sess)
{
	return userdisk_emu_attach(name, 0, "iqn.test:ini", "iqn.test:tgt", 0, 3000, sess);
}

static void cmd_rw(struct userdisk_emu_command *c, int write, uint32_t lba, uint16_t blocks, void *buf)
{
	memset(c, 0, sizeof(*c));
	cdb_rw10(c->cdb, write, lba, blocks);
	c->cdb_len = 10;
	c->queue_type = SCST_CMD_QUEUE_SIMPLE;
	c->data_direction = write ? SCST_DATA_WRITE : SCST_DATA_READ;
	c->bufflen = blocks * 512;
	if (write)
		c->data_out = buf;
	else
		c->data_in = buf;
}

static void cmd_tur(struct userdisk_emu_command *c)
{
	memset(c, 0, sizeof(*c));
	c->cdb_len = 6;
	c->queue_type = SCST_CMD_QUEUE_SIMPLE;
	c->data_direction = SCST_DATA_NONE;
}

static int open_nb(void)
{
	return userdisk_emu_open("/dev/scst_user", O_RDWR | O_NONBLOCK);
}

static void fill_desc(struct scst_user_dev_desc *d, char *ver, char *lic, const char *name)
{
	memset(d, 0, sizeof(*d));
	d->version_str = (uint64_t)(uintptr_t)ver;
	d->license_str = (uint64_t)(uintptr_t)lic;
	d->type = 0;
	d->block_size = 512;
	d->opt.queue_alg = 1;
	snprintf(d->name, sizeof(d->name), "%s", name);
}

static char g_ver[128], g_lic[128];

static void init_strings(void)
{
	memset(g_ver, 0, sizeof(g_ver));
	memset(g_lic, 0, sizeof(g_lic));
	strcpy(g_ver, userdisk_emu_version());
	strcpy(g_lic, "GPL");
}

/* A TMF / detach run on a helper thread (they block until the handler answers). */
struct bg {
	pthread_t t;
	uint64_t sess;
	uint32_t fn;
	int64_t tag;
	int timeout;
	int detach;
	int result;
	volatile int done;
};

static void *bg_main(void *arg)
{
	struct bg *b = arg;
	if (b->detach)
		b->result = userdisk_emu_detach(b->sess, b->timeout);
	else
		b->result = userdisk_emu_task_management(b->sess, b->fn, b->tag, b->timeout);
	b->done = 1;
	return NULL;
}

static void bg_start(struct bg *b)
{
	b->done = 0;
	pthread_create(&b->t, NULL, bg_main, b);
}

/* ======================================== tests ============================================================= */

static int t_version(void)
{
	int ok = 0;
	EXPECT(strcmp(userdisk_emu_version(),
		      "3.10.0230a30730ec749a9738ef33d6d17b1e6739bd19585aa8654196eb07e34d2b0762f5607fb4b70af8b") == 0);
	EXPECT_EQ(strlen(userdisk_emu_version()), 86);
	ok = 1;
out:
	return ok;
}

static int t_open_bad_path(void)
{
	int ok = 0;
	errno = 0;
	EXPECT(userdisk_emu_open("/dev/null", O_RDWR) == -1);
	EXPECT_EQ(errno, ENOENT);
	ok = 1;
out:
	return ok;
}

static int t_enodev_before_register(void)
{
	int ok = 0, fd = open_nb();
	struct scst_user_opt o;
	struct scst_user_reply_cmd r;
	memset(&r, 0, sizeof(r));
	EXPECT(fd >= 0);
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_GET_OPTIONS, &o), -ENODEV);
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REPLY_CMD, &r), -ENODEV);
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_FLUSH_CACHE, NULL), -ENODEV);
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_UNREGISTER_DEVICE, NULL), -ENODEV);
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_DEVICE_CAPACITY_CHANGED, NULL), -ENODEV);
	EXPECT_EQ(emu_ioctl_err(fd, _IO('u', 99), NULL), -EINVAL);
	ok = 1;
out:
	if (fd >= 0)
		userdisk_emu_close(fd);
	return ok;
}

static int t_pollnval(void)
{
	int ok = 0, fd = open_nb(), efd = userdisk_emu_open("/dev/scst_event", O_RDWR | O_NONBLOCK);
	int pfd[2] = { -1, -1 };
	EXPECT(fd >= 0 && efd >= 0);
	EXPECT(pipe(pfd) == 0);
	EXPECT(write(pfd[1], "x", 1) == 1);
	struct pollfd p[3] = { { fd, POLLIN, 0 }, { efd, POLLIN, 0 }, { pfd[0], POLLIN, 0 } };
	EXPECT_EQ(userdisk_emu_poll(p, 3, 1000), 3);
	EXPECT_EQ(p[0].revents, POLLNVAL);
	EXPECT_EQ(p[1].revents, POLLNVAL);
	EXPECT(p[2].revents & POLLIN);
	/* after registration / first ioctl: nothing ready */
	struct scst_user_dev_desc d;
	init_strings();
	fill_desc(&d, g_ver, g_lic, "t_pollnval");
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), 0);
	struct scst_event_notify_done nd = { 1, 0 };
	EXPECT_EQ(emu_ioctl_err(efd, SCST_EVENT_NOTIFY_DONE, &nd), -ENOENT);
	struct pollfd q[2] = { { fd, POLLIN, 0 }, { efd, POLLIN, 0 } };
	EXPECT_EQ(userdisk_emu_poll(q, 2, 10), 0);
	ok = 1;
out:
	if (fd >= 0)
		userdisk_emu_close(fd);
	if (efd >= 0)
		userdisk_emu_close(efd);
	if (pfd[0] >= 0) {
		close(pfd[0]);
		close(pfd[1]);
	}
	return ok;
}

static int t_register_license(void)
{
	int ok = 0, fd = open_nb();
	struct scst_user_dev_desc d;
	char lic[128] = "MIT";
	init_strings();
	fill_desc(&d, g_ver, lic, "t_license");
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), -EPERM);
	strcpy(lic, "gpl");
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), -EPERM);
	strcpy(lic, "Dual MIT/GPL");
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), 0);
	ok = 1;
out:
	userdisk_emu_close(fd);
	return ok;
}

static int t_register_version(void)
{
	int ok = 0, fd = open_nb();
	struct scst_user_dev_desc d;
	char ver[128] = "3.9.0230a30730ec749a9738ef33d6d17b1e6739bd19558760c5ceec7d20ce59c725a4a7a1f005466a6d0";
	init_strings();
	fill_desc(&d, ver, g_lic, "t_version_bad");
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), -EINVAL);
	struct userdisk_emu_stats s = stats("t_version_bad");
	EXPECT(strcmp(s.version_received, ver) == 0);
	EXPECT_EQ(s.registered, 0);
	/* the license is checked first */
	char lic[128] = "BSD";
	d.license_str = (uint64_t)(uintptr_t)lic;
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), -EPERM);
	ok = 1;
out:
	userdisk_emu_close(fd);
	return ok;
}

static int t_register_bad_name(void)
{
	int ok = 0, fd = open_nb();
	struct scst_user_dev_desc d;
	init_strings();
	fill_desc(&d, g_ver, g_lic, "a/b");
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), -EINVAL);
	fill_desc(&d, g_ver, g_lic, "a.b");
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), -EINVAL);
	fill_desc(&d, g_ver, g_lic, "");
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), -EINVAL);
	/* 50 bytes without NUL: the kernel forces byte 49 to NUL (name truncated to 49 characters) */
	fill_desc(&d, g_ver, g_lic, "");
	memset(d.name, 'n', sizeof(d.name));
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), 0);
	char n49[50];
	memset(n49, 'n', 49);
	n49[49] = 0;
	EXPECT_EQ(stats(n49).registered, 1);
	ok = 1;
out:
	userdisk_emu_close(fd);
	return ok;
}

static int t_register_bad_block_size(void)
{
	int ok = 0, fd = open_nb();
	struct scst_user_dev_desc d;
	init_strings();
	fill_desc(&d, g_ver, g_lic, "t_bs");
	d.block_size = 1000;
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), -EINVAL);
	d.block_size = 256;
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), -EINVAL);
	d.block_size = 0;
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), -EINVAL);
	d.type = 5;
	d.block_size = 3000;
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), -EINVAL);
	d.type = 1; /* tape: stored as-is */
	d.block_size = 0;
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), 0);
	ok = 1;
out:
	userdisk_emu_close(fd);
	return ok;
}

static int t_register_bad_options(void)
{
	int ok = 0, fd = open_nb();
	struct scst_user_dev_desc d;
	init_strings();
	fill_desc(&d, g_ver, g_lic, "t_badopt");
	d.opt.queue_alg = 2;
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), -EINVAL);
	d.opt.queue_alg = 1;
	d.opt.qerr = 2;
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), -EINVAL);
	d.opt.qerr = 3;
	d.opt.parse_type = 3;
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), -EINVAL);
	d.opt.parse_type = 0;
	d.opt.memory_reuse_type = 4;
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), -EINVAL);
	d.opt.memory_reuse_type = 3;
	d.opt.on_free_cmd_type = 2;
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), -EINVAL);
	d.opt.on_free_cmd_type = 1;
	d.opt.d_sense = 2;
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), -EINVAL);
	d.opt.d_sense = 1;
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), 0);
	struct scst_user_opt o;
	uint32_t bs = 0;
	EXPECT_EQ(userdisk_emu_device_options("t_badopt", &o, &bs), 0);
	EXPECT_EQ(o.qerr, 3);
	EXPECT_EQ(o.d_sense, 1);
	EXPECT_EQ(bs, 512);
	ok = 1;
out:
	userdisk_emu_close(fd);
	return ok;
}

static int t_register_duplicate(void)
{
	int ok = 0, fd1 = open_nb(), fd2 = open_nb();
	struct scst_user_dev_desc d;
	init_strings();
	fill_desc(&d, g_ver, g_lic, "t_dup");
	EXPECT_EQ(emu_ioctl_err(fd1, SCST_USER_REGISTER_DEVICE, &d), 0);
	EXPECT_EQ(emu_ioctl_err(fd2, SCST_USER_REGISTER_DEVICE, &d), -EEXIST);
	fill_desc(&d, g_ver, g_lic, "t_dup2");
	EXPECT_EQ(emu_ioctl_err(fd1, SCST_USER_REGISTER_DEVICE, &d), -EINVAL); /* fd already registered */
	EXPECT_EQ(stats("t_dup2").registered, (uint32_t)-1);                    /* ... and nothing created */
	userdisk_emu_close(fd1);
	fd1 = -1;
	EXPECT_EQ(stats("t_dup").registered, 0);
	fill_desc(&d, g_ver, g_lic, "t_dup");
	EXPECT_EQ(emu_ioctl_err(fd2, SCST_USER_REGISTER_DEVICE, &d), 0); /* name free again */
	EXPECT_EQ(stats("t_dup").registered, 1);
	ok = 1;
out:
	if (fd1 >= 0)
		userdisk_emu_close(fd1);
	userdisk_emu_close(fd2);
	return ok;
}

static char g_hook_log[256];
static void hook_registered(const char *name, void *context)
{
	size_t n = strlen(g_hook_log);
	snprintf(g_hook_log + n, sizeof(g_hook_log) - n, "+%s%s;", name, (const char *)context);
}
static void hook_unregistered(const char *name, void *context)
{
	size_t n = strlen(g_hook_log);
	snprintf(g_hook_log + n, sizeof(g_hook_log) - n, "-%s%s;", name, (const char *)context);
}

/* The host's sysfs view follows registrations: register, refused duplicate, close. */
static int t_device_hooks(void)
{
	int ok = 0, fd1 = open_nb(), fd2 = open_nb();
	struct scst_user_dev_desc d;
	init_strings();
	g_hook_log[0] = 0;
	userdisk_emu_set_device_hooks(hook_registered, hook_unregistered, (void *)"@ctx");
	fill_desc(&d, g_ver, g_lic, "t_hooks");
	EXPECT_EQ(emu_ioctl_err(fd1, SCST_USER_REGISTER_DEVICE, &d), 0);
	EXPECT_EQ(emu_ioctl_err(fd2, SCST_USER_REGISTER_DEVICE, &d), -EEXIST);
	EXPECT(strcmp(g_hook_log, "+t_hooks@ctx;") == 0);
	userdisk_emu_close(fd1);
	fd1 = -1;
	EXPECT(strcmp(g_hook_log, "+t_hooks@ctx;-t_hooks@ctx;") == 0);
	userdisk_emu_set_device_hooks(NULL, NULL, NULL);
	fill_desc(&d, g_ver, g_lic, "t_hooks");
	EXPECT_EQ(emu_ioctl_err(fd2, SCST_USER_REGISTER_DEVICE, &d), 0); /* cleared hooks are not called */
	EXPECT(strcmp(g_hook_log, "+t_hooks@ctx;-t_hooks@ctx;") == 0);
	ok = 1;
out:
	userdisk_emu_set_device_hooks(NULL, NULL, NULL);
	if (fd1 >= 0)
		userdisk_emu_close(fd1);
	userdisk_emu_close(fd2);
	return ok;
}

static int t_attach_detach(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_attach");
	uint64_t sess = 0;
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(userdisk_emu_attach("t_attach", 7, "ini-A", "tgt-B", 1, 3000, &sess), 0);
	EXPECT(sess != 0);
	EXPECT_EQ(h.last_sess.sess_h, sess);
	EXPECT_EQ(h.last_sess.lun, 7);
	EXPECT_EQ(h.last_sess.rd_only, 1);
	EXPECT_EQ(h.last_sess.scsi_transport_version, 0x0BE0);
	EXPECT(strcmp(h.last_sess.initiator_name, "ini-A") == 0);
	EXPECT(strcmp(h.last_sess.target_name, "tgt-B") == 0);
	EXPECT_EQ(stats("t_attach").sessions, 1);
	EXPECT_EQ(userdisk_emu_attach("no-such-device", 0, "i", "t", 0, 100, &sess) , -ENODEV);
	EXPECT_EQ(userdisk_emu_detach(sess, 3000), 0);
	EXPECT_EQ(th_wait_count(&h, &h.n_detach, 1, 3000), 0);
	EXPECT_EQ(stats("t_attach").sessions, 0);
	EXPECT_EQ(stats("t_attach").detach_sent, 1);
	EXPECT_EQ(userdisk_emu_detach(sess, 100), -ENOENT);
	struct userdisk_emu_command c;
	cmd_tur(&c);
	EXPECT_EQ(userdisk_emu_submit(sess, &c), -ENOENT);
	EXPECT_EQ(stats("t_attach").violations, 0);
	ok = 1;
out:
	th_destroy(&h);
	return ok;
}

static int t_attach_timeout_late(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_attach_late");
	uint64_t sess = 0;
	o.attach_delay_ms = 300;
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(userdisk_emu_attach("t_attach_late", 0, "i", "t", 0, 100, &sess), -ETIMEDOUT);
	sleep_ms(500);
	struct userdisk_emu_stats s = stats("t_attach_late");
	EXPECT_EQ(s.late_attach_replies, 1);
	EXPECT_EQ(s.violations, 1);
	EXPECT_EQ(s.sessions, 0);
	EXPECT_EQ(h.n_errors, 0); /* the late reply itself is accepted */
	ok = 1;
out:
	th_destroy(&h);
	return ok;
}

static int t_attach_nonzero(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_attach_neg");
	uint64_t sess = 0;
	o.attach_result = -EPERM;
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(userdisk_emu_attach("t_attach_neg", 0, "i", "t", 0, 3000, &sess), -EPERM);
	EXPECT_EQ(stats("t_attach_neg").sessions, 0);
	EXPECT_EQ(stats("t_attach_neg").violations, 0);
	ok = 1;
out:
	th_destroy(&h);
	return ok;
}

static int t_write_read_cache(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_cache");
	uint64_t sess;
	uint8_t wbuf[8192], rbuf[8192];
	struct userdisk_emu_command c;
	o.opt.on_free_cmd_type = SCST_USER_ON_FREE_CMD_IGNORE;
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_cache", &sess), 0);
	for (int i = 0; i < 8192; i++)
		wbuf[i] = (uint8_t)(i * 13 + 5);
	cmd_rw(&c, 1, 10, 16, wbuf);
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	EXPECT_EQ(c.status, 0);
	struct userdisk_emu_stats s = stats("t_cache");
	EXPECT_EQ(s.alloc_mem_sent, 1);
	EXPECT_EQ(s.cache_hits, 0);
	EXPECT_EQ(s.buffers_cached, 1);
	EXPECT_EQ(s.buffers_in_use, 0);
	/* READ of the same size class: warm (the WRITE's buffer comes back with pbuf set) */
	memset(rbuf, 0, sizeof(rbuf));
	cmd_rw(&c, 0, 10, 16, rbuf);
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	EXPECT_EQ(c.status, 0);
	EXPECT_EQ(c.resp_data_len, 8192);
	EXPECT(memcmp(wbuf, rbuf, 8192) == 0);
	s = stats("t_cache");
	EXPECT_EQ(s.cache_hits, 1);
	EXPECT_EQ(s.alloc_mem_sent, 1);
	EXPECT_EQ(h.n_exec_with_pbuf, 2);
	/* warm WRITE: no ALLOC_MEM */
	cmd_rw(&c, 1, 30, 16, wbuf);
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	s = stats("t_cache");
	EXPECT_EQ(s.alloc_mem_sent, 1);
	EXPECT_EQ(s.cache_hits, 2);
	EXPECT_EQ(h.n_alloc, 1);
	/* a different size class (4 KiB READ) is cold: EXEC with pbuf 0 */
	cmd_rw(&c, 0, 10, 8, rbuf);
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	EXPECT_EQ(h.last_exec_pbuf, 0);
	EXPECT_EQ(h.last_exec_alloc_len, 4096);
	EXPECT(memcmp(wbuf, rbuf, 4096) == 0);
	s = stats("t_cache");
	EXPECT_EQ(s.buffers_cached, 2);
	EXPECT_EQ(s.commands_completed, 4);
	EXPECT_EQ(s.violations, 0);
	EXPECT_EQ(h.n_on_free, 0);
	ok = 1;
out:
	th_destroy(&h);
	return ok;
}

static int t_no_reuse_on_free(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_noreuse");
	uint64_t sess;
	uint8_t wbuf[3000], rbuf[3000];
	struct userdisk_emu_command c;
	o.opt.memory_reuse_type = SCST_USER_MEM_NO_REUSE;
	o.misalign = 1; /* any alignment is fine for non-cached buffers */
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_noreuse", &sess), 0);
	memset(wbuf, 0xAB, sizeof(wbuf));
	memset(&c, 0, sizeof(c));
	cmd_rw(&c, 1, 0, 6, wbuf);
	c.bufflen = 3000; /* not a block multiple: allocation is exactly bufflen */
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	EXPECT_EQ(c.status, 0);
	EXPECT_EQ(th_wait_count(&h, &h.n_on_free, 1, 3000), 0);
	EXPECT_EQ(h.last_on_free.buffer_cached, 0);
	EXPECT(h.last_on_free.pbuf != 0);
	cmd_rw(&c, 0, 0, 6, rbuf);
	c.bufflen = 3000;
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	EXPECT_EQ(h.last_exec_pbuf, 0);
	EXPECT_EQ(h.last_exec_alloc_len, 3000);
	EXPECT_EQ(th_wait_count(&h, &h.n_on_free, 2, 3000), 0);
	EXPECT_EQ(h.last_on_free.resp_data_len, 3000);
	EXPECT_EQ(h.last_on_free.delivery_status, 0);
	EXPECT_EQ(h.last_on_free.aborted, 0);
	EXPECT(memcmp(wbuf, rbuf, sizeof(rbuf)) == 0);
	sleep_ms(20);
	EXPECT_EQ(th_outstanding(&h), 0);
	struct userdisk_emu_stats s = stats("t_noreuse");
	EXPECT_EQ(s.buffers_cached, 0);
	EXPECT_EQ(s.on_free_sent, 2);
	EXPECT_EQ(s.violations, 0);
	EXPECT_EQ(h.bad_frees, 0);
	ok = 1;
out:
	th_destroy(&h);
	return ok;
}

static int t_big_buffer(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_big");
	uint64_t sess;
	size_t len = 5u << 20;
	uint8_t *rbuf = malloc(len);
	struct userdisk_emu_command c;
	o.disk_blocks = 16384;
	EXPECT(rbuf != NULL);
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_big", &sess), 0);
	cmd_rw(&c, 0, 0, (uint16_t)(len / 512), rbuf);
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 5000), 0);
	EXPECT_EQ(c.status, 0);
	EXPECT_EQ(c.resp_data_len, (int32_t)len);
	EXPECT_EQ(h.last_exec_alloc_len, 1280 * 4096);
	EXPECT_EQ(th_wait_count(&h, &h.n_on_cached, 1, 3000), 0);
	EXPECT_EQ(h.last_on_free.buffer_cached, 1);
	sleep_ms(20);
	EXPECT_EQ(th_outstanding(&h), 0);
	struct userdisk_emu_stats s = stats("t_big");
	EXPECT_EQ(s.buffers_cached, 0);
	EXPECT_EQ(s.on_cached_mem_free_sent, 1);
	EXPECT_EQ(s.violations, 0);
	ok = 1;
out:
	th_destroy(&h);
	free(rbuf);
	return ok;
}

static int t_misaligned_cached(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_misalign");
	uint64_t sess;
	uint8_t buf[4096];
	struct userdisk_emu_command c;
	o.misalign = 1;
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_misalign", &sess), 0);
	memset(buf, 1, sizeof(buf));
	cmd_rw(&c, 1, 0, 8, buf);
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	EXPECT_EQ(c.status, 2);
	EXPECT_EQ(c.sense[2] & 0x0f, 4);
	EXPECT_EQ(c.sense[12], 0x44);
	EXPECT_EQ(th_wait_count(&h, &h.n_errors, 1, 3000), 0);
	EXPECT_EQ(h.last_errno, EINVAL);
	/* READ: the misaligned buffer comes in the EXEC reply */
	cmd_rw(&c, 0, 0, 8, buf);
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	EXPECT_EQ(c.status, 2);
	EXPECT_EQ(c.sense[12], 0x44);
	struct userdisk_emu_stats s = stats("t_misalign");
	EXPECT_EQ(s.misaligned_cached_buffers, 2);
	EXPECT_EQ(s.violations, 2);
	EXPECT_EQ(s.buffers_cached, 0);
	EXPECT_EQ(th_wait_count(&h, &h.n_on_free, 2, 3000), 0);
	sleep_ms(20);
	EXPECT_EQ(th_outstanding(&h), 0); /* given back with buffer_cached 0 */
	ok = 1;
out:
	th_destroy(&h);
	return ok;
}

static int t_double_reply(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_double");
	uint64_t sess;
	struct userdisk_emu_command c;
	struct scst_user_reply_cmd r;
	o.hold_exec = 1;
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_double", &sess), 0);
	cmd_tur(&c);
	int64_t tag = userdisk_emu_submit(sess, &c);
	EXPECT(tag > 0);
	EXPECT_EQ(userdisk_emu_wait(tag, 50), -ETIMEDOUT);
	EXPECT_EQ(th_wait_held(&h, 1, 3000), 0);
	th_pause(&h); /* ON_FREE_CMD stays queued: the command exists but is not with the handler */
	th_take_reply(&h, 0, &r);
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_REPLY_CMD, &r), 0);
	EXPECT_EQ(userdisk_emu_wait(tag, 3000), 0);
	EXPECT_EQ(c.status, 0);
	EXPECT_EQ(userdisk_emu_wait(tag, 10), -ENOENT);
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_REPLY_CMD, &r), -EINVAL);
	struct userdisk_emu_stats s = stats("t_double");
	EXPECT_EQ(s.double_replies, 1);
	EXPECT_EQ(s.violations, 1);
	th_resume(&h);
	/* after ON_FREE_CMD is answered the handle is gone */
	EXPECT_EQ(th_wait_count(&h, &h.n_on_free, 1, 3000), 0);
	sleep_ms(30);
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_REPLY_CMD, &r), -ESRCH);
	ok = 1;
out:
	th_destroy(&h);
	return ok;
}

static int t_double_reply_idle(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_double2");
	uint64_t sess;
	struct userdisk_emu_command c;
	uint8_t buf[4096];
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_double2", &sess), 0);
	cmd_rw(&c, 0, 0, 8, buf);
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	EXPECT_EQ(th_wait_count(&h, &h.n_on_free, 1, 3000), 0);
	sleep_ms(30);
	/* the READ supplied a cached buffer: its handle lives on as the buffer's owner, idle */
	struct scst_user_reply_cmd r;
	memset(&r, 0, sizeof(r));
	EXPECT_EQ(stats("t_double2").buffers_cached, 1);
	EXPECT_EQ(userdisk_emu_purge_cache("t_double2"), 1);
	EXPECT_EQ(th_wait_count(&h, &h.n_on_cached, 1, 3000), 0);
	sleep_ms(30);
	r.cmd_h = h.last_cached_free_h;
	r.subcode = SCST_USER_ON_CACHED_MEM_FREE;
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_REPLY_CMD, &r), -ESRCH);
	EXPECT_EQ(stats("t_double2").unknown_handle_replies, 1);
	ok = 1;
out:
	th_destroy(&h);
	return ok;
}

static int t_unknown_handle(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_unknown");
	struct scst_user_reply_cmd r;
	EXPECT_EQ(th_start(&h, &o), 0);
	memset(&r, 0, sizeof(r));
	r.cmd_h = 0x7ffff;
	r.subcode = SCST_USER_EXEC;
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_REPLY_CMD, &r), -ESRCH);
	r.cmd_h = 0x12345678;
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_REPLY_CMD, &r), -ESRCH);
	struct userdisk_emu_stats s = stats("t_unknown");
	EXPECT_EQ(s.unknown_handle_replies, 2);
	EXPECT_EQ(s.violations, 2);
	ok = 1;
out:
	th_destroy(&h);
	return ok;
}

static int t_subcode_mismatch(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_subcode");
	uint64_t sess;
	struct userdisk_emu_command c;
	struct scst_user_reply_cmd r;
	uint8_t buf[4096];
	o.hold_exec = 1;
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_subcode", &sess), 0);
	cmd_rw(&c, 0, 0, 8, buf);
	int64_t tag = userdisk_emu_submit(sess, &c);
	EXPECT(tag > 0);
	EXPECT_EQ(th_wait_held(&h, 1, 3000), 0);
	th_take_reply(&h, 0, &r);
	r.subcode = SCST_USER_ALLOC_MEM;
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_REPLY_CMD, &r), -EINVAL);
	EXPECT_EQ(userdisk_emu_wait(tag, 3000), 0);
	EXPECT_EQ(c.status, 2);
	EXPECT_EQ(c.sense[0], 0x70);
	EXPECT_EQ(c.sense[2], 0x05);
	EXPECT_EQ(c.sense[12], 0x25);
	EXPECT_EQ(stats("t_subcode").subcode_mismatches, 1);
	/* the handler's buffer from that reply was never accepted; free it ourselves */
	ok = 1;
out:
	th_destroy(&h);
	return ok;
}

static int t_multi_replies_done(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_multi");
	uint64_t sess;
	struct userdisk_emu_command c[3];
	int64_t tag[3];
	o.hold_exec = 1;
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_multi", &sess), 0);
	for (int i = 0; i < 3; i++) {
		cmd_tur(&c[i]);
		tag[i] = userdisk_emu_submit(sess, &c[i]);
		EXPECT(tag[i] > 0);
	}
	EXPECT_EQ(th_wait_held(&h, 3, 3000), 0);
	struct scst_user_reply_cmd r[3];
	th_take_reply(&h, 0, &r[0]);
	th_take_reply(&h, 0, &r[2]);
	th_take_reply(&h, 0, &r[1]);
	uint32_t good1 = r[1].cmd_h;
	r[1].cmd_h = 0xfffff; /* unknown */
	struct {
		struct scst_user_get_multi m;
		struct scst_user_get_cmd cmds[2];
	} mb;
	memset(&mb, 0, sizeof(mb));
	mb.m.preplies = (uint64_t)(uintptr_t)r;
	mb.m.replies_cnt = 3;
	mb.m.cmds_cnt = 2;
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_REPLY_AND_GET_MULTI, &mb), -ESRCH);
	EXPECT_EQ(mb.m.replies_done, 1);
	EXPECT_EQ(mb.m.cmds_cnt, 0);
	/* resubmit the rest: the one after the failure, and the fixed one; no command wanted */
	r[1].cmd_h = good1;
	mb.m.preplies = (uint64_t)(uintptr_t)&r[1];
	mb.m.replies_cnt = 2;
	mb.m.cmds_cnt = 0;
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_REPLY_AND_GET_MULTI, &mb), 0);
	EXPECT_EQ(mb.m.replies_done, 2);
	EXPECT_EQ(mb.m.cmds_cnt, 0);
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(userdisk_emu_wait(tag[i], 3000), 0);
		EXPECT_EQ(c[i].status, 0);
	}
	ok = 1;
out:
	th_destroy(&h);
	return ok;
}

static int t_multi_eagain(void)
{
	int ok = 0, fd = open_nb();
	struct scst_user_dev_desc d;
	struct {
		struct scst_user_get_multi m;
		struct scst_user_get_cmd cmds[4];
	} mb;
	struct scst_user_get_cmd g;
	init_strings();
	fill_desc(&d, g_ver, g_lic, "t_eagain");
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), 0);
	memset(&mb, 0, sizeof(mb));
	mb.m.cmds_cnt = 4;
	mb.m.replies_done = 77;
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REPLY_AND_GET_MULTI, &mb), -EAGAIN);
	EXPECT_EQ(mb.m.cmds_cnt, 0);
	EXPECT_EQ(mb.m.replies_done, 0);
	memset(&g, 0, sizeof(g));
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REPLY_AND_GET_CMD, &g), -EAGAIN);
	ok = 1;
out:
	userdisk_emu_close(fd);
	return ok;
}

struct blocker {
	pthread_t t;
	int fd;
	int result, err;
	volatile int done;
};

static void *blocker_main(void *arg)
{
	struct blocker *b = arg;
	struct scst_user_get_cmd g;
	memset(&g, 0, sizeof(g));
	b->result = userdisk_emu_ioctl(b->fd, SCST_USER_REPLY_AND_GET_CMD, &g);
	b->err = errno;
	b->done = 1;
	return NULL;
}

static int t_blocking_unregister(void)
{
	int ok = 0, started = 0, fd = userdisk_emu_open("/dev/scst_user", O_RDWR);
	struct scst_user_dev_desc d;
	struct blocker b;
	init_strings();
	fill_desc(&d, g_ver, g_lic, "t_block");
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), 0);
	memset(&b, 0, sizeof(b));
	b.fd = fd;
	pthread_create(&b.t, NULL, blocker_main, &b);
	started = 1;
	sleep_ms(100);
	EXPECT(!b.done);
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_UNREGISTER_DEVICE, NULL), 0);
	for (int i = 0; i < 200 && !b.done; i++)
		sleep_ms(5);
	EXPECT(b.done);
	EXPECT_EQ(b.result, -1);
	EXPECT_EQ(b.err, EAGAIN);
	/* now non-blocking for good, and the descriptor stays readable */
	struct scst_user_get_cmd g;
	memset(&g, 0, sizeof(g));
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REPLY_AND_GET_CMD, &g), -EAGAIN);
	struct pollfd p = { fd, POLLIN, 0 };
	EXPECT_EQ(userdisk_emu_poll(&p, 1, 0), 1);
	EXPECT(p.revents & POLLIN);
	EXPECT_EQ(stats("t_block").registered, 1); /* UNREGISTER_DEVICE is a no-op otherwise */
	ok = 1;
out:
	if (started)
		pthread_join(b.t, NULL);
	userdisk_emu_close(fd);
	return ok;
}

static int t_blocking_close(void)
{
	int ok = 0, started = 0, fd = userdisk_emu_open("/dev/scst_user", O_RDWR);
	struct scst_user_dev_desc d;
	struct blocker b;
	init_strings();
	fill_desc(&d, g_ver, g_lic, "t_block_close");
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), 0);
	memset(&b, 0, sizeof(b));
	b.fd = fd;
	pthread_create(&b.t, NULL, blocker_main, &b);
	started = 1;
	sleep_ms(100);
	EXPECT(!b.done);
	EXPECT_EQ(userdisk_emu_close(fd), 0);
	fd = -1;
	for (int i = 0; i < 200 && !b.done; i++)
		sleep_ms(5);
	EXPECT(b.done);
	EXPECT_EQ(b.result, -1);
	EXPECT(b.err == EAGAIN || b.err == EBADF);
	pthread_join(b.t, NULL);
	started = 0;
	EXPECT_EQ(stats("t_block_close").registered, 0);
	/* the name can be registered again */
	fd = open_nb();
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), 0);
	ok = 1;
out:
	if (started)
		pthread_join(b.t, NULL);
	if (fd >= 0)
		userdisk_emu_close(fd);
	return ok;
}

static int t_abort_task(void)
{
	int ok = 0, bg_on = 0;
	struct th h;
	struct th_opts o = opts("t_abort");
	uint64_t sess;
	struct userdisk_emu_command c, c2;
	uint8_t buf[4096];
	struct bg b;
	o.hold_exec = 1;
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_abort", &sess), 0);
	cmd_rw(&c, 0, 0, 8, buf);
	int64_t tag = userdisk_emu_submit(sess, &c);
	cmd_tur(&c2);
	int64_t tag2 = userdisk_emu_submit(sess, &c2);
	EXPECT(tag > 0 && tag2 > 0);
	EXPECT_EQ(th_wait_held(&h, 2, 3000), 0);
	uint32_t victim_h = h.held[0].exec.cdb[0] == 0x28 ? h.held[0].cmd_h : h.held[1].cmd_h;
	memset(&b, 0, sizeof(b));
	b.sess = sess;
	b.fn = SCST_ABORT_TASK;
	b.tag = tag;
	b.timeout = 5000;
	bg_start(&b);
	bg_on = 1;
	EXPECT_EQ(th_wait_count(&h, &h.n_tm_recv, 1, 3000), 0);
	EXPECT_EQ(h.last_tm.fn, SCST_ABORT_TASK);
	EXPECT_EQ(h.last_tm.sess_h, sess);
	EXPECT_EQ(h.last_tm.cmd_h_to_abort, victim_h);
	sleep_ms(50);
	EXPECT(!b.done);                /* waits for the handler's reply to the victim */
	EXPECT_EQ(h.n_tm_done, 0);
	int vi = h.held[0].cmd_h == victim_h ? 0 : 1;
	EXPECT_EQ(th_reply_held(&h, vi), 0);
	pthread_join(b.t, NULL);
	bg_on = 0;
	EXPECT_EQ(b.result, 0);
	EXPECT_EQ(h.n_tm_done, 1);
	EXPECT_EQ(userdisk_emu_wait(tag, 3000), 0);
	EXPECT_EQ(c.aborted, 1);
	EXPECT_EQ(c.status, 0x40);
	EXPECT_EQ(th_wait_count(&h, &h.n_on_free, 1, 3000), 0);
	EXPECT_EQ(h.last_on_free.aborted, 1);
	EXPECT_EQ(h.last_on_free.delivery_status, 0xFE);
	/* the other command was not affected */
	EXPECT_EQ(userdisk_emu_wait(tag2, 20), -ETIMEDOUT);
	EXPECT_EQ(th_reply_held(&h, 0), 0);
	EXPECT_EQ(userdisk_emu_wait(tag2, 3000), 0);
	EXPECT_EQ(c2.aborted, 0);
	EXPECT_EQ(c2.status, 0);
	struct userdisk_emu_stats s = stats("t_abort");
	EXPECT_EQ(s.tm_received_sent, 1);
	EXPECT_EQ(s.tm_done_sent, 1);
	EXPECT_EQ(s.violations, 0);
	ok = 1;
out:
	if (bg_on) {
		th_resume(&h);
		while (h.nheld)
			th_reply_held(&h, 0);
		pthread_join(b.t, NULL);
	}
	th_destroy(&h);
	return ok;
}

static int t_lun_reset(void)
{
	int ok = 0, bg_on = 0;
	struct th h;
	struct th_opts o = opts("t_lunreset");
	uint64_t s1, s2;
	struct userdisk_emu_command a, b2, q;
	struct bg b;
	o.hold_exec = 1;
	o.tm_done_result = SCST_MGMT_STATUS_TASK_NOT_EXIST; /* reported as success */
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_lunreset", &s1), 0);
	EXPECT_EQ(attach("t_lunreset", &s2), 0);
	cmd_tur(&a);
	cmd_tur(&b2);
	int64_t ta = userdisk_emu_submit(s1, &a);
	int64_t tb = userdisk_emu_submit(s2, &b2);
	EXPECT_EQ(th_wait_held(&h, 2, 3000), 0);
	th_pause(&h);
	cmd_tur(&q); /* queued, never seen by the handler */
	int64_t tq = userdisk_emu_submit(s1, &q);
	EXPECT(tq > 0);
	memset(&b, 0, sizeof(b));
	b.sess = s1;
	b.fn = SCST_LUN_RESET;
	b.timeout = 5000;
	bg_start(&b);
	bg_on = 1;
	/* the unseen one is dropped at once */
	EXPECT_EQ(userdisk_emu_wait(tq, 3000), 0);
	EXPECT_EQ(q.aborted, 1);
	EXPECT_EQ(q.status, 0x40);
	th_resume(&h);
	EXPECT_EQ(th_wait_count(&h, &h.n_tm_recv, 1, 3000), 0);
	EXPECT_EQ(h.last_tm.fn, SCST_LUN_RESET);
	sleep_ms(30);
	EXPECT(!b.done);
	EXPECT_EQ(th_reply_held(&h, 0), 0);
	sleep_ms(30);
	EXPECT(!b.done); /* one held command left (other session, same LUN) */
	EXPECT_EQ(th_reply_held(&h, 0), 0);
	pthread_join(b.t, NULL);
	bg_on = 0;
	EXPECT_EQ(b.result, 0);
	EXPECT_EQ(userdisk_emu_wait(ta, 3000), 0);
	EXPECT_EQ(userdisk_emu_wait(tb, 3000), 0);
	EXPECT_EQ(a.aborted, 1);
	EXPECT_EQ(b2.aborted, 1);
	EXPECT_EQ(th_wait_count(&h, &h.n_on_free, 2, 3000), 0);
	sleep_ms(30);
	EXPECT_EQ(h.n_on_free, 2); /* none for the dropped command */
	EXPECT_EQ(h.n_on_free_aborted, 2);
	/* the sessions still work */
	cmd_tur(&a);
	ta = userdisk_emu_submit(s1, &a);
	EXPECT_EQ(th_wait_held(&h, 1, 3000), 0);
	EXPECT_EQ(th_reply_held(&h, 0), 0);
	EXPECT_EQ(userdisk_emu_wait(ta, 3000), 0);
	EXPECT_EQ(a.status, 0);
	EXPECT_EQ(a.aborted, 0);
	EXPECT_EQ(stats("t_lunreset").violations, 0);
	ok = 1;
out:
	if (bg_on) {
		th_resume(&h);
		while (h.nheld)
			th_reply_held(&h, 0);
		pthread_join(b.t, NULL);
	}
	th_destroy(&h);
	return ok;
}

static int t_tm_result(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_tmres");
	uint64_t sess;
	o.tm_done_result = SCST_MGMT_STATUS_FN_NOT_SUPPORTED;
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_tmres", &sess), 0);
	EXPECT_EQ(userdisk_emu_task_management(sess, SCST_CLEAR_TASK_SET, 0, 3000), SCST_MGMT_STATUS_FN_NOT_SUPPORTED);
	EXPECT_EQ(userdisk_emu_task_management(sess, SCST_ABORT_TASK, 12345, 3000), SCST_MGMT_STATUS_FN_NOT_SUPPORTED);
	EXPECT_EQ(h.last_tm.cmd_h_to_abort, 0);
	EXPECT_EQ(userdisk_emu_task_management(0x1234, SCST_LUN_RESET, 0, 100), -ENOENT);
	ok = 1;
out:
	th_destroy(&h);
	return ok;
}

static int t_detach_held(void)
{
	int ok = 0, bg_on = 0;
	struct th h;
	struct th_opts o = opts("t_detach_held");
	uint64_t sess;
	struct userdisk_emu_command c;
	struct bg b;
	o.hold_exec = 1;
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_detach_held", &sess), 0);
	cmd_tur(&c);
	int64_t tag = userdisk_emu_submit(sess, &c);
	EXPECT_EQ(th_wait_held(&h, 1, 3000), 0);
	EXPECT_EQ(userdisk_emu_detach(sess, 50), -ETIMEDOUT);
	memset(&b, 0, sizeof(b));
	b.sess = sess;
	b.detach = 1;
	b.timeout = 5000;
	bg_start(&b);
	bg_on = 1;
	sleep_ms(30);
	EXPECT(!b.done);
	EXPECT_EQ(th_reply_held(&h, 0), 0);
	pthread_join(b.t, NULL);
	bg_on = 0;
	EXPECT_EQ(b.result, 0);
	EXPECT_EQ(userdisk_emu_wait(tag, 3000), 0);
	EXPECT_EQ(c.aborted, 1);
	EXPECT_EQ(th_wait_count(&h, &h.n_detach, 1, 3000), 0);
	EXPECT_EQ(stats("t_detach_held").sessions, 0);
	ok = 1;
out:
	if (bg_on) {
		while (h.nheld)
			th_reply_held(&h, 0);
		pthread_join(b.t, NULL);
	}
	th_destroy(&h);
	return ok;
}

static int t_capacity_changed(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_capacity");
	uint64_t sess;
	struct userdisk_emu_command c;
	uint8_t buf[4096];
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_capacity", &sess), 0);
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_DEVICE_CAPACITY_CHANGED, NULL), 0);
	uint64_t execs = stats("t_capacity").exec_sent;
	/* INQUIRY passes a pending UA */
	memset(&c, 0, sizeof(c));
	c.cdb[0] = 0x12;
	c.cdb[4] = 36;
	c.cdb_len = 6;
	c.data_direction = SCST_DATA_READ;
	c.bufflen = 36;
	c.data_in = buf;
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	EXPECT_EQ(c.status, 0);
	cmd_rw(&c, 0, 0, 8, buf);
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	EXPECT_EQ(c.status, 2);
	EXPECT_EQ(c.sense_len, 18);
	EXPECT_EQ(c.sense[0], 0x70);
	EXPECT_EQ(c.sense[2], 0x06);
	EXPECT_EQ(c.sense[12], 0x2A);
	EXPECT_EQ(c.sense[13], 0x09);
	EXPECT_EQ(stats("t_capacity").exec_sent, execs + 1); /* only the INQUIRY reached the handler */
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	EXPECT_EQ(c.status, 0);
	EXPECT_EQ(stats("t_capacity").capacity_changed_calls, 1);
	/* descriptor format with d_sense = 1 */
	struct scst_user_opt opt;
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_GET_OPTIONS, &opt), 0);
	opt.d_sense = 1;
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_SET_OPTIONS, &opt), 0);
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_DEVICE_CAPACITY_CHANGED, NULL), 0);
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	EXPECT_EQ(c.status, 2);
	EXPECT_EQ(c.sense[0], 0x72);
	EXPECT_EQ(c.sense[1], 0x06);
	EXPECT_EQ(c.sense[2], 0x2A);
	EXPECT_EQ(c.sense[3], 0x09);
	ok = 1;
out:
	th_destroy(&h);
	return ok;
}

static int t_capacity_non_disk(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_capacity_cd");
	uint64_t sess;
	struct userdisk_emu_command c;
	o.type = 5;
	o.block_size = 2048;
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_capacity_cd", &sess), 0);
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_DEVICE_CAPACITY_CHANGED, NULL), 0);
	cmd_tur(&c);
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	EXPECT_EQ(c.status, 0);
	EXPECT_EQ(stats("t_capacity_cd").capacity_changed_calls, 1);
	ok = 1;
out:
	th_destroy(&h);
	return ok;
}

static int t_flush_cache(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_flush");
	uint64_t sess;
	struct userdisk_emu_command c;
	static uint8_t buf[65536];
	o.opt.on_free_cmd_type = SCST_USER_ON_FREE_CMD_IGNORE;
	o.nthreads = 2;
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_flush", &sess), 0);
	cmd_rw(&c, 1, 0, 8, buf);
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	cmd_rw(&c, 0, 0, 128, buf);
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	EXPECT_EQ(stats("t_flush").buffers_cached, 2);
	EXPECT_EQ(th_outstanding(&h), 2);
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_FLUSH_CACHE, NULL), 0);
	struct userdisk_emu_stats s = stats("t_flush");
	EXPECT_EQ(s.on_cached_mem_free_sent, 2);
	EXPECT_EQ(s.buffers_cached, 0);
	EXPECT_EQ(s.flush_cache_calls, 1);
	EXPECT_EQ(th_outstanding(&h), 0);
	EXPECT_EQ(h.bad_frees, 0);
	/* cold again */
	cmd_rw(&c, 1, 0, 8, buf);
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	EXPECT_EQ(stats("t_flush").alloc_mem_sent, 2);
	ok = 1;
out:
	th_destroy(&h);
	return ok;
}

static int t_prealloc(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_prealloc");
	uint64_t sess;
	struct userdisk_emu_command c;
	static uint8_t buf[16384];
	EXPECT_EQ(th_start(&h, &o), 0);
	uint8_t *pb = th_alloc(&h, 16384, 0);
	EXPECT(pb != NULL);
	union scst_user_prealloc_buffer u;
	memset(&u, 0, sizeof(u));
	u.in.pbuf = (uint64_t)(uintptr_t)pb + 16;
	u.in.bufflen = 16384;
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_PREALLOC_BUFFER, &u), -EINVAL);
	memset(&u, 0, sizeof(u));
	u.in.pbuf = (uint64_t)(uintptr_t)pb;
	u.in.bufflen = 16384;
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_PREALLOC_BUFFER, &u), 0);
	uint32_t ph = u.out.cmd_h;
	EXPECT((u.in.pbuf >> 32) == ((uint64_t)(uintptr_t)pb >> 32)); /* only the low 4 bytes are overwritten */
	struct userdisk_emu_stats s = stats("t_prealloc");
	EXPECT_EQ(s.prealloc_buffers, 1);
	EXPECT_EQ(s.buffers_cached, 1);
	EXPECT_EQ(attach("t_prealloc", &sess), 0);
	cmd_rw(&c, 0, 0, 32, buf);
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	EXPECT_EQ(c.status, 0);
	EXPECT_EQ(h.last_exec_pbuf, (uint64_t)(uintptr_t)pb);
	EXPECT_EQ(stats("t_prealloc").cache_hits, 1);
	EXPECT_EQ(th_wait_count(&h, &h.n_on_free, 1, 3000), 0);
	EXPECT_EQ(h.last_on_free.buffer_cached, 1);
	sleep_ms(20);
	EXPECT_EQ(userdisk_emu_purge_cache("t_prealloc"), 1);
	EXPECT_EQ(th_wait_count(&h, &h.n_on_cached, 1, 3000), 0);
	EXPECT_EQ(h.last_cached_free_h, ph);
	EXPECT_EQ(h.last_cached_free_pbuf, (uint64_t)(uintptr_t)pb);
	sleep_ms(20);
	EXPECT_EQ(th_outstanding(&h), 0);
	EXPECT_EQ(stats("t_prealloc").violations, 0);
	EXPECT_EQ(userdisk_emu_purge_cache("no-such-device"), -ENODEV);
	ok = 1;
out:
	th_destroy(&h);
	return ok;
}

static int t_freed_held_buffer(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_freed");
	uint64_t sess;
	struct userdisk_emu_command c;
	uint8_t buf[8192];
	void *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT(m != MAP_FAILED);
	EXPECT_EQ(th_start(&h, &o), 0);
	union scst_user_prealloc_buffer u;
	memset(&u, 0, sizeof(u));
	u.in.pbuf = (uint64_t)(uintptr_t)m;
	u.in.bufflen = 8192;
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_PREALLOC_BUFFER, &u), 0);
	EXPECT_EQ(stats("t_freed").freed_held_buffers, 0);
	munmap(m, 8192); /* the handler frees a buffer the kernel still holds */
	EXPECT_EQ(stats("t_freed").freed_held_buffers, 1);
	EXPECT_EQ(stats("t_freed").freed_held_buffers, 1); /* counted once */
	/* a WRITE that hits it fails with HARDWARE ERROR instead of touching it */
	EXPECT_EQ(attach("t_freed", &sess), 0);
	memset(buf, 3, sizeof(buf));
	cmd_rw(&c, 1, 0, 16, buf);
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	EXPECT_EQ(c.status, 2);
	EXPECT_EQ(c.sense[2], 0x04);
	EXPECT_EQ(c.sense[12], 0x44);
	struct userdisk_emu_stats s = stats("t_freed");
	EXPECT(s.freed_held_buffers >= 1);
	EXPECT_EQ(s.buffers_cached, 0);
	EXPECT(s.violations >= 1);
	ok = 1;
out:
	th_destroy(&h);
	return ok;
}

static int t_close_inflight(void)
{
	int ok = 0, bg_on = 0;
	struct th h;
	struct th_opts o = opts("t_close");
	uint64_t sess;
	struct userdisk_emu_command a, q;
	struct bg b;
	o.hold_exec = 1;
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_close", &sess), 0);
	cmd_tur(&a);
	int64_t ta = userdisk_emu_submit(sess, &a);
	EXPECT_EQ(th_wait_held(&h, 1, 3000), 0);
	th_pause(&h);
	cmd_tur(&q);
	int64_t tq = userdisk_emu_submit(sess, &q);
	EXPECT(tq > 0);
	/* a TMF that cannot finish (held command) */
	memset(&b, 0, sizeof(b));
	b.sess = sess;
	b.fn = SCST_ABORT_TASK_SET;
	b.timeout = 10000;
	bg_start(&b);
	bg_on = 1;
	/* the TMF has started once it dropped the queued, never seen command (not after a fixed sleep) */
	EXPECT_EQ(userdisk_emu_wait(tq, 3000), 0);
	EXPECT_EQ(userdisk_emu_close(h.fd), 0);
	h.fd = -1;
	pthread_join(b.t, NULL);
	bg_on = 0;
	EXPECT_EQ(b.result, SCST_MGMT_STATUS_FAILED);
	EXPECT_EQ(userdisk_emu_wait(ta, 3000), 0);
	/* both were aborted by the TMF before the close */
	EXPECT_EQ(a.aborted, 1);
	EXPECT_EQ(q.aborted, 1);
	struct userdisk_emu_stats s = stats("t_close");
	EXPECT_EQ(s.registered, 0);
	EXPECT_EQ(s.sessions, 0);
	EXPECT_EQ(s.attach_sent, 1);
	EXPECT_EQ(userdisk_emu_attach("t_close", 0, "i", "t", 0, 100, &sess), -ENODEV);
	ok = 1;
out:
	if (bg_on)
		pthread_join(b.t, NULL);
	th_resume(&h);
	th_destroy(&h);
	return ok;
}

static int t_close_statuses(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_close2");
	uint64_t sess;
	struct userdisk_emu_command a, q;
	o.hold_exec = 1;
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_close2", &sess), 0);
	cmd_tur(&a);
	int64_t ta = userdisk_emu_submit(sess, &a);
	EXPECT_EQ(th_wait_held(&h, 1, 3000), 0);
	th_pause(&h);
	cmd_tur(&q);
	int64_t tq = userdisk_emu_submit(sess, &q);
	EXPECT_EQ(userdisk_emu_close(h.fd), 0);
	h.fd = -1;
	EXPECT_EQ(userdisk_emu_wait(ta, 3000), 0);
	EXPECT_EQ(userdisk_emu_wait(tq, 3000), 0);
	EXPECT_EQ(a.status, 2);
	EXPECT_EQ(a.sense[0], 0x70);
	EXPECT_EQ(a.sense[2], 0x05);
	EXPECT_EQ(a.sense[12], 0x25);
	EXPECT_EQ(q.status, 0x08);
	EXPECT_EQ(q.aborted, 0);
	EXPECT_EQ(userdisk_emu_submit(sess, &q), -ENOENT);
	/* the name is free again and the stats of the old device stay readable meanwhile */
	struct th h2;
	struct th_opts o2 = opts("t_close2");
	EXPECT_EQ(stats("t_close2").commands_submitted, 2);
	EXPECT_EQ(th_start(&h2, &o2), 0);
	EXPECT_EQ(stats("t_close2").commands_submitted, 0);
	th_destroy(&h2);
	ok = 1;
out:
	th_resume(&h);
	th_destroy(&h);
	return ok;
}

struct attacher {
	const char *name;
	int result;
	uint64_t sess;
};

static void *attacher_main(void *arg)
{
	struct attacher *a = arg;
	a->result = userdisk_emu_attach(a->name, 0, "i", "t", 0, 10000, &a->sess);
	return NULL;
}

static int t_close_attach_waiter(void)
{
	int ok = 0, started = 0;
	struct th h;
	struct th_opts o = opts("t_close_attach");
	struct attacher a = { "t_close_attach", 1, 0 };
	pthread_t t;
	EXPECT_EQ(th_start(&h, &o), 0);
	th_pause(&h); /* nobody answers ATTACH_SESS */
	pthread_create(&t, NULL, attacher_main, &a);
	started = 1;
	sleep_ms(50);
	EXPECT_EQ(userdisk_emu_close(h.fd), 0);
	h.fd = -1;
	pthread_join(t, NULL);
	started = 0;
	EXPECT_EQ(a.result, -ENODEV);
	EXPECT_EQ(stats("t_close_attach").sessions, 0);
	ok = 1;
out:
	if (started)
		pthread_join(t, NULL);
	th_resume(&h);
	th_destroy(&h);
	return ok;
}

static int t_event_device(void)
{
	int ok = 0, efd = userdisk_emu_open("/dev/scst_event", O_RDWR | O_NONBLOCK), fd = -1;
	struct {
		struct scst_event e;
		uint8_t payload[8];
	} f;
	static uint8_t big[sizeof(struct scst_event) + 4000];
	union {
		struct scst_event_user eu;
		uint8_t raw[4096];
	} ub;
	memset(&f, 0, sizeof(f));
	f.e.event_code = SCST_EVENT_REG_VIRT_DEV;
	strcpy(f.e.issuer_name, "SCST core");
	EXPECT_EQ(emu_ioctl_err(efd, SCST_EVENT_ALLOW_EVENT, &f), 0);
	EXPECT_EQ(emu_ioctl_err(efd, SCST_EVENT_ALLOW_EVENT, &f), -EEXIST);
	struct scst_event *bf = (struct scst_event *)big;
	bf->payload_len = 4000;
	bf->event_code = 6;
	strcpy(bf->issuer_name, "*");
	EXPECT_EQ(emu_ioctl_err(efd, SCST_EVENT_ALLOW_EVENT, bf), -EINVAL);
	memset(&ub, 0, sizeof(ub));
	ub.eu.max_event_size = 4092;
	EXPECT_EQ(emu_ioctl_err(efd, SCST_EVENT_GET_NEXT_EVENT, &ub), -EAGAIN);
	/* register a device: one event */
	struct scst_user_dev_desc d;
	init_strings();
	fill_desc(&d, g_ver, g_lic, "t_event_dev");
	fd = open_nb();
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), 0);
	struct pollfd p = { efd, POLLIN, 0 };
	EXPECT_EQ(userdisk_emu_poll(&p, 1, 1000), 1);
	EXPECT(p.revents & POLLIN);
	ub.eu.max_event_size = 100;
	EXPECT_EQ(emu_ioctl_err(efd, SCST_EVENT_GET_NEXT_EVENT, &ub), -ENOSPC);
	EXPECT_EQ(ub.eu.max_event_size, 64 + 60);
	ub.eu.max_event_size = 4092;
	EXPECT_EQ(emu_ioctl_err(efd, SCST_EVENT_GET_NEXT_EVENT, &ub), 0);
	EXPECT_EQ(ub.eu.out_event.event_code, SCST_EVENT_REG_VIRT_DEV);
	EXPECT_EQ(ub.eu.out_event.payload_len, 60);
	EXPECT_EQ(ub.eu.out_event.event_id, 0);
	EXPECT(strcmp(ub.eu.out_event.issuer_name, "SCST core") == 0);
	EXPECT(strcmp((const char *)ub.raw + 66, "t_event_dev") == 0);
	EXPECT_EQ(emu_ioctl_err(efd, SCST_EVENT_GET_NEXT_EVENT, &ub), -EAGAIN);
	p.revents = 0;
	EXPECT_EQ(userdisk_emu_poll(&p, 1, 0), 0);
	/* a payload filter for another name does not match */
	EXPECT_EQ(emu_ioctl_err(efd, SCST_EVENT_DISALLOW_EVENT, &f), 0);
	EXPECT_EQ(emu_ioctl_err(efd, SCST_EVENT_DISALLOW_EVENT, &f), -ENOENT);
	struct {
		struct scst_event e;
		uint8_t payload[60];
	} pf;
	memset(&pf, 0, sizeof(pf));
	pf.e.payload_len = 60;
	pf.e.event_code = 0;
	strcpy(pf.e.issuer_name, "*");
	memcpy((uint8_t *)&pf + offsetof(struct scst_event, payload), "t_event_other", 13);
	EXPECT_EQ(emu_ioctl_err(efd, SCST_EVENT_ALLOW_EVENT, &pf), 0);
	int fd2 = open_nb();
	fill_desc(&d, g_ver, g_lic, "t_event_dev2");
	EXPECT_EQ(emu_ioctl_err(fd2, SCST_USER_REGISTER_DEVICE, &d), 0);
	userdisk_emu_close(fd2);
	EXPECT_EQ(emu_ioctl_err(efd, SCST_EVENT_GET_NEXT_EVENT, &ub), -EAGAIN);
	struct scst_event_notify_done nd = { 5, 0 };
	EXPECT_EQ(emu_ioctl_err(efd, SCST_EVENT_NOTIFY_DONE, &nd), -ENOENT);
	EXPECT_EQ(emu_ioctl_err(efd, _IO('u', 42), &nd), -EINVAL);
	ok = 1;
out:
	if (fd >= 0)
		userdisk_emu_close(fd);
	userdisk_emu_close(efd);
	return ok;
}

struct evwaiter {
	int fd, result;
	union {
		struct scst_event_user eu;
		uint8_t raw[512];
	} ub;
};

static void *evwaiter_main(void *arg)
{
	struct evwaiter *w = arg;
	w->ub.eu.max_event_size = sizeof(w->ub) - 4;
	w->result = emu_ioctl_err(w->fd, SCST_EVENT_GET_NEXT_EVENT, &w->ub);
	return NULL;
}

static int t_event_blocking(void)
{
	int ok = 0, fd = -1;
	struct evwaiter w;
	pthread_t t;
	int started = 0;
	memset(&w, 0, sizeof(w));
	w.fd = userdisk_emu_open("/dev/scst_event", O_RDWR);
	struct scst_event f;
	memset(&f, 0, sizeof(f));
	strcpy(f.issuer_name, "*");
	EXPECT_EQ(emu_ioctl_err(w.fd, SCST_EVENT_ALLOW_EVENT, &f), 0);
	pthread_create(&t, NULL, evwaiter_main, &w);
	started = 1;
	sleep_ms(50);
	struct scst_user_dev_desc d;
	init_strings();
	fill_desc(&d, g_ver, g_lic, "t_event_block");
	fd = open_nb();
	EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), 0);
	pthread_join(t, NULL);
	started = 0;
	EXPECT_EQ(w.result, 0);
	EXPECT(strcmp((const char *)w.ub.raw + 66, "t_event_block") == 0);
	ok = 1;
out:
	if (started) {
		userdisk_emu_close(w.fd);
		w.fd = -1;
		pthread_join(t, NULL);
	}
	if (fd >= 0)
		userdisk_emu_close(fd);
	if (w.fd >= 0)
		userdisk_emu_close(w.fd);
	return ok;
}

static int t_event_queue_limit(void)
{
	int ok = 0, efd = userdisk_emu_open("/dev/scst_event", O_RDWR | O_NONBLOCK);
	struct scst_event f;
	memset(&f, 0, sizeof(f));
	f.event_code = 6;
	strcpy(f.issuer_name, "SCST core");
	EXPECT_EQ(emu_ioctl_err(efd, SCST_EVENT_ALLOW_EVENT, &f), 0);
	init_strings();
	for (int i = 0; i < 2050; i++) {
		char name[32];
		struct scst_user_dev_desc d;
		snprintf(name, sizeof(name), "t_evq_%d", i);
		fill_desc(&d, g_ver, g_lic, name);
		int fd = open_nb();
		EXPECT_EQ(emu_ioctl_err(fd, SCST_USER_REGISTER_DEVICE, &d), 0);
		userdisk_emu_close(fd);
	}
	int n = 0;
	union {
		struct scst_event_user eu;
		uint8_t raw[512];
	} ub;
	for (;;) {
		ub.eu.max_event_size = sizeof(ub) - 4;
		if (emu_ioctl_err(efd, SCST_EVENT_GET_NEXT_EVENT, &ub) != 0)
			break;
		n++;
	}
	EXPECT_EQ(n, 2048);
	ok = 1;
out:
	userdisk_emu_close(efd);
	return ok;
}

static int t_parse_call(void)
{
	int ok = 0;
	struct th h, h2;
	struct th_opts o = opts("t_parse");
	struct th_opts o2 = opts("t_parse_bad");
	uint64_t sess, sess2;
	struct userdisk_emu_command c;
	uint8_t wbuf[4096], rbuf[4096];
	int h2_on = 0;
	o.opt.parse_type = SCST_USER_PARSE_CALL;
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_parse", &sess), 0);
	memset(wbuf, 0x77, sizeof(wbuf));
	cmd_rw(&c, 1, 3, 8, wbuf);
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	EXPECT_EQ(c.status, 0);
	cmd_rw(&c, 0, 3, 8, rbuf);
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	EXPECT_EQ(c.status, 0);
	EXPECT(memcmp(wbuf, rbuf, sizeof(rbuf)) == 0);
	EXPECT_EQ(h.n_parse, 2);
	EXPECT_EQ(stats("t_parse").parse_sent, 2);
	EXPECT_EQ(stats("t_parse").violations, 0);
	/* a PARSE reply without SCST_INFO_VALID: HARDWARE ERROR, EINVAL */
	o2.opt.parse_type = SCST_USER_PARSE_CALL;
	o2.bad_parse = 1;
	EXPECT_EQ(th_start(&h2, &o2), 0);
	h2_on = 1;
	EXPECT_EQ(attach("t_parse_bad", &sess2), 0);
	cmd_tur(&c);
	EXPECT_EQ(userdisk_emu_execute(sess2, &c, 3000), 0);
	EXPECT_EQ(c.status, 2);
	EXPECT_EQ(c.sense[2], 0x04);
	EXPECT_EQ(c.sense[12], 0x44);
	EXPECT_EQ(stats("t_parse_bad").bad_replies, 1);
	EXPECT_EQ(th_wait_count(&h2, &h2.n_errors, 1, 3000), 0);
	EXPECT_EQ(h2.last_errno, EINVAL);
	ok = 1;
out:
	th_destroy(&h);
	if (h2_on)
		th_destroy(&h2);
	return ok;
}

static int t_extended_cdb(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_extcdb");
	uint64_t sess;
	struct userdisk_emu_command c;
	o.hold_exec = 1;
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_extcdb", &sess), 0);
	memset(&c, 0, sizeof(c));
	for (int i = 0; i < 32; i++)
		c.cdb[i] = (uint8_t)(0xC0 + i);
	c.cdb[0] = 0x7F;
	c.cdb_len = 32;
	c.data_direction = SCST_DATA_NONE;
	int64_t tag = userdisk_emu_submit(sess, &c);
	EXPECT_EQ(th_wait_held(&h, 1, 3000), 0);
	EXPECT_EQ(h.held[0].exec.cdb_len, 32);
	EXPECT_EQ(h.held[0].exec.cdb[15], 0xC0 + 15);
	uint8_t ext[16];
	struct scst_user_get_ext_cdb g;
	memset(ext, 0, sizeof(ext));
	memset(&g, 0, sizeof(g));
	g.cmd_h = h.held[0].cmd_h;
	g.ext_cdb_buffer = (uint64_t)(uintptr_t)ext;
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_GET_EXTENDED_CDB, &g), 0);
	for (int i = 0; i < 16; i++)
		EXPECT_EQ(ext[i], 0xC0 + 16 + i);
	g.cmd_h = 0xfffff;
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_GET_EXTENDED_CDB, &g), -ESRCH);
	uint32_t held_h = h.held[0].cmd_h;
	th_pause(&h); /* keep ON_FREE_CMD queued: the handle exists but is not with the handler */
	EXPECT_EQ(th_reply_held(&h, 0), 0);
	EXPECT_EQ(userdisk_emu_wait(tag, 3000), 0);
	g.cmd_h = held_h;
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_GET_EXTENDED_CDB, &g), -EINVAL);
	th_resume(&h);
	ok = 1;
out:
	th_resume(&h);
	th_destroy(&h);
	return ok;
}

static int t_set_options(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_setopt");
	uint64_t sess;
	struct scst_user_opt opt, got;
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_GET_OPTIONS, &opt), 0);
	EXPECT(memcmp(&opt, &o.opt, sizeof(opt)) == 0);
	opt.qerr = 2;
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_SET_OPTIONS, &opt), -EINVAL);
	opt.qerr = 1;
	opt.tst = 0; /* no sessions yet: allowed */
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_SET_OPTIONS, &opt), 0);
	EXPECT_EQ(userdisk_emu_device_options("t_setopt", &got, NULL), 0);
	EXPECT_EQ(got.qerr, 1);
	EXPECT_EQ(got.tst, 0);
	EXPECT_EQ(attach("t_setopt", &sess), 0);
	opt.tst = 1;
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_SET_OPTIONS, &opt), -EINVAL);
	opt.tst = 0;
	opt.swp = 1;
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_SET_OPTIONS, &opt), 0);
	/* SWP: the core refuses medium writes with DATA PROTECT */
	struct userdisk_emu_command c;
	uint8_t buf[512] = { 0 };
	cmd_rw(&c, 1, 0, 1, buf);
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	EXPECT_EQ(c.status, 2);
	EXPECT_EQ(c.sense[2], 0x07);
	ok = 1;
out:
	th_destroy(&h);
	return ok;
}

static int t_write_same_background(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_ws");
	uint64_t sess;
	struct userdisk_emu_command c;
	uint8_t blk[512] = { 0 };
	o.hold_exec = 1;
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_ws", &sess), 0);
	/* WRITE SAME(10) answered DO_WRITE_SAME */
	memset(&c, 0, sizeof(c));
	c.cdb[0] = 0x41;
	c.cdb[8] = 16;
	c.cdb_len = 10;
	c.data_direction = SCST_DATA_WRITE;
	c.bufflen = 512;
	c.data_out = blk;
	int64_t tag = userdisk_emu_submit(sess, &c);
	EXPECT_EQ(th_wait_held(&h, 1, 3000), 0);
	EXPECT_EQ(h.held[0].exec.data_len, 16 * 512);
	struct scst_user_reply_cmd r;
	th_take_reply(&h, 0, &r);
	r.exec_reply.reply_type = SCST_EXEC_REPLY_DO_WRITE_SAME;
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_REPLY_CMD, &r), 0);
	EXPECT_EQ(userdisk_emu_wait(tag, 3000), 0);
	EXPECT_EQ(c.status, 0);
	EXPECT_EQ(stats("t_ws").violations, 0);
	/* DO_WRITE_SAME for a WRITE(10): rejected */
	cmd_rw(&c, 1, 0, 1, blk);
	tag = userdisk_emu_submit(sess, &c);
	EXPECT_EQ(th_wait_held(&h, 1, 3000), 0);
	th_take_reply(&h, 0, &r);
	r.exec_reply.reply_type = SCST_EXEC_REPLY_DO_WRITE_SAME;
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_REPLY_CMD, &r), -EINVAL);
	EXPECT_EQ(userdisk_emu_wait(tag, 3000), 0);
	EXPECT_EQ(c.status, 2);
	EXPECT_EQ(c.sense[2], 0x0B);
	EXPECT_EQ(stats("t_ws").bad_replies, 1);
	/* BACKGROUND: GOOD at once, then a second COMPLETED reply */
	cmd_rw(&c, 1, 0, 1, blk);
	tag = userdisk_emu_submit(sess, &c);
	EXPECT_EQ(th_wait_held(&h, 1, 3000), 0);
	th_take_reply(&h, 0, &r);
	r.exec_reply.reply_type = SCST_EXEC_REPLY_BACKGROUND;
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_REPLY_CMD, &r), 0);
	EXPECT_EQ(userdisk_emu_wait(tag, 3000), 0);
	EXPECT_EQ(c.status, 0);
	uint64_t frees = h.n_on_free;
	sleep_ms(30);
	EXPECT_EQ(h.n_on_free, frees); /* not freed before the second reply */
	r.exec_reply.reply_type = SCST_EXEC_REPLY_COMPLETED;
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_REPLY_CMD, &r), 0);
	EXPECT_EQ(th_wait_count(&h, &h.n_on_free, frees + 1, 3000), 0);
	/* bad reply types and lengths */
	cmd_tur(&c);
	tag = userdisk_emu_submit(sess, &c);
	EXPECT_EQ(th_wait_held(&h, 1, 3000), 0);
	th_take_reply(&h, 0, &r);
	r.exec_reply.reply_type = 7;
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_REPLY_CMD, &r), -EINVAL);
	EXPECT_EQ(userdisk_emu_wait(tag, 3000), 0);
	EXPECT_EQ(c.status, 2);
	cmd_tur(&c);
	tag = userdisk_emu_submit(sess, &c);
	EXPECT_EQ(th_wait_held(&h, 1, 3000), 0);
	th_take_reply(&h, 0, &r);
	r.exec_reply.resp_data_len = 10; /* data-in for a NONE command */
	EXPECT_EQ(emu_ioctl_err(h.fd, SCST_USER_REPLY_CMD, &r), -EINVAL);
	EXPECT_EQ(userdisk_emu_wait(tag, 3000), 0);
	EXPECT_EQ(stats("t_ws").bad_replies, 3);
	ok = 1;
out:
	th_destroy(&h);
	return ok;
}

static int t_read_only_lun(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_ro");
	uint64_t sess;
	struct userdisk_emu_command c;
	uint8_t buf[512] = { 0 };
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(userdisk_emu_attach("t_ro", 0, "i", "t", 1, 3000, &sess), 0);
	cmd_rw(&c, 1, 0, 1, buf);
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	EXPECT_EQ(c.status, 2);
	EXPECT_EQ(c.sense[2], 0x07);
	cmd_rw(&c, 0, 0, 1, buf);
	EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
	EXPECT_EQ(c.status, 0);
	ok = 1;
out:
	th_destroy(&h);
	return ok;
}

static int t_blocking_handler(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_blockh");
	uint64_t sess;
	struct userdisk_emu_command c;
	uint8_t buf[4096];
	o.blocking = 1;
	o.nthreads = 3;
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_blockh", &sess), 0);
	for (int i = 0; i < 50; i++) {
		cmd_rw(&c, i & 1, (uint32_t)i, 8, buf);
		EXPECT_EQ(userdisk_emu_execute(sess, &c, 3000), 0);
		EXPECT_EQ(c.status, 0);
	}
	EXPECT_EQ(stats("t_blockh").violations, 0);
	ok = 1;
out:
	th_destroy(&h);
	return ok;
}

static int t_load(void)
{
	int ok = 0;
	struct th h, h2;
	struct th_opts o = opts("t_load");
	struct th_opts o2 = opts("t_load_w");
	uint64_t sess, sess2;
	int h2_on = 0;
	o.nthreads = 2;
	o.batch = 8;
	o.opt.on_free_cmd_type = SCST_USER_ON_FREE_CMD_IGNORE;
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_load", &sess), 0);
	struct userdisk_emu_load l;
	memset(&l, 0, sizeof(l));
	l.sess_h = sess;
	cdb_rw10(l.cdb, 0, 0, 8);
	l.cdb_len = 10;
	l.data_direction = SCST_DATA_READ;
	l.bufflen = 4096;
	l.block_size = 512;
	l.queue_depth = 16;
	l.lba_count = 4000;
	l.total_commands = 20000;
	th_pause(&h); /* the load cannot finish (~2 ms) before the second start below */
	int64_t id = userdisk_emu_load_start(&l);
	EXPECT(id > 0);
	EXPECT_EQ(userdisk_emu_load_start(&l), -EBUSY);
	th_resume(&h);
	EXPECT_EQ(userdisk_emu_load_wait(id, 30000), 0);
	EXPECT_EQ(l.completed, 20000);
	EXPECT_EQ(l.not_good, 0);
	EXPECT(l.elapsed_ns > 0);
	EXPECT_EQ(userdisk_emu_load_wait(id, 10), -ENOENT);
	struct userdisk_emu_stats s = stats("t_load");
	EXPECT_EQ(s.violations, 0);
	EXPECT_EQ(s.commands_completed, 20000);
	EXPECT(s.cache_hits >= 20000 - 16);
	/* random WRITE load, NO_REUSE + ON_FREE_CMD */
	o2.opt.memory_reuse_type = SCST_USER_MEM_NO_REUSE;
	o2.nthreads = 2;
	EXPECT_EQ(th_start(&h2, &o2), 0);
	h2_on = 1;
	EXPECT_EQ(attach("t_load_w", &sess2), 0);
	memset(&l, 0, sizeof(l));
	l.sess_h = sess2;
	cdb_rw10(l.cdb, 1, 0, 16);
	l.cdb_len = 10;
	l.data_direction = SCST_DATA_WRITE;
	l.random = 1;
	l.bufflen = 8192;
	l.block_size = 512;
	l.queue_depth = 8;
	l.lba_count = 4000;
	l.total_commands = 3000;
	id = userdisk_emu_load_start(&l);
	EXPECT(id > 0);
	EXPECT_EQ(userdisk_emu_load_wait(id, 30000), 0);
	EXPECT_EQ(l.completed, 3000);
	EXPECT_EQ(l.not_good, 0);
	EXPECT_EQ(th_wait_count(&h2, &h2.n_on_free, 3000, 5000), 0);
	sleep_ms(20);
	EXPECT_EQ(th_outstanding(&h2), 0);
	EXPECT_EQ(stats("t_load_w").violations, 0);
	ok = 1;
out:
	th_destroy(&h);
	if (h2_on)
		th_destroy(&h2);
	return ok;
}

static int t_load_close(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_load_close");
	uint64_t sess;
	o.hold_exec = 1;
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_load_close", &sess), 0);
	struct userdisk_emu_load l;
	memset(&l, 0, sizeof(l));
	l.sess_h = sess;
	l.cdb_len = 6;
	l.data_direction = SCST_DATA_NONE;
	l.queue_depth = 4;
	l.total_commands = 1000;
	int64_t id = userdisk_emu_load_start(&l);
	EXPECT(id > 0);
	EXPECT_EQ(th_wait_held(&h, 4, 3000), 0);
	EXPECT_EQ(userdisk_emu_load_wait(id, 50), -ETIMEDOUT);
	th_stop(&h);
	userdisk_emu_close(h.fd);
	h.fd = -1;
	EXPECT_EQ(userdisk_emu_load_wait(id, 3000), 0);
	EXPECT_EQ(l.completed, 4);
	EXPECT_EQ(l.not_good, 4);
	ok = 1;
out:
	th_destroy(&h);
	return ok;
}

static int t_submit_validation(void)
{
	int ok = 0;
	struct th h;
	struct th_opts o = opts("t_submitval");
	uint64_t sess;
	struct userdisk_emu_command c;
	EXPECT_EQ(th_start(&h, &o), 0);
	EXPECT_EQ(attach("t_submitval", &sess), 0);
	cmd_tur(&c);
	c.data_direction = SCST_DATA_BIDI;
	EXPECT_EQ(userdisk_emu_submit(sess, &c), -EINVAL);
	cmd_tur(&c);
	c.bufflen = 10;
	EXPECT_EQ(userdisk_emu_submit(sess, &c), -EINVAL);
	cmd_tur(&c);
	c.cdb_len = 0;
	EXPECT_EQ(userdisk_emu_submit(sess, &c), -EINVAL);
	cmd_tur(&c);
	EXPECT_EQ(userdisk_emu_submit(sess + 1, &c), -ENOENT);
	EXPECT_EQ(userdisk_emu_wait(987654321, 10), -ENOENT);
	ok = 1;
out:
	th_destroy(&h);
	return ok;
}

/* ======================================== harness =========================================================== */

static const struct test tests[] = {
	{ "version", t_version },
	{ "open_bad_path", t_open_bad_path },
	{ "enodev_before_register", t_enodev_before_register },
	{ "pollnval", t_pollnval },
	{ "register_license_eperm", t_register_license },
	{ "register_version_einval", t_register_version },
	{ "register_bad_name", t_register_bad_name },
	{ "register_bad_block_size", t_register_bad_block_size },
	{ "register_bad_options", t_register_bad_options },
	{ "register_duplicate_and_double", t_register_duplicate },
	{ "device_hooks", t_device_hooks },
	{ "attach_detach", t_attach_detach },
	{ "attach_timeout_late_reply", t_attach_timeout_late },
	{ "attach_nonzero_result", t_attach_nonzero },
	{ "write_read_cold_warm_cache", t_write_read_cache },
	{ "no_reuse_on_free_cmd", t_no_reuse_on_free },
	{ "big_buffer_cached_free_at_once", t_big_buffer },
	{ "misaligned_cached_buffer", t_misaligned_cached },
	{ "double_reply_einval", t_double_reply },
	{ "reply_to_freed_owner_esrch", t_double_reply_idle },
	{ "unknown_handle_esrch", t_unknown_handle },
	{ "subcode_mismatch_force_completes", t_subcode_mismatch },
	{ "multi_replies_done_on_failure", t_multi_replies_done },
	{ "multi_eagain_nonblocking", t_multi_eagain },
	{ "blocking_unregister_wakes", t_blocking_unregister },
	{ "blocking_close_wakes", t_blocking_close },
	{ "abort_task_held", t_abort_task },
	{ "lun_reset_held_and_queued", t_lun_reset },
	{ "tm_result_passthrough", t_tm_result },
	{ "detach_waits_for_held", t_detach_held },
	{ "capacity_changed_ua", t_capacity_changed },
	{ "capacity_changed_non_disk", t_capacity_non_disk },
	{ "flush_cache", t_flush_cache },
	{ "prealloc_buffer", t_prealloc },
	{ "freed_held_buffer", t_freed_held_buffer },
	{ "close_with_tmf_in_flight", t_close_inflight },
	{ "close_statuses", t_close_statuses },
	{ "close_fails_attach_waiter", t_close_attach_waiter },
	{ "event_device", t_event_device },
	{ "event_blocking_get", t_event_blocking },
	{ "event_queue_limit", t_event_queue_limit },
	{ "parse_call", t_parse_call },
	{ "get_extended_cdb", t_extended_cdb },
	{ "set_get_options", t_set_options },
	{ "write_same_background_bad_replies", t_write_same_background },
	{ "read_only_lun", t_read_only_lun },
	{ "blocking_handler_threads", t_blocking_handler },
	{ "load_generator", t_load },
	{ "load_finishes_on_close", t_load_close },
	{ "submit_validation", t_submit_validation },
};

#ifdef EMU_TEST_REMOTE
#define PROGRAM "emu-test-remote"
#else
#define PROGRAM "emu-test"
#endif

int main(int argc, char **argv)
{
#ifdef EMU_TEST_REMOTE
	char dir[] = "/tmp/emu-test-remote-XXXXXX", path[128];
	if (mkdtemp(dir) == NULL) {
		perror(PROGRAM ": mkdtemp");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/emu.sock", dir);
	int lr = userdisk_emu_listen(path);
	if (lr != 0) {
		fprintf(stderr, PROGRAM ": userdisk_emu_listen: %s\n", strerror(-lr));
		return 2;
	}
	setenv(USERDISK_EMU_SOCKET_ENV, path, 1);
#endif
	int failed = emu_run_tests(PROGRAM, tests, sizeof(tests) / sizeof(tests[0]), argc > 1 ? argv[1] : NULL);
#ifdef EMU_TEST_REMOTE
	userdisk_emu_listen_stop();
	rmdir(dir);
#endif
	return failed ? 1 : 0;
}
