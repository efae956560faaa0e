/*
 * emu_poll.h - the poll(2) both handler-side libraries offer (libuserdisk_shim.so for a handler in the emulator's
 * process, libuserdisk_emuclient.so for one in another process). Private to native-shim.
 *
 * Emulated descriptors are real eventfds, so one poll(2) covers them and the caller's own descriptors; they are
 * polled for readability only, and one that is not usable yet (an unregistered scst_user fd, an scst_event fd
 * before its first ioctl) reports POLLNVAL at once without waiting.
 */
#ifndef USERDISK_EMU_POLL_H
#define USERDISK_EMU_POLL_H

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>

/* `state` is called under `lock` for every descriptor: -1 not emulated (polled as it is), 0 emulated but not usable
 * (POLLNVAL), 1 emulated and usable. */
static inline int emu_poll_fds(struct pollfd *fds, nfds_t count, int timeout_ms, pthread_mutex_t *lock,
			       int (*state)(int fd))
{
	struct pollfd local[64];
	struct pollfd *p = count <= 64 ? local : malloc(count * sizeof(*p));
	int nval = 0;
	if (p == NULL) {
		errno = ENOMEM;
		return -1;
	}
	pthread_mutex_lock(lock);
	for (nfds_t i = 0; i < count; i++) {
		p[i] = fds[i];
		p[i].revents = 0;
		switch (fds[i].fd < 0 ? -1 : state(fds[i].fd)) {
		case 0:
			p[i].fd = -1;
			nval++;
			break;
		case 1:
			p[i].events &= POLLIN | POLLRDNORM;
			break;
		default:
			break;
		}
	}
	pthread_mutex_unlock(lock);
	int r = poll(p, count, nval ? 0 : timeout_ms);
	if (r < 0) {
		int e = errno;
		if (p != local)
			free(p);
		errno = e;
		return -1;
	}
	int n = 0;
	for (nfds_t i = 0; i < count; i++) {
		fds[i].revents = (fds[i].fd >= 0 && p[i].fd < 0) ? POLLNVAL : p[i].revents;
		if (fds[i].revents)
			n++;
	}
	if (p != local)
		free(p);
	return n;
}

#endif
