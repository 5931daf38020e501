/*
 * libFuzzer target: a network in CIDR notation (the trusted networks, the
 * edges a JA4 header is taken from).  What parses must be in range, format
 * to canonical text that parses back to the same network without host
 * bits, contain its own network address, and give that address's prefix
 * key; a failed parse must leave nothing behind in a list.
 */

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sg_cidr.h"
#include "sg_fuzz.h"


static int
sg_fuzz_cidr_equal(const sg_cidr_t *a, const sg_cidr_t *b)
{
    return a->family == b->family && a->bits == b->bits &&
           memcmp(a->addr, b->addr, a->family == 4 ? 4 : 16) == 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sg_fuzz_t           f;
    sg_cidr_t           c, back, storage[2];
    sg_cidr_list_t      list;
    struct sockaddr_in  sin;
    struct sockaddr_in6 sin6;
    struct sockaddr    *sa;
    char                text[SG_CIDR_TEXT_MAX], again[SG_CIDR_TEXT_MAX];
    char                key[SG_CIDR_TEXT_MAX], *p;
    int                 rc, n;

    sg_fuzz_init(&f, data, size);
    p = sg_fuzz_copy(&f, data, size);

    rc = sg_cidr_parse(p, size, &c);
    sg_fuzz_check(rc == SG_CIDR_OK || rc == SG_CIDR_ERR_SYNTAX ||
                  rc == SG_CIDR_ERR_PREFIX || rc == SG_CIDR_ERR_ARG);

    sg_cidr_list_init(&list, storage, 2);
    sg_fuzz_check(sg_cidr_list_add(&list, p, size) == rc);
    sg_fuzz_check(list.n == (rc == SG_CIDR_OK ? 1u : 0u));

    if (rc != SG_CIDR_OK) {
        sg_fuzz_done(&f);
        return 0;
    }

    sg_fuzz_check((c.family == 4 && c.bits <= 32) ||
                  (c.family == 6 && c.bits <= 128));
    sg_fuzz_check(c.had_host_bits <= 1);

    n = sg_cidr_format(&c, text, sizeof(text));
    sg_fuzz_check(n > 0 && (size_t) n < sizeof(text));
    sg_fuzz_check(strlen(text) == (size_t) n);
    sg_fuzz_check(sg_fuzz_printable(text, SG_CIDR_TEXT_MAX, 0));
    sg_fuzz_check(sg_cidr_format(&c, again, (size_t) n) < 0);

    sg_fuzz_check(sg_cidr_parse(text, (size_t) n, &back) == SG_CIDR_OK);
    sg_fuzz_check(sg_fuzz_cidr_equal(&c, &back) && back.had_host_bits == 0);
    sg_fuzz_check(sg_cidr_format(&back, again, sizeof(again)) == n);
    sg_fuzz_check(strcmp(text, again) == 0);

    if (c.family == 4) {
        memset(&sin, 0, sizeof(sin));
        sin.sin_family = AF_INET;
        memcpy(&sin.sin_addr, c.addr, 4);
        sa = (struct sockaddr *) &sin;
    } else {
        memset(&sin6, 0, sizeof(sin6));
        sin6.sin6_family = AF_INET6;
        memcpy(&sin6.sin6_addr, c.addr, 16);
        sa = (struct sockaddr *) &sin6;
    }

    sg_fuzz_check(sg_cidr_contains(&c, sa) == 1);
    sg_fuzz_check(sg_cidr_match(&list, sa) == 1);

    n = sg_cidr_prefix_key(sa, c.family == 4 ? c.bits : 24,
                           c.family == 6 ? c.bits : 56, key, sizeof(key));
    sg_fuzz_check(n > 0 && strlen(key) == (size_t) n);
    sg_fuzz_check(sg_cidr_parse(key, (size_t) n, &back) == SG_CIDR_OK);

    sg_fuzz_done(&f);

    return 0;
}
