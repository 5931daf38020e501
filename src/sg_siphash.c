#include "sg_siphash.h"

#include <string.h>


#define SG_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))


static uint64_t
sg_siphash_le64(const uint8_t *p)
{
    return (uint64_t) p[0] | (uint64_t) p[1] << 8 | (uint64_t) p[2] << 16 |
           (uint64_t) p[3] << 24 | (uint64_t) p[4] << 32 |
           (uint64_t) p[5] << 40 | (uint64_t) p[6] << 48 |
           (uint64_t) p[7] << 56;
}


static void
sg_siphash_rounds(sg_siphash_t *s, unsigned n)
{
    while (n--) {
        s->v0 += s->v1;
        s->v1 = SG_ROTL(s->v1, 13);
        s->v1 ^= s->v0;
        s->v0 = SG_ROTL(s->v0, 32);
        s->v2 += s->v3;
        s->v3 = SG_ROTL(s->v3, 16);
        s->v3 ^= s->v2;
        s->v0 += s->v3;
        s->v3 = SG_ROTL(s->v3, 21);
        s->v3 ^= s->v0;
        s->v2 += s->v1;
        s->v1 = SG_ROTL(s->v1, 17);
        s->v1 ^= s->v2;
        s->v2 = SG_ROTL(s->v2, 32);
    }
}


static void
sg_siphash_word(sg_siphash_t *s, uint64_t m)
{
    s->v3 ^= m;
    sg_siphash_rounds(s, s->c);
    s->v0 ^= m;
}


void
sg_siphash_init(sg_siphash_t *s, const uint8_t key[SG_SIPHASH_KEY_LEN],
                unsigned c, unsigned d)
{
    uint64_t k0 = sg_siphash_le64(key), k1 = sg_siphash_le64(key + 8);

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

    for (; len >= 8; p += 8, len -= 8) {
        sg_siphash_word(s, sg_siphash_le64(p));
    }

    while (len--) {
        s->tail |= (uint64_t) *p++ << (8 * s->ntail++);
    }
}


void
sg_siphash_u64(sg_siphash_t *s, uint64_t v)
{
    uint8_t n[8];
    size_t  i;

    for (i = 0; i < 8; i++) {
        n[i] = (uint8_t) (v >> (8 * i));
    }

    sg_siphash_update(s, n, sizeof(n));
}


void
sg_siphash_field(sg_siphash_t *s, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint8_t        last[8];
    size_t         words;

    if (s->ntail) {
        /* Fed unaligned by an earlier update: pad it the slow way. */
        memset(last, 0, sizeof(last));
        sg_siphash_update(s, last, 8 - s->ntail);
    }

    words = (len + 7) / 8;
    s->total += 8 * (1 + words);
    sg_siphash_word(s, (uint64_t) len);

    for (; len >= 8; p += 8, len -= 8) {
        sg_siphash_word(s, sg_siphash_le64(p));
    }

    if (len) {
        memset(last, 0, sizeof(last));
        memcpy(last, p, len);
        sg_siphash_word(s, sg_siphash_le64(last));
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
