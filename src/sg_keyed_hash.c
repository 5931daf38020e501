#include "sg_keyed_hash.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define SG_SHA256_NI 1
#endif


/*
 * SHA-256 (FIPS 180-4), only as HMAC needs it here: the compression
 * function, and running a message through a state that has already
 * absorbed whole blocks.  Checked against RFC 4231's HMAC vectors and
 * against libcrypto's HMAC in the unit tests.
 */

static const uint32_t sg_sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t sg_sha256_iv[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};


static uint32_t
sg_ror(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}


static void
sg_sha256_block(uint32_t st[8], const uint8_t p[64])
{
    uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
    unsigned i;

    for (i = 0; i < 16; i++) {
        w[i] = (uint32_t) p[4 * i] << 24 | (uint32_t) p[4 * i + 1] << 16 |
               (uint32_t) p[4 * i + 2] << 8 | p[4 * i + 3];
    }

    for (i = 16; i < 64; i++) {
        w[i] =
            w[i - 16] +
            (sg_ror(w[i - 15], 7) ^ sg_ror(w[i - 15], 18) ^ (w[i - 15] >> 3)) +
            w[i - 7] +
            (sg_ror(w[i - 2], 17) ^ sg_ror(w[i - 2], 19) ^ (w[i - 2] >> 10));
    }

    a = st[0];
    b = st[1];
    c = st[2];
    d = st[3];
    e = st[4];
    f = st[5];
    g = st[6];
    h = st[7];

    for (i = 0; i < 64; i++) {
        t1 = h + (sg_ror(e, 6) ^ sg_ror(e, 11) ^ sg_ror(e, 25)) +
             ((e & f) ^ (~e & g)) + sg_sha256_k[i] + w[i];
        t2 = (sg_ror(a, 2) ^ sg_ror(a, 13) ^ sg_ror(a, 22)) +
             ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }

    st[0] += a;
    st[1] += b;
    st[2] += c;
    st[3] += d;
    st[4] += e;
    st[5] += f;
    st[6] += g;
    st[7] += h;
}


#ifdef SG_SHA256_NI

/*
 * The same compression with the CPU's SHA extensions, where it has them
 * (x86 since Goldmont and Zen): a block in about a tenth of the
 * instructions.  The state is kept as the instructions want it, ABEF and
 * CDGH; each SHA256RNDS2 does two rounds, and SHA256MSG1/MSG2 extend the
 * message schedule four words at a time.
 */
__attribute__((target("sha,ssse3,sse4.1"))) static void
sg_sha256_block_ni(uint32_t st[8], const uint8_t p[64])
{
    __m128i       abef, cdgh, abef0, cdgh0, t, k, w[4];
    unsigned      i;
    const __m128i be =
        _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);

    /* st[0..7] is A..H: gather ABEF and CDGH */
    t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *) &st[0]), 0xb1);
    cdgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *) &st[4]), 0x1b);
    abef = _mm_alignr_epi8(t, cdgh, 8);
    cdgh = _mm_blend_epi16(cdgh, t, 0xf0);
    abef0 = abef;
    cdgh0 = cdgh;

    for (i = 0; i < 16; i++) {
        if (i < 4) {
            w[i] = _mm_shuffle_epi8(
                _mm_loadu_si128((const __m128i *) (p + 16 * i)), be);

        } else {
            /* W[4i..4i+3] from the 16 words before them */
            t = _mm_sha256msg1_epu32(w[i & 3], w[(i + 1) & 3]);
            t = _mm_add_epi32(
                t, _mm_alignr_epi8(w[(i + 3) & 3], w[(i + 2) & 3], 4));
            w[i & 3] = _mm_sha256msg2_epu32(t, w[(i + 3) & 3]);
        }

        k = _mm_add_epi32(
            w[i & 3], _mm_loadu_si128((const __m128i *) &sg_sha256_k[4 * i]));
        cdgh = _mm_sha256rnds2_epu32(cdgh, abef, k);
        abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(k, 0x0e));
    }

    abef = _mm_add_epi32(abef, abef0);
    cdgh = _mm_add_epi32(cdgh, cdgh0);

    /* back to A..H */
    t = _mm_shuffle_epi32(abef, 0x1b);
    cdgh = _mm_shuffle_epi32(cdgh, 0xb1);
    _mm_storeu_si128((__m128i *) &st[0], _mm_blend_epi16(t, cdgh, 0xf0));
    _mm_storeu_si128((__m128i *) &st[4], _mm_alignr_epi8(cdgh, t, 8));
}


static int
sg_sha256_have_ni(void)
{
    unsigned a, b, c, d;

    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSSE3) ||
        !(c & bit_SSE4_1)) {
        return 0;
    }

    return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
}

#else

static int
sg_sha256_have_ni(void)
{
    return 0;
}

#endif


/* One block through st, by the CPU's instructions when ni is set. */
static void
sg_sha256_run(uint32_t st[8], const uint8_t p[64], int ni)
{
#ifdef SG_SHA256_NI
    if (ni) {
        sg_sha256_block_ni(st, p);
        return;
    }
#endif
    (void) ni;
    sg_sha256_block(st, p);
}


/*
 * Runs msg through st, which has absorbed done bytes (a multiple of 64),
 * pads, and writes the digest.
 */
static void
sg_sha256_finish(uint32_t st[8], uint64_t done, const uint8_t *msg, size_t len,
                 uint8_t out[32], int ni)
{
    uint8_t  block[64];
    uint64_t bits = (done + len) * 8;
    size_t   i, n;

    while (len >= 64) {
        sg_sha256_run(st, msg, ni);
        msg += 64;
        len -= 64;
    }

    memset(block, 0, sizeof(block));
    memcpy(block, msg, len);
    block[len] = 0x80;
    n = len + 1;

    if (n > 56) {
        sg_sha256_run(st, block, ni);
        memset(block, 0, sizeof(block));
    }

    for (i = 0; i < 8; i++) {
        block[63 - i] = (uint8_t) (bits >> (8 * i));
    }

    sg_sha256_run(st, block, ni);

    for (i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t) (st[i] >> 24);
        out[4 * i + 1] = (uint8_t) (st[i] >> 16);
        out[4 * i + 2] = (uint8_t) (st[i] >> 8);
        out[4 * i + 3] = (uint8_t) st[i];
    }
}


sg_keyed_hash_rc_t
sg_keyed_hash_init(sg_keyed_hash_t *k, const uint8_t *secret, size_t secret_len)
{
    uint8_t  key[64], pad[64], digest[32];
    uint32_t st[8];
    size_t   i;

    memset(k, 0, sizeof(*k));

    if (secret_len == 0) {
        return SG_KEYED_HASH_EMPTY_KEY;
    }

    k->ni = sg_sha256_have_ni();

    /* A key longer than a block is hashed first (RFC 2104). */
    memset(key, 0, sizeof(key));

    if (secret_len > 64) {
        memcpy(st, sg_sha256_iv, sizeof(st));
        sg_sha256_finish(st, 0, secret, secret_len, digest, k->ni);
        memcpy(key, digest, sizeof(digest));

    } else {
        memcpy(key, secret, secret_len);
    }

    for (i = 0; i < 64; i++) {
        pad[i] = key[i] ^ 0x36;
    }

    memcpy(k->inner, sg_sha256_iv, sizeof(k->inner));
    sg_sha256_run(k->inner, pad, k->ni);

    for (i = 0; i < 64; i++) {
        pad[i] = key[i] ^ 0x5c;
    }

    memcpy(k->outer, sg_sha256_iv, sizeof(k->outer));
    sg_sha256_run(k->outer, pad, k->ni);

    k->ready = 1;

    return SG_KEYED_HASH_OK;
}


sg_keyed_hash_rc_t
sg_keyed_hash(const sg_keyed_hash_t *k, const uint8_t *value, size_t value_len,
              char out[SG_SESSION_KEY_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t           digest[32];
    uint32_t          st[8];
    size_t            i;

    if (!k->ready) {
        return SG_KEYED_HASH_EMPTY_KEY;
    }

    memcpy(st, k->inner, sizeof(st));
    sg_sha256_finish(st, 64, value, value_len, digest, k->ni);

    memcpy(st, k->outer, sizeof(st));
    sg_sha256_finish(st, 64, digest, sizeof(digest), digest, k->ni);

    for (i = 0; i < SG_SESSION_KEY_LEN / 2; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 0x0f];
    }

    out[SG_SESSION_KEY_LEN] = '\0';

    return SG_KEYED_HASH_OK;
}


sg_keyed_hash_rc_t
sg_session_key(const uint8_t *secret, size_t secret_len, const uint8_t *value,
               size_t value_len, char out[SG_SESSION_KEY_LEN + 1])
{
    sg_keyed_hash_t    k;
    sg_keyed_hash_rc_t rc;

    rc = sg_keyed_hash_init(&k, secret, secret_len);
    if (rc != SG_KEYED_HASH_OK) {
        return rc;
    }

    return sg_keyed_hash(&k, value, value_len, out);
}


const char *
sg_secret_parse(const uint8_t *p, size_t len, sg_secret_keys_t *out)
{
    const uint8_t *line, *end, *nl;
    size_t         n, i;
    const char    *err = NULL;

    memset(out, 0, sizeof(*out));

    if (len == 0) {
        return "is empty: it holds the current key, and during a rotation "
               "the previous key on a second line";
    }

    end = p + len;

    for (line = p; line < end && err == NULL; line = nl + 1) {
        nl = memchr(line, '\n', (size_t) (end - line));
        if (nl == NULL) {
            nl = end;
        }

        n = (size_t) (nl - line);

        if (n > 0 && line[n - 1] == '\r') {
            n--;
        }

        out->line++;

        if (out->n == SG_SECRET_KEYS_MAX) {
            err = "is a third key: the file holds the current key and at "
                  "most one previous key, one a line";
            break;
        }

        if (n == 0) {
            err = "is empty: keys are one a line, with no blank line";
            break;
        }

        for (i = 0; i < n; i++) {
            if (line[i] < 0x20 || line[i] > 0x7e) {
                err = "holds a byte that is not printable ASCII: keys are "
                      "text (e.g. base64 of 32 random bytes), one a line";
                break;
            }
        }

        if (err == NULL && n < SG_SECRET_MIN_LEN) {
            err = "is too short: a key needs at least 16 bytes";
        }

        if (err == NULL && n > SG_SECRET_MAX_LEN) {
            err = "is too long: a key may have at most 256 bytes";
        }

        if (err == NULL && out->n == 1 && n == out->len[0] &&
            memcmp(line, out->key[0], n) == 0) {
            err = "is the same key as line 1: the previous key must differ "
                  "from the current one";
        }

        if (err == NULL) {
            out->key[out->n] = line;
            out->len[out->n] = n;
            out->n++;
        }

        if (nl == end) {
            break;
        }
    }

    if (err != NULL) {
        n = out->line;
        memset(out, 0, sizeof(*out));
        out->line = n;
        return err;
    }

    out->line = 0;

    return NULL;
}
