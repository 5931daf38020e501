/*
 * The density counters' keys and replies (the script itself runs against a
 * real Redis in t/32-place-signals.t and t/15-security.t).
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "reply_strings.h"

#include "sg_density.h"

/* The replies as strings, the way hash fields come back; typed replies
 * (integers, nil) have a test of their own. */
static int
parse(size_t n, const char *const *v, const size_t *lens,
      sg_density_counts_t *ip, sg_density_counts_t *net)
{
    sg_reply_elt_t e[REPLY_STRINGS_MAX];

    return (int) sg_density_parse_reply(reply_strings(n, v, lens, e), e, ip,
                                        net);
}


static const sg_density_where_t home = {
    {"sg:", 3}, {"ip:192.0.2.7", 12}, {"net:192.0.2.0/24", 16}};


static void
test_keys(void **state)
{
    char                     buf[128];
    unsigned                 i;
    const sg_density_where_t tiny = {{"p", 1}, {"ip:x", 4}, {"net:y", 5}};

    (void) state;

    /* A day in four buckets of 6 h: at 1 800 000 000 the current bucket is
     * 83333, the oldest kept 83330; the address's sessions first, then its
     * users, then the network's sessions and users. */
    assert_int_equal(
        sg_density_key(buf, sizeof(buf), &home, 1800000000, 86400, 0),
        (int) strlen("sg:{net:192.0.2.0/24}:ip:192.0.2.7:s:83330"));
    assert_string_equal(buf, "sg:{net:192.0.2.0/24}:ip:192.0.2.7:s:83330");
    sg_density_key(buf, sizeof(buf), &home, 1800000000, 86400,
                   SG_DENSITY_BUCKETS - 1);
    assert_string_equal(buf, "sg:{net:192.0.2.0/24}:ip:192.0.2.7:s:83333");
    sg_density_key(buf, sizeof(buf), &home, 1800000000, 86400,
                   2 * SG_DENSITY_BUCKETS - 1);
    assert_string_equal(buf, "sg:{net:192.0.2.0/24}:ip:192.0.2.7:u:83333");
    sg_density_key(buf, sizeof(buf), &home, 1800000000, 86400,
                   2 * SG_DENSITY_BUCKETS);
    assert_string_equal(buf, "sg:{net:192.0.2.0/24}:s:83330");
    sg_density_key(buf, sizeof(buf), &home, 1800000000, 86400,
                   4 * SG_DENSITY_BUCKETS - 1);
    assert_string_equal(buf, "sg:{net:192.0.2.0/24}:u:83333");

    /* The probe's scratch shares the hash tag, so one script may use it. */
    sg_density_key(buf, sizeof(buf), &home, 1800000000, 86400,
                   SG_DENSITY_NKEYS - 1);
    assert_string_equal(buf, "sg:{net:192.0.2.0/24}:probe");

    /* Every key is in the network's slot. */
    for (i = 0; i < SG_DENSITY_NKEYS; i++) {
        assert_true(sg_density_key(buf, sizeof(buf), &tiny, 1, 60, i) > 0);
        assert_memory_equal(buf, "p{net:y}", 8);
    }

    assert_int_equal(
        sg_density_key(buf, sizeof(buf), &tiny, 1, 60, SG_DENSITY_NKEYS), -1);
    assert_int_equal(sg_density_key(buf, sizeof(buf), &tiny, -1, 60, 0), -1);
    assert_int_equal(sg_density_key(buf, 8, &home, 1, 60, 0), -1);
    assert_int_equal(sg_density_key(buf, 8, &home, 1, 60, SG_DENSITY_NKEYS - 1),
                     -1);

    assert_int_equal(sg_density_ttl(86400), 86400 + 21600);
    assert_int_equal(sg_density_ttl(2), 3);
}


static void
test_argv(void **state)
{
    sg_str_t argv[SG_DENSITY_NARGS];
    sg_str_t key = sg_string("0123abcd"), user = sg_string("alice");
    sg_str_t none = {NULL, 0};
    char     buf[24];

    (void) state;

    assert_int_equal(
        sg_density_argv(key, user, 86400, 1, buf, sizeof(buf), argv), 0);
    assert_memory_equal(argv[SG_DENSITY_ARG_SESSION].data, "0123abcd", 8);
    assert_memory_equal(argv[SG_DENSITY_ARG_USER].data, "alice", 5);
    assert_int_equal(argv[SG_DENSITY_ARG_TTL].len, 6);
    assert_memory_equal(argv[SG_DENSITY_ARG_TTL].data, "108000", 6);
    assert_memory_equal(argv[SG_DENSITY_ARG_PROBE].data, "1", 1);

    assert_int_equal(sg_density_argv(none, none, 60, 0, buf, sizeof(buf), argv),
                     0);
    assert_int_equal(argv[SG_DENSITY_ARG_SESSION].len, 0);
    assert_memory_equal(argv[SG_DENSITY_ARG_PROBE].data, "0", 1);

    assert_int_equal(sg_density_argv(key, user, 86400, 0, buf, 3, argv), -1);
}


static void
test_reply(void **state)
{
    sg_density_counts_t ip, net;
    const char         *v[] = {"5", "4", "4", "3", "9", "8", "8", "7"};
    size_t              lens[] = {1, 1, 1, 1, 1, 1, 1, 1};

    (void) state;

    assert_int_equal(parse(8, v, lens, &ip, &net), 0);
    assert_int_equal(ip.sessions, 5);
    assert_int_equal(ip.users, 4);
    assert_int_equal(ip.sessions_without, 4);
    assert_int_equal(ip.users_without, 3);
    assert_int_equal(net.sessions, 9);
    assert_int_equal(net.users, 8);
    assert_int_equal(net.sessions_without, 8);
    assert_int_equal(net.users_without, 7);

    /* The reply of one address alone, or one count too many. */
    assert_int_equal(parse(4, v, lens, &ip, &net), -1);
    assert_int_equal(parse(7, v, lens, &ip, &net), -1);
    v[7] = "-1";
    lens[7] = 2;
    assert_int_equal(parse(8, v, lens, &ip, &net), -1);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_argv),
        cmocka_unit_test(test_reply),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
