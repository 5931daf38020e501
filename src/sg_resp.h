/*
 * Commands in the Redis protocol (RESP): an array of bulk strings,
 *
 *     *ARGC CRLF  then for each argument  $LEN CRLF  bytes CRLF
 *
 * laid out by the caller in one buffer, to be handed to the connection as
 * it is.  hiredis can format commands itself, but does so through sds
 * strings, a format parser and a reallocation per argument: on a request
 * that waits for Redis that was a twentieth of the worker's time.
 */

#ifndef SG_RESP_H
#define SG_RESP_H

#include <stddef.h>

#include "sg_str.h"

/* The bytes the command of argc arguments takes. */
size_t sg_resp_size(size_t argc, const sg_str_t *argv);

/*
 * Writes the command into buf, which has room for sg_resp_size() bytes, and
 * returns how many it wrote (that size).
 */
size_t sg_resp_write(char *buf, size_t argc, const sg_str_t *argv);

#endif /* SG_RESP_H */
