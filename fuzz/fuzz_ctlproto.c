/* libFuzzer target: every decoder of control messages, on any bytes.  The
 * control socket is root's, but PID 1 must survive whatever arrives. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/util.h"
#include "proto/ctlproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctl_service_info svc[SERVICES_MAX];
	static struct ctl_domain_info dom[DOMAINS_MAX];
	struct ctl_request req;
	struct ctl_status st;
	struct ctl_disposable disp;
	static struct ctl_reload rel;
	static struct ctl_ask asks[CTL_ASKS_MAX], again[CTL_ASKS_MAX];
	static uint8_t back[CTL_HEADER_SIZE + 4 + CTL_ASKS_MAX * CTL_ASK_SIZE];
	static struct ctl_usb usb[CTL_USB_MAX];
	static uint8_t usb_back[CTL_HEADER_SIZE + 4 + CTL_USB_MAX * CTL_USB_SIZE];
	static struct ctl_block block[CTL_BLOCK_MAX];
	static uint8_t block_back[CTL_HEADER_SIZE + 4 + CTL_BLOCK_MAX * CTL_BLOCK_SIZE];
	enum ctl_type type;
	const uint8_t *payload;
	size_t plen, n;
	const char *why;
	char msg[64];
	int code;

	if (ctl_decode_request(data, size, &req, &why) == 0 && req.type == CTL_REQ_RESTART) {
		/* A decoded name must be a string the rest of PID 1 can use. */
		if (strlen(req.name) == 0 || strlen(req.name) > SERVICE_NAME_MAX)
			__builtin_trap();
	}
	if (ctl_decode_request(data, size, &req, &why) == 0 && req.type == CTL_REQ_DOMAIN) {
		/* The domain manager looks the name up and logs it. */
		if (strlen(req.name) == 0 || strlen(req.name) > DOMAIN_NAME_MAX ||
		    req.op < CTL_DOMAIN_START || req.op > CTL_DOMAIN_START_WAIT)
			__builtin_trap();
	}
	if (ctl_decode_request(data, size, &req, &why) == 0 &&
	    req.type == CTL_REQ_RUN_DISPOSABLE) {
		/* The manager looks the template up and hands the command on. */
		if (strlen(req.name) > DOMAIN_NAME_MAX ||
		    (req.name[0] && !domain_name_is_valid(req.name, strlen(req.name))) ||
		    !ctl_command_is_valid(req.command, strlen(req.command)))
			__builtin_trap();
	}
	if (ctl_decode_request(data, size, &req, &why) == 0 && req.type == CTL_REQ_ANSWER) {
		/* The manager compares the choice with the ones it offered. */
		if (!ctl_choice_is_valid(req.choice, strlen(req.choice)))
			__builtin_trap();
	}
	if (ctl_decode_request(data, size, &req, &why) == 0 && req.type == CTL_REQ_CALL) {
		/* The broker takes the request as a domain's, re-encoded whole. */
		char line[RPC_REQUEST_MAX + 1];
		if (!rpc_request_format(&req.call, line, sizeof(line)))
			__builtin_trap();
	}
	if (ctl_decode_request(data, size, &req, &why) == 0 &&
	    (req.type == CTL_REQ_BLOCK_ATTACH || req.type == CTL_REQ_BLOCK_DETACH)) {
		/* The manager looks the names up and makes "/dev/DEVICE" of the
		 * device; encoded again, the same bytes. */
		uint8_t again[CTL_HEADER_SIZE + 128];
		if (!domain_name_is_valid(req.name, strlen(req.name)) ||
		    !block_name_valid(req.device, strlen(req.device)) ||
		    (req.type == CTL_REQ_BLOCK_ATTACH &&
		     !domain_name_is_valid(req.target, strlen(req.target))) ||
		    ctl_encode_request(&req, again, sizeof(again)) != size ||
		    memcmp(again, data, size) != 0)
			__builtin_trap();
	}
	if (ctl_decode_header(data, size, &type, &payload, &plen, &why) < 0)
		return 0;
	if (payload + plen != data + size)
		__builtin_trap();
	ctl_decode_status(payload, plen, &st, &why);
	/* ctl-call connects to the vchan of the domid and id it names. */
	struct ctl_call call;
	if (ctl_decode_call(payload, plen, &call, &why) == 0 &&
	    !domain_name_is_valid(call.target, strlen(call.target)))
		__builtin_trap();
	ctl_decode_error(payload, plen, &code, msg, sizeof(msg), &why);
	if (ctl_decode_services(payload, plen, svc, SERVICES_MAX, &n, &why) == 0 && n > SERVICES_MAX)
		__builtin_trap();
	if (ctl_decode_domains(payload, plen, dom, DOMAINS_MAX, &n, &why) == 0) {
		if (n > DOMAINS_MAX)
			__builtin_trap();
		for (size_t i = 0; i < n; i++)
			if (strlen(dom[i].name) == 0 || strlen(dom[i].name) > DOMAIN_NAME_MAX)
				__builtin_trap();
	}
	if (ctl_decode_disposable(payload, plen, &disp, &why) == 0 &&
	    !domain_name_is_valid(disp.name, strlen(disp.name)))
		__builtin_trap();
	if (ctl_decode_reload(payload, plen, &rel, &why) == 0) {
		/* ctl prints the text as it is: only printable ASCII and newlines. */
		size_t tl = strlen(rel.text);
		if (tl > CTL_RELOAD_TEXT_MAX || tl != plen - 4)
			__builtin_trap();
		for (size_t i = 0; i < tl; i++)
			if (rel.text[i] != '\n' && (rel.text[i] < 0x20 || rel.text[i] > 0x7e))
				__builtin_trap();
	}
	if (ctl_decode_usb(payload, plen, usb, CTL_USB_MAX, &n, &why) == 0) {
		/* ctl prints them; the manager encodes what it read the same way. */
		size_t blen = ctl_encode_usb(usb, n, usb_back, sizeof(usb_back));
		if (n > CTL_USB_MAX || blen != CTL_HEADER_SIZE + plen)
			__builtin_trap();
		for (size_t i = 0; i < n; i++)
			if (!domain_name_is_valid(usb[i].domain, strlen(usb[i].domain)) ||
			    !usb_busid_valid(usb[i].dev.busid, strlen(usb[i].dev.busid)))
				__builtin_trap();
	}
	if (ctl_decode_block(payload, plen, block, CTL_BLOCK_MAX, &n, &why) == 0) {
		/* ctl prints them; the manager encodes what it read the same way. */
		size_t blen = ctl_encode_block(block, n, block_back, sizeof(block_back));
		if (n > CTL_BLOCK_MAX || blen != CTL_HEADER_SIZE + plen ||
		    memcmp(block_back + CTL_HEADER_SIZE, payload, plen) != 0)
			__builtin_trap();
		for (size_t i = 0; i < n; i++)
			if (!block_name_valid(block[i].dev.name, strlen(block[i].dev.name)) ||
			    (block[i].holder[0] != '\0') != (block[i].vdev[0] != '\0'))
				__builtin_trap();
	}
	if (ctl_decode_asks(payload, plen, asks, &n, &why) == 0) {
		/* The compositor draws them: taken, written back, the same. */
		size_t blen = ctl_encode_asks(asks, n, back, sizeof(back));
		size_t n2;
		if (n > CTL_ASKS_MAX || blen != CTL_HEADER_SIZE + plen ||
		    ctl_decode_asks(back + CTL_HEADER_SIZE, plen, again, &n2, &why) ||
		    n2 != n || memcmp(asks, again, n * sizeof(asks[0])))
			__builtin_trap();
		for (size_t i = 0; i < n; i++)
			if (asks[i].nchoices < 1 || asks[i].nchoices > CTL_ASK_CHOICES_MAX)
				__builtin_trap();
	}
	return 0;
}
