/*
 * emu_bench.c - the emulator's own cost per command (build/emu-bench).
 *
 * A null handler (every EXEC answered GOOD at once, data untouched; REUSE_ALL + ON_FREE IGNORE so the steady state
 * has no ALLOC_MEM / ON_FREE_CMD) with 1 or 2 threads doing poll + REPLY_AND_GET_MULTI, driven by the emulator's
 * closed-loop load generator with READ(10) of 4 KiB and 128 KiB. One line per case:
 *   threads=<n> bufflen=<bytes> qd=<depth> commands=<n> seconds=<s> cmds/s=<rate> violations=<n>
 * Usage: emu-bench [commands]   (default 2000000)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "userdisk_scst_emu.h"

#define BATCH 32

struct bench_handler {
	int fd;
	volatile int stop;
	pthread_mutex_t lock;
	void **bufs;
	int nbufs, cap;
};

static void *remember(struct bench_handler *h, size_t len)
{
	void *p = NULL;
	if (posix_memalign(&p, 4096, len) != 0)
		return NULL;
	pthread_mutex_lock(&h->lock);
	if (h->nbufs == h->cap) {
		int nc = h->cap ? h->cap * 2 : 64;
		void **nb = realloc(h->bufs, (size_t)nc * sizeof(*nb));
		if (nb == NULL) {
			pthread_mutex_unlock(&h->lock);
			free(p);
			return NULL;
		}
		h->bufs = nb;
		h->cap = nc;
	}
	h->bufs[h->nbufs++] = p;
	pthread_mutex_unlock(&h->lock);
	return p;
}

static void forget(struct bench_handler *h, void *p)
{
	pthread_mutex_lock(&h->lock);
	for (int i = 0; i < h->nbufs; i++)
		if (h->bufs[i] == p) {
			h->bufs[i] = h->bufs[--h->nbufs];
			free(p);
			break;
		}
	pthread_mutex_unlock(&h->lock);
}

static void *handler_thread(void *arg)
{
	struct bench_handler *h = arg;
	struct scst_user_get_multi *m = calloc(1, sizeof(*m) + BATCH * sizeof(struct scst_user_get_cmd));
	struct scst_user_reply_cmd rep[BATCH];
	int nrep = 0;
	if (m == NULL)
		return NULL;
	while (!h->stop) {
		m->preplies = (uint64_t)(uintptr_t)rep;
		m->replies_cnt = (int16_t)nrep;
		m->cmds_cnt = BATCH;
		if (userdisk_emu_ioctl(h->fd, SCST_USER_REPLY_AND_GET_MULTI, m) < 0) {
			if (errno != EAGAIN)
				fprintf(stderr, "emu-bench: REPLY_AND_GET_MULTI: %s\n", strerror(errno));
			nrep = 0;
			struct pollfd p = { .fd = h->fd, .events = POLLIN };
			userdisk_emu_poll(&p, 1, 10);
			continue;
		}
		nrep = 0;
		for (int i = 0; i < m->cmds_cnt; i++) {
			const struct scst_user_get_cmd *c = &m->cmds[i];
			struct scst_user_reply_cmd *r = &rep[nrep++];
			memset(r, 0, sizeof(*r));
			r->cmd_h = c->cmd_h;
			r->subcode = c->subcode;
			switch (c->subcode) {
			case SCST_USER_EXEC:
				r->exec_reply.reply_type = SCST_EXEC_REPLY_COMPLETED;
				if (c->exec_cmd.data_direction == SCST_DATA_READ) {
					r->exec_reply.resp_data_len = c->exec_cmd.bufflen;
					if (c->exec_cmd.pbuf == 0)
						r->exec_reply.pbuf =
							(uint64_t)(uintptr_t)remember(h, (size_t)c->exec_cmd.alloc_len);
				}
				break;
			case SCST_USER_ALLOC_MEM:
				r->alloc_reply.pbuf = (uint64_t)(uintptr_t)remember(h, (size_t)c->alloc_cmd.alloc_len);
				break;
			case SCST_USER_ON_CACHED_MEM_FREE:
				forget(h, (void *)(uintptr_t)c->on_cached_mem_free.pbuf);
				break;
			default: /* ATTACH/DETACH/TM/ON_FREE: result 0 */
				break;
			}
		}
	}
	for (int i = 0; i < nrep; i++)
		userdisk_emu_ioctl(h->fd, SCST_USER_REPLY_CMD, &rep[i]);
	free(m);
	return NULL;
}

static int run_case(int threads, int32_t bufflen, uint32_t qd, uint64_t total)
{
	static int seq;
	char name[SCST_MAX_NAME];
	static char ver[128], lic[128];
	struct bench_handler h;
	pthread_t thr[2];
	int ret = 1;

	memset(&h, 0, sizeof(h));
	pthread_mutex_init(&h.lock, NULL);
	snprintf(name, sizeof(name), "emu-bench-%d", ++seq);
	memset(ver, 0, sizeof(ver));
	memset(lic, 0, sizeof(lic));
	strcpy(ver, userdisk_emu_version());
	strcpy(lic, "GPL");
	h.fd = userdisk_emu_open("/dev/scst_user", O_RDWR | O_NONBLOCK);
	if (h.fd < 0) {
		perror("emu-bench: open");
		return 1;
	}
	struct scst_user_dev_desc desc;
	memset(&desc, 0, sizeof(desc));
	desc.version_str = (uint64_t)(uintptr_t)ver;
	desc.license_str = (uint64_t)(uintptr_t)lic;
	desc.type = 0;
	desc.block_size = 512;
	desc.opt.parse_type = SCST_USER_PARSE_STANDARD;
	desc.opt.on_free_cmd_type = SCST_USER_ON_FREE_CMD_IGNORE;
	desc.opt.memory_reuse_type = SCST_USER_MEM_REUSE_ALL;
	desc.opt.tst = 1;
	desc.opt.queue_alg = 1;
	strcpy(desc.name, name);
	if (userdisk_emu_ioctl(h.fd, SCST_USER_REGISTER_DEVICE, &desc) < 0) {
		perror("emu-bench: REGISTER_DEVICE");
		userdisk_emu_close(h.fd);
		return 1;
	}
	for (int i = 0; i < threads; i++)
		pthread_create(&thr[i], NULL, handler_thread, &h);

	uint64_t sess = 0;
	int r = userdisk_emu_attach(name, 0, "bench-ini", "bench-tgt", 0, 5000, &sess);
	if (r != 0) {
		fprintf(stderr, "emu-bench: attach: %d\n", r);
		goto out;
	}
	struct userdisk_emu_load l;
	memset(&l, 0, sizeof(l));
	l.sess_h = sess;
	l.cdb[0] = 0x28;
	l.cdb[7] = (uint8_t)((bufflen / 512) >> 8);
	l.cdb[8] = (uint8_t)(bufflen / 512);
	l.cdb_len = 10;
	l.data_direction = SCST_DATA_READ;
	l.bufflen = bufflen;
	l.block_size = 512;
	l.queue_depth = qd;
	l.lba_count = 1u << 24;
	l.total_commands = total;
	int64_t id = userdisk_emu_load_start(&l);
	if (id < 0) {
		fprintf(stderr, "emu-bench: load_start: %lld\n", (long long)id);
		goto out;
	}
	r = userdisk_emu_load_wait(id, 600000);
	if (r != 0) {
		fprintf(stderr, "emu-bench: load_wait: %d\n", r);
		goto out;
	}
	struct userdisk_emu_stats s;
	userdisk_emu_stats(name, &s);
	double secs = (double)l.elapsed_ns / 1e9;
	printf("threads=%d bufflen=%d qd=%u commands=%llu seconds=%.3f cmds/s=%.0f not_good=%llu violations=%llu\n",
	       threads, bufflen, qd, (unsigned long long)l.completed, secs, (double)l.completed / secs,
	       (unsigned long long)l.not_good, (unsigned long long)s.violations);
	fflush(stdout);
	ret = l.completed == total && l.not_good == 0 && s.violations == 0 ? 0 : 1;
out:
	h.stop = 1;
	for (int i = 0; i < threads; i++)
		pthread_join(thr[i], NULL);
	userdisk_emu_close(h.fd);
	for (int i = 0; i < h.nbufs; i++)
		free(h.bufs[i]);
	free(h.bufs);
	pthread_mutex_destroy(&h.lock);
	return ret;
}

int main(int argc, char **argv)
{
	uint64_t total = argc > 1 ? strtoull(argv[1], NULL, 10) : 2000000;
	int rc = 0;
	if (total == 0)
		total = 2000000;
	for (int threads = 1; threads <= 2; threads++) {
		rc |= run_case(threads, 4096, 64, total);
		rc |= run_case(threads, 131072, 64, total);
	}
	return rc;
}
