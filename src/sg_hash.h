/*
 * A fast 64-bit hash for telling "the same bytes as last time" apart on a
 * connection (the device headers, the cookie value) so that work can be
 * skipped.  Not cryptographic and never stored: a collision can only make
 * a client's own connection reuse its own previous result.  The seed lets
 * a caller key it per process.
 */

#ifndef SG_HASH_H
#define SG_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t
sg_hash_mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;

    return h;
}


/* Continues h over p[0..len), the length included. */
static inline uint64_t
sg_hash64(uint64_t h, const void *p, size_t len)
{
    const uint8_t *s = p;
    uint64_t       v;

    h = sg_hash_mix(h ^ (len * 0x9e3779b97f4a7c15ULL));

    while (len >= 8) {
        memcpy(&v, s, 8);
        h = sg_hash_mix(h ^ v);
        s += 8;
        len -= 8;
    }

    v = 0;

    if (len) {
        memcpy(&v, s, len);
    }

    return sg_hash_mix(h ^ v ^ ((uint64_t) len << 56));
}

#endif /* SG_HASH_H */
