/*
 * emu_client_names.h - forced first include (-include) of the emu-test-remote build: the handler-side calls of
 * the tests and the definitions of src/emuclient.c are renamed, so the client library and the emulator it talks
 * to (through userdisk_emu_listen's socket, in the same process) can share one program. The initiator side keeps
 * its names and goes straight to the emulator.
 */
#ifndef EMU_CLIENT_NAMES_H
#define EMU_CLIENT_NAMES_H

#define userdisk_emu_open emuclient_open
#define userdisk_emu_ioctl emuclient_ioctl
#define userdisk_emu_poll emuclient_poll
#define userdisk_emu_close emuclient_close
#define userdisk_emu_version emuclient_version

#endif
