/*
 * The upstream tag header: the exact bytes the module writes, the round
 * trip through the parser, the length bounds, every short buffer, and the
 * input each side refuses.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sg_score.h"
#include "sg_tag.h"

/* A session key as the module holds it: the tag shows its first 16. */
static const char KEY[] = "7a6964be2786e7d0ffeeddccbbaa9988";


/* Parses a copy of exactly len bytes, so ASan sees any read past the end. */
static int
parse(const char *text, size_t len, sg_tag_t *out, char **copy)
{
    *copy = malloc(len ? len : 1);
    assert_non_null(*copy);
    memcpy(*copy, text, len);

    return sg_tag_parse(*copy, len, out);
}


static void
assert_slice(sg_str_t s, const char *want)
{
    assert_int_equal(s.len, strlen(want));
    if (s.len > 0) {
        assert_memory_equal(s.data, want, s.len);
    }
}


static void
test_format_exact(void **state)
{
    static const char reasons[] = "tls_changed,device_changed";
    char              buf[SG_TAG_MAX + 1];
    int               n;

    (void) state;

    n = sg_tag_format(buf, sizeof(buf), "tag", 170, reasons,
                      sizeof(reasons) - 1, KEY);
    assert_string_equal(buf, "verdict=tag; score=170; "
                             "reasons=tls_changed,device_changed; "
                             "session=7a6964be2786e7d0");
    assert_int_equal(n, strlen(buf));

    /* no key: no session field; no reasons: an empty value */
    n = sg_tag_format(buf, sizeof(buf), "ok", 0, NULL, 0, NULL);
    assert_string_equal(buf, "verdict=ok; score=0; reasons=");
    assert_int_equal(n, strlen(buf));

    n = sg_tag_format(buf, sizeof(buf), "block", SG_SCORE_MAX, "revoked", 7,
                      KEY);
    assert_string_equal(buf, "verdict=block; score=1000; reasons=revoked; "
                             "session=7a6964be2786e7d0");
    assert_int_equal(n, strlen(buf));
}


/* The cached request's tag: the literal the README's grammar gives, and
 * whatever sg_tag_format() writes for the same input. */
static void
test_format_ok(void **state)
{
    static const char *sessions[] = {KEY, "0000000000000000",
                                     "ffffffffffffffff", "0123456789abcdef"};
    char               buf[SG_TAG_MAX + 1], ref[SG_TAG_MAX + 1];
    size_t             i, cap;
    int                n;

    (void) state;

    n = sg_tag_format_ok(buf, sizeof(buf), KEY);
    assert_string_equal(buf, "verdict=ok; score=0; reasons=; "
                             "session=7a6964be2786e7d0");
    assert_int_equal(n, strlen(buf));

    for (i = 0; i < sizeof(sessions) / sizeof(sessions[0]); i++) {
        n = sg_tag_format_ok(buf, sizeof(buf), sessions[i]);
        assert_int_equal(
            sg_tag_format(ref, sizeof(ref), "ok", 0, NULL, 0, sessions[i]), n);
        assert_string_equal(buf, ref);
    }

    /* a buffer one short of the NUL, and every shorter one, is refused */
    for (cap = 1; cap <= strlen(ref); cap++) {
        assert_int_equal(sg_tag_format_ok(buf, cap, KEY), -1);
        assert_string_equal(buf, "");
    }
    assert_int_equal(sg_tag_format_ok(buf, strlen(ref) + 1, sessions[3]),
                     (int) strlen(ref));

    /* what sg_tag_format() refuses as a session, this refuses too */
    assert_int_equal(sg_tag_format_ok(buf, sizeof(buf), "7A6964BE2786E7D0"),
                     -1);
    assert_string_equal(buf, "");
    assert_int_equal(sg_tag_format_ok(buf, sizeof(buf), "7a6964be2786e7d"), -1);
    assert_int_equal(sg_tag_format_ok(buf, sizeof(buf), "7a6964be 786e7d0"),
                     -1);
    assert_int_equal(sg_tag_format_ok(buf, sizeof(buf), NULL), -1);
    assert_int_equal(sg_tag_format_ok(NULL, 10, KEY), -1);
    assert_int_equal(sg_tag_format_ok(buf, 0, KEY), -1);
}


static void
test_round_trip(void **state)
{
    static const unsigned scores[] = {0, 7, 40, 170, 999, SG_SCORE_MAX};
    char                  reasons[SG_TAG_REASONS_MAX + 1];
    char                  buf[SG_TAG_MAX + 1], *copy;
    sg_tag_t              t;
    int                   v, n, rlen, with_key;
    size_t                s;

    (void) state;

    rlen = sg_reasons_format(SG_REASONS_ALL, reasons, sizeof(reasons));
    assert_true(rlen > 0);

    for (v = 0; v < SG_VERDICT_COUNT; v++) {
        for (s = 0; s < sizeof(scores) / sizeof(scores[0]); s++) {
            for (with_key = 0; with_key < 2; with_key++) {
                n = sg_tag_format(
                    buf, sizeof(buf), sg_verdict_name((sg_verdict_e) v),
                    scores[s], reasons, (size_t) rlen, with_key ? KEY : NULL);
                assert_true(n > 0);
                assert_true((size_t) n <= SG_TAG_LEN(rlen));

                assert_int_equal(parse(buf, (size_t) n, &t, &copy), 0);
                assert_int_equal(t.verdict, v);
                assert_int_equal(t.score, scores[s]);
                assert_slice(t.reasons, reasons);
                if (with_key) {
                    assert_int_equal(t.session.len, SG_SESSION_ID_LEN);
                    assert_memory_equal(t.session.data, KEY, SG_SESSION_ID_LEN);
                } else {
                    assert_int_equal(t.session.len, 0);
                }
                free(copy);
            }
        }
    }
}


/* The bounds in sg_tag.h hold for the longest of everything. */
static void
test_bounds(void **state)
{
    char reasons[SG_TAG_REASONS_MAX + 1], buf[SG_TAG_MAX + 1];
    int  v, n;

    (void) state;

    for (v = 0; v < SG_VERDICT_COUNT; v++) {
        assert_true(strlen(sg_verdict_name((sg_verdict_e) v)) <=
                    SG_TAG_VERDICT_MAX);
    }

    /* every reason at once, and "revoked", fit */
    n = sg_reasons_format(SG_REASONS_ALL, reasons, sizeof(reasons));
    assert_true(n > 0 && n <= SG_TAG_REASONS_MAX);

    /* the longest of each field reaches SG_TAG_LEN exactly */
    n = sg_tag_format(buf, sizeof(buf), "block", SG_SCORE_MAX, reasons,
                      strlen(reasons), KEY);
    assert_int_equal(n, SG_TAG_LEN(strlen(reasons)));

    memset(reasons, 'a', SG_TAG_REASONS_MAX);
    n = sg_tag_format(buf, sizeof(buf), "error", SG_SCORE_MAX, reasons,
                      SG_TAG_REASONS_MAX, KEY);
    assert_int_equal(n, SG_TAG_MAX);
    assert_int_equal(strlen(buf), SG_TAG_MAX);
}


/* Every buffer too short by one or more fails whole, leaving "". */
static void
test_short_buffer(void **state)
{
    static const char reasons[] = "tls_changed,device_changed";
    char              full[SG_TAG_MAX + 1], *buf;
    int               need, with_key;
    size_t            cap;

    (void) state;

    for (with_key = 0; with_key < 2; with_key++) {
        need = sg_tag_format(full, sizeof(full), "tag", 170, reasons,
                             sizeof(reasons) - 1, with_key ? KEY : NULL);
        assert_true(need > 0);

        for (cap = 0; cap <= (size_t) need + 1; cap++) {
            buf = malloc(cap ? cap : 1);
            assert_non_null(buf);
            memset(buf, 'x', cap);

            if (cap <= (size_t) need) {
                assert_int_equal(sg_tag_format(buf, cap, "tag", 170, reasons,
                                               sizeof(reasons) - 1,
                                               with_key ? KEY : NULL),
                                 -1);
                if (cap > 0) {
                    assert_string_equal(buf, "");
                }
            } else {
                assert_int_equal(sg_tag_format(buf, cap, "tag", 170, reasons,
                                               sizeof(reasons) - 1,
                                               with_key ? KEY : NULL),
                                 need);
                assert_string_equal(buf, full);
            }

            free(buf);
        }
    }

    assert_int_equal(sg_tag_format(NULL, 64, "ok", 0, NULL, 0, NULL), -1);
}


/* What the parser could not read back the same is refused. */
static void
test_format_refuses(void **state)
{
    char buf[SG_TAG_MAX + 1], big[SG_TAG_REASONS_MAX + 2];

    (void) state;

#define REFUSED(verdict, score, reasons, len, session)                   \
    do {                                                                 \
        memset(buf, 'x', sizeof(buf));                                   \
        assert_int_equal(sg_tag_format(buf, sizeof(buf), verdict, score, \
                                       reasons, len, session),           \
                         -1);                                            \
        assert_string_equal(buf, "");                                    \
    } while (0)

    REFUSED(NULL, 0, "", 0, NULL);
    REFUSED("", 0, "", 0, NULL);
    REFUSED("maybe", 0, "", 0, NULL);
    REFUSED("TAG", 0, "", 0, NULL);
    REFUSED("tag ", 0, "", 0, NULL);
    REFUSED("tag", SG_SCORE_MAX + 1, "", 0, NULL);

    /* reasons that would end the field or start another one */
    REFUSED("tag", 50, "tls_changed; session=0", 22, NULL);
    REFUSED("tag", 50, "tls_changed ", 12, NULL);
    REFUSED("tag", 50, "a=b", 3, NULL);
    REFUSED("tag", 50, "TLS_CHANGED", 11, NULL);
    REFUSED("tag", 50, "-", 1, NULL);
    REFUSED("tag", 50, "a\r\nX-Forged: 1", 14, NULL);
    REFUSED("tag", 50, NULL, 3, NULL);

    memset(big, 'a', sizeof(big));
    REFUSED("tag", 50, big, SG_TAG_REASONS_MAX + 1, NULL);

    /* a session id is 16 lower-case hex digits */
    REFUSED("tag", 50, "", 0, "7A6964BE2786E7D0");
    REFUSED("tag", 50, "", 0, "7a6964be2786e7d");
    REFUSED("tag", 50, "", 0, "7a6964be2786e7dg");

#undef REFUSED
}


static void
test_parse_layout(void **state)
{
    static const char shuffled[] =
        "session=abcdef0123456789;x=1;  score=5 ;junk;"
        "\treasons=vpn_ip ;verdict=new  ";
    static const char twice[] =
        "verdict=ok; verdict=tag; verdict=maybe; score=3; score=x";
    sg_tag_t t;
    char    *copy;

    (void) state;

    /* any order, unknown fields, blanks, pieces without '=' */
    assert_int_equal(parse(shuffled, sizeof(shuffled) - 1, &t, &copy), 0);
    assert_int_equal(t.verdict, SG_VERDICT_NEW);
    assert_int_equal(t.score, 5);
    assert_slice(t.reasons, "vpn_ip");
    assert_slice(t.session, "abcdef0123456789");
    free(copy);

    /* a field twice keeps its last good value */
    assert_int_equal(parse(twice, sizeof(twice) - 1, &t, &copy), 0);
    assert_int_equal(t.verdict, SG_VERDICT_TAG);
    assert_int_equal(t.score, 3);
    free(copy);

    /* "-" is no reasons, and does not undo earlier ones */
    assert_int_equal(parse("verdict=none; reasons=-", 23, &t, &copy), 0);
    assert_int_equal(t.verdict, SG_VERDICT_NONE);
    assert_slice(t.reasons, "");
    free(copy);

    /* only len bytes are read: the rest of the buffer is not the tag */
    assert_int_equal(sg_tag_parse("verdict=ok; score=12; reasons=a", 19, &t),
                     0);
    assert_int_equal(t.score, 1);
    assert_slice(t.reasons, "");
}


static void
test_parse_refuses(void **state)
{
    static const char *const bad_scores[] = {"score=",           "score=1x",
                                             "score=-1",         "score= 1",
                                             "score=1234567890", "score=0x10"};
    sg_tag_t                 t;
    char                    *copy;
    size_t                   i;

    (void) state;

    /* no known verdict: -1, with the rest still read */
    assert_int_equal(parse("verdict=maybe; score=7", 22, &t, &copy), -1);
    assert_int_equal(t.verdict, SG_VERDICT_COUNT);
    assert_int_equal(t.score, 7);
    free(copy);

    assert_int_equal(parse("verdict =tag", 12, &t, &copy), -1);
    free(copy);
    assert_int_equal(parse("verdict= tag", 12, &t, &copy), -1);
    free(copy);
    assert_int_equal(parse("Verdict=tag", 11, &t, &copy), -1);
    free(copy);
    assert_int_equal(parse("verdict=TAG", 11, &t, &copy), -1);
    free(copy);
    assert_int_equal(parse("", 0, &t, &copy), -1);
    free(copy);
    assert_int_equal(sg_tag_parse(NULL, 0, &t), -1);
    assert_int_equal(t.score, -1);

    for (i = 0; i < sizeof(bad_scores) / sizeof(bad_scores[0]); i++) {
        assert_int_equal(parse(bad_scores[i], strlen(bad_scores[i]), &t, &copy),
                         -1);
        assert_int_equal(t.score, -1);
        free(copy);
    }

    /* 9 digits are the most taken */
    assert_int_equal(parse("verdict=ok; score=123456789", 27, &t, &copy), 0);
    assert_int_equal(t.score, 123456789);
    free(copy);

    /* a session that is not lower-case hex is not taken */
    assert_int_equal(parse("verdict=ok; session=ABCDEF", 26, &t, &copy), 0);
    assert_int_equal(t.session.len, 0);
    free(copy);
    assert_int_equal(parse("verdict=ok; session=abc def", 27, &t, &copy), 0);
    assert_int_equal(t.session.len, 0);
    free(copy);
}


/* Every prefix of a tag parses without reading past it. */
static void
test_parse_truncations(void **state)
{
    static const char tag[] = "verdict=block; score=170; "
                              "reasons=tls_changed,device_changed; "
                              "session=7a6964be2786e7d0";
    sg_tag_t          t;
    char             *copy;
    size_t            n;
    int               rc;

    (void) state;

    for (n = 0; n <= sizeof(tag) - 1; n++) {
        rc = parse(tag, n, &t, &copy);
        /* "verdict=block" is whole from 13 bytes on ("verdict=b" is not) */
        assert_int_equal(rc, n >= 13 ? 0 : -1);
        free(copy);
    }
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_exact),
        cmocka_unit_test(test_format_ok),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_short_buffer),
        cmocka_unit_test(test_format_refuses),
        cmocka_unit_test(test_parse_layout),
        cmocka_unit_test(test_parse_refuses),
        cmocka_unit_test(test_parse_truncations),
    };

    return cmocka_run_group_tests_name("sg_tag", tests, NULL, NULL);
}
