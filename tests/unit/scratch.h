/*
 * scratch.h: a cmocka fixture for unit tests that need a directory of
 * their own: *state is its path, made before the test, removed after.
 * Include after <cmocka.h>.
 */
#ifndef UVQQ_TEST_SCRATCH_H
#define UVQQ_TEST_SCRATCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
scratch_setup(void **state)
{
	char	 tmpl[] = "/tmp/uvqq-unit-XXXXXX";
	char	*dir;

	if (mkdtemp(tmpl) == NULL || (dir = strdup(tmpl)) == NULL)
		return -1;
	*state = dir;
	return 0;
}

static int
scratch_teardown(void **state)
{
	char	 cmd[64];

	snprintf(cmd, sizeof cmd, "rm -rf %s", (char *)*state);
	free(*state);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
