/*
 * emu_remote.h - shared by build/emu-remote-test (hosts the emulator) and build/emu-remote-child (a handler process
 * linked with libuserdisk_emuclient.so that the test runs and drives through its stdin/stdout, one line each way).
 *
 * Child commands (answers start with "ok" on success):
 *   open-errno                   open /dev/scst_user and close it again: "errno <n>" (0 = opened)
 *   serve NAME HOLD SEED         start an emu_handler (2 threads, non-blocking poll loop; HOLD 1 = hold EXECs) with
 *                                its RAM disk filled with emu_remote_pattern(offset, SEED): "ok <slot>"
 *   held SLOT N                  wait until the handler holds N EXECs: "ok"
 *   pause SLOT                   park the handler's threads outside the ioctl: "ok"
 *   check SLOT OFFSET LEN SEED   the disk's [OFFSET, OFFSET+LEN) is emu_remote_pattern(i, SEED): "ok"
 *   pollcheck NAME               POLLNVAL before REGISTER; then prints "registered" and waits in userdisk_emu_poll
 *                                (with a pipe of its own) for the ATTACH_SESS of initiator EMU_REMOTE_INI, checks
 *                                poll(2) on the same descriptor, takes it with REPLY_AND_GET_CMD, accepts it: "ok"
 *   blockclose NAME              blocking REPLY_AND_GET_CMD and GET_NEXT_EVENT, each woken by a close from another
 *                                thread (EAGAIN / EBADF): "ok"
 *   block NAME                   register NAME on a blocking descriptor, leave a thread blocked in
 *                                REPLY_AND_GET_CMD: "ok"
 *   blockresult                  wait (10 s at most) for that thread: "errno <n>"
 *   exit                         stop every handler, close everything, exit 0
 */
#ifndef EMU_REMOTE_H
#define EMU_REMOTE_H

#include <stdint.h>

#define EMU_REMOTE_INI "iqn.remote:poll-initiator"

static inline uint8_t emu_remote_pattern(uint64_t offset, unsigned seed)
{
	return (uint8_t)(offset * 31u + seed * 101u + (offset >> 9));
}

#endif
