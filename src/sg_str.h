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
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

/*
 * Appends p[0 .. len-1] at buf + *n if it fits with room left for a NUL
 * (which the caller writes when done): 0, or -1 with nothing written.  For
 * laying out keys and header values piece by piece in a caller's buffer.
 */
static inline int
sg_str_put(char *buf, size_t cap, size_t *n, const char *p, size_t len)
{
    if (*n >= cap || len >= cap - *n) {
        return -1;
    }

    if (len > 0) {
        memcpy(buf + *n, p, len);
    }

    *n += len;

    return 0;
}

/* The most digits, and sign, sg_str_dec() writes. */
#define SG_STR_DEC_MAX 20

/*
 * Writes v in decimal at p (at most SG_STR_DEC_MAX bytes, no NUL) and returns
 * how many.  The requests' keys and arguments are full of numbers, and
 * snprintf's format machinery cost more than the rest of laying them out.
 */
static inline size_t
sg_str_dec(char *p, int64_t v)
{
    char     tmp[SG_STR_DEC_MAX];
    size_t   n = 0, len = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t) v : (uint64_t) v;

    do {
        tmp[n++] = (char) ('0' + u % 10);
        u /= 10;
    } while (u != 0);

    if (v < 0) {
        p[len++] = '-';
    }

    while (n > 0) {
        p[len++] = tmp[--n];
    }

    return len;
}


/*
 * Writes v in decimal at buf + *n, NUL-terminated, and the slice to it in
 * *out; *n moves past the NUL.  For laying out a script's arguments in one
 * caller-owned buffer.  0, or -1 when cap is short.
 */
static inline int
sg_str_num(char *buf, size_t cap, size_t *n, int64_t v, sg_str_t *out)
{
    size_t len;

    if (*n > cap || cap - *n < SG_STR_DEC_MAX + 1) {
        return -1;
    }

    len = sg_str_dec(buf + *n, v);
    buf[*n + len] = '\0';

    out->data = buf + *n;
    out->len = len;
    *n += len + 1;

    return 0;
}

#endif /* SG_STR_H */
