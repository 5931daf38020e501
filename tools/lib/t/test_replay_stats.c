/*
 * Unit tests of the replay scoring: reading the module's tag (header, body
 * echo, or a block without one), expectation matching, and the summary
 * maths (rates, undefined rates, thresholds, per-reason counts).
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../sg_replay_stats.h"
#include "../sg_replay_verdict.h"


static void
test_tag_parse(void **state)
{
    sg_replay_tag_t   t;
    static const char tag[] = "verdict=tag; score=50; "
                              "reasons=tls_changed,device_changed; "
                              "session=0123456789abcdef";

    (void) state;

    assert_int_equal(sg_replay_tag_parse(tag, sizeof(tag) - 1, &t), 0);
    assert_int_equal(t.verdict, SG_V_TAG);
    assert_int_equal(t.score, 50);
    assert_string_equal(t.reasons, "tls_changed,device_changed");
    assert_string_equal(t.session, "0123456789abcdef");

    assert_int_equal(
        sg_replay_tag_parse("verdict=ok; score=0; reasons=", 29, &t), 0);
    assert_int_equal(t.verdict, SG_V_OK);
    assert_string_equal(t.reasons, "");
    assert_string_equal(t.session, "");

    assert_int_equal(sg_replay_tag_parse("verdict=none; reasons=-", 23, &t), 0);
    assert_int_equal(t.verdict, SG_V_NONE);
    assert_string_equal(t.reasons, "");

    /* unknown verdicts, bad scores and non-hex sessions are not taken */
    assert_int_equal(sg_replay_tag_parse("verdict=maybe", 13, &t), -1);
    assert_int_equal(
        sg_replay_tag_parse("verdict=new; score=1x; session=XY", 33, &t), 0);
    assert_int_equal(t.score, -1);
    assert_string_equal(t.session, "");
}


static void
test_verdict_of(void **state)
{
    sg_replay_tag_t   t;
    static const char body[] =
        "<p>session_guard says: <code>verdict=new; score=0; reasons=; "
        "session=abcdef0123456789</code></p>";
    static const char hdr[] = "verdict=block; score=90; reasons=tor_ip";

    (void) state;

    sg_replay_verdict_of(200, NULL, 0, body, sizeof(body) - 1, NULL, "/login",
                         &t);
    assert_int_equal(t.verdict, SG_V_NEW);
    assert_string_equal(t.session, "abcdef0123456789");

    /* the header wins over the body */
    sg_replay_verdict_of(200, hdr, sizeof(hdr) - 1, body, sizeof(body) - 1,
                         NULL, "/login", &t);
    assert_int_equal(t.verdict, SG_V_BLOCK);
    assert_string_equal(t.reasons, "tor_ip");

    sg_replay_verdict_of(403, NULL, 0, "Forbidden", 9, NULL, "/login", &t);
    assert_int_equal(t.verdict, SG_V_BLOCK);

    sg_replay_verdict_of(302, NULL, 0, "", 0,
                         "https://app.example/login?next=%2F", "/login", &t);
    assert_int_equal(t.verdict, SG_V_BLOCK);

    sg_replay_verdict_of(303, NULL, 0, "", 0, "/", "/login", &t);
    assert_int_equal(t.verdict, SG_V_UNSEEN);

    sg_replay_verdict_of(302, NULL, 0, "", 0, "/login2", "/login", &t);
    assert_int_equal(t.verdict, SG_V_UNSEEN);

    /* an unterminated echo is no echo */
    sg_replay_verdict_of(200, NULL, 0, body, 40, NULL, "/login", &t);
    assert_int_equal(t.verdict, SG_V_UNSEEN);
}


static void
test_expect(void **state)
{
    (void) state;

    assert_int_equal(sg_replay_expect_parse("pass"), SG_EXPECT_PASS);
    assert_int_equal(sg_replay_expect_parse("alert"), SG_EXPECT_ALERT);
    assert_int_equal(sg_replay_expect_parse(""), -1);
    assert_int_equal(sg_replay_expect_parse("Pass"), -1);

    assert_true(sg_replay_expect_match(SG_EXPECT_PASS, SG_V_OK));
    assert_true(sg_replay_expect_match(SG_EXPECT_PASS, SG_V_NEW));
    assert_false(sg_replay_expect_match(SG_EXPECT_PASS, SG_V_TAG));
    assert_true(sg_replay_expect_match(SG_EXPECT_ALERT, SG_V_TAG));
    assert_true(sg_replay_expect_match(SG_EXPECT_ALERT, SG_V_BLOCK));
    assert_false(sg_replay_expect_match(SG_EXPECT_ALERT, SG_V_FAILED));
    assert_false(sg_replay_expect_match(SG_EXPECT_OK, SG_V_NEW));
    assert_true(sg_replay_expect_match(SG_EXPECT_NONE, SG_V_UNSEEN));
    assert_true(sg_replay_expect_match(SG_EXPECT_NOTHING, SG_V_FAILED));
}


static void
test_rates(void **state)
{
    sg_replay_stats_t s;
    int               i;

    (void) state;

    sg_replay_stats_init(&s);
    assert_true(sg_replay_stats_tpr(&s) < 0);
    assert_true(sg_replay_stats_fpr(&s) < 0);
    /* a bound asked for on an undefined rate fails; none asked passes */
    assert_int_equal(sg_replay_stats_check(&s, 0.5, 0.1), 3);
    assert_int_equal(sg_replay_stats_check(&s, -1, -1), 0);

    /* 4 attacks, 3 alerted; 10 benign, 1 alerted; 2 unlabelled */
    sg_replay_stats_add(&s, SG_LABEL_ATTACK, SG_V_TAG,
                        "tls_changed,device_changed", SG_EXPECT_ALERT);
    sg_replay_stats_add(&s, SG_LABEL_ATTACK, SG_V_BLOCK, "", SG_EXPECT_ALERT);
    sg_replay_stats_add(&s, SG_LABEL_ATTACK, SG_V_TAG, "tls_changed",
                        SG_EXPECT_NOTHING);
    sg_replay_stats_add(&s, SG_LABEL_ATTACK, SG_V_OK, NULL, SG_EXPECT_ALERT);
    for (i = 0; i < 9; i++) {
        sg_replay_stats_add(&s, SG_LABEL_BENIGN, SG_V_OK, "", SG_EXPECT_PASS);
    }
    sg_replay_stats_add(&s, SG_LABEL_BENIGN, SG_V_TAG, "lang_changed",
                        SG_EXPECT_PASS);
    sg_replay_stats_add(&s, SG_LABEL_NONE, SG_V_UNSEEN, NULL,
                        SG_EXPECT_NOTHING);
    sg_replay_stats_add(&s, SG_LABEL_NONE, SG_V_TAG, "tls_changed",
                        SG_EXPECT_NOTHING);

    assert_true(sg_replay_stats_tpr(&s) == 0.75);
    assert_true(sg_replay_stats_fpr(&s) == 0.1);
    assert_int_equal(s.requests[SG_LABEL_NONE], 2);
    assert_int_equal(s.alerted[SG_LABEL_NONE], 1);
    assert_int_equal(s.verdicts[SG_LABEL_BENIGN][SG_V_OK], 9);
    assert_int_equal(s.expected, 13);
    assert_int_equal(s.expect_failures, 2);

    assert_int_equal(sg_replay_stats_check(&s, 0.75, 0.1), 0);
    assert_int_equal(sg_replay_stats_check(&s, 0.8, 0.1), 1);
    assert_int_equal(sg_replay_stats_check(&s, 0.5, 0.05), 2);

    assert_int_equal(s.n_reasons, 3);
    assert_string_equal(s.reasons[0].name, "tls_changed");
    assert_int_equal(s.reasons[0].by_label[SG_LABEL_ATTACK], 2);
    assert_int_equal(s.reasons[0].by_label[SG_LABEL_NONE], 1);
    assert_string_equal(s.reasons[2].name, "lang_changed");
    assert_int_equal(s.reasons[2].by_label[SG_LABEL_BENIGN], 1);
}


static void
test_reason_overflow(void **state)
{
    sg_replay_stats_t s;
    char              name[16];
    int               i;

    (void) state;

    sg_replay_stats_init(&s);
    for (i = 0; i < SG_STATS_REASONS_MAX + 3; i++) {
        snprintf(name, sizeof(name), "r%d", i);
        sg_replay_stats_add(&s, SG_LABEL_ATTACK, SG_V_TAG, name,
                            SG_EXPECT_NOTHING);
    }

    assert_int_equal(s.n_reasons, SG_STATS_REASONS_MAX);
    assert_int_equal(s.other_reasons[SG_LABEL_ATTACK], 3);

    /* empty items of a list are not reasons */
    sg_replay_stats_init(&s);
    sg_replay_stats_add(&s, SG_LABEL_BENIGN, SG_V_TAG, ",a,,b,",
                        SG_EXPECT_NOTHING);
    assert_int_equal(s.n_reasons, 2);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tag_parse),
        cmocka_unit_test(test_verdict_of),
        cmocka_unit_test(test_expect),
        cmocka_unit_test(test_rates),
        cmocka_unit_test(test_reason_overflow),
    };

    return cmocka_run_group_tests_name("sg_replay_stats", tests, NULL, NULL);
}
