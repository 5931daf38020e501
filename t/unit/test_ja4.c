/*
 * A JA4 from a trusted edge: the strict check of its text (every position,
 * every length, every byte at each position) and the edge signature, which
 * keeps what survives resumption and never looks like a stable signature.
 * With the reference vectors, every JA4 sg_tls_fp computes passes the check.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sg_ja4.h"
#include "sg_tls_fp.h"
#include "vectors.h"

static const char CHROME[] = "t13d1516h2_8daaf6152771_e5627efa2ab1";


/* Checks a copy of exactly len bytes, so ASan sees any read past the end. */
static int
valid(const char *text, size_t len)
{
    char *copy;
    int   rc;

    copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, text, len);
    rc = sg_ja4_valid(copy, len);
    free(copy);

    return rc;
}


static void
test_valid_examples(void **state)
{
    static const char *good[] = {
        "t13d1516h2_8daaf6152771_e5627efa2ab1",
        "q13d0312h3_55b375c5d22e_06cda9e17597",
        "t12i0406h1_000000000000_000000000000",
        "t10d999900_0123456789ab_cdef01234567",
        "t13d1516Ab_8daaf6152771_e5627efa2ab1", /* ALPN keeps its case */
        "t00i0000z9_8daaf6152771_e5627efa2ab1", /* version unknown */
    };
    size_t i;

    (void) state;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_true(valid(good[i], strlen(good[i])));
    }
}


static void
test_invalid_examples(void **state)
{
    static const char *bad[] = {
        "",
        "t13d1516h2",
        "t13d1516h2_8daaf6152771",
        "d13d1516h2_8daaf6152771_e5627efa2ab1", /* DTLS */
        "T13d1516h2_8daaf6152771_e5627efa2ab1",
        "ts3d1516h2_8daaf6152771_e5627efa2ab1",
        "t13x1516h2_8daaf6152771_e5627efa2ab1",
        "t13d15a6h2_8daaf6152771_e5627efa2ab1",
        "t13d1516h-_8daaf6152771_e5627efa2ab1",
        "t13d1516h2-8daaf6152771_e5627efa2ab1",
        "t13d1516h2_8DAAF6152771_e5627efa2ab1", /* upper-case hex */
        "t13d1516h2_8daaf615277g_e5627efa2ab1",
        "t13d1516h2_8daaf6152771_e5627efa2ab1 ",
        " t13d1516h2_8daaf6152771_e5627efa2ab1",
        "t13d1516h2_8daaf6152771_e5627efa2ab",
        "t13d1516h2_8daaf6152771_e5627efa2ab1,t13d1516h2_8daaf6152771_e56",
        "t13d1516h2_1301,1302_0000,0005", /* raw form */
    };
    size_t i;

    (void) state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (valid(bad[i], strlen(bad[i]))) {
            fail_msg("accepted \"%s\"", bad[i]);
        }
    }

    assert_false(sg_ja4_valid(NULL, SG_JA4_LEN));
}


/* Every byte at every position: only the ones the grammar allows pass. */
static void
test_every_byte(void **state)
{
    char   s[SG_JA4_LEN];
    size_t pos, n;
    int    c, want;

    (void) state;

    for (pos = 0; pos < SG_JA4_LEN; pos++) {
        n = 0;

        for (c = 0; c < 256; c++) {
            memcpy(s, CHROME, SG_JA4_LEN);
            s[pos] = (char) c;

            if (pos == 0) {
                want = c == 't' || c == 'q';
            } else if (pos == 3) {
                want = c == 'd' || c == 'i';
            } else if (pos == 10 || pos == 23) {
                want = c == '_';
            } else if (pos == 8 || pos == 9) {
                want = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                       (c >= 'A' && c <= 'Z');
            } else if (pos < 10) {
                want = c >= '0' && c <= '9';
            } else {
                want = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
            }

            if (valid(s, SG_JA4_LEN) != want) {
                fail_msg("position %zu byte 0x%02x: %s", pos, (unsigned) c,
                         want ? "refused" : "accepted");
            }

            n += (size_t) want;
        }

        assert_true(n > 0);
    }
}


static void
test_every_length(void **state)
{
    char   s[2 * SG_JA4_LEN];
    size_t len;

    (void) state;

    memcpy(s, CHROME, SG_JA4_LEN);
    memcpy(s + SG_JA4_LEN, CHROME, SG_JA4_LEN);

    for (len = 0; len <= sizeof(s); len++) {
        assert_int_equal(valid(s, len), len == SG_JA4_LEN);
    }
}


static void
test_edge_sig(void **state)
{
    char buf[SG_JA4_EDGE_SIG_SIZE];
    char resumed[] = "t13d1517h2_8daaf6152771_b1ff8ab2d16f";
    char other_sni[] = "t13i1516h1_8daaf6152771_e5627efa2ab1";
    char quic[] = "q13d0310h3_55b375c5d22e_cd85d2d88918";
    char other[] = "t13d1516h2_9daaf6152771_e5627efa2ab1";
    char b2[SG_JA4_EDGE_SIG_SIZE];
    int  n;

    (void) state;

    n = sg_ja4_edge_sig(CHROME, SG_JA4_LEN, buf, sizeof(buf));
    assert_string_equal(buf, "e1_t1315_8daaf6152771");
    assert_int_equal(n, SG_JA4_EDGE_SIG_SIZE - 1);
    assert_int_equal(n, strlen(buf));

    /* what one client changes between connections: the same signature */
    assert_int_equal(sg_ja4_edge_sig(resumed, SG_JA4_LEN, b2, sizeof(b2)), n);
    assert_string_equal(b2, buf);
    assert_int_equal(sg_ja4_edge_sig(other_sni, SG_JA4_LEN, b2, sizeof(b2)), n);
    assert_string_equal(b2, buf);

    /* another cipher set, or QUIC: another signature */
    assert_int_equal(sg_ja4_edge_sig(other, SG_JA4_LEN, b2, sizeof(b2)), n);
    assert_string_not_equal(b2, buf);
    assert_int_equal(sg_ja4_edge_sig(quic, SG_JA4_LEN, b2, sizeof(b2)), n);
    assert_string_equal(b2, "e1_q1303_55b375c5d22e");

    /* never a stable signature's shape */
    assert_memory_equal(buf, "e1_", 3);
    assert_true(strncmp(buf, "s1_", 3) != 0);
}


static void
test_edge_sig_refuses(void **state)
{
    char buf[SG_JA4_EDGE_SIG_SIZE];
    char small[SG_JA4_EDGE_SIG_SIZE - 1];

    (void) state;

    memcpy(buf, "junk", 5);
    assert_int_equal(sg_ja4_edge_sig("t13d1516h2", 10, buf, sizeof(buf)), -1);
    assert_string_equal(buf, "");

    memcpy(small, "junk", 5);
    assert_int_equal(sg_ja4_edge_sig(CHROME, SG_JA4_LEN, small, sizeof(small)),
                     -1);
    assert_string_equal(small, "");

    assert_int_equal(sg_ja4_edge_sig(CHROME, SG_JA4_LEN, NULL, 64), -1);
    assert_int_equal(sg_ja4_edge_sig(CHROME, SG_JA4_LEN, buf, 0), -1);
}


/* What the module computes itself, an edge computing the same may send. */
static void
test_vectors_valid(void **state)
{
    vecs_t      *vs;
    sg_tls_fp_t *fp;
    size_t       i, n;

    vs = vecs_or_skip(state);
    fp = malloc(sizeof(*fp));
    assert_non_null(fp);
    n = 0;

    for (i = 0; i < vs->n; i++) {
        if (sg_tls_fp_compute(vs->v[i].msg, vs->v[i].len, fp) != SG_TLS_FP_OK) {
            continue;
        }

        if (!sg_ja4_valid(fp->ja4, strlen(fp->ja4))) {
            fail_msg("%s: ja4 \"%s\" refused", vs->v[i].id, fp->ja4);
        }

        if (sg_ja4_valid(fp->ja4_o, strlen(fp->ja4_o)) != 1) {
            fail_msg("%s: ja4_o \"%s\" refused", vs->v[i].id, fp->ja4_o);
        }

        n++;
    }

    print_message("ja4: %zu computed values pass the edge check\n", n);
    assert_true(n > 0);
    free(fp);
}


int
main(void)
{
    const struct CMUnitTest handmade[] = {
        cmocka_unit_test(test_valid_examples),
        cmocka_unit_test(test_invalid_examples),
        cmocka_unit_test(test_every_byte),
        cmocka_unit_test(test_every_length),
        cmocka_unit_test(test_edge_sig),
        cmocka_unit_test(test_edge_sig_refuses),
    };
    const struct CMUnitTest vectors[] = {
        cmocka_unit_test(test_vectors_valid),
    };
    int rc;

    rc = cmocka_run_group_tests_name("ja4_handmade", handmade, NULL, NULL);
    rc += cmocka_run_group_tests_name("ja4_vectors", vectors, vecs_setup,
                                      vecs_teardown);

    return rc != 0;
}
