/* Unit tests that read a whole config directory (test_helpers.h's `dir'):
 * sysconfig_load with what it logged. */
#ifndef BULKHEAD_CONFIG_HELPERS_H
#define BULKHEAD_CONFIG_HELPERS_H

#include "config/sysconfig.h"
#include "tests/unit/test_helpers.h"

/* Loads `dir', returning the log; *cfg stays loaded for the caller. */
static inline const char *load(struct sysconfig *cfg, unsigned *errors)
{
	capture_begin();
	*errors = sysconfig_load(dir, cfg, NULL, 0);
	return capture_end();
}

/* cmocka setup and teardown: `dir' with its services/ subdirectory. */
static inline int make_dir(void **state)
{
	(void)state;
	return config_dir_make("services");
}

static inline int remove_dir(void **state)
{
	(void)state;
	return config_dir_remove();
}

#endif
