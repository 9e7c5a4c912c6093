/*
 * open_in_dvm.h - the roles of a file opened in a new disposable
 * (guest/open_in_dvm.c): `open-in-disposable' in the caller's domain,
 * `open-serve' (the service bulkhead.OpenInVM) in the disposable.
 */
#ifndef BULKHEAD_OPEN_IN_DVM_H
#define BULKHEAD_OPEN_IN_DVM_H

int open_in_disposable_main(int argc, char **argv);
int open_serve_main(int argc, char **argv);

#endif
