/* A net domain's xenstore, as the `firewall' role reads it
 * (guest/firewall_role.h), held in memory: for the unit tests on fakes
 * and for tests/net, which loads the role's tables into real nftables.
 * Paths are relative to the net domain's directory, as the role's. */
#ifndef BULKHEAD_TEST_FW_FAKES_H
#define BULKHEAD_TEST_FW_FAKES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/agentproto.h"
#include "guest/firewall_role.h"

struct fake_node {
	char *path, *value;
};

struct fake_xs {
	struct fake_node *node;
	size_t n;
};

static inline void fake_xs_free(struct fake_xs *x)
{
	for (size_t i = 0; i < x->n; i++) {
		free(x->node[i].path);
		free(x->node[i].value);
	}
	free(x->node);
	x->node = NULL;
	x->n = 0;
}

/* PATH = VALUE, replacing what was there. */
static inline void fake_xs_set(struct fake_xs *x, const char *path, const char *value)
{
	for (size_t i = 0; i < x->n; i++) {
		if (strcmp(x->node[i].path, path) == 0) {
			free(x->node[i].value);
			x->node[i].value = strdup(value);
			return;
		}
	}
	x->node = realloc(x->node, (x->n + 1) * sizeof(*x->node));
	if (!x->node)
		abort();
	x->node[x->n].path = strdup(path);
	x->node[x->n].value = strdup(value);
	x->n++;
}

/* What libxl writes for a vif of domain FRONTEND (its ip). */
static inline void fake_xs_vif(struct fake_xs *x, unsigned frontend, unsigned devid,
			       const char *ip)
{
	char path[64];
	snprintf(path, sizeof(path), "backend/vif/%u/%u/ip", frontend, devid);
	fake_xs_set(x, path, ip);
}

/* What dom0 writes for the domain with ADDRESS: its POLICY and RULES
 * (NULL-ended, canonical text), as domains/netconf.c does. */
static inline void fake_xs_rules(struct fake_xs *x, const char *address, const char *policy,
				 const char *const *rules)
{
	char key[16], path[96];
	uint32_t a = 0;
	if (!ipv4_parse(address, &a))
		abort();
	agent_firewall_key(a, key);
	snprintf(path, sizeof(path), AGENT_FIREWALL_DIR "/%s/policy", key);
	fake_xs_set(x, path, policy);
	for (unsigned i = 0; rules && rules[i]; i++) {
		snprintf(path, sizeof(path), AGENT_FIREWALL_DIR "/%s/rules/%u", key, i);
		fake_xs_set(x, path, rules[i]);
	}
}

/* A domain behind the net domain: its vif FRONTEND.0 with IP, and the
 * rules dom0 writes for it. */
static inline void fake_xs_client(struct fake_xs *x, unsigned frontend, const char *ip,
				  const char *policy, const char *const *rules)
{
	fake_xs_vif(x, frontend, 0, ip);
	fake_xs_rules(x, ip, policy, rules);
}

static inline char *fake_xs_read(void *ctx, const char *rel)
{
	struct fake_xs *x = ctx;
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->node[i].path, rel) == 0)
			return strdup(x->node[i].value);
	return NULL;
}

/* The children of REL, each once, in one block as xs_directory() gives
 * them (the pointers, then the strings). */
static inline char **fake_xs_list(void *ctx, const char *rel, unsigned *n)
{
	struct fake_xs *x = ctx;
	size_t len = strlen(rel), bytes = 0, count = 0;
	const char **name = calloc(x->n + 1, sizeof(*name));
	size_t *name_len = calloc(x->n + 1, sizeof(*name_len));
	if (!name || !name_len)
		abort();
	for (size_t i = 0; i < x->n; i++) {
		const char *p = x->node[i].path;
		if (strncmp(p, rel, len) != 0 || p[len] != '/')
			continue;
		p += len + 1;
		size_t l = strcspn(p, "/"), j = 0;
		while (j < count && (name_len[j] != l || strncmp(name[j], p, l) != 0))
			j++;
		if (j < count)
			continue;
		name[count] = p;
		name_len[count++] = l;
		bytes += l + 1;
	}
	*n = (unsigned)count;
	char **out = count ? malloc(count * sizeof(char *) + bytes) : NULL;
	char *s = out ? (char *)(out + count) : NULL;
	for (size_t j = 0; out && j < count; j++) {
		out[j] = s;
		memcpy(s, name[j], name_len[j]);
		s[name_len[j]] = '\0';
		s += name_len[j] + 1;
	}
	free(name);
	free(name_len);
	return out;
}

#endif
