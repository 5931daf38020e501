/*
 * The device headers' repeat hash (sg_fold.h).  There is no reference
 * implementation to hold it to, so these check what the module relies on:
 * any change to a field, its length or the boundaries between fields
 * changes the hash; the seed changes it; nothing outside a field is read
 * (the buffers are exactly their size, for the sanitizers); the bits are
 * mixed; and the portable multiply equals the compiler's 128-bit one.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sg_fold.h"

static uint8_t  seed[SG_FOLD_SEED_LEN];
static uint64_t rng = 0x243f6a8885a308d3ULL;


/* xorshift64*: a fixed sequence, so that a failure can be replayed. */
static uint64_t
next(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;

    return rng * 0x2545f4914f6cdd1dULL;
}


static uint64_t
one(const uint8_t *s, const void *p, size_t len)
{
    sg_fold_t f;

    sg_fold_init(&f, s);
    sg_fold_field(&f, p, len);

    return sg_fold_final(&f);
}


static uint64_t
two(const void *a, size_t alen, const void *b, size_t blen)
{
    sg_fold_t f;

    sg_fold_init(&f, seed);
    sg_fold_field(&f, a, alen);
    sg_fold_field(&f, b, blen);

    return sg_fold_final(&f);
}


/* A heap copy of exactly len bytes, so that a read past it is an error
 * under ASan and valgrind. */
static uint8_t *
exact(const uint8_t *p, size_t len)
{
    uint8_t *c = malloc(len ? len : 1);

    assert_non_null(c);
    if (len) {
        memcpy(c, p, len);
    }

    return c;
}


static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

    return x < y ? -1 : x > y;
}


static void
assert_all_differ(uint64_t *h, size_t n)
{
    size_t i;

    qsort(h, n, sizeof(*h), cmp_u64);

    for (i = 1; i < n; i++) {
        assert_true(h[i - 1] != h[i]);
    }
}


/* Every byte of every length to 64, changed three ways, changes the hash. */
static void
test_every_byte(void **state)
{
    uint8_t  buf[64], *c;
    size_t   len, i, d;
    uint64_t base;

    const uint8_t deltas[] = {0x01, 0x80, 0xff};

    (void) state;

    for (len = 0; len <= sizeof(buf); len++) {
        for (i = 0; i < len; i++) {
            buf[i] = (uint8_t) next();
        }

        c = exact(buf, len);
        base = one(seed, c, len);
        assert_true(one(seed, c, len) == base);

        for (i = 0; i < len; i++) {
            for (d = 0; d < sizeof(deltas); d++) {
                c[i] ^= deltas[d];
                assert_true(one(seed, c, len) != base);
                c[i] ^= deltas[d];
            }
        }

        free(c);
    }
}


/* Runs of zeros and of spaces differ by their length alone. */
static void
test_lengths(void **state)
{
    uint8_t  zeros[80], *c;
    uint64_t h[2 * sizeof(zeros) + 2];
    size_t   len, n = 0;

    (void) state;

    memset(zeros, 0, sizeof(zeros));

    for (len = 0; len <= sizeof(zeros); len++) {
        c = exact(zeros, len);
        h[n++] = one(seed, c, len);
        memset(c, ' ', len);
        if (len > 0) {
            h[n++] = one(seed, c, len);
        }
        free(c);
    }

    assert_all_differ(h, n);
}


/* A byte moved across a boundary, an empty field, two fields swapped:
 * each is another input. */
static void
test_boundaries(void **state)
{
    const char *s = "Mozilla/5.0 (X11; Linux x86_64) Chrome/1";
    uint64_t    h[64];
    size_t      len = strlen(s), cut, n = 0;

    (void) state;

    assert_true(two("ab", 2, "c", 1) != two("a", 1, "bc", 2));
    assert_true(two("", 0, "x", 1) != two("x", 1, "", 0));
    assert_true(two("en", 2, "gzip", 4) != two("gzip", 4, "en", 2));
    assert_true(two("", 0, "", 0) != one(seed, "", 0));

    for (cut = 0; cut <= len; cut++) {
        h[n++] = two(s, cut, s + cut, len - cut);
    }

    assert_all_differ(h, n);
}


static void
test_seed(void **state)
{
    uint8_t     other[SG_FOLD_SEED_LEN];
    const char *ua = "Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0";
    size_t      i;

    (void) state;

    for (i = 0; i < sizeof(other); i++) {
        memcpy(other, seed, sizeof(other));
        other[i] ^= 1;
        assert_true(one(other, ua, strlen(ua)) != one(seed, ua, strlen(ua)));
    }
}


/*
 * Flipping one input bit flips each output bit about half the time: over
 * 400 inputs of 24 bytes and every bit of them, each output bit must flip
 * in 45-55% of the trials (a fair coin's spread over 76,800 trials is
 * 0.2%), and no input bit may leave more than 60% of the output unchanged
 * across its trials.
 */
static void
test_mixing(void **state)
{
    uint8_t  in[24];
    uint64_t base, diff;
    size_t   t, bit, j, trials = 400;
    unsigned flips[64], per_bit;

    (void) state;

    memset(flips, 0, sizeof(flips));

    for (t = 0; t < trials; t++) {
        for (j = 0; j < sizeof(in); j++) {
            in[j] = (uint8_t) next();
        }

        base = one(seed, in, sizeof(in));

        for (bit = 0; bit < 8 * sizeof(in); bit++) {
            in[bit / 8] ^= (uint8_t) (1u << (bit % 8));
            diff = one(seed, in, sizeof(in)) ^ base;
            in[bit / 8] ^= (uint8_t) (1u << (bit % 8));

            per_bit = (unsigned) __builtin_popcountll(diff);
            assert_true(per_bit >= 8);

            for (j = 0; j < 64; j++) {
                flips[j] += (unsigned) (diff >> j & 1);
            }
        }
    }

    for (j = 0; j < 64; j++) {
        assert_in_range(flips[j], trials * 8 * sizeof(in) * 45 / 100,
                        trials * 8 * sizeof(in) * 55 / 100);
    }
}


static void
test_portable_multiply(void **state)
{
#if defined(__SIZEOF_INT128__)
    uint64_t          a, b;
    unsigned __int128 p;
    size_t            i;

    (void) state;

    for (i = 0; i < 100000; i++) {
        a = next();
        b = i < 4 ? ~(uint64_t) 0 - i : next();
        p = (unsigned __int128) a * b;
        assert_true(sg_fold_mul32(a, b) ==
                    ((uint64_t) p ^ (uint64_t) (p >> 64)));
    }
#else
    (void) state;
    skip();
#endif
}


int
main(void)
{
    size_t i;

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_byte),
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_boundaries),
        cmocka_unit_test(test_seed),
        cmocka_unit_test(test_mixing),
        cmocka_unit_test(test_portable_multiply),
    };

    for (i = 0; i < sizeof(seed); i++) {
        seed[i] = (uint8_t) next();
    }

    return cmocka_run_group_tests(tests, NULL, NULL);
}
