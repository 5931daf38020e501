/*
 * Test support: reply elements made from strings, the way Redis returns
 * hash fields, for the reply parsers' tests.
 */

#ifndef REPLY_STRINGS_H
#define REPLY_STRINGS_H

#include <stddef.h>

#include "sg_reply.h"

#define REPLY_STRINGS_MAX 32

/* Fills e[0..n) (n at most REPLY_STRINGS_MAX) and returns n. */
size_t reply_strings(size_t n, const char *const *v, const size_t *lens,
                     sg_reply_elt_t *e);

#endif /* REPLY_STRINGS_H */
