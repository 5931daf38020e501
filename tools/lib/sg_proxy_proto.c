#include "sg_proxy_proto.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>


static const uint8_t sg_pp_v2_sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
                                         0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};


int
sg_pp_parse_addr(const char *text, sg_pp_endpoint_t *ep)
{
    memset(ep->addr, 0, sizeof(ep->addr));

    if (inet_pton(AF_INET, text, ep->addr) == 1) {
        ep->v6 = 0;
        return 0;
    }

    if (inet_pton(AF_INET6, text, ep->addr) == 1) {
        ep->v6 = 1;
        return 0;
    }

    return -1;
}


/* The 16-byte form of an endpoint: IPv6 as is, IPv4 as ::ffff:a.b.c.d. */
static void
sg_pp_as_v6(const sg_pp_endpoint_t *ep, uint8_t out[16])
{
    if (ep->v6) {
        memcpy(out, ep->addr, 16);
        return;
    }

    memset(out, 0, 10);
    out[10] = 0xff;
    out[11] = 0xff;
    memcpy(out + 12, ep->addr, 4);
}


int
sg_pp_encode_v1(const sg_pp_endpoint_t *src, const sg_pp_endpoint_t *dst,
                char *buf, size_t cap)
{
    char    s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
    uint8_t a[16];
    int     n, v6 = src->v6 || dst->v6;

    if (v6) {
        sg_pp_as_v6(src, a);
        inet_ntop(AF_INET6, a, s, sizeof(s));
        sg_pp_as_v6(dst, a);
        inet_ntop(AF_INET6, a, d, sizeof(d));
    } else {
        inet_ntop(AF_INET, src->addr, s, sizeof(s));
        inet_ntop(AF_INET, dst->addr, d, sizeof(d));
    }

    n = snprintf(buf, cap, "PROXY %s %s %s %u %u\r\n", v6 ? "TCP6" : "TCP4", s,
                 d, (unsigned) src->port, (unsigned) dst->port);

    if (n < 0 || (size_t) n >= cap) {
        return -1;
    }

    return n;
}


int
sg_pp_encode_v2(const sg_pp_endpoint_t *src, const sg_pp_endpoint_t *dst,
                uint8_t *buf, size_t cap)
{
    int      v6 = src->v6 || dst->v6;
    size_t   alen = v6 ? 36 : 12, n = 16 + alen;
    uint8_t *p;

    if (cap < n) {
        return -1;
    }

    memcpy(buf, sg_pp_v2_sig, sizeof(sg_pp_v2_sig));
    buf[12] = 0x21;             /* version 2, command PROXY */
    buf[13] = v6 ? 0x21 : 0x11; /* AF_INET6 or AF_INET, STREAM */
    buf[14] = (uint8_t) (alen >> 8);
    buf[15] = (uint8_t) (alen & 0xff);

    p = buf + 16;

    if (v6) {
        sg_pp_as_v6(src, p);
        sg_pp_as_v6(dst, p + 16);
        p += 32;
    } else {
        memcpy(p, src->addr, 4);
        memcpy(p + 4, dst->addr, 4);
        p += 8;
    }

    p[0] = (uint8_t) (src->port >> 8);
    p[1] = (uint8_t) (src->port & 0xff);
    p[2] = (uint8_t) (dst->port >> 8);
    p[3] = (uint8_t) (dst->port & 0xff);

    return (int) n;
}
