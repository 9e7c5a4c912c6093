/*
 * rpc_call.h - the roles of a domain's programs that call another domain
 * (guest/rpc_call.c): `rpc-call', `copy-to' and `copy'.
 */
#ifndef BULKHEAD_RPC_CALL_H
#define BULKHEAD_RPC_CALL_H

int rpc_call_main(int argc, char **argv);
int copy_to_main(int argc, char **argv);
int copy_main(int argc, char **argv);

#endif
