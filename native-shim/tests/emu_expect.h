/*
 * emu_expect.h - the checks of the emulator's C tests. A failed check records why in the including file's
 * `g_why` (a char array) and jumps to its test's `out:` label, where the test cleans up and returns 0.
 */
#ifndef USERDISK_EMU_EXPECT_H
#define USERDISK_EMU_EXPECT_H

#include <stdio.h>

#define EXPECT(c)                                                                   \
	do {                                                                        \
		if (!(c)) {                                                         \
			snprintf(g_why, sizeof(g_why), "line %d: %s", __LINE__, #c); \
			goto out;                                                   \
		}                                                                   \
	} while (0)

#define EXPECT_EQ(a, b)                                                                              \
	do {                                                                                         \
		long long va_ = (long long)(a), vb_ = (long long)(b);                                \
		if (va_ != vb_) {                                                                    \
			snprintf(g_why, sizeof(g_why), "line %d: %s == %lld, expected %s == %lld", __LINE__, \
				 #a, va_, #b, vb_);                                                  \
			goto out;                                                            \
		}                                                                            \
	} while (0)

#endif
