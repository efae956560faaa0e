/*
 * emu_wire.h - the protocol between libuserdisk_emuclient.so (a handler in another process) and the emulator's
 * listener (emu_listen.c, userdisk_emu_listen). Private to native-shim; both ends are built from the same tree.
 *
 * Unix stream socket, fixed-size messages: one emu_wire_req, then one emu_wire_rsp; a connection carries one call
 * at a time. The first message on a connection is HELLO:
 *   - client == 0: a new client. This connection becomes its control connection: it never carries a call, and its
 *     end (EOF) means the process is gone, so the listener closes every file the client still has (§8.10).
 *     probe_addr/probe_value: 8 bytes of the client's memory the listener reads back with process_vm_readv, so a
 *     missing ptrace permission fails the first open with EPERM instead of random EFAULTs later.
 *     The answer carries the client id.
 *   - client != 0: another connection of that client (one per call in flight); the peer's pid (SO_PEERCRED) must
 *     be the client's.
 * Then, on non-control connections:
 *   OPEN  path, flags              -> ret = the file's descriptor in the listener or -1/err; serial names the
 *                                     file; the eventfd itself travels back in SCM_RIGHTS (the client's fd number)
 *   IOCTL hostfd, serial, request, arg (an address in the client) -> ret / err; ready = no POLLNVAL any more
 *   CLOSE hostfd, serial           -> ret / err
 * Every handler-memory access of a call goes straight to the client's memory with process_vm_readv/writev, so the
 * messages never carry ioctl arguments or data.
 */
#ifndef USERDISK_EMU_WIRE_H
#define USERDISK_EMU_WIRE_H

#include <stdint.h>

#define EMU_WIRE_MAGIC 0x55444531u /* "UDE1": changes with any layout change */

/* The DEV_USER_VERSION the emulated module was "built" with (§3.2: stock 3.10.0 = version name + sha1(scst_user.h)
 * + sha1(scst_const.h)); userdisk_emu_version of both libraries. */
#define EMU_DEV_USER_VERSION \
	"3.10.0" "230a30730ec749a9738ef33d6d17b1e6739bd195" "85aa8654196eb07e34d2b0762f5607fb4b70af8b"

enum { EMU_WIRE_HELLO = 1, EMU_WIRE_OPEN, EMU_WIRE_IOCTL, EMU_WIRE_CLOSE };

#define EMU_WIRE_PATH_MAX 64

struct emu_wire_req {
	uint32_t magic;
	uint32_t op;
	uint64_t client;      /* HELLO */
	uint64_t probe_addr;  /* HELLO of a new client */
	uint64_t probe_value;
	uint64_t serial;      /* IOCTL, CLOSE */
	int32_t hostfd;       /* IOCTL, CLOSE */
	int32_t flags;        /* OPEN */
	uint64_t request;     /* IOCTL */
	uint64_t arg;         /* IOCTL */
	char path[EMU_WIRE_PATH_MAX]; /* OPEN, NUL-terminated */
};

struct emu_wire_rsp {
	uint32_t magic;
	int32_t ret;   /* >= 0, or -1 with err */
	int32_t err;
	int32_t ready; /* IOCTL */
	uint64_t client; /* HELLO */
	uint64_t serial; /* OPEN */
	int32_t hostfd;  /* OPEN */
	int32_t pad;
};

_Static_assert(sizeof(struct emu_wire_req) == 128, "emu_wire_req layout");
_Static_assert(sizeof(struct emu_wire_rsp) == 40, "emu_wire_rsp layout");

#endif
