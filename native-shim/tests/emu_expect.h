/*
 * emu_expect.h - the checks and the runner of the emulator's C test programs. A failed check records why in `g_why`
 * and jumps to its test's `out:` label, where the test cleans up and returns 0. Include once per program.
 */
#ifndef USERDISK_EMU_EXPECT_H
#define USERDISK_EMU_EXPECT_H

#include <stdio.h>
#include <string.h>

static char g_why[512];

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

struct test {
	const char *name;
	int (*fn)(void);
};

/* Runs every test whose name contains `filter` (all when NULL), printing "ok NAME" / "FAIL NAME: why" and the
 * closing "PROGRAM: N passed, N failed" that run-tests.sh reads. Returns the number failed. */
static inline int emu_run_tests(const char *program, const struct test *tests, size_t count, const char *filter)
{
	int passed = 0, failed = 0;
	for (size_t i = 0; i < count; i++) {
		if (filter != NULL && strstr(tests[i].name, filter) == NULL)
			continue;
		g_why[0] = 0;
		if (tests[i].fn()) {
			printf("ok %s\n", tests[i].name);
			passed++;
		} else {
			printf("FAIL %s: %s\n", tests[i].name, g_why[0] ? g_why : "unknown");
			failed++;
		}
		fflush(stdout);
	}
	printf("%s: %d passed, %d failed\n", program, passed, failed);
	return failed;
}

#endif
