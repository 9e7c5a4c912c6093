#include "proto/ctlproto.h"

#include <stdio.h>
#include <string.h>

#include "lib/bytes.h"
#include "lib/util.h"
#include "proto/rpcproto.h"


_Static_assert(CTL_CHOICE_MAX == RPC_TARGET_MAX && 4 + 32 + 64 + 64 + 4 +
		       CTL_ASK_CHOICES_MAX * (CTL_CHOICE_MAX + 1) == CTL_ASK_SIZE &&
		       DOMAIN_NAME_MAX + 1 == 32 && RPC_SERVICE_MAX == 64 && RPC_ARG_MAX == 64,
	       "an ask's record as ctlproto.h lays it out");

/* Writes the header for a message with PAYLOAD bytes; 0 if it won't fit. */
static size_t put_header(uint8_t *buf, size_t cap, enum ctl_type type, size_t payload)
{
	size_t len = CTL_HEADER_SIZE + payload;
	if (len > cap || len > CTL_MSG_MAX)
		return 0;
	put_u32(buf, (uint32_t)len);
	put_u16(buf + 4, CTL_VERSION);
	put_u16(buf + 6, (uint16_t)type);
	return len;
}

static int fail(const char **why, const char *text)
{
	*why = text;
	return -1;
}

/* DOMAIN and NAME as named() reads them. */
static void put_named(uint8_t *p, const char *domain, const char *name)
{
	size_t n = strlen(domain);
	p[0] = (uint8_t)n;
	memcpy(p + 1, domain, n);
	memcpy(p + 1 + n, name, strlen(name));
}

size_t ctl_encode_request(const struct ctl_request *req, uint8_t *buf, size_t cap)
{
	size_t payload = 0;
	uint8_t *p = buf + CTL_HEADER_SIZE;
	if (req->type == CTL_REQ_RESTART)
		payload = strlen(req->name);
	else if (req->type == CTL_REQ_POWER)
		payload = 1;
	else if (req->type == CTL_REQ_DOMAIN)
		payload = 1 + strlen(req->name);
	else if (req->type == CTL_REQ_SCREENSHOT)
		payload = strlen(req->path);
	else if (req->type == CTL_REQ_KEY)
		payload = 3;
	else if (req->type == CTL_REQ_POINTER)
		payload = 6;
	else if (req->type == CTL_REQ_RUN_DISPOSABLE)
		payload = 1 + strlen(req->name) + strlen(req->command);
	else if (req->type == CTL_REQ_ANSWER)
		payload = 4 + strlen(req->choice);
	else if (req->type == CTL_REQ_USB_DETACH)
		payload = 1 + strlen(req->name) + strlen(req->busid);
	else if (req->type == CTL_REQ_BLOCK_ATTACH)
		payload = 3 + strlen(req->name) + strlen(req->device) + strlen(req->target);
	else if (req->type == CTL_REQ_BLOCK_DETACH)
		payload = 1 + strlen(req->name) + strlen(req->device);
	char line[RPC_REQUEST_MAX + 1];
	if (req->type == CTL_REQ_CALL &&
	    (payload = rpc_request_format(&req->call, line, sizeof(line))) == 0)
		return 0;
	size_t len = put_header(buf, cap, req->type, payload);
	if (len == 0)
		return 0;
	if (req->type == CTL_REQ_RESTART) {
		memcpy(p, req->name, payload);
	} else if (req->type == CTL_REQ_POWER) {
		p[0] = (uint8_t)req->power;
	} else if (req->type == CTL_REQ_DOMAIN) {
		p[0] = (uint8_t)req->op;
		memcpy(p + 1, req->name, payload - 1);
	} else if (req->type == CTL_REQ_SCREENSHOT) {
		memcpy(p, req->path, payload);
	} else if (req->type == CTL_REQ_KEY) {
		put_u16(p, req->key_code);
		p[2] = req->key_value;
	} else if (req->type == CTL_REQ_POINTER) {
		put_u16(p, req->x);
		put_u16(p + 2, req->y);
		put_u16(p + 4, (uint16_t)req->wheel);
	} else if (req->type == CTL_REQ_RUN_DISPOSABLE) {
		size_t n = strlen(req->name);
		p[0] = (uint8_t)n;
		memcpy(p + 1, req->name, n);
		memcpy(p + 1 + n, req->command, payload - 1 - n);
	} else if (req->type == CTL_REQ_ANSWER) {
		put_u32(p, req->ask_id);
		memcpy(p + 4, req->choice, payload - 4);
	} else if (req->type == CTL_REQ_CALL) {
		memcpy(p, line, payload);
	} else if (req->type == CTL_REQ_USB_DETACH) {
		put_named(p, req->name, req->busid);
	} else if (req->type == CTL_REQ_BLOCK_ATTACH) {
		size_t n = strlen(req->name), k = strlen(req->device);
		p[0] = req->read_only ? 1 : 0;
		p[1] = (uint8_t)n;
		p[2] = (uint8_t)k;
		memcpy(p + 3, req->name, n);
		memcpy(p + 3 + n, req->device, k);
		memcpy(p + 3 + n + k, req->target, payload - 3 - n - k);
	} else if (req->type == CTL_REQ_BLOCK_DETACH) {
		put_named(p, req->name, req->device);
	}
	return len;
}

size_t ctl_encode_ok(uint8_t *buf, size_t cap)
{
	return put_header(buf, cap, CTL_REP_OK, 0);
}

size_t ctl_encode_error(int code, const char *msg, uint8_t *buf, size_t cap)
{
	size_t n = strnlen(msg, CTL_ERROR_TEXT_MAX);
	size_t len = put_header(buf, cap, CTL_REP_ERROR, 4 + n);
	if (len == 0)
		return 0;
	put_u32(buf + CTL_HEADER_SIZE, (uint32_t)code);
	memcpy(buf + CTL_HEADER_SIZE + 4, msg, n);
	return len;
}

/* Status layout: u32 pid, u64 uptime_ms, u32 nservices, u32 nup,
 * u32 nfailed, u8 stopping, 3 zero bytes, u32 rss_kib, char version[16]. */
size_t ctl_encode_status(const struct ctl_status *st, uint8_t *buf, size_t cap)
{
	size_t len = put_header(buf, cap, CTL_REP_STATUS, CTL_STATUS_SIZE);
	if (len == 0)
		return 0;
	uint8_t *p = buf + CTL_HEADER_SIZE;
	memset(p, 0, CTL_STATUS_SIZE);
	put_u32(p, st->pid);
	put_u64(p + 4, st->uptime_ms);
	put_u32(p + 12, st->nservices);
	put_u32(p + 16, st->nup);
	put_u32(p + 20, st->nfailed);
	p[24] = st->stopping;
	put_u32(p + 28, st->rss_kib);
	memcpy(p + 32, st->version, strnlen(st->version, 16));
	return len;
}

/* A reply of N records of SIZE bytes (at most MAX): its header and count
 * written, *LEN its length; where the first record goes (zeroed), or NULL
 * when it does not fit. */
static uint8_t *put_records(uint8_t *buf, size_t cap, enum ctl_type type, size_t n, size_t max,
			    size_t size, size_t *len)
{
	if (n > max || (*len = put_header(buf, cap, type, 4 + n * size)) == 0)
		return NULL;
	put_u32(buf + CTL_HEADER_SIZE, (uint32_t)n);
	memset(buf + CTL_HEADER_SIZE + 4, 0, n * size);
	return buf + CTL_HEADER_SIZE + 4;
}

/* Service record: char name[32] (zero-padded), u8 state, u8 restart,
 * u16 zero, i32 pid, u32 restarts, i32 last_status, u64 state_age_ms. */
size_t ctl_encode_services(const struct ctl_service_info *svc, size_t n, uint8_t *buf, size_t cap)
{
	size_t len;
	uint8_t *p = put_records(buf, cap, CTL_REP_SERVICES, n, SERVICES_MAX, CTL_SERVICE_SIZE,
				 &len);
	if (!p)
		return 0;
	for (size_t i = 0; i < n; i++, p += CTL_SERVICE_SIZE) {
		memcpy(p, svc[i].name, strnlen(svc[i].name, SERVICE_NAME_MAX));
		p[32] = svc[i].state;
		p[33] = svc[i].restart;
		put_u32(p + 36, (uint32_t)svc[i].pid);
		put_u32(p + 40, svc[i].restarts);
		put_u32(p + 44, (uint32_t)svc[i].last_status);
		put_u64(p + 48, svc[i].state_age_ms);
	}
	return len;
}

/* Domain record: char name[32] (zero-padded), u8 state, u8 type, u8 class,
 * u8 label, u32 domid, u32 memory_kib, u32 vcpus, u32 restarts,
 * u64 uptime_ms, u8 flags (bit 0: gui), 3 zero bytes. */
size_t ctl_encode_domains(const struct ctl_domain_info *dom, size_t n, uint8_t *buf, size_t cap)
{
	size_t len;
	uint8_t *p = put_records(buf, cap, CTL_REP_DOMAINS, n, DOMAINS_MAX, CTL_DOMAIN_SIZE, &len);
	if (!p)
		return 0;
	for (size_t i = 0; i < n; i++, p += CTL_DOMAIN_SIZE) {
		memcpy(p, dom[i].name, strnlen(dom[i].name, DOMAIN_NAME_MAX));
		p[32] = dom[i].state;
		p[33] = dom[i].type;
		p[34] = dom[i].class;
		p[35] = dom[i].label;
		put_u32(p + 36, dom[i].domid);
		put_u32(p + 40, dom[i].memory_kib);
		put_u32(p + 44, dom[i].vcpus);
		put_u32(p + 48, dom[i].restarts);
		put_u64(p + 52, dom[i].uptime_ms);
		p[60] = (uint8_t)((dom[i].gui ? CTL_DOMAIN_GUI : 0) |
				  (dom[i].config & CTL_CONFIG_ALL) << CTL_DOMAIN_CONFIG_SHIFT);
		memcpy(p + 64, dom[i].netvm, strnlen(dom[i].netvm, DOMAIN_NAME_MAX));
		memcpy(p + 96, dom[i].template_name, strnlen(dom[i].template_name, DOMAIN_NAME_MAX));
		put_u32(p + 128, dom[i].address);
	}
	return len;
}

/* Printable ASCII, and newlines between lines. */
static bool text_byte_ok(uint8_t c)
{
	return c == '\n' || (c >= 0x20 && c <= 0x7e);
}

size_t ctl_encode_reload(const struct ctl_reload *rel, uint8_t *buf, size_t cap)
{
	size_t n = strnlen(rel->text, CTL_RELOAD_TEXT_MAX);
	size_t len = put_header(buf, cap, CTL_REP_RELOAD, 4 + n);
	if (len == 0)
		return 0;
	uint8_t *p = buf + CTL_HEADER_SIZE;
	put_u32(p, rel->problems);
	for (size_t i = 0; i < n; i++)
		p[4 + i] = text_byte_ok((uint8_t)rel->text[i]) ? (uint8_t)rel->text[i] : '?';
	return len;
}

size_t ctl_encode_disposable(const struct ctl_disposable *disp, uint8_t *buf, size_t cap)
{
	size_t n = strnlen(disp->name, DOMAIN_NAME_MAX);
	size_t len = put_header(buf, cap, CTL_REP_DISPOSABLE, n + 4);
	if (len == 0)
		return 0;
	memcpy(buf + CTL_HEADER_SIZE, disp->name, n);
	put_u32(buf + CTL_HEADER_SIZE + n, disp->answer_ms);
	return len;
}

size_t ctl_encode_call(const struct ctl_call *call, uint8_t *buf, size_t cap)
{
	size_t n = strnlen(call->target, DOMAIN_NAME_MAX);
	size_t len = put_header(buf, cap, CTL_REP_CALL, 8 + n);
	if (len == 0)
		return 0;
	put_u32(buf + CTL_HEADER_SIZE, call->domid);
	put_u32(buf + CTL_HEADER_SIZE + 4, call->id);
	memcpy(buf + CTL_HEADER_SIZE + 8, call->target, n);
	return len;
}

bool ctl_command_is_valid(const char *s, size_t len)
{
	if (len > DISPOSABLE_COMMAND_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

int ctl_decode_header(const uint8_t *untrusted_buf, size_t len, enum ctl_type *type,
		      const uint8_t **payload, size_t *payload_len, const char **why)
{
	if (len < CTL_HEADER_SIZE)
		return fail(why, "message shorter than its header");
	if (len > CTL_MSG_MAX)
		return fail(why, "message larger than the limit");
	uint32_t untrusted_length = get_u32(untrusted_buf);
	uint16_t untrusted_version = get_u16(untrusted_buf + 4);
	uint16_t untrusted_type = get_u16(untrusted_buf + 6);
	if (untrusted_length != len)
		return fail(why, "length field does not match the message's size");
	if (untrusted_version != CTL_VERSION)
		return fail(why, "unsupported protocol version");
	switch (untrusted_type) {
	case CTL_REQ_STATUS:
	case CTL_REQ_SERVICES:
	case CTL_REQ_RESTART:
	case CTL_REQ_POWER:
	case CTL_REQ_DOMAINS:
	case CTL_REQ_DOMAIN:
	case CTL_REQ_SCREENSHOT:
	case CTL_REQ_KEY:
	case CTL_REQ_POINTER:
	case CTL_REQ_RUN_DISPOSABLE:
	case CTL_REQ_RELOAD:
	case CTL_REQ_ASKS:
	case CTL_REQ_ANSWER:
	case CTL_REQ_CALL:
	case CTL_REQ_USB:
	case CTL_REQ_USB_DETACH:
	case CTL_REQ_BLOCK:
	case CTL_REQ_BLOCK_ATTACH:
	case CTL_REQ_BLOCK_DETACH:
	case CTL_REP_OK:
	case CTL_REP_STATUS:
	case CTL_REP_SERVICES:
	case CTL_REP_DOMAINS:
	case CTL_REP_DISPOSABLE:
	case CTL_REP_RELOAD:
	case CTL_REP_ASKS:
	case CTL_REP_CALL:
	case CTL_REP_USB:
	case CTL_REP_BLOCK:
	case CTL_REP_ERROR:
		break;
	default:
		return fail(why, "unknown message type");
	}
	*type = (enum ctl_type)untrusted_type;
	*payload = untrusted_buf + CTL_HEADER_SIZE;
	*payload_len = len - CTL_HEADER_SIZE;
	return 0;
}

/* "u8 length L, L bytes of a domain's name, then a NAME that VALID takes"
 * (USB_DETACH, BLOCK_DETACH) into DOMAIN and NAME (REQ's: zeroed, each
 * with room for its largest): whether it is one. */
static bool named(const uint8_t *untrusted_payload, size_t plen,
		  bool (*valid)(const char *s, size_t len), char *domain, char *name)
{
	size_t n = plen ? untrusted_payload[0] : 0;
	const char *d = (const char *)untrusted_payload + 1, *rest = d + n;
	if (plen < 2 || n + 1 > plen || !domain_name_is_valid(d, n) || !valid(rest, plen - 1 - n))
		return false;
	memcpy(domain, d, n);
	memcpy(name, rest, plen - 1 - n);
	return true;
}

static int decode_block_attach(const uint8_t *untrusted_payload, size_t plen,
			       struct ctl_request *req, const char **why)
{
	if (plen < 3 || untrusted_payload[0] > 1)
		return fail(why, "block attach: flags (0 or 1), two u8 lengths, then three names");
	size_t n = untrusted_payload[1], k = untrusted_payload[2];
	const char *name = (const char *)untrusted_payload + 3, *device = name + n,
		   *target = device + k;
	if (n + k + 3 > plen || !domain_name_is_valid(name, n) || !block_name_valid(device, k) ||
	    !domain_name_is_valid(target, plen - 3 - n - k))
		return fail(why, "block attach: flags, two u8 lengths, a domain's name, a device's, "
			    "then the name of the domain that takes it");
	req->read_only = untrusted_payload[0] == 1;
	memcpy(req->name, name, n);
	memcpy(req->device, device, k);
	memcpy(req->target, target, plen - 3 - n - k);
	return 0;
}

static int decode_run_disposable(const uint8_t *untrusted_payload, size_t plen,
				 struct ctl_request *req, const char **why)
{
	if (plen < 1 || untrusted_payload[0] > DOMAIN_NAME_MAX || 1u + untrusted_payload[0] > plen)
		return fail(why, "run-disposable: template name length out of range");
	size_t nlen = untrusted_payload[0];
	const char *untrusted_name = (const char *)untrusted_payload + 1;
	const char *untrusted_command = untrusted_name + nlen;
	size_t clen = plen - 1 - nlen;
	if (nlen && !domain_name_is_valid(untrusted_name, nlen))
		return fail(why, "run-disposable: the template must be a domain name (1 to 31 of "
			    "A-Z, a-z, 0-9, '-', '_', '.', starting with a letter)");
	if (!ctl_command_is_valid(untrusted_command, clen))
		return fail(why, "run-disposable: the command must be printable ASCII, at most "
			    "1024 bytes");
	memcpy(req->name, untrusted_name, nlen);
	req->name[nlen] = '\0';
	memcpy(req->command, untrusted_command, clen);
	req->command[clen] = '\0';
	return 0;
}

int ctl_decode_request(const uint8_t *untrusted_buf, size_t len, struct ctl_request *req,
		       const char **why)
{
	enum ctl_type type;
	const uint8_t *untrusted_payload;
	size_t plen;

	if (ctl_decode_header(untrusted_buf, len, &type, &untrusted_payload, &plen, why) < 0)
		return -1;
	memset(req, 0, sizeof(*req));
	req->type = type;
	switch (type) {
	case CTL_REQ_STATUS:
	case CTL_REQ_SERVICES:
	case CTL_REQ_DOMAINS:
	case CTL_REQ_RELOAD:
	case CTL_REQ_ASKS:
	case CTL_REQ_USB:
	case CTL_REQ_BLOCK:
		if (plen != 0)
			return fail(why, "this request takes no payload");
		return 0;
	case CTL_REQ_RESTART:
		if (!name_is_valid((const char *)untrusted_payload, plen, SERVICE_NAME_MAX))
			return fail(why, "service name must be 1 to 32 of a-z, 0-9, '-', '_'");
		memcpy(req->name, untrusted_payload, plen);
		req->name[plen] = '\0';
		return 0;
	case CTL_REQ_POWER:
		if (plen != 1)
			return fail(why, "power request takes exactly one byte");
		if (untrusted_payload[0] < CTL_POWER_POWEROFF || untrusted_payload[0] > CTL_POWER_HALT)
			return fail(why, "unknown power action");
		req->power = (enum ctl_power)untrusted_payload[0];
		return 0;
	case CTL_REQ_DOMAIN:
		if (plen < 1 || untrusted_payload[0] < CTL_DOMAIN_START ||
		    untrusted_payload[0] > CTL_DOMAIN_START_WAIT)
			return fail(why, "unknown domain operation");
		if (!domain_name_is_valid((const char *)untrusted_payload + 1, plen - 1))
			return fail(why, "domain name must be 1 to 31 of A-Z, a-z, 0-9, '-', '_', "
				    "'.', starting with a letter");
		req->op = (enum ctl_domain_op)untrusted_payload[0];
		memcpy(req->name, untrusted_payload + 1, plen - 1);
		req->name[plen - 1] = '\0';
		return 0;
	case CTL_REQ_SCREENSHOT:
		if (plen < 2 || plen > CTL_PATH_MAX || untrusted_payload[0] != '/')
			return fail(why, "screenshot path must be absolute, 2 to 255 bytes");
		for (size_t i = 0; i < plen; i++)
			if (untrusted_payload[i] < 0x20 || untrusted_payload[i] > 0x7e)
				return fail(why, "screenshot path must be printable ASCII");
		memcpy(req->path, untrusted_payload, plen);
		req->path[plen] = '\0';
		return 0;
	case CTL_REQ_KEY:
		if (plen != 3 || get_u16(untrusted_payload) >= KEY_CODES_MAX ||
		    untrusted_payload[2] > 2)
			return fail(why, "key must be a u16 code below KEY_CODES_MAX and a value 0..2");
		req->key_code = get_u16(untrusted_payload);
		req->key_value = untrusted_payload[2];
		return 0;
	case CTL_REQ_POINTER:
		if (plen != 6 || get_u16(untrusted_payload) >= GUI_WIDTH_MAX ||
		    get_u16(untrusted_payload + 2) >= GUI_HEIGHT_MAX ||
		    (int16_t)get_u16(untrusted_payload + 4) < -GUI_AXIS_MAX ||
		    (int16_t)get_u16(untrusted_payload + 4) > GUI_AXIS_MAX)
			return fail(why, "pointer must be u16 x, y below GUI_WIDTH_MAX, "
					 "GUI_HEIGHT_MAX and i16 wheel steps within GUI_AXIS_MAX");
		req->x = get_u16(untrusted_payload);
		req->y = get_u16(untrusted_payload + 2);
		req->wheel = (int16_t)get_u16(untrusted_payload + 4);
		return 0;
	case CTL_REQ_RUN_DISPOSABLE:
		return decode_run_disposable(untrusted_payload, plen, req, why);
	case CTL_REQ_ANSWER:
		if (plen < 4 || !ctl_choice_is_valid((const char *)untrusted_payload + 4, plen - 4))
			return fail(why, "answer: a u32 id, then nothing (no), \"@dispvm\" or a "
				    "domain's name");
		req->ask_id = get_u32(untrusted_payload);
		memcpy(req->choice, untrusted_payload + 4, plen - 4);
		req->choice[plen - 4] = '\0';
		return 0;
	case CTL_REQ_CALL: {
		const char *bad = rpc_request_parse((const char *)untrusted_payload, plen, &req->call);
		return bad ? fail(why, bad) : 0;
	}
	case CTL_REQ_USB_DETACH:
		return named(untrusted_payload, plen, usb_busid_valid, req->name, req->busid) ? 0 :
		       fail(why, "usb detach: a u8 length, a domain's name, then a USB bus id");
	case CTL_REQ_BLOCK_ATTACH:
		return decode_block_attach(untrusted_payload, plen, req, why);
	case CTL_REQ_BLOCK_DETACH:
		return named(untrusted_payload, plen, block_name_valid, req->name, req->device) ? 0 :
		       fail(why, "block detach: a u8 length, a domain's name, then a device's");
	default:
		return fail(why, "not a request");
	}
}

int ctl_decode_error(const uint8_t *payload, size_t len, int *code, char *msg, size_t msgcap,
		     const char **why)
{
	if (len < 4 || len - 4 > CTL_ERROR_TEXT_MAX || msgcap == 0)
		return fail(why, "error reply of the wrong size");
	*code = (int)get_u32(payload);
	size_t n = 0;
	for (size_t i = 4; i < len && n + 1 < msgcap; i++) {
		uint8_t c = payload[i];
		msg[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	msg[n] = '\0';
	return 0;
}

int ctl_decode_status(const uint8_t *payload, size_t len, struct ctl_status *st, const char **why)
{
	if (len != CTL_STATUS_SIZE)
		return fail(why, "status reply of the wrong size");
	memset(st, 0, sizeof(*st));
	st->pid = get_u32(payload);
	st->uptime_ms = get_u64(payload + 4);
	st->nservices = get_u32(payload + 12);
	st->nup = get_u32(payload + 16);
	st->nfailed = get_u32(payload + 20);
	st->stopping = payload[24];
	st->rss_kib = get_u32(payload + 28);
	for (size_t i = 0; i < 15 && payload[32 + i]; i++)
		st->version[i] = (payload[32 + i] >= 0x20 && payload[32 + i] < 0x7f) ?
				 (char)payload[32 + i] : '?';
	return 0;
}

int ctl_decode_services(const uint8_t *payload, size_t len, struct ctl_service_info *out,
			size_t max, size_t *n, const char **why)
{
	if (len < 4)
		return fail(why, "services reply without a count");
	uint32_t count = get_u32(payload);
	if (count > SERVICES_MAX || count > max)
		return fail(why, "services reply with too many records");
	if (len != 4 + (size_t)count * CTL_SERVICE_SIZE)
		return fail(why, "services reply of the wrong size for its count");
	const uint8_t *p = payload + 4;
	for (uint32_t i = 0; i < count; i++, p += CTL_SERVICE_SIZE) {
		size_t nlen = strnlen((const char *)p, SERVICE_NAME_MAX);
		if (!name_is_valid((const char *)p, nlen, SERVICE_NAME_MAX))
			return fail(why, "services reply with a bad name");
		memset(&out[i], 0, sizeof(out[i]));
		memcpy(out[i].name, p, nlen);
		out[i].state = p[32];
		out[i].restart = p[33];
		out[i].pid = (int32_t)get_u32(p + 36);
		out[i].restarts = get_u32(p + 40);
		out[i].last_status = (int32_t)get_u32(p + 44);
		out[i].state_age_ms = get_u64(p + 48);
	}
	*n = count;
	return 0;
}

/* A zero-padded 32-byte field holding a domain's name, or nothing, into
 * OUT; false when it is neither. */
static bool name_field(const uint8_t *f, char out[DOMAIN_NAME_MAX + 1])
{
	size_t n = strnlen((const char *)f, DOMAIN_NAME_MAX + 1);
	if (n > DOMAIN_NAME_MAX || (n && !domain_name_is_valid((const char *)f, n)))
		return false;
	for (size_t i = n; i <= DOMAIN_NAME_MAX; i++)
		if (f[i])
			return false;
	memcpy(out, f, n);
	out[n] = '\0';
	return true;
}

int ctl_decode_domains(const uint8_t *payload, size_t len, struct ctl_domain_info *out,
		       size_t max, size_t *n, const char **why)
{
	if (len < 4)
		return fail(why, "domains reply without a count");
	uint32_t count = get_u32(payload);
	if (count > DOMAINS_MAX || count > max)
		return fail(why, "domains reply with too many records");
	if (len != 4 + (size_t)count * CTL_DOMAIN_SIZE)
		return fail(why, "domains reply of the wrong size for its count");
	const uint8_t *p = payload + 4;
	for (uint32_t i = 0; i < count; i++, p += CTL_DOMAIN_SIZE) {
		size_t nlen = strnlen((const char *)p, DOMAIN_NAME_MAX + 1);
		if (!domain_name_is_valid((const char *)p, nlen))
			return fail(why, "domains reply with a bad name");
		memset(&out[i], 0, sizeof(out[i]));
		memcpy(out[i].name, p, nlen);
		out[i].state = p[32];
		out[i].type = p[33];
		out[i].class = p[34];
		out[i].label = p[35];
		out[i].domid = get_u32(p + 36);
		out[i].memory_kib = get_u32(p + 40);
		out[i].vcpus = get_u32(p + 44);
		out[i].restarts = get_u32(p + 48);
		out[i].uptime_ms = get_u64(p + 52);
		uint8_t config = (uint8_t)(p[60] >> CTL_DOMAIN_CONFIG_SHIFT);
		if ((config & ~CTL_CONFIG_ALL) ||
		    ((config & CTL_CONFIG_CHANGED) && (config & CTL_CONFIG_REMOVED)))
			return fail(why, "domains reply with unknown flags");
		out[i].gui = p[60] & CTL_DOMAIN_GUI;
		out[i].config = config;
		if (!name_field(p + 64, out[i].netvm) || !name_field(p + 96, out[i].template_name))
			return fail(why, "domains reply with a bad netvm or template");
		out[i].address = get_u32(p + 128);
	}
	*n = count;
	return 0;
}

int ctl_decode_disposable(const uint8_t *payload, size_t len, struct ctl_disposable *out,
			  const char **why)
{
	if (len < 5 || len > DOMAIN_NAME_MAX + 4 ||
	    !domain_name_is_valid((const char *)payload, len - 4))
		return fail(why, "disposable reply without a valid domain name");
	memset(out, 0, sizeof(*out));
	memcpy(out->name, payload, len - 4);
	out->answer_ms = get_u32(payload + len - 4);
	return 0;
}

int ctl_decode_call(const uint8_t *payload, size_t len, struct ctl_call *out, const char **why)
{
	if (len < 9 || len > DOMAIN_NAME_MAX + 8 ||
	    !domain_name_is_valid((const char *)payload + 8, len - 8))
		return fail(why, "call reply without a valid domain name");
	memset(out, 0, sizeof(*out));
	out->domid = get_u32(payload);
	out->id = get_u32(payload + 4);
	memcpy(out->target, payload + 8, len - 8);
	return 0;
}

int ctl_decode_reload(const uint8_t *payload, size_t len, struct ctl_reload *out,
		      const char **why)
{
	if (len < 4 || len - 4 > CTL_RELOAD_TEXT_MAX)
		return fail(why, "reload reply of the wrong size");
	for (size_t i = 4; i < len; i++)
		if (!text_byte_ok(payload[i]))
			return fail(why, "reload reply with a byte that is no text");
	memset(out, 0, sizeof(*out));
	out->problems = get_u32(payload);
	memcpy(out->text, payload + 4, len - 4);
	return 0;
}

bool ctl_choice_is_valid(const char *s, size_t len)
{
	return len == 0 || (len == 7 && memcmp(s, "@dispvm", 7) == 0) ||
	       domain_name_is_valid(s, len);
}

/* Ask record: see ctlproto.h. */
size_t ctl_encode_asks(const struct ctl_ask *asks, size_t n, uint8_t *buf, size_t cap)
{
	size_t len;
	uint8_t *p = put_records(buf, cap, CTL_REP_ASKS, n, CTL_ASKS_MAX, CTL_ASK_SIZE, &len);
	if (!p)
		return 0;
	for (size_t i = 0; i < n; i++, p += CTL_ASK_SIZE) {
		const struct ctl_ask *a = &asks[i];
		put_u32(p, a->id);
		memcpy(p + 4, a->source, strnlen(a->source, 32));
		memcpy(p + 36, a->service, strnlen(a->service, 64));
		memcpy(p + 100, a->arg, strnlen(a->arg, 64));
		p[164] = a->nchoices;
		for (size_t k = 0; k < a->nchoices && k < CTL_ASK_CHOICES_MAX; k++)
			memcpy(p + 168 + k * (CTL_CHOICE_MAX + 1), a->choices[k],
			       strnlen(a->choices[k], CTL_CHOICE_MAX));
	}
	return len;
}

/* A zero-padded field of CAP bytes: its length, or -1 when a byte follows
 * its first zero (a field is its text, then zeros). */
static int field_len(const uint8_t *f, size_t cap)
{
	size_t n = strnlen((const char *)f, cap);
	for (size_t i = n; i < cap; i++)
		if (f[i])
			return -1;
	return (int)n;
}

static int decode_ask(const uint8_t *p, struct ctl_ask *a, const char **why)
{
	char line[RPC_REQUEST_MAX + 1];
	struct rpc_serve_msg m;
	int ns = field_len(p + 4, 32), nv = field_len(p + 36, 64), na = field_len(p + 100, 64);
	if (ns < 0 || nv < 0 || na < 0)
		return fail(why, "asks: a field with bytes after its end");
	/* Source, service and argument as a request has them. */
	int n = snprintf(line, sizeof(line), "%.*s %.*s%s%.*s", ns, (const char *)p + 4, nv,
			 (const char *)p + 36, na ? "+" : "", na, (const char *)p + 100);
	if (n < 0 || (size_t)n >= sizeof(line) || rpc_serve_parse(line, (size_t)n, &m))
		return fail(why, "asks: a source, service or argument that a call cannot have");
	if (p[164] < 1 || p[164] > CTL_ASK_CHOICES_MAX || p[165] || p[166] || p[167])
		return fail(why, "asks: 1 to 8 choices");
	memset(a, 0, sizeof(*a));
	a->id = get_u32(p);
	memcpy(a->source, m.source, sizeof(a->source));
	memcpy(a->service, m.service, sizeof(a->service));
	memcpy(a->arg, m.arg, sizeof(a->arg));
	a->nchoices = p[164];
	for (size_t k = 0; k < CTL_ASK_CHOICES_MAX; k++) {
		const uint8_t *c = p + 168 + k * (CTL_CHOICE_MAX + 1);
		int nc = field_len(c, CTL_CHOICE_MAX + 1);
		if (nc < 0 || (k < a->nchoices) != (nc > 0) ||
		    (nc > 0 && !ctl_choice_is_valid((const char *)c, (size_t)nc)))
			return fail(why, "asks: a choice that is not a domain's name or @dispvm");
		memcpy(a->choices[k], c, (size_t)nc);
	}
	return 0;
}

/* USB record: char domain[32], char busid[32], char value[104], each
 * zero-padded. */
size_t ctl_encode_usb(const struct ctl_usb *usb, size_t n, uint8_t *buf, size_t cap)
{
	size_t len;
	uint8_t *p = put_records(buf, cap, CTL_REP_USB, n, CTL_USB_MAX, CTL_USB_SIZE, &len);
	if (!p)
		return 0;
	for (size_t i = 0; i < n; i++, p += CTL_USB_SIZE) {
		char value[USB_VALUE_MAX + 1];
		size_t vlen = usb_device_format(&usb[i].dev, value, sizeof(value));
		if (!vlen)
			return 0;
		memcpy(p, usb[i].domain, strnlen(usb[i].domain, DOMAIN_NAME_MAX));
		memcpy(p + 32, usb[i].dev.busid, strnlen(usb[i].dev.busid, USB_BUSID_MAX));
		memcpy(p + 64, value, vlen);
		memcpy(p + 168, usb[i].attached, strnlen(usb[i].attached, DOMAIN_NAME_MAX));
	}
	return len;
}

int ctl_decode_usb(const uint8_t *payload, size_t len, struct ctl_usb *out, size_t max,
		   size_t *n, const char **why)
{
	if (len < 4)
		return fail(why, "usb reply without a count");
	uint32_t count = get_u32(payload);
	if (count > CTL_USB_MAX || count > max)
		return fail(why, "usb reply with too many records");
	if (len != 4 + (size_t)count * CTL_USB_SIZE)
		return fail(why, "usb reply of the wrong size for its count");
	const uint8_t *p = payload + 4;
	for (uint32_t i = 0; i < count; i++, p += CTL_USB_SIZE) {
		const char *busid = (const char *)p + 32, *value = (const char *)p + 64;
		size_t blen = strnlen(busid, 32), vlen = strnlen(value, 104);
		memset(&out[i], 0, sizeof(out[i]));
		if (!name_field(p, out[i].domain) || !out[i].domain[0])
			return fail(why, "usb reply with a bad domain name");
		for (size_t k = blen; k < 32; k++)
			if (busid[k])
				return fail(why, "usb reply with bytes after its bus id");
		for (size_t k = vlen; k < 104; k++)
			if (value[k])
				return fail(why, "usb reply with bytes after its value");
		if (usb_device_parse(busid, blen, value, vlen, &out[i].dev))
			return fail(why, "usb reply with a device that does not parse");
		if (!name_field(p + 168, out[i].attached))
			return fail(why, "usb reply with a bad name of the domain it is given to");
	}
	*n = count;
	return 0;
}

int ctl_decode_asks(const uint8_t *payload, size_t len, struct ctl_ask *out, size_t *n,
		    const char **why)
{
	if (len < 4)
		return fail(why, "asks: no count");
	uint32_t untrusted_count = get_u32(payload);
	if (untrusted_count > CTL_ASKS_MAX || len != 4 + untrusted_count * CTL_ASK_SIZE)
		return fail(why, "asks: count and size do not agree, or more than CTL_ASKS_MAX");
	for (size_t i = 0; i < untrusted_count; i++)
		if (decode_ask(payload + 4 + i * CTL_ASK_SIZE, &out[i], why) < 0)
			return -1;
	*n = untrusted_count;
	return 0;
}

void ctl_config_text(uint8_t config, char *buf, size_t cap)
{
	static const char *const words[] = { "changed", "removed", "old-root" };
	snprintf(buf, cap, "%s", config ? "" : "current");
	for (size_t b = 0; b < sizeof(words) / sizeof(words[0]); b++)
		if (config & (1u << b))
			str_append(buf, cap, "%s%s", buf[0] ? "," : "", words[b]);
}

bool ctl_vdev_is_valid(const char *s, size_t len)
{
	if (len < 4 || len > CTL_VDEV_MAX || memcmp(s, "xvd", 3) != 0)
		return false;
	for (size_t i = 3; i < len; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return false;
	return true;
}

/* BLOCK record: char domain[32], char name[32], char value[96], char
 * holder[32], char vdev[8], each zero-padded. */
size_t ctl_encode_block(const struct ctl_block *block, size_t n, uint8_t *buf, size_t cap)
{
	size_t len;
	uint8_t *p = put_records(buf, cap, CTL_REP_BLOCK, n, CTL_BLOCK_MAX, CTL_BLOCK_SIZE, &len);
	if (!p)
		return 0;
	for (size_t i = 0; i < n; i++, p += CTL_BLOCK_SIZE) {
		char value[BLOCK_VALUE_MAX + 1];
		size_t vlen = block_device_format(&block[i].dev, value, sizeof(value));
		if (!vlen)
			return 0;
		memcpy(p, block[i].domain, strnlen(block[i].domain, DOMAIN_NAME_MAX));
		memcpy(p + 32, block[i].dev.name, strnlen(block[i].dev.name, BLOCK_NAME_MAX));
		memcpy(p + 64, value, vlen);
		memcpy(p + 160, block[i].holder, strnlen(block[i].holder, DOMAIN_NAME_MAX));
		memcpy(p + 192, block[i].vdev, strnlen(block[i].vdev, CTL_VDEV_MAX));
	}
	return len;
}

int ctl_decode_block(const uint8_t *payload, size_t len, struct ctl_block *out, size_t max,
		     size_t *n, const char **why)
{
	if (len < 4)
		return fail(why, "block reply without a count");
	uint32_t count = get_u32(payload);
	if (count > CTL_BLOCK_MAX || count > max)
		return fail(why, "block reply with too many records");
	if (len != 4 + (size_t)count * CTL_BLOCK_SIZE)
		return fail(why, "block reply of the wrong size for its count");
	const uint8_t *p = payload + 4;
	for (uint32_t i = 0; i < count; i++, p += CTL_BLOCK_SIZE) {
		int nn = field_len(p + 32, 32), nv = field_len(p + 64, 96), nd = field_len(p + 192, 8);
		memset(&out[i], 0, sizeof(out[i]));
		if (!name_field(p, out[i].domain) || !out[i].domain[0])
			return fail(why, "block reply with a bad domain name");
		if (nn < 0 || nv < 0 || nd < 0)
			return fail(why, "block reply with a field with bytes after its end");
		if (block_device_parse((const char *)p + 32, (size_t)nn, (const char *)p + 64,
				       (size_t)nv, &out[i].dev))
			return fail(why, "block reply with a device that does not parse");
		if (!name_field(p + 160, out[i].holder))
			return fail(why, "block reply with a bad name of the domain that holds it");
		if ((nd > 0) != (out[i].holder[0] != '\0') ||
		    (nd > 0 && !ctl_vdev_is_valid((const char *)p + 192, (size_t)nd)))
			return fail(why, "block reply with a bad disk name in its holder");
		memcpy(out[i].vdev, p + 192, (size_t)nd);
	}
	*n = count;
	return 0;
}
