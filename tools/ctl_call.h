/*
 * ctl_call.h - dom0's calls into a domain (docs/RPC.md, "dom0's calls"):
 *
 *   bulkhead ctl rpc TARGET SERVICE[+ARG]   (qrexec-client's)
 *   bulkhead ctl run NAME [--pass-io] COMMAND...   (qvm-run's)
 *
 * A role of its own, "ctl-call" (bulkhead.c routes these two commands of
 * ctl to it): it asks the domain manager (CALL, root only, no policy),
 * connects as domid 0 to the vchan the target then serves, and only then
 * gives up root, its capabilities and every file (Landlock), under the
 * seccomp profile "ctl-call": from there it reads the domain's frames
 * (proto/rpc_relay.h checks each) and copies its stdin to the service and
 * the service's stdout and stderr to its own.
 *
 * `run' is the call of the agent's service RPC_RUN_SERVICE, the command
 * its first line; with --pass-io the command has ctl's stdin, stdout and
 * stderr and ctl exits with its status, without it the command runs on
 * its own in NAME and ctl returns once it started.
 *
 * Exit status: the service's (0..255); 126 when the call was refused, or
 * broke (said on stderr); 2 usage.  The call lasts while this process
 * does: ended (a signal, its stdin's end and the service's), dom0 takes
 * back the target's key.
 */
#ifndef BULKHEAD_CTL_CALL_H
#define BULKHEAD_CTL_CALL_H

int ctl_call_main(int argc, char **argv);

#endif
