/*
 * Commands in the Redis protocol: hand-written frames from the protocol's
 * description, and hiredis's own formatter as an independent reference.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <hiredis/hiredis.h>

#include "sg_resp.h"


static void
check(size_t argc, const sg_str_t *argv, const char *want, size_t want_len)
{
    char   buf[4096];
    size_t n = sg_resp_size(argc, argv);

    assert_int_equal(n, want_len);
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(sg_resp_write(buf, argc, argv), want_len);
    assert_memory_equal(buf, want, want_len);
    assert_int_equal(buf[want_len], 'x'); /* nothing past the end */
}


/* The frame as a literal, its length from the literal itself. */
#define CHECK(argc, argv, frame) check(argc, argv, frame, sizeof(frame) - 1)


static void
test_frames(void **state)
{
    const sg_str_t ping[] = {sg_string("PING")};
    const sg_str_t eval[] = {sg_string("EVALSHA"),
                             sg_string("abc"),
                             sg_string("1"),
                             sg_string("k"),
                             {NULL, 0}};
    const sg_str_t bin[] = {{"a\r\n\0b", 5}};

    (void) state;

    CHECK(1, ping, "*1\r\n$4\r\nPING\r\n");
    CHECK(
        5, eval,
        "*5\r\n$7\r\nEVALSHA\r\n$3\r\nabc\r\n$1\r\n1\r\n$1\r\nk\r\n$0\r\n\r\n");
    /* Bytes are bytes: CR, LF and NUL inside an argument are its own. */
    CHECK(1, bin, "*1\r\n$5\r\na\r\n\0b\r\n");
    CHECK(0, NULL, "*0\r\n");
}


/* Many shapes, lengths across digit boundaries, against hiredis. */
static void
test_against_hiredis(void **state)
{
    static char data[1200];
    sg_str_t    argv[24];
    const char *hv[24];
    size_t      hl[24], argc, i, round;
    char       *ref, buf[32768];
    int         len;
    unsigned    seed = 7;

    (void) state;

    for (i = 0; i < sizeof(data); i++) {
        data[i] = (char) (i * 131 + 7);
    }

    for (round = 0; round < 500; round++) {
        argc = 1 + round % 24;

        for (i = 0; i < argc; i++) {
            seed = seed * 1103515245 + 12345;
            argv[i].len = (seed >> 8) % (round % 3 == 0 ? 1100 : 12);
            argv[i].data = data + (seed >> 20) % 100;
            hv[i] = argv[i].data;
            hl[i] = argv[i].len;
        }

        len = redisFormatCommandArgv(&ref, (int) argc, hv, hl);
        assert_true(len > 0);
        assert_int_equal(sg_resp_size(argc, argv), (size_t) len);
        assert_int_equal(sg_resp_write(buf, argc, argv), (size_t) len);
        assert_memory_equal(buf, ref, (size_t) len);
        free(ref);
    }
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frames),
        cmocka_unit_test(test_against_hiredis),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
