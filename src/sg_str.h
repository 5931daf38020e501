/*
 * A borrowed byte slice: a pointer into someone else's buffer and a length,
 * and the small character readers several components share.
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

/*
 * The value of the hex digit c, or -1.  sg_hex_digit() takes either case, for
 * text others wrote (percent-escapes, JSON, hex dumps); sg_hex_digit_lower()
 * only lower case, for the encodings the core writes itself, which have one
 * spelling so that equal values compare equal.  c may be a plain char: a
 * negative value is no digit.
 */
static inline int
sg_hex_digit_lower(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


static inline int
sg_hex_digit(int c)
{
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }

    return sg_hex_digit_lower(c);
}

#endif /* SG_STR_H */
