/*
 * Unit tests of reasons, scores and verdicts.  Expected numbers follow from
 * the weights documented in docs/device-and-scoring.md, worked out by hand.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/sg_score.h"


#define R(x) SG_REASON_BIT(SG_REASON_##x)

/* The public names, in the documented order. */
static const char *const names[] = {
    "tls_changed",     "device_changed",  "lang_changed",
    "asn_changed",     "country_changed", "impossible_travel",
    "hosting_ip",      "vpn_ip",          "proxy_ip",
    "tor_ip",          "farm_density",    "concurrent_use",
    "country_hopping", "denied_country",  "denied_asn",
    "bulk_download",   "mass_clone",      "tls_missing",
    "binding_expired", "client_mismatch",
};

/* The documented default weights, in the same order. */
static const uint32_t weights[] = {
    40, 50, 15, 10,  25,  60, 40, 40, 40, 60,
    50, 60, 40, 100, 100, 40, 60, 40, 40, 60,
};


static void
test_names(void **state)
{
    size_t i;

    (void) state;

    assert_int_equal(sizeof(names) / sizeof(names[0]), SG_REASON_COUNT);

    for (i = 0; i < SG_REASON_COUNT; i++) {
        assert_string_equal(sg_reason_name((sg_reason_e) i), names[i]);
        assert_int_equal(sg_reason_from_name(names[i], strlen(names[i])),
                         (int) i);
    }

    assert_null(sg_reason_name(SG_REASON_COUNT));
    assert_null(sg_reason_name((sg_reason_e) -1));

    assert_int_equal(sg_reason_from_name("tls", 3), -1);
    assert_int_equal(sg_reason_from_name("TLS_CHANGED", 11), -1);
    assert_int_equal(sg_reason_from_name("tls_changed ", 12), -1);
    assert_int_equal(sg_reason_from_name("tls_changedx", 12), -1);
    assert_int_equal(sg_reason_from_name("", 0), -1);
    assert_int_equal(sg_reason_from_name(NULL, 0), -1);
    /* a prefix of the buffer is what counts, not the NUL */
    assert_int_equal(sg_reason_from_name("vpn_ip,tor_ip", 6), SG_REASON_VPN_IP);
}


static void
test_format(void **state)
{
    static const char all[] =
        "tls_changed,device_changed,lang_changed,asn_changed,country_changed,"
        "impossible_travel,hosting_ip,vpn_ip,proxy_ip,tor_ip,farm_density,"
        "concurrent_use,country_hopping,denied_country,denied_asn,"
        "bulk_download,mass_clone,tls_missing,binding_expired,"
        "client_mismatch";
    char buf[sizeof(all)];

    (void) state;

    assert_int_equal(sg_reasons_format(0, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "");
    assert_int_equal(sg_reasons_format(0, buf, 1), 0);

    assert_int_equal(sg_reasons_format(R(TOR_IP), buf, sizeof(buf)), 6);
    assert_string_equal(buf, "tor_ip");

    /* enum order, whatever order the bits were set in */
    assert_int_equal(
        sg_reasons_format(R(MASS_CLONE) | R(TLS_CHANGED) | R(DEVICE_CHANGED),
                          buf, sizeof(buf)),
        (int) strlen("tls_changed,device_changed,mass_clone"));
    assert_string_equal(buf, "tls_changed,device_changed,mass_clone");

    assert_int_equal(sg_reasons_format(SG_REASONS_ALL, buf, sizeof(buf)),
                     (int) sizeof(all) - 1);
    assert_string_equal(buf, all);

    /* bits without a reason are not reasons */
    assert_int_equal(sg_reasons_format(0xffffffffu, buf, sizeof(buf)),
                     (int) sizeof(all) - 1);
    assert_string_equal(buf, all);
    assert_int_equal(sg_reasons_format(0x80000000u, buf, sizeof(buf)), 0);

    /* one byte short for the NUL */
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(sg_reasons_format(SG_REASONS_ALL, buf, sizeof(buf) - 1),
                     -1);
    assert_string_equal(buf, "");

    /* "vpn_ip" fits in 7, the comma and "tor_ip" do not */
    assert_int_equal(sg_reasons_format(R(VPN_IP), buf, 7), 6);
    assert_int_equal(sg_reasons_format(R(VPN_IP) | R(TOR_IP), buf, 7), -1);
    assert_int_equal(sg_reasons_format(R(VPN_IP) | R(TOR_IP), buf, 13), -1);
    assert_int_equal(sg_reasons_format(R(VPN_IP) | R(TOR_IP), buf, 14), 13);
    assert_string_equal(buf, "vpn_ip,tor_ip");

    assert_int_equal(sg_reasons_format(R(TOR_IP), buf, 0), -1);
    assert_int_equal(sg_reasons_format(R(TOR_IP), NULL, 10), -1);
}


static void
test_defaults(void **state)
{
    sg_policy_t p;
    size_t      i;

    (void) state;

    memset(&p, 0xff, sizeof(p));
    sg_policy_init_defaults(&p);

    for (i = 0; i < SG_REASON_COUNT; i++) {
        if (p.weight[i] != weights[i]) {
            fail_msg("%s: weight %u, documented %u", names[i], p.weight[i],
                     weights[i]);
        }
    }

    assert_int_equal(p.tls_device_bonus, 20);
    assert_int_equal(p.tag, 40);
    assert_int_equal(p.block, 80);
    assert_int_equal(sg_policy_check(&p), 0);

    p.weight[SG_REASON_VPN_IP] = SG_SCORE_MAX;
    assert_int_equal(sg_policy_check(&p), 0);
    p.weight[SG_REASON_VPN_IP] = SG_SCORE_MAX + 1;
    assert_int_equal(sg_policy_check(&p), -1);

    sg_policy_init_defaults(&p);
    p.tag = SG_THRESHOLD_OFF;
    p.block = SG_THRESHOLD_OFF;
    assert_int_equal(sg_policy_check(&p), 0);
    p.block = SG_SCORE_MAX + 1;
    assert_int_equal(sg_policy_check(&p), -1);
    p.block = 80;
    p.tag = SG_SCORE_MAX + 1;
    assert_int_equal(sg_policy_check(&p), -1);
    p.tag = 40;
    p.tls_device_bonus = SG_SCORE_MAX + 1;
    assert_int_equal(sg_policy_check(&p), -1);
    assert_int_equal(sg_policy_check(NULL), -1);
}


static int
score(uint32_t reasons, uint32_t changed, uint32_t sig, int first)
{
    sg_policy_t      p;
    sg_score_input_t in;

    sg_policy_init_defaults(&p);
    memset(&in, 0, sizeof(in));
    in.device.changed = changed;
    in.device.significance = sig;
    in.first_sight = first;

    return sg_score_compute(&p, reasons, &in);
}


static void
test_compute(void **state)
{
    sg_policy_t p;
    uint32_t    sum = 0;
    size_t      i;

    (void) state;

    sg_policy_init_defaults(&p);

    assert_int_equal(sg_score_compute(&p, 0, NULL), 0);
    assert_int_equal(sg_score_compute(&p, R(TLS_CHANGED), NULL), 40);
    assert_int_equal(sg_score_compute(&p, R(DEVICE_CHANGED), NULL), 50);
    assert_int_equal(sg_score_compute(NULL, R(TOR_IP), NULL), -1);

    /* device_changed scaled: 50 * 90% = 45; 50 * 25% = 12.5, rounds up */
    assert_int_equal(score(R(DEVICE_CHANGED), SG_DEV_CHG_OS, 90, 0), 45);
    assert_int_equal(score(R(DEVICE_CHANGED), SG_DEV_CHG_ORDER, 25, 0), 13);
    assert_int_equal(score(R(DEVICE_CHANGED), SG_DEV_CHG_OS, 250, 0), 50);

    /*
     * Graded: Firefox on Linux with a new TLS stack, where Chrome on
     * Windows was bound: 40 + 50 + bonus 20 = 110.  The same device change
     * with the TLS stack unchanged is 50, and a new TLS stack with only a
     * header-order change is 40 + 10 + 4 = 54.
     */
    assert_int_equal(score(R(TLS_CHANGED) | R(DEVICE_CHANGED),
                           SG_DEV_CHG_FAMILY | SG_DEV_CHG_OS, 100, 0),
                     110);
    assert_int_equal(
        score(R(DEVICE_CHANGED), SG_DEV_CHG_FAMILY | SG_DEV_CHG_OS, 100, 0),
        50);
    assert_int_equal(
        score(R(TLS_CHANGED) | R(DEVICE_CHANGED), SG_DEV_CHG_ORDER, 20, 0), 54);

    /* A hello that could not be fingerprinted weighs as a changed one, and
     * with a device change earns the same bonus: hiding it must not pay. */
    assert_int_equal(score(R(TLS_MISSING), 0, 0, 0), 40);
    assert_int_equal(score(R(TLS_MISSING) | R(DEVICE_CHANGED),
                           SG_DEV_CHG_FAMILY | SG_DEV_CHG_OS, 100, 0),
                     110);
    /* It compares with the binding, so a first sight ignores it; an
     * expired binding is not relative to anything and always counts. */
    assert_int_equal(score(R(TLS_MISSING), 0, 0, 1), 0);
    assert_int_equal(score(R(BINDING_EXPIRED), 0, 0, 1), 40);

    /* Chrome 124 -> 125 with a new ClientHello: 40 halved. */
    assert_int_equal(score(R(TLS_CHANGED), SG_DEV_CHG_MAJOR_UP_SMALL, 0, 0),
                     20);
    /* ...but not when the version went down. */
    assert_int_equal(score(R(TLS_CHANGED), SG_DEV_CHG_MAJOR_DOWN, 60, 0), 40);

    /* Wi-Fi to a carrier abroad: ASN and country, 10 + 25, below tag: a
     * trip with the same device is not an alert by itself. */
    assert_int_equal(score(R(ASN_CHANGED) | R(COUNTRY_CHANGED), 0, 0, 0), 35);

    /* First sight: nothing to have changed from; the place still counts. */
    assert_int_equal(score(R(TLS_CHANGED) | R(DEVICE_CHANGED) |
                               R(CONCURRENT_USE) | R(DENIED_COUNTRY),
                           SG_DEV_CHG_FAMILY, 100, 1),
                     100);
    assert_int_equal(score(R(HOSTING_IP) | R(FARM_DENSITY), 0, 0, 1), 90);

    /* Everything at once: the documented weights plus the bonus. */
    for (i = 0; i < SG_REASON_COUNT; i++) {
        sum += weights[i];
    }

    assert_int_equal(sum, 970);
    assert_int_equal(sg_score_compute(&p, SG_REASONS_ALL, NULL), 990);
    assert_int_equal(sg_score_compute(&p, 0xffffffffu, NULL), 990);

    /* The cap. */
    for (i = 0; i < SG_REASON_COUNT; i++) {
        p.weight[i] = SG_SCORE_MAX;
    }

    assert_int_equal(sg_score_compute(&p, SG_REASONS_ALL, NULL), SG_SCORE_MAX);
    assert_int_equal(sg_score_compute(&p, R(TOR_IP), NULL), SG_SCORE_MAX);
}


static void
test_verdicts(void **state)
{
    sg_policy_t p;

    (void) state;

    sg_policy_init_defaults(&p);

    assert_int_equal(sg_verdict_for(&p, 0, 0), SG_VERDICT_OK);
    assert_int_equal(sg_verdict_for(&p, 39, 0), SG_VERDICT_OK);
    assert_int_equal(sg_verdict_for(&p, 40, 0), SG_VERDICT_TAG);
    assert_int_equal(sg_verdict_for(&p, 79, 0), SG_VERDICT_TAG);
    assert_int_equal(sg_verdict_for(&p, 80, 0), SG_VERDICT_BLOCK);
    assert_int_equal(sg_verdict_for(&p, SG_SCORE_MAX, 0), SG_VERDICT_BLOCK);

    /* A first sight is new below the tag threshold, and judged on what
     * the address and the client show from it: a session born on a VPN
     * (40) is tagged at once. */
    assert_int_equal(sg_verdict_for(&p, 0, 1), SG_VERDICT_NEW);
    assert_int_equal(sg_verdict_for(&p, 39, 1), SG_VERDICT_NEW);
    assert_int_equal(sg_verdict_for(&p, 40, 1), SG_VERDICT_TAG);
    assert_int_equal(sg_verdict_for(&p, 79, 1), SG_VERDICT_TAG);
    assert_int_equal(sg_verdict_for(&p, 80, 1), SG_VERDICT_BLOCK);

    assert_int_equal(sg_verdict_for(&p, -1, 0), SG_VERDICT_ERROR);
    assert_int_equal(sg_verdict_for(NULL, 10, 0), SG_VERDICT_ERROR);

    /* monitor only: block=off never blocks, however high the score */
    p.block = SG_THRESHOLD_OFF;
    assert_int_equal(sg_verdict_for(&p, SG_SCORE_MAX, 0), SG_VERDICT_TAG);
    assert_int_equal(sg_verdict_for(&p, SG_SCORE_MAX, 1), SG_VERDICT_TAG);
    assert_int_equal(sg_verdict_for(&p, 39, 0), SG_VERDICT_OK);

    p.tag = SG_THRESHOLD_OFF;
    assert_int_equal(sg_verdict_for(&p, SG_SCORE_MAX, 0), SG_VERDICT_OK);

    /* blocking without tagging */
    p.block = 80;
    assert_int_equal(sg_verdict_for(&p, 79, 0), SG_VERDICT_OK);
    assert_int_equal(sg_verdict_for(&p, 80, 0), SG_VERDICT_BLOCK);

    /* a denied country seen with a brand-new session is blocked */
    sg_policy_init_defaults(&p);
    assert_int_equal(
        sg_verdict_for(&p, sg_score_compute(&p, R(DENIED_COUNTRY), NULL), 1),
        SG_VERDICT_BLOCK);

    assert_string_equal(sg_verdict_name(SG_VERDICT_NONE), "none");
    assert_string_equal(sg_verdict_name(SG_VERDICT_NEW), "new");
    assert_string_equal(sg_verdict_name(SG_VERDICT_OK), "ok");
    assert_string_equal(sg_verdict_name(SG_VERDICT_TAG), "tag");
    assert_string_equal(sg_verdict_name(SG_VERDICT_BLOCK), "block");
    assert_string_equal(sg_verdict_name(SG_VERDICT_ERROR), "error");
    assert_null(sg_verdict_name(SG_VERDICT_COUNT));
}


/* From two requests' headers to a verdict, as the glue will do it. */
static void
test_end_to_end(void **state)
{
    static const char chrome_win[] =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
        "like Gecko) Chrome/124.0.0.0 Safari/537.36";
    static const char chrome_win_125[] =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
        "like Gecko) Chrome/125.0.0.0 Safari/537.36";
    static const char firefox_linux[] =
        "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 "
        "Firefox/125.0";
    sg_device_input_t in;
    sg_device_t       bound, seen;
    sg_score_input_t  extra;
    sg_policy_t       p;
    int               s;

    (void) state;

    sg_policy_init_defaults(&p);
    memset(&in, 0, sizeof(in));
    in.user_agent = (sg_str_t){chrome_win, sizeof(chrome_win) - 1};
    in.accept_encoding = (sg_str_t) sg_string("gzip, deflate, br, zstd");
    sg_device_parse(&in, &bound);

    /* The stolen cookie in Firefox on Linux, new TLS stack: block. */
    in.user_agent = (sg_str_t){firefox_linux, sizeof(firefox_linux) - 1};
    in.accept_encoding = (sg_str_t) sg_string("gzip, deflate, br");
    sg_device_parse(&in, &seen);
    memset(&extra, 0, sizeof(extra));
    extra.device = sg_device_compare(&bound, &seen);
    s = sg_score_compute(&p, R(TLS_CHANGED) | R(DEVICE_CHANGED), &extra);
    assert_int_equal(s, 110);
    assert_int_equal(sg_verdict_for(&p, s, 0), SG_VERDICT_BLOCK);

    /* The owner's Chrome updated itself overnight: ok. */
    in.user_agent = (sg_str_t){chrome_win_125, sizeof(chrome_win_125) - 1};
    in.accept_encoding = (sg_str_t) sg_string("gzip, deflate, br, zstd");
    sg_device_parse(&in, &seen);
    extra.device = sg_device_compare(&bound, &seen);
    assert_int_equal(extra.device.significance, 0);
    s = sg_score_compute(&p, R(TLS_CHANGED), &extra);
    assert_int_equal(s, 20);
    assert_int_equal(sg_verdict_for(&p, s, 0), SG_VERDICT_OK);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),    cmocka_unit_test(test_format),
        cmocka_unit_test(test_defaults), cmocka_unit_test(test_compute),
        cmocka_unit_test(test_verdicts), cmocka_unit_test(test_end_to_end),
    };

    return cmocka_run_group_tests_name("sg_score", tests, NULL, NULL);
}
