#include "config/check.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config/sysconfig.h"

int check_main(int argc, char **argv)
{
	const char *dir = SYSCONFIG_DEFAULT_DIR;
	bool list_modules = false;
	struct sysconfig cfg;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--list-modules") == 0) {
			list_modules = true;
		} else if (argv[i][0] != '-' && i == argc - 1) {
			dir = argv[i];
		} else {
			fprintf(stderr, "usage: bulkhead check [--list-modules] [CONFIG_DIR]\n");
			return 2;
		}
	}
	unsigned errors = sysconfig_load(dir, &cfg);
	if (list_modules) {
		for (size_t i = 0; i < cfg.nmodules; i++)
			printf("%s\n", cfg.modules[i]);
	} else {
		printf("%s: %zu services", dir, cfg.nservices);
		for (size_t i = 0; i < cfg.nservices; i++)
			printf("%s%s", i ? ", " : " (in start order: ", cfg.services[i].name);
		printf("%s; %u problems\n", cfg.nservices ? ")" : "", errors);
	}
	sysconfig_free(&cfg);
	return errors ? 1 : 0;
}
