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


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex_digit),
    };

    return cmocka_run_group_tests_name("sg_str", tests, NULL, NULL);
}
