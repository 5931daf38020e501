/*
 * A fast seeded 64-bit hash for telling that a request sends the same device
 * headers as the connection's last one, so that their parse can be skipped.
 * Sixteen bytes go into one 64 x 64 -> 128-bit multiply, whose halves are
 * folded together: about a quarter of SipHash's work on the dozen short
 * fields a browser sends with every request.
 *
 * It is not a MAC, and it need not be one.  A collision makes a request be
 * judged on the device of the connection's previous request instead of its
 * own.  To aim one, a client must know the previous request's hash, which is
 * never shown, or its headers; and a client who knows the headers can send
 * them as they are, collision or none.  On a connection of its own, the
 * previous request is the client's own.  Behind a trusted edge, which
 * carries many people's requests on one connection, a thief gains from a
 * collision only what sending the last user's headers verbatim gives him.
 * The seeds are drawn at start-up all the same, so that no input collides
 * on every server, and the cookie value, whose repeat stands for a session,
 * keeps SipHash (sg_siphash.h).
 *
 * Fields are fed one after another, each with its length, so that ("ab",
 * "c") and ("a", "bc") differ; the state is finished once.  Everything is
 * inline, so that a caller's fields run with the state in a register.
 */

#ifndef SG_FOLD_H
#define SG_FOLD_H

#include <stddef.h>
#include <stdint.h>

#include "sg_bytes.h"

#define SG_FOLD_SEED_LEN 32

typedef struct {
    uint64_t h;
    uint64_t k0, k1, k2, k3;
} sg_fold_t;

/* The two halves of a * b, folded, in 32-bit pieces (for compilers without
 * a 128-bit type; the unit test holds it to the other). */
static inline uint64_t
sg_fold_mul32(uint64_t a, uint64_t b)
{
    uint64_t a0 = a & 0xffffffff, a1 = a >> 32;
    uint64_t b0 = b & 0xffffffff, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
    uint64_t lo = (p00 & 0xffffffff) | mid << 32;
    uint64_t hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);

    return lo ^ hi;
}

/* The two halves of a * b, folded: every bit of it depends on both. */
static inline uint64_t
sg_fold_mul(uint64_t a, uint64_t b)
{
#if defined(__SIZEOF_INT128__)
    unsigned __int128 p = (unsigned __int128) a * b;

    return (uint64_t) p ^ (uint64_t) (p >> 64);
#else
    return sg_fold_mul32(a, b);
#endif
}

/*
 * The state goes into both factors: were it in one only, an input that made
 * the other zero would wipe out everything before it.  In both, a product
 * that forgets the past needs the state, which needs the seed.
 */
static inline uint64_t
sg_fold_rot32(uint64_t h)
{
    return h << 32 | h >> 32;
}

static inline void
sg_fold_init(sg_fold_t *f, const uint8_t seed[SG_FOLD_SEED_LEN])
{
    f->k0 = sg_le64(seed);
    f->k1 = sg_le64(seed + 8);
    f->k2 = sg_le64(seed + 16);
    f->k3 = sg_le64(seed + 24);
    f->h = f->k0 ^ f->k3;
}

/*
 * Feeds len bytes at p as one field.  Whole 16-byte blocks first; the last
 * 1 to 16 bytes are read as two words that may overlap, which says each of
 * them once the length is known, and the length goes in with them.  Nothing
 * outside p[0 .. len-1] is read.
 */
static inline void
sg_fold_field(sg_fold_t *f, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t       h = f->h, a, b;
    size_t         n = len;

    for (; n > 16; p += 16, n -= 16) {
        h = sg_fold_mul(sg_le64(p) ^ f->k0 ^ h,
                        sg_le64(p + 8) ^ f->k1 ^ sg_fold_rot32(h));
    }

    if (n > 8) {
        a = sg_le64(p);
        b = sg_le64(p + n - 8);

    } else if (n >= 4) {
        a = sg_le32(p) << 32 | sg_le32(p + n - 4);
        b = 0;

    } else if (n > 0) {
        a = (uint64_t) p[0] << 16 | (uint64_t) p[n >> 1] << 8 | p[n - 1];
        b = 0;

    } else {
        a = 0;
        b = 0;
    }

    f->h = sg_fold_mul(a ^ f->k2 ^ h,
                       b ^ f->k3 ^ (uint64_t) len ^ sg_fold_rot32(h));
}

/* Feeds v as a field of its own. */
static inline void
sg_fold_u64(sg_fold_t *f, uint64_t v)
{
    f->h = sg_fold_mul(v ^ f->k0 ^ f->h, f->k2 ^ 8 ^ sg_fold_rot32(f->h));
}

static inline uint64_t
sg_fold_final(const sg_fold_t *f)
{
    return sg_fold_mul(f->h ^ f->k1, f->k3 ^ 0x9e3779b97f4a7c15ULL);
}

#endif /* SG_FOLD_H */
