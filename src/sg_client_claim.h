/*
 * sg_client_claim: does the TLS stack contradict the browser the
 * User-Agent claims?  (client_mismatch, our own design.)
 *
 * A script that replays a stolen cookie, or logs in with stolen
 * credentials, often copies a browser's User-Agent; its TLS library cannot
 * copy the browser's ClientHello as easily.  sg_client_facts() keeps the few
 * facts of a hello the rules below need (a handful of bits, kept with the
 * connection's fingerprints); sg_client_claim_check() compares them with
 * the device the HTTP headers describe.
 *
 * The claimed stack follows from the device:
 * - chromium: chrome, edge, opera, samsung (BoringSSL), except on iOS;
 * - apple: safari, and every browser on iOS (WebKit's network stack);
 * - gecko: firefox (NSS), except on iOS.
 * Other families (tools, bots, unrecognised clients, none) claim nothing.
 *
 * What each stack always does, and libraries do not (see
 * docs/device-and-scoring.md for the captures behind each rule):
 * - every browser offers h2 in ALPN on a TCP connection, except for a
 *   WebSocket (Chrome offers only http/1.1 there): SG_CLAIM_NO_H2;
 * - no browser offers encrypt_then_mac (RFC 7366), which OpenSSL and
 *   GnuTLS offer by default: SG_CLAIM_LIBRARY_EXT;
 * - chromium puts GREASE values (RFC 8701) in every hello:
 *   SG_CLAIM_NO_GREASE (Apple's stack is not held to it: no capture in the
 *   reference data shows what it always sends);
 * - gecko offers record_size_limit (RFC 8449) from Firefox 65 on:
 *   SG_CLAIM_NO_RECORD_LIMIT;
 * - a browser from a version on that enables TLS 1.3 offers it (Chrome
 *   70, Firefox 63, Safari 14): SG_CLAIM_NO_TLS13.
 *
 * Pure functions; nothing is allocated.
 */

#ifndef SG_CLIENT_CLAIM_H
#define SG_CLIENT_CLAIM_H

#include <stdint.h>

#include "sg_clienthello.h"
#include "sg_device.h"

/* Facts of one hello, as bits of sg_client_facts_t.flags. */
#define SG_HELLO_PARSED 0x01u /* the rest is known */
#define SG_HELLO_GREASE                                                     \
    0x02u                           /* a GREASE cipher, extension, group or \
                                       version */
#define SG_HELLO_ALPN_H2      0x04u /* "h2" among the ALPN protocols */
#define SG_HELLO_TLS13        0x08u /* supported_versions offers 1.3 */
#define SG_HELLO_ETM          0x10u /* encrypt_then_mac (0x0016) */
#define SG_HELLO_RECORD_LIMIT 0x20u /* record_size_limit (0x001c) */

typedef struct {
    uint32_t flags;
} sg_client_facts_t;

/* Rules broken, as bits returned by sg_client_claim_check(). */
#define SG_CLAIM_NO_H2           0x01u
#define SG_CLAIM_LIBRARY_EXT     0x02u
#define SG_CLAIM_NO_GREASE       0x04u
#define SG_CLAIM_NO_RECORD_LIMIT 0x08u
#define SG_CLAIM_NO_TLS13        0x10u

#define SG_CLAIM_CHROMIUM_TLS13 70
#define SG_CLAIM_GECKO_TLS13    63
#define SG_CLAIM_GECKO_LIMIT    65
#define SG_CLAIM_SAFARI_TLS13   14

typedef enum {
    SG_STACK_NONE = 0, /* claims no browser */
    SG_STACK_CHROMIUM,
    SG_STACK_APPLE,
    SG_STACK_GECKO
} sg_client_stack_e;

/* Fills *out from a parsed hello (ch may be NULL: nothing known). */
void sg_client_facts(const sg_clienthello_t *ch, sg_client_facts_t *out);

/* The TLS stack a device's browser uses. */
sg_client_stack_e sg_client_stack(const sg_device_t *d);

/*
 * The rules the hello breaks for the browser the device claims; 0 when it
 * claims none, when nothing is known of the hello (facts NULL or not
 * parsed: plain HTTP, HTTP/3, a JA4 from an edge), or when the hello fits.
 * websocket: the request is a WebSocket upgrade (ALPN is not judged).
 */
unsigned sg_client_claim_check(const sg_device_t       *d,
                               const sg_client_facts_t *facts, int websocket);

#endif /* SG_CLIENT_CLAIM_H */
