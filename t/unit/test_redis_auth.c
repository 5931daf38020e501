/*
 * The Redis password file: a password, or a user and its password
 * (sg_redis_auth_parse).
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sg_redis_auth.h"


static const char *
parse(const char *file, sg_redis_auth_t *out)
{
    return sg_redis_auth_parse((const uint8_t *) file, strlen(file), out);
}


static void
assert_slice(const uint8_t *p, size_t len, const char *want)
{
    assert_int_equal(len, strlen(want));
    if (len) {
        assert_memory_equal(p, want, len);
    }
}


static void
test_password(void **state)
{
    sg_redis_auth_t a;

    (void) state;

    assert_null(parse("s3cret pass", &a));
    assert_slice(a.password, a.password_len, "s3cret pass");
    assert_null(a.user);
    assert_int_equal(a.user_len, 0);

    assert_null(parse("s3cret\n", &a));
    assert_slice(a.password, a.password_len, "s3cret");
    assert_int_equal(a.user_len, 0);

    assert_null(parse("s3cret\r\n", &a));
    assert_slice(a.password, a.password_len, "s3cret");
}


static void
test_user_and_password(void **state)
{
    sg_redis_auth_t a;

    (void) state;

    assert_null(parse("session_guard\npa ss\n", &a));
    assert_slice(a.user, a.user_len, "session_guard");
    assert_slice(a.password, a.password_len, "pa ss");
    assert_int_equal(a.line, 0);

    assert_null(parse("sg\r\npw", &a));
    assert_slice(a.user, a.user_len, "sg");
    assert_slice(a.password, a.password_len, "pw");
}


static void
test_refused(void **state)
{
    sg_redis_auth_t a;
    const char     *err;

    (void) state;

    err = sg_redis_auth_parse((const uint8_t *) "", 0, &a);
    assert_non_null(strstr(err, "is empty"));
    assert_int_equal(a.line, 0);

    err = parse("\n", &a);
    assert_non_null(strstr(err, "is empty"));
    assert_int_equal(a.line, 1);

    err = parse("sg\n\n", &a);
    assert_non_null(strstr(err, "is empty"));
    assert_int_equal(a.line, 2);
    assert_null(a.password);
    assert_null(a.user);

    err = parse("sg\npw\nmore\n", &a);
    assert_non_null(strstr(err, "third line"));
    assert_int_equal(a.line, 3);
    assert_null(a.password);

    err = parse("session guard\npw\n", &a);
    assert_non_null(strstr(err, "not a user name"));
    assert_int_equal(a.line, 1);
    assert_null(a.user);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password),
        cmocka_unit_test(test_user_and_password),
        cmocka_unit_test(test_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
