/*
 * Unit tests of sg_cidr: parsing, matching (IPv4-mapped IPv6 included),
 * canonical text and the density prefix keys.  Expected texts are written
 * out by hand from RFC 4632 / RFC 5952 rules, not produced by the code.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "../../src/sg_cidr.h"


typedef union {
    struct sockaddr     sa;
    struct sockaddr_in  sin;
    struct sockaddr_in6 sin6;
} sg_test_addr_t;


static const struct sockaddr *
addr(sg_test_addr_t *a, const char *text)
{
    memset(a, 0, sizeof(*a));

    if (inet_pton(AF_INET, text, &a->sin.sin_addr) == 1) {
        a->sin.sin_family = AF_INET;
    } else {
        assert_int_equal(inet_pton(AF_INET6, text, &a->sin6.sin6_addr), 1);
        a->sin6.sin6_family = AF_INET6;
    }

    return &a->sa;
}


static int
parse(const char *s, sg_cidr_t *c)
{
    return sg_cidr_parse(s, strlen(s), c);
}


static void
assert_canonical(const char *in, const char *want)
{
    sg_cidr_t c;
    char      buf[SG_CIDR_TEXT_MAX];

    assert_int_equal(parse(in, &c), SG_CIDR_OK);
    assert_int_equal(sg_cidr_format(&c, buf, sizeof(buf)), (int) strlen(want));
    assert_string_equal(buf, want);
}


/* The format of full-length addresses against glibc's inet_ntop (RFC 5952
 * text), over many addresses with runs of zero groups; and every buffer too
 * short by any number of bytes refused, leaving "". */
static void
test_format_against_inet_ntop(void **state)
{
    sg_cidr_t c;
    char      buf[SG_CIDR_TEXT_MAX], want[INET6_ADDRSTRLEN + 8];
    uint32_t  x = 2463534242u;
    size_t    cap, len;
    unsigned  i, j;
    int       n;

    (void) state;

    for (i = 0; i < 20000; i++) {
        memset(&c, 0, sizeof(c));
        c.family = i % 3 ? 6 : 4;
        c.bits = c.family == 6 ? 128 : 32;

        for (j = 0; j < 16; j++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            /* mostly zero groups and small numbers, to make runs */
            c.addr[j] = x % 4 ? 0 : (uint8_t) (x >> 8);
        }

        if (c.family == 6) {
            /* inet_ntop writes these in the deprecated dotted forms */
            static const uint8_t zero[10] = {0};
            if (memcmp(c.addr, zero, 10) == 0) {
                c.addr[0] = 0x20;
            }
            assert_non_null(inet_ntop(AF_INET6, c.addr, want, sizeof(want)));
        } else {
            assert_non_null(inet_ntop(AF_INET, c.addr, want, sizeof(want)));
        }
        strcat(want, c.family == 6 ? "/128" : "/32");
        len = strlen(want);

        n = sg_cidr_format(&c, buf, sizeof(buf));
        assert_int_equal(n, (int) len);
        assert_string_equal(buf, want);

        for (cap = 1; cap <= len; cap++) {
            assert_int_equal(sg_cidr_format(&c, buf, cap), SG_CIDR_ERR_NOSPACE);
            assert_string_equal(buf, "");
        }
        assert_int_equal(sg_cidr_format(&c, buf, len + 1), (int) len);
    }
}


static void
test_parse_forms(void **state)
{
    sg_cidr_t c;

    (void) state;

    assert_int_equal(parse("198.51.100.0/24", &c), SG_CIDR_OK);
    assert_int_equal(c.family, 4);
    assert_int_equal(c.bits, 24);
    assert_int_equal(c.had_host_bits, 0);
    assert_int_equal(c.addr[0], 198);
    assert_int_equal(c.addr[2], 100);

    assert_int_equal(parse("192.0.2.7", &c), SG_CIDR_OK);
    assert_int_equal(c.bits, 32);

    assert_int_equal(parse("2001:db8::1", &c), SG_CIDR_OK);
    assert_int_equal(c.family, 6);
    assert_int_equal(c.bits, 128);

    assert_canonical("198.51.100.0/24", "198.51.100.0/24");
    assert_canonical("192.0.2.7", "192.0.2.7/32");
    assert_canonical("0.0.0.0/0", "0.0.0.0/0");
    assert_canonical("2001:db8::/32", "2001:db8::/32");
    assert_canonical("2001:DB8:0:0:0:0:0:1", "2001:db8::1/128");
    assert_canonical("::/0", "::/0");
    assert_canonical("::1", "::1/128");
    /* RFC 5952 4.2.2: one zero group is not compressed; 4.2.3: the first
     * of two equal runs is */
    assert_canonical("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1/128");
    assert_canonical("2001:0:0:1:0:0:0:1", "2001:0:0:1::1/128");
    assert_canonical("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1/128");
    assert_canonical("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
}


static void
test_parse_host_bits_and_mapped(void **state)
{
    sg_cidr_t c;

    (void) state;

    assert_int_equal(parse("10.1.2.3/8", &c), SG_CIDR_OK);
    assert_int_equal(c.had_host_bits, 1);
    assert_canonical("10.1.2.3/8", "10.0.0.0/8");
    assert_canonical("198.51.100.77/26", "198.51.100.64/26");
    assert_canonical("2001:db8:1234:5678::1/56", "2001:db8:1234:5600::/56");
    assert_canonical("2001:db8::1/0", "::/0");

    /* an IPv4-mapped network is stored as IPv4 */
    assert_int_equal(parse("::ffff:192.0.2.0/120", &c), SG_CIDR_OK);
    assert_int_equal(c.family, 4);
    assert_int_equal(c.bits, 24);
    assert_canonical("::ffff:192.0.2.0/120", "192.0.2.0/24");
    assert_canonical("::ffff:0:0/96", "0.0.0.0/0");
}


static void
test_parse_errors(void **state)
{
    static const char *const syntax[] = {
        "",
        "/24",
        "198.51.100.0/",
        "198.51.100.0/2 4",
        "198.51.100.0/-1",
        "198.51.100.0/+8",
        "198.51.100.0/08",
        "198.51.100.0/1000",
        "198.51.100.0/24/8",
        "198.51.100/24",
        "198.51.100.256/24",
        "198.51.100.0.1",
        " 198.51.100.0",
        "198.51.100.0 ",
        "example.com",
        "fe80::1%eth0",
        "2001:db8:::1",
        "2001:db8::1::2",
        "garbage/x",
        "1.2.3.4/3x",
    };
    size_t    i;
    sg_cidr_t c;

    (void) state;

    for (i = 0; i < sizeof(syntax) / sizeof(syntax[0]); i++) {
        if (parse(syntax[i], &c) != SG_CIDR_ERR_SYNTAX) {
            fail_msg("\"%s\" was not rejected as syntax", syntax[i]);
        }
    }

    assert_int_equal(parse("198.51.100.0/33", &c), SG_CIDR_ERR_PREFIX);
    assert_int_equal(parse("2001:db8::/129", &c), SG_CIDR_ERR_PREFIX);
    assert_int_equal(parse("::ffff:1.2.3.4/129", &c), SG_CIDR_ERR_PREFIX);

    /* a slice is not a C string: an embedded NUL or a length that stops
     * early must be honoured */
    assert_int_equal(sg_cidr_parse("192.0.2.1\0/8", 12, &c),
                     SG_CIDR_ERR_SYNTAX);
    assert_int_equal(sg_cidr_parse("192.0.2.0/24xyz", 12, &c), SG_CIDR_OK);
    assert_int_equal(c.bits, 24);

    /* longer than any address */
    assert_int_equal(
        parse("0000:0000:0000:0000:0000:0000:0000:0000:0000/8", &c),
        SG_CIDR_ERR_SYNTAX);

    assert_int_equal(sg_cidr_parse(NULL, 0, &c), SG_CIDR_ERR_ARG);
    assert_int_equal(sg_cidr_parse("1.2.3.4", 7, NULL), SG_CIDR_ERR_ARG);
}


static void
test_contains_edges(void **state)
{
    sg_test_addr_t a;
    sg_cidr_t      c;

    (void) state;

    assert_int_equal(parse("0.0.0.0/0", &c), SG_CIDR_OK);
    assert_int_equal(sg_cidr_contains(&c, addr(&a, "255.255.255.255")), 1);
    assert_int_equal(sg_cidr_contains(&c, addr(&a, "0.0.0.0")), 1);
    /* /0 of one family says nothing about the other */
    assert_int_equal(sg_cidr_contains(&c, addr(&a, "2001:db8::1")), 0);

    assert_int_equal(parse("192.0.2.7/32", &c), SG_CIDR_OK);
    assert_int_equal(sg_cidr_contains(&c, addr(&a, "192.0.2.7")), 1);
    assert_int_equal(sg_cidr_contains(&c, addr(&a, "192.0.2.6")), 0);

    assert_int_equal(parse("198.51.100.64/26", &c), SG_CIDR_OK);
    assert_int_equal(sg_cidr_contains(&c, addr(&a, "198.51.100.63")), 0);
    assert_int_equal(sg_cidr_contains(&c, addr(&a, "198.51.100.64")), 1);
    assert_int_equal(sg_cidr_contains(&c, addr(&a, "198.51.100.127")), 1);
    assert_int_equal(sg_cidr_contains(&c, addr(&a, "198.51.100.128")), 0);

    assert_int_equal(parse("::/0", &c), SG_CIDR_OK);
    assert_int_equal(sg_cidr_contains(&c, addr(&a, "2001:db8::1")), 1);
    assert_int_equal(sg_cidr_contains(&c, addr(&a, "192.0.2.1")), 0);

    assert_int_equal(parse("2001:db8::1/128", &c), SG_CIDR_OK);
    assert_int_equal(sg_cidr_contains(&c, addr(&a, "2001:db8::1")), 1);
    assert_int_equal(sg_cidr_contains(&c, addr(&a, "2001:db8::2")), 0);

    assert_int_equal(parse("2001:db8:1200::/39", &c), SG_CIDR_OK);
    assert_int_equal(sg_cidr_contains(&c, addr(&a, "2001:db8:1300::1")), 1);
    assert_int_equal(sg_cidr_contains(&c, addr(&a, "2001:db8:1400::1")), 0);
}


static void
test_list_match(void **state)
{
    sg_cidr_t                storage[3];
    sg_cidr_list_t           list;
    sg_test_addr_t           a;
    struct sockaddr          unix_like;
    static const char *const entries[] = {"198.51.100.224/27",
                                          "2001:db8:1200::/48", "192.0.2.1"};
    size_t                   i;

    (void) state;

    sg_cidr_list_init(&list, storage, 3);

    assert_int_equal(sg_cidr_match(&list, addr(&a, "198.51.100.230")), 0);

    for (i = 0; i < 3; i++) {
        assert_int_equal(
            sg_cidr_list_add(&list, entries[i], strlen(entries[i])),
            SG_CIDR_OK);
    }
    assert_int_equal(sg_cidr_list_add(&list, "10.0.0.0/8", 10),
                     SG_CIDR_ERR_FULL);
    assert_int_equal(list.n, 3);

    assert_int_equal(sg_cidr_match(&list, addr(&a, "198.51.100.230")), 1);
    assert_int_equal(sg_cidr_match(&list, addr(&a, "198.51.100.10")), 0);
    assert_int_equal(sg_cidr_match(&list, addr(&a, "192.0.2.1")), 1);
    assert_int_equal(sg_cidr_match(&list, addr(&a, "192.0.2.2")), 0);
    assert_int_equal(sg_cidr_match(&list, addr(&a, "2001:db8:1200:ff::1")), 1);
    assert_int_equal(sg_cidr_match(&list, addr(&a, "2001:db8:1201::1")), 0);

    /* a dual-stack listener reports IPv4 clients as mapped addresses */
    assert_int_equal(sg_cidr_match(&list, addr(&a, "::ffff:198.51.100.230")),
                     1);
    assert_int_equal(sg_cidr_match(&list, addr(&a, "::ffff:192.0.2.2")), 0);
    /* ::198.51.100.230 (IPv4-compatible) is not a mapped address */
    assert_int_equal(sg_cidr_match(&list, addr(&a, "::198.51.100.230")), 0);

    memset(&unix_like, 0, sizeof(unix_like));
    unix_like.sa_family = AF_UNIX;
    assert_int_equal(sg_cidr_match(&list, &unix_like), SG_CIDR_ERR_ARG);
    assert_int_equal(sg_cidr_match(&list, NULL), SG_CIDR_ERR_ARG);
    assert_int_equal(sg_cidr_match(NULL, addr(&a, "192.0.2.1")),
                     SG_CIDR_ERR_ARG);

    /* a bad entry is refused and leaves the list as it was */
    sg_cidr_list_init(&list, storage, 3);
    assert_int_equal(sg_cidr_list_add(&list, "192.0.2.0/33", 12),
                     SG_CIDR_ERR_PREFIX);
    assert_int_equal(list.n, 0);
}


static void
assert_key(const char *ip, unsigned v4, unsigned v6, const char *want)
{
    sg_test_addr_t a;
    char           buf[SG_CIDR_TEXT_MAX];

    assert_int_equal(sg_cidr_prefix_key(addr(&a, ip), v4, v6, buf, sizeof(buf)),
                     (int) strlen(want));
    assert_string_equal(buf, want);
}


static void
test_prefix_key(void **state)
{
    sg_test_addr_t a;
    char           small[16];
    char           buf[SG_CIDR_TEXT_MAX];

    (void) state;

    assert_key("198.51.100.17", 24, 56, "198.51.100.0/24");
    assert_key("198.51.100.17", 32, 56, "198.51.100.17/32");
    assert_key("198.51.100.17", 0, 56, "0.0.0.0/0");
    assert_key("198.51.100.17", 20, 56, "198.51.96.0/20");
    assert_key("::ffff:198.51.100.17", 24, 56, "198.51.100.0/24");
    assert_key("2001:db8:1234:5678::1", 24, 56, "2001:db8:1234:5600::/56");
    assert_key("2001:db8:12ff:ffff::1", 24, 56, "2001:db8:12ff:ff00::/56");
    assert_key("2001:db8:1200:ab::1", 24, 48, "2001:db8:1200::/48");
    assert_key("2001:db8:1200:ab::1", 24, 64, "2001:db8:1200:ab::/64");
    assert_key("2001:db8:1200:ab::1", 24, 128, "2001:db8:1200:ab::1/128");
    assert_key("2001:db8:1200:ab::1", 24, 0, "::/0");

    assert_int_equal(
        sg_cidr_prefix_key(addr(&a, "192.0.2.1"), 33, 56, buf, sizeof(buf)),
        SG_CIDR_ERR_PREFIX);
    assert_int_equal(
        sg_cidr_prefix_key(addr(&a, "2001:db8::1"), 24, 129, buf, sizeof(buf)),
        SG_CIDR_ERR_PREFIX);
    assert_int_equal(sg_cidr_prefix_key(NULL, 24, 56, buf, sizeof(buf)),
                     SG_CIDR_ERR_ARG);

    /* too small a buffer: an error and an empty string, never a cut key
     * that would count two networks as one */
    assert_int_equal(sg_cidr_prefix_key(addr(&a, "2001:db8:1234:5678::1"), 24,
                                        56, small, sizeof(small)),
                     SG_CIDR_ERR_NOSPACE);
    assert_string_equal(small, "");
    assert_int_equal(
        sg_cidr_prefix_key(addr(&a, "198.51.100.17"), 24, 56, small, 15),
        SG_CIDR_ERR_NOSPACE);
    assert_int_equal(
        sg_cidr_prefix_key(addr(&a, "198.51.100.17"), 24, 56, small, 16), 15);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_format_against_inet_ntop),
        cmocka_unit_test(test_parse_host_bits_and_mapped),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_contains_edges),
        cmocka_unit_test(test_list_match),
        cmocka_unit_test(test_prefix_key),
    };

    return cmocka_run_group_tests_name("sg_cidr", tests, NULL, NULL);
}
