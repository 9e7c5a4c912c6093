/* libFuzzer target: one firewall rule's text, as a net domain's
 * `firewall' role reads it from xenstore and dom0 from a config file
 * (config/firewall_rules.h).  The parser is strict and takes any bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config/firewall_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[FIREWALL_RULE_MAX + 2], canon[FIREWALL_RULE_MAX + 1], why[200];
	struct fw_rule r, again;

	if (size > FIREWALL_RULE_MAX + 1)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (fw_rule_parse(text, &r, why, sizeof(why)) < 0) {
		if (!why[0] || !memchr(why, '\0', sizeof(why)))
			__builtin_trap();
		return 0;
	}
	/* A rule taken says what it means, and means it again when read back. */
	if (r.prefix > 32 || r.port_lo > r.port_hi || (r.port_lo == 0) != (r.port_hi == 0) ||
	    (r.port_lo && r.proto != FW_PROTO_TCP && r.proto != FW_PROTO_UDP))
		__builtin_trap();
	if (fw_rule_format(&r, canon, sizeof(canon)) < 0)
		__builtin_trap();
	if (fw_rule_parse(canon, &again, why, sizeof(why)) < 0 || memcmp(&r, &again, sizeof(r)))
		__builtin_trap();
	return 0;
}
