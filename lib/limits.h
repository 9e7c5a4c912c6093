/*
 * limits.h - every size bulkhead accepts from outside, in one place.
 *
 * Values from a domain, a config file or a control client are checked
 * against these right after they are read; nothing else in the tree
 * invents its own bound.
 */
#ifndef BULKHEAD_LIMITS_H
#define BULKHEAD_LIMITS_H

#include <linux/input-event-codes.h>

/* Config files are small and written by root; a larger one is a mistake. */
#define CFG_FILE_MAX            (1024 * 1024)
#define CFG_KEY_MAX             63

/* Service names travel in control messages and log lines. */
#define SERVICE_NAME_MAX        32
#define SERVICES_MAX            128
#define SERVICE_ARGV_MAX        64
#define SERVICE_DEPENDS_MAX     16
/* A service's `when_cmdline': words of the kernel's command line. */
#define SERVICE_WHEN_MAX        8
#define CMDLINE_WORD_MAX        64
#define START_LIMIT_BURST_MAX   100

#define HOSTNAME_MAX            64

/* Key codes, as evdev numbers them: a KEY message (ctl, the headless
 * compositor) and the bindings' tables stay below this. */
#define KEY_CODES_MAX           (KEY_MAX + 1)

/* PID 1's log (lib/log.h): anyone who can start processes makes PID 1
 * reap orphans, and domains put words in libxl's messages, so what they
 * make it write is bounded.  A message is cut at LOG_MSG_MAX bytes (before
 * its bytes are escaped: up to 4 times as many).  The file is kept under
 * LOG_FILE_MAX: then it becomes FILE.1 (the one before is dropped) and a
 * new one starts, so the log takes at most twice that.  Lines of one shape
 * (the same but for their numbers) pass LOG_REPEAT_BURST times in
 * LOG_REPEAT_WINDOW_MS; the rest are counted and the count is said when
 * that shape is logged again; LOG_REPEAT_SHAPES shapes are followed at
 * once (the least recently seen one makes room).  Orphans are counted,
 * and said at most once every ORPHAN_LOG_INTERVAL_MS. */
#define LOG_MSG_MAX             1024
#define LOG_FILE_MAX            (4u * 1024 * 1024)
#define LOG_REPEAT_BURST        10
#define LOG_REPEAT_WINDOW_MS    10000
#define LOG_REPEAT_SHAPES       32
#define ORPHAN_LOG_INTERVAL_MS  60000

/* The tmpfs file systems PID 1 mounts live in RAM: /run holds the log
 * (2 x LOG_FILE_MAX), sockets, pid and state files; /dev/shm is the one
 * every user may write to.  Without a size, each could take half of
 * dom0's memory. */
#define RUN_TMPFS_SIZE          "64m"
#define DEV_SHM_TMPFS_SIZE      "32m"

/* Domains: names as Qubes allows them, and what one config may ask for. */
#define DOMAIN_NAME_MAX         31
#define DOMAIN_CONFIGS_MAX      128	/* files in CONFIG_DIR/domains */
#define DOMAIN_DEVICES_MAX      16	/* disks, vifs, pci devices each */
#define DOMAIN_MEMORY_MAX_MB    (1024 * 1024)
#define DOMAIN_VCPUS_MAX        128
#define MODULES_MAX             128
/* Volumes (domains/volumes.h): 16 TiB, as far as a sparse file goes. */
#define VOLUME_MAX_MB           (16u * 1024 * 1024)
/* Stopped domains' dm devices kept for the next ones (domains/volumes.h):
 * two disposables' three each.  A parked device holds no memory of its
 * own beyond the kernel's block device. */
#define VOLUME_SPARES_MAX       6
#define PRELOAD_MAX             8	/* disposables kept ready, per template */
#define DISPOSABLES_MAX         32	/* unnamed (dispN), preloaded ones included, at once */
/* Every domain the manager runs and lists: the configured ones and the
 * unnamed disposables. */
#define DOMAINS_MAX             (DOMAIN_CONFIGS_MAX + DISPOSABLES_MAX)
/* What `ctl run-disposable' asks a disposable to run (a shell command
 * line), and what its agent may write back (proto/agentproto.h). */
#define DISPOSABLE_COMMAND_MAX  1024
#define AGENT_STATUS_MAX        32
/* xenstore watch events the domain manager takes from the agents in one
 * turn of its loop (domains/agentwatch.h); a domain writing its key in a
 * loop costs one read a turn, and the rest of the loop runs between. */
#define AGENT_EVENTS_PER_TURN   256
/* A USB domain's inventory (proto/usbproto.h): the devices dom0 reads of
 * one domain (more are left out, said once), and each key's parts. */
#define USB_DEVICES_PER_DOMAIN  32
/* The USB domains whose inventories dom0 keeps (a machine has one or two:
 * more are not heard, said once). */
#define USB_DOMAINS_MAX         8
#define USB_BUSID_MAX           31
/* A domain config's `usb_attach' items (config/usbid.h). */
#define USB_ATTACH_MAX          8
/* dom0's requests for those (proto/usbproto.h, USB_ATTACH_DIR) in one
 * domain that its agent remembers, and a new manager looks at. */
#define USB_ATTACH_KEYS_MAX     64
#define USB_PORTS_MAX           7
#define USB_CLASSES_MAX         8
#define USB_NAME_MAX            64
/* "VVVV:PPPP " CLASSES " " NAME */
#define USB_VALUE_MAX           (10 + 3 * USB_CLASSES_MAX + USB_NAME_MAX)
/* The first line of a USB device's stream (bulkhead.USB, proto/usbproto.h),
 * its '\n' included; Linux's bus numbers (USB_MAXBUS) and device numbers. */
#define USBIP_OFFER_MAX         128
#define USB_BUSNUM_MAX          64
#define USB_DEVNUM_MAX          127
/* A storage or USB domain's block devices (proto/blockproto.h): the
 * devices dom0 reads of one (more are left out, said), each key's parts:
 * "SECTORS ro|rw DESCRIPTION". */
#define BLOCK_DEVICES_PER_DOMAIN 32
#define BLOCK_NAME_MAX          31
#define BLOCK_DESC_MAX          64
#define BLOCK_VALUE_MAX         (20 + 4 + BLOCK_DESC_MAX)
/* The disks `ctl block attach' gives one domain at run time, as xvdi, xvdj,
 * ... (Qubes' names for them): a domain holds at most this many. */
#define BLOCK_ATTACHED_PER_DOMAIN 8
#define VOLUME_PATH_MAX         200	/* the pool's directory and device */

/* Control socket (root only, but still parsed as hostile). */
#define CTL_MSG_MAX             (64 * 1024)
#define CTL_CLIENTS_MAX         16
/* What `ctl reload' is told: a line a changed domain, or the problems. */
#define CTL_RELOAD_TEXT_MAX     8192

/* The GUI protocol (docs/GUI-PROTOCOL.md): all a domain may ask of the
 * desktop.  A window's pixels are at most GUI_BUFFER_MAX bytes, shared as
 * at most GUI_GRANTS_MAX pages over vchan; Qubes allows 16384x6144 for
 * spanning monitors, one 8K monitor is enough here. */
#define GUI_WIDTH_MAX           8192
#define GUI_HEIGHT_MAX          8192
#define GUI_STRIDE_MAX          (GUI_WIDTH_MAX * 4)
#define GUI_BUFFER_MAX          (64u * 1024 * 1024)
#define GUI_PAGE_SIZE           4096u
#define GUI_GRANTS_MAX          (GUI_BUFFER_MAX / GUI_PAGE_SIZE)
#define GUI_WINDOWS_MAX         64	/* per domain, popups included */
/* A popup's parent may be a popup (a submenu): at most this deep below its
 * top-level window, which every lookup walks up to. */
#define GUI_POPUP_DEPTH         8
/* The border dom0 draws round a popup, in its window's colour, inside that
 * window: a popup's pixels are at most its window's less twice this. */
#define GUI_POPUP_BORDER        2
/* Wheel steps in one AXIS message (dom0 adds up what comes between two
 * of its sends). */
#define GUI_AXIS_MAX            120
#define GUI_TITLE_MAX           128	/* bytes as sent */
/* A USB domain's keyboards and pointers on its GUI channel (INPUT_DEVICE,
 * INPUT_EVENTS): devices at once, events in one message, the largest
 * relative motion or wheel turn one event may carry, a device's name. */
#define GUI_INPUT_DEVICES_MAX   8
#define GUI_INPUT_BATCH_MAX     64
#define GUI_INPUT_REL_MAX       1024
#define GUI_INPUT_NAME_MAX      64
/* dom0's clipboard, as Qubes': what one copy may carry (CLIP_DATA and
 * CLIP_PASTE fit in GUI_MSG_MAX). */
#define GUI_CLIPBOARD_MAX       (64 * 1024)
#define GUI_TITLE_SHOWN         64	/* characters drawn in a title bar */
#define GUI_COMMAND_MAX         200	/* what the launcher asks a domain to run */
#define GUI_MSG_MAX             (12 + 20 + 4 * GUI_GRANTS_MAX)
#define GUI_CLIENTS_MAX         DOMAINS_MAX
/* Messages handled from one domain before the others get their turn. */
#define GUI_MSGS_PER_TURN       64
/* What dom0 sends a domain and its channel has no room for yet waits in
 * that channel's queue; a domain that lets this many wait reads nothing
 * and is dropped (drm-compositor/client.h). */
#define GUI_SEND_QUEUE_MAX      512
/* Windows a domain may put on the desktop at once, and then each second:
 * each one re-tiles its workspace and resizes the other windows there. */
#define GUI_LAYOUT_BURST        16
#define GUI_LAYOUT_PER_SEC      8
/* Bytes of window buffers dom0 maps for one domain (four 3840x2160
 * screens), and for all domains together (half of what dom0's default
 * grant maptrack holds: 1024 frames of 256 handles, 1 GiB of 4 KiB pages;
 * the rest is for vchan rings and the block and network backends). */
#define GUI_MAPPED_DOMAIN_MAX   (128ull * 1024 * 1024)
#define GUI_MAPPED_TOTAL_MAX    (512ull * 1024 * 1024)
/* After the launcher asks a domain to run something, its next window takes
 * the focus if it comes within this time and the user has neither moved the
 * focus nor typed into a window since: the user asked for it. */
#define GUI_LAUNCH_FOCUS_MS     20000
/* dom0 waits this long for a running gui domain to offer its channel
 * before the status bar says it has no agent (it still connects later). */
#define GUI_AGENT_TIMEOUT_MS    120000
/* A window's buffers a client has sent and dom0 has not said MAPPED for
 * (gui/guiclient.c): a CONFIGURE beyond them waits for the next MAPPED. */
#define GUI_BUFFERS_IN_FLIGHT   3
/* The id a domain gives each vchan offer (gui/transport.h). */
#define GUI_OFFER_MAX           32

/* Calls between domains (docs/RPC.md): a service's name and argument as
 * a domain writes them ([A-Za-z0-9._-]), a target ("@dispvm:" and a domain
 * name at most), and the rules dom0's policy may have. */
#define RPC_SERVICE_MAX         64
#define RPC_ARG_MAX             64
#define RPC_TARGET_MAX          (8 + DOMAIN_NAME_MAX)
#define RPC_POLICY_RULES_MAX    4096
#define RPC_POLICY_LINE_MAX     1024
/* A domain's request ("TARGET SERVICE+ARG"), and the data of one frame
 * of a call's streams (a vchan ring takes several). */
#define RPC_REQUEST_MAX         (RPC_TARGET_MAX + 1 + RPC_SERVICE_MAX + 1 + RPC_ARG_MAX)
#define RPC_FRAME_MAX           (16 * 1024)
/* Calls one domain may have in progress at once (dom0 answers no more). */
#define RPC_CALLS_PER_DOMAIN    8
/* Calls a domain's agent serves at once, of all callers (each caller at
 * most RPC_CALLS_PER_DOMAIN of them). */
#define RPC_SERVED_MAX          (4 * RPC_CALLS_PER_DOMAIN)
/* How long a target (started for the call, or running) has to say it
 * serves a call, and the requests of one domain dom0 reads in one turn. */
#define RPC_SERVE_TIMEOUT_MS    60000
#define RPC_REQUESTS_PER_TURN   8
/* New disposables one domain's calls may hold at once (each is a domain's
 * memory and a build in the manager's loop: a caller asking @dispvm in a
 * loop must leave the disposables to the others). */
#define RPC_DISPVMS_PER_DOMAIN  2
/* How long a new disposable has to be up for its call: its boot, as long
 * as the lifecycle gives a disposable's agent (LC_AGENT_TIMEOUT_MS). */
#define RPC_DISPVM_TIMEOUT_MS   180000

/* File copy between domains (docs/FILECOPY.md): what one stream may make.
 * A name is one component; the bytes and entries bound what a sender can
 * make the receiver write (both lowered by filecopy-unpack's options). */
#define FILECOPY_NAME_MAX       255
#define FILECOPY_LINK_MAX       4095
#define FILECOPY_DEPTH_MAX      128
#define FILECOPY_ENTRIES_MAX    1000000ull
#define FILECOPY_BYTES_MAX      (64ull << 30)

/* A file opened in a disposable (guest/openvm.h): its name (one
 * component), and its size either way (what the disposable sends back is
 * written to the caller's disk). */
#define OPENVM_NAME_MAX         255
#define OPENVM_FILE_MAX         (1ull << 30)

/* The guest agent's terminals (guest/terminal.h): dom0 sizes them, but a
 * bug there must not make a terminal of a million cells. */
#define AGENT_TERMINALS_MAX     16
/* Commands dom0 asked to run that the agent keeps, to say if one fails as
 * it starts (EXITED); past it the oldest is forgotten. */
#define AGENT_LAUNCHES_MAX      16
/* ... and dom0 keeps as many of the RUNs it sent a domain: an EXITED must
 * name one of them. */
#define GUI_RUNS_KEPT           AGENT_LAUNCHES_MAX
#define TERMINAL_COLS_MAX       512
#define TERMINAL_ROWS_MAX       256

/* Encrypted volumes (config/disks_config.h), as cryptsetup bounds them:
 * a typed passphrase of at most 512 bytes, a key file of at most 8 MiB. */
#define CRYPT_VOLUMES_MAX       16
#define CRYPT_NAME_MAX          63	/* /dev/mapper/NAME */
#define CRYPT_SPEC_MAX          200	/* a device: path, UUID=, LABEL=, ... */
#define CRYPT_TRIES_MAX         10
#define PASSPHRASE_MAX          512
#define KEYFILE_MAX             (8u * 1024 * 1024)
#define DEVICE_TIMEOUT_MAX_MS   3600000u
#define MOUNT_OPTIONS_MAX       255
#define FSTYPE_MAX              31

/* Firewall rules (config/firewall_rules.h): per domain, in its config and
 * in its net domain's xenstore; and the domains one net domain serves: any
 * domain dom0 may run may be behind it (one vif each: a second one of a
 * domain has no rules of its own), the vifs beyond are not served. */
#define FIREWALL_RULES_MAX      64
#define FIREWALL_RULE_MAX       80	/* bytes of one rule's text */
#define FIREWALL_CLIENTS_MAX    DOMAINS_MAX

#endif
