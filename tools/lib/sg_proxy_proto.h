/*
 * sg_proxy_proto: encoders of the PROXY protocol header (HAProxy's spec,
 * versions 1 and 2), which tells a listener with "proxy_protocol" which
 * client address a connection stands for.  The replay harness uses it to
 * make each scripted request come from its own address.
 *
 * Contract: pure functions, caller-owned output, no allocation.  Only TCP
 * over IPv4 and IPv6 is encoded (the PROXY command, never LOCAL).  When the
 * two addresses differ in family, the IPv4 one is written as an IPv4-mapped
 * IPv6 address, since both versions need one family per header.
 */

#ifndef SG_PROXY_PROTO_H
#define SG_PROXY_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define SG_PP_V1_MAX 108 /* the spec's bound, CRLF included */
#define SG_PP_V2_MAX 52  /* 16 fixed + 36 for two IPv6 addresses */

typedef struct {
    int      v6; /* 0: addr[0..3] is IPv4; 1: addr is IPv6 */
    uint8_t  addr[16];
    uint16_t port;
} sg_pp_endpoint_t;

/* Reads a textual IPv4 or IPv6 address (no port, no brackets). */
int sg_pp_parse_addr(const char *text, sg_pp_endpoint_t *ep);

/* Both return the header length, or -1 if cap is too small. */
int sg_pp_encode_v1(const sg_pp_endpoint_t *src, const sg_pp_endpoint_t *dst,
                    char *buf, size_t cap);
int sg_pp_encode_v2(const sg_pp_endpoint_t *src, const sg_pp_endpoint_t *dst,
                    uint8_t *buf, size_t cap);

#endif /* SG_PROXY_PROTO_H */
