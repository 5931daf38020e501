/*
 * The shared character readers of sg_str.h, over every byte value.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sg_str.h"


static void
test_hex_digit(void **state)
{
    static const char lower[] = "0123456789abcdef";
    static const char upper[] = "0123456789ABCDEF";
    const char       *l, *u;
    int               c;

    (void) state;

    for (c = -128; c < 256; c++) {
        l = c > 0 ? memchr(lower, c, 16) : NULL;
        u = c > 0 ? memchr(upper, c, 16) : NULL;

        if (l != NULL) {
            assert_int_equal(sg_hex_digit(c), l - lower);
            assert_int_equal(sg_hex_digit_lower(c), l - lower);
        } else if (u != NULL) {
            assert_int_equal(sg_hex_digit(c), u - upper);
            assert_int_equal(sg_hex_digit_lower(c), -1);
        } else {
            assert_int_equal(sg_hex_digit(c), -1);
            assert_int_equal(sg_hex_digit_lower(c), -1);
        }
    }

    /* a plain char above 0x7f is negative on most targets: still no digit */
    assert_int_equal(sg_hex_digit((char) 0xe1), -1);
}


/* Decimals as libc's printf writes them, at the edges of int64_t too. */
static void
test_dec(void **state)
{
    const int64_t v[] = {0,         1,         -1,           9,          10,
                         -10,       99,        100,          1800000000, 83333,
                         INT64_MAX, INT64_MIN, INT64_MIN + 1};
    char          want[32], got[SG_STR_DEC_MAX + 1], buf[64];
    size_t        i, n, len;
    sg_str_t      out;

    (void) state;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        snprintf(want, sizeof(want), "%lld", (long long) v[i]);
        len = sg_str_dec(got, v[i]);
        assert_true(len <= SG_STR_DEC_MAX);
        got[len] = '\0';
        assert_string_equal(got, want);

        n = 0;
        assert_int_equal(sg_str_num(buf, sizeof(buf), &n, v[i], &out), 0);
        assert_int_equal(out.len, strlen(want));
        assert_string_equal(out.data, want);
        assert_int_equal(n, strlen(want) + 1);
    }

    /* Room for the longest number is asked for, whatever v is. */
    n = 0;
    assert_int_equal(sg_str_num(buf, SG_STR_DEC_MAX, &n, 7, &out), -1);
    n = 60;
    assert_int_equal(sg_str_num(buf, sizeof(buf), &n, 7, &out), -1);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex_digit),
        cmocka_unit_test(test_dec),
    };

    return cmocka_run_group_tests_name("sg_str", tests, NULL, NULL);
}
