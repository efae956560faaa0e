/*
 * The scst_user / scst_event kernel emulator: a model of the kernel side of /dev/scst_user and /dev/scst_event,
 * written from ../shared/ABI-SCST-USER.md against userdisk_scst_abi.h. Tests and benchmarks point UserDisk's real
 * scst_user channel at it instead of libc; it must stay faithful to the sheet, never to UserDisk's code.
 *
 * Handler side: libc-shaped entry points (return -1 and set errno as the kernel would). Emulated descriptors are
 * real file descriptors (eventfds) that are readable exactly while the device has a subcommand ready, so they can
 * be polled together with the caller's own descriptors.
 *
 * Initiator side: attach sessions to a device's LUN, submit CDBs with data, wait for status/sense/data-in, send task
 * management functions, and run a closed-loop load generator that keeps N commands in flight from inside the
 * handler's own ioctl calls (no initiator thread, so the emulator's cost per command stays small and measurable).
 *
 * Devices are global and found by name (SCST's namespace); use unique names per test. Statistics, including the
 * protocol violations the handler committed, are kept per device and outlive its close.
 * Every function is thread-safe. A negative timeout_ms means "no limit" everywhere.
 *
 * Model limits (see emulator.c): no ORDERED/queue_alg 0 serialisation (queue_alg 0 only rewrites queue_type to
 * ORDERED), no core-answered opcodes (REPORT LUNS etc. reach the handler), one SGV pool (sgv_* fields, for_clust_pool
 * and sgv_single_alloc_pages are accepted and ignored), BIDI handled as data-out only, PARSE_EXCEPTION behaves like
 * STANDARD. The core does refuse medium writes (WRITE/WRITE AND VERIFY/WRITE SAME/UNMAP) on read-only nexuses and
 * with SWP (7/00/00), and INQUIRY / REPORT LUNS / REQUEST SENSE pass a pending unit attention.
 */
#ifndef USERDISK_SCST_EMU_H
#define USERDISK_SCST_EMU_H

#include <poll.h>
#include <stdint.h>

#include "userdisk_scst_abi.h"

#define USERDISK_EMU_API __attribute__((visibility("default")))

#ifdef __cplusplus
extern "C" {
#endif

/* ---- handler side (what libc would be) ---------------------------------------------------------------------- */

/* "/dev/scst_user" or "/dev/scst_event" with O_RDWR, optionally O_NONBLOCK (latched at REGISTER_DEVICE for
 * scst_user, §2). Any other path: ENOENT. Returns a descriptor or -1. */
USERDISK_EMU_API int userdisk_emu_open(const char *path, int flags);

/* Every scst_user request of §4 and scst_event request of §9.1, with the sheet's errno for each failure. */
USERDISK_EMU_API int userdisk_emu_ioctl(int fd, unsigned long request, void *argument);

/* poll(2) over emulated and ordinary descriptors alike; an unregistered scst_user fd (and an scst_event fd before
 * its first ioctl) reports POLLNVAL. Emulated fds report only POLLIN/POLLRDNORM. After UNREGISTER_DEVICE an
 * scst_user fd stays readable for good (every poller wakes; the ioctls then return EAGAIN). */
USERDISK_EMU_API int userdisk_emu_poll(struct pollfd *fds, nfds_t count, int timeout_ms);

/* Last reference gone: unregister per §8.10 (sessions dropped, commands the handler holds force-completed with
 * CHECK CONDITION 5/25/00, queued ones with BUSY, pending TMFs FAILED, cached buffers forgotten).
 * Unlike the kernel, a close() from another thread also wakes threads blocked in REPLY_AND_GET_* / GET_NEXT_EVENT
 * (EAGAIN / EBADF); the device is released when the last of them has left its ioctl. */
USERDISK_EMU_API int userdisk_emu_close(int fd);

/* The DEV_USER_VERSION string the emulated module was "built" with (the stock 3.10.0 value of §3.2). */
USERDISK_EMU_API const char *userdisk_emu_version(void);

/* ---- handler in another process ----------------------------------------------------------------------------- */

/* libuserdisk_emuclient.so exports the five handler-side functions above with the same signatures and semantics,
 * forwarding them to the process that hosts the emulator (userdisk_emu_listen), whose socket the environment
 * variable USERDISK_EMU_SOCKET_ENV names (read by the open that connects: the first one, or the first after the
 * host went away). A program loads it instead of libuserdisk_shim.so; only the "kernel" moves to the hosting
 * process, where the initiator side and the statistics are used as usual.
 *  - open: -1 with ENOENT if the variable is unset or empty (as if /dev/scst_user were missing), else connect(2)'s
 *    errno (ENOENT: no such socket, ECONNREFUSED: nobody listens there), EPERM/ESRCH if the host cannot reach the
 *    caller's memory (see userdisk_emu_listen), or the emulator's own errno (ENOENT for another path, ...).
 *    The descriptor returned is a real eventfd shared with the host: poll(2) it directly or through
 *    userdisk_emu_poll, alone or with other descriptors.
 *  - Calls may run concurrently on one descriptor from many threads (each uses its own connection); blocking
 *    calls block as in-process, and a close from another thread wakes them the same way.
 *  - When the process exits or is killed, the host closes every file it still had, exactly as on the last close
 *    (§8.10, see userdisk_emu_close). Should the host stop serving first, calls on the files it had fail with
 *    ENOTCONN, close still succeeds, and the next open connects afresh.
 *  - userdisk_emu_version returns the same built-in string without contacting the host.
 *  - A child made by fork() does not inherit the parent's emulated files: there they are plain eventfds. */
#define USERDISK_EMU_SOCKET_ENV "USERDISK_EMU_SOCKET"

/* Starts serving handler processes that use libuserdisk_emuclient.so on a new unix stream socket at `socket_path`
 * (bound here, removed by listen_stop; an existing file gives -EADDRINUSE). A background thread accepts, one
 * thread serves each connection. The handler's memory (ioctl arguments, replies, data buffers, strings) is
 * accessed directly with process_vm_readv/process_vm_writev, like the kernel's copy_from_user/copy_to_user, so
 * this process needs ptrace access to the handler: CAP_SYS_PTRACE (root), or the same uid, a dumpable handler and
 * yama ptrace_scope 0 or 1 (with 1 the client names this process with PR_SET_PTRACER itself); the handler's first
 * open checks it and fails with EPERM otherwise. Remote handlers' files are not this process's own: its
 * handler-side calls on their descriptors give EBADF (poll treats them as plain descriptors).
 * Returns 0, -EBUSY (already listening), -EINVAL, -ENAMETOOLONG, or bind/listen's -errno. */
USERDISK_EMU_API int userdisk_emu_listen(const char *socket_path);

/* Stops accepting, removes the socket, drops every connection and closes every file of every connected handler as
 * if its process had died (§8.10: its devices vanish; its calls, blocked ones included, return ENOTCONN), and joins
 * all threads.
 * Returns 0 (also when not listening). */
USERDISK_EMU_API int userdisk_emu_listen_stop(void);

/* What the host sees in /sys/kernel/scst_tgt/devices: `on_registered` runs when REGISTER_DEVICE succeeds, before
 * SCST_EVENT_REG_VIRT_DEV is queued (as the kernel creates the sysfs entry first); `on_unregistered` when the device
 * goes (UNREGISTER_DEVICE, the last close, or its process's death), before its sessions are dropped. Both run on
 * the thread doing that, under the emulator's global lock: they must return quickly and must not call the
 * emulator. NULL clears a hook; the context is passed back unchanged. */
typedef void (*userdisk_emu_device_hook)(const char *device_name, void *context);
USERDISK_EMU_API void userdisk_emu_set_device_hooks(userdisk_emu_device_hook on_registered,
                                                    userdisk_emu_device_hook on_unregistered, void *context);

/* ---- initiator side ----------------------------------------------------------------------------------------- */

/* Creates the I_T_L nexus of `lun` of device `device_name`: queues ATTACH_SESS ahead of SCSI work and waits up to
 * `timeout_ms` (the kernel uses 5000) for the reply. Returns 0 and *sess_h, the handler's non-zero result, -ENODEV
 * (no such device) or -ETIMEDOUT (nexus not created; a reply arriving later counts as a late-attach violation). */
USERDISK_EMU_API int userdisk_emu_attach(const char *device_name, uint64_t lun, const char *initiator_name,
                                         const char *target_name, int read_only, int timeout_ms, uint64_t *sess_h);

/* Removes a nexus like a logout: its commands the handler has not seen end as aborted, the ones it holds are
 * waited for (at most `timeout_ms`), then DETACH_SESS is queued. Returns 0, -ENOENT, or -ETIMEDOUT.
 * After -ETIMEDOUT the nexus is half gone: it refuses new commands (-ENOENT), its held commands will end aborted,
 * and no DETACH_SESS was queued; call detach again to finish. */
USERDISK_EMU_API int userdisk_emu_detach(uint64_t sess_h, int timeout_ms);

/* One SCSI command as SCST's STANDARD parser would hand it on: direction and buffer length are given, the LBA is
 * decoded from READ/WRITE/VERIFY/WRITE SAME 6/10/12/16 CDBs. The caller keeps it and the data buffers alive until
 * userdisk_emu_wait returns 0 for it. */
struct userdisk_emu_command {
    uint8_t cdb[32];        /* bytes 16..31 reach the handler only through GET_EXTENDED_CDB */
    uint16_t cdb_len;
    uint8_t queue_type;     /* SCST_CMD_QUEUE_* */
    uint8_t data_direction; /* SCST_DATA_WRITE, _READ or _NONE */
    int32_t bufflen;        /* data-out bytes (WRITE) or data-in room (READ); 0 for NONE */
    const void *data_out;
    void *data_in;
    /* results */
    uint8_t status;         /* SAM status the initiator sees */
    uint8_t sense_len;
    uint8_t aborted;        /* 1: ended by a TMF, device teardown or detach (status then TASK ABORTED) */
    uint8_t pad;
    int32_t resp_data_len;  /* data-in bytes delivered */
    uint8_t sense[SCST_SENSE_BUFFERSIZE];
};

/* Queues a command on a session. Returns a tag (> 0) for wait and ABORT TASK, or -ENOENT (no such session),
 * -EINVAL (bad direction/length). */
USERDISK_EMU_API int64_t userdisk_emu_submit(uint64_t sess_h, struct userdisk_emu_command *command);

/* Waits for a submitted command to end. 0, or -ETIMEDOUT (the command stays in flight), -ENOENT (unknown tag).
 * A 0 return consumes the tag (a second wait gives -ENOENT). */
USERDISK_EMU_API int userdisk_emu_wait(int64_t tag, int timeout_ms);

/* submit + wait. */
USERDISK_EMU_API int userdisk_emu_execute(uint64_t sess_h, struct userdisk_emu_command *command, int timeout_ms);

/* A task management function per §8.8: drops affected commands the handler has not seen, queues
 * TASK_MGMT_RECEIVED, waits until the handler has replied to every affected command it holds, queues
 * TASK_MGMT_DONE and returns its result (§7.4; TASK_NOT_EXIST reported as SUCCESS; SCST_MGMT_STATUS_FAILED if the
 * device is closed meanwhile), or -ETIMEDOUT (the TMF runs on without a waiter), -ENOENT (no such session; note
 * that -ENOENT == SCST_MGMT_STATUS_LUN_NOT_EXIST), -EBUSY (32 TMFs already pending on the device).
 * Commands of the affected sessions submitted meanwhile are not held back; they queue behind TASK_MGMT_RECEIVED.
 * `tag_to_abort` is used by SCST_ABORT_TASK only. Scope: ABORT_TASK one command; ABORT_TASK_SET, CLEAR_TASK_SET,
 * NEXUS_LOSS_SESS, ABORT_ALL_TASKS_SESS, UNREG_SESS_TM the session's; LUN_RESET, TARGET_RESET, NEXUS_LOSS,
 * ABORT_ALL_TASKS, PR_ABORT_ALL every session of the device. */
USERDISK_EMU_API int userdisk_emu_task_management(uint64_t sess_h, uint32_t fn, int64_t tag_to_abort,
                                                  int timeout_ms);

/* Evicts every idle cached buffer of the device as SGV's purge or memory pressure would: one ON_CACHED_MEM_FREE
 * each. Returns the number queued, or -ENODEV. */
USERDISK_EMU_API int userdisk_emu_purge_cache(const char *device_name);

/* ---- load generator ----------------------------------------------------------------------------------------- */

/* Keeps `queue_depth` copies of `cdb` in flight on a session until `total_commands` have completed. Each
 * completion is observed and the next command submitted inside the handler's own reply ioctl. For READ/WRITE(10)
 * and (16) CDBs the LBA is advanced through [0, lba_count) in steps of bufflen/block_size (sequential) or drawn
 * at random (`random` = 1). Data-out is a fixed pattern copied into the handler's buffer; data-in is not copied
 * anywhere (zero-copy target) and only its length is checked (resp_data_len != bufflen counts as not_good).
 * `*load` itself receives the results: it must stay alive until userdisk_emu_load_wait returned 0. A close or a
 * detach of the session ends a load early (completed < total_commands). */
struct userdisk_emu_load {
    uint64_t sess_h;
    uint8_t cdb[16];
    uint16_t cdb_len;
    uint8_t data_direction;
    uint8_t random;
    int32_t bufflen;
    uint32_t block_size;
    uint32_t queue_depth;
    uint64_t lba_count;
    uint64_t total_commands;
    /* results, valid after userdisk_emu_load_wait returned 0 */
    uint64_t completed;
    uint64_t not_good;      /* status other than GOOD */
    uint64_t elapsed_ns;    /* first submit to last completion */
};

/* Starts a load; returns an id (> 0) or -ENOENT / -EINVAL / -EBUSY (a load already runs on that session). */
USERDISK_EMU_API int64_t userdisk_emu_load_start(struct userdisk_emu_load *load);

/* Waits for a load to finish and fills its results. 0 or -ETIMEDOUT. */
USERDISK_EMU_API int userdisk_emu_load_wait(int64_t load_id, int timeout_ms);

/* ---- observation -------------------------------------------------------------------------------------------- */

struct userdisk_emu_stats {
    /* protocol violations by the handler; `violations` is their sum and should be 0 after any correct run */
    uint64_t violations;
    uint64_t double_replies;            /* reply for a command not currently with the handler (EINVAL) */
    uint64_t unknown_handle_replies;    /* reply for a handle the device never issued or already freed (ESRCH) */
    uint64_t subcode_mismatches;        /* reply subcode differs from the command's (EINVAL, command force-failed) */
    uint64_t bad_replies;               /* semantically invalid PARSE/ALLOC_MEM/EXEC/TM reply (EINVAL/EFAULT) */
    uint64_t misaligned_cached_buffers; /* cached-direction buffer not page aligned (EINVAL, HARDWARE ERROR) */
    uint64_t freed_held_buffers;        /* a buffer the kernel still holds is no longer mapped */
    uint64_t late_attach_replies;       /* ATTACH_SESS reply after the deadline */
    /* traffic */
    uint64_t ioctls;
    uint64_t commands_submitted;
    uint64_t commands_completed;
    uint64_t attach_sent, detach_sent, parse_sent, alloc_mem_sent, exec_sent, on_free_sent, on_cached_mem_free_sent;
    uint64_t tm_received_sent, tm_done_sent;
    uint64_t cache_hits;                /* EXEC that arrived with a cached pbuf (no ALLOC_MEM) */
    uint64_t buffers_cached;            /* buffers the device's SGV cache holds now (idle or in use) */
    uint64_t buffers_in_use;            /* of which attached to a live command */
    uint64_t capacity_changed_calls;
    uint64_t flush_cache_calls;
    uint64_t prealloc_buffers;
    uint32_t registered;                /* 1 while the device is registered */
    uint32_t sessions;                  /* live nexuses */
    char version_received[128];         /* the version_str REGISTER_DEVICE got (for mismatch tests) */
};

/* Fills *stats for a device registered now or earlier (kept after close). 0 or -ENODEV. Before filling, re-checks
 * that every buffer the kernel holds is still mapped (counting freed_held_buffers).
 * Every successful REGISTER_DEVICE starts a fresh record; the name selects the registered device, else the newest
 * record of that name. A REGISTER_DEVICE that fails the version check leaves a never-registered record of its
 * name holding version_received (registered = 0), so mismatch tests can read what was sent. */
USERDISK_EMU_API int userdisk_emu_stats(const char *device_name, struct userdisk_emu_stats *stats);

/* The registered device's options and block size as the kernel holds them. 0 or -ENODEV. */
USERDISK_EMU_API int userdisk_emu_device_options(const char *device_name, struct scst_user_opt *options,
                                                 uint32_t *block_size);

#ifdef __cplusplus
}
#endif

#endif
