/* emu_handler.c - see emu_handler.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emu_handler.h"

static const uint8_t sense_lba_oor[18] = { 0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x21, 0x00 };

int emu_ioctl_err(int fd, unsigned long req, void *arg)
{
	return userdisk_emu_ioctl(fd, req, arg) < 0 ? -errno : 0;
}

void cdb_rw10(uint8_t *cdb, int write, uint32_t lba, uint16_t blocks)
{
	memset(cdb, 0, 16);
	cdb[0] = write ? 0x2A : 0x28;
	cdb[2] = (uint8_t)(lba >> 24);
	cdb[3] = (uint8_t)(lba >> 16);
	cdb[4] = (uint8_t)(lba >> 8);
	cdb[5] = (uint8_t)lba;
	cdb[7] = (uint8_t)(blocks >> 8);
	cdb[8] = (uint8_t)blocks;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* ---- buffers ------------------------------------------------------------------------------------------------- */

void *th_alloc(struct th *h, size_t len, int misalign)
{
	void *base = NULL;
	if (posix_memalign(&base, 4096, len + 4096) != 0)
		return NULL;
	void *p = (uint8_t *)base + (misalign ? 16 : 0);
	pthread_mutex_lock(&h->lock);
	if (h->nbufs < TH_MAX_BUFS) {
		h->bufs[h->nbufs].ptr = p;
		h->bufs[h->nbufs].base = base;
		h->bufs[h->nbufs].len = len;
		h->nbufs++;
	} else {
		free(base);
		p = NULL;
	}
	pthread_mutex_unlock(&h->lock);
	return p;
}

static void th_free(struct th *h, uint64_t pbuf)
{
	void *base = NULL;
	pthread_mutex_lock(&h->lock);
	for (int i = 0; i < h->nbufs; i++)
		if ((uint64_t)(uintptr_t)h->bufs[i].ptr == pbuf) {
			base = h->bufs[i].base;
			h->bufs[i] = h->bufs[--h->nbufs];
			break;
		}
	if (base == NULL)
		h->bad_frees++;
	pthread_mutex_unlock(&h->lock);
	free(base);
}

int th_outstanding(struct th *h)
{
	pthread_mutex_lock(&h->lock);
	int n = h->nbufs;
	pthread_mutex_unlock(&h->lock);
	return n;
}

/* ---- command handling ---------------------------------------------------------------------------------------- */

static uint64_t be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Performs EXEC x (data to/from the RAM disk) and fills the reply. */
static void do_exec(struct th *h, uint32_t cmd_h, uint32_t sub, const struct scst_user_scsi_cmd_exec *x,
		    struct scst_user_reply_cmd *r)
{
	memset(r, 0, sizeof(*r));
	r->cmd_h = cmd_h;
	r->subcode = sub;
	r->exec_reply.reply_type = SCST_EXEC_REPLY_COMPLETED;
	if (h->o.null_handler) {
		if (x->data_direction == SCST_DATA_READ) {
			r->exec_reply.resp_data_len = x->bufflen;
			if (x->pbuf == 0)
				r->exec_reply.pbuf = (uint64_t)(uintptr_t)th_alloc(h, (size_t)x->alloc_len, 0);
		}
		return;
	}
	uint8_t *buf = (uint8_t *)(uintptr_t)x->pbuf;
	if (x->data_direction == SCST_DATA_READ && buf == NULL) {
		buf = th_alloc(h, (size_t)x->alloc_len, h->o.misalign);
		r->exec_reply.pbuf = (uint64_t)(uintptr_t)buf;
	}
	uint32_t bs = h->o.block_size;
	uint64_t lba = 0, blocks = 0;
	int rw = 0;
	switch (x->cdb[0]) {
	case 0x28: case 0x2A:
		lba = be(x->cdb + 2, 4);
		blocks = be(x->cdb + 7, 2);
		rw = 1;
		break;
	case 0x88: case 0x8A:
		lba = be(x->cdb + 2, 8);
		blocks = be(x->cdb + 10, 4);
		rw = 1;
		break;
	default:
		break;
	}
	if (rw && (lba + blocks) * bs > h->disk_bytes) {
		r->exec_reply.status = 0x02;
		r->exec_reply.sense_len = sizeof(sense_lba_oor);
		r->exec_reply.psense_buffer = (uint64_t)(uintptr_t)sense_lba_oor;
		return;
	}
	if (x->data_direction == SCST_DATA_READ) {
		if (rw)
			memcpy(buf, h->disk + lba * bs, (size_t)x->bufflen);
		else
			memset(buf, 0x5A, (size_t)x->bufflen);
		r->exec_reply.resp_data_len = x->bufflen;
	} else if (x->data_direction == SCST_DATA_WRITE) {
		if (rw)
			memcpy(h->disk + lba * bs, buf, (size_t)x->bufflen);
		if (h->o.reply_type)
			r->exec_reply.reply_type = (uint8_t)h->o.reply_type;
	}
}

/* One subcommand; returns 1 if *r is a reply to send. */
static int handle(struct th *h, const struct scst_user_get_cmd *c, struct scst_user_reply_cmd *r)
{
	memset(r, 0, sizeof(*r));
	r->cmd_h = c->cmd_h;
	r->subcode = c->subcode;
	switch (c->subcode) {
	case SCST_USER_ATTACH_SESS:
		pthread_mutex_lock(&h->lock);
		h->n_attach++;
		h->last_sess = c->sess;
		pthread_mutex_unlock(&h->lock);
		if (h->o.attach_delay_ms)
			sleep_ms(h->o.attach_delay_ms);
		r->result = h->o.attach_result;
		return 1;
	case SCST_USER_DETACH_SESS:
		pthread_mutex_lock(&h->lock);
		h->n_detach++;
		pthread_mutex_unlock(&h->lock);
		return 1;
	case SCST_USER_PARSE: {
		const struct scst_user_scsi_cmd_parse *p = &c->parse_cmd;
		pthread_mutex_lock(&h->lock);
		h->n_parse++;
		pthread_mutex_unlock(&h->lock);
		struct scst_user_scsi_cmd_reply_parse *q = &r->parse_reply;
		q->status = 0;
		q->queue_type = p->queue_type;
		q->data_direction = p->data_direction;
		q->lba = p->lba;
		q->data_len = p->data_len;
		q->bufflen = p->bufflen;
		q->op_flags = h->o.bad_parse ? 0 : (p->op_flags | SCST_INFO_VALID);
		return 1;
	}
	case SCST_USER_ALLOC_MEM: {
		pthread_mutex_lock(&h->lock);
		h->n_alloc++;
		pthread_mutex_unlock(&h->lock);
		r->alloc_reply.pbuf = (uint64_t)(uintptr_t)th_alloc(h, (size_t)c->alloc_cmd.alloc_len, h->o.misalign);
		return 1;
	}
	case SCST_USER_EXEC:
		pthread_mutex_lock(&h->lock);
		h->n_exec++;
		h->n_exec_with_pbuf += c->exec_cmd.pbuf != 0;
		h->last_exec_pbuf = c->exec_cmd.pbuf;
		h->last_exec_alloc_len = c->exec_cmd.alloc_len;
		if (h->o.hold_exec && h->nheld < TH_MAX_HELD) {
			h->held[h->nheld].cmd_h = c->cmd_h;
			h->held[h->nheld].subcode = c->subcode;
			h->held[h->nheld].exec = c->exec_cmd;
			h->nheld++;
			pthread_cond_broadcast(&h->cv);
			pthread_mutex_unlock(&h->lock);
			return 0;
		}
		pthread_mutex_unlock(&h->lock);
		do_exec(h, c->cmd_h, c->subcode, &c->exec_cmd, r);
		return 1;
	case SCST_USER_ON_FREE_CMD: {
		const struct scst_user_scsi_on_free_cmd *f = &c->on_free_cmd;
		pthread_mutex_lock(&h->lock);
		h->n_on_free++;
		h->n_on_free_aborted += f->aborted;
		h->last_on_free = *f;
		pthread_cond_broadcast(&h->cv);
		pthread_mutex_unlock(&h->lock);
		if (!f->buffer_cached && f->pbuf)
			th_free(h, f->pbuf);
		return 1;
	}
	case SCST_USER_ON_CACHED_MEM_FREE:
		pthread_mutex_lock(&h->lock);
		h->n_on_cached++;
		h->last_cached_free_h = c->cmd_h;
		h->last_cached_free_pbuf = c->on_cached_mem_free.pbuf;
		pthread_mutex_unlock(&h->lock);
		th_free(h, c->on_cached_mem_free.pbuf);
		return 1;
	case SCST_USER_TASK_MGMT_RECEIVED:
		pthread_mutex_lock(&h->lock);
		h->n_tm_recv++;
		h->last_tm = c->tm_cmd;
		pthread_cond_broadcast(&h->cv);
		pthread_mutex_unlock(&h->lock);
		return 1;
	case SCST_USER_TASK_MGMT_DONE:
		pthread_mutex_lock(&h->lock);
		h->n_tm_done++;
		pthread_mutex_unlock(&h->lock);
		r->result = h->o.tm_done_result;
		return 1;
	default:
		return 1;
	}
}

static void *thread_main(void *arg)
{
	struct th *h = arg;
	int cap = h->o.batch > 0 ? h->o.batch : 4;
	struct scst_user_get_multi *m = calloc(1, sizeof(*m) + (size_t)cap * sizeof(struct scst_user_get_cmd));
	struct scst_user_reply_cmd *rep = calloc((size_t)cap, sizeof(*rep));
	int nrep = 0;
	if (m == NULL || rep == NULL)
		goto out;
	while (!h->stop) {
		if (h->paused) {
			pthread_mutex_lock(&h->lock);
			h->parked++;
			pthread_cond_broadcast(&h->cv);
			while (h->paused && !h->stop)
				pthread_cond_wait(&h->cv, &h->lock);
			h->parked--;
			pthread_mutex_unlock(&h->lock);
			continue;
		}
		m->preplies = (uint64_t)(uintptr_t)rep;
		m->replies_cnt = (int16_t)nrep;
		m->replies_done = 0;
		m->cmds_cnt = (int16_t)cap;
		if (userdisk_emu_ioctl(h->fd, SCST_USER_REPLY_AND_GET_MULTI, m) < 0) {
			int e = errno;
			if (e == EAGAIN) {
				nrep = 0;
				struct pollfd p = { .fd = h->fd, .events = POLLIN };
				if (h->o.blocking)
					sleep_ms(1); /* woken by UNREGISTER_DEVICE or close: the fd stays readable */
				else
					userdisk_emu_poll(&p, 1, 20);
				continue;
			}
			pthread_mutex_lock(&h->lock);
			h->n_errors++;
			h->last_errno = e;
			pthread_mutex_unlock(&h->lock);
			if (e == EBADF || e == ENODEV || e == ENOTCONN)
				sleep_ms(1);
			int done = m->replies_done;
			if (done < 0 || done >= nrep) {
				nrep = 0;
			} else {
				int rest = nrep - done - 1; /* the failing one was consumed */
				memmove(rep, rep + done + 1, (size_t)rest * sizeof(*rep));
				nrep = rest;
			}
			continue;
		}
		nrep = 0;
		for (int i = 0; i < m->cmds_cnt; i++)
			if (handle(h, &m->cmds[i], &rep[nrep]))
				nrep++;
	}
	/* answers not yet delivered */
	for (int i = 0; i < nrep; i++)
		userdisk_emu_ioctl(h->fd, SCST_USER_REPLY_CMD, &rep[i]);
out:
	free(m);
	free(rep);
	return NULL;
}

/* ---- lifecycle ----------------------------------------------------------------------------------------------- */

int th_start(struct th *h, const struct th_opts *o)
{
	memset(h, 0, sizeof(*h));
	h->o = *o;
	h->fd = -1;
	if (h->o.block_size == 0)
		h->o.block_size = 512;
	if (h->o.disk_blocks == 0)
		h->o.disk_blocks = 4096;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cv, NULL);
	h->disk_bytes = (uint64_t)h->o.disk_blocks * h->o.block_size;
	h->disk = calloc(1, (size_t)h->disk_bytes);
	if (h->disk == NULL)
		return -ENOMEM;
	h->fd = userdisk_emu_open("/dev/scst_user", O_RDWR | (o->blocking ? 0 : O_NONBLOCK));
	if (h->fd < 0) {
		int e = errno;
		free(h->disk);
		h->disk = NULL;
		return -e;
	}
	static char ver[128], lic[128];
	memset(ver, 0, sizeof(ver));
	memset(lic, 0, sizeof(lic));
	strcpy(ver, userdisk_emu_version());
	strcpy(lic, "GPL");
	struct scst_user_dev_desc desc;
	memset(&desc, 0, sizeof(desc));
	desc.version_str = (uint64_t)(uintptr_t)ver;
	desc.license_str = (uint64_t)(uintptr_t)lic;
	desc.type = o->type;
	desc.block_size = h->o.block_size;
	desc.opt = o->opt;
	strncpy(desc.name, o->name, sizeof(desc.name) - 1);
	int r = emu_ioctl_err(h->fd, SCST_USER_REGISTER_DEVICE, &desc);
	if (r != 0) {
		userdisk_emu_close(h->fd);
		h->fd = -1;
		free(h->disk);
		h->disk = NULL;
		return r;
	}
	h->nthreads = o->nthreads > 0 ? o->nthreads : 1;
	if (h->nthreads > TH_MAX_THREADS)
		h->nthreads = TH_MAX_THREADS;
	for (int i = 0; i < h->nthreads; i++)
		pthread_create(&h->thr[i], NULL, thread_main, h);
	return 0;
}

void th_pause(struct th *h)
{
	pthread_mutex_lock(&h->lock);
	h->paused = 1;
	while (h->parked < h->nthreads)
		pthread_cond_wait(&h->cv, &h->lock);
	pthread_mutex_unlock(&h->lock);
}

void th_resume(struct th *h)
{
	pthread_mutex_lock(&h->lock);
	h->paused = 0;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->lock);
}

void th_stop(struct th *h)
{
	if (h->nthreads == 0)
		return;
	pthread_mutex_lock(&h->lock);
	h->stop = 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->lock);
	if (h->o.blocking && h->fd >= 0)
		userdisk_emu_ioctl(h->fd, SCST_USER_UNREGISTER_DEVICE, NULL);
	for (int i = 0; i < h->nthreads; i++)
		pthread_join(h->thr[i], NULL);
	h->nthreads = 0;
}

void th_destroy(struct th *h)
{
	th_stop(h);
	if (h->fd >= 0)
		userdisk_emu_close(h->fd);
	h->fd = -1;
	for (int i = 0; i < h->nbufs; i++)
		free(h->bufs[i].base);
	h->nbufs = 0;
	free(h->disk);
	h->disk = NULL;
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->cv);
}

static int wait_until(struct th *h, int (*pred)(struct th *, const void *, uint64_t), const void *a, uint64_t n,
		      int timeout_ms)
{
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	int ret = 0;
	pthread_mutex_lock(&h->lock);
	while (!pred(h, a, n)) {
		/* counters are also bumped without a broadcast: poll every 10 ms */
		struct timespec now, step;
		clock_gettime(CLOCK_REALTIME, &now);
		step = now;
		step.tv_nsec += 10000000L;
		if (step.tv_nsec >= 1000000000L) {
			step.tv_sec++;
			step.tv_nsec -= 1000000000L;
		}
		if (now.tv_sec > dl.tv_sec || (now.tv_sec == dl.tv_sec && now.tv_nsec >= dl.tv_nsec)) {
			ret = pred(h, a, n) ? 0 : -ETIMEDOUT;
			break;
		}
		pthread_cond_timedwait(&h->cv, &h->lock, &step);
	}
	pthread_mutex_unlock(&h->lock);
	return ret;
}

static int pred_held(struct th *h, const void *a, uint64_t n)
{
	(void)a;
	return (uint64_t)h->nheld >= n;
}

static int pred_count(struct th *h, const void *a, uint64_t n)
{
	(void)h;
	return *(const uint64_t *)a >= n;
}

int th_wait_held(struct th *h, int n, int timeout_ms)
{
	return wait_until(h, pred_held, NULL, (uint64_t)n, timeout_ms);
}

int th_wait_count(struct th *h, const uint64_t *counter, uint64_t n, int timeout_ms)
{
	return wait_until(h, pred_count, counter, n, timeout_ms);
}

void th_take_reply(struct th *h, int idx, struct scst_user_reply_cmd *reply)
{
	struct th_held c;
	pthread_mutex_lock(&h->lock);
	c = h->held[idx];
	h->held[idx] = h->held[--h->nheld];
	pthread_mutex_unlock(&h->lock);
	do_exec(h, c.cmd_h, c.subcode, &c.exec, reply);
}

int th_reply_held(struct th *h, int idx)
{
	struct scst_user_reply_cmd r;
	th_take_reply(h, idx, &r);
	return emu_ioctl_err(h->fd, SCST_USER_REPLY_CMD, &r);
}
