#include "tests/unit/test_helpers.h"

#include <errno.h>

#include "lib/util.h"
#include "proto/ctlproto.h"

static uint8_t buf[CTL_MSG_MAX + 16];

static void header(uint8_t *b, uint32_t len, uint16_t version, uint16_t type)
{
	b[0] = (uint8_t)len;
	b[1] = (uint8_t)(len >> 8);
	b[2] = (uint8_t)(len >> 16);
	b[3] = (uint8_t)(len >> 24);
	b[4] = (uint8_t)version;
	b[5] = (uint8_t)(version >> 8);
	b[6] = (uint8_t)type;
	b[7] = (uint8_t)(type >> 8);
}

static const char *refused(const uint8_t *b, size_t len)
{
	struct ctl_request req;
	const char *why = NULL;
	assert_int_equal(ctl_decode_request(b, len, &req, &why), -1);
	assert_non_null(why);
	return why;
}

static void requests_round_trip(void **state)
{
	struct ctl_request in = { .type = CTL_REQ_RESTART }, out;
	const char *why;
	(void)state;
	strcpy(in.name, "xen-store_2");
	size_t len = ctl_encode_request(&in, buf, sizeof(buf));
	assert_int_equal(len, CTL_HEADER_SIZE + 11);
	assert_int_equal(ctl_decode_request(buf, len, &out, &why), 0);
	assert_int_equal(out.type, CTL_REQ_RESTART);
	assert_string_equal(out.name, "xen-store_2");

	in = (struct ctl_request){ .type = CTL_REQ_POWER, .power = CTL_POWER_HALT };
	len = ctl_encode_request(&in, buf, sizeof(buf));
	assert_int_equal(ctl_decode_request(buf, len, &out, &why), 0);
	assert_int_equal(out.power, CTL_POWER_HALT);

	in = (struct ctl_request){ .type = CTL_REQ_SERVICES };
	len = ctl_encode_request(&in, buf, sizeof(buf));
	assert_int_equal(len, CTL_HEADER_SIZE);
	assert_int_equal(ctl_decode_request(buf, len, &out, &why), 0);
	assert_int_equal(out.type, CTL_REQ_SERVICES);
}

static void short_and_oversized_messages_are_refused(void **state)
{
	(void)state;
	header(buf, 4, CTL_VERSION, CTL_REQ_STATUS);
	assert_string_equal(refused(buf, 0), "message shorter than its header");
	assert_string_equal(refused(buf, 7), "message shorter than its header");
	header(buf, CTL_MSG_MAX + 1, CTL_VERSION, CTL_REQ_STATUS);
	assert_string_equal(refused(buf, CTL_MSG_MAX + 1), "message larger than the limit");
}

static void header_fields_are_checked(void **state)
{
	(void)state;
	header(buf, 9, CTL_VERSION, CTL_REQ_STATUS);
	assert_string_equal(refused(buf, 8), "length field does not match the message's size");
	header(buf, 0xffffffffu, CTL_VERSION, CTL_REQ_STATUS);
	assert_string_equal(refused(buf, 8), "length field does not match the message's size");
	header(buf, 8, 2, CTL_REQ_STATUS);
	assert_string_equal(refused(buf, 8), "unsupported protocol version");
	header(buf, 8, CTL_VERSION, 0x7777);
	assert_string_equal(refused(buf, 8), "unknown message type");
	header(buf, 8, CTL_VERSION, CTL_REP_OK);
	assert_string_equal(refused(buf, 8), "not a request");
}

static void payloads_are_checked(void **state)
{
	(void)state;
	header(buf, 9, CTL_VERSION, CTL_REQ_STATUS);
	assert_string_equal(refused(buf, 9), "this request takes no payload");

	const char *bad_names[] = { "", "A", "-x", "../etc", "a b", "a\0b",
				    "abcdefghijklmnopqrstuvwxyz0123456", "\xff" };
	const size_t lens[] = { 0, 1, 2, 6, 3, 3, 33, 1 };
	for (size_t i = 0; i < ARRAY_SIZE(bad_names); i++) {
		header(buf, (uint32_t)(8 + lens[i]), CTL_VERSION, CTL_REQ_RESTART);
		memcpy(buf + 8, bad_names[i], lens[i]);
		assert_string_equal(refused(buf, 8 + lens[i]),
				    "service name must be 1 to 32 of a-z, 0-9, '-', '_'");
	}

	header(buf, 8, CTL_VERSION, CTL_REQ_POWER);
	assert_string_equal(refused(buf, 8), "power request takes exactly one byte");
	header(buf, 10, CTL_VERSION, CTL_REQ_POWER);
	assert_string_equal(refused(buf, 10), "power request takes exactly one byte");
	for (int v = 0; v < 256; v += 255) {
		header(buf, 9, CTL_VERSION, CTL_REQ_POWER);
		buf[8] = (uint8_t)v;
		assert_string_equal(refused(buf, 9), "unknown power action");
	}
}

static void status_round_trips(void **state)
{
	struct ctl_status in = { .pid = 1, .uptime_ms = 1ull << 40, .nservices = 3, .nup = 2,
				 .nfailed = 1, .stopping = 1, .rss_kib = 812 }, out;
	enum ctl_type type;
	const uint8_t *payload;
	size_t plen;
	const char *why;
	(void)state;
	strcpy(in.version, "0.1");
	size_t len = ctl_encode_status(&in, buf, sizeof(buf));
	assert_int_equal(ctl_decode_header(buf, len, &type, &payload, &plen, &why), 0);
	assert_int_equal(type, CTL_REP_STATUS);
	assert_int_equal(ctl_decode_status(payload, plen, &out, &why), 0);
	assert_int_equal(out.uptime_ms, 1ull << 40);
	assert_int_equal(out.nfailed, 1);
	assert_int_equal(out.rss_kib, 812);
	assert_string_equal(out.version, "0.1");
	assert_int_equal(ctl_decode_status(payload, plen - 1, &out, &why), -1);
}

static void services_round_trip_and_counts_are_checked(void **state)
{
	struct ctl_service_info in[2] = {
		{ .name = "xenstored", .state = 2, .restart = 0, .pid = 42, .restarts = 3,
		  .last_status = 9, .state_age_ms = 1234 },
		{ .name = "b", .state = 6, .pid = 0, .last_status = -1 },
	}, out[4];
	enum ctl_type type;
	const uint8_t *payload;
	size_t plen, n;
	const char *why;
	(void)state;
	size_t len = ctl_encode_services(in, 2, buf, sizeof(buf));
	assert_int_equal(len, CTL_HEADER_SIZE + 4 + 2 * CTL_SERVICE_SIZE);
	assert_int_equal(ctl_decode_header(buf, len, &type, &payload, &plen, &why), 0);
	assert_int_equal(ctl_decode_services(payload, plen, out, 2, &n, &why), 0);
	assert_int_equal(n, 2);
	assert_string_equal(out[0].name, "xenstored");
	assert_int_equal(out[0].pid, 42);
	assert_int_equal(out[0].restarts, 3);
	assert_int_equal(out[1].last_status, -1);
	assert_int_equal(out[1].state, 6);
	/* Room for one record only, a count that lies, a bad name. */
	assert_int_equal(ctl_decode_services(payload, plen, out, 1, &n, &why), -1);
	((uint8_t *)payload)[0] = 3;
	assert_int_equal(ctl_decode_services(payload, plen, out, 4, &n, &why), -1);
	assert_string_equal(why, "services reply of the wrong size for its count");
	((uint8_t *)payload)[0] = 2;
	((uint8_t *)payload)[4] = 'X';
	assert_int_equal(ctl_decode_services(payload, plen, out, 2, &n, &why), -1);
	assert_string_equal(why, "services reply with a bad name");
}

static void domain_requests_round_trip_and_are_checked(void **state)
{
	struct ctl_request in = { .type = CTL_REQ_DOMAIN, .op = CTL_DOMAIN_PAUSE }, out;
	const char *why;
	(void)state;
	strcpy(in.name, "Work.vm_2-a");
	size_t len = ctl_encode_request(&in, buf, sizeof(buf));
	assert_int_equal(len, CTL_HEADER_SIZE + 1 + 11);
	assert_int_equal(ctl_decode_request(buf, len, &out, &why), 0);
	assert_int_equal(out.op, CTL_DOMAIN_PAUSE);
	assert_string_equal(out.name, "Work.vm_2-a");
	/* The last operation, `ctl start --wait'. */
	in.op = CTL_DOMAIN_START_WAIT;
	len = ctl_encode_request(&in, buf, sizeof(buf));
	assert_int_equal(ctl_decode_request(buf, len, &out, &why), 0);
	assert_int_equal(out.op, CTL_DOMAIN_START_WAIT);
	assert_string_equal(out.name, "Work.vm_2-a");

	in = (struct ctl_request){ .type = CTL_REQ_DOMAINS };
	len = ctl_encode_request(&in, buf, sizeof(buf));
	assert_int_equal(ctl_decode_request(buf, len, &out, &why), 0);
	assert_int_equal(out.type, CTL_REQ_DOMAINS);

	/* No operation, operations out of range, then bad names. */
	header(buf, 8, CTL_VERSION, CTL_REQ_DOMAIN);
	assert_string_equal(refused(buf, 8), "unknown domain operation");
	for (int v = 0; v < 256; v += 7 * (v == 0) + 248 * (v != 0)) {
		header(buf, 10, CTL_VERSION, CTL_REQ_DOMAIN);
		buf[8] = (uint8_t)v;
		buf[9] = 'a';
		assert_string_equal(refused(buf, 10), "unknown domain operation");
	}
	const char *bad_names[] = { "", "1vm", "-x", "../etc", "a b", "a\0b", "a/b",
				    "abcdefghijklmnopqrstuvwxyz012345", "\xff" };
	const size_t lens[] = { 0, 3, 2, 6, 3, 3, 3, 32, 1 };
	for (size_t i = 0; i < ARRAY_SIZE(bad_names); i++) {
		header(buf, (uint32_t)(9 + lens[i]), CTL_VERSION, CTL_REQ_DOMAIN);
		buf[8] = CTL_DOMAIN_START;
		memcpy(buf + 9, bad_names[i], lens[i]);
		assert_string_equal(refused(buf, 9 + lens[i]),
				    "domain name must be 1 to 31 of A-Z, a-z, 0-9, '-', '_', '.', "
				    "starting with a letter");
	}
}

static void domains_round_trip_and_counts_are_checked(void **state)
{
	struct ctl_domain_info in[2] = {
		{ .name = "sys-net", .state = 2, .type = 1, .class = 4, .label = 0, .domid = 7,
		  .memory_kib = 262144, .vcpus = 2, .restarts = 3, .uptime_ms = 1ull << 33,
		  .gui = true, .netvm = "sys-usb", .template_name = "debian-12",
		  .address = 0x0a890005, .config = CTL_CONFIG_CHANGED },
		{ .name = "work", .state = 0, .domid = CTL_NO_DOMID },
	}, out[4];
	enum ctl_type type;
	const uint8_t *payload;
	size_t plen, n;
	const char *why;
	(void)state;
	size_t len = ctl_encode_domains(in, 2, buf, sizeof(buf));
	assert_int_equal(len, CTL_HEADER_SIZE + 4 + 2 * CTL_DOMAIN_SIZE);
	assert_int_equal(ctl_decode_header(buf, len, &type, &payload, &plen, &why), 0);
	assert_int_equal(type, CTL_REP_DOMAINS);
	assert_int_equal(ctl_decode_domains(payload, plen, out, 2, &n, &why), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(&in[0], &out[0], sizeof(in[0]));
	assert_string_equal(out[1].name, "work");
	assert_int_equal(out[1].domid, CTL_NO_DOMID);
	assert_false(out[1].gui);
	assert_string_equal(out[1].netvm, "");
	assert_int_equal(out[1].address, 0);
	/* netvm and template: a name or nothing, zero-padded. */
	uint8_t *rec = (uint8_t *)payload + 4;
	rec[64 + 20] = 'x';
	assert_int_equal(ctl_decode_domains(payload, plen, out, 2, &n, &why), -1);
	assert_string_equal(why, "domains reply with a bad netvm or template");
	rec[64 + 20] = 0;
	rec[96] = '/';
	assert_int_equal(ctl_decode_domains(payload, plen, out, 2, &n, &why), -1);
	rec[96] = 'd';
	assert_int_equal(ctl_decode_domains(payload, plen, out, 2, &n, &why), 0);
	/* A flag this version does not know is refused, not ignored. */
	((uint8_t *)payload)[4 + 60] = 0x10 | CTL_DOMAIN_GUI;
	assert_int_equal(ctl_decode_domains(payload, plen, out, 2, &n, &why), -1);
	assert_string_equal(why, "domains reply with unknown flags");
	/* Changed and removed at once: no such domain. */
	((uint8_t *)payload)[4 + 60] = (CTL_CONFIG_CHANGED | CTL_CONFIG_REMOVED) << 1;
	assert_int_equal(ctl_decode_domains(payload, plen, out, 2, &n, &why), -1);
	((uint8_t *)payload)[4 + 60] = (CTL_CONFIG_REMOVED | CTL_CONFIG_OLD_ROOT) << 1;
	assert_int_equal(ctl_decode_domains(payload, plen, out, 2, &n, &why), 0);
	assert_int_equal(out[0].config, CTL_CONFIG_REMOVED | CTL_CONFIG_OLD_ROOT);
	((uint8_t *)payload)[4 + 60] = CTL_DOMAIN_GUI;
	assert_int_equal(ctl_decode_domains(payload, plen, out, 1, &n, &why), -1);
	((uint8_t *)payload)[0] = 3;
	assert_int_equal(ctl_decode_domains(payload, plen, out, 4, &n, &why), -1);
	assert_string_equal(why, "domains reply of the wrong size for its count");
	((uint8_t *)payload)[0] = 2;
	/* A name filling all 32 bytes has no terminator: refused. */
	memset((uint8_t *)payload + 4, 'a', 32);
	assert_int_equal(ctl_decode_domains(payload, plen, out, 2, &n, &why), -1);
	assert_string_equal(why, "domains reply with a bad name");
	assert_int_equal(ctl_encode_domains(in, DOMAINS_MAX + 1, buf, sizeof(buf)), 0);
}

/* RUN_DISPOSABLE: u8 length, template, command. */
static size_t run_payload(uint8_t nlen, const char *name, const char *command)
{
	size_t clen = strlen(command);
	header(buf, (uint32_t)(CTL_HEADER_SIZE + 1 + strlen(name) + clen), CTL_VERSION,
	       CTL_REQ_RUN_DISPOSABLE);
	buf[CTL_HEADER_SIZE] = nlen;
	memcpy(buf + CTL_HEADER_SIZE + 1, name, strlen(name));
	memcpy(buf + CTL_HEADER_SIZE + 1 + strlen(name), command, clen);
	return CTL_HEADER_SIZE + 1 + strlen(name) + clen;
}

static void run_disposable_round_trips_and_is_checked(void **state)
{
	static char longest[DISPOSABLE_COMMAND_MAX + 2];
	struct ctl_request in = { .type = CTL_REQ_RUN_DISPOSABLE }, out;
	const char *why;
	(void)state;
	strcpy(in.name, "debian-12-dvm");
	strcpy(in.command, "xterm -e 'echo hi; sleep 1'");
	size_t len = ctl_encode_request(&in, buf, sizeof(buf));
	assert_int_equal(len, CTL_HEADER_SIZE + 1 + 13 + 27);
	assert_int_equal(ctl_decode_request(buf, len, &out, &why), 0);
	assert_string_equal(out.name, "debian-12-dvm");
	assert_string_equal(out.command, "xterm -e 'echo hi; sleep 1'");

	/* No template (the default), no command (just start it). */
	in = (struct ctl_request){ .type = CTL_REQ_RUN_DISPOSABLE };
	len = ctl_encode_request(&in, buf, sizeof(buf));
	assert_int_equal(len, CTL_HEADER_SIZE + 1);
	assert_int_equal(ctl_decode_request(buf, len, &out, &why), 0);
	assert_string_equal(out.name, "");
	assert_string_equal(out.command, "");

	memset(longest, 'x', DISPOSABLE_COMMAND_MAX);
	assert_int_equal(ctl_decode_request(buf, run_payload(0, "", longest), &out, &why), 0);
	assert_int_equal(strlen(out.command), DISPOSABLE_COMMAND_MAX);
	longest[DISPOSABLE_COMMAND_MAX] = 'x';
	assert_string_equal(refused(buf, run_payload(0, "", longest)),
			    "run-disposable: the command must be printable ASCII, at most 1024 bytes");
	assert_string_equal(refused(buf, run_payload(0, "", "echo\tx")),
			    "run-disposable: the command must be printable ASCII, at most 1024 bytes");
	assert_string_equal(refused(buf, run_payload(3, "dvm", "a\nb")),
			    "run-disposable: the command must be printable ASCII, at most 1024 bytes");
	/* The length byte is checked against the payload and the limit. */
	assert_string_equal(refused(buf, run_payload(9, "dvm", "")),
			    "run-disposable: template name length out of range");
	assert_string_equal(refused(buf, run_payload(32, "dvm", "")),
			    "run-disposable: template name length out of range");
	header(buf, CTL_HEADER_SIZE, CTL_VERSION, CTL_REQ_RUN_DISPOSABLE);
	assert_string_equal(refused(buf, CTL_HEADER_SIZE),
			    "run-disposable: template name length out of range");
	assert_int_equal(strncmp(refused(buf, run_payload(3, "../", "x")),
				 "run-disposable: the template must be a domain name", 50), 0);
	/* A shorter length just moves bytes from the name to the command. */
	assert_int_equal(ctl_decode_request(buf, run_payload(1, "dvm", ""), &out, &why), 0);
	assert_string_equal(out.name, "d");
	assert_string_equal(out.command, "vm");
}

static void disposable_reply_round_trips_and_is_checked(void **state)
{
	struct ctl_disposable in = { .name = "disp12", .answer_ms = 98765 }, out;
	enum ctl_type type;
	const uint8_t *payload;
	size_t plen;
	const char *why;
	(void)state;
	size_t len = ctl_encode_disposable(&in, buf, sizeof(buf));
	assert_int_equal(ctl_decode_header(buf, len, &type, &payload, &plen, &why), 0);
	assert_int_equal(type, CTL_REP_DISPOSABLE);
	assert_int_equal(ctl_decode_disposable(payload, plen, &out, &why), 0);
	assert_string_equal(out.name, "disp12");
	assert_int_equal(out.answer_ms, 98765);
	assert_int_equal(ctl_decode_disposable(payload, 4, &out, &why), -1);
	assert_int_equal(ctl_decode_disposable((const uint8_t *)"-bad\0\0\0\0", 8, &out, &why),
			 -1);
	assert_int_equal(ctl_decode_disposable((const uint8_t *)"ok\0\0\0\0", 6, &out, &why), 0);
	assert_string_equal(out.name, "ok");
}

/* RELOAD: no payload asked; its reply a count and lines of text, which a
 * terminal gets as they are: no escape reaches it, none is accepted. */
static void reload_round_trips_and_is_checked(void **state)
{
	static struct ctl_reload in, out;
	static char big[CTL_RELOAD_TEXT_MAX + 10];
	struct ctl_request req = { .type = CTL_REQ_RELOAD }, got;
	enum ctl_type type;
	const uint8_t *payload;
	size_t plen;
	const char *why;
	(void)state;
	size_t len = ctl_encode_request(&req, buf, sizeof(buf));
	assert_int_equal(len, CTL_HEADER_SIZE);
	assert_int_equal(ctl_decode_request(buf, len, &got, &why), 0);
	assert_int_equal(got.type, CTL_REQ_RELOAD);
	header(buf, CTL_HEADER_SIZE + 1, CTL_VERSION, CTL_REQ_RELOAD);
	assert_string_equal(refused(buf, CTL_HEADER_SIZE + 1), "this request takes no payload");

	in.problems = 2;
	strcpy(in.text, "a.cfg:3: bad\nb.cfg:\x1b[2J\tx\n");
	len = ctl_encode_reload(&in, buf, sizeof(buf));
	assert_int_equal(ctl_decode_header(buf, len, &type, &payload, &plen, &why), 0);
	assert_int_equal(type, CTL_REP_RELOAD);
	assert_int_equal(ctl_decode_reload(payload, plen, &out, &why), 0);
	assert_int_equal(out.problems, 2);
	assert_string_equal(out.text, "a.cfg:3: bad\nb.cfg:?[2J?x\n");
	assert_int_equal(ctl_decode_reload(payload, 3, &out, &why), -1);
	/* What a hostile peer could send instead: an escape, a NUL. */
	memcpy(buf + CTL_HEADER_SIZE + 4, "\x1b", 1);
	assert_int_equal(ctl_decode_reload(payload, plen, &out, &why), -1);
	assert_string_equal(why, "reload reply with a byte that is no text");
	buf[CTL_HEADER_SIZE + 4] = '\0';
	assert_int_equal(ctl_decode_reload(payload, plen, &out, &why), -1);

	/* The text is cut at its limit; a longer one is refused. */
	memset(big, 'x', sizeof(big) - 1);
	memcpy(in.text, big, CTL_RELOAD_TEXT_MAX);
	in.text[CTL_RELOAD_TEXT_MAX] = '\0';
	len = ctl_encode_reload(&in, buf, sizeof(buf));
	assert_int_equal(len, CTL_HEADER_SIZE + 4 + CTL_RELOAD_TEXT_MAX);
	assert_int_equal(ctl_decode_reload(buf + CTL_HEADER_SIZE, len - CTL_HEADER_SIZE, &out,
					   &why), 0);
	assert_int_equal(strlen(out.text), CTL_RELOAD_TEXT_MAX);
	memset(buf + CTL_HEADER_SIZE + 4, 'x', CTL_RELOAD_TEXT_MAX + 1);
	assert_int_equal(ctl_decode_reload(buf + CTL_HEADER_SIZE, 4 + CTL_RELOAD_TEXT_MAX + 1, &out,
					   &why), -1);
}

/* The calls' questions (ASKS) and the user's answers (ANSWER): what the
 * compositor reads and what the manager takes. */
static void asks_round_trip_and_are_checked(void **state)
{
	struct ctl_ask in[CTL_ASKS_MAX], out[CTL_ASKS_MAX];
	struct ctl_request req = { .type = CTL_REQ_ANSWER, .ask_id = 77 }, got;
	enum ctl_type type;
	const uint8_t *payload;
	size_t plen, n;
	const char *why;
	(void)state;
	memset(in, 0, sizeof(in));
	in[0] = (struct ctl_ask){ .id = 5, .source = "work", .service = "bulkhead.Filecopy",
				  .nchoices = 2, .choices = { "personal", "@dispvm" } };
	in[1] = (struct ctl_ask){ .id = 6, .nchoices = CTL_ASK_CHOICES_MAX };
	memset(in[1].source, 'a', DOMAIN_NAME_MAX);	/* every field at its longest */
	memset(in[1].service, 's', RPC_SERVICE_MAX);
	memset(in[1].arg, 'g', RPC_ARG_MAX);
	for (size_t k = 0; k < CTL_ASK_CHOICES_MAX; k++)
		snprintf(in[1].choices[k], sizeof(in[1].choices[k]), "dom%zu", k);
	size_t len = ctl_encode_asks(in, 2, buf, sizeof(buf));
	assert_int_equal(len, CTL_HEADER_SIZE + 4 + 2 * CTL_ASK_SIZE);
	assert_int_equal(ctl_decode_header(buf, len, &type, &payload, &plen, &why), 0);
	assert_int_equal(type, CTL_REP_ASKS);
	assert_int_equal(ctl_decode_asks(payload, plen, out, &n, &why), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(&in[0], &out[0], sizeof(in[0]));
	assert_memory_equal(&in[1], &out[1], sizeof(in[1]));
	assert_int_equal(ctl_encode_asks(in, CTL_ASKS_MAX + 1, buf, sizeof(buf)), 0);

	/* What a hostile peer could send: each refused with its reason. */
	len = ctl_encode_asks(in, 1, buf, sizeof(buf));
	uint8_t *rec = buf + CTL_HEADER_SIZE + 4;
	static const struct { size_t off; uint8_t byte; } bad[] = {
		{ 4, '/' },			/* a source that is no name */
		{ 4 + 10, 'x' },		/* a byte after the source's end */
		{ 36, 0 },			/* no service */
		{ 36 + 3, ' ' },		/* a space in the service */
		{ 100, '/' },			/* an argument of other characters */
		{ 164, 0 },			/* no choice */
		{ 164, CTL_ASK_CHOICES_MAX + 1 },
		{ 165, 1 },			/* padding not zero */
		{ 168, '@' },			/* "@ersonal" */
		{ 168 + 80, 'x' },		/* a third choice beyond nchoices */
		{ 168 + 8, '\x1b' },		/* an escape in a choice */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t keep = rec[bad[i].off];
		rec[bad[i].off] = bad[i].byte;
		if (ctl_decode_asks(buf + CTL_HEADER_SIZE, len - CTL_HEADER_SIZE, out, &n, &why) == 0)
			fail_msg("ask with byte %zu = %u was taken", bad[i].off, bad[i].byte);
		rec[bad[i].off] = keep;
	}
	assert_int_equal(ctl_decode_asks(buf + CTL_HEADER_SIZE, len - CTL_HEADER_SIZE, out, &n,
					 &why), 0);
	assert_int_equal(ctl_decode_asks(buf + CTL_HEADER_SIZE, len - CTL_HEADER_SIZE - 1, out, &n,
					 &why), -1);
	buf[CTL_HEADER_SIZE] = CTL_ASKS_MAX + 1;	/* a count beyond the limit */
	assert_int_equal(ctl_decode_asks(buf + CTL_HEADER_SIZE, len - CTL_HEADER_SIZE, out, &n,
					 &why), -1);

	/* The answers: a choice, no, and what is no choice. */
	strcpy(req.choice, "personal");
	len = ctl_encode_request(&req, buf, sizeof(buf));
	assert_int_equal(ctl_decode_request(buf, len, &got, &why), 0);
	assert_int_equal(got.ask_id, 77);
	assert_string_equal(got.choice, "personal");
	req.choice[0] = '\0';
	len = ctl_encode_request(&req, buf, sizeof(buf));
	assert_int_equal(ctl_decode_request(buf, len, &got, &why), 0);
	assert_string_equal(got.choice, "");
	static const char *const no_choice[] = { "@dispvmx", "@anyvm", "a b", "dom0\n", "-x" };
	for (size_t i = 0; i < sizeof(no_choice) / sizeof(no_choice[0]); i++) {
		strcpy(req.choice, no_choice[i]);
		len = ctl_encode_request(&req, buf, sizeof(buf));
		refused(buf, len);
	}
	header(buf, CTL_HEADER_SIZE + 3, CTL_VERSION, CTL_REQ_ANSWER);
	refused(buf, CTL_HEADER_SIZE + 3);
}

/* CALL: dom0's request as a domain's is written, parsed by the same
 * parser; its reply the target's domid, the call's id and its name. */
static void call_round_trips_and_is_checked(void **state)
{
	struct ctl_request req = { .type = CTL_REQ_CALL }, got;
	struct ctl_call in = { .domid = 7, .id = 4000000000u, .target = "work" }, out;
	enum ctl_type type;
	const uint8_t *payload;
	size_t plen;
	const char *why;
	(void)state;
	strcpy(req.call.target, "@dispvm:fedora");
	strcpy(req.call.service, "test.Upper");
	strcpy(req.call.arg, "x-1");
	size_t len = ctl_encode_request(&req, buf, sizeof(buf));
	assert_int_equal(len, CTL_HEADER_SIZE + strlen("@dispvm:fedora test.Upper+x-1"));
	assert_memory_equal(buf + CTL_HEADER_SIZE, "@dispvm:fedora test.Upper+x-1", len - 8);
	assert_int_equal(ctl_decode_request(buf, len, &got, &why), 0);
	assert_int_equal(got.type, CTL_REQ_CALL);
	assert_string_equal(got.call.target, "@dispvm:fedora");
	assert_string_equal(got.call.service, "test.Upper");
	assert_string_equal(got.call.arg, "x-1");
	/* What the parser refuses, the encoder does not send. */
	strcpy(req.call.service, "a/b");
	assert_int_equal(ctl_encode_request(&req, buf, sizeof(buf)), 0);
	static const char *const bad[] = { "work", "work ", " test.X", "work a b",
					   "work test.X+a+b", "wo\nrk x", "work x\0" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = strlen(bad[i]) + (i == 6);
		header(buf, (uint32_t)(CTL_HEADER_SIZE + n), CTL_VERSION, CTL_REQ_CALL);
		memcpy(buf + CTL_HEADER_SIZE, bad[i], n);
		refused(buf, CTL_HEADER_SIZE + n);
	}

	len = ctl_encode_call(&in, buf, sizeof(buf));
	assert_int_equal(ctl_decode_header(buf, len, &type, &payload, &plen, &why), 0);
	assert_int_equal(type, CTL_REP_CALL);
	assert_int_equal(ctl_decode_call(payload, plen, &out, &why), 0);
	assert_int_equal(out.domid, 7);
	assert_int_equal(out.id, 4000000000u);
	assert_string_equal(out.target, "work");
	assert_int_equal(ctl_decode_call(payload, 8, &out, &why), -1);
	assert_int_equal(ctl_decode_call((const uint8_t *)"\0\0\0\0\0\0\0\0-x", 10, &out, &why),
			 -1);
	assert_int_equal(ctl_decode_call((const uint8_t *)"\0\0\0\0\0\0\0\0a\n", 10, &out, &why),
			 -1);
}

static void error_text_is_made_printable(void **state)
{
	enum ctl_type type;
	const uint8_t *payload;
	size_t plen;
	const char *why;
	char msg[64];
	int code;
	(void)state;
	size_t len = ctl_encode_error(ENOENT, "no such\x1b[2J service", buf, sizeof(buf));
	assert_int_equal(ctl_decode_header(buf, len, &type, &payload, &plen, &why), 0);
	assert_int_equal(type, CTL_REP_ERROR);
	assert_int_equal(ctl_decode_error(payload, plen, &code, msg, sizeof(msg), &why), 0);
	assert_int_equal(code, ENOENT);
	assert_string_equal(msg, "no such?[2J service");
	assert_int_equal(ctl_decode_error(payload, 3, &code, msg, sizeof(msg), &why), -1);
}

static void encoders_refuse_what_does_not_fit(void **state)
{
	struct ctl_status st = { 0 };
	(void)state;
	assert_int_equal(ctl_encode_status(&st, buf, CTL_HEADER_SIZE + CTL_STATUS_SIZE - 1), 0);
	assert_int_equal(ctl_encode_ok(buf, 7), 0);
	assert_int_equal(ctl_encode_services(NULL, SERVICES_MAX + 1, buf, sizeof(buf)), 0);
}

/* `ctl block': attach (with --ro) and detach there and back, what the
 * decoder refuses, and the list with a device held and one free. */
static void block_requests_and_list_round_trip_and_are_checked(void **state)
{
	struct ctl_request req = { .type = CTL_REQ_BLOCK_ATTACH, .name = "sys-storage",
				   .device = "loop0", .target = "beta", .read_only = true }, got;
	static struct ctl_block in[2], out[2];
	enum ctl_type type;
	const uint8_t *payload;
	size_t plen, n;
	const char *why;
	(void)state;
	size_t len = ctl_encode_request(&req, buf, sizeof(buf));
	assert_int_equal(len, CTL_HEADER_SIZE + 3 + 11 + 5 + 4);
	assert_int_equal(ctl_decode_request(buf, len, &got, &why), 0);
	assert_int_equal(got.type, CTL_REQ_BLOCK_ATTACH);
	assert_string_equal(got.name, "sys-storage");
	assert_string_equal(got.device, "loop0");
	assert_string_equal(got.target, "beta");
	assert_true(got.read_only);
	/* Flags other than read-only, a device that makes no /dev name, no target. */
	buf[CTL_HEADER_SIZE] = 2;
	refused(buf, len);
	buf[CTL_HEADER_SIZE] = 0;
	assert_int_equal(ctl_decode_request(buf, len, &got, &why), 0);
	assert_false(got.read_only);
	memcpy(buf + CTL_HEADER_SIZE + 3 + 11, "../x0", 5);
	refused(buf, len);
	len = ctl_encode_request(&req, buf, sizeof(buf));
	header(buf, (uint32_t)(len - 4), CTL_VERSION, CTL_REQ_BLOCK_ATTACH);
	refused(buf, len - 4);
	buf[CTL_HEADER_SIZE + 2] = 40;	/* the device's length past the end */
	header(buf, (uint32_t)len, CTL_VERSION, CTL_REQ_BLOCK_ATTACH);
	refused(buf, len);

	req = (struct ctl_request){ .type = CTL_REQ_BLOCK_DETACH, .name = "sys-usb",
				    .device = "sda1" };
	len = ctl_encode_request(&req, buf, sizeof(buf));
	assert_int_equal(ctl_decode_request(buf, len, &got, &why), 0);
	assert_int_equal(got.type, CTL_REQ_BLOCK_DETACH);
	assert_string_equal(got.name, "sys-usb");
	assert_string_equal(got.device, "sda1");
	buf[CTL_HEADER_SIZE + 1 + 7] = 'S';
	refused(buf, len);

	in[0] = (struct ctl_block){ .domain = "sys-storage", .holder = "beta", .vdev = "xvdi",
				    .dev = { .name = "loop0", .sectors = 2048, .desc = "/srv/a.img" } };
	in[1] = (struct ctl_block){ .domain = "sys-storage",
				    .dev = { .name = "vda", .sectors = 1, .ro = true, .desc = "x" } };
	len = ctl_encode_block(in, 2, buf, sizeof(buf));
	assert_int_equal(len, CTL_HEADER_SIZE + 4 + 2 * CTL_BLOCK_SIZE);
	assert_int_equal(ctl_decode_header(buf, len, &type, &payload, &plen, &why), 0);
	assert_int_equal(type, CTL_REP_BLOCK);
	assert_int_equal(ctl_decode_block(payload, plen, out, 2, &n, &why), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(in, out, sizeof(in));
	assert_int_equal(ctl_decode_block(payload, plen, out, 1, &n, &why), -1);
	/* A holder without its disk's name, a disk name that is no xvd. */
	uint8_t *rec = buf + CTL_HEADER_SIZE + 4;
	memset(rec + 192, 0, 8);
	assert_int_equal(ctl_decode_block(payload, plen, out, 2, &n, &why), -1);
	memcpy(rec + 192, "sda", 3);
	assert_int_equal(ctl_decode_block(payload, plen, out, 2, &n, &why), -1);
	memcpy(rec + 192, "xvdi", 4);
	rec[64] = '0';	/* a size with a leading zero */
	assert_int_equal(ctl_decode_block(payload, plen, out, 2, &n, &why), -1);
	/* An encoder that would send what does not parse sends nothing. */
	in[1].dev.desc[0] = '\n';
	assert_int_equal(ctl_encode_block(in, 2, buf, sizeof(buf)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(requests_round_trip),
		cmocka_unit_test(short_and_oversized_messages_are_refused),
		cmocka_unit_test(header_fields_are_checked),
		cmocka_unit_test(payloads_are_checked),
		cmocka_unit_test(status_round_trips),
		cmocka_unit_test(services_round_trip_and_counts_are_checked),
		cmocka_unit_test(domain_requests_round_trip_and_are_checked),
		cmocka_unit_test(domains_round_trip_and_counts_are_checked),
		cmocka_unit_test(error_text_is_made_printable),
		cmocka_unit_test(run_disposable_round_trips_and_is_checked),
		cmocka_unit_test(disposable_reply_round_trips_and_is_checked),
		cmocka_unit_test(reload_round_trips_and_is_checked),
		cmocka_unit_test(asks_round_trip_and_are_checked),
		cmocka_unit_test(call_round_trips_and_is_checked),
		cmocka_unit_test(block_requests_and_list_round_trip_and_are_checked),
		cmocka_unit_test(encoders_refuse_what_does_not_fit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
