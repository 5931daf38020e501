/*
 * sg_cidr: IPv4/IPv6 networks in CIDR notation, lists of them, and the
 * canonical text of the network enclosing an address.
 *
 * Contract:
 * - sg_cidr_parse() reads "a.b.c.d/n", "x:y::/n" or a bare address (/32,
 *   /128) from a slice (no NUL needed).  Host bits below the prefix are
 *   cleared and reported in had_host_bits, so a caller can warn the way
 *   nginx does for "allow 10.0.0.1/8".  IPv4-mapped IPv6 networks
 *   (::ffff:0:0/96 and longer) are stored as IPv4 networks.
 * - A list is caller-owned storage of fixed capacity; nothing allocates.
 * - IPv4-mapped IPv6 socket addresses (::ffff:a.b.c.d, as a dual-stack
 *   listener reports IPv4 clients) are treated as the IPv4 address by
 *   sg_cidr_match() and sg_cidr_prefix_key().
 * - Text output is canonical: dotted quad for IPv4; lowercase, longest run
 *   of two or more zero groups compressed (RFC 5952) for IPv6.
 * - Every function returns a status (< 0 on error) and never crashes on
 *   bad input; outputs are untouched or empty on error.
 */

#ifndef SG_CIDR_H
#define SG_CIDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128" and the NUL */
#define SG_CIDR_TEXT_MAX 44

#define SG_CIDR_OK          0
#define SG_CIDR_ERR_ARG     -1 /* NULL pointer or unsupported family */
#define SG_CIDR_ERR_SYNTAX  -2 /* not an address or prefix length */
#define SG_CIDR_ERR_PREFIX  -3 /* prefix length out of range */
#define SG_CIDR_ERR_FULL    -4 /* list at capacity */
#define SG_CIDR_ERR_NOSPACE -5 /* output buffer too small */

typedef struct {
    uint8_t family; /* 4 or 6 */
    uint8_t bits;   /* prefix length: 0..32 or 0..128 */
    uint8_t had_host_bits;
    uint8_t addr[16]; /* network address, IPv4 in the first 4 bytes */
} sg_cidr_t;

typedef struct {
    sg_cidr_t *items;
    size_t     n;
    size_t     cap;
} sg_cidr_list_t;


int sg_cidr_parse(const char *p, size_t len, sg_cidr_t *out);
int sg_cidr_format(const sg_cidr_t *c, char *buf, size_t cap);

/* 1 if the address is inside the network, 0 if not, < 0 on error */
int sg_cidr_contains(const sg_cidr_t *c, const struct sockaddr *sa);

void sg_cidr_list_init(sg_cidr_list_t *list, sg_cidr_t *storage, size_t cap);
int  sg_cidr_list_add(sg_cidr_list_t *list, const char *p, size_t len);
/* 1 if any entry contains the address, 0 if none, < 0 on error */
int sg_cidr_match(const sg_cidr_list_t *list, const struct sockaddr *sa);

/*
 * Writes the network of the given length enclosing the address, e.g.
 * "198.51.100.0/24" or "2001:db8:1200::/56", NUL-terminated.  Returns the
 * text length (without the NUL) or < 0.
 */
int sg_cidr_prefix_key(const struct sockaddr *sa, unsigned v4_bits,
                       unsigned v6_bits, char *buf, size_t cap);

#endif /* SG_CIDR_H */
