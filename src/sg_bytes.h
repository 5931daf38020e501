/*
 * Little-endian words read from bytes at any alignment, for the hashes
 * (sg_siphash.c, sg_fold.h).
 */

#ifndef SG_BYTES_H
#define SG_BYTES_H

#include <stdint.h>
#include <string.h>

/* The little-endian 64-bit word at p, whatever the alignment: one load
 * where the CPU is little-endian. */
static inline uint64_t
sg_le64(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t w;

    memcpy(&w, p, sizeof(w));
    return w;
#else
    return (uint64_t) p[0] | (uint64_t) p[1] << 8 | (uint64_t) p[2] << 16 |
           (uint64_t) p[3] << 24 | (uint64_t) p[4] << 32 |
           (uint64_t) p[5] << 40 | (uint64_t) p[6] << 48 |
           (uint64_t) p[7] << 56;
#endif
}

/* The same of the 32-bit word at p. */
static inline uint64_t
sg_le32(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint32_t w;

    memcpy(&w, p, sizeof(w));
    return w;
#else
    return (uint64_t) p[0] | (uint64_t) p[1] << 8 | (uint64_t) p[2] << 16 |
           (uint64_t) p[3] << 24;
#endif
}

#endif /* SG_BYTES_H */
