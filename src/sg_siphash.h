/*
 * SipHash (Aumasson and Bernstein): a keyed 64-bit hash, for recognising a
 * connection's repeated cookie value, so that its HMAC can be skipped.
 *
 * Keyed, because a repeat there hands over a session: behind a trusted
 * edge one connection carries many people's requests, and a value taken for
 * the last user's would be given that user's session key.  A value is a few
 * dozen bytes, so the strongest guard costs little: under a key drawn at
 * start-up and never shown, a collision is a guess at 64 secret bits
 * whatever the hash's structure.  The module uses SipHash-1-3 (one
 * compression round, three at the end), as hash tables in Python and Rust
 * do.  The device headers, longer and hashed on every request, have a
 * cheaper hash whose collisions give a client nothing (sg_fold.h).
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

uint64_t sg_siphash_final(sg_siphash_t *s);

/* SipHash-1-3 of one buffer. */
uint64_t sg_siphash13(const uint8_t key[SG_SIPHASH_KEY_LEN], const void *p,
                      size_t len);

#endif /* SG_SIPHASH_H */
