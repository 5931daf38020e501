/*
 * A borrowed byte slice: a pointer into someone else's buffer and a length.
 *
 * The core never owns or frees what a slice points to and never assumes a NUL
 * after it: nginx's ngx_str_t values are not terminated, and header values
 * handed over from the glue are slices of the request buffer.  A slice with
 * len 0 may have data == NULL.
 */

#ifndef SG_STR_H
#define SG_STR_H

#include <stddef.h>

typedef struct {
    const char *data;
    size_t      len;
} sg_str_t;

/* Only for string literals: sizeof() of a pointer would be wrong. */
#define sg_string(s)       \
    {                      \
        (s), sizeof(s) - 1 \
    }

#endif /* SG_STR_H */
