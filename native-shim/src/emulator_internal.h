/*
 * emulator_internal.h - private data structures of the scst_user / scst_event emulator (emulator.c).
 *
 * Locking (never acquire in the other direction):
 *   g_lock (fd registry, device list, event files)  ->  dev->lock  ->  g_map_lock / g_ext_lock (leaves)
 * Device objects are never freed (their statistics outlive close); what a device owns at run time (command
 * records, cached-buffer records, sessions) is freed when the device is released (last reference of its fd).
 */
#ifndef USERDISK_EMULATOR_INTERNAL_H
#define USERDISK_EMULATOR_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "userdisk_scst_emu.h"

#define EMU_PAGE 4096u
#define EMU_MAX_ORDER 10 /* SGV size classes: 1 << 0 .. 1 << 10 pages */
#define EMU_UC_CHUNK_SHIFT 10
#define EMU_UC_CHUNK (1u << EMU_UC_CHUNK_SHIFT)
#define EMU_UC_IDX_BITS 20
#define EMU_UC_IDX_MASK ((1u << EMU_UC_IDX_BITS) - 1)
#define EMU_UC_MAX (1u << EMU_UC_IDX_BITS)
#define EMU_MAX_TM 32
#define EMU_EVENT_QUEUE_MAX 2048
#define EMU_EVENT_FILTER_MAX 2048
#define EMU_EVENT_PAYLOAD_MAX 3072

/*
 * Handler memory. Every access the "kernel" makes to handler memory (ioctl arguments, replies, data buffers,
 * sense, strings, descriptors) goes through copy_from_handler / copy_to_handler / handler_mapped (emulator.c) with
 * the memory context of the file or device: NULL for a handler in this process (plain memcpy, mincore), or a
 * remote process served by emu_listen.c (process_vm_readv / process_vm_writev, EFAULT when unmapped). Files and
 * devices hold a reference; a device drops its own at release and points at a dead context from then on.
 */
struct emu_mm {
	pid_t pid;
	int refs;          /* atomic */
	volatile int dead; /* the process is gone (or its connection stopped): every access fails with EFAULT */
};

struct emu_mm *emu_mm_new(pid_t pid);
void emu_mm_get(struct emu_mm *mm);
void emu_mm_put(struct emu_mm *mm);

/*
 * The handler-side entry points on behalf of a remote process (emu_listen.c). A remote file is found by its
 * descriptor in this process plus its serial and must belong to `mm`; the local API never sees remote files.
 *   emu_remote_open:  the new file's descriptor (an eventfd of this process), *serial and *dup_fd (a duplicate
 *                     to pass on with SCM_RIGHTS, the caller closes it), or -errno; -ESRCH once emu_remote_kill
 *                     ran for mm.
 *   emu_remote_ioctl: >= 0 or -errno (-EBADF for an unknown file); *ready = 1 once poll would not give POLLNVAL.
 *   emu_remote_close: 0 or -EBADF; the descriptor of this process is closed as by userdisk_emu_close.
 *   emu_remote_kill:  the process is gone: mark mm dead, then close every file it still has (§8.10).
 */
int emu_remote_open(struct emu_mm *mm, const char *path, int flags, uint64_t *serial, int *dup_fd);
int emu_remote_ioctl(struct emu_mm *mm, int fd, uint64_t serial, unsigned long request, uint64_t arg, int *ready);
int emu_remote_close(struct emu_mm *mm, int fd, uint64_t serial);
void emu_remote_kill(struct emu_mm *mm);

struct emu_dev;
struct emu_sess;
struct emu_load;
struct emu_ext;
struct emu_tm;
struct sgv_buf;

/* What a kernel "ucmd" is: anything with a handle that can be queued to the handler. */
enum { UK_FREE = 0, UK_SCSI, UK_ATTACH, UK_DETACH, UK_TM, UK_OWNER };
/* Where it is: nowhere (internal), on the ready queue, or with the handler (a reply is expected). */
enum { US_IDLE = 0, US_QUEUED, US_SENT };

struct ucmd {
	uint32_t h;   /* handle: slot index | generation << EMU_UC_IDX_BITS */
	uint32_t sub; /* subcode queued or sent */
	uint8_t kind, state, qfront, seen;
	uint8_t aborted, init_done, background, cached;
	uint8_t dir, queue_type, exec_had_pbuf, status;
	uint8_t delivery, replied, abandoned, pbuf_held;
	uint8_t pbuf_reported, on_list;
	uint16_t cdb_len;
	int32_t bufflen;      /* current transfer length (after PARSE) */
	int32_t init_bufflen; /* the initiator's buffer */
	int32_t alloc_len;
	int32_t resp_data_len;
	int32_t result;
	uint32_t op_flags, sn, tm_mask;
	int64_t lba, data_len;
	uint64_t pbuf; /* buffer attached to the command (cached or not) */
	uint32_t pbuf_len;
	struct ucmd *qnext, *qprev; /* ready queue */
	struct ucmd *snext, *sprev; /* session's list of commands the initiator waits for */
	struct ucmd *fnext;         /* free list */
	struct emu_sess *sess;
	struct emu_ext *ext;
	struct emu_load *load;
	struct sgv_buf *buf; /* SCSI: cached buffer attached; OWNER: the buffer it owns */
	struct emu_tm *tm;
	struct emu_sess *msess; /* ATTACH */
	uint64_t msess_h;       /* DETACH */
	const void *data_out;
	void *data_in;
	uint8_t cdb[32];
};

struct sgv_buf {
	uint64_t pbuf;
	uint32_t len;  /* bytes pinned */
	int8_t order;  /* size class, -1 = over 1024 pages (never kept) */
	uint8_t in_use, freeing, evict, flush, reported;
	struct ucmd *owner; /* the command (or PREALLOC) that supplied it; its handle is used by ON_CACHED_MEM_FREE */
	struct sgv_buf *inext;        /* idle stack of its size class */
	struct sgv_buf *anext, *aprev; /* every buffer of the device */
};

struct emu_sess {
	uint64_t sess_h, lun;
	uint8_t rd_only, live, detaching, ua_capacity;
	uint32_t sn;
	char ini[SCST_MAX_EXTERNAL_NAME], tgt[SCST_MAX_EXTERNAL_NAME];
	struct ucmd *act; /* commands whose initiator still waits */
	struct emu_load *load;
	struct emu_sess *next; /* every session the device ever had (freed at release) */
};

struct emu_load {
	int64_t id;
	uint64_t sess_h;
	struct emu_sess *sess;
	struct userdisk_emu_load p;
	struct userdisk_emu_load *user; /* results are written here by load_wait */
	uint8_t *pattern;
	uint64_t submitted, completed, not_good, next_lba, rng, start_ns, end_ns;
	int stop, finished, pumping, kicked;
	struct emu_load *next;
	struct emu_load *knext; /* device's list of loads with completions to refill */
};

struct emu_tm {
	int slot;
	uint32_t fn, cmd_h_to_abort, cmd_sn;
	uint64_t sess_h;
	int pending;
	int recv_replied, done_queued, finished, abandoned;
	int32_t result;
	struct ucmd *uc;
};

struct emu_ext {
	int64_t tag;
	struct emu_dev *dev;
	struct userdisk_emu_command *cmd;
	struct ucmd *uc;
	int done;
	struct emu_ext *hnext;
};

struct emu_dev {
	pthread_mutex_t lock;
	struct emu_mm *mm; /* the handler's memory (NULL: this process); guarded by lock */
	pthread_cond_t cmd_cv; /* handler threads waiting for a subcommand (blocking mode) */
	pthread_cond_t ev_cv;  /* initiator side: attach, detach, TM, FLUSH_CACHE, loads */
	int waiters, ev_waiters;
	char name[SCST_MAX_NAME];
	int registered, closing, blocking, unreg;
	int efd, efd_ready;
	uint8_t type;
	uint32_t block_size;
	struct scst_user_opt opt;
	/* ready queue: front (PARSE, ALLOC_MEM, management, HEAD OF QUEUE) then back, each FIFO */
	struct ucmd *qf_head, *qf_tail, *qb_head, *qb_tail;
	uint32_t qcount;
	/* command records */
	struct ucmd **chunks;
	uint32_t nalloc;
	struct ucmd *freelist;
	/* SGV cache */
	struct sgv_buf *idle[EMU_MAX_ORDER + 1];
	struct sgv_buf *bufs;
	uint64_t flush_pending;
	struct emu_sess *sessions;
	struct emu_tm *tms[EMU_MAX_TM];
	struct emu_load *loads;
	struct emu_load *kick;
	struct userdisk_emu_stats st;
	uint64_t write_same_replies; /* accepted DO_WRITE_SAME replies (not in the public stats layout) */
	struct emu_dev *next_all;
};

struct ev_item {
	struct ev_item *next;
	int32_t len; /* 64 + payload_len: what GET_NEXT_EVENT copies */
	uint8_t data[];
};

struct ev_filter {
	uint32_t code;
	char issuer[SCST_MAX_NAME];
	int32_t payload_len;
	uint8_t *payload;
};

struct emu_evf {
	int initialized, nonblock, closed;
	int efd, efd_ready;
	struct ev_filter *filters;
	int nfilters, cap;
	struct ev_item *head, *tail;
	int count;
	struct emu_evf *next;
};

enum { FK_USER = 1, FK_EVENT };

struct emu_file {
	int fd, kind, refs, closed, oflags;
	uint64_t serial;
	struct emu_mm *mm; /* the opener's memory (NULL: this process) */
	struct emu_dev *dev;
	struct emu_evf *ev;
};

#endif
