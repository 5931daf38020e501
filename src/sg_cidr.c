/*
 * sg_cidr: see sg_cidr.h for the contract.
 */

#include "sg_cidr.h"
#include "sg_str.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>


/* Longest address text accepted before the '/': a full IPv6 address with
 * an embedded dotted quad is 45 characters. */
#define SG_CIDR_ADDR_TEXT_MAX 46

static const uint8_t sg_cidr_v4_mapped[12] = {0, 0, 0, 0, 0,    0,
                                              0, 0, 0, 0, 0xff, 0xff};


static void
sg_cidr_mask(uint8_t *addr, unsigned total_bits, unsigned bits,
             uint8_t *had_host_bits)
{
    unsigned i, keep;
    uint8_t  m;

    for (i = 0; i < total_bits / 8; i++) {
        if (bits >= (i + 1) * 8) {
            continue;
        }
        keep = bits > i * 8 ? bits - i * 8 : 0;
        m = (uint8_t) (keep ? 0xff << (8 - keep) : 0);
        if (had_host_bits != NULL && (addr[i] & ~m) != 0) {
            *had_host_bits = 1;
        }
        addr[i] &= m;
    }
}


/*
 * Reduces a socket address to family (4 or 6) and 16 address bytes;
 * IPv4-mapped IPv6 becomes IPv4 so one list entry serves both listeners.
 */
static int
sg_cidr_sockaddr(const struct sockaddr *sa, uint8_t *family, uint8_t *addr)
{
    const struct sockaddr_in  *sin;
    const struct sockaddr_in6 *sin6;

    if (sa == NULL) {
        return SG_CIDR_ERR_ARG;
    }

    memset(addr, 0, 16);

    if (sa->sa_family == AF_INET) {
        sin = (const struct sockaddr_in *) (const void *) sa;
        memcpy(addr, &sin->sin_addr.s_addr, 4);
        *family = 4;
        return SG_CIDR_OK;
    }

    if (sa->sa_family == AF_INET6) {
        sin6 = (const struct sockaddr_in6 *) (const void *) sa;
        if (memcmp(sin6->sin6_addr.s6_addr, sg_cidr_v4_mapped, 12) == 0) {
            memcpy(addr, sin6->sin6_addr.s6_addr + 12, 4);
            *family = 4;
        } else {
            memcpy(addr, sin6->sin6_addr.s6_addr, 16);
            *family = 6;
        }
        return SG_CIDR_OK;
    }

    return SG_CIDR_ERR_ARG;
}


int
sg_cidr_parse(const char *p, size_t len, sg_cidr_t *out)
{
    char        text[SG_CIDR_ADDR_TEXT_MAX];
    size_t      alen, i;
    unsigned    bits, max;
    const char *slash;
    sg_cidr_t   c;

    if (p == NULL || out == NULL) {
        return SG_CIDR_ERR_ARG;
    }

    slash = memchr(p, '/', len);
    alen = slash ? (size_t) (slash - p) : len;

    if (alen == 0 || alen >= sizeof(text)) {
        return SG_CIDR_ERR_SYNTAX;
    }

    /* inet_pton() wants a C string and would stop at an embedded NUL */
    if (memchr(p, '\0', len) != NULL) {
        return SG_CIDR_ERR_SYNTAX;
    }

    memcpy(text, p, alen);
    text[alen] = '\0';

    memset(&c, 0, sizeof(c));

    if (inet_pton(AF_INET, text, c.addr) == 1) {
        c.family = 4;
        max = 32;
    } else if (inet_pton(AF_INET6, text, c.addr) == 1) {
        c.family = 6;
        max = 128;
    } else {
        return SG_CIDR_ERR_SYNTAX;
    }

    bits = max;

    if (slash != NULL) {
        i = alen + 1;
        if (i == len || len - i > 3) {
            return SG_CIDR_ERR_SYNTAX;
        }
        /* "/08" is rejected: a leading zero is a typo more often than not */
        if (p[i] == '0' && len - i > 1) {
            return SG_CIDR_ERR_SYNTAX;
        }
        bits = 0;
        for (; i < len; i++) {
            if (p[i] < '0' || p[i] > '9') {
                return SG_CIDR_ERR_SYNTAX;
            }
            bits = bits * 10 + (unsigned) (p[i] - '0');
        }
        if (bits > max) {
            return SG_CIDR_ERR_PREFIX;
        }
    }

    if (c.family == 6 && bits >= 96 &&
        memcmp(c.addr, sg_cidr_v4_mapped, 12) == 0) {
        memmove(c.addr, c.addr + 12, 4);
        memset(c.addr + 4, 0, 12);
        c.family = 4;
        bits -= 96;
        max = 32;
    }

    c.bits = (uint8_t) bits;
    sg_cidr_mask(c.addr, max, bits, &c.had_host_bits);

    *out = c;

    return SG_CIDR_OK;
}


/*
 * Appends v (a group, at most 0xffff) in lower-case hex.  Addresses are
 * written by hand, not with snprintf: a new session's network is named on
 * its request, and printf's machinery cost more than all the rest of it.
 */
static int
sg_cidr_put_hex(char *buf, size_t cap, size_t *n, unsigned v)
{
    char   d[4];
    size_t i = sizeof(d);

    do {
        d[--i] = "0123456789abcdef"[v & 0xf];
        v >>= 4;
    } while (v > 0 && i > 0);

    return sg_str_put(buf, cap, n, d + i, sizeof(d) - i);
}


/* Appends v in decimal. */
static int
sg_cidr_put_dec(char *buf, size_t cap, size_t *n, unsigned v)
{
    char d[SG_STR_DEC_MAX];

    return sg_str_put(buf, cap, n, d, sg_str_dec(d, v));
}


static int
sg_cidr_format_v6(const uint8_t *a, char *buf, size_t cap)
{
    unsigned g[8], i, best, best_len, run, run_len;
    size_t   n;
    int      w;

    for (i = 0; i < 8; i++) {
        g[i] = (unsigned) a[2 * i] << 8 | a[2 * i + 1];
    }

    /* RFC 5952 4.2: compress the longest run of zero groups, the first
     * one on a tie, and never a single group */
    best = 8;
    best_len = 1;
    for (i = 0; i < 8; i = run + run_len) {
        run = i;
        run_len = 0;
        while (run + run_len < 8 && g[run + run_len] == 0) {
            run_len++;
        }
        if (run_len > best_len) {
            best = run;
            best_len = run_len;
        }
        if (run_len == 0) {
            run_len = 1;
        }
    }

    n = 0;
    for (i = 0; i < 8; i++) {
        if (i == best) {
            w = sg_str_put(buf, cap, &n, "::", 2);
            i += best_len - 1;
        } else {
            w = (i == 0 || i == best + best_len)
                    ? 0
                    : sg_str_put(buf, cap, &n, ":", 1);
            if (w == 0) {
                w = sg_cidr_put_hex(buf, cap, &n, g[i]);
            }
        }
        if (w != 0) {
            return SG_CIDR_ERR_NOSPACE;
        }
    }

    return (int) n;
}


int
sg_cidr_format(const sg_cidr_t *c, char *buf, size_t cap)
{
    size_t   n = 0;
    unsigned i;
    int      rc;

    if (c == NULL || buf == NULL || cap == 0) {
        return SG_CIDR_ERR_ARG;
    }

    buf[0] = '\0';

    if (c->family == 4 && c->bits <= 32) {
        for (i = 0; i < 4; i++) {
            if ((i > 0 && sg_str_put(buf, cap, &n, ".", 1) != 0) ||
                sg_cidr_put_dec(buf, cap, &n, c->addr[i]) != 0) {
                buf[0] = '\0';
                return SG_CIDR_ERR_NOSPACE;
            }
        }
    } else if (c->family == 6 && c->bits <= 128) {
        rc = sg_cidr_format_v6(c->addr, buf, cap);
        if (rc < 0) {
            buf[0] = '\0';
            return rc;
        }
        n = (size_t) rc;
    } else {
        return SG_CIDR_ERR_ARG;
    }

    if (sg_str_put(buf, cap, &n, "/", 1) != 0 ||
        sg_cidr_put_dec(buf, cap, &n, c->bits) != 0) {
        buf[0] = '\0';
        return SG_CIDR_ERR_NOSPACE;
    }

    buf[n] = '\0';

    return (int) n;
}


int
sg_cidr_contains(const sg_cidr_t *c, const struct sockaddr *sa)
{
    uint8_t  family, addr[16];
    unsigned full, rest;
    int      rc;

    if (c == NULL) {
        return SG_CIDR_ERR_ARG;
    }

    rc = sg_cidr_sockaddr(sa, &family, addr);
    if (rc != SG_CIDR_OK) {
        return rc;
    }

    if (family != c->family) {
        return 0;
    }

    full = c->bits / 8;
    rest = c->bits % 8;

    if (memcmp(addr, c->addr, full) != 0) {
        return 0;
    }

    if (rest != 0 &&
        ((addr[full] ^ c->addr[full]) & (uint8_t) (0xff << (8 - rest)))) {
        return 0;
    }

    return 1;
}


void
sg_cidr_list_init(sg_cidr_list_t *list, sg_cidr_t *storage, size_t cap)
{
    list->items = storage;
    list->n = 0;
    list->cap = storage ? cap : 0;
}


int
sg_cidr_list_add(sg_cidr_list_t *list, const char *p, size_t len)
{
    int rc;

    if (list == NULL) {
        return SG_CIDR_ERR_ARG;
    }

    if (list->n >= list->cap) {
        return SG_CIDR_ERR_FULL;
    }

    rc = sg_cidr_parse(p, len, &list->items[list->n]);
    if (rc != SG_CIDR_OK) {
        return rc;
    }

    list->n++;

    return SG_CIDR_OK;
}


int
sg_cidr_match(const sg_cidr_list_t *list, const struct sockaddr *sa)
{
    size_t  i;
    int     rc;
    uint8_t family, addr[16];

    if (list == NULL) {
        return SG_CIDR_ERR_ARG;
    }

    for (i = 0; i < list->n; i++) {
        rc = sg_cidr_contains(&list->items[i], sa);
        if (rc != 0) {
            return rc;
        }
    }

    /* an empty list still validates the address, so a bad family is
     * reported the same way whatever the configuration */
    if (list->n == 0) {
        rc = sg_cidr_sockaddr(sa, &family, addr);
        if (rc != SG_CIDR_OK) {
            return rc;
        }
    }

    return 0;
}


int
sg_cidr_prefix_key(const struct sockaddr *sa, unsigned v4_bits,
                   unsigned v6_bits, char *buf, size_t cap)
{
    sg_cidr_t c;
    unsigned  bits, max;
    int       rc;

    if (buf == NULL || cap == 0) {
        return SG_CIDR_ERR_ARG;
    }

    buf[0] = '\0';

    memset(&c, 0, sizeof(c));

    rc = sg_cidr_sockaddr(sa, &c.family, c.addr);
    if (rc != SG_CIDR_OK) {
        return rc;
    }

    bits = c.family == 4 ? v4_bits : v6_bits;
    max = c.family == 4 ? 32 : 128;

    if (bits > max) {
        return SG_CIDR_ERR_PREFIX;
    }

    c.bits = (uint8_t) bits;
    sg_cidr_mask(c.addr, max, bits, NULL);

    return sg_cidr_format(&c, buf, cap);
}
