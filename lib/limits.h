/*
 * limits.h - every size bulkhead accepts from outside, in one place.
 *
 * Values from a domain, a config file or a control client are checked
 * against these right after they are read; nothing else in the tree
 * invents its own bound.
 */
#ifndef BULKHEAD_LIMITS_H
#define BULKHEAD_LIMITS_H

/* Config files are small and written by root; a larger one is a mistake. */
#define CFG_FILE_MAX            (1024 * 1024)
#define CFG_KEY_MAX             63

/* Service names travel in control messages and log lines. */
#define SERVICE_NAME_MAX        32
#define SERVICES_MAX            128
#define SERVICE_ARGV_MAX        64
#define SERVICE_DEPENDS_MAX     16
#define START_LIMIT_BURST_MAX   100

#define HOSTNAME_MAX            64

/* Domains: names as Qubes allows them, and what one config may ask for. */
#define DOMAIN_NAME_MAX         31
#define DOMAINS_MAX             64
#define DOMAIN_DEVICES_MAX      16	/* disks, vifs, pci devices each */
#define DOMAIN_MEMORY_MAX_MB    (1024 * 1024)
#define DOMAIN_VCPUS_MAX        128
#define MODULES_MAX             128

/* Control socket (root only, but still parsed as hostile). */
#define CTL_MSG_MAX             (64 * 1024)
#define CTL_CLIENTS_MAX         16

#endif
