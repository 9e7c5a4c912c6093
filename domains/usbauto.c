/*
 * usbauto.c - the USB devices domains' configs attach (usbauto.h).
 */
#include "domains/usbauto.h"

#include <string.h>

#include "lib/util.h"

static const struct usbauto_domain *domain_of(const struct usbauto_request *r,
					      const struct usbauto_domain *doms, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (doms[i].domid == r->domid && strcmp(doms[i].name, r->domain) == 0)
			return &doms[i];
	return NULL;
}

static bool device_there(const struct usbauto_request *r, const struct usbauto_backend *b,
			 size_t nb)
{
	for (size_t i = 0; i < nb; i++)
		if (b[i].domid == r->backend_domid && strcmp(b[i].name, r->backend) == 0)
			return usb_device_find(b[i].dev, b[i].n, r->busid) != NULL;
	return false;
}

static bool requested(const struct usbauto *a, uint32_t backend_domid, const char *busid)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->req[i].backend_domid == backend_domid && strcmp(a->req[i].busid, busid) == 0)
			return true;
	return false;
}

bool usbauto_adopt(struct usbauto *a, const struct usbauto_request *r)
{
	if (a->n == USBAUTO_REQUESTS_MAX || requested(a, r->backend_domid, r->busid))
		return false;
	a->req[a->n++] = *r;
	if (a->next_seq <= r->seq)
		a->next_seq = r->seq + 1;
	return true;
}

/* The requests whose domain or device went: withdrawn (the domain still
 * runs) or forgotten. */
static void forget_stale(struct usbauto *a, const struct usbauto_domain *doms, size_t n,
			 const struct usbauto_backend *b, size_t nb, const struct usbauto_effects *fx)
{
	for (size_t i = a->n; i-- > 0;) {
		const struct usbauto_request *r = &a->req[i];
		bool domain = domain_of(r, doms, n) != NULL;
		if (domain && device_there(r, b, nb))
			continue;
		if (domain)
			fx->withdraw(fx->ctx, r);
		a->req[i] = a->req[--a->n];
	}
}

static void ask(struct usbauto *a, const struct usbauto_domain *d, const struct usbauto_backend *b,
		const struct usb_device *dev, const struct usbauto_effects *fx)
{
	if (a->n == USBAUTO_REQUESTS_MAX)
		return;		/* cannot be: a device is asked for once */
	struct usbauto_request *r = &a->req[a->n];
	memset(r, 0, sizeof(*r));
	str_copy(r->domain, d->name, sizeof(r->domain));
	r->domid = d->domid;
	str_copy(r->backend, b->name, sizeof(r->backend));
	r->backend_domid = b->domid;
	str_copy(r->busid, dev->busid, sizeof(r->busid));
	r->seq = a->next_seq++;
	/* Kept even when the key could not be written: asked once. */
	fx->ask(fx->ctx, r);
	a->n++;
}

/* D's item M against backend B's free devices. */
static void want(struct usbauto *a, const struct usbauto_domain *d, const struct usb_match *m,
		 const struct usbauto_backend *b, const struct usbauto_effects *fx)
{
	for (size_t j = 0; j < b->n; j++) {
		const struct usb_device *dev = &b->dev[j];
		if (usb_match_is(m, b->name, dev->busid, dev->vendor, dev->product) && !b->given[j] &&
		    !requested(a, b->domid, dev->busid))
			ask(a, d, b, dev, fx);
	}
}

/* Run at every turn of the manager: an item looks only at the devices of
 * the USB domain it names, and the requests only for a device it names. */
void usbauto_plan(struct usbauto *a, const struct usbauto_domain *doms, size_t n,
		  const struct usbauto_backend *backends, size_t nb,
		  const struct usbauto_effects *fx)
{
	forget_stale(a, doms, n, backends, nb, fx);
	for (size_t i = 0; i < n; i++)
		for (size_t w = 0; w < doms[i].nwant; w++)
			for (size_t k = 0; k < nb; k++)
				if (strcmp(backends[k].name, doms[i].want[w].backend) == 0)
					want(a, &doms[i], &doms[i].want[w], &backends[k], fx);
}
