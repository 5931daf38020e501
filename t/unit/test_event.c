/*
 * Events and the dashboard's requests: the cleaned fields, the evidence,
 * the keys and arguments of src/lua/event.lua, index.lua and
 * dashboard.lua, checked against the scripts' headers; the parameters
 * the dashboard refuses.  The scripts themselves run against a real Redis
 * in t/60-events.t and t/61-dashboard.t.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sg_dashboard.h"
#include "sg_device.h"
#include "sg_event.h"
#include "sg_score.h"

#define R(x) SG_REASON_BIT(SG_REASON_##x)


static void
test_clean(void **state)
{
    char   out[8], big[SG_EVENT_UA_MAX + 1];
    char   in[300];
    size_t n;

    (void) state;

    n = sg_event_clean("ab\x01\xc3\xa9z", 6, out, sizeof(out));
    assert_int_equal(n, 6);
    assert_string_equal(out, "ab???z");

    /* cut at cap - 1, NUL-terminated */
    n = sg_event_clean("0123456789", 10, out, sizeof(out));
    assert_int_equal(n, 7);
    assert_string_equal(out, "0123456");

    memset(in, 'x', sizeof(in));
    n = sg_event_clean(in, sizeof(in), big, sizeof(big));
    assert_int_equal(n, SG_EVENT_UA_MAX);

    n = sg_event_path("/a/b?token=secret#x", 19, out, sizeof(out));
    assert_string_equal(out, "/a/b");
    assert_int_equal(n, 4);
    n = sg_event_path("/p#frag", 7, out, sizeof(out));
    assert_string_equal(out, "/p");
    assert_int_equal(sg_event_clean("x", 1, out, 0), 0);
}


static void
test_evidence(void **state)
{
    char                buf[SG_EVENT_EVIDENCE_MAX], small[20];
    sg_place_t          bound, last, where;
    sg_place_policy_t   travel;
    sg_density_counts_t ip = {7, 5, 6, 4}, net = {12, 9, 11, 8};
    sg_event_evidence_t in;
    int                 n;

    (void) state;

    memset(&bound, 0, sizeof(bound));
    memcpy(bound.country, "US", 3);
    bound.asn = 64496;
    bound.have_location = 1;
    bound.time = 1000000;
    last = bound;

    /* 10 degrees along the equator is 1111.95 km; in one hour. */
    memset(&where, 0, sizeof(where));
    memcpy(where.country, "JP", 3);
    where.asn = 65536;
    where.lon = 10.0;
    where.have_location = 1;
    where.time = 1000000 + 3600;

    sg_place_policy_init_defaults(&travel);

    memset(&in, 0, sizeof(in));
    in.reasons = R(TLS_CHANGED) | R(DEVICE_CHANGED) | R(COUNTRY_CHANGED) |
                 R(ASN_CHANGED) | R(IMPOSSIBLE_TRAVEL) | R(FARM_DENSITY);
    in.device_changed = SG_DEV_CHG_FAMILY | SG_DEV_CHG_OS;
    in.bound_place = &bound;
    in.last_place = &last;
    in.where = &where;
    in.travel = &travel;
    in.ip_counts = &ip;
    in.net_counts = &net;

    n = sg_event_evidence(&in, buf, sizeof(buf));
    assert_int_equal(n, (int) strlen(buf));
    assert_string_equal(buf,
                        "tls_changed: another TLS stack than the binding's; "
                        "device_changed: family,os; "
                        "country_changed: US->JP; "
                        "asn_changed: AS64496->AS65536; "
                        "impossible_travel: US->JP at 1112 km/h; "
                        "farm_density: address 5 users 7 sessions, "
                        "network 9 users 12 sessions");

    /* a reason without what it needs has no detail */
    in.where = NULL;
    in.ip_counts = NULL;
    n = sg_event_evidence(&in, buf, sizeof(buf));
    assert_string_equal(buf, "tls_changed: another TLS stack than the "
                             "binding's; device_changed: family,os");
    assert_int_equal(n, (int) strlen(buf));

    in.reasons = 0;
    assert_int_equal(sg_event_evidence(&in, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "");

    /* too small: "" and -1 */
    in.reasons = R(TLS_CHANGED);
    assert_int_equal(sg_event_evidence(&in, small, sizeof(small)), -1);
    assert_string_equal(small, "");
}


static sg_event_t
sample_event(void)
{
    sg_event_t e;

    memset(&e, 0, sizeof(e));
    e.kind = SG_EVENT_ALERT;
    e.now_ms = 1800000123456LL;
    e.sid = (sg_str_t) sg_string("0123456789abcdef");
    e.user = (sg_str_t) sg_string("alice");
    e.verdict = (sg_str_t) sg_string("tag");
    e.score = 110;
    e.reasons = (sg_str_t) sg_string("tls_changed");
    e.ip = (sg_str_t) sg_string("203.0.113.200");
    e.net = (sg_str_t) sg_string("203.0.113.0/24");
    e.asn = 65536;
    e.ja4 = (sg_str_t) sg_string("t13d1516h2_8daaf6152771_e5627efa2ab1");

    return e;
}


/* The "-- KEYS n name" and "-- ARGV n name" lines of a script's header. */
static int
header_names(const char *script, const char *tag, char names[][24], int max)
{
    const char *p = script;
    char        t[8], name[24];
    int         i, n = 0;

    while ((p = strstr(p, "\n-- ")) != NULL) {
        p += 4;
        if (sscanf(p, "%7s %d %23s", t, &i, name) == 3 && strcmp(t, tag) == 0 &&
            i == n + 1 && n < max) {
            strcpy(names[n++], name);
        }
    }

    return n;
}


static void
test_event_script(void **state)
{
    static const char *keys[SG_EVENT_NKEYS] = {
        "sg:{ev}:log",
        "sg:{ev}:at",
        "sg:{ev}:as",
        "sg:{ev}:c:20833",
        "sg:{ev}:s:0123456789abcdef",
        "sg:{ev}:b:0123456789abcdef",
        "sg:{ev}:u:alice",
    };
    static const char *key_names[SG_EVENT_NKEYS] = {
        "log", "at", "as", "counts", "session", "binding", "user",
    };
    static const char *arg_names[SG_EVENT_ARG_FIXED + 1] = {
        "kind", "maxlen",  "smaxlen", "ttl",
        "slot", "channel", "track",   "fields",
    };
    char              names[16][24], kbuf[SG_EVENT_KEYS_SIZE], chan[64];
    char              nums[SG_EVENT_ARGV_NUMS];
    sg_str_t          k[SG_EVENT_NKEYS], argv[SG_EVENT_NARGS], channel;
    sg_event_policy_t p = {1000, 64, 86400};
    sg_event_t        e = sample_event();
    int               i, n;

    (void) state;

    n = header_names(sg_event_script, "KEYS", names, 16);
    assert_int_equal(n, SG_EVENT_NKEYS);
    for (i = 0; i < n; i++) {
        assert_string_equal(names[i], key_names[i]);
    }

    n = header_names(sg_event_script, "ARGV", names, 16);
    assert_int_equal(n, SG_EVENT_ARG_FIXED + 1);
    for (i = 0; i < n; i++) {
        assert_string_equal(names[i], arg_names[i]);
    }

    assert_int_equal(sg_event_keys(kbuf, sizeof(kbuf), "sg:", 3, &e, k), 0);
    for (i = 0; i < SG_EVENT_NKEYS; i++) {
        assert_int_equal(k[i].len, strlen(keys[i]));
        assert_memory_equal(k[i].data, keys[i], k[i].len);
    }

    /* no user: a key of its own nobody writes; no session: refused */
    e.user.len = 0;
    assert_int_equal(sg_event_keys(kbuf, sizeof(kbuf), "sg:", 3, &e, k), 0);
    assert_memory_equal(k[SG_EVENT_KEY_USER].data, "sg:{ev}:u:-", 11);
    e.user = (sg_str_t) sg_string("alice");
    assert_int_equal(sg_event_keys(kbuf, 40, "sg:", 3, &e, k), -1);
    e.sid.len = 0;
    assert_int_equal(sg_event_keys(kbuf, sizeof(kbuf), "sg:", 3, &e, k), -1);
    e.sid.len = 16;

    n = sg_event_channel(chan, sizeof(chan), "sg:", 3);
    assert_string_equal(chan, "sg:{ev}:live");
    channel.data = chan;
    channel.len = (size_t) n;

    assert_int_equal(sg_event_argv(&e, &p, channel, nums, sizeof(nums), argv),
                     0);
    assert_memory_equal(argv[0].data, "alert", 5);
    assert_memory_equal(argv[1].data, "1000", 4);
    assert_memory_equal(argv[2].data, "64", 2);
    assert_memory_equal(argv[3].data, "86400", 5);
    /* 1800000123 s is 08:02:03 UTC of day 20833: slot 48 */
    assert_int_equal(argv[4].len, 2);
    assert_memory_equal(argv[4].data, "48", 2);
    assert_int_equal(argv[5].len, 12);
    assert_memory_equal(argv[6].data, "0", 1);
    e.track = 1;
    assert_int_equal(sg_event_argv(&e, &p, channel, nums, sizeof(nums), argv),
                     0);
    assert_memory_equal(argv[6].data, "1", 1);

    for (i = 0; i < SG_EVENT_NFIELDS; i++) {
        assert_string_equal(argv[SG_EVENT_ARG_FIXED + 2 * i].data,
                            sg_event_field_names[i]);
    }

    assert_memory_equal(argv[SG_EVENT_ARG_FIXED + 1].data, "1800000123", 10);
    assert_memory_equal(argv[SG_EVENT_ARG_FIXED + 2 * 12 + 1].data, "65536", 5);
    assert_int_equal(argv[SG_EVENT_ARG_FIXED + 2 * 20 + 1].len, 13);

    /* too little room for the numbers */
    assert_int_equal(sg_event_argv(&e, &p, channel, nums, 10, argv), -1);
    e.kind = SG_EVENT_KIND_COUNT;
    assert_int_equal(sg_event_argv(&e, &p, channel, nums, sizeof(nums), argv),
                     -1);
    assert_null(sg_event_kind_name(SG_EVENT_KIND_COUNT));
    assert_string_equal(sg_event_kind_name(SG_EVENT_REVOKE), "revoke");
}


static void
test_index(void **state)
{
    char              names[8][24], kbuf[640], buf[256];
    sg_str_t          k[4], a[SG_INDEX_NARGS_MAX];
    sg_event_policy_t p = {1000, 64, 86400};
    sg_event_t        e = sample_event();

    (void) state;

    assert_int_equal(header_names(sg_index_script, "ARGV", names, 8), 4);
    assert_string_equal(names[0], "who");
    assert_string_equal(names[3], "member");

    assert_int_equal(
        sg_index_keys(kbuf, sizeof(kbuf), "sg:", 3, SG_INDEX_FARM, &e, k), 2);
    assert_memory_equal(k[0].data, "sg:{farm}:ip", k[0].len);
    assert_memory_equal(k[1].data, "sg:{farm}:u:203.0.113.200", k[1].len);
    assert_memory_equal(k[2].data, "sg:{farm}:net", k[2].len);
    assert_memory_equal(k[3].data, "sg:{farm}:u:203.0.113.0/24", k[3].len);
    assert_int_equal(sg_index_argv(&e, SG_INDEX_FARM, &p, buf, sizeof(buf), a),
                     5);
    assert_memory_equal(a[0].data, "alice", 5);
    assert_memory_equal(a[4].data, "203.0.113.0/24", a[4].len);

    assert_int_equal(
        sg_index_keys(kbuf, sizeof(kbuf), "sg:", 3, SG_INDEX_TLS, &e, k), 1);
    assert_memory_equal(
        k[1].data, "sg:{tls}:u:t13d1516h2_8daaf6152771_e5627efa2ab1", k[1].len);

    /* no user: the session counts */
    e.user.len = 0;
    assert_int_equal(sg_index_argv(&e, SG_INDEX_TLS, &p, buf, sizeof(buf), a),
                     4);
    assert_int_equal(a[0].len, 18);
    assert_memory_equal(a[0].data, "s:0123456789abcdef", 18);

    /* nothing to index */
    e.ja4.len = 0;
    assert_int_equal(
        sg_index_keys(kbuf, sizeof(kbuf), "sg:", 3, SG_INDEX_TLS, &e, k), 0);
    e.net.len = 0;
    assert_int_equal(
        sg_index_keys(kbuf, sizeof(kbuf), "sg:", 3, SG_INDEX_FARM, &e, k), 1);
}


static sg_dash_query_t
no_query(void)
{
    sg_dash_query_t q;

    memset(&q, 0, sizeof(q));

    return q;
}


static void
test_dashboard(void **state)
{
    char            names[16][24], buf[SG_DASH_BUF_SIZE];
    const char     *bad;
    sg_str_t        k[SG_DASH_NKEYS_MAX], a[SG_DASH_NARGS];
    sg_dash_query_t q = no_query();
    int             i, n;

    (void) state;

    assert_int_equal(header_names(sg_dashboard_script, "ARGV", names, 16),
                     SG_DASH_NARGS);
    for (i = 0; i < SG_DASH_NPARAMS - 3; i++) {
        /* verdict, reason, user, ip, country: ARGV 7..11 */
        if (i < 5) {
            assert_string_equal(names[6 + i], sg_dash_param_names[i]);
        }
    }

    assert_int_equal(sg_dash_route("", 0), SG_DASH_PAGE);
    assert_int_equal(sg_dash_route("/", 1), SG_DASH_PAGE);
    assert_int_equal(sg_dash_route("api/alerts", 10), SG_DASH_ALERTS);
    assert_int_equal(sg_dash_route("/api/tls", 8), SG_DASH_TLS);
    assert_int_equal(sg_dash_route("api/alerts/", 11), SG_DASH_NOT_FOUND);
    assert_int_equal(sg_dash_route("index.html", 10), SG_DASH_NOT_FOUND);

    assert_int_equal(sg_dash_check(SG_DASH_ALERTS, &q, &bad), 0);

#define BAD(route, field, value, name)                        \
    do {                                                      \
        q = no_query();                                       \
        q.field = (sg_str_t) sg_string(value);                \
        assert_int_equal(sg_dash_check(route, &q, &bad), -1); \
        assert_string_equal(bad, name);                       \
    } while (0)
#define GOOD(route, field, value)                            \
    do {                                                     \
        q = no_query();                                      \
        q.field = (sg_str_t) sg_string(value);               \
        assert_int_equal(sg_dash_check(route, &q, &bad), 0); \
    } while (0)

    BAD(SG_DASH_ALERTS, verdict, "maybe", "verdict");
    GOOD(SG_DASH_ALERTS, verdict, "block");
    BAD(SG_DASH_ALERTS, reason, "tls_changed,x", "reason");
    GOOD(SG_DASH_ALERTS, reason, "impossible_travel");
    GOOD(SG_DASH_ALERTS, reason, "revoked");
    BAD(SG_DASH_ALERTS, ip, "1.2.3.4'", "ip");
    GOOD(SG_DASH_ALERTS, ip, "2001:db8::1");
    BAD(SG_DASH_ALERTS, country, "jp", "country");
    BAD(SG_DASH_ALERTS, country, "JPN", "country");
    GOOD(SG_DASH_ALERTS, country, "JP");
    BAD(SG_DASH_ALERTS, cursor, "12a", "cursor");
    BAD(SG_DASH_ALERTS, sort, "user", "sort");
    BAD(SG_DASH_ALERTS, limit, "0", "limit");
    BAD(SG_DASH_ALERTS, limit, "201", "limit");
    GOOD(SG_DASH_ALERTS, limit, "200");
    BAD(SG_DASH_ALERTS, user, "a b", "user");
    BAD(SG_DASH_SESSION, sid, "0123456789ABCDEF", "sid");
    BAD(SG_DASH_SESSION, sid, "0123456789abcde", "sid");
    GOOD(SG_DASH_SESSION, sid, "0123456789abcdef");
    BAD(SG_DASH_USER, user, "", "user");
    GOOD(SG_DASH_USER, user, "alice%40example.com");

    /* summary: today and the seven days before, and the slot */
    q = no_query();
    n = sg_dash_argv(SG_DASH_SUMMARY, &q, "sg:", 3, 1800000123, buf,
                     sizeof(buf), k, a);
    assert_int_equal(n, SG_DASH_DAYS);
    assert_memory_equal(k[0].data, "sg:{ev}:c:20833", k[0].len);
    assert_memory_equal(k[7].data, "sg:{ev}:c:20826", k[7].len);
    assert_memory_equal(a[0].data, "summary", 7);
    assert_memory_equal(a[11].data, "48", 2);
    assert_memory_equal(a[4].data, "50", 2);

    q.sid = (sg_str_t) sg_string("0123456789abcdef");
    n = sg_dash_argv(SG_DASH_SESSION, &q, "sg:", 3, 1800000123, buf,
                     sizeof(buf), k, a);
    assert_int_equal(n, 3);
    assert_memory_equal(k[0].data, "sg:{ev}:s:0123456789abcdef", k[0].len);
    assert_memory_equal(k[1].data, "sg:{ev}:b:0123456789abcdef", k[1].len);
    assert_memory_equal(k[2].data, "sg:{ev}:log", k[2].len);

    assert_int_equal(
        sg_dash_argv(SG_DASH_PAGE, &q, "sg:", 3, 1, buf, sizeof(buf), k, a),
        -1);
    assert_int_equal(
        sg_dash_argv(SG_DASH_SUMMARY, &q, "sg:", 3, 1, buf, 30, k, a), -1);

    /* the page: no external asset, a charset */
    assert_non_null(strstr(sg_dashboard_page, "charset=\"utf-8\""));
    assert_null(strstr(sg_dashboard_page, "src=\"http"));
    assert_null(strstr(sg_dashboard_page, "href=\"http"));
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),        cmocka_unit_test(test_evidence),
        cmocka_unit_test(test_event_script), cmocka_unit_test(test_index),
        cmocka_unit_test(test_dashboard),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
