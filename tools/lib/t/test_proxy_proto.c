/*
 * Unit tests of sg_proxy_proto: PROXY v1 lines and v2 binary headers
 * written out by hand from HAProxy's proxy-protocol.txt, for IPv4, IPv6 and
 * mixed families, and short buffers.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../sg_proxy_proto.h"


static void
ep(sg_pp_endpoint_t *e, const char *text, uint16_t port)
{
    assert_int_equal(sg_pp_parse_addr(text, e), 0);
    e->port = port;
}


static void
test_parse(void **state)
{
    sg_pp_endpoint_t e;

    (void) state;

    assert_int_equal(sg_pp_parse_addr("203.0.113.7", &e), 0);
    assert_int_equal(e.v6, 0);
    assert_memory_equal(e.addr, "\xcb\x00\x71\x07", 4);
    assert_int_equal(sg_pp_parse_addr("2001:db8::1", &e), 0);
    assert_int_equal(e.v6, 1);
    assert_int_equal(sg_pp_parse_addr("203.0.113", &e), -1);
    assert_int_equal(sg_pp_parse_addr("[2001:db8::1]", &e), -1);
    assert_int_equal(sg_pp_parse_addr("", &e), -1);
}


static void
test_v1(void **state)
{
    sg_pp_endpoint_t  s, d;
    char              buf[SG_PP_V1_MAX];
    static const char v4[] = "PROXY TCP4 203.0.113.7 127.0.0.1 51000 8443\r\n";
    static const char v6[] =
        "PROXY TCP6 2001:db8::1 ::ffff:127.0.0.1 51000 8443\r\n";

    (void) state;

    ep(&s, "203.0.113.7", 51000);
    ep(&d, "127.0.0.1", 8443);
    assert_int_equal(sg_pp_encode_v1(&s, &d, buf, sizeof(buf)),
                     (int) sizeof(v4) - 1);
    assert_string_equal(buf, v4);

    /* an IPv6 client to an IPv4 listener: both written as IPv6 */
    ep(&s, "2001:db8::1", 51000);
    assert_int_equal(sg_pp_encode_v1(&s, &d, buf, sizeof(buf)),
                     (int) sizeof(v6) - 1);
    assert_string_equal(buf, v6);

    assert_int_equal(sg_pp_encode_v1(&s, &d, buf, 20), -1);
}


static void
test_v2(void **state)
{
    sg_pp_endpoint_t     s, d;
    uint8_t              buf[SG_PP_V2_MAX];
    static const uint8_t v4[] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a,
                                 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11,
                                 0x00, 0x0c, 203,  0,    113,  7,    127,
                                 0,    0,    1,    0xc7, 0x38, 0x20, 0xfb};
    static const uint8_t v6_tail[] = {0x21, 0x21, 0x00, 0x24,
                                      /* 2001:db8::1 */
                                      0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0,
                                      0, 0, 0, 0, 0, 1,
                                      /* ::ffff:127.0.0.1 */
                                      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
                                      127, 0, 0, 1, 0xc7, 0x38, 0x20, 0xfb};

    (void) state;

    ep(&s, "203.0.113.7", 51000);
    ep(&d, "127.0.0.1", 8443);
    assert_int_equal(sg_pp_encode_v2(&s, &d, buf, sizeof(buf)),
                     (int) sizeof(v4));
    assert_memory_equal(buf, v4, sizeof(v4));

    ep(&s, "2001:db8::1", 51000);
    assert_int_equal(sg_pp_encode_v2(&s, &d, buf, sizeof(buf)), 52);
    assert_memory_equal(buf, v4, 12);
    assert_memory_equal(buf + 12, v6_tail, sizeof(v6_tail));

    assert_int_equal(sg_pp_encode_v2(&s, &d, buf, 51), -1);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_v1),
        cmocka_unit_test(test_v2),
    };

    return cmocka_run_group_tests_name("sg_proxy_proto", tests, NULL, NULL);
}
