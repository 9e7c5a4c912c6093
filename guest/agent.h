/*
 * agent.h - the agent that runs inside a domain (not in dom0).
 *
 *   bulkhead agent [--shell PATH] [--gui | --socket PATH] [--terminal]
 *                  [--layout XKB] [--font FILE] [--wayland-socket NAME]
 *                  [--xwayland] [--input]
 *
 * Commands: it tells dom0 when the domain is up, runs the command dom0
 * gives it in xenstore, and says when that command has started and how it
 * ended (proto/agentproto.h): one command per life, for `ctl
 * run-disposable'.
 *
 * Windows (--gui): it offers the domain's GUI channel (vchan) for dom0's
 * compositor and serves terminals on it (guest/terminal.h): one at start
 * with --terminal, and one for each command the desktop's launcher sends
 * (RUN "terminal" is the shell).  When the channel goes (the compositor
 * restarting) the programs keep running and the agent offers a new channel
 * at once; their windows come back on it.  --socket PATH speaks the local
 * transport instead, without xenstore: the host's tests.
 *
 * Input (--input, a USB domain's agent only: dom0 puts bulkhead.class=usb
 * on its kernel command line): the domain's USB keyboards and pointers
 * are grabbed and forwarded to dom0's desktop on the same channel
 * (guest/inputfwd.h), with or without windows; without (--input alone,
 * or --socket PATH --input) no font is loaded, and a command the
 * launcher sends is refused.
 *
 * In a driver domain (sys-net, sys-firewall, a storage domain) its first
 * word also tells dom0's manager that the domain serves the ones that
 * need it: the domain's init starts it after its backends (xl devd,
 * netback, blkback), and the domains behind it are created then.
 *
 * Started by the domain's init; it runs until the domain goes.  Its log
 * is stderr (the domain's console).  One thread, one poll loop.
 */
#ifndef BULKHEAD_AGENT_H
#define BULKHEAD_AGENT_H

int agent_main(int argc, char **argv);

#endif
