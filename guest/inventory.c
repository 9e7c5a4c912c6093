/*
 * inventory.c - a domain's devices told to dom0 (inventory.h).
 */
#include "guest/inventory.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <xenstore.h>

#include "lib/util.h"

bool inventory_add(struct inventory *inv, const char *key, const char *value)
{
	if (inv->n == INVENTORY_MAX)
		return false;
	str_copy(inv->key[inv->n], key, sizeof(inv->key[0]));
	str_copy(inv->value[inv->n], value, sizeof(inv->value[0]));
	inv->n++;
	return true;
}

/* KEY's index in INV, or -1. */
static int find(const struct inventory *inv, const char *key)
{
	for (size_t i = 0; i < inv->n; i++)
		if (strcmp(inv->key[i], key) == 0)
			return (int)i;
	return -1;
}

int inventory_publish(struct inventory *was, const struct inventory *now, struct xs_handle *xs,
		      unsigned domid, const char *dir, const char *tag)
{
	static struct inventory done;
	char path[128];
	int rc = 0;
	done = *now;
	for (size_t i = 0; i < was->n; i++) {
		if (find(now, was->key[i]) >= 0)
			continue;
		snprintf(path, sizeof(path), "/local/domain/%u/%s/%s", domid, dir, was->key[i]);
		if (!xs_rm(xs, XBT_NULL, path) && errno != ENOENT) {
			fprintf(stderr, "%s: cannot remove %s: %s\n", tag, path, strerror(errno));
			inventory_add(&done, was->key[i], "");	/* removed again next time */
			rc = -1;
		}
	}
	for (size_t i = 0; i < now->n; i++) {
		int k = find(was, now->key[i]);
		if (k >= 0 && strcmp(was->value[k], now->value[i]) == 0)
			continue;
		snprintf(path, sizeof(path), "/local/domain/%u/%s/%s", domid, dir, now->key[i]);
		if (!xs_write(xs, XBT_NULL, path, now->value[i], (unsigned)strlen(now->value[i]))) {
			fprintf(stderr, "%s: cannot write %s: %s\n", tag, path, strerror(errno));
			done.value[i][0] = '\0';	/* not as dom0 has it: written next time */
			rc = -1;
		}
	}
	*was = done;
	return rc;
}
