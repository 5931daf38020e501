/*
 * GREASE values in supported_groups (RFC 8701), as Chrome sends one first.
 * OpenSSL 3.0 builds its group list from what providers declare, so a small
 * built-in provider declares the sixteen GREASE values as groups named
 * "GREASE-0a0a" ... "GREASE-fafa", each valid up to TLS 1.2 only: OpenSSL
 * then lists them in the ClientHello but never makes a TLS 1.3 key share
 * for one, and a server never picks a value it does not know.
 */

#ifndef SG_REPLAY_GREASE_GROUPS_H
#define SG_REPLAY_GREASE_GROUPS_H

#include <stddef.h>

/* Loads the provider (and the default one, which explicit loading would
 * otherwise leave out); before the first SSL_CTX.  Idempotent. */
int sg_grease_groups_load(char *err, size_t err_len);

#endif /* SG_REPLAY_GREASE_GROUPS_H */
