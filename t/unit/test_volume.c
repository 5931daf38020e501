/*
 * The exfiltration counters: keys, arguments, replies, the reasons they
 * give, and how those score (the script itself runs against a real Redis
 * in t/19-volume.t).
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "reply_strings.h"

#include "sg_judge.h"
#include "sg_score.h"
#include "sg_session.h"
#include "sg_volume.h"

#define R(x) SG_REASON_BIT(SG_REASON_##x)


static void
test_keys(void **state)
{
    char     buf[160], who[SG_VOLUME_WHO_MAX];
    unsigned i;
    int      n;

    (void) state;

    /* An hour in four buckets of 900 s: at 1 800 000 000 the current
     * bucket is 2000000, the oldest kept 1999997. */
    n = sg_volume_key(buf, sizeof(buf), "sg:", 3,
                      "0123456789abcdef0123456789abcdef", 32, 1800000000, 3600,
                      0);
    assert_int_equal(n, (int) strlen(buf));
    assert_string_equal(
        buf, "sg:{0123456789abcdef0123456789abcdef}:vc:3600:1999997");

    assert_true(sg_volume_key(buf, sizeof(buf), "sg:", 3, "k", 1, 1800000000,
                              3600, SG_VOLUME_BUCKETS - 1) > 0);
    assert_string_equal(buf, "sg:{k}:vc:3600:2000000");
    assert_true(sg_volume_key(buf, sizeof(buf), "sg:", 3, "k", 1, 1800000000,
                              3600, SG_VOLUME_BUCKETS) > 0);
    assert_string_equal(buf, "sg:{k}:vo:3600:1999997");
    assert_true(sg_volume_key(buf, sizeof(buf), "sg:", 3, "k", 1, 1800000000,
                              3600, SG_VOLUME_NKEYS - 1) > 0);
    assert_string_equal(buf, "sg:{k}:vo:3600:2000000");

    /* A user's keys share one hash tag. */
    n = sg_volume_user_who("alice", 5, who, sizeof(who));
    assert_int_equal(n, 7);
    assert_string_equal(who, "u:alice");
    for (i = 0; i < SG_VOLUME_NKEYS; i++) {
        assert_true(sg_volume_key(buf, sizeof(buf), "p:", 2, who, (size_t) n,
                                  1800000000, 86400, i) > 0);
        assert_memory_equal(buf, "p:{u:alice}:v", 13);
    }

    /* Windows count apart; errors. */
    assert_true(sg_volume_key(buf, sizeof(buf), "sg:", 3, "k", 1, 1800000000,
                              60, 0) > 0);
    assert_string_equal(buf, "sg:{k}:vc:60:119999997");
    assert_int_equal(sg_volume_key(buf, sizeof(buf), "sg:", 3, "k", 1, 1, 60,
                                   SG_VOLUME_NKEYS),
                     -1);
    assert_int_equal(sg_volume_key(buf, sizeof(buf), "sg:", 3, "k", 1, 1, 0, 0),
                     -1);
    assert_int_equal(sg_volume_key(buf, sizeof(buf), "sg:", 3, "", 0, 1, 60, 0),
                     -1);
    assert_int_equal(sg_volume_key(buf, 10, "sg:", 3, "k", 1, 1, 60, 0), -1);
    assert_int_equal(sg_volume_user_who("", 0, who, sizeof(who)), -1);
    /* A NUL inside a name would cut it in the key: refused (found by
     * fuzz/fuzz_volume.c). */
    assert_int_equal(sg_volume_user_who("al\0ce", 5, who, sizeof(who)), -1);
    assert_int_equal(
        sg_volume_key(buf, sizeof(buf), "sg:", 3, "u:al\0ce", 7, 1, 60, 0), -1);
    assert_int_equal(sg_volume_user_who("alice", 5, who, 7), -1);

    /* A bucket lives its own length and the window after it. */
    assert_int_equal(sg_volume_ttl(3600), 4500);
    assert_int_equal(sg_volume_ttl(2), 3);
}


static void
test_argv(void **state)
{
    sg_str_t argv[SG_VOLUME_NARGS], obj = {"repo-a", 6}, none = {"", 0};
    char     buf[SG_VOLUME_ARGV_NUMS];

    (void) state;

    assert_int_equal(sg_volume_argv(5242880, obj, 3600, buf, sizeof(buf), argv),
                     0);
    assert_int_equal(argv[SG_VOLUME_ARG_BYTES].len, 7);
    assert_memory_equal(argv[SG_VOLUME_ARG_BYTES].data, "5242880", 7);
    assert_int_equal(argv[SG_VOLUME_ARG_OBJECT].len, 6);
    assert_memory_equal(argv[SG_VOLUME_ARG_TTL].data, "4500", 4);

    assert_int_equal(sg_volume_argv(0, none, 60, buf, sizeof(buf), argv), 0);
    assert_int_equal(argv[SG_VOLUME_ARG_OBJECT].len, 0);
    assert_memory_equal(argv[SG_VOLUME_ARG_BYTES].data, "0", 1);

    assert_int_equal(sg_volume_argv(-1, none, 60, buf, sizeof(buf), argv), -1);
    assert_int_equal(sg_volume_argv(1, none, 0, buf, sizeof(buf), argv), -1);
    assert_int_equal(sg_volume_argv(1, none, 60, buf, 3, argv), -1);
}


static void
test_reply(void **state)
{
    static const char *const v[] = {"300", "3", "2", "100", "2", "1"};
    static const size_t      lens[] = {3, 1, 1, 3, 1, 1};
    sg_reply_elt_t           e[REPLY_STRINGS_MAX];
    sg_volume_counts_t       c;

    (void) state;

    assert_int_equal(sg_volume_parse_reply(reply_strings(6, v, lens, e), e, &c),
                     0);
    assert_int_equal(c.bytes, 300);
    assert_int_equal(c.requests, 3);
    assert_int_equal(c.objects, 2);
    assert_int_equal(c.bytes_before, 100);
    assert_int_equal(c.requests_before, 2);
    assert_int_equal(c.objects_before, 1);

    /* Typed as Redis returns a script's numbers. */
    memset(e, 0, sizeof(e));
    e[0].type = SG_REPLY_INTEGER;
    e[0].integer = 7;
    assert_int_equal(sg_volume_parse_reply(6, e, &c), -1); /* nils */
    assert_int_equal(c.bytes, 0);

    e[1] = e[2] = e[3] = e[4] = e[5] = e[0];
    assert_int_equal(sg_volume_parse_reply(6, e, &c), 0);
    e[3].integer = -1;
    assert_int_equal(sg_volume_parse_reply(6, e, &c), -1);
    assert_int_equal(sg_volume_parse_reply(5, e, &c), -1);
}


static void
test_reasons(void **state)
{
    sg_volume_policy_t p = {3600, 1000, 10, 3};
    sg_volume_counts_t c = {1000, 10, 3, 900, 9, 2};
    char               flags[3];

    (void) state;

    /* At the thresholds is not past them. */
    assert_int_equal(sg_volume_reasons(&c, &p, 0), 0);

    c.bytes = 1001;
    assert_int_equal(sg_volume_reasons(&c, &p, 0), R(BULK_DOWNLOAD));
    assert_int_equal(sg_volume_crossed(&c, &p), R(BULK_DOWNLOAD));

    /* Requests alone make a bulk download too. */
    c.bytes = 10;
    c.requests = 11;
    assert_int_equal(sg_volume_reasons(&c, &p, 0), R(BULK_DOWNLOAD));

    /* Distinct objects make mass_clone. */
    c.requests = 1;
    c.objects = 4;
    assert_int_equal(sg_volume_reasons(&c, &p, 0), R(MASS_CLONE));

    /* Over before already: no crossing, but still over. */
    c.objects_before = 4;
    c.objects = 5;
    assert_int_equal(sg_volume_crossed(&c, &p), 0);
    assert_int_equal(sg_volume_reasons(&c, &p, 0), R(MASS_CLONE));
    assert_int_equal(sg_volume_reasons(&c, &p, 1), R(MASS_CLONE));

    /* objects=0: distinct objects are not a reason. */
    p.objects = 0;
    assert_int_equal(sg_volume_reasons(&c, &p, 0), 0);

    assert_int_equal(sg_volume_reasons(NULL, &p, 0), 0);
    assert_int_equal(sg_volume_reasons(&c, NULL, 0), 0);

    assert_int_equal(sg_volume_flags(R(BULK_DOWNLOAD), flags), 1);
    assert_string_equal(flags, "b");
    assert_int_equal(sg_volume_flags(R(MASS_CLONE), flags), 1);
    assert_string_equal(flags, "m");
    assert_int_equal(sg_volume_flags(R(BULK_DOWNLOAD) | R(MASS_CLONE), flags),
                     2);
    assert_string_equal(flags, "bm");
    assert_int_equal(sg_volume_flags(R(TLS_CHANGED), flags), 0);
    assert_string_equal(flags, "");
}


/* The flags travel in the session record's reply and stand while they
 * last. */
static void
test_flags_in_record(void **state)
{
    const char        *v[16];
    size_t             lens[16], i;
    sg_reply_elt_t     e[REPLY_STRINGS_MAX];
    sg_session_bound_t b;
    sg_str_t           argv[SG_SESSION_NARGS];
    sg_session_args_t  a;
    char               nums[SG_SESSION_ARGV_NUMS];

    (void) state;

    for (i = 0; i < 16; i++) {
        v[i] = "0";
        lens[i] = 1;
    }
    v[0] = "1";
    v[1] = "d1:x";
    lens[1] = 4;
    v[14] = "1800003600";
    lens[14] = 10;
    v[15] = "";
    lens[15] = 0;

    assert_int_equal(
        sg_session_parse_reply(reply_strings(16, v, lens, e), e, &b),
        SG_SESSION_OK);
    assert_int_equal(b.bulk_until, 1800003600);
    assert_int_equal(b.clone_until, 0);

    /* A damaged flag is a missing one; the record still reads. */
    v[14] = "x";
    lens[14] = 1;
    assert_int_equal(
        sg_session_parse_reply(reply_strings(16, v, lens, e), e, &b),
        SG_SESSION_OK);
    assert_int_equal(b.bulk_until, 0);

    /* 15 is no shape. */
    assert_int_equal(
        sg_session_parse_reply(reply_strings(15, v, lens, e), e, &b),
        SG_SESSION_BAD_REPLY);

    /* The flag mode's arguments. */
    memset(&a, 0, sizeof(a));
    a.mode = SG_SESSION_FLAG;
    a.volume.data = "bm";
    a.volume.len = 2;
    a.until = 1800003600;
    assert_int_equal(sg_session_argv(&a, nums, sizeof(nums), argv), 0);
    assert_memory_equal(argv[SG_SESSION_ARG_MODE].data, "5", 1);
    assert_int_equal(argv[SG_SESSION_ARG_VOLUME].len, 2);
    assert_int_equal(argv[SG_SESSION_ARG_UNTIL].len, 10);
    assert_memory_equal(argv[SG_SESSION_ARG_UNTIL].data, "1800003600", 10);
}


static void
device(const char *ua, sg_device_t *d)
{
    sg_device_input_t in;

    memset(&in, 0, sizeof(in));
    in.user_agent.data = ua;
    in.user_agent.len = strlen(ua);
    assert_int_equal(sg_device_parse(&in, d), 0);
}


static void
judge(uint32_t place, int64_t bulk_until, int64_t clone_until, int same,
      sg_judgement_t *j)
{
    sg_policy_t        p;
    sg_session_bound_t b;
    sg_observation_t   obs;
    sg_device_t        d1, d2;
    const char         ua1[] = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) "
                               "Gecko/20100101 Firefox/128.0";
    const char         ua2[] = "curl/8.5.0";

    sg_policy_init_defaults(&p);
    memset(&b, 0, sizeof(b));
    memset(&obs, 0, sizeof(obs));
    memset(&d1, 0, sizeof(d1));
    memset(&d2, 0, sizeof(d2));

    device(ua1, &d1);
    device(ua2, &d2);

    b.state = SG_SESSION_SEEN;
    assert_true(sg_device_encode(&d1, b.device, sizeof(b.device)) > 0);
    b.bulk_until = bulk_until;
    b.clone_until = clone_until;

    obs.device = same ? &d1 : &d2;
    obs.tls = "";
    obs.now = 1800000000;
    obs.window = SG_CONCURRENT_WINDOW;
    obs.place = place;

    sg_judge(&p, &b, &obs, j);
}


static void
test_judged(void **state)
{
    sg_judgement_t j;

    (void) state;

    /* Nothing standing. */
    judge(0, 0, 0, 1, &j);
    assert_int_equal(j.reasons, 0);
    assert_int_equal(j.verdict, SG_VERDICT_OK);

    /* A flag that lapsed stands no more. */
    judge(0, 1800000000, 1799999999, 1, &j);
    assert_int_equal(j.reasons, 0);

    /* The owner's device pulling a lot: a tag. */
    judge(0, 1800000001, 0, 1, &j);
    assert_int_equal(j.reasons, R(BULK_DOWNLOAD));
    assert_int_equal(j.score, 40);
    assert_int_equal(j.verdict, SG_VERDICT_TAG);

    /* Bytes and distinct objects are one behaviour: the stronger counts. */
    judge(0, 1800000001, 1800000001, 1, &j);
    assert_int_equal(j.reasons, R(BULK_DOWNLOAD) | R(MASS_CLONE));
    assert_int_equal(j.score, 60);
    assert_int_equal(j.verdict, SG_VERDICT_TAG);

    /* Behind an anonymiser: a block, even the weakest (vpn_ip, 40). */
    judge(R(VPN_IP), 1800000001, 0, 1, &j);
    assert_int_equal(j.score, 40 + 40 + SG_DEFAULT_EXFIL_BONUS);
    assert_int_equal(j.verdict, SG_VERDICT_BLOCK);

    /* From another device: a block. */
    judge(0, 1800000001, 0, 0, &j);
    assert_true(j.reasons & R(DEVICE_CHANGED));
    assert_true(j.score >= 80);
    assert_int_equal(j.verdict, SG_VERDICT_BLOCK);

    /* An anonymiser alone is a standing tag, without the bonus. */
    judge(R(VPN_IP), 0, 0, 1, &j);
    assert_int_equal(j.score, 40);
    assert_int_equal(j.verdict, SG_VERDICT_TAG);
}


static void
test_score_combination(void **state)
{
    sg_policy_t      p;
    sg_score_input_t x;

    (void) state;

    sg_policy_init_defaults(&p);
    memset(&x, 0, sizeof(x));

    /* A header-order change alone is not another machine. */
    x.device.significance = 20;
    assert_int_equal(
        sg_score_compute(&p, R(BULK_DOWNLOAD) | R(DEVICE_CHANGED), &x),
        40 + 10);

    x.device.significance = 100;
    assert_int_equal(
        sg_score_compute(&p, R(BULK_DOWNLOAD) | R(DEVICE_CHANGED), &x),
        40 + 50 + SG_DEFAULT_EXFIL_BONUS);

    /* A weight of 0 switches the combination off with the reason. */
    p.weight[SG_REASON_BULK_DOWNLOAD] = 0;
    assert_int_equal(sg_score_compute(&p, R(BULK_DOWNLOAD) | R(TOR_IP), NULL),
                     60);
    p.weight[SG_REASON_BULK_DOWNLOAD] = 40;
    p.weight[SG_REASON_TOR_IP] = 0;
    assert_int_equal(sg_score_compute(&p, R(BULK_DOWNLOAD) | R(TOR_IP), NULL),
                     40);

    p.exfil_bonus = SG_SCORE_MAX + 1;
    assert_int_equal(sg_policy_check(&p), -1);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_argv),
        cmocka_unit_test(test_reply),
        cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_flags_in_record),
        cmocka_unit_test(test_judged),
        cmocka_unit_test(test_score_combination),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
