#include "drm-compositor/domstatus.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config/domain_config.h"
#include "proto/domstate.h"
#include "lib/util.h"
#include "proto/ctlproto.h"

void manager_ask_init(struct manager_ask *a)
{
	a->fd = -1;
	a->waiting = false;
}

void manager_ask_close(struct manager_ask *a)
{
	if (a->fd >= 0)
		close(a->fd);
	manager_ask_init(a);
}

int manager_ask_send(struct manager_ask *a, const struct ctl_request *req)
{
	if (a->waiting)
		return 0;
	if (manager_request(&a->fd, req) < 0) {
		manager_ask_close(a);
		return -1;
	}
	a->waiting = true;
	return 1;
}

int manager_ask_fd(const struct manager_ask *a)
{
	return a->waiting ? a->fd : -1;
}

int manager_ask_reply(struct manager_ask *a, enum ctl_type *type, const uint8_t **payload,
		      size_t *plen)
{
	static uint8_t reply[CTL_MSG_MAX];
	const char *why;
	ssize_t len = recv(a->fd, reply, sizeof(reply), MSG_DONTWAIT);
	if (len < 0 && errno == EAGAIN)
		return 0;
	a->waiting = false;
	if (len <= 0 || ctl_decode_header(reply, (size_t)len, type, payload, plen, &why) < 0) {
		manager_ask_close(a);
		return -1;
	}
	return 1;
}

void domstatus_init(struct domstatus *ds)
{
	memset(ds, 0, sizeof(*ds));
	manager_ask_init(&ds->conn);
}

static struct domstatus_entry *add(struct domstatus *ds, const char *name,
				   enum domain_label label, enum domain_class class, bool gui)
{
	if (ds->n >= DOMAINS_MAX)
		return NULL;
	struct domstatus_entry *e = &ds->e[ds->n++];
	memset(e, 0, sizeof(*e));
	str_copy(e->name, name, sizeof(e->name));
	e->label = label;
	e->class = class;
	e->gui = gui;
	str_copy(e->state, "unknown", sizeof(e->state));
	e->domid = CTL_NO_DOMID;
	return e;
}

bool domstatus_add(struct domstatus *ds, const char *name, enum domain_label label,
		   enum domain_class class, bool gui)
{
	struct domstatus_entry *e = add(ds, name, label, class, gui);
	if (e)
		e->configured = true;
	return e != NULL;
}

static struct domstatus_entry *find(struct domstatus *ds, const char *name)
{
	for (size_t i = 0; i < ds->n; i++)
		if (strcmp(ds->e[i].name, name) == 0)
			return &ds->e[i];
	return NULL;
}

const struct domstatus_entry *domstatus_find(const struct domstatus *ds, const char *name)
{
	return find((struct domstatus *)ds, name);
}

void domstatus_close(struct domstatus *ds)
{
	manager_ask_close(&ds->conn);
}

int control_request(int *fd, const char *path, const struct ctl_request *req)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static uint8_t buf[CTL_MSG_MAX];	/* a disposable's command included */

	if (*fd < 0) {
		*fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		str_copy(sa.sun_path, path, sizeof(sa.sun_path));
		if (*fd < 0 || connect(*fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			return -1;
	}
	size_t len = ctl_encode_request(req, buf, sizeof(buf));
	return len && send(*fd, buf, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

void domstatus_ask(struct domstatus *ds)
{
	struct ctl_request req = { .type = CTL_REQ_DOMAINS };
	manager_ask_send(&ds->conn, &req);
}

int domstatus_fd(const struct domstatus *ds)
{
	return manager_ask_fd(&ds->conn);
}

bool domstatus_answer(struct domstatus *ds)
{
	static struct ctl_domain_info dom[DOMAINS_MAX];
	enum ctl_type type;
	const uint8_t *payload;
	size_t plen, n;
	const char *why;
	bool changed = false;

	int got = manager_ask_reply(&ds->conn, &type, &payload, &plen);
	if (got <= 0)
		return false;
	if (type != CTL_REP_DOMAINS ||
	    ctl_decode_domains(payload, plen, dom, DOMAINS_MAX, &n, &why) < 0) {
		domstatus_close(ds);
		return false;
	}
	bool listed[DOMAINS_MAX] = { false };
	for (size_t i = 0; i < n; i++) {
		struct domstatus_entry *e = find(ds, dom[i].name);
		/* No colour, no window: never one shown in a colour not its own. */
		if (!e && dom[i].label < DOMAIN_LABELS && dom[i].class <= CLASS_STORAGE) {
			e = add(ds, dom[i].name, (enum domain_label)dom[i].label,
				(enum domain_class)dom[i].class, dom[i].gui);
			changed = changed || e;
		}
		if (!e)
			continue;
		listed[e - ds->e] = true;
		const char *st = domain_state_name(dom[i].state);
		e->domid = dom[i].domid;
		e->gui = dom[i].gui;
		if (strcmp(e->state, st) != 0) {
			str_copy(e->state, st, sizeof(e->state));
			changed = true;
		}
	}
	/* An unnamed disposable the manager no longer lists is gone. */
	size_t kept = 0;
	for (size_t j = 0; j < ds->n; j++) {
		if (!ds->e[j].configured && !listed[j]) {
			changed = true;
			continue;
		}
		ds->e[kept++] = ds->e[j];
	}
	ds->n = kept;
	return changed;
}
