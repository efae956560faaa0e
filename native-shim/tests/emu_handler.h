/*
 * emu_handler.h - a small C scst_user handler for the emulator's tests: N threads that poll + REPLY_AND_GET_MULTI,
 * a RAM disk, buffer bookkeeping (every buffer it hands out is tracked; a free of an unknown buffer is counted),
 * and switches that make it misbehave or hold commands so the tests can reply by hand.
 */
#ifndef EMU_HANDLER_H
#define EMU_HANDLER_H

#include <pthread.h>
#include <stdint.h>

#include "userdisk_scst_emu.h"

#define TH_MAX_THREADS 8
#define TH_MAX_HELD 256
#define TH_MAX_BUFS 4096

struct th_opts {
	const char *name;
	int nthreads;  /* default 1 */
	int blocking;  /* open without O_NONBLOCK (threads then block in the ioctl instead of poll) */
	int batch;     /* commands per REPLY_AND_GET_MULTI, default 4 */
	uint8_t type;  /* peripheral type, default 0 */
	uint32_t block_size;
	struct scst_user_opt opt;
	int attach_delay_ms;
	int32_t attach_result;
	int32_t tm_done_result;
	int hold_exec;      /* EXECs are stashed (th_held) instead of answered */
	int misalign;       /* buffers handed out are 16 bytes off a page */
	int bad_parse;      /* PARSE replies omit SCST_INFO_VALID */
	int reply_type;     /* EXEC reply type for WRITE-direction commands (default COMPLETED) */
	int null_handler;   /* answer every EXEC GOOD at once without touching data (benchmarks) */
	uint32_t disk_blocks; /* RAM disk size in blocks, default 4096 */
};

struct th_held {
	uint32_t cmd_h, subcode;
	struct scst_user_scsi_cmd_exec exec;
};

struct th_buf {
	void *ptr, *base;
	size_t len;
};

struct th {
	struct th_opts o;
	int fd;
	int nthreads;
	pthread_t thr[TH_MAX_THREADS];
	volatile int stop, paused;
	int parked;
	pthread_mutex_t lock;
	pthread_cond_t cv;
	uint8_t *disk;
	uint64_t disk_bytes;
	/* what it received */
	uint64_t n_attach, n_detach, n_parse, n_alloc, n_exec, n_on_free, n_on_cached, n_tm_recv, n_tm_done;
	uint64_t n_on_free_aborted, n_exec_with_pbuf;
	struct scst_user_scsi_on_free_cmd last_on_free;
	struct scst_user_sess last_sess;
	struct scst_user_tm last_tm;
	uint32_t last_cached_free_h;
	uint64_t last_cached_free_pbuf;
	uint64_t last_exec_pbuf;
	int32_t last_exec_alloc_len;
	/* held EXECs */
	struct th_held held[TH_MAX_HELD];
	int nheld;
	/* errors the ioctl returned to the handler threads */
	uint64_t n_errors;
	int last_errno;
	/* buffer bookkeeping */
	struct th_buf bufs[TH_MAX_BUFS];
	int nbufs;
	uint64_t bad_frees;
};

/* open + REGISTER_DEVICE + start threads. 0 or -errno (then nothing is left open). */
int th_start(struct th *h, const struct th_opts *o);
/* Park every thread outside the ioctl (th_resume lets them go on). */
void th_pause(struct th *h);
void th_resume(struct th *h);
/* Stop and join the threads (UNREGISTER_DEVICE first if blocking). The fd stays open. */
void th_stop(struct th *h);
/* th_stop if needed, close the fd, free everything the handler still owns. */
void th_destroy(struct th *h);
/* Wait until at least n EXECs are held. 0 or -ETIMEDOUT. */
int th_wait_held(struct th *h, int n, int timeout_ms);
/* Wait until *counter >= n (a field of h, read under its lock). */
int th_wait_count(struct th *h, const uint64_t *counter, uint64_t n, int timeout_ms);
/* Build the normal reply for held EXEC idx (performs the I/O) and remove it from the held list. */
void th_take_reply(struct th *h, int idx, struct scst_user_reply_cmd *reply);
/* th_take_reply + REPLY_CMD. Returns the ioctl result (0 or -errno). */
int th_reply_held(struct th *h, int idx);
/* Number of buffers the handler allocated and not yet freed. */
int th_outstanding(struct th *h);
/* Allocate a tracked page-aligned buffer (for PREALLOC tests). */
void *th_alloc(struct th *h, size_t len, int misalign);

/* Helpers for the initiator side. */
void cdb_rw10(uint8_t *cdb, int write, uint32_t lba, uint16_t blocks);
int emu_ioctl_err(int fd, unsigned long req, void *arg); /* 0 or -errno */

#endif
