/* libFuzzer target: a net domain's xenstore as the `firewall' role reads
 * it (guest/firewall_role.h), any nodes with any values, one
 * "PATH=VALUE" a line, and the net domain's resolv.conf (whose servers
 * come from a DHCP answer), every line without "=".  Whatever the vifs,
 * rules and servers say, the role loads a table: nothing in them may
 * freeze the table of all (a vif's name, a shared address, too many
 * vifs, bad rules, a server), and the clients it serves are at most
 * FIREWALL_CLIENTS_MAX, with their own addresses; at most FW_DNS_MAX
 * servers are taken, none on the loopback. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest/firewall_role.h"
#include "lib/log.h"
#include "tests/unit/fw_fakes.h"

static int load(void *ctx, const char *table)
{
	(void)ctx;
	(void)table;
	return 0;
}

static int forwarding(void *ctx, bool on)
{
	(void)ctx;
	(void)on;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fake_xs xs = { NULL, 0 };
	const struct fw_effects fx = {
		.list = fake_xs_list, .read = fake_xs_read, .load = load, .forwarding = forwarding,
		.ctx = &xs,
	};
	struct fw_role r;
	char *text = malloc(size + 1), *resolv = malloc(size + 2), *save = NULL;
	size_t rlen = 0;	/* resolv: the lines, each with its newline (the last had none) */

	if (!text || !resolv) {
		free(text);
		free(resolv);
		return 0;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		if (eq) {
			*eq = '\0';
			fake_xs_set(&xs, line, eq + 1);
		} else {
			size_t len = strlen(line);
			memcpy(resolv + rlen, line, len);
			rlen += len;
			resolv[rlen++] = '\n';
		}
	}
	resolv[rlen] = '\0';
	free(text);
	/* What it says of each vif is the role's business, not the fuzzer's. */
	log_set_level(LOG_LVL_ERR);
	if (fw_role_init(&r, "eth0", &fx) < 0 || fw_role_start(&r) < 0)
		__builtin_trap();
	fw_role_set_dns(&r, resolv);
	free(resolv);
	if (r.dns.n > FW_DNS_MAX)
		__builtin_trap();
	for (size_t i = 0; i < r.dns.n; i++)
		if (r.dns.server[i] == 0 || r.dns.server[i] >> 24 == 127)
			__builtin_trap();
	fw_role_refresh(&r);
	if (!r.applied || r.n > FIREWALL_CLIENTS_MAX)
		__builtin_trap();
	for (size_t i = 0; i < r.n; i++)
		for (size_t j = 0; j < i; j++)
			if (r.clients[i].address == r.clients[j].address)
				__builtin_trap();
	fw_role_free(&r);
	fake_xs_free(&xs);
	return 0;
}
