#include "sg_siphash.h"

#include <string.h>

#include "sg_bytes.h"


#define SG_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))


#define SG_SIPROUND(v0, v1, v2, v3) \
    do {                            \
        v0 += v1;                   \
        v1 = SG_ROTL(v1, 13);       \
        v1 ^= v0;                   \
        v0 = SG_ROTL(v0, 32);       \
        v2 += v3;                   \
        v3 = SG_ROTL(v3, 16);       \
        v3 ^= v2;                   \
        v0 += v3;                   \
        v3 = SG_ROTL(v3, 21);       \
        v3 ^= v0;                   \
        v2 += v1;                   \
        v1 = SG_ROTL(v1, 17);       \
        v1 ^= v2;                   \
        v2 = SG_ROTL(v2, 32);       \
    } while (0)


static void
sg_siphash_rounds(sg_siphash_t *s, unsigned n)
{
    uint64_t v0 = s->v0, v1 = s->v1, v2 = s->v2, v3 = s->v3;

    while (n--) {
        SG_SIPROUND(v0, v1, v2, v3);
    }

    s->v0 = v0;
    s->v1 = v1;
    s->v2 = v2;
    s->v3 = v3;
}


/* Absorbs the word m into the state v0..v3 with c rounds. */
#define SG_SIPABSORB(v0, v1, v2, v3, m, c) \
    do {                                   \
        unsigned r_;                       \
                                           \
        v3 ^= (m);                         \
        for (r_ = (c); r_; r_--) {         \
            SG_SIPROUND(v0, v1, v2, v3);   \
        }                                  \
        v0 ^= (m);                         \
    } while (0)


/*
 * Compresses the n whole words at p.  The state lives in registers for the
 * run: the loads and stores of it were most of the cost of a short input.
 */
static void
sg_siphash_words(sg_siphash_t *s, const uint8_t *p, size_t n)
{
    uint64_t v0 = s->v0, v1 = s->v1, v2 = s->v2, v3 = s->v3, m;

    for (; n; n--, p += 8) {
        m = sg_le64(p);
        SG_SIPABSORB(v0, v1, v2, v3, m, s->c);
    }

    s->v0 = v0;
    s->v1 = v1;
    s->v2 = v2;
    s->v3 = v3;
}


static void
sg_siphash_word(sg_siphash_t *s, uint64_t m)
{
    uint64_t v0 = s->v0, v1 = s->v1, v2 = s->v2, v3 = s->v3;

    SG_SIPABSORB(v0, v1, v2, v3, m, s->c);

    s->v0 = v0;
    s->v1 = v1;
    s->v2 = v2;
    s->v3 = v3;
}


void
sg_siphash_init(sg_siphash_t *s, const uint8_t key[SG_SIPHASH_KEY_LEN],
                unsigned c, unsigned d)
{
    uint64_t k0 = sg_le64(key), k1 = sg_le64(key + 8);

    s->v0 = k0 ^ 0x736f6d6570736575ULL;
    s->v1 = k1 ^ 0x646f72616e646f6dULL;
    s->v2 = k0 ^ 0x6c7967656e657261ULL;
    s->v3 = k1 ^ 0x7465646279746573ULL;
    s->tail = 0;
    s->ntail = 0;
    s->total = 0;
    s->c = c;
    s->d = d;
}


void
sg_siphash_update(sg_siphash_t *s, const void *data, size_t len)
{
    const uint8_t *p = data;

    s->total += len;

    /* Complete the word begun by an earlier call. */
    while (s->ntail && len) {
        s->tail |= (uint64_t) *p++ << (8 * s->ntail);
        len--;

        if (++s->ntail == 8) {
            sg_siphash_word(s, s->tail);
            s->tail = 0;
            s->ntail = 0;
        }
    }

    sg_siphash_words(s, p, len / 8);
    p += len & ~(size_t) 7;
    len &= 7;

    while (len--) {
        s->tail |= (uint64_t) *p++ << (8 * s->ntail++);
    }
}


uint64_t
sg_siphash_final(sg_siphash_t *s)
{
    uint64_t b = (uint64_t) (s->total & 0xff) << 56 | s->tail;

    sg_siphash_word(s, b);
    s->v2 ^= 0xff;
    sg_siphash_rounds(s, s->d);

    return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}


uint64_t
sg_siphash13(const uint8_t key[SG_SIPHASH_KEY_LEN], const void *p, size_t len)
{
    sg_siphash_t s;

    sg_siphash_init(&s, key, 1, 3);
    sg_siphash_update(&s, p, len);

    return sg_siphash_final(&s);
}
