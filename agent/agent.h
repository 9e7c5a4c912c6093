/*
 * agent.h - the agent that runs inside a domain (not in dom0): it tells
 * dom0 when the domain is up, runs the command dom0 gives it, and says
 * when that command has started and how it ended (agent/agentproto.h).
 * `bulkhead agent [--shell PATH]', started by the domain's init once its
 * volumes are mounted; it runs until the domain goes.  One command per
 * life: a disposable runs one and is gone.  The GUI agent of issue 6 is
 * to join it here.
 */
#ifndef BULKHEAD_AGENT_H
#define BULKHEAD_AGENT_H

int agent_main(int argc, char **argv);

#endif
