/*
 * SipHash (Aumasson and Bernstein): a keyed 64-bit hash, for recognising
 * "the same bytes as last time" on a connection -- the device headers, the
 * cookie value -- so that their parsing and hashing can be skipped.
 *
 * Keyed, because a guess that two inputs are the same must not be one a
 * client can steer: behind a trusted edge one connection carries many
 * people's requests, and a thief whose headers hashed like the last user's
 * would be judged on that user's device.  With an unkeyed or fixed-seed
 * hash such a collision is a few lines of algebra; with SipHash under a key
 * drawn at start-up and never shown, it is a guess at 64 secret bits.  The
 * module uses SipHash-1-3 (one compression round, three at the end), as
 * hash tables in Python and Rust do for the same reason.
 *
 * Streaming: fields are fed one after another, each with its length, and
 * the state finished once.
 */

#ifndef SG_SIPHASH_H
#define SG_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SG_SIPHASH_KEY_LEN 16

typedef struct {
    uint64_t v0, v1, v2, v3;
    uint64_t tail;  /* bytes not yet a whole word, little-endian */
    size_t   ntail; /* how many */
    size_t   total; /* bytes fed */
    unsigned c, d;  /* rounds per word, rounds at the end */
} sg_siphash_t;

/* SipHash-c-d under key; the module's is 1-3. */
void sg_siphash_init(sg_siphash_t *s, const uint8_t key[SG_SIPHASH_KEY_LEN],
                     unsigned c, unsigned d);

void sg_siphash_update(sg_siphash_t *s, const void *p, size_t len);

/* Feeds v as eight bytes, little-endian. */
void sg_siphash_u64(sg_siphash_t *s, uint64_t v);

/*
 * Feeds a field: its length as a word, then its bytes, zeros up to a whole
 * word -- the same as sg_siphash_update() of that padding of it, but a word
 * at a time.  Fields so fed cannot run into one another ("ab","c" differs
 * from "a","bc").
 */
void sg_siphash_field(sg_siphash_t *s, const void *p, size_t len);

uint64_t sg_siphash_final(sg_siphash_t *s);

/* SipHash-1-3 of one buffer. */
uint64_t sg_siphash13(const uint8_t key[SG_SIPHASH_KEY_LEN], const void *p,
                      size_t len);

#endif /* SG_SIPHASH_H */
