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

    /* One set for the address, one for its network. */
    assert_int_equal(sg_density_key(buf, sizeof(buf), &home, 0),
                     (int) strlen("sg:{net:192.0.2.0/24}:ip:192.0.2.7:d"));
    assert_string_equal(buf, "sg:{net:192.0.2.0/24}:ip:192.0.2.7:d");
    assert_int_equal(sg_density_key(buf, sizeof(buf), &home, 1),
                     (int) strlen("sg:{net:192.0.2.0/24}:d"));
    assert_string_equal(buf, "sg:{net:192.0.2.0/24}:d");

    /* Both are in the network's slot, so one script may count both. */
    for (i = 0; i < SG_DENSITY_NKEYS; i++) {
        assert_true(sg_density_key(buf, sizeof(buf), &tiny, i) > 0);
        assert_memory_equal(buf, "p{net:y}", 8);
    }

    assert_int_equal(sg_density_key(buf, sizeof(buf), &tiny, SG_DENSITY_NKEYS),
                     -1);
    /* a buffer too short for the key and its NUL, by one byte */
    assert_int_equal(sg_density_key(buf, strlen("p{net:y}:d"), &tiny, 1), -1);
    assert_int_equal(sg_density_key(buf, strlen("p{net:y}:d") + 1, &tiny, 1),
                     (int) strlen("p{net:y}:d"));
    assert_int_equal(sg_density_key(buf, 8, &home, 0), -1);
    assert_int_equal(sg_density_key(buf, 0, &home, 0), -1);

    /* A full set is still past a threshold the directive takes, whichever
     * kinds fill it: one of its sessions and users is at least half of it,
     * and half is more than the network's highest threshold. */
    assert_true(SG_DENSITY_CAP / 2 >
                SG_DENSITY_NET_FACTOR * SG_DENSITY_THRESHOLD_MAX);
}


static void
test_argv(void **state)
{
    sg_str_t argv[SG_DENSITY_NARGS];
    sg_str_t key = sg_string("0123abcd"), user = sg_string("alice");
    sg_str_t none = {NULL, 0};
    char     buf[SG_DENSITY_ARGV_NUMS];

    (void) state;

    assert_int_equal(sg_density_argv(key, user, 1800000000, 86400, 1, buf,
                                     sizeof(buf), argv),
                     0);
    assert_memory_equal(argv[SG_DENSITY_ARG_SESSION].data, "0123abcd", 8);
    assert_memory_equal(argv[SG_DENSITY_ARG_USER].data, "alice", 5);
    assert_int_equal(argv[SG_DENSITY_ARG_NOW].len, 10);
    assert_memory_equal(argv[SG_DENSITY_ARG_NOW].data, "1800000000", 10);
    assert_int_equal(argv[SG_DENSITY_ARG_WINDOW].len, 5);
    assert_memory_equal(argv[SG_DENSITY_ARG_WINDOW].data, "86400", 5);
    assert_int_equal(argv[SG_DENSITY_ARG_CAP].len, 4);
    assert_memory_equal(argv[SG_DENSITY_ARG_CAP].data, "1024", 4);
    assert_memory_equal(argv[SG_DENSITY_ARG_PROBE].data, "1", 1);

    assert_int_equal(
        sg_density_argv(none, none, 1, 60, 0, buf, sizeof(buf), argv), 0);
    assert_int_equal(argv[SG_DENSITY_ARG_SESSION].len, 0);
    assert_memory_equal(argv[SG_DENSITY_ARG_PROBE].data, "0", 1);

    /* no room for the numbers; no time; no window */
    assert_int_equal(sg_density_argv(key, user, 1, 60, 0, buf, 3, argv), -1);
    assert_int_equal(sg_density_argv(key, user, 1, 60, 0, buf, 25, argv), -1);
    assert_int_equal(
        sg_density_argv(key, user, -1, 60, 0, buf, sizeof(buf), argv), -1);
    assert_int_equal(
        sg_density_argv(key, user, 1, 0, 0, buf, sizeof(buf), argv), -1);
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
