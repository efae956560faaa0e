/*
 * emulator.c - the kernel side of /dev/scst_user and /dev/scst_event, modelled on /work/shared/ABI-SCST-USER.md.
 * API: include/userdisk_scst_emu.h. Data structures and lock order: emulator_internal.h.
 *
 * Design: one mutex per device guards everything the device owns; handler threads wait on cmd_cv (blocking mode),
 * initiator-side callers on ev_cv. The ready queue is two FIFOs: "front" (PARSE, ALLOC_MEM, ATTACH/DETACH, TMF,
 * HEAD OF QUEUE EXEC; §8.2) and "back" (EXEC, ON_FREE_CMD, ON_CACHED_MEM_FREE). The fd's eventfd is written when
 * the queue goes empty -> non-empty and read when it goes empty. Command records ("ucmds") live in per-device
 * chunks with a free list; a handle is slot | generation << 20, so stale handles give ESRCH.
 * Handler memory (ioctl arguments, replies, buffers, sense, strings) is only reached through copy_from_handler /
 * copy_to_handler / handler_mapped with the file's or device's memory context: memcpy/mincore for a handler in
 * this process, process_vm_readv/writev for one in another process (emu_listen.c), like copy_from_user.
 *
 * Where the sheet left room, this model chose (see also the header):
 *  - §6.2 name: byte 49 is forced to NUL (a 50-byte name is truncated, not refused); empty, '/' or '.' -> EINVAL.
 *  - §6.2 block size rule applied to types 0, 5 and 7; types outside {0,1,3,5,7,8,0x0C} are forced to PARSE_CALL.
 *  - A REGISTER failing the version check leaves a never-registered stats record with version_received.
 *  - Cached buffer of a command: its handle stays alive as the buffer's owner (OWNER record) and is the cmd_h of
 *    the later ON_CACHED_MEM_FREE (§8.5); a reply to an idle owner handle is EINVAL (not with the handler).
 *  - Misaligned cached buffer (ALLOC_MEM or EXEC reply): EINVAL, HARDWARE ERROR 4/44/00, and the pointer is given
 *    back in ON_FREE_CMD with buffer_cached 0 so the handler can free it.
 *  - Handler buffer not mapped when handed over: EFAULT + bad_replies. Held buffer found unmapped (freed by the
 *    handler): freed_held_buffers, HARDWARE ERROR, and the buffer is forgotten (no ON_CACHED_MEM_FREE for it).
 *  - ALLOC_MEM reply pbuf 0 and EXEC reply pbuf 0 with data: BUSY, not a violation.
 *  - PREALLOC_BUFFER: bufflen < 4096 -> EINVAL; size class = the largest power of two pages it covers (max 1024).
 *  - DO_WRITE_SAME: validated (WRITE SAME(10)/(16), status 0, descriptors multiple of 16, <= 4096, last blocks 0),
 *    then completed GOOD (no internal WRITEs); counted internally only (the stats layout is mirrored by C#).
 *  - Subcode mismatch: SCSI -> CHECK CONDITION 5/25/00 (+ ON_FREE_CMD if CALL); ATTACH -> fails with -EINVAL;
 *    TM_RECEIVED -> counts as replied; TM_DONE -> FAILED; ON_FREE/ON_CACHED_MEM_FREE -> freed.
 *  - Core-generated sense follows d_sense, except the teardown 5/25/00, which is always fixed format.
 *  - A TMF or detach ends "seen" commands that sit queued (EXEC after ALLOC_MEM) at once as aborted, with
 *    ON_FREE_CMD; never-seen ones are dropped without it; held ones end aborted when the handler replies.
 *  - Teardown: "seen" commands (the handler had one of their subcommands) -> 5/25/00, never-seen -> BUSY.
 *  - A subcommand that cannot be copied out to a remote handler (bad address): EFAULT, requeued at the head.
 *  - A remote handler's process ends (its control connection closes): all its files closed as by the last close.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "emu_wire.h"
#include "emulator_internal.h"
#include "emu_poll.h"

/* memcheck cannot see process_vm_writev write into this very process (emu-test-remote serves itself), so under
 * valgrind such bytes are declared defined; without the header (or outside valgrind) this is nothing. */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define EMU_MEM_DEFINED(p, n) VALGRIND_MAKE_MEM_DEFINED(p, n)
#endif
#endif
#ifndef EMU_MEM_DEFINED
#define EMU_MEM_DEFINED(p, n) ((void)0)
#endif

static const char emu_version[] = EMU_DEV_USER_VERSION;

static const char *const emu_licenses[] = { "GPL", "GPL v2", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL" };

#define ST_GOOD 0x00
#define ST_CHECK 0x02
#define ST_BUSY 0x08
#define ST_TASK_ABORTED 0x40

/* ---- globals ------------------------------------------------------------------------------------------------- */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;     /* files, devices, event files */
static pthread_mutex_t g_map_lock = PTHREAD_MUTEX_INITIALIZER; /* sess_h -> dev, load id -> dev (leaf) */
static pthread_mutex_t g_ext_lock = PTHREAD_MUTEX_INITIALIZER; /* tags of submitted commands (leaf) */
static pthread_cond_t g_ext_cv;
static pthread_cond_t g_ev_cv; /* event GET_NEXT_EVENT waiters, with g_lock */
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static struct emu_file **g_files;
static int g_files_cap;
static struct emu_dev *g_devs; /* newest first */
static struct emu_evf *g_evfs;

struct map_ent {
	int64_t key;
	struct emu_dev *dev;
};
static struct map_ent *g_smap, *g_lmap;
static int g_smap_n, g_smap_cap, g_lmap_n, g_lmap_cap;
static uint64_t g_next_sess_h = 0xffff888000100000ull;
static int64_t g_next_load_id;

#define EXT_BUCKETS 1024
static struct emu_ext *g_ext[EXT_BUCKETS];
static int64_t g_next_tag;

static void init_cond(pthread_cond_t *cv)
{
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &a);
	pthread_condattr_destroy(&a);
}

static pid_t g_self;

static void global_init(void)
{
	g_self = getpid();
	init_cond(&g_ext_cv);
	init_cond(&g_ev_cv);
}

static void ensure_init(void)
{
	pthread_once(&g_once, global_init);
}

/* ---- small helpers ------------------------------------------------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Absolute CLOCK_MONOTONIC deadline; negative ms = none (returns NULL). */
static struct timespec *deadline(struct timespec *ts, int ms)
{
	if (ms < 0)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
	return ts;
}

/* 0 or ETIMEDOUT */
static int cv_wait(pthread_cond_t *cv, pthread_mutex_t *m, const struct timespec *dl)
{
	if (dl == NULL) {
		pthread_cond_wait(cv, m);
		return 0;
	}
	return pthread_cond_timedwait(cv, m, dl) == ETIMEDOUT ? ETIMEDOUT : 0;
}

/* Whether [addr, addr+len) is mapped in this process (mincore fails with ENOMEM on unmapped pages). */
__attribute__((noinline)) static int local_mapped(uint64_t addr, uint64_t len)
{
	unsigned char vec[256];
	if (len == 0)
		return 1;
	if (addr == 0 || addr + len < addr)
		return 0;
	uint64_t start = addr & ~(uint64_t)(EMU_PAGE - 1);
	uint64_t end = (addr + len + EMU_PAGE - 1) & ~(uint64_t)(EMU_PAGE - 1);
	while (start < end) {
		uint64_t chunk = end - start;
		if (chunk > sizeof(vec) * EMU_PAGE)
			chunk = sizeof(vec) * EMU_PAGE;
		if (mincore((void *)(uintptr_t)start, (size_t)chunk, vec) != 0)
			return 0;
		start += chunk;
	}
	return 1;
}

/* ---- handler memory (see emulator_internal.h) ----------------------------------------------------------------- */

/* A device released from a remote handler points here: any stray access fails instead of reaching a stale pid. */
static struct emu_mm g_dead_mm = { .pid = 0, .refs = 1, .dead = 1 };

/* The host's view of registrations (sysfs devices/ in the kernel); read and written under g_lock. */
static userdisk_emu_device_hook g_on_registered;
static userdisk_emu_device_hook g_on_unregistered;
static void *g_hook_context;


struct emu_mm *emu_mm_new(pid_t pid)
{
	struct emu_mm *mm = calloc(1, sizeof(*mm));
	if (mm) {
		mm->pid = pid;
		mm->refs = 1;
	}
	return mm;
}

void emu_mm_get(struct emu_mm *mm)
{
	if (mm)
		__atomic_add_fetch(&mm->refs, 1, __ATOMIC_RELAXED);
}

void emu_mm_put(struct emu_mm *mm)
{
	if (mm && mm != &g_dead_mm && __atomic_sub_fetch(&mm->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(mm);
}

/* copy_from_user / copy_to_user of another process: 0 or -EFAULT (unmapped, protected, or the process is gone). */
__attribute__((noinline, cold)) static int remote_rw(const struct emu_mm *mm, void *local, uint64_t remote, size_t n,
						     int write)
{
	size_t done = 0;
	if (mm->dead || remote == 0 || remote + n < remote)
		return -EFAULT;
	while (done < n) {
		struct iovec l = { (uint8_t *)local + done, n - done };
		struct iovec r = { (void *)(uintptr_t)(remote + done), n - done };
		ssize_t k = write ? process_vm_writev(mm->pid, &l, 1, &r, 1, 0)
				  : process_vm_readv(mm->pid, &l, 1, &r, 1, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -EFAULT;
		if (write && mm->pid == g_self)
			EMU_MEM_DEFINED((void *)(uintptr_t)(remote + done), (size_t)k);
		done += (size_t)k;
	}
	return 0;
}

/* Reads one byte of every page (as get_user_pages faults them in): 1 if all of [addr, addr+len) is readable. */
__attribute__((noinline, cold)) static int remote_mapped(const struct emu_mm *mm, uint64_t addr, uint64_t len)
{
	struct iovec r[64];
	uint8_t sink[64];
	if (len == 0)
		return 1;
	if (mm->dead || addr == 0 || addr + len < addr)
		return 0;
	uint64_t page = addr & ~(uint64_t)(EMU_PAGE - 1);
	uint64_t end = addr + len;
	while (page < end) {
		int n = 0;
		for (; n < 64 && page < end; n++, page += EMU_PAGE) {
			r[n].iov_base = (void *)(uintptr_t)(page < addr ? addr : page);
			r[n].iov_len = 1;
		}
		struct iovec l = { sink, (size_t)n };
		ssize_t k;
		do
			k = process_vm_readv(mm->pid, &l, 1, r, (unsigned long)n, 0);
		while (k < 0 && errno == EINTR);
		if (k != n)
			return 0;
	}
	return 1;
}

/* Whether the handler's [addr, addr+len) is mapped (the kernel's get_user_pages would succeed). */
static int handler_mapped(const struct emu_mm *mm, uint64_t addr, uint64_t len)
{
	return mm == NULL ? local_mapped(addr, len) : remote_mapped(mm, addr, len);
}

/* Handler memory -> dst. `check`: verify the mapping first where the kernel would answer EFAULT (a handler in this
 * process is otherwise trusted like the old direct accesses, so the hot path stays a plain memcpy); a remote copy
 * is always checked. 0 or -EFAULT. */
static inline int copy_from_handler(const struct emu_mm *mm, void *dst, uint64_t src, size_t n, int check)
{
	if (mm == NULL) {
		if (check && !local_mapped(src, n))
			return -EFAULT;
		memcpy(dst, (const void *)(uintptr_t)src, n);
		return 0;
	}
	return remote_rw(mm, dst, src, n, 0);
}

/* src -> handler memory; same rules. */
static inline int copy_to_handler(const struct emu_mm *mm, uint64_t dst, const void *src, size_t n, int check)
{
	if (mm == NULL) {
		if (check && !local_mapped(dst, n))
			return -EFAULT;
		memcpy((void *)(uintptr_t)dst, src, n);
		return 0;
	}
	return remote_rw(mm, (void *)(uintptr_t)src, dst, n, 1);
}

static void efd_write(int efd)
{
	uint64_t one = 1;
	if (efd >= 0 && write(efd, &one, sizeof(one)) != (ssize_t)sizeof(one)) {
		/* counter saturated: it is readable anyway */
	}
}

static void efd_read(int efd)
{
	uint64_t v;
	if (efd >= 0 && read(efd, &v, sizeof(v)) != (ssize_t)sizeof(v)) {
		/* already drained */
	}
}

/* Sense in the device's d_sense format (§6.1): fixed 0x70 (18 bytes) or descriptor 0x72 (8 bytes). */
static uint8_t make_sense(int d_sense, uint8_t *s, uint8_t key, uint8_t asc, uint8_t ascq)
{
	if (d_sense) {
		memset(s, 0, 8);
		s[0] = 0x72;
		s[1] = key;
		s[2] = asc;
		s[3] = ascq;
		return 8;
	}
	memset(s, 0, SCST_STANDARD_SENSE_LEN);
	s[0] = 0x70;
	s[2] = key;
	s[7] = 10;
	s[12] = asc;
	s[13] = ascq;
	return SCST_STANDARD_SENSE_LEN;
}

static uint64_t be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void put_be(uint8_t *p, int n, uint64_t v)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* READ/WRITE/VERIFY/WRITE SAME 6/10/12/16: LBA and block count. 1 if decoded. */
static int cdb_lba(const uint8_t *cdb, uint16_t len, int64_t *lba, int64_t *blocks)
{
	switch (cdb[0]) {
	case 0x08: case 0x0A: /* READ(6), WRITE(6) */
		if (len < 6)
			return 0;
		*lba = (int64_t)(((uint64_t)(cdb[1] & 0x1f) << 16) | be(cdb + 2, 2));
		*blocks = cdb[4] ? cdb[4] : 256;
		return 1;
	case 0x28: case 0x2A: case 0x2E: case 0x2F: case 0x41: /* 10-byte */
		if (len < 10)
			return 0;
		*lba = (int64_t)be(cdb + 2, 4);
		*blocks = (int64_t)be(cdb + 7, 2);
		return 1;
	case 0xA8: case 0xAA: case 0xAE: case 0xAF: /* 12-byte */
		if (len < 12)
			return 0;
		*lba = (int64_t)be(cdb + 2, 4);
		*blocks = (int64_t)be(cdb + 6, 4);
		return 1;
	case 0x88: case 0x8A: case 0x8E: case 0x8F: case 0x93: /* 16-byte */
		if (len < 16)
			return 0;
		*lba = (int64_t)be(cdb + 2, 8);
		*blocks = (int64_t)be(cdb + 10, 4);
		return 1;
	default:
		return 0;
	}
}

static int cdb_writes_medium(uint8_t op)
{
	switch (op) {
	case 0x0A: case 0x2A: case 0xAA: case 0x8A: /* WRITE */
	case 0x2E: case 0xAE: case 0x8E:            /* WRITE AND VERIFY */
	case 0x41: case 0x93:                       /* WRITE SAME */
	case 0x42:                                  /* UNMAP */
		return 1;
	default:
		return 0;
	}
}

/* Commands SAM lets through with a unit attention pending. */
static int cdb_skips_ua(uint8_t op)
{
	return op == 0x12 /* INQUIRY */ || op == 0xA0 /* REPORT LUNS */ || op == 0x03 /* REQUEST SENSE */;
}

static int order_of_pages(uint64_t pages)
{
	int o = 0;
	while ((1ull << o) < pages)
		o++;
	return o;
}

/* ---- maps ---------------------------------------------------------------------------------------------------- */

static int map_add(struct map_ent **m, int *n, int *cap, int64_t key, struct emu_dev *d)
{
	if (*n == *cap) {
		int nc = *cap ? *cap * 2 : 64;
		struct map_ent *nm = realloc(*m, (size_t)nc * sizeof(**m));
		if (nm == NULL)
			return -ENOMEM;
		*m = nm;
		*cap = nc;
	}
	(*m)[*n].key = key;
	(*m)[*n].dev = d;
	(*n)++;
	return 0;
}

static struct emu_dev *map_find(struct map_ent *m, int n, int64_t key)
{
	for (int i = 0; i < n; i++)
		if (m[i].key == key)
			return m[i].dev;
	return NULL;
}

static void map_del(struct map_ent *m, int *n, int64_t key)
{
	for (int i = 0; i < *n; i++)
		if (m[i].key == key) {
			m[i] = m[*n - 1];
			(*n)--;
			return;
		}
}

static struct emu_dev *sess_dev(uint64_t sess_h)
{
	pthread_mutex_lock(&g_map_lock);
	struct emu_dev *d = map_find(g_smap, g_smap_n, (int64_t)sess_h);
	pthread_mutex_unlock(&g_map_lock);
	return d;
}

static struct emu_sess *sess_find(struct emu_dev *d, uint64_t sess_h)
{
	for (struct emu_sess *s = d->sessions; s; s = s->next)
		if (s->live && s->sess_h == sess_h)
			return s;
	return NULL;
}

static struct emu_ext *ext_find_locked(int64_t tag)
{
	struct emu_ext *e = g_ext[(uint64_t)tag % EXT_BUCKETS];
	while (e && e->tag != tag)
		e = e->hnext;
	return e;
}

static void ext_unlink_locked(struct emu_ext *x)
{
	struct emu_ext **pp = &g_ext[(uint64_t)x->tag % EXT_BUCKETS];
	while (*pp && *pp != x)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = x->hnext;
}

/* ---- command records ----------------------------------------------------------------------------------------- */

static struct ucmd *uc_alloc(struct emu_dev *d, int kind)
{
	struct ucmd *u = d->freelist;
	if (u) {
		d->freelist = u->fnext;
	} else {
		if (d->nalloc >= EMU_UC_MAX)
			return NULL;
		uint32_t ci = d->nalloc >> EMU_UC_CHUNK_SHIFT;
		if ((d->nalloc & (EMU_UC_CHUNK - 1)) == 0) {
			if (d->chunks == NULL) {
				d->chunks = calloc(EMU_UC_MAX / EMU_UC_CHUNK, sizeof(*d->chunks));
				if (d->chunks == NULL)
					return NULL;
			}
			d->chunks[ci] = calloc(EMU_UC_CHUNK, sizeof(struct ucmd));
			if (d->chunks[ci] == NULL)
				return NULL;
		}
		u = &d->chunks[ci][d->nalloc & (EMU_UC_CHUNK - 1)];
		u->h = d->nalloc | (1u << EMU_UC_IDX_BITS);
		d->nalloc++;
	}
	uint32_t h = u->h;
	memset(u, 0, offsetof(struct ucmd, cdb));
	u->h = h;
	u->kind = (uint8_t)kind;
	return u;
}

static void uc_free(struct emu_dev *d, struct ucmd *u)
{
	uint32_t gen = (u->h >> EMU_UC_IDX_BITS) + 1;
	if (gen >= (1u << (32 - EMU_UC_IDX_BITS)))
		gen = 1;
	u->h = (u->h & EMU_UC_IDX_MASK) | (gen << EMU_UC_IDX_BITS);
	u->kind = UK_FREE;
	u->state = US_IDLE;
	u->fnext = d->freelist;
	d->freelist = u;
}

static struct ucmd *uc_lookup(struct emu_dev *d, uint32_t h)
{
	uint32_t idx = h & EMU_UC_IDX_MASK;
	if (idx >= d->nalloc)
		return NULL;
	struct ucmd *u = &d->chunks[idx >> EMU_UC_CHUNK_SHIFT][idx & (EMU_UC_CHUNK - 1)];
	if (u->h != h || u->kind == UK_FREE)
		return NULL;
	return u;
}

/* ---- ready queue and eventfd readiness ----------------------------------------------------------------------- */

static void efd_signal(struct emu_dev *d)
{
	if (!d->efd_ready)
		efd_write(d->efd);
	d->efd_ready = 1;
}

static void efd_drain(struct emu_dev *d)
{
	if (d->efd_ready && !d->unreg && !d->closing) {
		efd_read(d->efd);
		d->efd_ready = 0;
	}
}

static void q_push(struct emu_dev *d, struct ucmd *u, uint32_t sub, int front)
{
	struct ucmd **head = front ? &d->qf_head : &d->qb_head;
	struct ucmd **tail = front ? &d->qf_tail : &d->qb_tail;
	u->sub = sub;
	u->state = US_QUEUED;
	u->qfront = (uint8_t)front;
	u->qnext = NULL;
	u->qprev = *tail;
	if (*tail)
		(*tail)->qnext = u;
	else
		*head = u;
	*tail = u;
	if (d->qcount++ == 0)
		efd_signal(d);
	if (d->waiters)
		pthread_cond_signal(&d->cmd_cv);
}

static void q_remove(struct emu_dev *d, struct ucmd *u)
{
	struct ucmd **head = u->qfront ? &d->qf_head : &d->qb_head;
	struct ucmd **tail = u->qfront ? &d->qf_tail : &d->qb_tail;
	if (u->qprev)
		u->qprev->qnext = u->qnext;
	else
		*head = u->qnext;
	if (u->qnext)
		u->qnext->qprev = u->qprev;
	else
		*tail = u->qprev;
	u->qnext = u->qprev = NULL;
	u->state = US_IDLE;
	if (--d->qcount == 0)
		efd_drain(d);
}

static void ev_wake(struct emu_dev *d)
{
	if (d->ev_waiters)
		pthread_cond_broadcast(&d->ev_cv);
}

/* ---- session lists ------------------------------------------------------------------------------------------- */

static void act_link(struct emu_sess *s, struct ucmd *u)
{
	u->sprev = NULL;
	u->snext = s->act;
	if (s->act)
		s->act->sprev = u;
	s->act = u;
	u->on_list = 1;
}

static void act_unlink(struct ucmd *u)
{
	if (!u->on_list)
		return;
	if (u->sprev)
		u->sprev->snext = u->snext;
	else
		u->sess->act = u->snext;
	if (u->snext)
		u->snext->sprev = u->sprev;
	u->snext = u->sprev = NULL;
	u->on_list = 0;
}

/* ---- SGV cache ----------------------------------------------------------------------------------------------- */

static struct sgv_buf *buf_new(struct emu_dev *d, uint64_t pbuf, uint32_t len, int order, struct ucmd *owner)
{
	struct sgv_buf *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->pbuf = pbuf;
	b->len = len;
	b->order = (int8_t)order;
	b->owner = owner;
	b->anext = d->bufs;
	if (d->bufs)
		d->bufs->aprev = b;
	d->bufs = b;
	d->st.buffers_cached++;
	return b;
}

static void buf_unlink_free(struct emu_dev *d, struct sgv_buf *b)
{
	if (b->aprev)
		b->aprev->anext = b->anext;
	else
		d->bufs = b->anext;
	if (b->anext)
		b->anext->aprev = b->aprev;
	free(b);
}

static struct sgv_buf *idle_pop(struct emu_dev *d, int order)
{
	struct sgv_buf *b = d->idle[order];
	if (b)
		d->idle[order] = b->inext;
	return b;
}

static void queue_cached_free(struct emu_dev *d, struct sgv_buf *b)
{
	b->freeing = 1;
	d->st.buffers_cached--;
	struct ucmd *o = b->owner;
	o->kind = UK_OWNER;
	o->buf = b;
	q_push(d, o, SCST_USER_ON_CACHED_MEM_FREE, 0);
}

/* A cached buffer the handler freed while the kernel held it: forget it without telling the handler again. */
static void buf_forget(struct emu_dev *d, struct ucmd *u)
{
	struct sgv_buf *b = u->buf;
	if (b == NULL)
		return;
	u->buf = NULL;
	u->pbuf = 0;
	u->pbuf_held = 0;
	if (b->in_use)
		d->st.buffers_in_use--;
	if (!b->freeing)
		d->st.buffers_cached--;
	if (b->owner != u && b->owner->kind == UK_OWNER && b->owner->state == US_IDLE)
		uc_free(d, b->owner);
	buf_unlink_free(d, b);
}

/* Every idle cached buffer -> ON_CACHED_MEM_FREE. Returns the number queued. */
static int purge_idle(struct emu_dev *d, int flush)
{
	int n = 0;
	for (int o = 0; o <= EMU_MAX_ORDER; o++) {
		struct sgv_buf *b;
		while ((b = idle_pop(d, o)) != NULL) {
			b->flush = (uint8_t)flush;
			if (flush)
				d->flush_pending++;
			queue_cached_free(d, b);
			n++;
		}
	}
	return n;
}

/* ---- command completion -------------------------------------------------------------------------------------- */

static void tm_check(struct emu_dev *d, struct emu_tm *tm);
static void load_done(struct emu_dev *d, struct emu_load *l, struct ucmd *u);
static void release_ucmd(struct emu_dev *d, struct ucmd *u);

/* The initiator sees the command end (status, sense, data already copied). */
static void complete_scsi(struct emu_dev *d, struct ucmd *u, uint8_t status, const uint8_t *sense, uint8_t slen,
			  int32_t resp)
{
	if (u->init_done)
		return;
	u->init_done = 1;
	if (u->aborted) {
		status = ST_TASK_ABORTED;
		slen = 0;
		resp = 0;
	}
	u->status = status;
	u->resp_data_len = resp;
	u->delivery = u->aborted ? (uint8_t)SCST_CMD_DELIVERY_ABORTED : (uint8_t)SCST_CMD_DELIVERY_SUCCESS;
	act_unlink(u);
	d->st.commands_completed++;
	if (u->ext) {
		struct emu_ext *x = u->ext;
		struct userdisk_emu_command *c = x->cmd;
		c->status = status;
		c->aborted = u->aborted;
		c->resp_data_len = resp;
		c->sense_len = slen;
		if (slen)
			memcpy(c->sense, sense, slen);
		u->ext = NULL;
		x->uc = NULL;
		pthread_mutex_lock(&g_ext_lock);
		x->done = 1;
		pthread_cond_broadcast(&g_ext_cv);
		pthread_mutex_unlock(&g_ext_lock);
	}
	if (u->tm_mask) {
		uint32_t m = u->tm_mask;
		u->tm_mask = 0;
		for (int i = 0; i < EMU_MAX_TM; i++)
			if ((m & (1u << i)) && d->tms[i]) {
				d->tms[i]->pending--;
				tm_check(d, d->tms[i]);
			}
	}
	if (u->aborted)
		ev_wake(d); /* a detach may be waiting for its held commands */
	if (u->load) {
		struct emu_load *l = u->load;
		u->load = NULL;
		load_done(d, l, u);
	}
}

static void complete_core(struct emu_dev *d, struct ucmd *u, uint8_t status, uint8_t key, uint8_t asc, uint8_t ascq)
{
	uint8_t s[SCST_STANDARD_SENSE_LEN];
	uint8_t n = 0;
	if (status == ST_CHECK)
		n = make_sense(d->opt.d_sense, s, key, asc, ascq);
	complete_scsi(d, u, status, s, n, 0);
}

/* After the initiator's completion: ON_FREE_CMD if the handler saw the command and asked for it (§6.8). */
static void free_stage(struct emu_dev *d, struct ucmd *u)
{
	u->state = US_IDLE;
	if (u->seen && d->opt.on_free_cmd_type == SCST_USER_ON_FREE_CMD_CALL && d->registered)
		q_push(d, u, SCST_USER_ON_FREE_CMD, 0);
	else
		release_ucmd(d, u);
}

/* The command is freed: its cached buffer goes back to the cache (or to ON_CACHED_MEM_FREE), its handle dies
 * unless it becomes the buffer's owner. */
static void release_ucmd(struct emu_dev *d, struct ucmd *u)
{
	act_unlink(u);
	struct sgv_buf *b = u->buf;
	if (b) {
		u->buf = NULL;
		b->in_use = 0;
		d->st.buffers_in_use--;
		if (b->order < 0 || b->evict || !d->registered) {
			if (d->registered) {
				queue_cached_free(d, b);
				if (b->owner == u)
					return;
			} else {
				b->freeing = 1;
			}
		} else {
			b->inext = d->idle[b->order];
			d->idle[b->order] = b;
			if (b->owner == u) {
				u->kind = UK_OWNER;
				u->state = US_IDLE;
				u->buf = b;
				u->sess = NULL;
				return;
			}
		}
	}
	uc_free(d, u);
}

/* ---- SCSI flow ----------------------------------------------------------------------------------------------- */

static int dir_cached(const struct emu_dev *d, int dir)
{
	if (dir == SCST_DATA_READ)
		return (d->opt.memory_reuse_type & SCST_USER_MEM_REUSE_READ) != 0;
	if (dir == SCST_DATA_WRITE)
		return (d->opt.memory_reuse_type & SCST_USER_MEM_REUSE_WRITE) != 0;
	return 0;
}

static void queue_exec(struct emu_dev *d, struct ucmd *u)
{
	u->exec_had_pbuf = u->pbuf != 0;
	q_push(d, u, SCST_USER_EXEC, u->queue_type == SCST_CMD_QUEUE_HEAD_OF_QUEUE);
}

static void attach_buf(struct emu_dev *d, struct ucmd *u, struct sgv_buf *b)
{
	u->buf = b;
	b->in_use = 1;
	d->st.buffers_in_use++;
	u->pbuf = b->pbuf;
	u->pbuf_len = b->len;
	u->pbuf_held = 1;
}

/* Data-out from the initiator into the handler's buffer. 0, or -1 if the buffer is gone (command failed).
 * `check`: the buffer was handed over earlier (cached), so it may have been freed meanwhile. */
static int copy_out(struct emu_dev *d, struct ucmd *u, int check)
{
	int32_t n = u->init_bufflen < u->bufflen ? u->init_bufflen : u->bufflen;
	if (u->data_out == NULL || n <= 0)
		return 0;
	if (copy_to_handler(d->mm, u->pbuf, u->data_out, (size_t)n, check) != 0) {
		d->st.freed_held_buffers++;
		buf_forget(d, u);
		u->pbuf = 0;
		u->pbuf_held = 0;
		complete_core(d, u, ST_CHECK, 0x04, 0x44, 0x00);
		return -1;
	}
	return 0;
}

/* Direction and length are final: attach a cached buffer or ask for one (§8.6). */
static void scsi_prepare(struct emu_dev *d, struct ucmd *u)
{
	if (u->bufflen <= 0) {
		u->bufflen = 0;
		u->dir = SCST_DATA_NONE;
	}
	if (u->dir == SCST_DATA_NONE) {
		u->alloc_len = 0;
		queue_exec(d, u);
		return;
	}
	uint64_t pages = ((uint64_t)u->bufflen + EMU_PAGE - 1) / EMU_PAGE;
	int order = pages > (1u << EMU_MAX_ORDER) ? -1 : order_of_pages(pages);
	u->cached = (uint8_t)dir_cached(d, u->dir);
	if (u->cached) {
		u->alloc_len = (int32_t)(order >= 0 ? (uint64_t)EMU_PAGE << order : pages * EMU_PAGE);
		struct sgv_buf *b = order >= 0 ? idle_pop(d, order) : NULL;
		if (b) {
			attach_buf(d, u, b);
			d->st.cache_hits++;
			if (u->dir != SCST_DATA_READ && copy_out(d, u, 1) != 0) {
				free_stage(d, u);
				return;
			}
			queue_exec(d, u);
			return;
		}
	} else {
		u->alloc_len = u->bufflen;
	}
	if (u->dir == SCST_DATA_READ)
		queue_exec(d, u); /* pbuf 0: the handler allocates in its EXEC reply */
	else
		q_push(d, u, SCST_USER_ALLOC_MEM, 1);
}

static void scsi_submit(struct emu_dev *d, struct emu_sess *s, struct ucmd *u)
{
	u->sess = s;
	u->sn = ++s->sn;
	if (d->opt.queue_alg == SCST_QUEUE_ALG_0_RESTRICTED_REORDER && u->queue_type != SCST_CMD_QUEUE_HEAD_OF_QUEUE)
		u->queue_type = SCST_CMD_QUEUE_ORDERED;
	act_link(s, u);
	d->st.commands_submitted++;
	if (s->ua_capacity && !cdb_skips_ua(u->cdb[0])) {
		s->ua_capacity = 0;
		complete_core(d, u, ST_CHECK, 0x06, 0x2A, 0x09);
		release_ucmd(d, u);
		return;
	}
	if (s->ua_capacity && u->cdb[0] == 0x03 && u->dir == SCST_DATA_READ && u->data_in) {
		/* REQUEST SENSE with the UA pending: the core returns it as sense data and clears it */
		uint8_t sb[SCST_STANDARD_SENSE_LEN];
		uint8_t n = make_sense(d->opt.d_sense, sb, 0x06, 0x2A, 0x09);
		int32_t m = u->init_bufflen < n ? u->init_bufflen : n;
		memcpy(u->data_in, sb, (size_t)m);
		s->ua_capacity = 0;
		complete_scsi(d, u, ST_GOOD, NULL, 0, m);
		release_ucmd(d, u);
		return;
	}
	if (d->opt.parse_type == SCST_USER_PARSE_CALL) {
		q_push(d, u, SCST_USER_PARSE, 1);
		return;
	}
	if (cdb_writes_medium(u->cdb[0]) && (s->rd_only || d->opt.swp)) {
		complete_core(d, u, ST_CHECK, 0x07, 0x00, 0x00);
		release_ucmd(d, u);
		return;
	}
	scsi_prepare(d, u);
}

/* Fill the parser's view of a command (what SCST's STANDARD parser would compute). */
static void scsi_parse_std(struct emu_dev *d, struct ucmd *u)
{
	int64_t lba = 0, blocks = 0;
	u->op_flags = SCST_INFO_VALID;
	if (cdb_lba(u->cdb, u->cdb_len, &lba, &blocks)) {
		u->lba = lba;
		u->data_len = blocks * (int64_t)(d->block_size ? d->block_size : 512);
		u->op_flags |= SCST_TRANSFER_LEN_TYPE_FIXED;
	} else {
		u->lba = 0;
		u->data_len = u->bufflen;
		u->op_flags |= SCST_LBA_NOT_VALID;
	}
	if (cdb_writes_medium(u->cdb[0]))
		u->op_flags |= SCST_WRITE_MEDIUM;
}

/* ---- load generator internals -------------------------------------------------------------------------------- */

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static int load_submit_one(struct emu_dev *d, struct emu_load *l)
{
	struct ucmd *u = uc_alloc(d, UK_SCSI);
	if (u == NULL)
		return -1;
	memcpy(u->cdb, l->p.cdb, 16);
	u->cdb_len = l->p.cdb_len;
	uint64_t lba;
	if (l->p.lba_count == 0)
		lba = 0;
	else if (l->p.random)
		lba = xorshift(&l->rng) % l->p.lba_count;
	else {
		lba = l->next_lba;
		uint64_t step = l->p.block_size ? (uint64_t)l->p.bufflen / l->p.block_size : 1;
		if (step == 0)
			step = 1;
		l->next_lba += step;
		if (l->next_lba >= l->p.lba_count)
			l->next_lba = 0;
	}
	switch (u->cdb[0]) {
	case 0x28: case 0x2A:
		put_be(u->cdb + 2, 4, lba);
		break;
	case 0x88: case 0x8A:
		put_be(u->cdb + 2, 8, lba);
		break;
	default:
		break;
	}
	u->queue_type = SCST_CMD_QUEUE_SIMPLE;
	u->dir = l->p.data_direction;
	u->bufflen = u->init_bufflen = l->p.bufflen;
	u->data_out = u->dir == SCST_DATA_WRITE ? l->pattern : NULL;
	u->load = l;
	scsi_parse_std(d, u);
	l->submitted++;
	scsi_submit(d, l->sess, u);
	return 0;
}

static void load_finish_check(struct emu_dev *d, struct emu_load *l)
{
	if (l->finished || l->completed != l->submitted)
		return;
	if (l->submitted < l->p.total_commands && !l->stop)
		return;
	l->finished = 1;
	l->end_ns = now_ns();
	if (l->sess && l->sess->load == l)
		l->sess->load = NULL;
	ev_wake(d);
}

static void load_pump(struct emu_dev *d, struct emu_load *l)
{
	if (l->pumping)
		return;
	l->pumping = 1;
	while (!l->stop && d->registered && l->submitted < l->p.total_commands &&
	       l->submitted - l->completed < l->p.queue_depth) {
		if (load_submit_one(d, l) != 0) {
			l->stop = 1;
			break;
		}
	}
	if (!d->registered)
		l->stop = 1;
	l->pumping = 0;
	if (l->kicked && l->completed == l->submitted) {
		/* everything it submitted completed at once (UA, write protect, ...): finish or go on now */
		struct emu_load **pp = &d->kick;
		while (*pp && *pp != l)
			pp = &(*pp)->knext;
		if (*pp)
			*pp = l->knext;
		l->kicked = 0;
		if (!l->stop && d->registered && l->submitted < l->p.total_commands) {
			load_pump(d, l);
			return;
		}
	}
	load_finish_check(d, l);
}

/* A load command completed. The next one is submitted by kick_loads once the reply (or whatever completed it)
 * has been fully processed, i.e. after the finished command gave its buffer back, as a real initiator would. */
static void load_done(struct emu_dev *d, struct emu_load *l, struct ucmd *u)
{
	l->completed++;
	if (u->status != ST_GOOD || u->aborted ||
	    (l->p.data_direction == SCST_DATA_READ && u->resp_data_len != l->p.bufflen))
		l->not_good++;
	if (!l->kicked) {
		l->kicked = 1;
		l->knext = d->kick;
		d->kick = l;
	}
}

static void kick_loads(struct emu_dev *d)
{
	while (d->kick) {
		struct emu_load *l = d->kick;
		d->kick = l->knext;
		l->kicked = 0;
		load_pump(d, l);
	}
}

/* ---- TM ------------------------------------------------------------------------------------------------------ */

static void tm_check(struct emu_dev *d, struct emu_tm *tm)
{
	if (tm->recv_replied && tm->pending <= 0 && !tm->done_queued && !tm->finished && tm->uc && d->registered) {
		tm->done_queued = 1;
		q_push(d, tm->uc, SCST_USER_TASK_MGMT_DONE, 1);
	}
}

static void tm_finish(struct emu_dev *d, struct emu_tm *tm, int32_t result)
{
	tm->finished = 1;
	tm->result = result;
	tm->uc = NULL;
	if (tm->abandoned) {
		d->tms[tm->slot] = NULL;
		free(tm);
	}
	ev_wake(d);
}

/* Abort one command on behalf of a TMF (tm != NULL) or a detach/teardown. Returns 1 if the handler holds it. */
static int abort_cmd(struct emu_dev *d, struct ucmd *v, struct emu_tm *tm)
{
	if (v->kind != UK_SCSI || v->init_done)
		return 0;
	v->aborted = 1;
	if (v->state == US_QUEUED) {
		q_remove(d, v);
		complete_scsi(d, v, ST_TASK_ABORTED, NULL, 0, 0);
		if (!v->seen)
			release_ucmd(d, v); /* never seen: dropped, no ON_FREE_CMD */
		else
			free_stage(d, v);
		return 0;
	}
	if (v->state == US_SENT) {
		if (tm) {
			v->tm_mask |= 1u << tm->slot;
			tm->pending++;
		}
		return 1;
	}
	complete_scsi(d, v, ST_TASK_ABORTED, NULL, 0, 0);
	free_stage(d, v);
	return 0;
}

/* Commands of a session whose initiator waits, copied (aborting changes the list). */
static int collect_act(struct emu_sess *s, struct ucmd ***arr, int *n, int *cap)
{
	for (struct ucmd *u = s->act; u; u = u->snext) {
		if (*n == *cap) {
			int nc = *cap ? *cap * 2 : 64;
			struct ucmd **na = realloc(*arr, (size_t)nc * sizeof(**arr));
			if (na == NULL)
				return -ENOMEM;
			*arr = na;
			*cap = nc;
		}
		(*arr)[(*n)++] = u;
	}
	return 0;
}

/* ---- replies (§8.4, §8.5) ------------------------------------------------------------------------------------ */

static int read_sense(struct emu_dev *d, uint8_t len, uint64_t ptr, uint8_t *out, uint8_t *outlen)
{
	*outlen = 0;
	if (len == 0)
		return 0;
	if (len > SCST_SENSE_BUFFERSIZE)
		len = SCST_SENSE_BUFFERSIZE;
	if (copy_from_handler(d->mm, out, ptr, len, 1) != 0)
		return -EFAULT;
	*outlen = len;
	return 0;
}

/* Accept a buffer the handler gave (ALLOC_MEM reply or EXEC reply with pbuf). */
static int accept_buf(struct emu_dev *d, struct ucmd *u, uint64_t pbuf)
{
	uint32_t len = (uint32_t)u->alloc_len;
	if (u->cached) {
		int order = len > (EMU_PAGE << EMU_MAX_ORDER) ? -1 : order_of_pages(len / EMU_PAGE);
		struct sgv_buf *b = buf_new(d, pbuf, len, order, u);
		if (b == NULL)
			return -ENOMEM;
		attach_buf(d, u, b);
	} else {
		u->pbuf = pbuf;
		u->pbuf_len = len;
		u->pbuf_held = 1;
	}
	return 0;
}

static int bad_reply(struct emu_dev *d, struct ucmd *u, int err, uint8_t key, uint8_t asc)
{
	d->st.bad_replies++;
	complete_core(d, u, ST_CHECK, key, asc, 0x00);
	free_stage(d, u);
	return err;
}

static int reply_parse(struct emu_dev *d, struct ucmd *u, const struct scst_user_reply_cmd *r)
{
	const struct scst_user_scsi_cmd_reply_parse *p = &r->parse_reply;
	u->state = US_IDLE;
	if (u->aborted) {
		complete_scsi(d, u, ST_TASK_ABORTED, NULL, 0, 0);
		free_stage(d, u);
		return 0;
	}
	if (p->status != 0) {
		uint8_t s[SCST_SENSE_BUFFERSIZE], n;
		if (read_sense(d, p->sense_len, p->psense_buffer, s, &n) != 0)
			return bad_reply(d, u, -EFAULT, 0x04, 0x44);
		complete_scsi(d, u, p->status, s, n, 0);
		free_stage(d, u);
		return 0;
	}
	if (p->queue_type > SCST_CMD_QUEUE_ACA || p->data_direction < SCST_DATA_WRITE ||
	    p->data_direction > SCST_DATA_NONE || p->bufflen < 0 ||
	    (p->bufflen == 0 && p->data_direction != SCST_DATA_NONE) || p->lba < 0 || p->data_len < 0 ||
	    p->out_bufflen < 0 || p->cdb_len > u->cdb_len || !(p->op_flags & SCST_INFO_VALID))
		return bad_reply(d, u, -EINVAL, 0x04, 0x44);
	u->queue_type = p->queue_type;
	u->dir = p->data_direction;
	u->bufflen = p->data_direction == SCST_DATA_NONE ? 0 : p->bufflen;
	u->lba = p->lba;
	u->data_len = p->data_len;
	u->op_flags = p->op_flags;
	if (p->cdb_len)
		u->cdb_len = p->cdb_len;
	if (u->dir == SCST_DATA_BIDI)
		u->dir = SCST_DATA_WRITE; /* thin BIDI model: one buffer, data-out part only */
	if ((u->op_flags & SCST_WRITE_MEDIUM) && (u->sess->rd_only || d->opt.swp)) {
		complete_core(d, u, ST_CHECK, 0x07, 0x00, 0x00);
		free_stage(d, u);
		return 0;
	}
	scsi_prepare(d, u);
	return 0;
}

static int reply_alloc(struct emu_dev *d, struct ucmd *u, const struct scst_user_reply_cmd *r)
{
	uint64_t pbuf = r->alloc_reply.pbuf;
	u->state = US_IDLE;
	if (pbuf == 0) {
		complete_core(d, u, ST_BUSY, 0, 0, 0);
		free_stage(d, u);
		return 0;
	}
	if (u->cached && (pbuf & (EMU_PAGE - 1))) {
		d->st.misaligned_cached_buffers++;
		u->pbuf = pbuf; /* reported back in ON_FREE_CMD with buffer_cached 0 */
		u->pbuf_len = (uint32_t)u->alloc_len;
		complete_core(d, u, ST_CHECK, 0x04, 0x44, 0x00);
		free_stage(d, u);
		return -EINVAL;
	}
	if (!handler_mapped(d->mm, pbuf, (uint64_t)u->alloc_len))
		return bad_reply(d, u, -EFAULT, 0x04, 0x44);
	if (accept_buf(d, u, pbuf) != 0) {
		complete_core(d, u, ST_BUSY, 0, 0, 0);
		free_stage(d, u);
		return 0;
	}
	if (u->aborted) {
		complete_scsi(d, u, ST_TASK_ABORTED, NULL, 0, 0);
		free_stage(d, u);
		return 0;
	}
	if (copy_out(d, u, 0) != 0) {
		free_stage(d, u); /* a remote handler died or unmapped it at once */
		return 0;
	}
	queue_exec(d, u);
	return 0;
}

/* Inlined into do_reply, and fetch_one into the MULTI loop, by force: the per-command path of emu-bench then costs
 * what it did before the remote handler's branches existed (callgrind: ~833 instructions per command). */
static inline __attribute__((always_inline)) int reply_exec(struct emu_dev *d, struct ucmd *u,
							     const struct scst_user_reply_cmd *r)
{
	const struct scst_user_scsi_cmd_reply_exec *e = &r->exec_reply;
	if (u->background) {
		/* second reply of a BACKGROUND command: its status is not reported anywhere */
		u->state = US_IDLE;
		u->background = 0;
		if (e->reply_type != SCST_EXEC_REPLY_COMPLETED) {
			d->st.bad_replies++;
			free_stage(d, u);
			return -EINVAL;
		}
		free_stage(d, u);
		return 0;
	}
	u->state = US_IDLE;
	switch (e->reply_type) {
	case SCST_EXEC_REPLY_COMPLETED: {
		int32_t resp = e->resp_data_len;
		if (resp < 0 || resp > u->bufflen || (resp != 0 && u->dir != SCST_DATA_READ))
			return bad_reply(d, u, -EINVAL, 0x0B, 0x44);
		uint8_t s[SCST_SENSE_BUFFERSIZE], n;
		if (read_sense(d, e->sense_len, e->psense_buffer, s, &n) != 0)
			return bad_reply(d, u, -EFAULT, 0x0B, 0x44);
		int fresh = 0;
		if (resp > 0 && !u->exec_had_pbuf) {
			if (e->pbuf == 0) {
				complete_core(d, u, ST_BUSY, 0, 0, 0);
				free_stage(d, u);
				return 0;
			}
			if (u->cached && (e->pbuf & (EMU_PAGE - 1))) {
				d->st.misaligned_cached_buffers++;
				u->pbuf = e->pbuf;
				u->pbuf_len = (uint32_t)u->alloc_len;
				complete_core(d, u, ST_CHECK, 0x04, 0x44, 0x00);
				free_stage(d, u);
				return -EINVAL;
			}
			uint64_t need = u->cached ? (uint64_t)u->alloc_len : (uint64_t)u->bufflen;
			if (!handler_mapped(d->mm, e->pbuf, need))
				return bad_reply(d, u, -EFAULT, 0x0B, 0x44);
			if (accept_buf(d, u, e->pbuf) != 0) {
				complete_core(d, u, ST_BUSY, 0, 0, 0);
				free_stage(d, u);
				return 0;
			}
			fresh = 1;
		}
		if (u->aborted) {
			complete_scsi(d, u, ST_TASK_ABORTED, NULL, 0, 0);
			free_stage(d, u);
			return 0;
		}
		int32_t m = resp < u->init_bufflen ? resp : u->init_bufflen;
		if (u->data_in && m > 0) {
			if ((!fresh && d->mm == NULL && !local_mapped(u->pbuf, (uint64_t)m)) ||
			    copy_from_handler(d->mm, u->data_in, u->pbuf, (size_t)m, 0) != 0) {
				d->st.freed_held_buffers++;
				if (u->buf)
					buf_forget(d, u);
				u->pbuf = 0;
				u->pbuf_held = 0;
				complete_core(d, u, ST_CHECK, 0x04, 0x44, 0x00);
				free_stage(d, u);
				return 0;
			}
		}
		complete_scsi(d, u, e->status, s, n, u->data_in ? (m > 0 ? m : 0) : resp);
		free_stage(d, u);
		return 0;
	}
	case SCST_EXEC_REPLY_BACKGROUND:
		if (u->dir == SCST_DATA_READ || e->resp_data_len != 0)
			return bad_reply(d, u, -EINVAL, 0x0B, 0x44);
		complete_scsi(d, u, ST_GOOD, NULL, 0, 0);
		u->background = 1;
		u->state = US_SENT;
		return 0;
	case SCST_EXEC_REPLY_DO_WRITE_SAME: {
		if ((u->cdb[0] != 0x41 && u->cdb[0] != 0x93) || e->status != 0)
			return bad_reply(d, u, -EINVAL, 0x0B, 0x44);
		uint16_t len = e->ws_descriptors_len;
		if (len % sizeof(struct scst_user_data_descriptor) || len > 4096)
			return bad_reply(d, u, -EINVAL, 0x0B, 0x44);
		if (len) {
			struct scst_user_data_descriptor last;
			uint64_t plast = e->ws_descriptors + len - sizeof(last);
			if (!handler_mapped(d->mm, e->ws_descriptors, len) ||
			    copy_from_handler(d->mm, &last, plast, sizeof(last), 0) != 0)
				return bad_reply(d, u, -EFAULT, 0x0B, 0x44);
			if (last.usdd_blocks != 0)
				return bad_reply(d, u, -EINVAL, 0x0B, 0x44);
		}
		d->write_same_replies++;
		complete_scsi(d, u, u->aborted ? ST_TASK_ABORTED : ST_GOOD, NULL, 0, 0);
		free_stage(d, u);
		return 0;
	}
	default:
		return bad_reply(d, u, -EINVAL, 0x0B, 0x44);
	}
}

/* A reply whose subcode does not match: the kernel force-completes the item. */
static void force_fail(struct emu_dev *d, struct ucmd *u)
{
	u->state = US_IDLE;
	switch (u->kind) {
	case UK_SCSI:
		if (u->sub == SCST_USER_ON_FREE_CMD) {
			release_ucmd(d, u);
		} else {
			u->background = 0;
			complete_core(d, u, ST_CHECK, 0x05, 0x25, 0x00);
			free_stage(d, u);
		}
		break;
	case UK_ATTACH:
		u->result = -EINVAL;
		u->replied = 1;
		if (u->abandoned) {
			free(u->msess);
			uc_free(d, u);
		}
		ev_wake(d);
		break;
	case UK_TM:
		if (u->sub == SCST_USER_TASK_MGMT_RECEIVED) {
			u->tm->recv_replied = 1;
			tm_check(d, u->tm);
		} else {
			struct emu_tm *tm = u->tm;
			uc_free(d, u);
			tm_finish(d, tm, SCST_MGMT_STATUS_FAILED);
		}
		break;
	case UK_OWNER: {
		struct sgv_buf *b = u->buf;
		if (b->flush && d->flush_pending)
			d->flush_pending--;
		buf_unlink_free(d, b);
		uc_free(d, u);
		ev_wake(d);
		break;
	}
	default:
		uc_free(d, u);
		break;
	}
}

static int do_reply(struct emu_dev *d, const struct scst_user_reply_cmd *r)
{
	struct ucmd *u = uc_lookup(d, r->cmd_h);
	if (u == NULL) {
		d->st.unknown_handle_replies++;
		return -ESRCH;
	}
	if (u->state != US_SENT) {
		d->st.double_replies++;
		return -EINVAL;
	}
	if (r->subcode != u->sub) {
		d->st.subcode_mismatches++;
		force_fail(d, u);
		return -EINVAL;
	}
	switch (u->sub) {
	case SCST_USER_PARSE:
		return reply_parse(d, u, r);
	case SCST_USER_ALLOC_MEM:
		return reply_alloc(d, u, r);
	case SCST_USER_EXEC:
		return reply_exec(d, u, r);
	case SCST_USER_ON_FREE_CMD:
		u->state = US_IDLE;
		release_ucmd(d, u);
		return 0;
	case SCST_USER_ON_CACHED_MEM_FREE: {
		struct sgv_buf *b = u->buf;
		if (b->flush && d->flush_pending) {
			d->flush_pending--;
			ev_wake(d);
		}
		buf_unlink_free(d, b);
		uc_free(d, u);
		return 0;
	}
	case SCST_USER_ATTACH_SESS:
		u->state = US_IDLE;
		if (u->abandoned) {
			d->st.late_attach_replies++;
			free(u->msess);
			uc_free(d, u);
			return 0;
		}
		u->result = r->result;
		u->replied = 1;
		ev_wake(d);
		return 0;
	case SCST_USER_DETACH_SESS:
		uc_free(d, u);
		return 0;
	case SCST_USER_TASK_MGMT_RECEIVED:
		u->state = US_IDLE;
		u->tm->recv_replied = 1;
		tm_check(d, u->tm);
		return 0;
	case SCST_USER_TASK_MGMT_DONE: {
		struct emu_tm *tm = u->tm;
		int32_t res = r->result == SCST_MGMT_STATUS_TASK_NOT_EXIST ? SCST_MGMT_STATUS_SUCCESS : r->result;
		uc_free(d, u);
		tm_finish(d, tm, res);
		return 0;
	}
	default:
		uc_free(d, u);
		return -EINVAL;
	}
}

/* ---- handing subcommands to the handler ---------------------------------------------------------------------- */

/* Writes subcommand u to *out and marks it sent; returns the bytes written (what the kernel copies out).
 * The final memcpy has a size known per case, so the compiler turns it into a few moves: keep it that way. */
static size_t emit(struct emu_dev *d, struct ucmd *u, struct scst_user_get_cmd *out)
{
	struct scst_user_get_cmd g;
	size_t n;
	switch (u->sub) {
	case SCST_USER_ATTACH_SESS: {
		struct emu_sess *s = u->msess;
		n = sizeof(g);
		memset(&g, 0, n);
		g.sess.sess_h = s->sess_h;
		g.sess.lun = s->lun;
		g.sess.threads_num = 1;
		g.sess.rd_only = s->rd_only;
		g.sess.scsi_transport_version = 0x0BE0;
		memcpy(g.sess.initiator_name, s->ini, sizeof(g.sess.initiator_name));
		memcpy(g.sess.target_name, s->tgt, sizeof(g.sess.target_name));
		d->st.attach_sent++;
		break;
	}
	case SCST_USER_DETACH_SESS:
		n = sizeof(g);
		memset(&g, 0, n);
		g.sess.sess_h = u->msess_h;
		d->st.detach_sent++;
		break;
	case SCST_USER_PARSE: {
		struct scst_user_scsi_cmd_parse *p = &g.parse_cmd;
		n = 8 + sizeof(*p);
		memset(&g, 0, n);
		p->sess_h = u->sess->sess_h;
		memcpy(p->cdb, u->cdb, SCST_MAX_CDB_SIZE);
		p->cdb_len = u->cdb_len;
		p->lba = u->lba;
		p->data_len = u->data_len;
		p->bufflen = u->bufflen;
		p->timeout = 60;
		p->op_flags = u->op_flags;
		p->queue_type = u->queue_type;
		p->data_direction = u->dir;
		p->expected_values_set = 1;
		p->expected_data_direction = u->dir;
		p->expected_transfer_len = u->init_bufflen;
		p->sn = u->sn;
		d->st.parse_sent++;
		break;
	}
	case SCST_USER_ALLOC_MEM: {
		struct scst_user_scsi_cmd_alloc_mem *a = &g.alloc_cmd;
		n = 8 + sizeof(*a);
		memset(&g, 0, n);
		a->sess_h = u->sess->sess_h;
		memcpy(a->cdb, u->cdb, SCST_MAX_CDB_SIZE);
		a->cdb_len = u->cdb_len;
		a->alloc_len = u->alloc_len;
		a->queue_type = u->queue_type;
		a->data_direction = u->dir;
		a->sn = u->sn;
		d->st.alloc_mem_sent++;
		break;
	}
	case SCST_USER_EXEC: {
		struct scst_user_scsi_cmd_exec *x = &g.exec_cmd;
		n = 8 + sizeof(*x);
		memset(&g, 0, n);
		x->sess_h = u->sess->sess_h;
		memcpy(x->cdb, u->cdb, SCST_MAX_CDB_SIZE);
		x->cdb_len = u->cdb_len;
		x->lba = u->lba;
		x->data_len = u->data_len;
		x->bufflen = u->bufflen;
		x->alloc_len = u->alloc_len;
		x->pbuf = u->pbuf;
		x->queue_type = u->queue_type;
		x->data_direction = u->dir;
		x->timeout = 60;
		x->p_out_buf = u->pbuf ? u->pbuf + (((uint64_t)u->bufflen + EMU_PAGE - 1) & ~(uint64_t)(EMU_PAGE - 1)) : 0;
		x->sn = u->sn;
		d->st.exec_sent++;
		break;
	}
	case SCST_USER_ON_FREE_CMD: {
		struct scst_user_scsi_on_free_cmd *f = &g.on_free_cmd;
		n = 8 + sizeof(*f);
		memset(&g, 0, n);
		f->pbuf = u->pbuf;
		f->resp_data_len = u->resp_data_len;
		f->buffer_cached = u->buf != NULL;
		f->aborted = u->aborted;
		f->status = u->status;
		f->delivery_status = u->delivery;
		d->st.on_free_sent++;
		break;
	}
	case SCST_USER_ON_CACHED_MEM_FREE:
		n = 8 + sizeof(g.on_cached_mem_free);
		memset(&g, 0, n);
		g.on_cached_mem_free.pbuf = u->buf->pbuf;
		d->st.on_cached_mem_free_sent++;
		break;
	case SCST_USER_TASK_MGMT_RECEIVED:
	case SCST_USER_TASK_MGMT_DONE: {
		struct emu_tm *tm = u->tm;
		n = 8 + sizeof(g.tm_cmd);
		memset(&g, 0, n);
		g.tm_cmd.sess_h = tm->sess_h;
		g.tm_cmd.fn = tm->fn;
		g.tm_cmd.cmd_h_to_abort = tm->cmd_h_to_abort;
		g.tm_cmd.cmd_sn = tm->cmd_sn;
		g.tm_cmd.cmd_sn_set = 1;
		if (u->sub == SCST_USER_TASK_MGMT_RECEIVED)
			d->st.tm_received_sent++;
		else
			d->st.tm_done_sent++;
		break;
	}
	default:
		n = 8;
		memset(&g, 0, n);
		break;
	}
	g.cmd_h = u->h;
	g.subcode = u->sub;
	u->state = US_SENT;
	if (u->kind == UK_SCSI)
		u->seen = 1;
	memcpy(out, &g, n);
	return n;
}

/* emit() for a handler in another process: through a bounce buffer. If the copy fails, the subcommand goes back to
 * the head of its queue, as the kernel requeues it when copy_to_user fails. 0 or -EFAULT. */
__attribute__((noinline, cold)) static int emit_remote(struct emu_dev *d, struct ucmd *u, uint64_t out)
{
	struct scst_user_get_cmd bounce;
	uint8_t was_seen = u->seen;
	size_t n = emit(d, u, &bounce);
	if (copy_to_handler(d->mm, out, &bounce, n, 0) == 0)
		return 0;
	uint64_t *c;
	switch (u->sub) {
	case SCST_USER_ATTACH_SESS: c = &d->st.attach_sent; break;
	case SCST_USER_DETACH_SESS: c = &d->st.detach_sent; break;
	case SCST_USER_PARSE: c = &d->st.parse_sent; break;
	case SCST_USER_ALLOC_MEM: c = &d->st.alloc_mem_sent; break;
	case SCST_USER_EXEC: c = &d->st.exec_sent; break;
	case SCST_USER_ON_FREE_CMD: c = &d->st.on_free_sent; break;
	case SCST_USER_ON_CACHED_MEM_FREE: c = &d->st.on_cached_mem_free_sent; break;
	case SCST_USER_TASK_MGMT_RECEIVED: c = &d->st.tm_received_sent; break;
	case SCST_USER_TASK_MGMT_DONE: c = &d->st.tm_done_sent; break;
	default: c = NULL; break;
	}
	if (c)
		(*c)--;
	u->seen = was_seen;
	struct ucmd **head = u->qfront ? &d->qf_head : &d->qb_head;
	struct ucmd **tail = u->qfront ? &d->qf_tail : &d->qb_tail;
	u->state = US_QUEUED;
	u->qprev = NULL;
	u->qnext = *head;
	if (*head)
		(*head)->qprev = u;
	else
		*tail = u;
	*head = u;
	if (d->qcount++ == 0)
		efd_signal(d);
	if (d->waiters)
		pthread_cond_signal(&d->cmd_cv);
	return -EFAULT;
}

/* One subcommand into the handler's struct at `out`; 0, -EAGAIN or -EFAULT. Called with d->lock held.
 * always_inline: see reply_exec. */
static inline __attribute__((always_inline)) int fetch_one(struct emu_dev *d, uint64_t out, int may_block)
{
	while (d->qcount == 0) {
		if (!may_block || !d->blocking || d->closing || d->unreg)
			return -EAGAIN;
		d->waiters++;
		pthread_cond_wait(&d->cmd_cv, &d->lock);
		d->waiters--;
	}
	struct ucmd *u = d->qf_head ? d->qf_head : d->qb_head;
	q_remove(d, u);
	if (d->mm != NULL)
		return emit_remote(d, u, out);
	emit(d, u, (struct scst_user_get_cmd *)(uintptr_t)out);
	return 0;
}

/* ---- fd registry --------------------------------------------------------------------------------------------- */

static void dev_release(struct emu_dev *d);
static void evf_free(struct emu_evf *ev);

static void file_put(struct emu_file *f)
{
	pthread_mutex_lock(&g_lock);
	int last = --f->refs == 0;
	pthread_mutex_unlock(&g_lock);
	if (!last)
		return;
	if (f->dev)
		dev_release(f->dev);
	if (f->ev)
		evf_free(f->ev);
	emu_mm_put(f->mm);
	free(f);
}

/* ---- registration (§3.4, §6.1, §6.2, §8.1) ------------------------------------------------------------------- */

static int opts_valid(const struct scst_user_opt *o)
{
	return o->parse_type <= SCST_USER_PARSE_EXCEPTION && o->on_free_cmd_type <= SCST_USER_ON_FREE_CMD_IGNORE &&
	       o->memory_reuse_type <= SCST_USER_MEM_REUSE_ALL &&
	       o->partial_transfers_type <= SCST_USER_PARTIAL_TRANSFERS_SUPPORTED && o->tst <= 1 &&
	       o->tmf_only <= 1 && o->queue_alg <= 1 && (o->qerr <= 1 || o->qerr == 3) && o->tas <= 1 &&
	       o->swp <= 1 && o->d_sense <= 1 && o->has_own_order_mgmt <= 1 && o->ext_copy_remap_supported <= 1;
}

/* §6.2: types SCST's parser does not know are forced to PARSE_CALL. */
static void opts_apply(struct emu_dev *d, const struct scst_user_opt *o)
{
	d->opt = *o;
	switch (d->type) {
	case 0: case 1: case 3: case 5: case 7: case 8: case 0x0C:
		break;
	default:
		d->opt.parse_type = SCST_USER_PARSE_CALL;
		break;
	}
}

static int evf_match(const struct ev_filter *f, uint32_t code, const char *issuer, const uint8_t *payload,
		     int32_t plen)
{
	if (f->code != 0 && f->code != code)
		return 0;
	if (strcmp(f->issuer, "*") != 0 && strcmp(f->issuer, issuer) != 0)
		return 0;
	if (f->payload_len != 0 && (f->payload_len != plen || memcmp(f->payload, payload, (size_t)plen) != 0))
		return 0;
	return 1;
}

/* Queue a core event to every initialised event fd with a matching filter (g_lock held). */
static void ev_broadcast(uint32_t code, const uint8_t *payload, int32_t plen)
{
	for (struct emu_evf *ev = g_evfs; ev; ev = ev->next) {
		if (!ev->initialized || ev->closed)
			continue;
		int hit = 0;
		for (int i = 0; i < ev->nfilters && !hit; i++)
			hit = evf_match(&ev->filters[i], code, SCST_EVENT_SCST_CORE_ISSUER, payload, plen);
		if (!hit || ev->count >= EMU_EVENT_QUEUE_MAX)
			continue;
		struct ev_item *it = calloc(1, sizeof(*it) + 64 + (size_t)plen);
		if (it == NULL)
			continue;
		it->len = 64 + plen;
		struct scst_event hdr;
		memset(&hdr, 0, sizeof(hdr));
		hdr.payload_len = plen;
		hdr.event_code = code;
		strcpy(hdr.issuer_name, SCST_EVENT_SCST_CORE_ISSUER);
		memcpy(it->data, &hdr, offsetof(struct scst_event, payload));
		memcpy(it->data + offsetof(struct scst_event, payload), payload, (size_t)plen);
		if (ev->tail)
			ev->tail->next = it;
		else
			ev->head = it;
		ev->tail = it;
		if (ev->count++ == 0 && !ev->efd_ready) {
			efd_write(ev->efd);
			ev->efd_ready = 1;
		}
	}
	pthread_cond_broadcast(&g_ev_cv);
}

static struct emu_dev *dev_new(void)
{
	struct emu_dev *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	pthread_mutex_init(&d->lock, NULL);
	init_cond(&d->cmd_cv);
	init_cond(&d->ev_cv);
	d->efd = -1;
	return d;
}

static int user_register(struct emu_file *f, uint64_t arg)
{
	struct scst_user_dev_desc desc;
	char lic[128], ver[128];
	size_t n = sizeof(emu_version) < 20 ? 20 : sizeof(emu_version);

	if (copy_from_handler(f->mm, &desc, arg, sizeof(desc), 0) != 0)
		return -EFAULT;
	if (copy_from_handler(f->mm, lic, desc.license_str, n, 1) != 0)
		return -EFAULT;
	lic[n - 1] = 0;
	int ok = 0;
	for (size_t i = 0; i < sizeof(emu_licenses) / sizeof(emu_licenses[0]); i++)
		ok |= strcmp(lic, emu_licenses[i]) == 0;
	if (!ok)
		return -EPERM;
	if (copy_from_handler(f->mm, ver, desc.version_str, n, 1) != 0)
		return -EFAULT;
	ver[n - 1] = 0;

	char name[SCST_MAX_NAME];
	memcpy(name, desc.name, SCST_MAX_NAME);
	name[SCST_MAX_NAME - 1] = 0; /* §6.2: the kernel forces byte 49 to NUL */

	if (strcmp(ver, emu_version) != 0) {
		/* keep what was received, for mismatch diagnostics, in a never-registered record of that name */
		if (name[0]) {
			struct emu_dev *r = dev_new();
			if (r) {
				memcpy(r->name, name, sizeof(name));
				snprintf(r->st.version_received, sizeof(r->st.version_received), "%s", ver);
				pthread_mutex_lock(&g_lock);
				r->next_all = g_devs;
				g_devs = r;
				pthread_mutex_unlock(&g_lock);
			}
		}
		return -EINVAL;
	}
	switch (desc.type) {
	case 0: case 5: case 7:
		if (desc.block_size < 512 || (desc.block_size & (desc.block_size - 1)))
			return -EINVAL;
		break;
	default:
		break;
	}
	if (!opts_valid(&desc.opt))
		return -EINVAL;
	if (name[0] == 0 || strchr(name, '/') || strchr(name, '.'))
		return -EINVAL;

	pthread_mutex_lock(&g_lock);
	if (f->closed) {
		pthread_mutex_unlock(&g_lock);
		return -EBADF;
	}
	for (struct emu_dev *o = g_devs; o; o = o->next_all)
		if (o->registered && strcmp(o->name, name) == 0) {
			pthread_mutex_unlock(&g_lock);
			return -EEXIST;
		}
	if (f->dev) {
		pthread_mutex_unlock(&g_lock);
		return -EINVAL;
	}
	struct emu_dev *d = dev_new();
	if (d == NULL) {
		pthread_mutex_unlock(&g_lock);
		return -ENOMEM;
	}
	memcpy(d->name, name, sizeof(name));
	d->mm = f->mm;
	emu_mm_get(d->mm);
	d->type = desc.type;
	d->block_size = desc.block_size;
	opts_apply(d, &desc.opt);
	d->blocking = !(f->oflags & O_NONBLOCK);
	d->registered = 1;
	snprintf(d->st.version_received, sizeof(d->st.version_received), "%s", ver);
	d->st.registered = 1;
	d->st.ioctls = 1;
	d->next_all = g_devs;
	g_devs = d;
	f->dev = d;
	/* the file's eventfd becomes the device's readiness descriptor */
	d->efd = f->fd;
	/* the kernel makes the device visible in sysfs before it queues the registration event */
	if (g_on_registered)
		g_on_registered(name, g_hook_context);
	struct scst_event_reg_vdev_payload pl;
	memset(&pl, 0, sizeof(pl));
	memcpy(pl.device_name, name, strlen(name));
	ev_broadcast(SCST_EVENT_REG_VIRT_DEV, (const uint8_t *)&pl, (int32_t)sizeof(pl));
	pthread_mutex_unlock(&g_lock);
	return 0;
}

/* ---- release (§8.10) ----------------------------------------------------------------------------------------- */

static void dev_release(struct emu_dev *d)
{
	pthread_mutex_lock(&g_lock);
	pthread_mutex_lock(&d->lock);
	d->registered = 0;
	d->st.registered = 0;
	/* the device and its LUNs leave sysfs; its sessions are dropped below */
	if (g_on_unregistered)
		g_on_unregistered(d->name, g_hook_context);
	pthread_mutex_unlock(&g_lock);
	d->closing = 1;
	d->efd = -1;
	if (d->mm) {
		/* the handler's memory is out of reach from now on (a dead process's pid may be reused) */
		emu_mm_put(d->mm);
		d->mm = &g_dead_mm;
	}

	for (struct emu_sess *s = d->sessions; s; s = s->next) {
		if (s->load)
			s->load->stop = 1;
		if (s->live) {
			pthread_mutex_lock(&g_map_lock);
			map_del(g_smap, &g_smap_n, (int64_t)s->sess_h);
			pthread_mutex_unlock(&g_map_lock);
		}
	}
	for (struct emu_load *l = d->loads; l; l = l->next)
		l->stop = 1;

	/* SCSI commands: held by the handler -> 5/25/00, queued -> BUSY; TMFs FAILED; attach waiters fail */
	for (uint32_t i = 0; i < d->nalloc; i++) {
		struct ucmd *u = &d->chunks[i >> EMU_UC_CHUNK_SHIFT][i & (EMU_UC_CHUNK - 1)];
		switch (u->kind) {
		case UK_SCSI:
			if (!u->init_done) {
				if (u->seen) {
					uint8_t s[SCST_STANDARD_SENSE_LEN];
					uint8_t n = make_sense(0, s, 0x05, 0x25, 0x00);
					complete_scsi(d, u, ST_CHECK, s, n, 0);
				} else {
					complete_scsi(d, u, ST_BUSY, NULL, 0, 0);
				}
			}
			break;
		case UK_ATTACH:
			free(u->msess);
			u->msess = NULL;
			break;
		case UK_TM:
			if (u->tm && !u->tm->finished)
				tm_finish(d, u->tm, SCST_MGMT_STATUS_FAILED);
			break;
		default:
			break;
		}
	}
	for (int i = 0; i < EMU_MAX_TM; i++)
		if (d->tms[i] && !d->tms[i]->finished)
			tm_finish(d, d->tms[i], SCST_MGMT_STATUS_FAILED);
	kick_loads(d); /* registered == 0: pumps only finish */
	for (struct emu_load *l = d->loads; l; l = l->next)
		if (!l->finished) {
			l->finished = 1;
			l->end_ns = now_ns();
		}
	/* forget everything the device owned */
	while (d->bufs) {
		struct sgv_buf *b = d->bufs;
		d->bufs = b->anext;
		free(b);
	}
	memset(d->idle, 0, sizeof(d->idle));
	for (uint32_t c = 0; c < EMU_UC_MAX / EMU_UC_CHUNK && d->chunks; c++)
		free(d->chunks[c]);
	free(d->chunks);
	d->chunks = NULL;
	d->nalloc = 0;
	d->freelist = NULL;
	d->qf_head = d->qf_tail = d->qb_head = d->qb_tail = NULL;
	d->qcount = 0;
	while (d->sessions) {
		struct emu_sess *s = d->sessions;
		d->sessions = s->next;
		free(s);
	}
	for (struct emu_load *l = d->loads; l; l = l->next)
		l->sess = NULL;
	d->st.sessions = 0;
	d->st.buffers_cached = 0;
	d->st.buffers_in_use = 0;
	d->flush_pending = 0;
	pthread_cond_broadcast(&d->cmd_cv);
	pthread_cond_broadcast(&d->ev_cv);
	pthread_mutex_unlock(&d->lock);
}

/* ---- scst_user ioctls ---------------------------------------------------------------------------------------- */

_Static_assert(offsetof(struct scst_user_get_multi, cmds_cnt) == offsetof(struct scst_user_get_multi, replies_done) + 2,
	       "replies_done and cmds_cnt are written back together");

static int user_multi(struct emu_dev *d, uint64_t arg)
{
	struct scst_user_get_multi m;
	int err = 0;
	if (copy_from_handler(d->mm, &m, arg, sizeof(m), 0) != 0)
		return -EFAULT;
	uint64_t preplies = m.preplies;
	int16_t rc = m.replies_cnt, cc = m.cmds_cnt;
	int16_t out[2]; /* replies_done, cmds_cnt */
	pthread_mutex_lock(&d->lock);
	d->st.ioctls++;
	if (rc > 0) {
		for (int i = 0; i < rc; i++) {
			struct scst_user_reply_cmd r;
			if (preplies == 0 ||
			    copy_from_handler(d->mm, &r, preplies + (uint64_t)i * sizeof(r), sizeof(r), 0) != 0)
				err = -EFAULT;
			else {
				err = do_reply(d, &r);
				kick_loads(d);
			}
			if (err) {
				out[0] = (int16_t)i;
				out[1] = 0;
				pthread_mutex_unlock(&d->lock);
				copy_to_handler(d->mm, arg + offsetof(struct scst_user_get_multi, replies_done), out,
						sizeof(out), 0);
				return err;
			}
		}
	}
	out[0] = rc > 0 ? rc : 0;
	int got = 0;
	uint64_t cmds = arg + offsetof(struct scst_user_get_multi, cmds);
	if (cc > 0) {
		err = fetch_one(d, cmds, 1);
		if (err == 0) {
			got = 1;
			while (got < cc &&
			       fetch_one(d, cmds + (uint64_t)got * sizeof(struct scst_user_get_cmd), 0) == 0)
				got++;
		}
	}
	out[1] = (int16_t)got;
	pthread_mutex_unlock(&d->lock);
	if (copy_to_handler(d->mm, arg + offsetof(struct scst_user_get_multi, replies_done), out, sizeof(out), 0) != 0)
		return -EFAULT;
	return got == 0 && cc > 0 ? err : 0;
}

static int user_flush(struct emu_dev *d)
{
	struct timespec ts;
	int ret = 0;
	pthread_mutex_lock(&d->lock);
	d->st.ioctls++;
	d->st.flush_cache_calls++;
	purge_idle(d, 1);
	for (struct sgv_buf *b = d->bufs; b; b = b->anext)
		if (b->in_use)
			b->evict = 1;
	deadline(&ts, 90000);
	while (d->flush_pending > 0) {
		if (d->closing || !d->registered) {
			ret = -EBUSY;
			break;
		}
		d->ev_waiters++;
		int t = cv_wait(&d->ev_cv, &d->lock, &ts);
		d->ev_waiters--;
		if (t == ETIMEDOUT && d->flush_pending > 0) {
			ret = -EBUSY;
			break;
		}
	}
	pthread_mutex_unlock(&d->lock);
	return ret;
}

static int user_ioctl(struct emu_file *f, struct emu_dev *d, unsigned long req, uint64_t arg)
{
	struct emu_mm *mm = f->mm;
	switch (req) {
	case SCST_USER_REGISTER_DEVICE:
		if (arg == 0)
			return -EFAULT;
		return user_register(f, arg);
	case SCST_USER_UNREGISTER_DEVICE:
	case SCST_USER_SET_OPTIONS:
	case SCST_USER_GET_OPTIONS:
	case SCST_USER_REPLY_AND_GET_CMD:
	case SCST_USER_REPLY_CMD:
	case SCST_USER_FLUSH_CACHE:
	case SCST_USER_DEVICE_CAPACITY_CHANGED:
	case SCST_USER_GET_EXTENDED_CDB:
	case SCST_USER_PREALLOC_BUFFER:
	case SCST_USER_REPLY_AND_GET_MULTI:
		if (d == NULL)
			return -ENODEV;
		break;
	default:
		return -EINVAL;
	}
	if (arg == 0 && req != SCST_USER_UNREGISTER_DEVICE && req != SCST_USER_FLUSH_CACHE &&
	    req != SCST_USER_DEVICE_CAPACITY_CHANGED)
		return -EFAULT;

	int ret = 0;
	switch (req) {
	case SCST_USER_REPLY_AND_GET_MULTI:
		return user_multi(d, arg);
	case SCST_USER_REPLY_AND_GET_CMD: {
		uint64_t preply;
		if (copy_from_handler(mm, &preply, arg + offsetof(struct scst_user_get_cmd, preply), sizeof(preply), 0))
			return -EFAULT;
		pthread_mutex_lock(&d->lock);
		d->st.ioctls++;
		if (preply) {
			struct scst_user_reply_cmd r;
			if (copy_from_handler(mm, &r, preply, sizeof(r), 0) != 0) {
				ret = -EFAULT;
			} else {
				ret = do_reply(d, &r);
				kick_loads(d);
			}
		}
		if (ret == 0)
			ret = fetch_one(d, arg, 1);
		pthread_mutex_unlock(&d->lock);
		return ret;
	}
	case SCST_USER_REPLY_CMD: {
		struct scst_user_reply_cmd r;
		if (copy_from_handler(mm, &r, arg, sizeof(r), 0) != 0)
			return -EFAULT;
		pthread_mutex_lock(&d->lock);
		d->st.ioctls++;
		ret = do_reply(d, &r);
		kick_loads(d);
		pthread_mutex_unlock(&d->lock);
		return ret;
	}
	case SCST_USER_FLUSH_CACHE:
		return user_flush(d);
	default:
		break;
	}

	pthread_mutex_lock(&d->lock);
	d->st.ioctls++;
	switch (req) {
	case SCST_USER_UNREGISTER_DEVICE:
		/* obsolete no-op: switch to non-blocking and wake every waiter (they get EAGAIN) */
		d->blocking = 0;
		d->unreg = 1;
		efd_signal(d);
		pthread_cond_broadcast(&d->cmd_cv);
		break;
	case SCST_USER_SET_OPTIONS: {
		struct scst_user_opt o;
		if (copy_from_handler(mm, &o, arg, sizeof(o), 0) != 0) {
			ret = -EFAULT;
			break;
		}
		if (!opts_valid(&o)) {
			ret = -EINVAL;
			break;
		}
		int live = 0;
		for (struct emu_sess *s = d->sessions; s; s = s->next)
			live |= s->live;
		if (o.tst != d->opt.tst && live) {
			ret = -EINVAL;
			break;
		}
		opts_apply(d, &o);
		break;
	}
	case SCST_USER_GET_OPTIONS:
		if (copy_to_handler(mm, arg, &d->opt, sizeof(d->opt), 0) != 0)
			ret = -EFAULT;
		break;
	case SCST_USER_DEVICE_CAPACITY_CHANGED:
		d->st.capacity_changed_calls++;
		if (d->type == 0)
			for (struct emu_sess *s = d->sessions; s; s = s->next)
				if (s->live)
					s->ua_capacity = 1;
		break;
	case SCST_USER_GET_EXTENDED_CDB: {
		struct scst_user_get_ext_cdb x;
		if (copy_from_handler(mm, &x, arg, sizeof(x), 0) != 0) {
			ret = -EFAULT;
			break;
		}
		struct ucmd *u = uc_lookup(d, x.cmd_h);
		if (u == NULL) {
			ret = -ESRCH;
			break;
		}
		if (u->kind != UK_SCSI || u->state != US_SENT || u->background ||
		    (u->sub != SCST_USER_PARSE && u->sub != SCST_USER_ALLOC_MEM && u->sub != SCST_USER_EXEC)) {
			ret = -EINVAL;
			break;
		}
		if (u->cdb_len > SCST_MAX_CDB_SIZE) {
			size_t n = (size_t)u->cdb_len - SCST_MAX_CDB_SIZE;
			if (copy_to_handler(mm, x.ext_cdb_buffer, u->cdb + SCST_MAX_CDB_SIZE, n, 1) != 0) {
				ret = -EFAULT;
				break;
			}
		}
		break;
	}
	case SCST_USER_PREALLOC_BUFFER: {
		union scst_user_prealloc_buffer pb;
		if (copy_from_handler(mm, &pb, arg, sizeof(pb), 0) != 0) {
			ret = -EFAULT;
			break;
		}
		uint64_t pbuf = pb.in.pbuf;
		uint32_t len = pb.in.bufflen;
		if ((pbuf & (EMU_PAGE - 1)) || pbuf == 0 || len < EMU_PAGE) {
			ret = -EINVAL;
			break;
		}
		int order = 0;
		while (order < EMU_MAX_ORDER && ((uint64_t)EMU_PAGE << (order + 1)) <= len)
			order++;
		uint32_t blen = EMU_PAGE << order;
		if (!handler_mapped(mm, pbuf, blen)) {
			ret = -EFAULT;
			break;
		}
		struct ucmd *u = uc_alloc(d, UK_OWNER);
		struct sgv_buf *b = u ? buf_new(d, pbuf, blen, order, u) : NULL;
		if (b == NULL) {
			if (u)
				uc_free(d, u);
			ret = -ENOMEM;
			break;
		}
		u->buf = b;
		b->inext = d->idle[order];
		d->idle[order] = b;
		d->st.prealloc_buffers++;
		uint32_t h = u->h;
		uint64_t out = arg + offsetof(union scst_user_prealloc_buffer, out.cmd_h);
		if (copy_to_handler(mm, out, &h, sizeof(h), 0) != 0)
			ret = -EFAULT; /* the buffer stays preallocated, as in the kernel */
		break;
	}
	default:
		ret = -EINVAL;
		break;
	}
	pthread_mutex_unlock(&d->lock);
	return ret;
}

/* ---- scst_event (§9) ----------------------------------------------------------------------------------------- */

static void evf_free(struct emu_evf *ev)
{
	pthread_mutex_lock(&g_lock);
	struct emu_evf **pp = &g_evfs;
	while (*pp && *pp != ev)
		pp = &(*pp)->next;
	if (*pp)
		*pp = ev->next;
	pthread_mutex_unlock(&g_lock);
	while (ev->head) {
		struct ev_item *it = ev->head;
		ev->head = it->next;
		free(it);
	}
	for (int i = 0; i < ev->nfilters; i++)
		free(ev->filters[i].payload);
	free(ev->filters);
	free(ev);
}

static int filter_read(const struct emu_mm *mm, uint64_t arg, struct ev_filter *f)
{
	struct scst_event h;
	if (copy_from_handler(mm, &h, arg, offsetof(struct scst_event, payload), 0) != 0)
		return -EFAULT;
	if (h.payload_len < 0 || h.payload_len > EMU_EVENT_PAYLOAD_MAX)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	f->code = h.event_code;
	memcpy(f->issuer, h.issuer_name, SCST_MAX_NAME);
	f->issuer[SCST_MAX_NAME - 1] = 0;
	f->payload_len = h.payload_len;
	if (h.payload_len) {
		f->payload = malloc((size_t)h.payload_len);
		if (f->payload == NULL)
			return -ENOMEM;
		if (copy_from_handler(mm, f->payload, arg + offsetof(struct scst_event, payload), (size_t)h.payload_len,
				      0) != 0) {
			free(f->payload);
			return -EFAULT;
		}
	}
	return 0;
}

static int filter_same(const struct ev_filter *a, const struct ev_filter *b)
{
	return a->code == b->code && strcmp(a->issuer, b->issuer) == 0 && a->payload_len == b->payload_len &&
	       (a->payload_len == 0 || memcmp(a->payload, b->payload, (size_t)a->payload_len) == 0);
}

/* DISALLOW: does wildcard filter g cover filter f? */
static int filter_covers(const struct ev_filter *g, const struct ev_filter *f)
{
	if (g->code != 0 && g->code != f->code)
		return 0;
	if (strcmp(g->issuer, "*") != 0 && strcmp(g->issuer, f->issuer) != 0)
		return 0;
	if (g->payload_len != 0 && (g->payload_len != f->payload_len ||
				    memcmp(g->payload, f->payload, (size_t)g->payload_len) != 0))
		return 0;
	return 1;
}

static int event_ioctl(struct emu_file *f, unsigned long req, uint64_t arg)
{
	struct emu_evf *ev = f->ev;
	int ret = 0;
	if (arg == 0)
		return -EFAULT;
	pthread_mutex_lock(&g_lock);
	if (!ev->initialized) {
		ev->initialized = 1;
		ev->nonblock = (f->oflags & O_NONBLOCK) != 0;
	}
	switch (req) {
	case SCST_EVENT_ALLOW_EVENT: {
		struct ev_filter nf;
		ret = filter_read(f->mm, arg, &nf);
		if (ret)
			break;
		for (int i = 0; i < ev->nfilters; i++)
			if (filter_same(&ev->filters[i], &nf)) {
				free(nf.payload);
				ret = -EEXIST;
				goto out;
			}
		if (ev->nfilters >= EMU_EVENT_FILTER_MAX) {
			free(nf.payload);
			ret = -EMFILE;
			break;
		}
		if (ev->nfilters == ev->cap) {
			int nc = ev->cap ? ev->cap * 2 : 8;
			struct ev_filter *nfs = realloc(ev->filters, (size_t)nc * sizeof(*nfs));
			if (nfs == NULL) {
				free(nf.payload);
				ret = -ENOMEM;
				break;
			}
			ev->filters = nfs;
			ev->cap = nc;
		}
		ev->filters[ev->nfilters++] = nf;
		break;
	}
	case SCST_EVENT_DISALLOW_EVENT: {
		struct ev_filter g;
		ret = filter_read(f->mm, arg, &g);
		if (ret)
			break;
		int removed = 0;
		for (int i = 0; i < ev->nfilters;) {
			if (filter_covers(&g, &ev->filters[i])) {
				free(ev->filters[i].payload);
				ev->filters[i] = ev->filters[--ev->nfilters];
				removed++;
			} else {
				i++;
			}
		}
		free(g.payload);
		if (!removed)
			ret = -ENOENT;
		break;
	}
	case SCST_EVENT_GET_NEXT_EVENT: {
		int32_t max;
		while (ev->head == NULL) {
			if (ev->nonblock) {
				ret = -EAGAIN;
				goto out;
			}
			if (f->closed) {
				ret = -EBADF;
				goto out;
			}
			pthread_cond_wait(&g_ev_cv, &g_lock);
		}
		struct ev_item *it = ev->head;
		if (copy_from_handler(f->mm, &max, arg, sizeof(max), 0) != 0) {
			ret = -EFAULT;
			break;
		}
		if (max < it->len) {
			ret = copy_to_handler(f->mm, arg, &it->len, sizeof(it->len), 0) != 0 ? -EFAULT : -ENOSPC;
			break;
		}
		if (copy_to_handler(f->mm, arg + offsetof(struct scst_event_user, out_event), it->data, (size_t)it->len,
				    0) != 0) {
			ret = -EFAULT; /* the event stays queued */
			break;
		}
		ev->head = it->next;
		if (ev->head == NULL)
			ev->tail = NULL;
		free(it);
		if (--ev->count == 0 && ev->efd_ready) {
			efd_read(ev->efd);
			ev->efd_ready = 0;
		}
		break;
	}
	case SCST_EVENT_NOTIFY_DONE:
		ret = -ENOENT; /* no emulated event needs an answer */
		break;
	default:
		ret = -EINVAL;
		break;
	}
out:
	pthread_mutex_unlock(&g_lock);
	return ret;
}

/* ---- handler side: open / ioctl / close for local and remote files -------------------------------------------- */

static uint64_t g_next_serial;

/* A new file for `mm` (NULL: this process). Its descriptor, or -errno. `dup_fd` (remote files): a duplicate of the
 * descriptor made before the file was published, so a concurrent close cannot hand its number to another file. */
static int file_open(const char *path, int flags, struct emu_mm *mm, uint64_t *serial, int *dup_fd)
{
	ensure_init();
	int kind;
	if (path && strcmp(path, DEV_USER_PATH DEV_USER_NAME) == 0)
		kind = FK_USER;
	else if (path && strcmp(path, SCST_EVENT_DEV) == 0)
		kind = FK_EVENT;
	else
		return -ENOENT;
	struct emu_file *f = calloc(1, sizeof(*f));
	struct emu_evf *ev = kind == FK_EVENT ? calloc(1, sizeof(*ev)) : NULL;
	if (f == NULL || (kind == FK_EVENT && ev == NULL)) {
		free(f);
		free(ev);
		return -ENOMEM;
	}
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int dfd = fd >= 0 && dup_fd ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : 0;
	if (fd < 0 || dfd < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		free(f);
		free(ev);
		return -e;
	}
	f->fd = fd;
	f->kind = kind;
	f->refs = 1;
	f->oflags = flags;
	f->ev = ev;
	f->mm = mm;
	if (ev)
		ev->efd = fd;
	pthread_mutex_lock(&g_lock);
	int err = mm && mm->dead ? -ESRCH : 0; /* emu_remote_kill ran: no file may outlive it */
	if (err == 0 && fd >= g_files_cap) {
		int nc = g_files_cap ? g_files_cap : 256;
		while (nc <= fd)
			nc *= 2;
		struct emu_file **nf = realloc(g_files, (size_t)nc * sizeof(*nf));
		if (nf == NULL) {
			err = -ENOMEM;
		} else {
			memset(nf + g_files_cap, 0, (size_t)(nc - g_files_cap) * sizeof(*nf));
			g_files = nf;
			g_files_cap = nc;
		}
	}
	if (err) {
		pthread_mutex_unlock(&g_lock);
		close(fd);
		if (dup_fd)
			close(dfd);
		free(f);
		free(ev);
		return err;
	}
	if (dup_fd)
		*dup_fd = dfd;
	emu_mm_get(mm);
	f->serial = ++g_next_serial;
	if (serial)
		*serial = f->serial;
	g_files[fd] = f;
	if (ev) {
		ev->next = g_evfs;
		g_evfs = ev;
	}
	pthread_mutex_unlock(&g_lock);
	return fd;
}

static int file_ioctl(struct emu_file *f, struct emu_dev *d, unsigned long request, uint64_t arg)
{
	request = (unsigned int)request; /* the kernel's ioctl command is 32 bits */
	return f->kind == FK_USER ? user_ioctl(f, d, request, arg) : event_ioctl(f, request, arg);
}

/* Takes f out of the registry (g_lock held, f found there) and closes it as the last close() would. */
static void file_close_locked(struct emu_file *f)
{
	int fd = f->fd;
	g_files[fd] = NULL;
	f->closed = 1;
	struct emu_dev *d = f->dev;
	if (f->ev) {
		f->ev->closed = 1;
		f->ev->efd = -1;
		pthread_cond_broadcast(&g_ev_cv);
	}
	pthread_mutex_unlock(&g_lock);
	if (d) {
		/* wake waiters (they return EAGAIN) and stop touching the descriptor before it is closed */
		pthread_mutex_lock(&d->lock);
		d->closing = 1;
		d->efd = -1;
		pthread_cond_broadcast(&d->cmd_cv);
		pthread_cond_broadcast(&d->ev_cv);
		pthread_mutex_unlock(&d->lock);
	}
	close(fd);
	file_put(f);
}

/* 1 once poll stops reporting POLLNVAL for the file (g_lock held). */
static int file_ready(const struct emu_file *f)
{
	return f->kind == FK_USER ? f->dev != NULL : f->ev->initialized;
}

int emu_remote_open(struct emu_mm *mm, const char *path, int flags, uint64_t *serial, int *dup_fd)
{
	return file_open(path, flags, mm, serial, dup_fd);
}

/* The remote file (fd, serial) of mm with a reference taken, or NULL. */
static struct emu_file *remote_file_get(struct emu_mm *mm, int fd, uint64_t serial, struct emu_dev **dev)
{
	struct emu_file *f = NULL;
	pthread_mutex_lock(&g_lock);
	if (fd >= 0 && fd < g_files_cap && g_files[fd] && g_files[fd]->mm == mm && g_files[fd]->serial == serial) {
		f = g_files[fd];
		f->refs++;
		*dev = f->dev;
	}
	pthread_mutex_unlock(&g_lock);
	return f;
}

int emu_remote_ioctl(struct emu_mm *mm, int fd, uint64_t serial, unsigned long request, uint64_t arg, int *ready)
{
	struct emu_dev *d = NULL;
	struct emu_file *f = remote_file_get(mm, fd, serial, &d);
	if (f == NULL)
		return -EBADF;
	int r = file_ioctl(f, d, request, arg);
	pthread_mutex_lock(&g_lock);
	*ready = file_ready(f);
	pthread_mutex_unlock(&g_lock);
	file_put(f);
	return r;
}

int emu_remote_close(struct emu_mm *mm, int fd, uint64_t serial)
{
	pthread_mutex_lock(&g_lock);
	struct emu_file *f = (fd >= 0 && fd < g_files_cap) ? g_files[fd] : NULL;
	if (f == NULL || f->mm != mm || f->serial != serial) {
		pthread_mutex_unlock(&g_lock);
		return -EBADF;
	}
	file_close_locked(f);
	return 0;
}

void emu_remote_kill(struct emu_mm *mm)
{
	pthread_mutex_lock(&g_lock);
	mm->dead = 1; /* from now on no access reaches its pid, and file_open refuses new files */
	for (;;) {
		struct emu_file *f = NULL;
		for (int fd = 0; fd < g_files_cap && f == NULL; fd++)
			if (g_files[fd] && g_files[fd]->mm == mm)
				f = g_files[fd];
		if (f == NULL)
			break;
		file_close_locked(f); /* unlocks */
		pthread_mutex_lock(&g_lock);
	}
	pthread_mutex_unlock(&g_lock);
}

/* ---- public: handler side ------------------------------------------------------------------------------------ */

USERDISK_EMU_API const char *userdisk_emu_version(void)
{
	return emu_version;
}

USERDISK_EMU_API int userdisk_emu_open(const char *path, int flags)
{
	int fd = file_open(path, flags, NULL, NULL, NULL);
	if (fd < 0) {
		errno = -fd;
		return -1;
	}
	return fd;
}

/* A local file with a reference taken; NULL for anything else (a remote file's descriptor is not the caller's). */
static struct emu_file *file_get(int fd, struct emu_dev **dev, int *remote)
{
	struct emu_file *f = NULL;
	*remote = 0;
	pthread_mutex_lock(&g_lock);
	if (fd >= 0 && fd < g_files_cap && g_files[fd]) {
		if (g_files[fd]->mm == NULL) {
			f = g_files[fd];
			f->refs++;
			*dev = f->dev;
		} else {
			*remote = 1;
		}
	}
	pthread_mutex_unlock(&g_lock);
	return f;
}

USERDISK_EMU_API int userdisk_emu_ioctl(int fd, unsigned long request, void *argument)
{
	ensure_init();
	struct emu_dev *d = NULL;
	int remote;
	struct emu_file *f = file_get(fd, &d, &remote);
	if (f == NULL) {
		if (remote) {
			errno = EBADF;
			return -1;
		}
		return ioctl(fd, request, argument);
	}
	int r = file_ioctl(f, d, request, (uint64_t)(uintptr_t)argument);
	file_put(f);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}

/* Under g_lock. Files of handlers in other processes are not this process's descriptors. */
static int poll_state(int fd)
{
	if (fd >= g_files_cap || g_files[fd] == NULL || g_files[fd]->mm != NULL)
		return -1;
	return file_ready(g_files[fd]) ? 1 : 0;
}

USERDISK_EMU_API int userdisk_emu_poll(struct pollfd *fds, nfds_t count, int timeout_ms)
{
	return emu_poll_fds(fds, count, timeout_ms, &g_lock, poll_state);
}

USERDISK_EMU_API void userdisk_emu_set_device_hooks(userdisk_emu_device_hook on_registered,
						    userdisk_emu_device_hook on_unregistered, void *context)
{
	pthread_mutex_lock(&g_lock);
	g_on_registered = on_registered;
	g_on_unregistered = on_unregistered;
	g_hook_context = context;
	pthread_mutex_unlock(&g_lock);
}

USERDISK_EMU_API int userdisk_emu_close(int fd)
{
	ensure_init();
	pthread_mutex_lock(&g_lock);
	struct emu_file *f = (fd >= 0 && fd < g_files_cap) ? g_files[fd] : NULL;
	if (f == NULL) {
		pthread_mutex_unlock(&g_lock);
		return close(fd);
	}
	if (f->mm != NULL) {
		/* a remote process's file: its descriptor here belongs to the emulator */
		pthread_mutex_unlock(&g_lock);
		errno = EBADF;
		return -1;
	}
	file_close_locked(f);
	return 0;
}

/* ---- public: initiator side ---------------------------------------------------------------------------------- */

static struct emu_dev *dev_by_name(const char *name, int registered_only)
{
	struct emu_dev *best = NULL;
	if (name == NULL)
		return NULL;
	pthread_mutex_lock(&g_lock);
	for (struct emu_dev *d = g_devs; d; d = d->next_all) {
		if (strncmp(d->name, name, SCST_MAX_NAME) != 0)
			continue;
		if (d->registered) {
			best = d;
			break;
		}
		if (!registered_only && best == NULL)
			best = d;
	}
	pthread_mutex_unlock(&g_lock);
	return best;
}

USERDISK_EMU_API int userdisk_emu_attach(const char *device_name, uint64_t lun, const char *initiator_name,
					 const char *target_name, int read_only, int timeout_ms, uint64_t *sess_h)
{
	ensure_init();
	struct emu_dev *d = dev_by_name(device_name, 1);
	struct timespec ts, *dl;
	if (d == NULL)
		return -ENODEV;
	struct emu_sess *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->lun = lun;
	s->rd_only = read_only != 0;
	snprintf(s->ini, sizeof(s->ini), "%s", initiator_name ? initiator_name : "");
	snprintf(s->tgt, sizeof(s->tgt), "%s", target_name ? target_name : "");

	pthread_mutex_lock(&d->lock);
	if (!d->registered) {
		pthread_mutex_unlock(&d->lock);
		free(s);
		return -ENODEV;
	}
	pthread_mutex_lock(&g_map_lock);
	s->sess_h = g_next_sess_h;
	g_next_sess_h += 0x400;
	pthread_mutex_unlock(&g_map_lock);
	struct ucmd *u = uc_alloc(d, UK_ATTACH);
	if (u == NULL) {
		pthread_mutex_unlock(&d->lock);
		free(s);
		return -ENOMEM;
	}
	u->msess = s;
	q_push(d, u, SCST_USER_ATTACH_SESS, 1);
	dl = deadline(&ts, timeout_ms);
	int ret = 0;
	while (d->registered && !u->replied) {
		d->ev_waiters++;
		int t = cv_wait(&d->ev_cv, &d->lock, dl);
		d->ev_waiters--;
		if (t == ETIMEDOUT && d->registered && !u->replied) {
			u->abandoned = 1; /* a later reply counts as late; the session is freed with it */
			pthread_mutex_unlock(&d->lock);
			return -ETIMEDOUT;
		}
	}
	if (!d->registered) {
		pthread_mutex_unlock(&d->lock); /* the release freed the session and the record */
		return -ENODEV;
	}
	ret = u->result;
	uc_free(d, u);
	if (ret != 0) {
		pthread_mutex_unlock(&d->lock);
		free(s);
		return ret;
	}
	pthread_mutex_lock(&g_map_lock);
	ret = map_add(&g_smap, &g_smap_n, &g_smap_cap, (int64_t)s->sess_h, d);
	pthread_mutex_unlock(&g_map_lock);
	if (ret != 0) {
		pthread_mutex_unlock(&d->lock);
		free(s);
		return ret;
	}
	s->live = 1;
	s->next = d->sessions;
	d->sessions = s;
	d->st.sessions++;
	if (sess_h)
		*sess_h = s->sess_h;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

static int count_held(struct emu_sess *s)
{
	int n = 0;
	for (struct ucmd *u = s->act; u; u = u->snext)
		n += u->state == US_SENT;
	return n;
}

USERDISK_EMU_API int userdisk_emu_detach(uint64_t sess_h, int timeout_ms)
{
	ensure_init();
	struct emu_dev *d = sess_dev(sess_h);
	struct timespec ts, *dl;
	if (d == NULL)
		return -ENOENT;
	pthread_mutex_lock(&d->lock);
	struct emu_sess *s = d->registered ? sess_find(d, sess_h) : NULL;
	if (s == NULL) {
		pthread_mutex_unlock(&d->lock);
		return -ENOENT;
	}
	s->detaching = 1;
	if (s->load)
		s->load->stop = 1;
	struct ucmd **arr = NULL;
	int n = 0, cap = 0;
	collect_act(s, &arr, &n, &cap);
	for (int i = 0; i < n; i++)
		abort_cmd(d, arr[i], NULL);
	free(arr);
	kick_loads(d);
	if (s->load)
		load_finish_check(d, s->load);
	dl = deadline(&ts, timeout_ms);
	while (d->registered && s->live && count_held(s) > 0) {
		d->ev_waiters++;
		int t = cv_wait(&d->ev_cv, &d->lock, dl);
		d->ev_waiters--;
		if (t == ETIMEDOUT && d->registered && s->live && count_held(s) > 0) {
			pthread_mutex_unlock(&d->lock);
			return -ETIMEDOUT;
		}
	}
	if (!d->registered || !s->live) {
		pthread_mutex_unlock(&d->lock);
		return -ENOENT;
	}
	struct ucmd *u = uc_alloc(d, UK_DETACH);
	if (u) {
		u->msess_h = sess_h;
		q_push(d, u, SCST_USER_DETACH_SESS, 1);
	}
	s->live = 0;
	d->st.sessions--;
	pthread_mutex_lock(&g_map_lock);
	map_del(g_smap, &g_smap_n, (int64_t)sess_h);
	pthread_mutex_unlock(&g_map_lock);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

USERDISK_EMU_API int64_t userdisk_emu_submit(uint64_t sess_h, struct userdisk_emu_command *c)
{
	ensure_init();
	if (c == NULL || c->cdb_len == 0 || c->cdb_len > sizeof(c->cdb) || c->bufflen < 0 ||
	    c->queue_type > SCST_CMD_QUEUE_ACA)
		return -EINVAL;
	int dir = c->data_direction;
	if (dir != SCST_DATA_WRITE && dir != SCST_DATA_READ && dir != SCST_DATA_NONE)
		return -EINVAL;
	if (dir == SCST_DATA_NONE && c->bufflen != 0)
		return -EINVAL;
	if (dir == SCST_DATA_WRITE && c->bufflen > 0 && c->data_out == NULL)
		return -EINVAL;
	if (dir == SCST_DATA_READ && c->bufflen > 0 && c->data_in == NULL)
		return -EINVAL;
	struct emu_dev *d = sess_dev(sess_h);
	if (d == NULL)
		return -ENOENT;
	struct emu_ext *x = calloc(1, sizeof(*x));
	if (x == NULL)
		return -ENOMEM;
	c->status = 0;
	c->sense_len = 0;
	c->aborted = 0;
	c->resp_data_len = 0;

	pthread_mutex_lock(&d->lock);
	struct emu_sess *s = d->registered ? sess_find(d, sess_h) : NULL;
	if (s == NULL || s->detaching) {
		pthread_mutex_unlock(&d->lock);
		free(x);
		return -ENOENT;
	}
	struct ucmd *u = uc_alloc(d, UK_SCSI);
	if (u == NULL) {
		pthread_mutex_unlock(&d->lock);
		free(x);
		return -ENOMEM;
	}
	x->dev = d;
	x->cmd = c;
	x->uc = u;
	pthread_mutex_lock(&g_ext_lock);
	x->tag = ++g_next_tag;
	x->hnext = g_ext[(uint64_t)x->tag % EXT_BUCKETS];
	g_ext[(uint64_t)x->tag % EXT_BUCKETS] = x;
	pthread_mutex_unlock(&g_ext_lock);
	int64_t tag = x->tag;
	memcpy(u->cdb, c->cdb, sizeof(u->cdb));
	u->cdb_len = c->cdb_len;
	u->queue_type = c->queue_type;
	u->dir = (uint8_t)dir;
	u->bufflen = u->init_bufflen = c->bufflen;
	u->data_out = c->data_out;
	u->data_in = c->data_in;
	u->ext = x;
	scsi_parse_std(d, u);
	scsi_submit(d, s, u);
	pthread_mutex_unlock(&d->lock);
	return tag;
}

USERDISK_EMU_API int userdisk_emu_wait(int64_t tag, int timeout_ms)
{
	ensure_init();
	struct timespec ts, *dl = deadline(&ts, timeout_ms);
	pthread_mutex_lock(&g_ext_lock);
	for (;;) {
		struct emu_ext *x = ext_find_locked(tag);
		if (x == NULL) {
			pthread_mutex_unlock(&g_ext_lock);
			return -ENOENT;
		}
		if (x->done) {
			ext_unlink_locked(x);
			pthread_mutex_unlock(&g_ext_lock);
			free(x);
			return 0;
		}
		if (cv_wait(&g_ext_cv, &g_ext_lock, dl) == ETIMEDOUT) {
			x = ext_find_locked(tag);
			if (x && x->done)
				continue;
			pthread_mutex_unlock(&g_ext_lock);
			return x ? -ETIMEDOUT : -ENOENT;
		}
	}
}

USERDISK_EMU_API int userdisk_emu_execute(uint64_t sess_h, struct userdisk_emu_command *command, int timeout_ms)
{
	int64_t tag = userdisk_emu_submit(sess_h, command);
	if (tag < 0)
		return (int)tag;
	return userdisk_emu_wait(tag, timeout_ms);
}

USERDISK_EMU_API int userdisk_emu_task_management(uint64_t sess_h, uint32_t fn, int64_t tag_to_abort, int timeout_ms)
{
	ensure_init();
	struct emu_dev *d = sess_dev(sess_h);
	struct timespec ts, *dl;
	if (d == NULL)
		return -ENOENT;
	pthread_mutex_lock(&d->lock);
	struct emu_sess *s = d->registered ? sess_find(d, sess_h) : NULL;
	if (s == NULL) {
		pthread_mutex_unlock(&d->lock);
		return -ENOENT;
	}
	int slot = -1;
	for (int i = 0; i < EMU_MAX_TM && slot < 0; i++)
		if (d->tms[i] == NULL)
			slot = i;
	struct emu_tm *tm = slot >= 0 ? calloc(1, sizeof(*tm)) : NULL;
	struct ucmd *u = tm ? uc_alloc(d, UK_TM) : NULL;
	if (u == NULL) {
		free(tm);
		pthread_mutex_unlock(&d->lock);
		return slot < 0 ? -EBUSY : -ENOMEM;
	}
	d->tms[slot] = tm;
	tm->slot = slot;
	tm->fn = fn;
	tm->sess_h = sess_h;
	tm->uc = u;
	tm->cmd_sn = s->sn;
	u->tm = tm;

	struct ucmd **arr = NULL;
	int n = 0, cap = 0;
	switch (fn) {
	case SCST_ABORT_TASK: {
		struct ucmd *v = NULL;
		pthread_mutex_lock(&g_ext_lock);
		struct emu_ext *x = ext_find_locked(tag_to_abort);
		if (x && x->dev == d && x->uc && x->uc->sess == s)
			v = x->uc;
		pthread_mutex_unlock(&g_ext_lock);
		if (v) {
			tm->cmd_h_to_abort = v->h;
			tm->cmd_sn = v->sn;
			if (!v->init_done) {
				arr = malloc(sizeof(*arr));
				if (arr) {
					arr[0] = v;
					n = 1;
				}
			}
		}
		break;
	}
	case SCST_ABORT_TASK_SET:
	case SCST_CLEAR_TASK_SET:
	case SCST_NEXUS_LOSS_SESS:
	case SCST_ABORT_ALL_TASKS_SESS:
	case SCST_UNREG_SESS_TM:
		collect_act(s, &arr, &n, &cap);
		break;
	case SCST_CLEAR_ACA:
		break;
	default: /* LUN_RESET, TARGET_RESET, NEXUS_LOSS, ABORT_ALL_TASKS, PR_ABORT_ALL, unknown */
		for (struct emu_sess *o = d->sessions; o; o = o->next)
			if (o->live)
				collect_act(o, &arr, &n, &cap);
		break;
	}
	for (int i = 0; i < n; i++)
		abort_cmd(d, arr[i], tm);
	free(arr);
	kick_loads(d);
	q_push(d, u, SCST_USER_TASK_MGMT_RECEIVED, 1);

	dl = deadline(&ts, timeout_ms);
	while (!tm->finished) {
		d->ev_waiters++;
		int t = cv_wait(&d->ev_cv, &d->lock, dl);
		d->ev_waiters--;
		if (t == ETIMEDOUT && !tm->finished) {
			tm->abandoned = 1; /* runs on; freed when it finishes */
			pthread_mutex_unlock(&d->lock);
			return -ETIMEDOUT;
		}
	}
	int32_t res = tm->result;
	d->tms[slot] = NULL;
	free(tm);
	pthread_mutex_unlock(&d->lock);
	return res;
}

USERDISK_EMU_API int userdisk_emu_purge_cache(const char *device_name)
{
	ensure_init();
	struct emu_dev *d = dev_by_name(device_name, 1);
	if (d == NULL)
		return -ENODEV;
	pthread_mutex_lock(&d->lock);
	int n = d->registered ? purge_idle(d, 0) : -ENODEV;
	pthread_mutex_unlock(&d->lock);
	return n;
}

/* ---- public: load generator ---------------------------------------------------------------------------------- */

USERDISK_EMU_API int64_t userdisk_emu_load_start(struct userdisk_emu_load *load)
{
	ensure_init();
	if (load == NULL || load->queue_depth == 0 || load->total_commands == 0 || load->cdb_len == 0 ||
	    load->cdb_len > 16 || load->bufflen < 0)
		return -EINVAL;
	int dir = load->data_direction;
	if (dir != SCST_DATA_WRITE && dir != SCST_DATA_READ && dir != SCST_DATA_NONE)
		return -EINVAL;
	if ((dir == SCST_DATA_NONE) != (load->bufflen == 0))
		return -EINVAL;
	struct emu_dev *d = sess_dev(load->sess_h);
	if (d == NULL)
		return -ENOENT;
	struct emu_load *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	l->p = *load;
	l->user = load;
	l->sess_h = load->sess_h;
	l->rng = 0x9E3779B97F4A7C15ull ^ (uint64_t)load->sess_h;
	if (dir == SCST_DATA_WRITE) {
		l->pattern = malloc((size_t)load->bufflen);
		if (l->pattern == NULL) {
			free(l);
			return -ENOMEM;
		}
		for (int32_t i = 0; i < load->bufflen; i++)
			l->pattern[i] = (uint8_t)(i * 7 + 1);
	}
	pthread_mutex_lock(&d->lock);
	struct emu_sess *s = d->registered ? sess_find(d, load->sess_h) : NULL;
	if (s == NULL || s->detaching) {
		pthread_mutex_unlock(&d->lock);
		free(l->pattern);
		free(l);
		return -ENOENT;
	}
	if (s->load) {
		pthread_mutex_unlock(&d->lock);
		free(l->pattern);
		free(l);
		return -EBUSY;
	}
	pthread_mutex_lock(&g_map_lock);
	l->id = ++g_next_load_id;
	int r = map_add(&g_lmap, &g_lmap_n, &g_lmap_cap, l->id, d);
	pthread_mutex_unlock(&g_map_lock);
	if (r != 0) {
		pthread_mutex_unlock(&d->lock);
		free(l->pattern);
		free(l);
		return r;
	}
	l->sess = s;
	s->load = l;
	l->next = d->loads;
	d->loads = l;
	l->start_ns = now_ns();
	int64_t id = l->id;
	load_pump(d, l);
	pthread_mutex_unlock(&d->lock);
	return id;
}

USERDISK_EMU_API int userdisk_emu_load_wait(int64_t load_id, int timeout_ms)
{
	ensure_init();
	struct timespec ts, *dl = deadline(&ts, timeout_ms);
	pthread_mutex_lock(&g_map_lock);
	struct emu_dev *d = map_find(g_lmap, g_lmap_n, load_id);
	pthread_mutex_unlock(&g_map_lock);
	if (d == NULL)
		return -ENOENT;
	pthread_mutex_lock(&d->lock);
	for (;;) {
		struct emu_load **pp = &d->loads;
		while (*pp && (*pp)->id != load_id)
			pp = &(*pp)->next;
		struct emu_load *l = *pp;
		if (l == NULL) {
			pthread_mutex_unlock(&d->lock);
			return -ENOENT;
		}
		if (l->finished) {
			/* results go to the caller's struct given at start (alive until now, as the header requires) */
			l->user->completed = l->completed;
			l->user->not_good = l->not_good;
			l->user->elapsed_ns = l->end_ns - l->start_ns;
			*pp = l->next;
			if (l->kicked) {
				struct emu_load **kp = &d->kick;
				while (*kp && *kp != l)
					kp = &(*kp)->knext;
				if (*kp)
					*kp = l->knext;
			}
			pthread_mutex_lock(&g_map_lock);
			map_del(g_lmap, &g_lmap_n, load_id);
			pthread_mutex_unlock(&g_map_lock);
			pthread_mutex_unlock(&d->lock);
			free(l->pattern);
			free(l);
			return 0;
		}
		d->ev_waiters++;
		int t = cv_wait(&d->ev_cv, &d->lock, dl);
		d->ev_waiters--;
		if (t == ETIMEDOUT && !l->finished) {
			pthread_mutex_unlock(&d->lock);
			return -ETIMEDOUT;
		}
	}
}

/* ---- public: observation ------------------------------------------------------------------------------------- */

/* Re-check that every buffer the kernel holds is still mapped (d->lock held). */
static void check_held(struct emu_dev *d)
{
	for (struct sgv_buf *b = d->bufs; b; b = b->anext)
		if (!b->freeing && !b->reported && !handler_mapped(d->mm, b->pbuf, b->len)) {
			b->reported = 1;
			d->st.freed_held_buffers++;
		}
	for (uint32_t i = 0; i < d->nalloc; i++) {
		struct ucmd *u = &d->chunks[i >> EMU_UC_CHUNK_SHIFT][i & (EMU_UC_CHUNK - 1)];
		if (u->kind == UK_SCSI && u->pbuf_held && u->buf == NULL && !u->pbuf_reported &&
		    !handler_mapped(d->mm, u->pbuf, u->pbuf_len)) {
			u->pbuf_reported = 1;
			d->st.freed_held_buffers++;
		}
	}
}

USERDISK_EMU_API int userdisk_emu_stats(const char *device_name, struct userdisk_emu_stats *stats)
{
	ensure_init();
	struct emu_dev *d = dev_by_name(device_name, 0);
	if (d == NULL || stats == NULL)
		return -ENODEV;
	pthread_mutex_lock(&d->lock);
	if (d->registered)
		check_held(d);
	struct userdisk_emu_stats *s = &d->st;
	s->violations = s->double_replies + s->unknown_handle_replies + s->subcode_mismatches + s->bad_replies +
			s->misaligned_cached_buffers + s->freed_held_buffers + s->late_attach_replies;
	s->registered = (uint32_t)d->registered;
	*stats = *s;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

USERDISK_EMU_API int userdisk_emu_device_options(const char *device_name, struct scst_user_opt *options,
						 uint32_t *block_size)
{
	ensure_init();
	struct emu_dev *d = dev_by_name(device_name, 1);
	if (d == NULL)
		return -ENODEV;
	pthread_mutex_lock(&d->lock);
	int ret = d->registered ? 0 : -ENODEV;
	if (ret == 0) {
		if (options)
			*options = d->opt;
		if (block_size)
			*block_size = d->block_size;
	}
	pthread_mutex_unlock(&d->lock);
	return ret;
}

/* ScstEmulator.cs (C#) mirrors this layout; growing it is allowed only at the end (C# reads it into 2 KiB). */
_Static_assert(sizeof(struct userdisk_emu_stats) == 26 * 8 + 2 * 4 + 128, "userdisk_emu_stats layout");
