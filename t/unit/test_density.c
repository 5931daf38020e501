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
      sg_density_counts_t *out)
{
    sg_reply_elt_t e[REPLY_STRINGS_MAX];

    return (int) sg_density_parse_reply(reply_strings(n, v, lens, e), e, out);
}


static void
test_keys(void **state)
{
    char     buf[128];
    unsigned i;

    (void) state;

    /* A day in four buckets of 6 h: at 1 800 000 000 the current bucket is
     * 83333, the oldest kept 83330; sessions first, then users. */
    assert_int_equal(sg_density_key(buf, sizeof(buf), "sg:", 3, "ip:192.0.2.7",
                                    12, 1800000000, 86400, 0),
                     (int) strlen("sg:{ip:192.0.2.7}:s:83330"));
    assert_string_equal(buf, "sg:{ip:192.0.2.7}:s:83330");
    sg_density_key(buf, sizeof(buf), "sg:", 3, "ip:192.0.2.7", 12, 1800000000,
                   86400, SG_DENSITY_BUCKETS - 1);
    assert_string_equal(buf, "sg:{ip:192.0.2.7}:s:83333");
    sg_density_key(buf, sizeof(buf), "sg:", 3, "ip:192.0.2.7", 12, 1800000000,
                   86400, 2 * SG_DENSITY_BUCKETS - 1);
    assert_string_equal(buf, "sg:{ip:192.0.2.7}:u:83333");

    /* The probe's scratch shares the hash tag, so one script may use it. */
    sg_density_key(buf, sizeof(buf), "sg:", 3, "ip:192.0.2.7", 12, 1800000000,
                   86400, SG_DENSITY_NKEYS - 1);
    assert_string_equal(buf, "sg:{ip:192.0.2.7}:probe");

    for (i = 0; i < SG_DENSITY_NKEYS; i++) {
        assert_true(
            sg_density_key(buf, sizeof(buf), "p", 1, "net:x", 5, 1, 60, i) > 0);
        assert_non_null(strstr(buf, "{net:x}"));
    }

    assert_int_equal(sg_density_key(buf, sizeof(buf), "p", 1, "x", 1, 1, 60,
                                    SG_DENSITY_NKEYS),
                     -1);
    assert_int_equal(
        sg_density_key(buf, 8, "sg:", 3, "ip:192.0.2.7", 12, 1, 60, 0), -1);
    assert_int_equal(sg_density_key(buf, 8, "sg:", 3, "ip:192.0.2.7", 12, 1, 60,
                                    SG_DENSITY_NKEYS - 1),
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
    sg_density_counts_t c;
    const char         *v[] = {"5", "4", "4", "3"};
    size_t              lens[] = {1, 1, 1, 1};

    (void) state;

    assert_int_equal(parse(4, v, lens, &c), 0);
    assert_int_equal(c.sessions, 5);
    assert_int_equal(c.users, 4);
    assert_int_equal(c.sessions_without, 4);
    assert_int_equal(c.users_without, 3);

    assert_int_equal(parse(2, v, lens, &c), -1);
    v[3] = "-1";
    lens[3] = 2;
    assert_int_equal(parse(4, v, lens, &c), -1);
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
