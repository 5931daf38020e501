/*
 * What the libFuzzer targets share: a contract check that aborts, and a
 * reader that carves an input into slices, each copied to a heap buffer of
 * exactly its length, so that AddressSanitizer reports a parser reading one
 * byte past a field it was handed.
 *
 * Two ways to carve: sg_fuzz_line() takes the bytes up to the next '\n'
 * (header values never hold one, and text seeds stay readable), and
 * sg_fuzz_chunk() takes a one-byte length and that many bytes (binary
 * records, any byte allowed).  Every copy is freed by sg_fuzz_done().
 */

#ifndef SG_FUZZ_H
#define SG_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_reply.h"

#define SG_FUZZ_MAX_SLICES 64

typedef struct {
    const uint8_t *p;
    size_t         left;
    size_t         n;
    char          *copies[SG_FUZZ_MAX_SLICES + 1];
} sg_fuzz_t;


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


/* Aborts, naming the broken contract, when cond is false. */
#define sg_fuzz_check(cond) sg_fuzz_assert((cond) != 0, #cond, __LINE__)


static inline void
sg_fuzz_assert(int ok, const char *what, int line)
{
    if (!ok) {
        fprintf(stderr, "contract broken at line %d: %s\n", line, what);
        abort();
    }
}


static inline void
sg_fuzz_init(sg_fuzz_t *f, const uint8_t *data, size_t size)
{
    f->p = data;
    f->left = size;
    f->n = 0;
}


/* An exact-size heap copy of len bytes, freed by sg_fuzz_done(). */
static inline char *
sg_fuzz_copy(sg_fuzz_t *f, const void *p, size_t len)
{
    char *c;

    sg_fuzz_check(f->n <= SG_FUZZ_MAX_SLICES);

    c = malloc(len);
    sg_fuzz_check(c != NULL || len == 0);

    if (len > 0) {
        memcpy(c, p, len);
    }

    f->copies[f->n++] = c;

    return c;
}


/* 1 while there are bytes left and room for another slice. */
static inline int
sg_fuzz_more(const sg_fuzz_t *f)
{
    return f->left > 0 && f->n < SG_FUZZ_MAX_SLICES;
}


/* The bytes up to the next '\n' (or the end), which is consumed. */
static inline char *
sg_fuzz_line(sg_fuzz_t *f, size_t *len)
{
    const uint8_t *nl;
    size_t         l;
    char          *c;

    nl = memchr(f->p, '\n', f->left);
    l = nl ? (size_t) (nl - f->p) : f->left;
    c = sg_fuzz_copy(f, f->p, l);
    *len = l;
    f->p += l;
    f->left -= l;

    if (nl != NULL) {
        f->p++;
        f->left--;
    }

    return c;
}


/* A length byte and up to that many bytes (fewer at the end). */
static inline char *
sg_fuzz_chunk(sg_fuzz_t *f, size_t *len)
{
    size_t l = 0;
    char  *c;

    if (f->left > 0) {
        l = f->p[0];
        f->p++;
        f->left--;
    }

    l = l < f->left ? l : f->left;
    c = sg_fuzz_copy(f, f->p, l);
    *len = l;
    f->p += l;
    f->left -= l;

    return c;
}


/* One byte, 0 at the end. */
static inline uint8_t
sg_fuzz_byte(sg_fuzz_t *f)
{
    uint8_t b = 0;

    if (f->left > 0) {
        b = f->p[0];
        f->p++;
        f->left--;
    }

    return b;
}


/* 1 if the NUL-terminated s is no longer than max and printable ASCII
 * ('!'..'~', and ' ' when spaces is set). */
static inline int
sg_fuzz_printable(const char *s, size_t max, int spaces)
{
    size_t i;

    for (i = 0; i <= max; i++) {
        if (s[i] == '\0') {
            return 1;
        }

        if (!((s[i] > 0x20 && s[i] < 0x7f) || (spaces && s[i] == ' '))) {
            return 0;
        }
    }

    return 0;
}


/*
 * Up to max Redis reply elements, as the glue hands them over: each a type
 * byte (modulo 3: nil, integer, string) then, for an integer, 8 bytes
 * little-endian, for a string a length byte and that many bytes, copied to
 * a buffer of exactly that size.  Returns the number read.
 */
static inline size_t
sg_fuzz_reply_elts(sg_fuzz_t *f, sg_reply_elt_t *e, size_t max)
{
    size_t   n = 0, k;
    uint64_t v;

    memset(e, 0, max * sizeof(*e));

    while (n < max && sg_fuzz_more(f)) {
        switch (sg_fuzz_byte(f) % 3) {
        case 0:
            e[n].type = SG_REPLY_NIL;
            break;

        case 1:
            e[n].type = SG_REPLY_INTEGER;

            for (v = 0, k = 0; k < 8; k++) {
                v |= (uint64_t) sg_fuzz_byte(f) << (8 * k);
            }

            e[n].integer = (int64_t) v;
            break;

        default:
            e[n].type = SG_REPLY_STRING;
            e[n].str = sg_fuzz_chunk(f, &e[n].len);
            break;
        }

        n++;
    }

    return n;
}


static inline void
sg_fuzz_done(sg_fuzz_t *f)
{
    size_t i;

    for (i = 0; i < f->n; i++) {
        free(f->copies[i]);
    }

    f->n = 0;
}

#endif /* SG_FUZZ_H */
