/*
 * Unit tests of sg_replay_h2spec: SETTINGS lists in the Akamai HTTP/2
 * fingerprint's form (Chrome 116's from its decrypted capture), HEADERS
 * priorities, pseudo-header orders, and what each refuses.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../sg_replay_h2spec.h"


static void
test_settings(void **state)
{
    uint16_t ids[8];
    uint32_t v[8];
    size_t   n;

    (void) state;

    assert_int_equal(sg_h2spec_settings("1:65536;2:0;3:1000;4:6291456;"
                                        "6:262144",
                                        ids, v, 8, &n),
                     0);
    assert_int_equal(n, 5);
    assert_int_equal(ids[0], 1);
    assert_int_equal(v[0], 65536);
    assert_int_equal(ids[1], 2);
    assert_int_equal(v[1], 0);
    assert_int_equal(ids[4], 6);
    assert_int_equal(v[4], 262144);

    assert_int_equal(sg_h2spec_settings("4:4294967295,9:1", ids, v, 8, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(v[0], 4294967295u);

    assert_int_equal(sg_h2spec_settings("", ids, v, 8, &n), 0);
    assert_int_equal(n, 0);

    assert_int_equal(sg_h2spec_settings("1:1;", ids, v, 8, &n), -1);
    assert_int_equal(sg_h2spec_settings("1:1;1:2", ids, v, 8, &n), -1);
    assert_int_equal(sg_h2spec_settings("0:1", ids, v, 8, &n), -1);
    assert_int_equal(sg_h2spec_settings("65536:1", ids, v, 8, &n), -1);
    assert_int_equal(sg_h2spec_settings("1:4294967296", ids, v, 8, &n), -1);
    assert_int_equal(sg_h2spec_settings("1:-1", ids, v, 8, &n), -1);
    assert_int_equal(sg_h2spec_settings("1=1", ids, v, 8, &n), -1);
    assert_int_equal(sg_h2spec_settings("1:1 2:2", ids, v, 8, &n), -1);
    assert_int_equal(sg_h2spec_settings("1:1;2:2;3:3", ids, v, 2, &n), -1);
}


static void
test_priority(void **state)
{
    uint16_t w;
    int      x;
    uint32_t d;

    (void) state;

    assert_int_equal(sg_h2spec_priority("256:1:0", &w, &x, &d), 0);
    assert_int_equal(w, 256);
    assert_int_equal(x, 1);
    assert_int_equal(d, 0);

    assert_int_equal(sg_h2spec_priority("42:0:13", &w, &x, &d), 0);
    assert_int_equal(w, 42);
    assert_int_equal(x, 0);
    assert_int_equal(d, 13);

    assert_int_equal(sg_h2spec_priority("0", &w, &x, &d), 0);
    assert_int_equal(w, 0);

    assert_int_equal(sg_h2spec_priority("257:1:0", &w, &x, &d), -1);
    assert_int_equal(sg_h2spec_priority("0:1:0", &w, &x, &d), -1);
    assert_int_equal(sg_h2spec_priority("16:2:0", &w, &x, &d), -1);
    assert_int_equal(sg_h2spec_priority("16:1", &w, &x, &d), -1);
    assert_int_equal(sg_h2spec_priority("16:1:2147483648", &w, &x, &d), -1);
    assert_int_equal(sg_h2spec_priority("16:1:0:", &w, &x, &d), -1);
}


static void
test_pseudo(void **state)
{
    char o[5];

    (void) state;

    assert_int_equal(sg_h2spec_pseudo("m,a,s,p", o), 0);
    assert_string_equal(o, "masp");
    assert_int_equal(sg_h2spec_pseudo("m,p,a,s", o), 0);
    assert_string_equal(o, "mpas");
    assert_int_equal(sg_h2spec_pseudo("m,s,p,a", o), 0);
    assert_string_equal(o, "mspa");

    assert_int_equal(sg_h2spec_pseudo("m,a,s", o), -1);
    assert_int_equal(sg_h2spec_pseudo("m,a,s,p,", o), -1);
    assert_int_equal(sg_h2spec_pseudo("m,a,a,p", o), -1);
    assert_int_equal(sg_h2spec_pseudo("m,a,s,x", o), -1);
    assert_int_equal(sg_h2spec_pseudo("masp", o), -1);
    assert_int_equal(sg_h2spec_pseudo("", o), -1);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_priority),
        cmocka_unit_test(test_pseudo),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
