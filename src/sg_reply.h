/*
 * A Redis reply element as the core reads it: typed, as Redis sent it.
 *
 * The glue hands over the elements of a script's array reply without
 * converting them: integers stay integers, nil stays nil, strings are
 * slices into the client's reply buffer (valid only during the call).  The
 * readers below are the only place that decides what a well-formed element
 * is, so a reply from the network is checked in one way everywhere.
 */

#ifndef SG_REPLY_H
#define SG_REPLY_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    SG_REPLY_NIL = 0,
    SG_REPLY_INTEGER,
    SG_REPLY_STRING /* bulk or status */
} sg_reply_type_e;

typedef struct {
    sg_reply_type_e type;
    int64_t         integer; /* SG_REPLY_INTEGER */
    const char     *str;     /* SG_REPLY_STRING: not NUL-terminated */
    size_t          len;
} sg_reply_elt_t;

/*
 * A non-negative integer: an integer element, or a string of 1 to 18
 * decimal digits (hash fields come back as strings).  0, or -1.
 */
int sg_reply_int(const sg_reply_elt_t *e, int64_t *out);

/* A string element (possibly empty); nil reads as "".  0, or -1. */
int sg_reply_str(const sg_reply_elt_t *e, const char **p, size_t *len);

#endif /* SG_REPLY_H */
